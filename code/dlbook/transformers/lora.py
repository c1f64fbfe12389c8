"""Low-rank adaptation (LoRA, Hu et al., 2022): fine-tune a frozen linear layer
through a trainable low-rank update.

Chapter: *Scaling laws and LoRA* (``book/transformers/scaling-lora.md``).

A frozen weight W (out × in) gets an update ΔW = (α / r) B A with A (r × in) and
B (out × r), r much smaller than in and out: r (in + out) trainable numbers instead
of in · out. B starts at zero, so a fresh adapter leaves the model unchanged. After
training, ΔW is added into W (:meth:`LoRALinear.merge`): inference costs nothing
extra.
"""

from __future__ import annotations

import math
from typing import Iterable

import torch
from torch import nn

from .._args import check_bool, check_float, check_int, check_module, check_tensor


class LoRALinear(nn.Module):
    """``base(x) + (alpha / rank) · x Aᵀ Bᵀ`` with ``base`` (an ``nn.Linear``) frozen.
    Chapter: *Scaling laws and LoRA*."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float = 1.0) -> None:
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise TypeError(f"base must be an nn.Linear, got {type(base).__name__}")
        rank = check_int("rank", rank, minimum=1,
                         maximum=min(base.in_features, base.out_features))
        self.base, self.rank = base, rank
        self.scaling = check_float("alpha", alpha, minimum=0.0, strict_min=True) / rank
        for p in base.parameters():
            p.requires_grad_(False)
        like = dict(dtype=base.weight.dtype, device=base.weight.device)
        self.A = nn.Parameter(torch.empty(rank, base.in_features, **like))
        nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))   # as nn.Linear initialises
        self.B = nn.Parameter(torch.zeros(base.out_features, rank, **like))
        self.merged = False

    @property
    def in_features(self) -> int:
        return self.base.in_features

    @property
    def out_features(self) -> int:
        return self.base.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_tensor("x", x, ndim=range(1, 9), floating=True)
        if x.shape[-1] != self.in_features:
            raise ValueError(f"x must have shape (..., {self.in_features}), got "
                             f"{tuple(x.shape)}")
        if self.merged:
            return self.base(x)
        return self.base(x) + self.scaling * (x @ self.A.T @ self.B.T)

    def delta_weight(self) -> torch.Tensor:
        """The update ΔW = (alpha / rank) B A, of the base weight's shape."""
        return self.scaling * self.B @ self.A

    @torch.no_grad()
    def merge(self) -> None:
        """Add ΔW into the base weight; forward then costs one matrix product."""
        if not self.merged:
            self.base.weight += self.delta_weight()
            self.merged = True

    @torch.no_grad()
    def unmerge(self) -> None:
        """Take ΔW out of the base weight again (to go on training A and B)."""
        if self.merged:
            self.base.weight -= self.delta_weight()
            self.merged = False


def add_lora(model: nn.Module, rank: int, alpha: float = 1.0,
             targets: Iterable[str] = ("q_proj", "v_proj")) -> list[str]:
    """Freeze every parameter of ``model`` and wrap each ``nn.Linear`` whose
    attribute name is in ``targets`` in a :class:`LoRALinear`, in place (Hu et
    al. adapt the query and value projections). Returns the wrapped layers' full
    names. Unfreeze what else should train (a new head) afterwards.
    Chapter: *Scaling laws and LoRA*."""
    check_module("model", model)
    targets = _check_targets(targets)
    rank, alpha = check_int("rank", rank, minimum=1), check_float("alpha", alpha)
    for p in model.parameters():
        p.requires_grad_(False)
    wrapped = [(parent, name, full) for full, parent, name in _children(model)
               if name in targets and isinstance(getattr(parent, name), nn.Linear)]
    missing = targets - {name for _, name, _ in wrapped}
    if missing:
        raise ValueError(f"targets {sorted(missing)} name no nn.Linear inside model")
    for parent, name, _ in wrapped:
        setattr(parent, name, LoRALinear(getattr(parent, name), rank, alpha))
    return [full for _, _, full in wrapped]


def merge_lora(model: nn.Module) -> int:
    """Merge every :class:`LoRALinear` of ``model`` and put its base layer back in
    its place, in place: the model is again plain ``nn.Linear`` layers. Returns how
    many were merged. Chapter: *Scaling laws and LoRA*."""
    check_module("model", model)
    adapters = [(parent, name) for _, parent, name in _children(model)
                if isinstance(getattr(parent, name), LoRALinear)]
    for parent, name in adapters:
        adapter = getattr(parent, name)
        adapter.merge()
        setattr(parent, name, adapter.base)
    return len(adapters)


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of parameters of ``model`` (only those with ``requires_grad`` by
    default). Chapter: *Scaling laws and LoRA*."""
    check_module("model", model)
    trainable_only = check_bool("trainable_only", trainable_only)
    return sum(p.numel() for p in model.parameters()
               if p.requires_grad or not trainable_only)


def _children(model: nn.Module):
    """(full name, parent, attribute name) of every submodule below ``model``."""
    for parent_name, parent in model.named_modules():
        for name, _ in parent.named_children():
            yield (f"{parent_name}.{name}" if parent_name else name), parent, name


def _check_targets(targets) -> set[str]:
    if isinstance(targets, str):
        raise TypeError("targets must be a collection of attribute names such as "
                        "('q_proj', 'v_proj'), not one string")
    try:
        names = set(targets)
    except TypeError:
        raise TypeError(f"targets must be a collection of attribute names, got "
                        f"{type(targets).__name__}") from None
    if not names or not all(isinstance(n, str) for n in names):
        raise ValueError("targets must name at least one attribute, as strings")
    return names
