"""Checks that catch a broken training setup before it wastes an afternoon.

The steps of a debugging recipe for neural networks: the loss at
initialisation, overfitting a single batch, the learning-rate range test,
per-parameter gradient norms and update-to-weight ratios, and the validation
examples a model gets most confidently wrong. Chapter: *Practical training*.
"""

from __future__ import annotations

import copy
import functools
import itertools
import math
from typing import Callable, NamedTuple

import torch
from torch import nn
from torch.nn import functional as F

from .._args import (check_callable, check_float, check_int, check_labels,
                     check_same_length, check_sequence, check_tensor)
from ..fundamentals.losses import cross_entropy
from ..train import _loader


def _check_model(model) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")


def _check_optimizer(optimizer) -> None:
    if not (hasattr(optimizer, "zero_grad") and hasattr(optimizer, "step")
            and hasattr(optimizer, "param_groups")):
        raise TypeError("optimizer must be a torch.optim optimizer (zero_grad, step and "
                        f"param_groups), got {type(optimizer).__name__}")


def _check_batch(X, y) -> None:
    check_tensor("X", X, nonempty=True)
    check_tensor("y", y)
    check_same_length("X", X, "y", y)


def _is_cross_entropy(loss_fn: Callable) -> bool:
    fn = loss_fn.func if isinstance(loss_fn, functools.partial) else loss_fn
    return fn in (F.cross_entropy, cross_entropy) or isinstance(fn, nn.CrossEntropyLoss)


def _check_targets(loss_fn: Callable, out: torch.Tensor, y: torch.Tensor) -> None:
    """Cross-entropy takes class labels: check them here, not deep inside the loss."""
    if _is_cross_entropy(loss_fn):
        check_labels("y", y, out.shape[1] if out.ndim > 1 else None, ndim=None)


def _check_model_targets(model: nn.Module, X: torch.Tensor, y: torch.Tensor,
                         loss_fn: Callable) -> None:
    """:func:`_check_targets` on the model's output, computed in eval mode, no grad."""
    if _is_cross_entropy(loss_fn):
        was_training = model.training
        with torch.no_grad():
            out = model.eval()(X)
        model.train(was_training)
        _check_targets(loss_fn, out, y)


class InitialLoss(NamedTuple):
    """The loss of a freshly initialised model next to the loss it should have."""

    measured: float
    expected: float

    @property
    def ratio(self) -> float:
        """``measured / expected``: close to 1 for a well-initialised classifier."""
        return self.measured / self.expected


def initial_loss_check(model: nn.Module, X: torch.Tensor, y: torch.Tensor, *,
                       num_classes: int | None = None,
                       loss_fn: Callable = F.cross_entropy) -> InitialLoss:
    """Measure the loss of ``model`` on ``(X, y)`` and compare it with ``log(C)``.

    A classifier that has learned nothing should spread its probability evenly
    over the ``C`` classes, so its cross-entropy is ``-log(1/C) = log(C)``. A
    measured loss far above that means overconfident random outputs (weights too
    large, a bad bias in the last layer), far below it means something leaks the
    answer. ``C`` is ``num_classes``, or the width of the model's output. The
    model, its mode and any running statistics are left untouched.
    Chapter: *Practical training*.
    """
    _check_model(model)
    _check_batch(X, y)
    check_callable("loss_fn", loss_fn)
    if num_classes is not None:
        num_classes = check_int("num_classes", num_classes, minimum=2)
    # A copy in training mode: the loss the first optimisation step sees, without
    # letting this check update batch-norm statistics of the real model.
    probe = copy.deepcopy(model).train()
    with torch.no_grad():
        out = probe(X)
        _check_targets(loss_fn, out, y)
        measured = float(loss_fn(out, y))
    if num_classes is None:
        if out.ndim != 2:
            raise ValueError("num_classes is needed when the model's output is not "
                             f"(N, C); got shape {tuple(out.shape)}")
        num_classes = out.shape[1]
    return InitialLoss(measured, math.log(num_classes))


