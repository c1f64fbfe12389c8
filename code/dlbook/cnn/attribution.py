"""Attribution: which input pixels does a classifier's score depend on?

Gradient saliency (Simonyan et al., 2014), gradient times input, SmoothGrad
(Smilkov et al., 2017), integrated gradients (Sundararajan et al., 2017) with
a Riemann or trapezoid rule, and occlusion (Zeiler and Fergus, 2014), written
from scratch for any model that maps a batch ``(N, ...)`` to class scores
``(N, C)``. Every function explains the score of one class per example,
before the softmax, and runs the model in eval mode (then restores its
mode). Chapter: *Interpretability*.
"""

from __future__ import annotations

import contextlib
import numbers
from typing import Iterator

import torch
from torch import nn

from .._args import (check_choice, check_float, check_int, check_module, check_pair,
                     check_tensor)

IG_METHODS = ("left", "right", "midpoint", "trapezoid")


@contextlib.contextmanager
def _eval_mode(model: nn.Module) -> Iterator[None]:
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


def _check_model_input(model, x: torch.Tensor) -> torch.Tensor:
    check_module("model", model)
    check_tensor("x", x, floating=True, finite=True)
    if x.ndim < 2 or len(x) == 0:
        raise ValueError(f"x must be a non-empty batch (N, ...), got shape "
                         f"{tuple(x.shape)}")
    return x.detach()


def _check_target(target, n: int) -> torch.Tensor:
    """One class index per example, as an int64 tensor of shape (n,)."""
    if isinstance(target, torch.Tensor):
        if target.is_floating_point() or target.dtype == torch.bool:
            raise TypeError(f"target must hold integer class indices, got "
                            f"{target.dtype}")
        target = target.to(torch.int64).reshape(-1)
        if len(target) == 1:
            target = target.expand(n)
        if len(target) != n:
            raise ValueError(f"target must be one class index or one per "
                             f"example ({n}), got {len(target)}")
        return target
    index = check_int("target", target, minimum=0)
    return torch.full((n,), index, dtype=torch.int64)


def class_scores(model: nn.Module, x: torch.Tensor, target) -> torch.Tensor:
    """The score (logit) of class ``target[i]`` for each ``x[i]``: ``(N,)``.

    Gradients flow through it; the model runs in whatever mode it is in.
    Chapter: *Interpretability*.
    """
    check_module("model", model)
    check_tensor("x", x, floating=True, nonempty=True)
    out = model(x)
    if out.ndim != 2:
        raise ValueError(f"model must return class scores (N, C), got shape "
                         f"{tuple(out.shape)}")
    target = _check_target(target, len(x)).to(out.device)
    if target.min() < 0 or target.max() >= out.shape[1]:
        raise ValueError(f"target must be a class index in "
                         f"[0, {out.shape[1] - 1}], got "
                         f"{target.min().item()}..{target.max().item()}")
    return out.gather(1, target[:, None]).squeeze(1)


def _gradient(model: nn.Module, x: torch.Tensor,
              target: torch.Tensor) -> torch.Tensor:
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(class_scores(model, x, target).sum(), x)
    return grad


def saliency(model: nn.Module, x: torch.Tensor, target) -> torch.Tensor:
    """Gradient saliency ``d score_target / d x``, of the same shape as ``x``.

    ``target`` is one class index for all examples or one per example.
    Plot its absolute value (largest over colour channels) as the saliency
    map. Chapter: *Interpretability*.
    """
    x = _check_model_input(model, x)
    target = _check_target(target, len(x))
    with _eval_mode(model):
        # The examples do not interact, so the gradient of the summed scores
        # holds each example's own gradient.
        return _gradient(model, x, target)


def gradient_x_input(model: nn.Module, x: torch.Tensor,
                     target) -> torch.Tensor:
    """Gradient times input, ``x * d score_target / d x``.

    Chapter: *Interpretability*.
    """
    return saliency(model, x, target) * x.detach()


