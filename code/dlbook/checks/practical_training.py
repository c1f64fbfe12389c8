"""Checks for the code exercises of the chapter *Practical training*.

Each check runs the reader's function on inputs built to expose one typical
mistake at a time, without printing the expected values.
"""

from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn

from . import CheckResult, as_number, as_tensor, call_answer, failed, passed, require_callable

_as_float = as_number


def _entropy(counts: list[int]) -> float:
    total = sum(counts)
    return -sum(n / total * math.log(n / total) for n in counts if n > 0)


def check_expected_initial_loss(fn: Callable) -> CheckResult:
    """Check ``fn(class_counts, prior_bias)``: the cross-entropy a fresh classifier should have.

    With ``prior_bias=False`` the classifier predicts the uniform distribution;
    with ``prior_bias=True`` it predicts the class frequencies of
    ``class_counts``. Chapter: *Practical training*.
    """
    name = "expected_initial_loss"
    require_callable("fn", fn)
    cases = [([10, 10], False), ([5] * 10, False), ([90, 10], False), ([50, 30, 20], False),
             ([90, 10], True), ([50, 30, 20], True), ([3] * 4, True), ([40, 0, 60], True)]
    for counts, prior in cases:
        got, problem = call_answer(name, fn, list(counts), prior)
        if problem is not None:
            return problem
        value = _as_float(got)
        if value is None:
            return failed(name, f"return a number, got {type(got).__name__}",
                          "a Python float or a tensor with one element.")
        c = len(counts)
        want = _entropy(counts) if prior else math.log(c)
        case = f"class_counts={counts}, prior_bias={prior}"
        if math.isclose(value, want, rel_tol=1e-6, abs_tol=1e-9):
            continue
        if not math.isfinite(value):
            return failed(name, f"the answer for {case} is not finite",
                          "a class with no examples contributes 0 * log 0 = 0; skip it.")
        if math.isclose(value, want / math.log(2), rel_tol=1e-6):
            return failed(name, f"wrong value for {case}: it looks like a base-2 logarithm",
                          "cross-entropy in PyTorch uses the natural logarithm.")
        if math.isclose(value, -want, rel_tol=1e-6):
            return failed(name, f"wrong sign for {case}",
                          "the loss is the NEGATIVE log-probability of the true class.")
        if not prior and math.isclose(value, 1 / c, rel_tol=1e-6):
            return failed(name, f"wrong value for {case}: that is a probability, not a loss",
                          "take the negative logarithm of the probability.")
        if prior and math.isclose(value, math.log(c), rel_tol=1e-6):
            return failed(name, f"for {case} the answer ignores the prior",
                          "with prior_bias the predicted probabilities are the class "
                          "frequencies; average -log p over the examples.")
        if prior and math.isclose(value, -sum(n * math.log(n) for n in counts if n > 0),
                                  rel_tol=1e-6):
            return failed(name, f"for {case} the answer uses counts instead of frequencies",
                          "divide the counts by their total first.")
        return failed(name, f"wrong value for {case}",
                      "think about which probability the model gives the true class of "
                      "each example, and average the negative log over the examples.")
    return passed(name, "right for uniform and prior-matched initial outputs.")


def check_per_class_error_rates(fn: Callable) -> CheckResult:
    """Check ``fn(pred, y, num_classes)``: the error rate of each true class (nan if absent).

    Chapter: *Practical training*.
    """
    name = "per_class_error_rates"
    require_callable("fn", fn)
    y = torch.tensor([0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2])
    pred = torch.tensor([0, 0, 1, 1, 1, 1, 2, 2, 2, 0, 1, 1])
    cases = [(pred, y, 3), (pred, y, 5)]  # classes 3 and 4 have no examples
    for p, t, k in cases:
        got, problem = call_answer(name, fn, p.clone(), t.clone(), k)
        if problem is not None:
            return problem
        counts = torch.bincount(t, minlength=k).double()
        errors = torch.bincount(t[p != t], minlength=k).double()
        want = errors / counts  # 0 / 0 gives nan for absent classes
        got = as_tensor(got)
        if not isinstance(got, torch.Tensor):
            return failed(name, f"return a tensor, got {type(got).__name__}")
        if got.shape != want.shape:
            hint = ("bincount only counts up to the largest label it sees: pass "
                    "minlength=num_classes." if got.shape == (3,) and k == 5
                    else "return one error rate per class.")
            return failed(name, f"the result has shape {tuple(got.shape)}, expected "
                          f"({k},)", hint)
        got = got.detach().double()
        present = counts > 0
        if k == 5 and not torch.isnan(got[~present]).all():
            return failed(name, "classes with no examples should get nan",
                          "their error rate is undefined: 0 / 0.")
        g, w = got[present], want[present]
        if torch.allclose(g, w, atol=1e-9):
            continue
        if torch.allclose(g, 1 - w, atol=1e-9):
            return failed(name, "these are accuracies, not error rates",
                          "count the examples that are misclassified.")
        per_pred = torch.bincount(p[p != t], minlength=k).double() / torch.bincount(
            p, minlength=k).double()
        if torch.allclose(g, per_pred[present], atol=1e-9, equal_nan=True):
            return failed(name, "the rates are per predicted class",
                          "group the examples by their TRUE class y.")
        return failed(name, "wrong error rates", "for each class c: among the examples "
                      "with y == c, the fraction with pred != c.")
    return passed(name, "right rates, right shape, nan for absent classes.")


def check_global_grad_norm(fn: Callable) -> CheckResult:
    """Check ``fn(model)``: the norm of all gradients of ``model`` taken together.

    Chapter: *Practical training*.
    """
    name = "global_grad_norm"
    require_callable("fn", fn)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    model[0].bias.requires_grad_(False)  # frozen: its .grad stays None
    x = torch.randn(16, 4)
    nn.functional.cross_entropy(model(x), torch.randint(0, 3, (16,))).backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    norms = torch.stack([torch.linalg.vector_norm(g) for g in grads])
    want = torch.linalg.vector_norm(norms).item()
    got, problem = call_answer(name, fn, model)
    if problem is not None:
        if "NoneType" in problem.message:
            return failed(name, "your function fails on a parameter without a gradient",
                          "frozen parameters have p.grad None: skip them.")
        return problem
    value = _as_float(got)
    if value is None:
        return failed(name, f"return a number, got {type(got).__name__}")
    if any(p.grad is None for p in model[0].parameters() if p.requires_grad):
        return failed(name, "your function cleared the gradients",
                      "only read p.grad; do not call zero_grad.")
    if math.isclose(value, want, rel_tol=1e-5):
        return passed(name, "matches the norm that clip_grad_norm_ computes.")
    if math.isclose(value, want ** 2, rel_tol=1e-5):
        return failed(name, "this is the squared norm", "take the square root at the end.")
    if math.isclose(value, norms.sum().item(), rel_tol=1e-5):
        return failed(name, "this is the sum of the per-parameter norms",
                      "the norm of all gradients together is the square root of the sum "
                      "of their squared norms.")
    if math.isclose(value, norms.mean().item(), rel_tol=1e-5):
        return failed(name, "this is the mean of the per-parameter norms",
                      "treat all gradients as one long vector.")
    return failed(name, "wrong value", "flatten every gradient into one long vector and "
                  "take its Euclidean norm.")
