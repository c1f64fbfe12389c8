"""The build re-executes exactly the chapters whose dlbook modules changed.

``_ext/chapter_deps.py`` keys each chapter on a digest of the dlbook sources it can
execute. These tests change one module in a copy of the package and check which
of the book's real chapters see their digest change.
"""

from __future__ import annotations

import importlib.util
import shutil

import pytest

from book_sources import ROOT, chapters, source_path

spec = importlib.util.spec_from_file_location("chapter_deps", ROOT / "_ext" / "chapter_deps.py")
chapter_deps = importlib.util.module_from_spec(spec)
spec.loader.exec_module(chapter_deps)


@pytest.fixture()
def package(tmp_path):
    copy = tmp_path / "dlbook"
    shutil.copytree(ROOT / "code" / "dlbook", copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def digests(package) -> dict[str, str]:
    return {d: chapter_deps.digest(package, chapter_deps.dependencies(
        package, source_path(d).read_text(encoding="utf-8"))) for d in chapters()}


def changed_by(package, module: str) -> set[str]:
    before = digests(package)
    path = package.joinpath(*module.split(".")[1:]).with_suffix(".py")
    path.write_text(path.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    after = digests(package)
    return {d for d in before if before[d] != after[d]}


# What each module is taught and used by, read off the chapters' imports.
IMPORTED_BY = {
    "dlbook.cnn.metric_learning": {"book/cnn/siamese", "book/transformers/self-supervised"},
    "dlbook.cnn.detection": {"book/cnn/detection-segmentation"},
    "dlbook.training.optim": {"book/training/optimization", "book/training/regularization"},
}


@pytest.mark.parametrize("module", list(IMPORTED_BY))
def test_a_module_invalidates_exactly_the_chapters_that_import_it(package, module):
    assert changed_by(package, module) == IMPORTED_BY[module]


def test_a_module_no_chapter_imports_invalidates_none(package):
    (package / "cnn" / "unused.py").write_text("X = 1\n")
    assert changed_by(package, "dlbook.cnn.unused") == set()


def test_the_shared_core_invalidates_every_chapter(package):
    assert changed_by(package, "dlbook._args") == set(chapters())