def smoothgrad(model: nn.Module, x: torch.Tensor, target, *,
               samples: int = 25, noise: float = 0.15,
               generator: torch.Generator | None = None) -> torch.Tensor:
    """SmoothGrad: the gradient averaged over noisy copies of each input.

    ``samples`` copies, with Gaussian noise of standard deviation ``noise``
    times the range (max - min) of each example. Chapter: *Interpretability*.
    """
    x = _check_model_input(model, x)
    target = _check_target(target, len(x))
    samples = check_int("samples", samples, minimum=1)
    noise = check_float("noise", noise, minimum=0.0)
    flat = x.reshape(len(x), -1)
    spread = flat.max(1).values - flat.min(1).values
    sigma = noise * spread.view(-1, *[1] * (x.ndim - 1))
    total = torch.zeros_like(x)
    with _eval_mode(model):
        for _ in range(samples):
            eps = torch.randn(x.shape, generator=generator, dtype=x.dtype)
            total += _gradient(model, x + sigma * eps.to(x.device), target)
    return total / samples


def _as_baseline(baseline, x: torch.Tensor,
                 name: str = "baseline") -> torch.Tensor:
    if baseline is None:
        return torch.zeros_like(x)
    if isinstance(baseline, numbers.Real) and not isinstance(baseline, bool):
        return torch.full_like(x, check_float(name, baseline))
    check_tensor(name, baseline, floating=True, finite=True)
    try:
        return torch.broadcast_to(baseline.to(x), x.shape).detach()
    except RuntimeError as err:
        raise ValueError(f"{name} of shape {tuple(baseline.shape)} cannot be "
                         f"broadcast to x of shape {tuple(x.shape)}") from err


def ig_nodes(steps: int,
             method: str = "trapezoid") -> tuple[torch.Tensor, torch.Tensor]:
    """Points ``alpha`` in [0, 1] and weights of a rule of ``steps`` steps.

    The ``"left"``, ``"right"`` and ``"midpoint"`` Riemann sums use
    ``steps`` points of weight ``1 / steps``; the trapezoid rule uses
    ``steps + 1`` points and halves the weights of the two ends. The
    weights sum to 1. Chapter: *Interpretability*.
    """
    steps = check_int("steps", steps, minimum=1)
    check_choice("method", method, IG_METHODS)
    if method == "trapezoid":
        alphas = torch.arange(steps + 1, dtype=torch.float64) / steps
        weights = torch.full((steps + 1,), 1.0 / steps, dtype=torch.float64)
        weights[[0, -1]] /= 2
        return alphas, weights
    offset = {"left": 0.0, "right": 1.0, "midpoint": 0.5}[method]
    alphas = (torch.arange(steps, dtype=torch.float64) + offset) / steps
    return alphas, torch.full((steps,), 1.0 / steps, dtype=torch.float64)


