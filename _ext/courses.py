"""The course pages' maps, and the coverage table computed from them.

Each page ``book/courses/<slug>.md`` maps one course onto the book. Its map is
the pipe table that follows a line holding only ``% course-map`` (a MyST
comment, invisible in the page). The table has a header row, a separator row,
then one row per session of the course, in the course's order:

    % course-map
    | Session | Chapters and sections | Exercises | Papers | Status |
    |---|---|---|---|---|
    | Aula 1: NumPy | {doc}`/book/fundamentals/tensors` | {ref}`ex-tensors-shapes` | {cite}`lecun2015deep` | covered |

The first cell names the session as the syllabus names it; the last cell is the
status, one of ``STATUSES``; the cells between hold the links ({doc}, {ref},
{numref}, {eq}, {cite}), which ``links`` extracts from the whole page. The
``course-coverage`` directive counts each page's statuses into one table on the
"For lecturers" page; ``tests/test_courses.py`` uses the same parser.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

STATUSES = ("covered", "partly", "not in the book")
MARKER = "% course-map"
ROLE = re.compile(r"\{(doc|ref|numref|eq|cite(?::\w+)?)\}`([^`]+)`")


@dataclass
class Session:
    name: str
    status: str


def course_title(text: str) -> str:
    """The page's title: its first level-one heading."""
    match = re.search(r"^# (.+)$", text, re.M)
    if not match:
        raise ValueError("a course page needs a '# ' title")
    return match.group(1).strip()


def parse_map(text: str) -> list[Session]:
    """The sessions of a course page's map, in order; ValueError when it has none."""
    lines = text.splitlines()
    try:
        start = lines.index(MARKER) + 1
    except ValueError:
        raise ValueError(f"no line '{MARKER}' before the map") from None
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    if len(rows) < 3 or not set(rows[1][0]) <= set("-: "):
        raise ValueError("the map needs a header, a separator and at least one row")
    sessions = []
    for cells in rows[2:]:
        status = cells[-1].strip("* ").lower()
        if status not in STATUSES:
            raise ValueError(f"status {cells[-1]!r} of {cells[0]!r} is not one of {STATUSES}")
        sessions.append(Session(cells[0], status))
    return sessions


def coverage(sessions: list[Session]) -> dict[str, int]:
    """How many sessions have each status, plus ``total``."""
    counts = Counter(s.status for s in sessions)
    return {**{status: counts[status] for status in STATUSES}, "total": len(sessions)}


def links(text: str) -> dict[str, set[str]]:
    """Targets of the page's roles: ``doc``, ``label`` (ref, numref, eq) and ``cite`` keys."""
    found: dict[str, set[str]] = {"doc": set(), "label": set(), "cite": set()}
    for role, body in ROLE.findall(text):
        target = re.search(r"<([^>]+)>$", body)
        target = (target.group(1) if target else body).strip()
        if role == "doc":
            found["doc"].add(target)
        elif role.startswith("cite"):
            found["cite"] |= {k.strip() for k in target.split(",")}
        else:
            found["label"].add(target)
    return found


def course_pages(srcdir: Path, toc: Path | None = None) -> list[Path]:
    """The course pages, in the order the table of contents lists them, if given."""
    pages = sorted((Path(srcdir) / "book" / "courses").glob("*.md"))
    if toc is not None and Path(toc).is_file():
        text = Path(toc).read_text(encoding="utf-8")
        order = {p: text.find(f"book/courses/{p.stem}") for p in pages}
        pages.sort(key=lambda p: (order[p] < 0, order[p]))
    return pages


try:  # the Sphinx part; the parser above needs no Sphinx
    from docutils import nodes
    from sphinx.addnodes import pending_xref
    from sphinx.util.docutils import SphinxDirective
except ImportError:  # pragma: no cover
    SphinxDirective = object


class CourseCoverage(SphinxDirective):
    """``{course-coverage}``: one row per course page, sessions counted by status."""

    def run(self):
        srcdir = Path(self.env.srcdir)
        header = ["Course", "Covered", "Partly", "Not in the book", "Sessions"]
        table = nodes.table(classes=["course-coverage"])
        group = nodes.tgroup(cols=len(header))
        table += group
        group.extend(nodes.colspec(colwidth=w) for w in (50, 10, 10, 10, 10))
        head = nodes.thead()
        head += self._row([nodes.Text(h) for h in header])
        body = nodes.tbody()
        toc = getattr(self.config, "external_toc_path", None)
        for path in course_pages(srcdir, Path(srcdir, toc) if toc else None):
            self.env.note_dependency(str(path))
            text = path.read_text(encoding="utf-8")
            counts = coverage(parse_map(text))
            docname = "/" + str(path.relative_to(srcdir).with_suffix(""))
            link = pending_xref("", refdomain="std", reftype="doc", reftarget=docname,
                                refexplicit=True, refdoc=self.env.docname)
            link += nodes.inline(text=course_title(text))
            body += self._row([link] + [nodes.Text(str(counts[k])) for k in
                                        (*STATUSES, "total")])
        group += head
        group += body
        return [table]

    @staticmethod
    def _row(contents):
        row = nodes.row()
        for content in contents:
            entry = nodes.entry()
            paragraph = nodes.paragraph()
            paragraph += content
            entry += paragraph
            row += entry
        return row


def setup(app):
    app.add_directive("course-coverage", CourseCoverage)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
