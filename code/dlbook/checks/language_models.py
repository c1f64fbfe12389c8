"""Checks for the code exercises of the chapter *Language models*.

Each check runs the reader's function on inputs built to expose one typical
mistake at a time, without printing the expected values.
"""

from __future__ import annotations

import math
from typing import Callable

import torch

from . import CheckResult, call_answer, call_for_number, compare_tensors, failed, passed, \
    require_callable


def _probs(n: int, seed: int, low: float = 0.01) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return low + (1 - low) * torch.rand(n, generator=g, dtype=torch.float64)


def check_perplexity(fn: Callable[[torch.Tensor], float]) -> CheckResult:
    """Check ``fn(probs)``: the perplexity of a model that gave the tokens of a text
    the probabilities ``probs`` (a 1-D float64 tensor), as one number.
    Chapter: *Language models*.
    """
    name = "perplexity"
    require_callable("fn", fn)
    cases = [("four probabilities", torch.tensor([0.5, 0.25, 0.125, 0.5], dtype=torch.float64)),
             ("a uniform model over 27 tokens", torch.full((10,), 1 / 27, dtype=torch.float64)),
             ("100 random probabilities", _probs(100, 0)),
             ("a text of 5,000 tokens", _probs(5000, 1, low=0.001))]
    for what, probs in cases:
        value, problem = call_for_number(name, fn, probs)
        if problem is not None:
            return problem
        log_p = probs.log()
        want = math.exp(-log_p.mean().item())
        if math.isclose(value, want, rel_tol=1e-6):
            continue
        if not math.isfinite(value):
            return failed(name, f"on {what} the answer is not finite",
                          "the product of thousands of probabilities underflows to 0; "
                          "average the logarithms instead of multiplying.")
        if math.isclose(value, 1 / want, rel_tol=1e-6):
            return failed(name, f"on {what} you return 1 / perplexity",
                          "perplexity is exp of the *negative* mean log-probability.")
        if math.isclose(value, math.exp(-log_p.sum().item()), rel_tol=1e-6):
            return failed(name, f"on {what} you use the sum of the log-probabilities",
                          "divide by the number of tokens: perplexity is per token.")
        if math.isclose(value, -log_p.mean().item(), rel_tol=1e-6):
            return failed(name, f"on {what} you return the cross-entropy",
                          "perplexity is the exponential of the cross-entropy.")
        if math.isclose(value, 2 ** (-log_p.mean().item()), rel_tol=1e-6):
            return failed(name, f"on {what} the base of the power does not match the "
                          "logarithm", "exp goes with the natural log, 2 ** with log2.")
        if math.isclose(value, (1 / probs).mean().item(), rel_tol=1e-6):
            return failed(name, f"on {what} you average 1 / p",
                          "perplexity is a geometric mean: average log p, then exponentiate.")
        return failed(name, f"wrong value on {what}",
                      "average the natural log of the probabilities, negate, exponentiate.")
    return passed(name, "right, and stable on long texts.")


def check_add_k(fn: Callable[[torch.Tensor, float], torch.Tensor]) -> CheckResult:
    """Check ``fn(counts, k)``: the add-k distribution of the next token, where
    ``counts`` (a 1-D tensor of length ``V``) counts what followed one context.
    Chapter: *Language models*.
    """
    name = "add_k"
    require_callable("fn", fn)
    cases = [("counts [3, 0, 1, 0, 6] with k = 1",
              torch.tensor([3.0, 0.0, 1.0, 0.0, 6.0], dtype=torch.float64), 1.0),
             ("counts [3, 0, 1, 0, 6] with k = 0.1",
              torch.tensor([3.0, 0.0, 1.0, 0.0, 6.0], dtype=torch.float64), 0.1),
             ("integer counts [0, 2, 5, 0, 0, 1, 0] with k = 0.5",
              torch.tensor([0, 2, 5, 0, 0, 1, 0]), 0.5),
             ("an unseen context (all counts 0) with k = 0.3",
              torch.zeros(4, dtype=torch.float64), 0.3)]
    for what, counts, k in cases:
        got, problem = call_answer(name, fn, counts, k)
        if problem is not None:
            return problem
        c = counts.double()
        want = (c + k) / (c.sum() + k * len(c))
        if isinstance(got, torch.Tensor) and got.shape == want.shape and \
                got.is_floating_point():
            total = float(got.double().sum())
            if torch.allclose(got.double(), (c + k) / (c.sum() + k), atol=1e-9) or (
                    c.sum() > 0 and torch.allclose(got.double(), (c + k) / c.sum(),
                                                   atol=1e-9)):
                return failed(name, f"on {what} the probabilities sum to {total:.3f}, "
                              "not 1", "k is added to every one of the V counts, so the "
                              "total grows by k * V.")
            if torch.allclose(got.double(), torch.where(c > 0, c + k, c) / (
                    c.sum() + k * (c > 0).sum()), atol=1e-9):
                return failed(name, f"on {what} the unseen tokens get probability 0",
                              "add k to every count, the zeros included.")
        problem = compare_tensors(name, got, want, atol=1e-9, what=f"the result on {what}")
        if problem is not None:
            return problem
    return passed(name, "right, unseen contexts included.")