def integrated_gradients(model: nn.Module, x: torch.Tensor, target, *,
                         baseline=None, steps: int = 50,
                         method: str = "trapezoid",
                         batch_size: int = 256) -> torch.Tensor:
    """Integrated gradients: ``(x - x0)`` times the path-averaged gradient.

    The path is the straight line from the ``baseline`` ``x0`` (zeros by
    default; a number, or a tensor that broadcasts to ``x``) to ``x``. The
    average of the gradient over it is approximated with ``steps``
    intervals of the rule ``method`` (see :func:`ig_nodes`), computing the
    gradients of ``batch_size`` path points at a time. The attributions of
    each example add up to about ``score(x) - score(x0)`` (completeness:
    see :func:`completeness_gap`). Chapter: *Interpretability*.
    """
    x = _check_model_input(model, x)
    target = _check_target(target, len(x))
    x0 = _as_baseline(baseline, x)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    alphas, weights = (t.to(x) for t in ig_nodes(steps, method))
    n, ones = len(x), (1,) * (x.ndim - 1)
    per_pass = max(1, batch_size // n)  # path points per example per pass
    total = torch.zeros_like(x)
    with _eval_mode(model):
        for start in range(0, len(alphas), per_pass):
            a = alphas[start:start + per_pass].view(-1, 1, *ones)
            w = weights[start:start + per_pass].view(-1, 1, *ones)
            # Points x0 + a (x - x0) for every alpha and example: (k, N, ...)
            points = x0 + a * (x - x0)
            grads = _gradient(model, points.reshape(-1, *x.shape[1:]),
                              target.repeat(len(a)))
            total += (w * grads.reshape(points.shape)).sum(0)
    return (x - x0) * total


@torch.no_grad()
def completeness_gap(model: nn.Module, x: torch.Tensor, target,
                     attributions: torch.Tensor, *,
                     baseline=None) -> torch.Tensor:
    """``sum(attributions) - (score(x) - score(x0))`` per example.

    Zero when the attributions are complete. Chapter: *Interpretability*.
    """
    x = _check_model_input(model, x)
    check_tensor("attributions", attributions, floating=True)
    if attributions.shape != x.shape:
        raise ValueError(f"attributions must have the shape of x "
                         f"{tuple(x.shape)}, got {tuple(attributions.shape)}")
    x0 = _as_baseline(baseline, x)
    with _eval_mode(model):
        diff = class_scores(model, x, target) - class_scores(model, x0, target)
    return attributions.reshape(len(x), -1).sum(1) - diff


def _window_starts(size: int, window: int, stride: int) -> list[int]:
    """Window positions ``stride`` apart; the last one reaches the border."""
    starts = list(range(0, size - window + 1, stride))
    if starts[-1] != size - window:
        starts.append(size - window)
    return starts


@torch.no_grad()
def occlusion(model: nn.Module, x: torch.Tensor, target, *,
              window: int | tuple[int, int] = 4,
              stride: int | tuple[int, int] | None = None, fill=0.0,
              batch_size: int = 256) -> torch.Tensor:
    """Occlusion: how much the score drops when a patch is covered up.

    ``x`` is ``(N, C, H, W)``. A ``window`` (over all channels) slides with
    ``stride`` (default: the window size) and is replaced by ``fill`` (a
    number, or a tensor that broadcasts to ``x``, such as a blurred copy);
    each pixel gets the average drop ``score(x) - score(occluded x)`` of the
    windows that cover it. Returns ``(N, H, W)``.
    Chapter: *Interpretability*.
    """
    x = _check_model_input(model, x)
    if x.ndim != 4:
        raise ValueError(f"x must be images (N, C, H, W), got shape "
                         f"{tuple(x.shape)}")
    target = _check_target(target, len(x))
    n, _, h, w = x.shape
    wh, ww = check_pair("window", window, 1)
    if wh > h or ww > w:
        raise ValueError(f"window ({wh}, {ww}) must fit in the image "
                         f"({h}, {w})")
    sh, sw = (wh, ww) if stride is None else check_pair("stride", stride, 1)
    filled = _as_baseline(fill, x, "fill")
    batch_size = check_int("batch_size", batch_size, minimum=1)
    windows = [(r, c) for r in _window_starts(h, wh, sh)
               for c in _window_starts(w, ww, sw)]
    drop = torch.zeros(n, h, w, dtype=x.dtype, device=x.device)
    count = torch.zeros(h, w, dtype=x.dtype, device=x.device)
    per_pass = max(1, batch_size // n)  # windows per example per pass
    with _eval_mode(model):
        base = class_scores(model, x, target)
        for start in range(0, len(windows), per_pass):
            chunk = windows[start:start + per_pass]
            batch = x.repeat(len(chunk), 1, 1, 1).reshape(len(chunk), *x.shape)
            for i, (r, c) in enumerate(chunk):
                patch = (..., slice(r, r + wh), slice(c, c + ww))
                batch[i][patch] = filled[patch]
            scores = class_scores(model, batch.reshape(-1, *x.shape[1:]),
                                  target.repeat(len(chunk)))
            for i, (r, c) in enumerate(chunk):
                change = base - scores[i * n:(i + 1) * n]
                drop[:, r:r + wh, c:c + ww] += change.view(n, 1, 1)
                count[r:r + wh, c:c + ww] += 1
    return drop / count


def mask_fraction(maps: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """Share of each map's absolute attribution inside the object's mask.

    ``maps`` is ``(N, H, W)`` (reduce colour channels first), ``masks`` is
    ``(N, H, W)``, nonzero on the object. A map spread evenly over the image
    scores the object's share of the area; one that points only at the
    object scores 1. Chapter: *Interpretability*.
    """
    check_tensor("maps", maps, ndim=3, floating=True)
    check_tensor("masks", masks, ndim=3)
    if masks.shape != maps.shape:
        raise ValueError(f"masks must have the shape of maps "
                         f"{tuple(maps.shape)}, got {tuple(masks.shape)}")
    mass = maps.abs()
    inside = (mass * (masks != 0)).flatten(1).sum(1)
    total = mass.flatten(1).sum(1)
    return inside / total.clamp_min(torch.finfo(maps.dtype).tiny)
