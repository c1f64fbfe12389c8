"""Checks for the code exercises of the chapter *Data-parallel training*.

Each check runs the reader's function on inputs built to expose one typical
mistake at a time, without printing the expected values.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch
from torch.utils.data import DistributedSampler

from . import CheckResult, call_answer, failed, passed, require_callable


def _sampler_indices(n: int, rank: int, world_size: int) -> list[int]:
    """What ``DistributedSampler(shuffle=False)`` gives rank ``rank``: the reference."""
    return list(DistributedSampler(range(n), num_replicas=world_size, rank=rank,
                                   shuffle=False))


def _as_int_list(value: Any) -> list[int] | None:
    """The reader's answer as a list of ints (list, tuple, array or integer tensor)."""
    if isinstance(value, torch.Tensor):
        if value.ndim != 1 or value.is_floating_point() or value.dtype == torch.bool:
            return None
        return [int(v) for v in value.tolist()]
    if isinstance(value, np.ndarray):
        value = value.tolist() if value.ndim == 1 and value.dtype.kind in "iu" else None
    if not isinstance(value, (list, tuple)):
        return None
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
        return None
    return [int(v) for v in value]


def check_rank_indices(fn: Callable[[int, int, int], Any]) -> CheckResult:
    """Check ``fn(n, rank, world_size)``: the indices ``DistributedSampler`` with
    ``shuffle=False`` gives rank ``rank`` of ``world_size`` on a dataset of ``n``
    examples, in order, padding included. Chapter: *Data-parallel training*.
    """
    name = "rank_indices"
    require_callable("fn", fn)
    for n, world_size in ((12, 3), (10, 4), (3, 5)):
        for rank in range(world_size):
            got, problem = call_answer(name, fn, n, rank, world_size)
            if problem is not None:
                return problem
            where = f"n={n}, rank={rank}, world_size={world_size}"
            indices = _as_int_list(got)
            if indices is None:
                return failed(name, f"return a list of ints for {where}, got "
                              f"{type(got).__name__}", "one index per example, in order.")
            want = _sampler_indices(n, rank, world_size)
            if indices == want:
                continue
            per_rank = len(want)
            if indices == list(range(rank, n, world_size)):
                return failed(name, f"for {where} you leave out the padding",
                              "every rank gets ceil(n / world_size) indices: the list "
                              "is padded with its first indices before it is dealt out.")
            if indices == list(range(n))[rank * per_rank:(rank + 1) * per_rank]:
                return failed(name, f"for {where} you give each rank a contiguous block",
                              "the sampler deals the indices out in turn: rank r takes "
                              "positions r, r + world_size, r + 2 world_size, ...")
            if len(indices) != per_rank:
                return failed(name, f"for {where} rank gets {len(indices)} indices",
                              "every rank gets ceil(n / world_size) of them.")
            return failed(name, f"the indices for {where} are not the sampler's",
                          "pad range(n) with its own start to a multiple of world_size, "
                          "then take every world_size-th index from position rank.")
    return passed(name, "your indices are DistributedSampler's, padding included.")
