"""A fixed workload that measures how fast this machine runs the book's kind of code.

A chapter's budget is stated for the reference build machine (two cores, one
thread per process, nothing else running). A slower or busier machine runs the
same chapter longer, so the build does not hold a chapter to its budget in raw
seconds: it counts the chapter kernel's CPU time and scales it by how long this
workload took, right before the chapter, against how long it takes on the
reference machine. A chapter made more expensive still fails; a machine that is
merely slower or busy does not.

The workload mixes what chapters spend their time on: small PyTorch models trained
step by step (operator overhead and small matrix products), numpy linear algebra,
and plain Python loops.
"""

from __future__ import annotations

import resource
import time

# CPU seconds of ``workload()`` on the reference machine, quiet (``measure()``,
# as printed by ``python _ext/calibration.py``).
REFERENCE_SECONDS = 0.29


def children_cpu() -> float:
    """CPU seconds of this process's children that have exited and been waited for:
    read before and after a chapter, the difference is its kernel's CPU time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def scaled_cost(cpu_seconds: float, calibration_seconds: float) -> float:
    """A chapter's kernel CPU seconds as the reference machine would spend them."""
    return cpu_seconds * REFERENCE_SECONDS / calibration_seconds


def workload() -> None:
    import io

    import matplotlib
    import numpy as np
    import torch
    from matplotlib.figure import Figure
    from torch import nn

    # a small model trained step by step: operator overhead, small matrix products
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Flatten(),
                        nn.Linear(8 * 8 * 8, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x, y = torch.randn(64, 1, 8, 8), torch.randint(0, 10, (64,))
    for _ in range(30):
        loss = nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    # numpy: dense algebra, then arrays larger than the caches
    rng = np.random.default_rng(0)
    a = rng.standard_normal((256, 256))
    for _ in range(10):
        a = np.tanh(a @ a / 256)
    big = rng.standard_normal(1_000_000)
    for _ in range(3):
        big = np.sort(np.abs(big))[::-1] * 0.5
    # plain Python: loops, and objects scattered over memory
    words = {f"w{i}": i * i % 7 for i in range(50_000)}
    sorted(words.items(), key=lambda kv: (kv[1], kv[0]))
    # a figure rendered to PNG, as every chapter does
    matplotlib.use("Agg")
    fig = Figure(figsize=(6, 3), dpi=100)
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(np.cumsum(rng.standard_normal(2000)))
    ax2.imshow(rng.random((64, 64)))
    fig.savefig(io.BytesIO(), format="png")


_warm: list[bool] = []


def measure(repeats: int = 5) -> float:
    """CPU seconds of the workload in this process: the median of ``repeats`` runs."""
    import statistics

    return statistics.median(measure_runs(repeats))


def measure_runs(repeats: int) -> list[float]:
    """CPU seconds of each of ``repeats`` runs of the workload in this process."""
    import torch

    torch.set_num_threads(1)
    if not _warm:
        workload()  # imports, allocator, first-call dispatch: once per process
        _warm.append(True)
    runs = []
    for _ in range(repeats):
        start = time.process_time()
        workload()
        runs.append(time.process_time() - start)
    return runs


if __name__ == "__main__":
    runs = [measure() for _ in range(5)]
    print("calibration CPU seconds:", ", ".join(f"{r:.3f}" for r in runs))
