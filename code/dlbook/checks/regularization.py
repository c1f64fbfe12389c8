"""Checks for the code exercises of the chapter *Regularization*.

Each check runs your function on inputs chosen to expose the usual mistakes
(dropout without the 1/(1-p) rescaling, ``p`` read as the keep probability,
units dropped in evaluation mode, an early-stopping rule that peeks at the
future or counts epochs from zero) and says what is wrong, without showing the
answer::

    from dlbook.checks.regularization import check_dropout
    check_dropout(my_dropout)
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch

from . import (CheckResult, as_number, as_tensor, call_answer, close, failed, passed,
               require_callable, tolerances)

N_DRAW = 100_000  # enough draws that the keep rate is known to within ~0.5%


def _is_tensor_like(name: str, out, x: torch.Tensor) -> CheckResult | None:
    out = as_tensor(out)
    if not isinstance(out, torch.Tensor):
        return failed(name, f"your function should return a torch.Tensor, got "
                      f"{type(out).__name__}", "return a tensor shaped like x.")
    if out.shape != x.shape:
        return failed(name, f"the output has shape {tuple(out.shape)}, expected "
                      f"{tuple(x.shape)}", "dropout keeps the shape: draw one mask "
                      "entry per element of x.")
    return None


def _dropout_output(name: str, fn: Callable, x: torch.Tensor, p: float,
                    training: bool) -> tuple[torch.Tensor | None, CheckResult | None]:
    """Call the reader's dropout on ``x``: (its output as a tensor, None) or (None, a failure).

    A failure is an exception, a change to ``x`` in place, or an output that is
    not a tensor shaped like ``x``.
    """
    out, problem = call_answer(name, fn, x, p, training)
    if problem is None:
        problem = _is_tensor_like(name, out, x)
    return (None, problem) if problem is not None else (as_tensor(out), None)


def check_dropout(fn: Callable) -> CheckResult:
    """Check ``fn(x, p, training) -> tensor``: inverted dropout.

    In training, each element is zeroed with probability ``p`` and the others
    are scaled by ``1 / (1 - p)``; in evaluation, ``x`` comes back unchanged.
    """
    name = "dropout"
    require_callable("fn", fn)
    torch.manual_seed(0)  # the reader's function may use the global generator
    x = torch.ones(N_DRAW, dtype=torch.float64)

    # Evaluation mode first: the easiest mistake to make and to explain.
    out, problem = _dropout_output(name, fn, x, 0.3, False)
    if problem is not None:
        return problem
    if not close(out, x):
        if (out == 0).any():
            return failed(name, "units are dropped in evaluation mode (training=False)",
                          "at test time dropout does nothing: return x unchanged.")
        return failed(name, "in evaluation mode the output differs from x",
                      "inverted dropout scales at training time only, so evaluation "
                      "returns x as it is.")

    for p in (0.2, 0.5, 0.75):
        out, problem = _dropout_output(name, fn, x, p, True)
        if problem is not None:
            return problem
        tol = tolerances(out, 1e-8, 1e-5)
        out = out.detach().to(torch.float64)
        dropped = (out == 0).double().mean().item()
        if dropped in (0.0, 1.0):
            what = "nothing" if dropped == 0.0 else "everything"
            return failed(name, f"with p={p} your function dropped {what} (of "
                          f"{N_DRAW:,} units): it seems to draw one random number for "
                          "the whole tensor",
                          "draw one random number per element (a tensor shaped like x).")
        if abs(dropped - (1 - p)) < 0.01 and abs(p - 0.5) > 0.1:
            return failed(name, f"with p={p} about {dropped:.0%} of the units were "
                          "dropped: p is used as the probability of keeping a unit",
                          "p is the probability of dropping, as in torch's dropout.")
        if abs(dropped - p) > 0.01:
            return failed(name, f"with p={p} about {dropped:.1%} of the units were "
                          f"dropped, expected about {p:.0%}",
                          "keep each unit when a uniform draw is at least p "
                          "(or use torch.bernoulli with 1 - p).")
        kept = out[out != 0]
        scale = 1 / (1 - p)
        if torch.allclose(kept, torch.ones_like(kept), atol=tol[0], rtol=tol[1]):
            return failed(name, "the kept units are not rescaled",
                          "inverted dropout divides the kept units by (1 - p), so that "
                          "each unit's expected value stays the same.")
        if torch.allclose(kept, torch.full_like(kept, scale), atol=tol[0], rtol=tol[1]):
            continue
        if torch.allclose(kept, torch.full_like(kept, 1 / p), atol=tol[0],
                          rtol=tol[1]):
            return failed(name, "the kept units are divided by p",
                          "divide by the probability of keeping a unit.")
        return failed(name, f"with p={p} and x = 1, the kept units should all equal "
                      "1/(1-p)", "scale the kept units by one constant.")

    # A fresh mask on every call, and values that depend on x.
    a, _ = call_answer(name, fn, x, 0.5, True)
    b, _ = call_answer(name, fn, x, 0.5, True)
    a, b = as_tensor(a), as_tensor(b)
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.shape == b.shape \
            and torch.equal(a, b):
        return failed(name, "two calls gave the same mask",
                      "draw a new mask on every call; do not re-seed inside the "
                      "function.")
    z = torch.linspace(-2.0, 3.0, 1000, dtype=torch.float64)
    out, problem = _dropout_output(name, fn, z, 0.4, True)
    if problem is not None:
        return problem
    kept = out != 0
    if not close(out[kept], z[kept] / 0.6):
        return failed(name, "for inputs other than ones, the kept units are not "
                      "x / (1 - p)", "multiply x itself by the mask.")

    # p = 0 keeps everything; gradients flow through the mask.
    out, problem = call_answer(name, fn, z, 0.0, True)
    if problem is not None:
        return problem
    if not close(out, z):
        return failed(name, "with p=0 the output should equal x", "nothing is dropped "
                      "when p = 0, and 1/(1-0) = 1.")
    leaf = z.clone().requires_grad_(True)
    out, problem = call_answer(name, fn, leaf, 0.5, True)
    if problem is not None:
        return problem
    if not isinstance(out, torch.Tensor) or not out.requires_grad:
        return failed(name, "the output is not connected to x's computational graph",
                      "use torch operations on x (no .detach(), .numpy() or new "
                      "tensors built from x's values).")
    if out.shape != leaf.shape:
        return _is_tensor_like(name, out, leaf)
    out.sum().backward()
    want = (out.detach() != 0).double() * 2.0
    if leaf.grad is None or not close(leaf.grad, want):
        return failed(name, "the gradient with respect to x is not mask / (1 - p)",
                      "the output should be x times a constant mask tensor.")
    return passed(name, "the drop rate, the 1/(1-p) scaling and evaluation mode are all "
                  "right.")


def _early_stopping(losses: Sequence[float], patience: int, *, strict: bool = True,
                    late: bool = False) -> tuple[int, int]:
    best, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(losses, start=1):
        if loss < best or (not strict and loss <= best):
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if (waited > patience) if late else (waited >= patience):
                return best_epoch, epoch
    return best_epoch, len(losses)


def check_early_stopping(fn: Callable) -> CheckResult:
    """Check ``fn(val_losses, patience) -> (best_epoch, stop_epoch)``, epochs from 1.

    The rule is ``fit``'s: an epoch improves when its validation loss is
    strictly lower than every earlier one; training stops at the epoch where
    ``patience`` epochs in a row have not improved (or at the last epoch), and
    the weights of ``best_epoch`` are restored.
    """
    name = "early_stopping"
    require_callable("fn", fn)
    cases = [
        ([1.0, 0.8, 0.7, 0.72, 0.71, 0.75, 0.69, 0.9, 0.95, 0.96], 3),
        ([0.5, 0.4, 0.4, 0.4, 0.45, 0.3], 2),
        ([5.0, 4.0, 3.0, 2.0, 1.0], 2),
        ([1.0, 2.0, 0.5], 1),
    ]
    answers = []
    for losses, patience in cases:
        got, problem = call_answer(name, fn, list(losses), patience)
        if problem is not None:
            return problem
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            return failed(name, "your function should return a pair (best_epoch, "
                          f"stop_epoch), got {type(got).__name__}",
                          "end with: return best_epoch, stop_epoch")
        if not all(_whole(v) for v in got):
            return failed(name, "best_epoch and stop_epoch should be whole numbers, got "
                          f"{tuple(got)}", "return epoch numbers, not losses.")
        answers.append(tuple(int(as_number(v)) for v in got))
    wants = [_early_stopping(losses, patience) for losses, patience in cases]
    if answers == wants:
        return passed(name, "the best epoch and the stopping epoch follow fit's rule.")
    # Name the first misreading that explains every answer.
    misreadings = [
        ([(b - 1, s - 1) for b, s in wants], "your epochs are counted from 0",
         "History counts epochs from 1, like fit."),
        ([_early_stopping(l, p, late=True) for l, p in cases],
         "training stops one epoch too late",
         "stop as soon as patience epochs in a row have not improved."),
        ([_early_stopping(l, p, strict=False) for l, p in cases],
         "a tie counts as an improvement",
         "an epoch improves only when its loss is strictly lower."),
        ([(min(range(len(l)), key=l.__getitem__) + 1, w[1]) for (l, _), w in
          zip(cases, wants)], "the best epoch can come after training stopped",
         "early stopping cannot see the future: look only at the epochs before the "
         "stop."),
        ([(min(range(len(l)), key=l.__getitem__) + 1, len(l)) for l, _ in cases],
         "training never stops",
         "count the epochs without improvement, and reset the count when the loss "
         "improves."),
    ]
    index = next(i for i, (a, w) in enumerate(zip(answers, wants)) if a != w)
    losses, patience = cases[index]
    where = f"(for example losses={losses}, patience={patience}: you return " \
            f"{answers[index]})"
    for candidate, message, hint in misreadings:
        if answers == candidate:
            return failed(name, f"{message} {where}", hint)
    return failed(name, f"expected a different (best_epoch, stop_epoch) {where}",
                  "follow the rule epoch by epoch on paper.")


def _whole(value) -> bool:
    number = as_number(value)
    return number is not None and number.is_integer()
