"""Serve MathJax from the site itself instead of a CDN.

The book is built and read on machines without internet access, and its pages
must load with no failed request. The MathJax 3 files come from a pinned PyPI
package (``django-static-mathjax``, plain static files despite its name) and are
copied into ``_static/mathjax`` once per MathJax version.
"""

from __future__ import annotations

import shutil
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

from sphinx.application import Sphinx

PARTS = ("tex-mml-chtml.js", "a11y", "adaptors", "input", "output", "sre", "ui")


def use_local_mathjax(app: Sphinx, config) -> None:
    config.mathjax_path = "mathjax/tex-mml-chtml.js"


def copy_mathjax(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source = Path(str(files("mathjax"))) / "static" / "mathjax" / "es5"
    target = Path(app.outdir) / "_static" / "mathjax"
    stamp = target / "VERSION"
    wanted = version("django-static-mathjax")
    if stamp.is_file() and stamp.read_text() == wanted:
        return
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for part in PARTS:
        src = source / part
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, target / part)
    stamp.write_text(wanted)


def setup(app: Sphinx):
    app.connect("config-inited", use_local_mathjax)
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
