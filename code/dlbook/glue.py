"""Hand a computed number, table or figure to the book's prose.

The book quotes numbers from executed output, never typed in by hand: a chapter
*glues* a value under a name, and the prose refers to it with
``{glue:text}`name:.2f```. This is myst-nb's glue protocol written with IPython
alone, so that a chapter runs where myst-nb is not installed (Colab, Binder):
there the value is simply not shown, or shown when ``display=True``. IPython is
not a dependency of dlbook: in a plain script, without a notebook to record
into, ``glue`` prints the value when asked to display it and is silent otherwise.
"""

from __future__ import annotations

import re
from typing import Any

from ._args import check_bool

# The prefix myst-nb gives the mimetypes of values glued without display.
GLUE_PREFIX = "application/papermill.record/"
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")


def glue(name: str, value: Any, display: bool = False) -> None:
    """Record ``value``'s display form under ``name`` for the book's prose to quote.

    With ``display=True`` the value is also shown in the notebook. Outside a
    notebook (a plain Python script, or no IPython installed) there is nothing to
    record into: the value is printed when ``display=True``, else nothing happens.
    """
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise ValueError(f"name must be letters, digits, '_', '-' or '.', got {name!r}")
    display = check_bool("display", display)
    try:
        import IPython
        from IPython.display import display as ipy_display
    except ImportError:
        IPython = None
    if IPython is None or IPython.get_ipython() is None:
        if display:
            print(value)
        return
    mimebundle, metadata = IPython.core.formatters.format_display_data(value)
    prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    ipy_display({prefix + k: v for k, v in mimebundle.items()}, raw=True, metadata=metadata)
