"""What the tests know about the book's sources: the outline, chapters, glossary."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
REPOSITORY_URL = CONFIG["repository"]["url"]
INSTALL_CELL = re.compile(
    r"```\{code-cell\} ipython3\n:tags: \[remove-cell\]\n(?:#[^\n]*\n)*"
    r"import importlib\.util\nif importlib\.util\.find_spec\(\"dlbook\"\) is None:\n"
    r"    %pip install --quiet \"dlbook @ git\+(?P<url>[^\"]+)\"\n```")


def toc_files() -> list[str]:
    """Every file named in _toc.yml, without suffix, in reading order."""
    files = [TOC["root"]]
    for part in TOC.get("parts", []):
        for chapter in part.get("chapters", []):
            files.append(chapter["file"])
            files.extend(s["file"] for s in chapter.get("sections", []))
    return files


def source_path(docname: str) -> Path:
    for suffix in (".md", ".ipynb"):
        if (ROOT / f"{docname}{suffix}").is_file():
            return ROOT / f"{docname}{suffix}"
    raise FileNotFoundError(docname)


# Folders of plain pages, not executed chapters: the appendix and the course maps.
PAGE_FOLDERS = ("appendix", "courses")


def is_chapter(docname: str) -> bool:
    """Chapters are the executable pages in the parts' folders (not the page folders)."""
    parts = docname.split("/")
    return len(parts) == 3 and parts[0] == "book" and parts[1] not in PAGE_FOLDERS


def chapters() -> list[str]:
    return [d for d in toc_files() if is_chapter(d)]


def glossary_entries() -> list[dict]:
    entries = []
    for path in sorted((ROOT / "book" / "glossary").glob("*.yml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            entries.append({**entry, "file": path.name})
    return entries


TERM_ROLE = re.compile(r"\{term\}`(?:[^`<]*<([^>`]+)>|([^`]+))`")


def term_references(text: str) -> set[str]:
    """Lower-cased glossary terms that {term} roles in ``text`` point to."""
    return {(a or b).strip().lower() for a, b in TERM_ROLE.findall(text)}
