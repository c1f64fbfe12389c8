"""The course pages (``book/courses/*.md``): every page has a map, every link resolves.

A page's map is the pipe table after the line ``% course-map``: one row per
session, the last cell a status from ``courses.STATUSES`` (the format is
documented in ``_ext/courses.py``, whose parser the build's coverage table and
these tests share). Links are checked in the sources, without a build: a
{doc} must name a page of the book, a {ref}/{numref}/{eq} a label defined in
``book/``, a {cite} a key of ``book/references.bib`` that a chapter cites.
"""

from __future__ import annotations

import re
import sys

import pytest

from book_sources import ROOT, is_chapter, toc_files

sys.path.insert(0, str(ROOT / "_ext"))
from courses import STATUSES, coverage, course_pages, links, parse_map  # noqa: E402

PAGES = course_pages(ROOT)
LABEL = re.compile(r"^\(([\w-]+)\)=\s*$|^:label: ([\w-]+)\s*$|^\s*name: ([\w-]+)\s*$", re.M)


def book_labels() -> set[str]:
    labels = set()
    for path in (ROOT / "book").rglob("*.md"):
        for groups in LABEL.findall(path.read_text(encoding="utf-8")):
            labels |= {g for g in groups if g}
        labels |= set(re.findall(r"^\$\$ \((eq-[\w-]+)\)", path.read_text(encoding="utf-8"),
                                 re.M))
    return labels


def chapter_citations() -> set[str]:
    keys = set()
    for docname in toc_files():
        if is_chapter(docname):
            text = (ROOT / f"{docname}.md").read_text(encoding="utf-8")
            for body in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", text):
                keys |= {k.strip() for k in body.split(",")}
    return keys


def bib_keys() -> set[str]:
    text = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    return set(re.findall(r"^@\w+\{([^,\s]+),", text, re.M))


def test_there_are_five_course_pages_in_the_outline():
    names = [p.stem for p in PAGES]
    assert len(names) == 5, names
    in_toc = [d for d in toc_files() if d.startswith("book/courses/")]
    assert [p.stem for p in course_pages(ROOT, ROOT / "_toc.yml")] == \
        [d.rsplit("/", 1)[1] for d in in_toc], "the coverage table follows the outline"


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_course_page_is_a_page_not_a_chapter(path):
    docname = str(path.relative_to(ROOT).with_suffix(""))
    assert not is_chapter(docname)
    text = path.read_text(encoding="utf-8")
    assert "{code-cell}" not in text and "kernelspec" not in text
    assert "Summary in English" in text, "a short English summary at the top"


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_course_map_parses_and_every_link_resolves(path):
    text = path.read_text(encoding="utf-8")
    sessions = parse_map(text)
    assert sessions, "the map has no sessions"
    found = links(text)
    missing_docs = [d for d in found["doc"]
                    if not (ROOT / f"{d.lstrip('/')}.md").is_file()
                    and not (path.parent / f"{d}.md").is_file()]
    assert not missing_docs, f"pages that do not exist: {missing_docs}"
    missing_labels = sorted(found["label"] - book_labels())
    assert not missing_labels, f"labels that no page defines: {missing_labels}"
    missing_keys = sorted(found["cite"] - bib_keys())
    assert not missing_keys, f"keys not in references.bib: {missing_keys}"
    uncited = sorted(found["cite"] - chapter_citations())
    assert not uncited, f"papers no chapter cites: {uncited}"


def test_a_page_without_a_map_fails():
    with pytest.raises(ValueError, match="course-map"):
        parse_map("# A course\n\n| a | b |\n|---|---|\n| x | covered |\n")


def test_an_unknown_status_fails():
    with pytest.raises(ValueError, match="status"):
        parse_map("% course-map\n| a | b |\n|---|---|\n| x | done |\n")


def test_coverage_counts_a_synthetic_page():
    page = """# A course

% course-map
| Session | Chapters | Status |
|---|---|---|
| One | {doc}`/book/fundamentals/tensors` | covered |
| Two | {ref}`ex-tensors-shapes` | partly |
| Three | — | not in the book |
| Four | {cite}`lecun2015deep` | covered |

| not | the map |
|---|---|
| x | partly |
"""
    sessions = parse_map(page)
    assert [s.name for s in sessions] == ["One", "Two", "Three", "Four"]
    assert coverage(sessions) == {"covered": 2, "partly": 1, "not in the book": 1,
                                  "total": 4}
    assert set(STATUSES) == {"covered", "partly", "not in the book"}
    assert links(page) == {"doc": {"/book/fundamentals/tensors"},
                           "label": {"ex-tensors-shapes"}, "cite": {"lecun2015deep"}}


def test_the_lecturers_page_shows_the_computed_coverage():
    text = (ROOT / "book" / "lecturers.md").read_text(encoding="utf-8")
    assert "{course-coverage}" in text
    for path in PAGES:
        assert f"courses/{path.stem}" in text, f"no link to {path.stem}"
