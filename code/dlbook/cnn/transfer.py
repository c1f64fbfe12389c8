"""Reusing what a network has learned: shared trunks, frozen features, several heads.

A *trunk* turns an image into a feature vector; a *head* turns features into
an answer. Transfer learning trains a trunk on one task and reuses it on
another, either frozen (only a new head learns: a linear probe) or as the
starting point of further training (fine-tuning). Multi-task learning trains
one trunk with one head per task at the same time.
Chapter: *Augmentation and transfer learning*.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from .._args import check_int, check_shape, check_tensor
from .architectures import conv_bn_relu


class ConvTrunk(nn.Sequential):
    """A small convolutional feature extractor: image ``(N, C, H, W)`` to features ``(N, F)``.

    One :func:`~dlbook.cnn.architectures.conv_bn_relu` layer per entry of
    ``widths``, with 2x2 max pooling between consecutive layers, then global
    average pooling, so any image size works. The first layer has stride
    ``stride``; a stride of 2 cuts the compute of the layers after it by four.
    ``out_features`` is the last width. Chapter: *Augmentation and transfer learning*.
    """

    def __init__(self, in_channels: int = 3, widths: Sequence[int] = (16, 32, 32), *,
                 stride: int = 1):
        c = check_int("in_channels", in_channels, minimum=1)
        stride = check_int("stride", stride, minimum=1)
        if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence) or not widths:
            raise ValueError(f"widths must be a non-empty sequence of ints, got {widths!r}")
        layers: list[nn.Module] = []
        for i, w in enumerate(widths):
            w = check_int("widths", w, minimum=1)
            if i > 0:
                layers.append(nn.MaxPool2d(2))
            layers += list(conv_bn_relu(c, w, 3, stride if i == 0 else 1))
            c = w
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        super().__init__(*layers)
        self.out_features = c

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        first = self[0]  # the first convolution
        check_shape("x", x, ("N", first.in_channels, "H", "W"), dtype=first.weight.dtype)
        return super().forward(x)


def freeze(module: nn.Module) -> nn.Module:
    """Stop gradients to every parameter of ``module`` and return it.

    Frozen parameters are not updated by any optimiser. Batch-norm layers
    still update their running statistics when the module runs in training
    mode; compute frozen features in eval mode (``dlbook.train.predict`` does)
    to keep them fixed. Chapter: *Augmentation and transfer learning*.
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    for p in module.parameters():
        p.requires_grad_(False)
    return module


class MultiTaskNet(nn.Module):
    """One shared trunk and one linear head per task; outputs concatenated on dimension 1.

    ``out_dims[i]`` is the output size of task ``i`` (the number of classes, or
    of numbers to regress). One tensor comes out, so the model trains with
    ``dlbook.train.fit`` like any other; :meth:`split` cuts it into one output
    per task. Chapter: *Augmentation and transfer learning*.
    """

    def __init__(self, trunk: nn.Module, feature_dim: int, out_dims: Sequence[int]):
        super().__init__()
        if not isinstance(trunk, nn.Module):
            raise TypeError(f"trunk must be a torch.nn.Module, got {type(trunk).__name__}")
        feature_dim = check_int("feature_dim", feature_dim, minimum=1)
        if isinstance(out_dims, (str, bytes)) or not isinstance(out_dims, Sequence) \
                or not out_dims:
            raise ValueError(f"out_dims must be a non-empty sequence of ints, got "
                             f"{out_dims!r}")
        self.out_dims = [check_int("out_dims", d, minimum=1) for d in out_dims]
        self.trunk = trunk
        self.heads = nn.ModuleList(nn.Linear(feature_dim, d) for d in self.out_dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.trunk(check_tensor("x", x))
        check_shape("trunk(x)", features, (len(x), self.heads[0].in_features))
        return torch.cat([head(features) for head in self.heads], dim=1)

    def split(self, out: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Cut the concatenated output into one tensor per task."""
        if check_tensor("out", out).ndim != 2 or out.shape[1] != sum(self.out_dims):
            raise ValueError(f"out must have shape (N, {sum(self.out_dims)}), got "
                             f"{tuple(out.shape)}")
        return tuple(out.split(self.out_dims, dim=1))
