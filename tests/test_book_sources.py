"""Checks of the book's sources that need no build."""

from __future__ import annotations

import re

import pytest
import yaml

from book_sources import (CONFIG, INSTALL_CELL, REPOSITORY_URL, ROOT, TOC, chapters,
                          glossary_entries, source_path, term_references, toc_files)

LANGUAGES = ("pt", "es", "ru", "zh")
SCRIPTS = {"ru": re.compile(r"[\u0400-\u04FF]"), "zh": re.compile(r"[\u4e00-\u9fff]")}


@pytest.mark.parametrize("docname", toc_files())
def test_toc_entry_exists(docname):
    assert source_path(docname).is_file()


def test_outline_has_the_foundation_chapters():
    assert {"book/fundamentals/tensors", "book/fundamentals/linear-regression"} <= set(
        chapters())
    assert "book/appendix/build-stats" in toc_files()


@pytest.mark.parametrize("docname", chapters())
def test_chapter_form(docname):
    text = source_path(docname).read_text(encoding="utf-8")
    header = yaml.safe_load(text.split("---")[1])
    assert header["kernelspec"]["name"] == "python3", "jupytext header with python3 kernel"
    assert header["jupytext"]["text_representation"]["format_name"] == "myst"
    first_cell = re.search(r"```\{code-cell\}[^\n]*\n(?:.*?\n)*?```", text)
    assert first_cell and INSTALL_CELL.fullmatch(first_cell.group(0)), \
        "the first code cell must be the hidden dlbook install cell"
    assert INSTALL_CELL.search(text).group("url") == REPOSITORY_URL
    prose = re.sub(r"^(`{3,}|~{3,})\{code-cell\}.*?^\1\s*$", "", text, flags=re.M | re.S)
    assert len(re.findall(r"^# ", prose, re.M)) == 1, "exactly one title"
    for section in ("Learning goals", "Summary", "Exercises", "References"):
        assert re.search(rf"^## {section}\s*$", text, re.M), f"missing '## {section}'"
    exercises = re.findall(r"^`{3,}\{exercise\}", text, re.M)
    solutions = re.findall(r"^`{3,}\{solution\}[^\n]*\n:class: dropdown", text, re.M)
    assert len(exercises) >= 3 and len(solutions) == len(exercises), \
        "at least three exercises, each with a hidden solution"
    assert "{cite}" in text and "{bibliography}" in text
    assert re.search(r"^\$\$ \(eq-|^```\{math\}\n:label: eq-", text, re.M), \
        "at least one numbered equation"
    assert "mystnb:\n  figure:" in text, "at least one numbered figure"
    assert "{glue:" in text, "numbers in the prose are glued from outputs"


@pytest.mark.parametrize("docname", chapters())
def test_code_exercises_point_to_an_existing_check(docname):
    text = source_path(docname).read_text(encoding="utf-8")
    import importlib

    for module, name in re.findall(r"from (dlbook\.checks\.\w+) import (check_\w+)", text):
        assert callable(getattr(importlib.import_module(module), name, None)), \
            f"{module}.{name} does not exist"


def test_repository_url_lives_in_config_and_agrees_everywhere():
    assert REPOSITORY_URL.startswith("https://github.com/")
    for name in ("README.md", "CITATION.cff", "pyproject.toml", "binder/requirements.txt"):
        assert REPOSITORY_URL in (ROOT / name).read_text(encoding="utf-8"), name
    # nothing in the build configuration repeats it
    assert (ROOT / "_config.yml").read_text().count(REPOSITORY_URL) == 1


def test_requirements_pin_everything_exactly():
    lines = [line for line in (ROOT / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.+]+", line) for line in lines)
    assert "torch==2.13.0" in lines
    assert any(re.fullmatch(r"jupyter-book==1\.[\w.]+", line) for line in lines)


def test_glossary_entries_are_complete_and_unique():
    entries = glossary_entries()
    assert entries, "the glossary has no terms"
    seen = {}
    for e in entries:
        for key in ("term", "definition", *LANGUAGES):
            assert str(e.get(key, "")).strip(), f"{e.get('term')} ({e['file']}) lacks {key}"
        assert "\n" not in e["definition"].strip(), f"{e['term']}: one-line definition"
        for lang, script in SCRIPTS.items():
            assert script.search(e[lang]), f"{e['term']}: {lang} is not in its script"
        assert e["term"].lower() not in seen, f"{e['term']} defined twice"
        seen[e["term"].lower()] = e["file"]


def test_glossary_grows_with_the_book():
    # at least 80 terms once Part I is written, and about eight more per later chapter
    part_one = [d for d in chapters() if d.split("/")[1] in ("fundamentals", "training")]
    later = len(chapters()) - len(part_one)
    wanted = (80 if len(part_one) >= 10 else 8 * len(part_one)) + 6 * later
    assert len(glossary_entries()) >= wanted


def test_every_glossary_term_is_used_in_the_book():
    used = set()
    for docname in toc_files():
        used |= term_references(source_path(docname).read_text(encoding="utf-8"))
    unused = [e["term"] for e in glossary_entries() if e["term"].lower() not in used]
    assert not unused, f"glossary terms no page links to: {unused}"


def test_config_is_strict():
    assert CONFIG["execute"]["raise_on_error"] is True
    assert CONFIG["execute"]["run_in_temp"] is True
    assert CONFIG["execute"]["execute_notebooks"] == "cache"


# Each part's number and folder, as in the guide's outline.
PART_FOLDERS = {"I": "fundamentals", "II": "training", "III": "cnn", "IV": "nlp",
                "V": "transformers", "VI": "generative", "VII": "rl", "VIII": "scale"}
ROMAN = list(PART_FOLDERS)


def test_part_captions_are_numbered_once_and_in_order():
    numbers = []
    for part in TOC["parts"]:
        match = re.fullmatch(r"Part ([IVX]+): \S.*", part["caption"])
        if not match:
            assert not part["caption"].startswith("Part"), part["caption"]
            continue
        number = match.group(1)
        numbers.append(number)
        folders = {c["file"].split("/")[1] for c in part["chapters"]}
        assert folders == {PART_FOLDERS[number]}, f"Part {number} holds {folders}"
    assert len(set(numbers)) == len(numbers), f"a part number repeats: {numbers}"
    assert numbers == sorted(numbers, key=ROMAN.index), f"parts out of order: {numbers}"
