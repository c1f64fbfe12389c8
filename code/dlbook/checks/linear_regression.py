"""Checks for the code exercises of the chapter *Linear regression*.

Each check calls your function on small inputs chosen to expose the usual
mistakes (a missing 1/N factor, a penalised or forgotten bias, a sign error,
x and y swapped) and says what is wrong, without showing the
answer::

    from dlbook.checks.linear_regression import check_fit_line
    check_fit_line(fit_line)
"""

from __future__ import annotations

from typing import Callable

import torch

from . import (CheckResult, as_tensor, call_answer, close, compare_tensors, failed, passed,
               require_callable)


def _close(got, want, atol: float = 1e-6) -> bool:
    return close(got, want, atol=atol, rtol=1e-5)


def _pair(name: str, out, what: tuple[str, str]) -> CheckResult | None:
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        return failed(name, f"your function should return a pair ({what[0]}, {what[1]}), "
                      f"got {type(out).__name__}", "end with: return " + ", ".join(what))
    return None


def _regression_data(n: int, d: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    # Features and targets far from zero mean, so that the bias matters.
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=torch.float64) * 2.0 + 3.0
    y = X @ torch.randn(d, generator=g, dtype=torch.float64) + 5.0
    y = y + 0.5 * torch.randn(n, generator=g, dtype=torch.float64)
    return X, y


def _ridge(X: torch.Tensor, y: torch.Tensor, lam: float, *, scale: float,
           penalise_bias: bool = False, bias: bool = True):
    """Solutions of the ridge problem and of its usual misreadings."""
    n, d = X.shape
    A = torch.cat([X, X.new_ones(n, 1)], 1) if bias else X
    P = torch.eye(A.shape[1], dtype=X.dtype)
    if bias and not penalise_bias:
        P[-1, -1] = 0.0
    theta = torch.linalg.solve(A.T @ A + scale * lam * P, A.T @ y)
    return (theta[:-1], theta[-1]) if bias else (theta, X.new_zeros(()))


def _scalar(b) -> torch.Tensor | None:
    """The reader's bias as a 0-d tensor, or None when it is not one number."""
    b = as_tensor(b)
    if not isinstance(b, torch.Tensor) or not (b.is_floating_point() or b.dtype == torch.int64):
        return None
    return b.reshape(()) if b.numel() == 1 else None


WRONG_RIDGE = {
    "unscaled": lambda n: (f"your penalty is {n} (= N) times too weak",
                           "the data term is a mean over N examples; write the gradient "
                           "of both terms and set it to zero."),
    "bias_penalised": lambda n: ("your solution shrinks the bias too",
                                 "only w is penalised: b is free to match the mean of y."),
    "no_bias": lambda n: ("your model has no bias (b = 0)",
                          "the data are not centred; the model is X w + b."),
}


def check_ridge_fit(fn: Callable) -> CheckResult:
    """Check ``fn(X, y, lam) -> (w, b)``: ridge regression in closed form, bias unpenalised.

    The loss is ``(1/N) ||X w + b - y||^2 + lam ||w||^2``.
    """
    name = "ridge_fit"
    require_callable("fn", fn)
    for n, d, lam, seed in ((30, 3, 0.0, 0), (30, 3, 0.5, 1), (12, 5, 2.0, 2)):
        X, y = _regression_data(n, d, seed)
        out, problem = call_answer(name, fn, X, y, lam)
        if problem is not None:
            return problem
        problem = _pair(name, out, ("w", "b"))
        if problem is not None:
            return problem
        w, b = out
        b = _scalar(b)
        if b is None:
            return failed(name, "b should be a single number (a tensor of shape ())",
                          "the model has one bias shared by all examples.")
        want_w, want_b = _ridge(X, y, lam, scale=n)
        if _close(w, want_w) and _close(b, want_b):
            continue
        wrong = {
            "unscaled": _ridge(X, y, lam, scale=1.0),
            "bias_penalised": _ridge(X, y, lam, scale=n, penalise_bias=True),
            "no_bias": _ridge(X, y, lam, scale=n, bias=False),
        }
        for kind, (ww, wb) in wrong.items():
            if lam > 0 or kind == "no_bias":
                if _close(w, ww) and _close(b, wb):
                    return failed(name, *WRONG_RIDGE[kind](n))
        problem = compare_tensors(name, w, want_w, atol=1e-6, what=f"w (lam={lam})")
        if problem is not None:
            return problem
        return failed(name, f"w is right but b is wrong (lam={lam})",
                      "set the derivative with respect to b to zero.")
    return passed(name, "w and b minimise the ridge loss, for lam = 0 and lam > 0.")