def overfit_one_batch(model: nn.Module, X: torch.Tensor, y: torch.Tensor, *,
                      loss_fn: Callable, optimizer=None, lr: float = 1e-2,
                      steps: int = 200) -> list[float]:
    """Train ``model`` on the single batch ``(X, y)`` for ``steps`` steps; return the losses.

    A model with enough capacity must be able to memorise a handful of examples:
    the loss should fall to nearly zero. If it does not, there is a bug in the
    model, the loss or the training step, and no amount of data will fix it.
    ``optimizer`` defaults to Adam with learning rate ``lr``. The model is
    trained in place. Chapter: *Practical training*.
    """
    _check_model(model)
    _check_batch(X, y)
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    steps = check_int("steps", steps, minimum=1)
    if optimizer is None:
        lr = check_float("lr", lr, minimum=0.0, strict_min=True)
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    else:
        _check_optimizer(optimizer)
    _check_model_targets(model, X, y, loss_fn)
    model.train()
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


class RangeTest(NamedTuple):
    """Learning rates tried by :func:`lr_range_test` and the losses measured."""

    lrs: list[float]
    losses: list[float]


def lr_range_test(model: nn.Module, train_data, *, loss_fn: Callable, optimizer,
                  start_lr: float = 1e-6, end_lr: float = 10.0, steps: int = 100,
                  batch_size: int = 64, smoothing: float = 0.05,
                  diverge_factor: float = 4.0, seed: int = 0) -> RangeTest:
    """The learning-rate range test: train briefly while the learning rate grows.

    The learning rate goes from ``start_lr`` to ``end_lr`` geometrically over
    ``steps`` minibatches of ``train_data`` (a pair ``(X, y)``, a ``Dataset`` or
    a ``DataLoader``; cycled if it runs out). After each step the training loss
    is recorded, smoothed by an exponential moving average with weight
    ``smoothing`` on the newest value (bias-corrected; ``smoothing=1`` records
    raw losses). The test stops early once the smoothed loss exceeds
    ``diverge_factor`` times its minimum. Afterwards the weights (and buffers)
    of ``model`` and the state of ``optimizer`` are restored, so the test can be
    followed by real training. Chapter: *Practical training*.
    """
    _check_model(model)
    _check_optimizer(optimizer)
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    start_lr = check_float("start_lr", start_lr, minimum=0.0, strict_min=True)
    end_lr = check_float("end_lr", end_lr, minimum=start_lr, strict_min=True)
    steps = check_int("steps", steps, minimum=2)
    smoothing = check_float("smoothing", smoothing, minimum=0.0, maximum=1.0,
                            strict_min=True)
    diverge_factor = check_float("diverge_factor", diverge_factor, minimum=1.0,
                                 strict_min=True)
    loader = _loader(train_data, batch_size, True, seed, "train_data")
    if len(loader) == 0:
        raise ValueError("train_data is empty")

    saved_model = copy.deepcopy(model.state_dict())
    saved_optimizer = copy.deepcopy(optimizer.state_dict())
    device = next(model.parameters()).device
    growth = (end_lr / start_lr) ** (1.0 / (steps - 1))
    lrs: list[float] = []
    losses: list[float] = []
    average, best = 0.0, math.inf
    batches = itertools.chain.from_iterable(itertools.repeat(loader))
    model.train()
    try:
        for step, (X, y) in zip(range(steps), batches):
            lr = start_lr * growth ** step
            for group in optimizer.param_groups:
                group["lr"] = lr
            loss = loss_fn(model(X.to(device)), y.to(device))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            value = loss.item()
            if not math.isfinite(value):
                if step == 0:
                    raise ValueError("the loss on the first batch of train_data is not "
                                     f"finite ({value}): check the data and the model")
                break
            average = (1 - smoothing) * average + smoothing * value
            smoothed = average / (1 - (1 - smoothing) ** (step + 1))
            lrs.append(lr)
            losses.append(smoothed)
            best = min(best, smoothed)
            if smoothed > diverge_factor * best:
                break
    finally:
        model.load_state_dict(saved_model)
        optimizer.load_state_dict(saved_optimizer)
    return RangeTest(lrs, losses)


