"""Checks for the code exercises of the chapter *Tensors*.

Each check calls your function on small inputs chosen to expose the usual
mistakes (a reduction over the wrong axis, a missing ``keepdim``, weights that
broadcast along the wrong axis, an input changed in place) and says what is
wrong, without showing the answer::

    from dlbook.checks.tensors import check_normalize_rows
    check_normalize_rows(normalize_rows)
"""

from __future__ import annotations

from typing import Callable

import torch

from . import CheckResult, as_tensor, close, compare_tensors, failed, passed, require_callable

GRAY_WEIGHTS = (0.299, 0.587, 0.114)


def _close(got, want: Callable[[], torch.Tensor] | torch.Tensor, atol: float = 1e-5) -> bool:
    """Whether ``got`` matches ``want``; ``want`` may be a function computing a
    mistaken variant, which counts as no match when it cannot be computed."""
    if callable(want):
        try:
            want = want()
        except RuntimeError:  # the variant does not broadcast for this shape
            return False
    return close(got, want, atol=atol, rtol=1e-4)


def _call(check: str, fn: Callable, *args, hint: str = "") -> tuple[object, CheckResult | None]:
    """Call the answer on copies of ``args``; report an exception or an in-place change."""
    copies = [a.clone() for a in args]
    try:
        out = fn(*copies)
    except Exception as err:  # the reader's code may raise anything
        return None, failed(check, f"your function raised {type(err).__name__} on inputs "
                            f"of shapes {[tuple(a.shape) for a in args]}: {err}",
                            hint or "run it on a small input by hand and read the traceback.")
    for a, c in zip(args, copies):
        if not torch.equal(a, c):
            return None, failed(check, "your function changed its input in place",
                                "compute a new tensor (x / s) instead of updating the "
                                "input (x /= s, x.div_(s)).")
    return as_tensor(out), None


def check_normalize_rows(fn: Callable[[torch.Tensor], torch.Tensor]) -> CheckResult:
    """Check ``fn(X)``: divide each row of a positive ``(N, D)`` matrix by its sum."""
    name = "normalize_rows"
    require_callable("fn", fn)
    g = torch.Generator().manual_seed(0)
    broadcast_hint = ("the row sums X.sum(dim=1) have shape (N,), and broadcasting "
                      "lines a 1-D tensor up with the LAST axis of X (its columns), "
                      "not with its rows. Keep the reduced axis so the sums form a "
                      "column.")
    for shape in ((3, 5), (4, 4), (1, 6)):
        X = torch.rand(shape, generator=g, dtype=torch.float64) + 0.1
        want = X / X.sum(dim=1, keepdim=True)
        got, problem = _call(name, fn, X, hint=broadcast_hint)
        if problem is not None:
            return problem
        if _close(got, want):
            continue
        if _close(got, lambda: X / X.sum(dim=1)):
            return failed(name, f"on a square {shape} input the values are wrong: each "
                          "column is divided by one row's sum", broadcast_hint)
        if _close(got, X / X.sum(dim=0, keepdim=True)):
            return failed(name, "the columns of your result sum to 1, not the rows",
                          "dim=0 runs down the rows; which dim runs along a row?")
        if _close(got, X / X.sum()):
            return failed(name, "the whole matrix sums to 1, not each row",
                          "sum along one axis only.")
        problem = compare_tensors(name, got, want)
        if problem is not None:
            return problem
    return passed(name, "every row sums to 1, on square and non-square inputs.")


def check_pairwise_sq_distances(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
                                ) -> CheckResult:
    """Check ``fn(A, B)``: the ``(N, M)`` squared Euclidean distances between rows."""
    name = "pairwise_sq_distances"
    require_callable("fn", fn)
    g = torch.Generator().manual_seed(1)
    for n, m, d in ((4, 3, 5), (2, 6, 1), (3, 3, 3)):
        A = torch.randn(n, d, generator=g, dtype=torch.float64)
        B = torch.randn(m, d, generator=g, dtype=torch.float64)
        diff = A[:, None, :] - B[None, :, :]
        want = (diff ** 2).sum(dim=-1)
        got, problem = _call(name, fn, A, B,
                             hint="give A a new axis so that it has shape (N, 1, D) and B "
                                  "shape (1, M, D); then the difference is (N, M, D).")
        if problem is not None:
            return problem
        if _close(got, want):
            continue
        if _close(got, want.sqrt()):
            return failed(name, "your values are the distances, not their squares",
                          "leave out the square root.")
        if _close(got, want.T):
            return failed(name, f"your result has shape ({m}, {n}): rows follow B",
                          "entry [i, j] must compare row i of A with row j of B.")
        if _close(got, diff.abs().sum(dim=-1)):
            return failed(name, "you summed absolute differences, not squared ones", "")
        problem = compare_tensors(name, got, want, what=f"the result for N={n}, M={m}, D={d}")
        if problem is not None:
            return problem
    return passed(name, "the shapes and values agree for several N, M and D.")


def check_to_grayscale(fn: Callable[[torch.Tensor], torch.Tensor]) -> CheckResult:
    """Check ``fn(img)``: a ``(3, H, W)`` colour image to an ``(H, W)`` grey one."""
    name = "to_grayscale"
    require_callable("fn", fn)
    g = torch.Generator().manual_seed(2)
    weights = torch.tensor(GRAY_WEIGHTS, dtype=torch.float64)
    for h, w in ((4, 3), (5, 7), (2, 2)):
        img = torch.rand(3, h, w, generator=g, dtype=torch.float64)
        want = (img * weights[:, None, None]).sum(dim=0)
        got, problem = _call(name, fn, img,
                             hint="a (3,) tensor of weights lines up with the LAST axis "
                                  "of a (3, H, W) image; give it shape (3, 1, 1).")
        if problem is not None:
            return problem
        if _close(got, want):
            continue
        if isinstance(got, torch.Tensor) and got.shape == (1, h, w):
            return failed(name, f"your result has shape (1, {h}, {w})",
                          f"return shape ({h}, {w}): drop the channel axis.")
        if _close(got, img.mean(dim=0)):
            return failed(name, "you averaged the three channels with equal weights",
                          "green counts most, blue least: use the weights given.")
        if _close(got, lambda: (img * weights).sum(dim=0)):
            return failed(name, f"on a {h}x{w} image your weights were applied along the "
                          "width, not the channels",
                          "a (3,) tensor lines up with the last axis; give it shape "
                          "(3, 1, 1).")
        problem = compare_tensors(name, got, want, what=f"the result for a 3x{h}x{w} image")
        if problem is not None:
            return problem
    return passed(name, "right shape and values, including on an image 3 pixels wide.")
