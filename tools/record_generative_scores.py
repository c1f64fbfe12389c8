"""Write dlbook/generative/recorded.py from the executed chapters of Part VI.

Each generative chapter glues its samples' Fréchet distance on the yardstick as
``<chapter>-fd``. The *Diffusion* chapter sets all four families side by side; it
reads the other three from ``dlbook.generative.recorded``, which this tool writes
from a built book, so that the table quotes what the chapters measured and nobody
types it. Run after ``make book``, then rebuild (the diffusion chapter, which
imports the module, is executed again). ``tests/site`` fails when the module and
the build disagree.

    python tools/record_generative_scores.py [BUILD_DIR]
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULE = ROOT / "code" / "dlbook" / "generative" / "recorded.py"
# Diffusion measures itself live in its own chapter; the table reads the others.
FAMILIES = ("autoencoders", "vae", "gan")
GLUE_PREFIX = "application/papermill.record/"


def glued_values(notebook: Path) -> dict[str, str]:
    """Every value glued in an executed notebook, by name, as its text form."""
    values = {}
    for cell in json.loads(notebook.read_text())["cells"]:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            text = output.get("data", {}).get(GLUE_PREFIX + "text/plain")
            if name and text is not None:
                values[name] = text
    return values


def measured_fd(build: Path) -> dict[str, float]:
    """Each family's glued ``<family>-fd`` from the executed notebooks of a build."""
    scores = {}
    for family in FAMILIES:
        notebook = build / "notebooks" / "book" / "generative" / f"{family}.ipynb"
        if notebook.is_file():
            value = glued_values(notebook).get(f"{family}-fd")
            if value is None:
                raise SystemExit(f"{notebook} glues no {family}-fd")
            scores[family] = float(ast.literal_eval(value))
    return scores


def module_text(scores: dict[str, float]) -> str:
    head, _ = MODULE.read_text().split("FD: dict[str, float] = ", 1)
    body = "".join(f"    {k!r}: {v!r},\n" for k, v in scores.items())
    return head + "FD: dict[str, float] = {\n" + body + "}\n" if scores else \
        head + "FD: dict[str, float] = {}\n"


def main(argv: list[str]) -> int:
    build = Path(argv[0]) if argv else ROOT / "_build"
    scores = measured_fd(build)
    text = module_text(scores)
    changed = text != MODULE.read_text()
    MODULE.write_text(text)
    print(("wrote " if changed else "unchanged: ") + f"{MODULE.relative_to(ROOT)} {scores}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
