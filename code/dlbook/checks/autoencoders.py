"""Checks for the code exercises of the chapter *Autoencoders*.

Each check runs the reader's function on inputs built to expose one typical
mistake at a time, without printing the expected values.
"""

from __future__ import annotations

from typing import Callable

import torch

from . import CheckResult, as_tensor, call_answer, close, compare_tensors, failed, \
    named_mistake, passed, require_callable


def _digits_like(n: int, seed: int) -> torch.Tensor:
    """Pixels in 0.1..1, none of them zero, so that a masked pixel is recognisable."""
    g = torch.Generator().manual_seed(seed)
    return 0.1 + 0.9 * torch.rand(n, 64, generator=g, dtype=torch.float64)


def check_mask_pixels(fn: Callable) -> CheckResult:
    """Check ``fn(x, p)``: a copy of ``x`` in which each entry is set to 0 with
    probability ``p``, independently, and kept as it is otherwise (masking noise).
    Chapter: *Autoencoders*.
    """
    name = "mask_pixels"
    require_callable("fn", fn)
    x = _digits_like(500, 0)                       # 32,000 pixels
    outputs = {}
    for p in (0.25, 0.5, 0.0, 1.0):
        got, problem = call_answer(name, fn, x.clone(), p)
        if problem is not None:
            return problem
        got = as_tensor(got)
        if not isinstance(got, torch.Tensor) or got.shape != x.shape:
            return compare_tensors(name, got, x, what=f"the output for p = {p}")
        got = outputs[p] = got.detach().to(x.dtype)
        if p == 0 and not close(got, x):
            return failed(name, "with p = 0 the output differs from the input",
                          "p is the probability of zeroing a pixel: p = 0 keeps them all.")
        zero = got == 0
        if not bool(torch.isclose(got[~zero], x[~zero], atol=1e-6).all()):
            if close(got, x * (1 - p)) or close(got[~zero], x[~zero] / (1 - p)):
                return failed(name, f"with p = {p} you rescale the pixels you keep",
                              "that is dropout's rescaling; masking noise keeps the "
                              "pixels it does not zero exactly as they were.")
            return failed(name, f"with p = {p} some pixels are neither 0 nor their old "
                          "value", "zero some pixels and leave the others untouched.")
        if 0 < p < 1 and bool((zero == zero[0]).all()):
            return failed(name, f"with p = {p} every image loses the same pixels",
                          "draw a fresh mask for every image, of the shape of x.")
        share = zero.double().mean().item()
        if abs(share - p) > 0.02:
            if abs(share - (1 - p)) <= 0.02:
                return failed(name, f"with p = {p} you zero a share of {share:.2f} of the "
                              "pixels", "p is the probability of zeroing a pixel, not "
                              "of keeping it.")
            return failed(name, f"with p = {p} you zero a share of {share:.2f} of the "
                          "pixels", "zero each pixel with probability p.")
    again, problem = call_answer(name, fn, x.clone(), 0.5)
    if problem is not None:
        return problem
    if close(as_tensor(again), outputs[0.5]):
        return failed(name, "two calls with p = 0.5 zero the same pixels",
                      "draw new random numbers at each call (no fixed seed inside).")
    return passed(name, "each pixel is zeroed with probability p and kept as it was "
                  "otherwise.")


def check_pca_reconstruct(fn: Callable) -> CheckResult:
    """Check ``fn(X_train, X, k)``: the rows of ``X`` projected onto the top ``k``
    principal components of ``X_train`` and mapped back to pixels.
    Chapter: *Autoencoders*.
    """
    name = "pca_reconstruct"
    require_callable("fn", fn)
    g = torch.Generator().manual_seed(1)
    scales = torch.linspace(3.0, 0.2, 10, dtype=torch.float64)
    X_train = 5.0 + torch.randn(200, 10, generator=g, dtype=torch.float64) * scales
    X_train = X_train @ torch.linalg.qr(torch.randn(10, 10, generator=g,
                                                    dtype=torch.float64)).Q
    X = X_train[:40] + 0.3 * torch.randn(40, 10, generator=g, dtype=torch.float64)
    for k in (3, 1, 10):
        got, problem = call_answer(name, fn, X_train.clone(), X.clone(), k)
        if problem is not None:
            return problem
        want = _reconstruct(X_train, X, k, centre=X_train.mean(0), centre_x=X_train.mean(0))
        if k < 10 and isinstance(as_tensor(got), torch.Tensor):
            mistakes = {
                "you do not subtract the training mean before projecting":
                    (_reconstruct(X_train, X, k, centre=torch.zeros(10, dtype=X.dtype),
                                  centre_x=torch.zeros(10, dtype=X.dtype)),
                     "the principal components describe X_train - mean; subtract the "
                     "mean, project, and add it back."),
                "you centre X with its own mean rather than the training mean":
                    (_reconstruct(X_train, X, k, centre=X_train.mean(0), centre_x=X.mean(0)),
                     "the model is fitted on X_train: use its mean for every X."),
                "you keep the components of the smallest variance":
                    (_reconstruct(X_train, X, k, centre=X_train.mean(0),
                                  centre_x=X_train.mean(0), last=True),
                     "torch.linalg.eigh sorts eigenvalues in ascending order; "
                     "svd's singular values descend."),
            }
            problem = named_mistake(name, got, mistakes, atol=1e-6, where=f"with k = {k} ")
            if problem is not None:
                return problem
        problem = compare_tensors(name, got, want, atol=1e-6,
                                  what=f"the reconstruction with k = {k}")
        if problem is not None:
            return problem
    return passed(name, "centred on the training mean, projected on the top k "
                  "components, and mapped back.")


def _reconstruct(X_train, X, k, centre, centre_x, last=False):
    """Components of ``X_train - centre``; ``X`` projected about ``centre_x``."""
    _, _, Vt = torch.linalg.svd(X_train - centre, full_matrices=False)
    C = Vt[-k:] if last else Vt[:k]
    return centre_x + (X - centre_x) @ C.T @ C