def _line(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    xc, yc = x - x.mean(), y - y.mean()
    w = (xc * yc).sum() / (xc * xc).sum()
    return w, y.mean() - w * x.mean()


def check_fit_line(fn: Callable) -> CheckResult:
    """Check ``fn(x, y) -> (w, b)``: the least-squares line through points ``(x_i, y_i)``."""
    name = "fit_line"
    require_callable("fn", fn)
    g = torch.Generator().manual_seed(3)
    for n in (6, 25, 2):
        x = torch.randn(n, generator=g, dtype=torch.float64) * 1.5 + 2.0
        y = 0.8 * x - 1.0 + 0.7 * torch.randn(n, generator=g, dtype=torch.float64)
        out, problem = call_answer(name, fn, x.clone(), y.clone())
        if problem is not None:
            return problem
        problem = _pair(name, out, ("w", "b"))
        if problem is not None:
            return problem
        w, b = (_scalar(v) for v in out)
        if w is None or b is None:
            return failed(name, "w and b should each be a single number",
                          "one feature means one weight.")
        want_w, want_b = _line(x, y)
        if _close(w, want_w) and _close(b, want_b):
            continue
        xc, yc = x - x.mean(), y - y.mean()
        ratio = (w / want_w).item() if want_w != 0 else float("nan")
        if abs(ratio - n / (n - 1)) < 1e-6 or abs(ratio - (n - 1) / n) < 1e-6:
            return failed(name, f"your slope is off by the factor {n}/{n - 1} (or its "
                          "inverse)", "the numerator and the denominator must use the "
                          "same normalisation; beware that torch.var divides by N-1 "
                          "by default.")
        swapped = (xc * yc).sum() / (yc * yc).sum()
        if _close(w, swapped):
            return failed(name, "you fitted x as a function of y",
                          "the squared errors are measured along y: divide by the "
                          "spread of x.")
        if _close(w, (x * y).sum() / (x * x).sum()) and _close(b, torch.zeros(())
                                                                  .double()):
            return failed(name, "your line goes through the origin (b = 0)",
                          "the data are not centred: the line needs its intercept.")
        if _close(w, want_w):
            return failed(name, "the slope is right but the intercept is not",
                          "the least-squares line passes through the point "
                          "(mean of x, mean of y).")
        problem = compare_tensors(name, w, want_w, atol=1e-6, what=f"w for {n} points")
        if problem is not None:
            return problem
    return passed(name, "slope and intercept agree with least squares, even for 2 points.")


def check_mae_gradient(fn: Callable) -> CheckResult:
    """Check ``fn(X, y, w, b) -> (grad_w, grad_b)``: the gradient of the mean absolute error."""
    name = "mae_gradient"
    require_callable("fn", fn)
    for n, d, seed in ((8, 3, 0), (20, 1, 1), (5, 4, 2)):
        X, y = _regression_data(n, d, seed)
        g = torch.Generator().manual_seed(100 + seed)
        w = torch.randn(d, generator=g, dtype=torch.float64, requires_grad=True)
        b = torch.randn((), generator=g, dtype=torch.float64, requires_grad=True)
        (X @ w + b - y).abs().mean().backward()
        want_w, want_b = w.grad, b.grad
        out, problem = call_answer(name, fn, X.clone(), y.clone(), w.detach().clone(),
                                   b.detach().clone())
        if problem is not None:
            return problem
        problem = _pair(name, out, ("grad_w", "grad_b"))
        if problem is not None:
            return problem
        gw, gb = out
        gb = _scalar(gb)
        if gb is None:
            return failed(name, "grad_b should be a single number (a tensor of shape ())",
                          "the bias is one number, so is its gradient.")
        if _close(gw, want_w) and _close(gb, want_b):
            continue
        for factor, message, hint in (
                (n, f"your gradient is {n} (= N) times too large",
                 "the loss is a mean: keep the 1/N."),
                (-1, "your gradient points the wrong way (its sign is flipped)",
                 "differentiate |prediction - y| with respect to the prediction."),
                (2, "your gradient is twice too large",
                 "the derivative of |r| is sign(r): there is no factor 2 as for r**2.")):
            if _close(gw, factor * want_w) and _close(gb, factor * want_b):
                return failed(name, message, hint)
        r = (X @ w + b - y).detach()
        if _close(gw, 2.0 / n * X.T @ r):
            return failed(name, "your grad_w is the gradient of the squared error",
                          "|r| grows linearly: its derivative does not depend on r's size.")
        problem = compare_tensors(name, gw, want_w, atol=1e-6, what="grad_w")
        if problem is not None:
            return problem
        if _close(gb, n * want_b):
            return failed(name, f"grad_b is {n} (= N) times too large",
                          "the bias gradient is a mean over examples too.")
        problem = compare_tensors(name, gb, want_b, atol=1e-6, what="grad_b")
        if problem is not None:
            return problem
    return passed(name, "grad_w and grad_b agree with torch.autograd.")
