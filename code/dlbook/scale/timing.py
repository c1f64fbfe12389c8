"""Timing code fairly: warm-up calls first, then the median of many timed calls.

A single stopwatch reading says little. The first calls of a function pay
one-off costs (allocating buffers, choosing kernels, compiling), and on a shared
machine any call can be slowed by someone else's work. So :func:`time_it` calls
the function a few times untimed, then times each of ``repeats`` calls and
reports their median and quartiles: the median ignores the few calls that a
load spike hit, and the quartiles show how far the calls spread.
:func:`time_each` times several functions in turn, round after round, so that a
slow period of the machine hits all of them alike. Chapter: *Performance*.
"""

from __future__ import annotations

import time
from typing import Callable, Mapping, NamedTuple

import numpy as np

from .._args import check_callable, check_float, check_int


class Timing(NamedTuple):
    """Seconds per call: the median and quartiles of the timed calls, and the
    calls themselves. Chapter: *Performance*."""

    median: float
    q25: float
    q75: float
    times: tuple[float, ...]


def time_it(fn: Callable[[], object], *, warmup: int = 3, repeats: int = 20) -> Timing:
    """Time ``fn()``: ``warmup`` untimed calls, then ``repeats`` timed ones.
    Chapter: *Performance*."""
    check_callable("fn", fn)
    warmup, repeats = _check_counts(warmup, repeats)
    for _ in range(warmup):
        fn()                          # one-off costs: allocation, kernel choice
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return summarize(times)


def time_each(fns: Mapping[str, Callable[[], object]], *, warmup: int = 3,
              repeats: int = 20) -> dict[str, Timing]:
    """Time several functions, interleaved: each round calls every function once,
    so that a busy spell of the machine slows all of them alike.
    Chapter: *Performance*."""
    _check_functions(fns)
    warmup, repeats = _check_counts(warmup, repeats)
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: summarize(t) for name, t in times.items()}


def summarize(times: list[float] | tuple[float, ...]) -> Timing:
    """The median and quartiles of measured ``times`` (seconds).
    Chapter: *Performance*."""
    times = _check_times(times)
    q25, median, q75 = np.percentile(times, [25, 50, 75])
    return Timing(float(median), float(q25), float(q75), tuple(times))


def speedup(baseline: Timing, other: Timing) -> tuple[float, float, float]:
    """How many times faster ``other`` is than ``baseline``: the ratio of the
    medians, and the lowest and highest ratios of their quartiles (a rough range).
    Chapter: *Performance*."""
    for name, value in (("baseline", baseline), ("other", other)):
        if not isinstance(value, Timing):
            raise TypeError(f"{name} must be a Timing, got {type(value).__name__}")
        check_float(f"{name}.q25", value.q25, minimum=0.0, strict_min=True)
    return (baseline.median / other.median, baseline.q25 / other.q75,
            baseline.q75 / other.q25)


def _check_counts(warmup: int, repeats: int) -> tuple[int, int]:
    return check_int("warmup", warmup, minimum=0), check_int("repeats", repeats, minimum=1)


def _check_functions(fns: Mapping[str, Callable[[], object]]) -> None:
    if not isinstance(fns, Mapping):
        raise TypeError(f"fns must be a dict from names to functions, got "
                        f"{type(fns).__name__}")
    if not fns:
        raise ValueError("fns must not be empty")
    for name, fn in fns.items():
        check_callable(f"fns[{name!r}]", fn)


def _check_times(times: list[float] | tuple[float, ...]) -> list[float]:
    if not isinstance(times, (list, tuple)):
        raise TypeError(f"times must be a list of seconds, got {type(times).__name__}")
    if not times:
        raise ValueError("times must not be empty")
    return [check_float("times", t, minimum=0.0) for t in times]
