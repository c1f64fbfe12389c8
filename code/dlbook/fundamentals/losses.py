"""Softmax and the cross-entropy losses, from scratch and numerically stable.

Every function here matches its ``torch.nn.functional`` namesake in values
and gradients (the tests check both) and stays finite for logits as large
as 1e4, because it never exponentiates a large positive number: the
log-sum-exp trick subtracts the largest logit first.
Chapter: *Softmax regression*.
"""

from __future__ import annotations

import torch

from .._args import check_bool, check_int, check_labels, check_tensor


def _check_logits(name: str, x: torch.Tensor, dim: int) -> int:
    """Check the scores and the axis to normalise along; return the axis."""
    check_tensor(name, x, floating=True)
    if x.ndim == 0:
        raise ValueError(f"{name} must have at least one dimension, "
                         "got a scalar")
    dim = check_int("dim", dim)
    if not -x.ndim <= dim < x.ndim:
        raise ValueError(f"dim must be in [{-x.ndim}, {x.ndim - 1}] for {name} "
                         f"of shape {tuple(x.shape)}, got {dim}")
    if x.shape[dim] == 0:
        raise ValueError(f"{name} must have at least one entry along dim {dim}, "
                         f"got shape {tuple(x.shape)}")
    return dim


def _check_class_targets(logits: torch.Tensor, targets: torch.Tensor) -> None:
    """Check ``(N, C)`` logits and ``N`` class indices in ``0..C-1``."""
    check_tensor("logits", logits, ndim=2, floating=True, nonempty=True)
    n, c = logits.shape
    check_labels("targets", targets, c)
    if len(targets) != n:
        raise ValueError("targets must have one class index per row of "
                         f"logits: {len(targets)} targets for {n} rows")


def _check_binary_targets(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Check probabilities ``targets`` shaped like ``logits``; return them in its dtype."""
    check_tensor("logits", logits, floating=True)
    check_tensor("targets", targets)
    if logits.shape != targets.shape:
        raise ValueError("targets must have the shape of logits "
                         f"{tuple(logits.shape)}, got {tuple(targets.shape)}")
    if logits.numel() == 0:
        raise ValueError("logits must not be empty")
    targets = targets.to(logits.dtype)
    if not torch.all((targets >= 0) & (targets <= 1)):
        raise ValueError("targets must be probabilities in [0, 1], got "
                         f"values from {float(targets.min()):g} to "
                         f"{float(targets.max()):g}")
    return targets


def logsumexp(x: torch.Tensor, dim: int = -1,
              keepdim: bool = False) -> torch.Tensor:
    """``log(sum(exp(x)))`` along ``dim``, without overflow.

    With ``m = max(x)``: ``log sum exp(x) = m + log sum exp(x - m)``, and
    every ``x - m <= 0``, so no exponential exceeds 1. The identity holds
    for any constant ``m``, so no gradient needs to flow through it.
    Chapter: *Softmax regression*.
    """
    dim = _check_logits("x", x, dim)
    keepdim = check_bool("keepdim", keepdim)
    m = x.amax(dim=dim, keepdim=True).detach()
    # A row of -inf would give inf - inf; shifting it by 0 keeps log 0 = -inf.
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    out = m + torch.log(torch.exp(x - m).sum(dim=dim, keepdim=True))
    return out if keepdim else out.squeeze(dim)


def log_softmax(logits: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Log-probabilities ``(z - m) - log sum exp(z - m)`` along ``dim``, ``m = max(z)``.

    Subtracting the maximum first keeps every number small. Written as
    ``z - logsumexp(z)`` instead, the result is a difference of two large
    numbers and loses their digits: in float32, two tied logits of 1e7 would
    get log-probability 0 rather than -log 2. Chapter: *Softmax regression*.
    """
    dim = _check_logits("logits", logits, dim)
    shifted = logits - logits.amax(dim=dim, keepdim=True).detach()  # z - m <= 0
    return shifted - torch.log(torch.exp(shifted).sum(dim=dim, keepdim=True))


def softmax(logits: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Probabilities ``exp(z_k) / sum_j exp(z_j)`` along ``dim``, stably.

    Subtracting the maximum does not change the result (numerator and
    denominator are both multiplied by ``exp(-max)``) but keeps ``exp``
    from overflowing. Chapter: *Softmax regression*.
    """
    dim = _check_logits("logits", logits, dim)
    m = logits.amax(dim=dim, keepdim=True).detach()
    e = torch.exp(logits - m)
    return e / e.sum(dim=dim, keepdim=True)


def cross_entropy(logits: torch.Tensor,
                  targets: torch.Tensor) -> torch.Tensor:
    """Mean negative log-probability of the true classes, from raw scores.

    ``logits`` is ``(N, C)``, one row of class scores per example, and
    ``targets`` is ``(N,)``, integer class indices in ``0..C-1``. Equals
    ``torch.nn.functional.cross_entropy(logits, targets)``.
    Chapter: *Softmax regression*.
    """
    _check_class_targets(logits, targets)
    log_p = log_softmax(logits, dim=1)
    # In each row i, pick the log-probability of the true class targets[i].
    rows = torch.arange(len(logits), device=logits.device)
    return -log_p[rows, targets.long()].mean()


def binary_cross_entropy_with_logits(logits: torch.Tensor,
                                     targets: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of ``sigmoid(logits)`` against ``targets``.

    ``targets`` are probabilities in [0, 1] (usually 0 or 1), one per
    logit. Uses ``-log sigmoid(z) = log(1 + e^z) - z`` and computes
    ``log(1 + e^z)`` as the log-sum-exp of ``(0, z)``, so that nothing
    overflows. Equals PyTorch's ``binary_cross_entropy_with_logits``.
    Chapter: *Softmax regression*.
    """
    targets = _check_binary_targets(logits, targets)
    pair = torch.stack([torch.zeros_like(logits), logits], dim=-1)
    softplus = logsumexp(pair, dim=-1)  # log(1 + e^z)
    return (softplus - targets * logits).mean()
