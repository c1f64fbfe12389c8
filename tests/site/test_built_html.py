"""Checks of the built HTML, the published notebooks and the execution times."""

from __future__ import annotations

import json
import posixpath
import re
import subprocess
import time
import tomllib

import nbformat
import pybtex.database
import pytest
import yaml
from bs4 import BeautifulSoup

from book_sources import (INSTALL_CELL, REPOSITORY_URL, ROOT, chapters, glossary_entries,
                          toc_files)

BUDGET_SECONDS = 60.0
OWNER, REPO = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+)", REPOSITORY_URL).groups()
SITE = f"https://{OWNER.lower()}.github.io/{REPO}/"


def book_metadata() -> dict[str, str]:
    """Each field of a chapter's citation, from its one source."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    return {"booktitle": config["title"], "author": config["author"],
            "year": str(config["copyright"]).split("-")[-1].strip(), "version": version}


def page_title(soup: BeautifulSoup) -> str:
    heading = soup.select_one("article h1")
    for number in heading.select(".section-number"):
        number.decompose()
    return heading.get_text().replace("#", "").strip()


def check_bibtex(text: str, docname: str, title: str) -> None:
    """Parse a cite box's entry with a real BibTeX parser and check every field."""
    data = pybtex.database.parse_string(text, "bibtex")
    slug = docname.rsplit("/", 1)[-1]
    assert list(data.entries) == [f"dle-{slug}"], "one entry, keyed by the slug"
    entry = data.entries[f"dle-{slug}"]
    assert entry.type == "incollection"
    meta = book_metadata()
    fields = {k.lower(): v.strip("{}") for k, v in entry.fields.items()}
    assert fields["title"] == title
    assert fields["booktitle"] == meta["booktitle"]
    assert fields["year"] == meta["year"]
    assert fields["version"] == meta["version"]
    assert fields["url"] == f"{SITE}{docname}.html"
    authors = [str(p) for p in entry.persons["author"]]
    assert authors == ["{" + meta["author"] + "}"] or authors == [meta["author"]], authors
    for value in [*fields.values(), *authors]:
        assert not re.search(r"not set|TODO|FIXME|unknown|placeholder", value, re.I), value


def page(html_dir, docname) -> BeautifulSoup:
    path = html_dir / f"{docname}.html"
    assert path.is_file(), f"{docname}.html was not built"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize("docname", toc_files())
def test_every_page_is_built(html_dir, docname):
    page(html_dir, docname)


@pytest.mark.parametrize("docname", chapters())
def test_chapter_figures_are_numbered_with_alt_text(html_dir, docname):
    soup = page(html_dir, docname)
    figures = soup.select("article figure")
    assert figures, "the chapter shows no numbered figure"
    for fig in figures:
        img = fig.find("img")
        assert img is not None and img.get("alt", "").strip(), "a figure lacks alt text"
        assert (html_dir / docname).parent.joinpath(img["src"]).resolve().is_file()
        caption = fig.find("figcaption")
        assert caption and re.search(r"Fig\. \d+(\.\d+)*", caption.get_text()), \
            "a figure lacks its number"


@pytest.mark.parametrize("docname", chapters())
def test_chapter_has_no_error_output(html_dir, docname):
    soup = page(html_dir, docname)
    assert not soup.select(".output.traceback, .output.error"), "an error is shown"
    stderr = soup.select(".output.stderr")
    assert not stderr, f"stderr in the page: {stderr[0].get_text()[:300]}"
    assert "Traceback (most recent call last)" not in soup.get_text()


@pytest.mark.parametrize("docname", chapters())
def test_launch_links_target_published_notebooks(html_dir, docname):
    soup = page(html_dir, docname)
    links = {a.get_text(strip=True): a["href"] for a in soup.select(
        ".dropdown-launch-buttons a[href]")}
    target = f"{docname}.ipynb"
    assert links.get("Colab") == (
        f"https://colab.research.google.com/github/{OWNER}/{REPO}/blob/notebooks/{target}")
    assert links.get("Binder") == (
        f"https://mybinder.org/v2/gh/{OWNER}/{REPO}/notebooks?urlpath=lab/tree/{target}")
    notebook = ROOT / "_build" / "notebooks" / target
    assert notebook.is_file(), "the Colab link points to a notebook the build did not make"
    nb = nbformat.read(notebook, as_version=4)
    nbformat.validate(nb)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert INSTALL_CELL.fullmatch(f"```{{code-cell}} ipython3\n:tags: [remove-cell]\n"
                                  f"{first.source}\n```"), "first cell installs dlbook"
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "not executed"
    assert (ROOT / "_build/notebooks/binder/requirements.txt").is_file()


