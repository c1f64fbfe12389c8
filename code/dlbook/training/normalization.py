"""Batch normalisation and layer normalisation, written from scratch.

The modules behave like ``torch.nn.BatchNorm1d``, ``torch.nn.BatchNorm2d`` and
``torch.nn.LayerNorm``: same arguments, same parameter and buffer names (so
state dicts load either way), same outputs and gradients, same running
statistics. They are tested against PyTorch in ``tests/test_normalization.py``.
Chapter: *Normalization*.
"""

from __future__ import annotations

import numbers
from typing import Sequence

import torch
from torch import nn

from .._args import check_bool, check_float, check_int, check_tensor


def _check_eps(eps: float) -> float:
    return check_float("eps", eps, minimum=0.0, strict_min=True)


class _BatchNorm(nn.Module):
    """What ``BatchNorm1d`` and ``BatchNorm2d`` share; they differ only in input rank."""

    input_ranks: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5,
                 momentum: float | None = 0.1, affine: bool = True) -> None:
        super().__init__()
        self.num_features = check_int("num_features", num_features, minimum=1)
        self.eps = _check_eps(eps)
        if momentum is not None:
            momentum = check_float("momentum", momentum, minimum=0.0, maximum=1.0)
        self.momentum = momentum
        self.affine = affine = check_bool("affine", affine)
        if affine:
            # gamma and beta: start as the identity, so that training decides
            # whether to undo the normalisation.
            self.weight = nn.Parameter(torch.ones(num_features))
            self.bias = nn.Parameter(torch.zeros(num_features))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def reset_running_stats(self) -> None:
        """Forget the running statistics (mean 0, variance 1, no batches seen)."""
        self.running_mean.zero_()
        self.running_var.fill_(1.0)
        self.num_batches_tracked.zero_()

    def _check_input(self, x: torch.Tensor) -> None:
        check_tensor("x", x, ndim=self.input_ranks, floating=True)
        if x.shape[1] != self.num_features:
            raise ValueError(f"x has {x.shape[1]} features (channels) in dimension 1, "
                             f"but num_features is {self.num_features}")
        if x.dtype != self.running_mean.dtype:
            raise TypeError(f"x must have the layer's dtype {self.running_mean.dtype}, got "
                            f"{x.dtype} (convert one of them with .to())")
        if self.training and x.numel() <= self.num_features:
            raise ValueError("x must have more than 1 value per channel when training, "
                             f"got shape {tuple(x.shape)}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        # Statistics per feature (channel): over the batch and every spatial position.
        dims = [0, *range(2, x.ndim)]
        shape = [1, self.num_features] + [1] * (x.ndim - 2)
        if self.training:
            n = x.numel() // self.num_features
            # Normalise with the batch's biased variance (divide by n) ...
            var, mean = torch.var_mean(x, dim=dims, correction=0)
            with torch.no_grad():
                self.num_batches_tracked.add_(1)
                m = (1.0 / float(self.num_batches_tracked) if self.momentum is None
                     else self.momentum)
                # ... but estimate the population's variance without bias (n - 1).
                self.running_mean.lerp_(mean, m)
                self.running_var.lerp_(var * (n / (n - 1)), m)
        else:
            mean, var = self.running_mean, self.running_var
        x_hat = (x - mean.view(shape)) * torch.rsqrt(var.view(shape) + self.eps)
        if self.affine:
            x_hat = x_hat * self.weight.view(shape) + self.bias.view(shape)
        return x_hat

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of ``(N, C)`` or ``(N, C, L)`` inputs, per feature ``C``.

    In training mode each feature is normalised with the mean and (biased)
    variance of the current batch, and running estimates of the population
    mean and (unbiased) variance are updated with ``momentum``:
    ``running = (1 - momentum) * running + momentum * batch``;
    ``momentum=None`` keeps a cumulative average instead. In evaluation mode
    the running estimates are used, so an example's output no longer depends
    on the rest of its batch. With ``affine``, a learned scale ``weight``
    (gamma) and shift ``bias`` (beta) follow. Chapter: *Normalization*.
    """

    input_ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of ``(N, C, H, W)`` images, per channel ``C``.

    The statistics of a channel are taken over the batch and all ``H * W``
    positions; otherwise exactly :class:`BatchNorm1d`. Chapter: *Normalization*.
    """

    input_ranks = (4,)


class LayerNorm(nn.Module):
    """Layer normalisation over the last dimensions given by ``normalized_shape``.

    Each example is normalised with the mean and (biased) variance of its own
    features, so the layer does the same in training and evaluation and does
    not care about the batch size. With ``elementwise_affine`` a learned
    ``weight`` and ``bias`` of shape ``normalized_shape`` follow (``bias=False``
    leaves the shift out). Chapter: *Normalization*.
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True) -> None:
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral) and not isinstance(
                normalized_shape, bool):
            normalized_shape = (normalized_shape,)
        if not isinstance(normalized_shape, Sequence) or not normalized_shape:
            raise TypeError("normalized_shape must be an int or a non-empty sequence of "
                            f"ints, got {normalized_shape!r}")
        self.normalized_shape = tuple(
            check_int("normalized_shape", d, minimum=1) for d in normalized_shape)
        self.eps = _check_eps(eps)
        self.elementwise_affine = elementwise_affine = check_bool("elementwise_affine",
                                                                  elementwise_affine)
        bias = check_bool("bias", bias)
        self.weight = (nn.Parameter(torch.ones(self.normalized_shape))
                       if elementwise_affine else None)
        self.bias = (nn.Parameter(torch.zeros(self.normalized_shape))
                     if elementwise_affine and bias else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        k = len(self.normalized_shape)
        dims = tuple(range(x.ndim - k, x.ndim))
        var, mean = torch.var_mean(x, dim=dims, correction=0, keepdim=True)
        x_hat = (x - mean) * torch.rsqrt(var + self.eps)
        if self.weight is not None:
            x_hat = x_hat * self.weight
        if self.bias is not None:
            x_hat = x_hat + self.bias
        return x_hat

    def _check_input(self, x: torch.Tensor) -> None:
        check_tensor("x", x, floating=True)
        k = len(self.normalized_shape)
        if x.ndim < k or tuple(x.shape[-k:]) != self.normalized_shape:
            raise ValueError(f"x must end in normalized_shape={self.normalized_shape}, "
                             f"got shape {tuple(x.shape)}")
        if self.weight is not None and x.dtype != self.weight.dtype:
            raise TypeError(f"x must have the layer's dtype {self.weight.dtype}, got "
                            f"{x.dtype} (convert one of them with .to())")

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm"]
