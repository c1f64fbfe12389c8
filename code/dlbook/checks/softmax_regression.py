"""Checks for the code exercises of the chapter *Softmax regression*.

Each check calls the reader's function on inputs that expose the usual
mistakes and says what is wrong, with a hint, without giving the answer away.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from . import (CheckResult, as_number, as_tensor, call_answer, compare_tensors, failed, passed,
               require_callable)


def _logits(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed),
                       dtype=torch.float64)


def check_log_softmax(fn: Callable[[torch.Tensor], torch.Tensor]) -> CheckResult:
    """Check a reader's ``log_softmax(logits)`` over the last axis.

    It must return log-probabilities of the same shape as ``logits``, for any
    number of leading axes, stay finite for logits in the thousands, and leave
    its input unchanged.
    """
    name = "log_softmax"
    require_callable("fn", fn)
    cases = [("a (3, 5) batch of logits", _logits(3, 5)),
             ("a (2, 3, 4) tensor (the classes are the last axis)", _logits(2, 3, 4, seed=1)),
             ("one row of logits, shape (6,)", _logits(6, seed=2))]
    for what, x in cases:
        got, problem = call_answer(name, fn, x)
        if problem is not None:
            return problem
        got = as_tensor(got)
        want = F.log_softmax(x, dim=-1)
        if isinstance(got, torch.Tensor) and got.shape == want.shape and x.ndim > 1:
            for dim in range(x.ndim - 1):
                if torch.allclose(got.detach().double(), F.log_softmax(x, dim=dim),
                                  atol=1e-6):
                    return failed(name, f"on {what} you normalise over axis {dim}, not "
                                  "over the classes", "the probabilities of one example "
                                  "must sum to one: reduce over the last axis.")
        problem = compare_tensors(name, got, want, atol=1e-6, what=f"the result on {what}")
        if problem is not None:
            return problem
    big = torch.tensor([[1000.0, 0.0, -1000.0], [2000.0, 2000.0, 0.0]], dtype=torch.float64)
    got, problem = call_answer(name, fn, big)
    if problem is not None:
        return problem
    got = as_tensor(got)
    want = F.log_softmax(big, dim=-1)
    if isinstance(got, torch.Tensor) and got.shape == want.shape:
        got = got.detach().double()
        likely = want > -100  # classes whose log-probability is a modest number
        if torch.isnan(got).any() or torch.isinf(got[likely]).any():
            return failed(name, "logits in the thousands give NaN or inf", "exp(1000) "
                          "overflows; use the identity of the log-sum-exp trick so that "
                          "no exponential of a large positive number is ever taken.")
        if torch.isinf(got).any():
            return failed(name, "very unlikely classes get log-probability -inf instead "
                          "of a large negative number", "taking the log of probabilities "
                          "that rounded to 0 loses them; stay in log space.")
    problem = compare_tensors(name, got, want, atol=1e-6,
                              what="the result for logits in the thousands")
    if problem is not None:
        return problem
    return passed(name, "right values and shapes, and stable for huge logits.")


def check_cross_entropy(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
                        ) -> CheckResult:
    """Check a reader's ``cross_entropy(logits, targets)``: mean over the batch, from logits."""
    name = "cross_entropy"
    require_callable("fn", fn)
    logits = _logits(5, 4, seed=3)
    targets = torch.tensor([0, 3, 1, 1, 2])
    got, problem = call_answer(name, fn, logits, targets)
    if problem is not None:
        return problem
    got = as_tensor(got)
    want = F.cross_entropy(logits, targets)
    if isinstance(got, torch.Tensor) and got.shape == (5,):
        return failed(name, "you return one loss per example, shape (5,)",
                      "the loss of a batch is the mean over its examples.")
    if isinstance(got, torch.Tensor) and got.numel() == 1:
        value = float(got)
        log_p = F.log_softmax(logits, dim=1)
        if abs(value + float(want)) < 1e-6:
            return failed(name, "the sign is wrong: your loss is negative",
                          "the loss is the *negative* log-probability of the true class.")
        if abs(value - 5 * float(want)) < 1e-6:
            return failed(name, "your loss is the sum over the batch, not the mean",
                          "divide by the number of examples, so that the loss does not "
                          "grow with the batch size.")
        if abs(value - float(-log_p[:, targets].mean())) < 1e-6:
            return failed(name, "you average the log-probabilities of every example's "
                          "row at every target, not one entry per example",
                          "index rows and columns together: row i, column targets[i].")
    problem = compare_tensors(name, got, want, atol=1e-6, what="the loss")
    if problem is not None:
        if isinstance(got, torch.Tensor) and got.shape != want.shape:
            return failed(name, f"the loss has shape {tuple(got.shape)}, expected a "
                          "scalar (shape ())", "reduce to a single number with mean().")
        return problem
    big = torch.tensor([[3000.0, 0.0, -3000.0], [0.0, 1000.0, 0.0]], dtype=torch.float64)
    big_targets = torch.tensor([2, 0])
    got, problem = call_answer(name, fn, big, big_targets)
    if problem is not None:
        return problem
    got = as_tensor(got)
    if isinstance(got, torch.Tensor) and not torch.isfinite(got).all():
        return failed(name, "the loss is inf or NaN when the logits are in the thousands",
                      "compute log-probabilities directly from the logits with a stable "
                      "log-softmax, not the log of probabilities.")
    problem = compare_tensors(name, got, F.cross_entropy(big, big_targets), atol=1e-6,
                              what="the loss for logits in the thousands")
    if problem is not None:
        return problem
    return passed(name, "it matches torch.nn.functional.cross_entropy.")


def check_top_k_accuracy(fn: Callable[[torch.Tensor, torch.Tensor, int], object]
                         ) -> CheckResult:
    """Check a reader's ``top_k_accuracy(logits, targets, k)``: a fraction in [0, 1]."""
    name = "top_k_accuracy"
    require_callable("fn", fn)
    logits = _logits(40, 6, seed=4)
    targets = torch.randint(0, 6, (40,), generator=torch.Generator().manual_seed(5))

    def reference(k: int) -> float:
        top = logits.topk(k, dim=1).indices
        return float((top == targets[:, None]).any(dim=1).double().mean())

    for k in (1, 2, 3, 6):
        got, problem = call_answer(name, fn, logits, targets, k)
        if problem is not None:
            return problem
        got = as_tensor(got)
        if isinstance(got, torch.Tensor):
            if got.numel() != 1:
                return failed(name, f"for k={k} you return a tensor of shape "
                              f"{tuple(got.shape)}, expected one number",
                              "average over the examples to get a single fraction.")
            got = got.item()
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            return failed(name, f"return a number, got {type(got).__name__}")
        want = reference(k)
        if abs(got - want) < 1e-6:
            continue
        if abs(got - 40 * want) < 1e-4:
            return failed(name, f"for k={k} you return a count of examples, not a "
                          "fraction", "divide by the number of examples.")
        for off in (k - 1, k + 1):
            if 1 <= off <= 6 and abs(got - reference(off)) < 1e-6:
                return failed(name, f"for k={k} your answer equals the top-{off} accuracy",
                              "check how many classes you keep per example: exactly k.")
        return failed(name, f"for k={k} the accuracy is wrong", "for each example, ask "
                      "whether its true class is among its k largest logits (each row "
                      "is one example).")
    return passed(name, "right for k = 1, 2, 3 and k = the number of classes.")
