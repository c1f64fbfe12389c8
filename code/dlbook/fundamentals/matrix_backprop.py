"""Backpropagation in matrix form: the backward passes of a linear layer and of
softmax with cross-entropy, written out by hand.

The scalar engine of ``dlbook.fundamentals.autograd`` applies the chain rule to
one number at a time; these functions apply it to whole matrices, the way
PyTorch does for a layer. For a batch of ``N`` rows, ``X`` is ``(N, D)``, the
weights ``W`` are ``(M, D)`` as in ``nn.Linear`` and ``Y = X W^T + b`` is
``(N, M)``. Each ``..._backward`` takes the gradient of the loss with respect
to the layer's output and returns the gradients with respect to its inputs.
The tests compare them with ``torch.autograd``. Chapter: *Backpropagation*.
"""

from __future__ import annotations

import torch

from .._args import check_labels, check_tensor
from .losses import softmax


def linear_backward(dY: torch.Tensor, X: torch.Tensor,
                    W: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Gradients ``(dX, dW, db)`` of the loss for ``Y = X W^T + b``, given ``dY``.

    ``dX = dY W``, ``dW = dY^T X`` and ``db`` is the sum of the rows of ``dY``:
    the bias is added to every row, so its gradient adds up over the batch.
    Chapter: *Backpropagation*.
    """
    _check_linear(dY, X, W)
    dX = dY @ W            # (N, M) @ (M, D) -> (N, D)
    dW = dY.T @ X          # (M, N) @ (N, D) -> (M, D)
    db = dY.sum(dim=0)     # (M,)
    return dX, dW, db


def softmax_cross_entropy_backward(Z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Gradient ``dZ`` of the mean cross-entropy of ``softmax(Z)`` against labels ``y``.

    ``dZ = (softmax(Z) - onehot(y)) / N``: the predicted probabilities minus
    the targets, divided by the batch size because the loss is a mean.
    Chapter: *Backpropagation*.
    """
    _check_scores(Z, y)
    P = softmax(Z, dim=1)                                     # (N, C)
    onehot = torch.nn.functional.one_hot(y.long(), Z.shape[1]).to(Z.dtype)
    return (P - onehot) / len(Z)


def _check_linear(dY: torch.Tensor, X: torch.Tensor, W: torch.Tensor) -> None:
    """Check ``dY`` ``(N, M)``, ``X`` ``(N, D)`` and ``W`` ``(M, D)`` of one dtype."""
    for name, t in (("dY", dY), ("X", X), ("W", W)):
        check_tensor(name, t, ndim=2, floating=True)
    if X.dtype != W.dtype or dY.dtype != W.dtype:
        raise TypeError(f"dY, X and W must have one dtype, got {dY.dtype}, {X.dtype} "
                        f"and {W.dtype}")
    if X.shape[1] != W.shape[1]:
        raise ValueError(f"W must have one column per column of X ({X.shape[1]}), got "
                         f"shape {tuple(W.shape)}")
    if dY.shape != (X.shape[0], W.shape[0]):
        raise ValueError(f"dY must have the shape of Y = X W^T, "
                         f"({X.shape[0]}, {W.shape[0]}), got {tuple(dY.shape)}")


def _check_scores(Z: torch.Tensor, y: torch.Tensor) -> None:
    """Check ``(N, C)`` scores and ``N`` class labels in ``0..C-1``."""
    check_tensor("Z", Z, ndim=2, floating=True, nonempty=True)
    check_labels("y", y, Z.shape[1])
    if len(y) != len(Z):
        raise ValueError(f"y must have one label per row of Z: {len(y)} labels for "
                         f"{len(Z)} rows")
