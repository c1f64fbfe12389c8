"""Checks for the code exercises of the chapter *Scaling laws and LoRA*.

Each check runs the reader's function on inputs built to expose one typical
mistake at a time, without printing the expected values.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from ..transformers.scaling import fit_power_law
from . import (CheckResult, as_tensor, call_answer, call_for_number, compare_tensors, failed,
               named_mistake, passed, require_callable)


def check_power_law_exponent(fn: Callable) -> CheckResult:
    """Check ``fn(n, loss)``: the exponent alpha of the least-squares fit of
    log loss = log a - alpha log n. Chapter: *Scaling laws and LoRA*.
    """
    name = "power_law_exponent"
    require_callable("fn", fn)
    rng = np.random.default_rng(0)
    n = np.array([1.5e3, 4e3, 9e3, 2.5e4, 6e4, 1.6e5])
    cases = [("an exact power law with exponent 0.3", n, 7.0 * n ** -0.3),
             ("noisy losses", n, 3.2 * n ** -0.07 * np.exp(0.01 * rng.standard_normal(6)))]
    for what, x, loss in cases:
        got, problem = call_for_number(name, fn, x.copy(), loss.copy())
        if problem is not None:
            return problem
        want = fit_power_law(x, loss).exponent
        u = np.log(x)
        mistakes = {
            "you return the slope, not its negation":
                (-want, "the slope of log L against log N is -alpha."),
            "you fit the losses themselves, not their logarithms":
                (-np.polyfit(u, loss, 1)[0], "a power law is a straight line in "
                 "(log N, log L): take the logarithm of both."),
            "you fit log L against N, not against log N":
                (-np.polyfit(x, np.log(loss), 1)[0], "take the logarithm of N too."),
        }
        problem = named_mistake(name, torch.tensor(got), {k: (torch.tensor(v), h)
                                                          for k, (v, h) in mistakes.items()},
                                atol=1e-9, where=f"on {what}: ",
                                want=torch.tensor(want))
        if problem is not None:
            return problem
        if abs(got - want) > 1e-6 * max(1.0, abs(want)):
            return failed(name, f"on {what} the exponent is off by {abs(got - want):.2g}",
                          "the least-squares slope is sum((u - mean u)(v - mean v)) / "
                          "sum((u - mean u)^2).")
    return passed(name, "your fit finds the exponent.")


def _merge(W, A, B, alpha):
    return W + (alpha / A.shape[0]) * B @ A


def check_merged_weight(fn: Callable) -> CheckResult:
    """Check ``fn(W, A, B, alpha)``: the weight W + (alpha / r) B A of a merged LoRA
    layer, r = A.shape[0]. Chapter: *Scaling laws and LoRA*.
    """
    name = "merged_weight"
    require_callable("fn", fn)
    g = torch.Generator().manual_seed(0)
    for r, alpha in ((3, 6.0), (1, 0.5)):
        W = torch.randn(5, 4, generator=g, dtype=torch.float64)
        A = torch.randn(r, 4, generator=g, dtype=torch.float64)
        B = torch.randn(5, r, generator=g, dtype=torch.float64)
        got, problem = call_answer(name, fn, W.clone(), A.clone(), B.clone(), alpha)
        if problem is not None:
            return problem
        want = _merge(W, A, B, alpha)
        got_t = as_tensor(got)
        if isinstance(got_t, torch.Tensor) and got_t.shape == want.shape:
            mistakes = {
                "you scale by alpha without dividing by the rank":
                    (W + alpha * B @ A, "the update is (alpha / r) B A, r = A.shape[0]."),
                "you return the update without the frozen weight":
                    ((alpha / r) * B @ A, "merging adds the update into W."),
                "you return W unchanged":
                    (W, "add (alpha / r) B A to W."),
            }
            problem = named_mistake(name, got_t, mistakes, atol=1e-9,
                                    where=f"with rank {r}: ", want=want)
            if problem is not None:
                return problem
        problem = compare_tensors(name, got, want, atol=1e-9,
                                  what=f"the merged weight with rank {r}")
        if problem is not None:
            return problem
    return passed(name, "your merged weight is right.")
