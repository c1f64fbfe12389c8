"""Build one chapter strictly, alone, into its own folder, to check it renders.

Usage: python tools/build_chapter.py book/fundamentals/mlp.md

Writes a table of contents holding only the introduction, the chapter and the
appendix pages it links to, and a configuration whose execution cache is
private, then builds into /tmp/dlbook-chapter-builds/<slug>/_build/html. Several
chapters can be built this way at once without touching the book's _build.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    chapter = Path(sys.argv[1]).with_suffix("")
    slug = chapter.name
    out = Path("/tmp/dlbook-chapter-builds") / slug
    out.mkdir(parents=True, exist_ok=True)
    toc = {"format": "jb-book", "root": "book/intro", "parts": [
        {"caption": "Using this book", "chapters": [{"file": "book/lecturers"}]},
        {"caption": "Chapter", "numbered": True, "chapters": [{"file": str(chapter)}]},
        {"caption": "Appendix", "chapters": [{"file": "book/appendix/build-stats"},
                                             {"file": "book/appendix/glossary"},
                                             {"file": "book/appendix/bibliography"}]}]}
    (out / "_toc.yml").write_text(yaml.safe_dump(toc))
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["execute"]["cache"] = str(out / "cache")
    # Paths in the configuration are relative to its folder: make them absolute.
    config["sphinx"]["local_extensions"] = {
        name: str(ROOT / path) for name, path in config["sphinx"]["local_extensions"].items()}
    config["bibtex_bibfiles"] = [str(ROOT / f) for f in config["bibtex_bibfiles"]]
    (out / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True))
    cmd = [str(ROOT / ".venv/bin/jupyter-book"), "build", str(ROOT), "--toc",
           str(out / "_toc.yml"), "--config", str(out / "_config.yml"), "--path-output",
           str(out), "--warningiserror", "--keep-going"]
    env = {**os.environ, "DLBOOK_PROGRESS": "0"}
    env.setdefault("OMP_NUM_THREADS", "1")  # as make sets it: one thread per chapter
    kernels = ROOT / ".venv-kernel" / "share" / "jupyter"
    if kernels.is_dir():  # the chapters' own kernel environment, as in the build
        env.setdefault("JUPYTER_PATH", str(kernels))
    result = subprocess.run(cmd, env=env)
    print(f"HTML: {out / '_build/html' / chapter}.html")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
