"""Checks for the code exercises of the chapter *The transformer*.

Each check runs the reader's function on inputs built to expose one typical
mistake at a time, without printing the expected values.
"""

from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F

from . import (CheckResult, call_answer, call_for_number, failed, named_mistake, passed,
               require_callable)
from ..transformers.encoder_decoder import warmup_schedule


def check_label_smoothing(fn: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]
                          ) -> CheckResult:
    """Check ``fn(logits, targets, epsilon)``: the mean over the ``N`` rows of
    ``logits`` ``(N, V)`` of the cross-entropy against the smoothed target
    (1 - epsilon) one-hot(targets) + epsilon / V. Chapter: *The transformer*.
    """
    name = "label_smoothing"
    require_callable("fn", fn)
    g = torch.Generator().manual_seed(0)
    logits = 3 * torch.randn(5, 7, generator=g, dtype=torch.float64)
    targets = torch.tensor([0, 3, 6, 2, 3])
    for what, eps in (("epsilon = 0.1", 0.1), ("epsilon = 0", 0.0), ("epsilon = 0.5", 0.5)):
        got, problem = call_answer(name, fn, logits.clone(), targets.clone(), eps)
        if problem is not None:
            return problem
        value, problem = call_for_number(name, lambda: got)
        if problem is not None:
            return problem
        want = F.cross_entropy(logits, targets, label_smoothing=eps)
        if math.isclose(value, float(want), rel_tol=1e-5, abs_tol=1e-7):
            continue
        logp, V = logits.log_softmax(1), logits.shape[1]
        nll, uniform = -logp[range(5), targets], -logp.mean(1)
        others = (-logp.sum(1) - nll) / (V - 1)
        mistakes = {
            "you spread epsilon over the V - 1 wrong tokens only": (
                ((1 - eps) * nll + eps * others).mean(),
                "the paper's (and PyTorch's) smoothing gives every token epsilon / V, "
                "the right one included."),
            "you add the uniform term without taking epsilon from the right token": (
                (nll + eps * uniform).mean(),
                "the right token keeps weight 1 - epsilon (plus its epsilon / V)."),
            "you sum over the rows instead of averaging": (
                ((1 - eps) * nll + eps * uniform).sum(), "return the mean over the rows."),
            "you smooth the probabilities instead of the target": (
                -((1 - eps) * logp.exp() + eps / V).log()[range(5), targets].mean(),
                "mix the target distribution with the uniform one, then take the "
                "cross-entropy against log p."),
        }
        mistake = named_mistake(name, torch.tensor(value, dtype=torch.float64), mistakes,
                                atol=1e-6, where=f"with {what}: ",
                                want=want.reshape(()))
        if mistake is not None:
            return mistake
        return failed(name, f"wrong value with {what}",
                      "(1 - epsilon) times -log p of the right token plus "
                      "epsilon times the mean of -log p over all V tokens, "
                      "averaged over the rows.")
    return passed(name, "right: it equals F.cross_entropy(..., label_smoothing=epsilon).")


def check_warmup_lr(fn: Callable[[int, int, int], float]) -> CheckResult:
    """Check ``fn(step, d_model, warmup_steps)``: the learning rate of Vaswani et al.,
    d_model^-1/2 · min(step^-1/2, step · warmup_steps^-3/2), steps counted from 1.
    Chapter: *The transformer*."""
    name = "warmup_lr"
    require_callable("fn", fn)
    for step, d, w in ((1, 512, 4000), (100, 512, 4000), (4000, 512, 4000),
                       (20000, 512, 4000), (30, 32, 60), (61, 32, 60)):
        what = f"step {step}, d_model {d}, warmup_steps {w}"
        value, problem = call_for_number(name, fn, step, d, w)
        if problem is not None:
            return problem
        want = warmup_schedule(step, d, w)
        if math.isclose(value, want, rel_tol=1e-6):
            continue
        if math.isclose(value, d ** -0.5 * max(step ** -0.5, step * w ** -1.5), rel_tol=1e-6):
            return failed(name, f"at {what} you take the larger of the two terms",
                          "the minimum: the rise is the smaller one before the peak.")
        if math.isclose(value, min(step ** -0.5, step * w ** -1.5), rel_tol=1e-6):
            return failed(name, f"at {what} the factor d_model^-1/2 is missing")
        if math.isclose(value, warmup_schedule(step + 1, d, w), rel_tol=1e-6):
            return failed(name, f"at {what} you are one step off",
                          "steps count from 1: use step as given.")
        return failed(name, f"wrong value at {what}",
                      "d_model ** -0.5 * min(step ** -0.5, step * warmup_steps ** -1.5).")
    return passed(name, "right, before, at and after the peak.")
