"""Linear regression: least squares, gradient descent, the loss surface.

Everything here works on a matrix ``X`` of shape ``(N, D)`` (one row per
example) and targets ``y`` of shape ``(N,)``; the model is ``X @ w + b``.
Explained in the chapter *Linear regression*.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from .._args import (check_choice, check_float, check_int, check_same_length,
                    check_tensor)


def _check_xy(X: torch.Tensor, y: torch.Tensor) -> None:
    check_tensor("X", X, ndim=2, floating=True, finite=True)
    check_tensor("y", y, ndim=1, floating=True, finite=True)
    check_same_length("X", X, "y", y)
    if len(y) == 0:
        raise ValueError("X and y must hold at least one example, got 0")
    if X.dtype != y.dtype:
        raise TypeError(
            f"X and y must have the same dtype, got {X.dtype} and {y.dtype}")


def _check_params(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor,
                  w_name: str = "w") -> None:
    check_tensor(w_name, w, ndim=1, floating=True)
    if w.shape[0] != X.shape[1]:
        raise ValueError(f"{w_name} must have shape ({X.shape[1]},) to match X's "
                         f"{X.shape[1]} columns, got {tuple(w.shape)}")
    check_tensor("b", b, ndim=0, floating=True)


def _check_same_shape(pred: torch.Tensor, y: torch.Tensor) -> None:
    check_tensor("pred", pred, ndim=1, floating=True)
    check_tensor("y", y, ndim=1, floating=True)
    if pred.shape != y.shape:
        raise ValueError(f"pred and y must have the same shape, got "
                         f"{tuple(pred.shape)} and {tuple(y.shape)}")


def add_bias_column(X: torch.Tensor) -> torch.Tensor:
    """Append a column of ones to ``X``: the bias becomes one more weight.

    ``[X, 1] @ [w; b] == X @ w + b``. Chapter: *Linear regression*.
    """
    check_tensor("X", X, ndim=2, floating=True)
    return torch.cat([X, X.new_ones(len(X), 1)], dim=1)


def mse(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean squared error ``(1/N) sum_i (pred_i - y_i)^2``.

    Chapter: *Linear regression*.
    """
    _check_same_shape(pred, y)
    return ((pred - y) ** 2).mean()


def least_squares(X: torch.Tensor, y: torch.Tensor, *,
                  method: str = "lstsq") -> tuple[torch.Tensor, torch.Tensor]:
    """The weights ``w`` and bias ``b`` that minimise the MSE, exactly.

    ``method="lstsq"`` (the default) hands the design matrix, ``X`` with a
    column of ones, to ``torch.linalg.lstsq``, which uses an orthogonal
    factorisation and never forms ``X^T X``. ``method="solve"`` solves the
    normal equations ``A^T A theta = A^T y`` with ``torch.linalg.solve``:
    fine for well-conditioned data, but forming ``A^T A`` squares the
    condition number and loses digits. Neither inverts a matrix.
    Chapter: *Linear regression*.
    """
    _check_xy(X, y)
    check_choice("method", method, ("lstsq", "solve"))
    A = add_bias_column(X)
    if method == "lstsq":
        theta = torch.linalg.lstsq(A, y.unsqueeze(1)).solution.squeeze(1)
    else:
        theta = torch.linalg.solve(A.T @ A, A.T @ y)
    return theta[:-1], theta[-1]


