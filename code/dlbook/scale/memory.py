"""Where the memory of training goes: parameters, gradients, optimiser state and
the activations that autograd keeps for the backward pass.

Every count is in bytes of the *storages* behind the tensors, each storage
counted once: a view, or a tensor saved twice, adds nothing. Activations are
measured, not estimated: :func:`saved_tensor_bytes` runs a forward computation
under ``torch.autograd.graph.saved_tensors_hooks``, which hands every tensor an
operation keeps for its backward pass to a function of ours, and adds up those
that are not excluded (the parameters, which are counted on their own).
Chapter: *Performance*.
"""

from __future__ import annotations

from typing import Callable, Iterable

import torch
from torch import nn

from .._args import check_callable, check_module


def storage_bytes(tensors: Iterable[torch.Tensor]) -> int:
    """Bytes of the distinct storages behind ``tensors`` (a shared storage
    counts once). Chapter: *Performance*."""
    storages = {}
    for t in _check_tensors("tensors", tensors):
        storage = t.untyped_storage()
        storages[storage.data_ptr()] = storage.nbytes()
    return sum(storages.values())


def parameter_bytes(model: nn.Module) -> int:
    """Bytes of ``model``'s parameters. Chapter: *Performance*."""
    return storage_bytes(check_module("model", model).parameters())


def gradient_bytes(model: nn.Module) -> int:
    """Bytes of the gradients held in ``model``'s parameters' ``.grad`` (0
    before the first backward pass, or after ``zero_grad()``). Chapter: *Performance*."""
    return storage_bytes(p.grad for p in check_module("model", model).parameters()
                         if p.grad is not None)


def optimizer_state_bytes(optimizer: torch.optim.Optimizer) -> int:
    """Bytes of the tensors an optimiser keeps per parameter (Adam's two moments
    and step count, SGD's momentum buffer); 0 before its first step.
    Chapter: *Performance*."""
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got "
                        f"{type(optimizer).__name__}")
    return storage_bytes(value for state in optimizer.state.values()
                         for value in state.values() if isinstance(value, torch.Tensor))


def saved_tensor_bytes(fn: Callable[[], object], *,
                       exclude: Iterable[torch.Tensor] = ()) -> int:
    """Bytes of the tensors autograd saves for the backward pass while ``fn()``
    runs (typically the forward pass and the loss), leaving out the storages of
    ``exclude`` (typically the parameters). Chapter: *Performance*."""
    check_callable("fn", fn)
    excluded = {t.untyped_storage().data_ptr() for t in _check_tensors("exclude", exclude)}
    saved = []

    def pack(t: torch.Tensor) -> torch.Tensor:
        if t.untyped_storage().data_ptr() not in excluded:
            saved.append(t)
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return storage_bytes(saved)


def _check_tensors(name: str, tensors: Iterable[torch.Tensor]) -> list[torch.Tensor]:
    if isinstance(tensors, torch.Tensor) or isinstance(tensors, (str, bytes)) \
            or not isinstance(tensors, Iterable):
        raise TypeError(f"{name} must be an iterable of tensors (a list, "
                        f"model.parameters()), got {type(tensors).__name__}")
    tensors = list(tensors)
    for t in tensors:
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must hold tensors only, got {type(t).__name__}")
    return tensors
