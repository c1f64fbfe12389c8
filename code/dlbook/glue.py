"""Hand a computed number, table or figure to the book's prose.

The book quotes numbers from executed output, never typed in by hand: a chapter
*glues* a value under a name, and the prose refers to it with
``{glue:text}`name:.2f```. This is myst-nb's glue protocol written with IPython
alone, so that a chapter runs where myst-nb is not installed (Colab, Binder):
there the value is simply not shown, or shown when ``display=True``.
"""

from __future__ import annotations

import re
from typing import Any

# The prefix myst-nb gives the mimetypes of values glued without display.
GLUE_PREFIX = "application/papermill.record/"
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")


def glue(name: str, value: Any, display: bool = False) -> None:
    """Record ``value``'s display form under ``name`` for the book's prose to quote.

    With ``display=True`` the value is also shown in the notebook.
    """
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise ValueError(f"name must be letters, digits, '_', '-' or '.', got {name!r}")
    import IPython
    from IPython.display import display as ipy_display

    mimebundle, metadata = IPython.core.formatters.format_display_data(value)
    prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    ipy_display({prefix + k: v for k, v in mimebundle.items()}, raw=True, metadata=metadata)
