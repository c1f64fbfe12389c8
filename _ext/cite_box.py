"""Append a "Cite this chapter" box with a BibTeX entry to every chapter.

The entry is generated from the chapter's title, its stable slug, the book's
title, authors and year (``_config.yml``) and the version in ``pyproject.toml``,
so that no chapter carries a hand-written copy that could go stale.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx

from book_urls import site_url


def _is_chapter(app: Sphinx, docname: str) -> bool:
    path = Path(app.env.doc2path(docname))
    if path.suffix != ".md":
        return False
    head = path.read_text(encoding="utf-8")[:600]
    return head.startswith("---") and "kernelspec:" in head


def bibtex_entry(app: Sphinx, docname: str, title: str) -> str:
    version = tomllib.loads((Path(app.srcdir) / "pyproject.toml").read_text())[
        "project"]["version"]
    year = str(app.config.copyright).split(",")[0].split("-")[-1].strip()
    slug = docname.rsplit("/", 1)[-1]
    fields = {
        "title": "{" + title + "}",
        "booktitle": app.config.project,
        "author": "{" + app.config.author + "}",
        "year": year,
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