def suggest_lr(lrs, losses, *, divide_by: float = 10.0) -> float:
    """A learning rate from a range test: the one with the lowest loss, over ``divide_by``.

    At the minimum of the curve the learning rate is already at the edge of
    stability; a step back (a factor of ten is the usual rule) lands where the
    loss was still falling fast. Chapter: *Practical training*.
    """
    lrs = [check_float("lrs", lr, minimum=0.0, strict_min=True)
           for lr in check_sequence("lrs", lrs)]
    losses = [check_float("losses", loss) for loss in check_sequence("losses", losses)]
    check_same_length("lrs", lrs, "losses", losses)
    divide_by = check_float("divide_by", divide_by, minimum=1.0)
    i = min(range(len(losses)), key=losses.__getitem__)
    return float(lrs[i]) / divide_by


def gradient_norms(model: nn.Module) -> dict[str, float]:
    """The Euclidean norm of the gradient of every named parameter of ``model``.

    Call it after ``loss.backward()``. Parameters without a gradient (frozen, or
    not used by the last forward pass) are left out. Chapter: *Practical training*.
    """
    _check_model(model)
    norms = {name: float(torch.linalg.vector_norm(p.grad))
             for name, p in model.named_parameters() if p.grad is not None}
    if not norms and any(True for _ in model.parameters()):
        raise ValueError("model has no gradients yet: call loss.backward() first")
    return norms


def parameter_snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    """A detached copy of every named parameter, to measure an update against later.

    Chapter: *Practical training*.
    """
    _check_model(model)
    return {name: p.detach().clone() for name, p in model.named_parameters()}


def update_ratios(model: nn.Module, before: dict[str, torch.Tensor]) -> dict[str, float]:
    """``||w_after - w_before|| / ||w_before||`` for every parameter in ``before``.

    Take ``before = parameter_snapshot(model)`` just before ``optimizer.step()``.
    Ratios far above about 1e-3 mean the learning rate is too large for that
    layer; far below, that the layer barely learns. Chapter: *Practical training*.
    """
    _check_model(model)
    if not isinstance(before, dict):
        raise TypeError(f"before must be a dict from parameter_snapshot, got "
                        f"{type(before).__name__}")
    params = dict(model.named_parameters())
    unknown = set(before) - set(params)
    if unknown:
        raise ValueError(f"before names parameters the model does not have: "
                         f"{sorted(unknown)}")
    ratios = {}
    for name, old in before.items():
        new = params[name].detach()
        ratios[name] = float(torch.linalg.vector_norm(new - old)
                             / torch.linalg.vector_norm(old).clamp_min(1e-12))
    return ratios


class ConfidentErrors(NamedTuple):
    """Misclassified examples, most confident first."""

    indices: torch.Tensor
    predicted: torch.Tensor
    confidence: torch.Tensor


def most_confident_errors(logits: torch.Tensor, y: torch.Tensor, k: int = 10
                          ) -> ConfidentErrors:
    """The ``k`` wrongly classified examples to which the model gave the highest probability.

    ``logits`` is ``(N, C)``, ``y`` holds the ``N`` true classes. Returns their
    indices into ``logits``, the predicted classes and the predicted
    probabilities, highest first (fewer than ``k`` if there are fewer errors).
    Confident mistakes are where to look first: mislabelled data, ambiguous
    examples, or a systematic blind spot. Chapter: *Practical training*.
    """
    check_tensor("logits", logits, ndim=2, floating=True, finite=True)
    check_labels("y", y, logits.shape[1])
    check_same_length("logits", logits, "y", y)
    k = check_int("k", k, minimum=1)
    probs = logits.detach().softmax(dim=1)
    confidence, predicted = probs.max(dim=1)
    wrong = torch.nonzero(predicted != y).flatten()
    order = torch.argsort(confidence[wrong], descending=True, stable=True)[:k]
    idx = wrong[order]
    return ConfidentErrors(idx, predicted[idx], confidence[idx])
