"""Measures of a classifier's predictions beyond accuracy.

(Accuracy itself lives in :mod:`dlbook.train`, next to the loop that
reports it.) Chapter: *Softmax regression*.
"""

from __future__ import annotations

import numpy as np
import torch

from .._args import check_int


def _as_labels(name: str, labels) -> torch.Tensor:
    if isinstance(labels, (np.ndarray, list, tuple)):
        labels = torch.as_tensor(np.asarray(labels))
    if not isinstance(labels, torch.Tensor):
        raise TypeError(f"{name} must be a tensor, array or list of class "
                        f"labels, got {type(labels).__name__}")
    if (labels.is_floating_point() or labels.is_complex()
            or labels.dtype == torch.bool):
        raise TypeError(f"{name} must hold integer class labels, got "
                        f"{labels.dtype}")
    if labels.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape "
                         f"{tuple(labels.shape)}")
    return labels.long().cpu()


def confusion_matrix(y_true, y_pred, num_classes: int) -> torch.Tensor:
    """Counts ``C[i, j]`` of examples of true class i predicted as class j.

    Rows are true classes and columns predicted classes, as in
    ``sklearn.metrics.confusion_matrix``; the diagonal holds the correct
    predictions. Returns an int64 ``(num_classes, num_classes)`` tensor.
    Chapter: *Softmax regression*.
    """
    k = check_int("num_classes", num_classes, minimum=1)
    y_true = _as_labels("y_true", y_true)
    y_pred = _as_labels("y_pred", y_pred)
    if len(y_true) != len(y_pred):
        raise ValueError("y_true and y_pred must have the same length, got "
                         f"{len(y_true)} and {len(y_pred)}")
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        if len(labels) and (labels.min() < 0 or labels.max() >= k):
            raise ValueError(f"{name} must lie in 0..{k - 1}, got values "
                             f"from {int(labels.min())} to {int(labels.max())}")
    # Pair (i, j) gets its own bin i * k + j; counting the bins fills C.
    counts = torch.bincount(y_true * k + y_pred, minlength=k * k)
    return counts.reshape(k, k)
