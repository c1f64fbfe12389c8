"""Build the multilingual glossary page from per-chapter term files.

Each chapter keeps its terms in ``book/glossary/<slug>.yml``: a list of entries
with ``term``, ``definition`` (one line) and the term in Portuguese (``pt``),
Spanish (``es``), Russian (``ru``) and Chinese (``zh``). When Sphinx reads the
glossary page, this extension appends one Sphinx glossary, sorted, so that
``{term}`` roles in the chapters link to it and a missing term fails the build.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
GLOSSARY_DOC = "book/appendix/glossary"
LANGUAGES = {"pt": "Português", "es": "Español", "ru": "Русский", "zh": "中文"}


def load_terms(folder: Path) -> list[dict]:
    """All entries of all term files, each with the file it came from."""
    entries = []
    for path in sorted(folder.glob("*.yml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            entries.append({**entry, "source": path.name})
    return entries


def render(entries: list[dict]) -> str:
    lines = ["", "```{glossary}", ":sorted:", ""]
    for e in entries:
        words = " · ".join(f"{LANGUAGES[k]}: {e[k]}" for k in LANGUAGES)
        lines += [e["term"], f"  {e['definition']}", "", f"  *{words}*", ""]
    return "\n".join(lines + ["```", ""])


def add_terms(app: Sphinx, docname: str, source: list[str]) -> None:
    if docname != GLOSSARY_DOC:
        return
    folder = Path(app.srcdir) / "book" / "glossary"
    seen: dict[str, str] = {}
    for path in folder.glob("*.yml"):
        app.env.note_dependency(str(path))
    entries = load_terms(folder)
    for e in entries:
        missing = [k for k in ("term", "definition", *LANGUAGES) if not e.get(k)]
        if missing:
            LOGGER.warning("glossary entry %r in %s lacks %s", e.get("term"), e["source"],
                           ", ".join(missing), location=docname)
            return
        key = e["term"].lower()
        if key in seen:
            LOGGER.warning("glossary term %r is defined in both %s and %s", e["term"],
                           seen[key], e["source"], location=docname)
        seen[key] = e["source"]
    source[0] += render(entries)


def glossary_outdated(app: Sphinx, env, added, changed, removed) -> list[str]:
    """Read the glossary page again when a term file appears or disappears (Sphinx
    tracks only the files that existed when the page was last read)."""
    files = sorted(p.name for p in (Path(app.srcdir) / "book" / "glossary").glob("*.yml"))
    if getattr(env, "glossary_files", None) == files:
        return []
    env.glossary_files = files
    return [GLOSSARY_DOC]


def setup(app: Sphinx):
    app.connect("source-read", add_terms)
    app.connect("env-get-outdated", glossary_outdated)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
