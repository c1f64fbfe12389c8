"""Checks for the code exercises of the chapter *Activations and initialisation*."""

from __future__ import annotations

import math
from typing import Callable

import torch

from . import (CheckResult, as_tensor, call_answer, compare_tensors, failed, passed,
               require_callable)


def _mish_parts(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    sp = torch.nn.functional.softplus(x)
    t = torch.tanh(sp)
    return t, 1 - t ** 2, torch.sigmoid(x)


def _mish_grad(x: torch.Tensor) -> torch.Tensor:
    x = x.detach().clone().requires_grad_(True)
    torch.nn.functional.mish(x).sum().backward()
    return x.grad


def check_mish_derivative(fn: Callable[[torch.Tensor], torch.Tensor]) -> CheckResult:
    """Check ``fn(x)``: the derivative of Mish, ``x * tanh(softplus(x))``, elementwise."""
    name = "check_mish_derivative"
    require_callable("fn", fn)
    x = torch.cat([torch.linspace(-6, 6, 49, dtype=torch.float64),
                   torch.tensor([-40.0, 40.0], dtype=torch.float64)]).reshape(3, 17)
    got, problem = call_answer(name, fn, x)  # also reports a change to x
    if problem is not None:
        return problem
    want = _mish_grad(x)
    problem = compare_tensors(name, got, want, atol=1e-9, rtol=1e-7,
                              what="the derivative")
    if problem is None:
        return passed(name, "your derivative matches Mish's on a grid from -40 to 40.")
    got = as_tensor(got)
    if not isinstance(got, torch.Tensor) or got.shape != x.shape:
        return failed(name, problem.message, "the derivative is elementwise: return a "
                      "tensor of the input's shape.")
    got = got.detach().double()
    t, sech2, s = _mish_parts(x)
    if torch.allclose(got, t + x * sech2, atol=1e-7):
        return failed(name, "one factor of the chain rule is missing",
                      "tanh is applied to softplus(x), not to x: differentiate "
                      "softplus too.")
    if torch.allclose(got, t, atol=1e-7) or torch.allclose(got, x * sech2 * s, atol=1e-7):
        return failed(name, "only one of the two terms of the product rule is there",
                      "Mish is x times a function of x: both factors change with x.")
    if not torch.isfinite(got).all():
        return failed(name, "the result contains inf or NaN for large |x|",
                      "compute softplus and the sigmoid in a form that cannot overflow.")
    return failed(name, problem.message, "check your formula at x = 0, where the "
                  "derivative is tanh(log 2) = 0.6, and for large |x| (0 on the "
                  "left, 1 on the right).")


def _std_ratio(w: torch.Tensor, std: float) -> float:
    return float(w.double().std()) / std


def check_he_normal(fn: Callable[[tuple[int, ...]], torch.Tensor]) -> CheckResult:
    """Check ``fn(shape)``: a new weight tensor drawn as He et al. propose for ReLU.

    ``shape`` is ``(out_features, in_features)`` or ``(out_channels, in_channels,
    kh, kw)``; the draws are normal, with mean 0 and the standard deviation that
    keeps the forward signal's variance through a ReLU layer.
    """
    name = "check_he_normal"
    require_callable("fn", fn)
    torch.manual_seed(0)
    for shape in ((100, 400), (64, 32, 3, 3)):
        w, problem = call_answer(name, fn, shape)
        if problem is not None:
            return problem
        if not isinstance(w, torch.Tensor):
            return failed(name, f"fn{shape} should return a torch.Tensor, got "
                          f"{type(w).__name__}", "create the tensor and fill it.")
        if tuple(w.shape) != shape:
            hint = "the weight of nn.Linear(in, out) has shape (out, in): keep the " \
                   "shape you are given."
            return failed(name, f"fn{shape} returned shape {tuple(w.shape)}", hint)
        if not w.is_floating_point():
            return failed(name, f"the weights have dtype {w.dtype}",
                          "weights are floating-point numbers.")
        fan_in = shape[1] * math.prod(shape[2:])
        fan_out = shape[0] * math.prod(shape[2:])
        std = math.sqrt(2.0 / fan_in)
        w = w.detach().double()
        if abs(float(w.mean())) > 6 * std / math.sqrt(w.numel()):
            return failed(name, "the weights do not have mean 0",
                          "draw from a distribution centred on 0.")
        ratio = _std_ratio(w, std)
        if abs(ratio - 1) > 0.04:
            found = f"fn{shape} gives weights whose std is {ratio:.2f} times too " \
                    f"{'large' if ratio > 1 else 'small'}"
            ratios = {
                "fan_out": math.sqrt(fan_in / fan_out),
                "gain": 1 / math.sqrt(2),
                "gain_squared": math.sqrt(2),
                "kernel": math.sqrt(fan_in / shape[1]) if len(shape) > 2 else None,
                "xavier": math.sqrt(fan_in / (fan_in + fan_out)),
            }
            hints = {
                "fan_out": "you used the fan-out; the forward pass needs the number of "
                           "inputs that feed each unit.",
                "gain": "ReLU zeroes half of its inputs: the variance needs a factor "
                        "that makes up for it.",
                "gain_squared": "the factor 2 belongs to the variance, not to the "
                                "standard deviation.",
                "kernel": "in a convolution every kernel position is one more input to "
                          "each output unit.",
                "xavier": "that is Glorot and Bengio's compromise between fan-in and "
                          "fan-out; He et al. use one fan.",
            }
            for key, r in ratios.items():
                if r is not None and abs(ratio - r) < 0.03:
                    return failed(name, found, hints[key])
            return failed(name, found, "compute the variance that keeps "
                          "E[z^2] the same from layer to layer through ReLU.")
        kurtosis = float((w ** 4).mean()) / float(w.var()) ** 2
        if abs(kurtosis - 3) > 0.3:
            return failed(name, "the std is right, but the draws are not normal "
                          f"(their fourth moment is {kurtosis:.2f} std^4; a normal "
                          "distribution has 3)", "use a normal distribution, as the "
                          "exercise asks.")
    return passed(name, "right shape, mean 0, and the He standard deviation for linear "
                  "and convolutional weights.")
