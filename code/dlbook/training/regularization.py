"""Regularisation from scratch: inverted dropout and the L2 penalty.

``dropout`` draws its mask the way PyTorch does on the CPU (one Bernoulli draw
per element, with keep probability ``1 - p``), so for the same seed it gives
the same output as ``torch.nn.functional.dropout``. Chapter: *Regularization*.
"""

from __future__ import annotations

from typing import Iterable

import torch
from torch import nn

from .._args import (check_bool, check_float, check_generator, check_tensor,
                     check_tensor_list)


def _check_p(p: float) -> float:
    # p = 1 would drop everything and divide by zero in the 1 / (1 - p) rescaling.
    return check_float("p", p, minimum=0.0, maximum=1.0, strict_max=True)


def _check_dropout(x: torch.Tensor, p: float, training: bool,
                   generator: torch.Generator | None) -> tuple[float, bool]:
    check_tensor("x", x, floating=True)
    check_generator("generator", generator)
    return _check_p(p), check_bool("training", training)


def dropout(x: torch.Tensor, p: float = 0.5, training: bool = True,
            generator: torch.Generator | None = None) -> torch.Tensor:
    """Inverted dropout: zero each element with probability ``p``, divide the rest by ``1 - p``.

    In evaluation (``training=False``) it returns ``x`` unchanged. The mask is
    drawn as ``torch.nn.functional.dropout`` draws it (from ``generator``, or
    the global one). Chapter: *Regularization*.
    """
    p, training = _check_dropout(x, p, training, generator)
    if not training or p == 0.0:
        return x
    keep = torch.empty_like(x).bernoulli_(1 - p, generator=generator)  # m_i ~ Bernoulli(1 - p)
    return x * (keep / (1 - p))


class Dropout(nn.Module):
    """The layer form of :func:`dropout`: active in ``train()`` mode, identity in ``eval()``.

    Chapter: *Regularization*.
    """

    def __init__(self, p: float = 0.5, generator: torch.Generator | None = None):
        super().__init__()
        self.p = _check_p(p)
        self.generator = check_generator("generator", generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return dropout(x, self.p, self.training, self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"


def l2_penalty(params: Iterable[torch.Tensor], weight_decay: float) -> torch.Tensor:
    """The L2 penalty ``weight_decay / 2 * sum of squared parameters``.

    Its gradient with respect to a parameter ``w`` is ``weight_decay * w``:
    adding it to the loss is what ``SGD(..., weight_decay=...)`` does.
    Chapter: *Regularization*.
    """
    weight_decay = check_float("weight_decay", weight_decay, minimum=0.0)
    params = check_tensor_list("params", params, floating=True)
    return 0.5 * weight_decay * sum((w * w).sum() for w in params)
