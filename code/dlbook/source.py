"""Show the source code of a dlbook object inside a chapter.

A chapter that presents code from the package shows the package's own source,
so that the book and the tested code cannot drift apart.
"""

from __future__ import annotations

import inspect
import textwrap


class SourceCode:
    """Source text that renders as a highlighted Python block in a notebook."""

    def __init__(self, text: str, qualname: str):
        self.text = text
        self.qualname = qualname

    def _repr_markdown_(self) -> str:
        return f"```python\n{self.text.rstrip()}\n```"

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def show_source(obj: object) -> SourceCode:
    """Return the source of a function, class or module, for display in a notebook.

    >>> show_source(show_source)  # doctest: +SKIP
    """
    if not (inspect.isfunction(obj) or inspect.isclass(obj) or inspect.ismethod(obj)
            or inspect.ismodule(obj)):
        raise TypeError("obj must be a function, class, method or module, got "
                        f"{type(obj).__name__}")
    try:
        text = inspect.getsource(obj)
    except (OSError, TypeError) as err:
        raise ValueError(f"the source of {obj!r} is not available") from err
    name = getattr(obj, "__qualname__", getattr(obj, "__name__", "object"))
    return SourceCode(textwrap.dedent(text), name)