def mse_gradient(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor,
                 b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Gradient of the MSE of ``X @ w + b`` with respect to ``w`` and ``b``.

    With ``r = X @ w + b - y``, the gradient is ``(2/N) X^T r`` for ``w``
    and ``(2/N) sum(r)`` for ``b``. Chapter: *Linear regression*.
    """
    _check_xy(X, y)
    _check_params(X, w, b)
    r = X @ w + b - y                   # residuals, shape (N,)
    grad_w = 2.0 / len(y) * (X.T @ r)   # shape (D,)
    grad_b = 2.0 * r.mean()             # shape ()
    return grad_w, grad_b


class GDResult(NamedTuple):
    """What :func:`gradient_descent` returns.

    ``path`` holds the parameters ``[w_1, ..., w_D, b]`` at every step,
    starting point included, shape ``(steps + 1, D + 1)``; ``losses[t]`` is
    the mean squared error at ``path[t]``.
    """

    w: torch.Tensor
    b: torch.Tensor
    path: torch.Tensor
    losses: torch.Tensor


def gradient_descent(X: torch.Tensor, y: torch.Tensor, *, lr: float,
                     steps: int, w0: torch.Tensor | None = None,
                     b0: float = 0.0) -> GDResult:
    """Full-batch gradient descent on the MSE, recording its path.

    Starts from ``w0`` (zeros if not given) and ``b0`` and takes ``steps``
    updates ``theta <- theta - lr * gradient``. With too large a learning
    rate the losses grow without bound; they are recorded all the same, so
    that the divergence can be seen. Chapter: *Linear regression*.
    """
    _check_xy(X, y)
    lr = check_float("lr", lr, minimum=0.0, strict_min=True)
    steps = check_int("steps", steps, minimum=0)
    b0 = check_float("b0", b0)
    X, y = X.detach(), y.detach()
    if w0 is not None:
        _check_params(X, w0, X.new_tensor(b0), "w0")
    w = X.new_zeros(X.shape[1]) if w0 is None else w0.detach().clone()
    b = X.new_tensor(b0)
    if w.dtype != X.dtype:
        raise TypeError(f"w0 must have X's dtype {X.dtype}, got {w.dtype}")
    path = X.new_empty(steps + 1, X.shape[1] + 1)
    losses = X.new_empty(steps + 1)
    for t in range(steps + 1):
        path[t, :-1], path[t, -1] = w, b
        losses[t] = mse(X @ w + b, y)
        if t == steps:
            break
        grad_w, grad_b = mse_gradient(X, y, w, b)
        w = w - lr * grad_w
        b = b - lr * grad_b
    return GDResult(w, b, path, losses)


def mse_grid(x: torch.Tensor, y: torch.Tensor, ws: torch.Tensor,
             bs: torch.Tensor) -> torch.Tensor:
    """The MSE of the one-feature model ``w * x + b`` on a grid of ``(w, b)``.

    Returns a ``(len(bs), len(ws))`` tensor whose entry ``[i, j]`` is the
    loss at ``w = ws[j]``, ``b = bs[i]``: rows follow ``b``, the layout that
    matplotlib's ``contour(ws, bs, losses)`` expects. Every grid point is
    computed at once by broadcasting, which takes memory for
    ``len(bs) * len(ws) * len(x)`` numbers. Chapter: *Linear regression*.
    """
    for name, t in (("x", x), ("y", y), ("ws", ws), ("bs", bs)):
        check_tensor(name, t, ndim=1, floating=True)
    check_same_length("x", x, "y", y)
    if len(x) == 0:
        raise ValueError("x and y must hold at least one example, got 0")
    # (B, 1, 1) + (1, W, 1) * (1, 1, N) -> predictions of shape (B, W, N)
    pred = bs[:, None, None] + ws[None, :, None] * x[None, None, :]
    return ((pred - y) ** 2).mean(dim=-1)


def r2_score(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The coefficient of determination ``R^2 = 1 - SS_res / SS_tot``.

    1 for perfect predictions, 0 for always predicting the mean of ``y``,
    negative for predictions worse than that. Chapter: *Linear regression*.
    """
    _check_same_shape(pred, y)
    ss_tot = ((y - y.mean()) ** 2).sum()
    if ss_tot == 0:
        raise ValueError(
            "y must not be constant: R^2 is undefined when y has no variance")
    return 1.0 - ((y - pred) ** 2).sum() / ss_tot
