"""Checks for the code exercises of the chapter *Policy gradients*.

The check runs the reader's function on ratios and advantages built so that each
typical mistake gives a different answer, without printing the expected values.
"""

from __future__ import annotations

from typing import Callable

import torch

from . import CheckResult, as_tensor, call_answer, compare_tensors, named_mistake, \
    passed, require_callable


def check_clipped_objective(fn: Callable) -> CheckResult:
    """Check ``fn(ratio, advantages, clip)``: PPO's clipped objective per sample,
    ``min(ratio * A, clip(ratio, 1 - clip, 1 + clip) * A)``, shape of ``ratio``.
    Chapter: *Policy gradients*."""
    name = "clipped_objective"
    require_callable("fn", fn)
    g = torch.Generator().manual_seed(0)
    base = torch.tensor([0.5, 0.9, 1.1, 1.5, 0.3, 1.7] * 2, dtype=torch.float64)
    ratio = base + 0.05 * torch.rand(12, generator=g, dtype=torch.float64)  # both sides
    advantages = torch.randn(12, generator=g, dtype=torch.float64)
    advantages[:6] = advantages[:6].abs() + 0.1
    advantages[6:] = -advantages[6:].abs() - 0.1
    clip = 0.2
    clipped = torch.clamp(ratio, 1 - clip, 1 + clip)
    want = torch.minimum(ratio * advantages, clipped * advantages)
    got, problem = call_answer(name, fn, ratio.clone(), advantages.clone(), clip)
    if problem is not None:
        return problem
    mistakes = {
        "you take the maximum instead of the minimum":
            (torch.maximum(ratio * advantages, clipped * advantages), "the minimum makes "
             "the objective a pessimistic bound; the maximum rewards moving the ratio "
             "without limit."),
        "you return the clipped term alone":
            (clipped * advantages, "keep the unclipped term in a minimum with it, so that "
             "a move in the wrong direction is still undone."),
        "you leave out the clip":
            (ratio * advantages, "clamp the ratio to [1 - clip, 1 + clip] in the second "
             "term."),
    }
    got_t = as_tensor(got)
    if isinstance(got_t, torch.Tensor) and got_t.shape == want.shape:
        problem = named_mistake(name, got_t, mistakes, atol=1e-6, want=want)
        if problem is not None:
            return problem
    problem = compare_tensors(name, got, want, atol=1e-6, what="the objective")
    if problem is not None:
        return problem
    return passed(name, "your objective is PPO's clipped objective.")
