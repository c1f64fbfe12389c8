"""Append a "Cite this chapter" box with a BibTeX entry to every chapter.

The entry is generated from the chapter's title, its stable slug, the book's
title, authors and year (read from ``_config.yml`` itself, since Jupyter Book
does not pass the book's title on as Sphinx's ``project``) and the version in
``pyproject.toml``, so that no chapter carries a hand-written copy that could go
stale.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

import yaml

from docutils import nodes
from sphinx.application import Sphinx

from book_urls import site_url


def _is_chapter(app: Sphinx, docname: str) -> bool:
    path = Path(app.env.doc2path(docname))
    if path.suffix != ".md":
        return False
    head = path.read_text(encoding="utf-8")[:600]
    return head.startswith("---") and "kernelspec:" in head


@lru_cache
def book_metadata(srcdir: str) -> dict[str, str]:
    """The book's title, author, year and version from their one source each."""
    config = yaml.safe_load((Path(srcdir) / "_config.yml").read_text(encoding="utf-8"))
    version = tomllib.loads((Path(srcdir) / "pyproject.toml").read_text())["project"][
        "version"]
    # copyright is a year or a range ("2026" or "2025-2026"): cite the latest
    year = str(config["copyright"]).split(",")[0].split("-")[-1].strip()
    for key in ("title", "author"):
        if not str(config.get(key, "")).strip():
            raise ValueError(f"_config.yml must set {key!r} for the cite box")
    if not year.isdigit():
        raise ValueError(f"_config.yml copyright must be a year, got {config['copyright']!r}")
    return {"title": str(config["title"]), "author": str(config["author"]),
            "year": year, "version": version}


def bibtex_entry(app: Sphinx, docname: str, title: str) -> str:
    meta = book_metadata(str(app.srcdir))
    version = meta["version"]
    slug = docname.rsplit("/", 1)[-1]
    fields = {
        "title": "{" + title + "}",
        "booktitle": "{" + meta["title"] + "}",
        "author": "{" + meta["author"] + "}",
        "year": meta["year"],
        "version": version,
        "url": f"{site_url(app)}{docname}.html",
        "note": f"Version {version}",
    }
    body = ",\n".join(f"  {k:<9} = {{{v}}}" for k, v in fields.items())
    return f"@incollection{{dle-{slug},\n{body}\n}}"


def add_cite_box(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.docname
    if not _is_chapter(app, docname):
        return
    section = doctree.next_node(nodes.section)
    title = section.next_node(nodes.title).astext() if section else docname
    entry = bibtex_entry(app, docname, title)
    box = nodes.admonition(classes=["cite-box"], ids=["cite-this-chapter"])
    box += nodes.title(text="Cite this chapter")
    box += nodes.paragraph(text="If you use this chapter in a course or a paper, "
                                "please cite it as:")
    box += nodes.literal_block(entry, entry, language="bibtex")
    (section or doctree).append(box)


def setup(app: Sphinx):
    app.connect("doctree-read", add_cite_box)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
