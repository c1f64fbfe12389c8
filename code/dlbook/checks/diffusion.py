"""Checks for the code exercises of the chapter *Diffusion models*.

Each check runs the reader's function on inputs built to expose one typical
mistake at a time, without printing the expected values.
"""

from __future__ import annotations

import math
from typing import Callable

import torch

from . import CheckResult, call_answer, close, compare_tensors, failed, passed, \
    require_callable


def _ddim(x_t, eps, alpha_bar_t, alpha_bar_prev):
    x0_hat = (x_t - math.sqrt(1 - alpha_bar_t) * eps) / math.sqrt(alpha_bar_t)
    return math.sqrt(alpha_bar_prev) * x0_hat + math.sqrt(1 - alpha_bar_prev) * eps


def check_ddim_step(fn: Callable) -> CheckResult:
    """Check ``fn(x_t, eps, alpha_bar_t, alpha_bar_prev)``: one deterministic DDIM step
    (eta = 0) from the noise level ``alpha_bar_t`` to the less noisy
    ``alpha_bar_prev``, given the predicted noise ``eps``. Chapter: *Diffusion models*.
    """
    name = "ddim_step"
    require_callable("fn", fn)
    g = torch.Generator().manual_seed(0)
    x_t = torch.randn(5, 3, generator=g, dtype=torch.float64)
    eps = torch.randn(5, 3, generator=g, dtype=torch.float64)
    for alpha_bar_t, alpha_bar_prev in ((0.3, 0.8), (0.05, 0.2), (0.6, 0.999)):
        got, problem = call_answer(name, fn, x_t.clone(), eps.clone(), alpha_bar_t,
                                   alpha_bar_prev)
        if problem is not None:
            return problem
        want = _ddim(x_t, eps, alpha_bar_t, alpha_bar_prev)
        where = f"from alpha_bar {alpha_bar_t} to {alpha_bar_prev}"
        x0_hat = (x_t - math.sqrt(1 - alpha_bar_t) * eps) / math.sqrt(alpha_bar_t)
        if close(got, x0_hat, atol=1e-9):
            return failed(name, f"{where} you return the estimate of the clean point",
                          "put it back at the noise level of the earlier step: "
                          "sqrt(alpha_bar_prev) x0_hat + sqrt(1 - alpha_bar_prev) eps.")
        if close(got, _ddim(x_t, eps, alpha_bar_prev, alpha_bar_t), atol=1e-9):
            return failed(name, f"{where} you swap the two noise levels",
                          "x0_hat is computed with alpha_bar_t, the level of x_t.")
        no_roots = (x_t - (1 - alpha_bar_t) * eps) / alpha_bar_t
        if close(got, alpha_bar_prev * no_roots + (1 - alpha_bar_prev) * eps, atol=1e-9):
            return failed(name, f"{where} you use alpha_bar where its square root belongs",
                          "x_t = sqrt(alpha_bar) x0 + sqrt(1 - alpha_bar) eps: amplitudes "
                          "are square roots of the variances.")
        problem = compare_tensors(name, got, want, atol=1e-9, what=f"the step {where}")
        if problem is not None:
            return problem
    return passed(name, "the clean estimate, moved to the earlier noise level along the "
                  "predicted noise.")
