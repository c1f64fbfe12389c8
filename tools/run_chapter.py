"""Execute one chapter outside the book build and report its time, cell by cell.

Usage: python tools/run_chapter.py book/fundamentals/tensors.md [--slowest N]

Runs in a temporary directory, as the book build does, and exits non-zero when
a cell raises (cells tagged ``raises-exception`` are allowed to) or when the
chapter costs more than its 60-second budget. The cost is counted as the build
counts it: the kernel's CPU time, scaled by the calibration workload timed just
before and after (``_ext/calibration.py``), so that a busy or slower machine
reports about what the reference machine would take.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import jupytext
from nbclient import NotebookClient

BUDGET_SECONDS = 60.0
ROOT = Path(__file__).resolve().parents[1]
KERNELS = ROOT / ".venv-kernel" / "share" / "jupyter"
sys.path.insert(0, str(ROOT / "_ext"))
from calibration import REFERENCE_SECONDS, children_cpu, measure, scaled_cost  # noqa: E402

if KERNELS.is_dir():  # run in the chapters' own kernel environment, as the build does
    os.environ.setdefault("JUPYTER_PATH", str(KERNELS))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter")
    parser.add_argument("--slowest", type=int, default=5)
    args = parser.parse_args()
    nb = jupytext.read(args.chapter)
    timings: list[tuple[float, int, str]] = []
    before = measure(repeats=3)
    cpu = children_cpu()
    with tempfile.TemporaryDirectory() as cwd:
        client = NotebookClient(nb, timeout=300, kernel_name="python3",
                                resources={"metadata": {"path": cwd}})
        start = time.perf_counter()
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                t0 = time.perf_counter()
                try:
                    client.execute_cell(cell, index)
                except Exception as err:  # report the failing cell, then stop
                    print(f"cell {index} failed:\n{cell.source}\n\n{err}", file=sys.stderr)
                    return 1
                timings.append((time.perf_counter() - t0, index, cell.source[:60]))
        total = time.perf_counter() - start
    cpu = children_cpu() - cpu  # the kernel has exited, so its CPU time is counted
    calibration = statistics.mean([before, measure(repeats=3)])
    cost = scaled_cost(cpu, calibration)
    print(f"{args.chapter}: cost {cost:.1f} s on the reference machine (budget "
          f"{BUDGET_SECONDS:.0f} s); here {total:.1f} s wall, kernel CPU {cpu:.1f} s, "
          f"calibration {calibration:.3f} s against {REFERENCE_SECONDS} s")
    for seconds, index, head in sorted(timings, reverse=True)[:args.slowest]:
        print(f"  {seconds:6.1f} s  cell {index}: {head.splitlines()[0] if head else ''}")
    return 0 if cost <= BUDGET_SECONDS else 2


if __name__ == "__main__":
    sys.exit(main())