@pytest.mark.parametrize("docname", chapters())
def test_download_links_and_cite_box(html_dir, docname):
    soup = page(html_dir, docname)
    downloads = [a["href"] for a in soup.select(".dropdown-download-buttons a[href]")]
    for suffix in (".ipynb", ".md"):
        href = next((h for h in downloads if h.endswith(f"{docname}{suffix}")), None)
        assert href, f"no {suffix} download"
        assert (html_dir / docname).parent.joinpath(href).resolve().is_file()
    box = soup.select_one("#cite-this-chapter")
    assert box is not None, "no cite box"
    check_bibtex(box.select_one("pre").get_text(), docname, page_title(soup))
    # solutions are hidden behind a toggle
    solutions = soup.select(".solution")
    assert solutions and all("dropdown" in s.get("class", []) for s in solutions)


def test_execution_costs_within_budget(html_dir):
    """Held on the kernel's CPU time scaled by the machine's measured speed, so that a
    slower or busy machine does not fail an honest chapter (see _ext/exec_stats.py)."""
    times = json.loads((ROOT / "_build" / "exec-times.json").read_text())
    missing = [d for d in chapters() if d not in times]
    assert not missing, f"no execution record for {missing}"
    unmeasured = [d for d in chapters() if times[d]["scaled_seconds"] is None]
    assert not unmeasured, f"executed without a cost measurement: {unmeasured}"
    over = {d: round(times[d]["scaled_seconds"], 1) for d in chapters()
            if times[d]["scaled_seconds"] > BUDGET_SECONDS}
    assert not over, f"chapters over the {BUDGET_SECONDS:.0f} s budget: {over}"
    table = page(html_dir, "book/appendix/build-stats").select_one("table.chapter-costs")
    assert table is not None, "the build statistics page has no table"
    linked = {posixpath.normpath(posixpath.join("book/appendix", a["href"].split("#")[0]))
              for a in table.select("a[href]")}
    for docname in chapters():
        assert f"{docname}.html" in linked, f"{docname} missing from the table"


def test_glossary_page_lists_every_term(html_dir):
    soup = page(html_dir, "book/appendix/glossary")
    terms = {dt.get_text(strip=True).rstrip("¶#").lower() for dt in soup.select("dl.glossary dt")}
    for entry in glossary_entries():
        assert entry["term"].lower() in terms, entry["term"]


def test_cached_rebuild_is_fast_and_executes_nothing(html_dir):
    start = time.perf_counter()
    result = subprocess.run(["make", "book"], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Executing notebook" not in result.stdout + result.stderr
    assert seconds < 60, f"a rebuild with nothing changed took {seconds:.0f} s"


def test_anchors_quoted_on_the_lecturers_page_exist(html_dir):
    text = (ROOT / "book" / "lecturers.md").read_text(encoding="utf-8")
    quoted = re.findall(r"…/([\w/-]+)\.html#([\w-]+)", text)
    assert quoted, "the lecturers page quotes no anchor"
    for path, anchor in quoted:
        soup = page(html_dir, f"book/{path}")
        assert soup.find(id=anchor), f"{path}.html has no #{anchor}"


def test_recorded_generative_scores_match_the_build(html_dir):
    """The diffusion chapter's table of all four families reads the others' scores
    from ``dlbook.generative.recorded``; it must hold what those chapters measured in
    this build. A rebuild elsewhere may differ in the last digits of a trained model,
    hence the tolerance; a stale table (a chapter changed, the tool not rerun) fails."""
    import importlib.util

    from dlbook.generative.recorded import FD

    spec = importlib.util.spec_from_file_location(
        "record_generative_scores", ROOT / "tools" / "record_generative_scores.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    measured = tool.measured_fd(ROOT / "_build")
    assert set(FD) == set(measured), (
        f"recorded {sorted(FD)} but the build has {sorted(measured)}: "
        "run tools/record_generative_scores.py and rebuild")
    for family, value in measured.items():
        assert FD[family] == pytest.approx(value, rel=0.05), (
            f"{family}: recorded {FD[family]}, built {value}: run "
            "tools/record_generative_scores.py and rebuild")
