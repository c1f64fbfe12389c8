"""Fitting scaling laws: a power law L = a · x^(-α), or one that levels off at an
irreducible loss, L = L∞ + a · x^(-α), fitted to measured (size, loss) pairs.

Chapter: *Scaling laws and LoRA* (``book/transformers/scaling-lora.md``).

A power law is a straight line on log-log axes: log L = log a − α log x. Its
exponent is the negated slope of a least-squares line, with the slope's standard
error. With a floor, log(L − L∞) is the straight line; L∞ is chosen, among values
below the smallest loss, as the one whose line fits best (a profile fit).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._args import check_int


class PowerLaw(NamedTuple):
    """L(x) = floor + coefficient · x^(-exponent), with the exponent's standard
    error from the least-squares fit of the log-log line."""

    exponent: float
    coefficient: float
    floor: float
    exponent_se: float

    def __call__(self, x) -> np.ndarray:
        return self.floor + self.coefficient * np.asarray(x, dtype=float) ** -self.exponent


def fit_power_law(x, loss) -> PowerLaw:
    """Least-squares line through (log x, log loss): L = a · x^(-α), floor 0.
    Needs at least three points (two for the line, one for its error).
    Chapter: *Scaling laws and LoRA*."""
    x, loss = _check_points(x, loss)
    return _line_fit(x, loss, 0.0)


def fit_power_law_with_floor(x, loss, grid: int = 2000) -> PowerLaw:
    """L = L∞ + a · x^(-α): the floor L∞ on a grid of ``grid`` values in
    [0, min(loss)) whose log-log line through (x, loss − L∞) has the least squared
    error. Needs at least four points. Chapter: *Scaling laws and LoRA*."""
    x, loss = _check_points(x, loss, minimum=4)
    grid = check_int("grid", grid, minimum=2)
    floors = np.linspace(0.0, loss.min(), grid, endpoint=False)
    errors = [_line_fit(x, loss, f, residual=True) for f in floors]
    return _line_fit(x, loss, float(floors[int(np.argmin(errors))]))


def _line_fit(x: np.ndarray, loss: np.ndarray, floor: float, residual: bool = False):
    u, v = np.log(x), np.log(loss - floor)
    A = np.stack([np.ones_like(u), u], axis=1)
    (intercept, slope), *_ = np.linalg.lstsq(A, v, rcond=None)
    r = v - (intercept + slope * u)
    if residual:
        return float(r @ r)
    dof = len(u) - 2
    se = np.sqrt((r @ r) / dof / np.sum((u - u.mean()) ** 2))
    return PowerLaw(float(-slope), float(np.exp(intercept)), floor, float(se))


def _check_points(x, loss, minimum: int = 3) -> tuple[np.ndarray, np.ndarray]:
    out = []
    for name, value in (("x", x), ("loss", loss)):
        if isinstance(value, (str, bytes)) or any(
                isinstance(v, (str, bytes, bool, np.bool_)) for v in np.ravel(
                    np.asarray(value, dtype=object))):
            raise TypeError(f"{name} must be a sequence of numbers, got "
                            f"{type(value).__name__} holding non-numbers")
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be a sequence of numbers, got "
                            f"{type(value).__name__}") from None
        if arr.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
        if not np.isfinite(arr).all() or (arr <= 0).any():
            raise ValueError(f"{name} must hold finite positive numbers (their logarithms "
                             f"are fitted)")
        out.append(arr)
    x, loss = out
    if len(x) != len(loss):
        raise ValueError(f"x and loss must have the same length, got {len(x)} and {len(loss)}")
    if len(x) < minimum:
        raise ValueError(f"x must hold at least {minimum} points, got {len(x)}")
    if len(np.unique(x)) < 2:
        raise ValueError("x must hold at least two different values")
    return x, loss
