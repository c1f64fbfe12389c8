"""Checks for the code exercises of the chapter *Interpretability*."""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from . import CheckResult, as_tensor, call_answer, failed, passed, require_callable, tolerances


def _reference_ig(f: Callable, x: torch.Tensor, baseline: torch.Tensor,
                  steps: int) -> torch.Tensor:
    alphas = (torch.arange(steps, dtype=x.dtype) + 0.5) / steps
    total = torch.zeros_like(x)
    for a in alphas:
        point = (baseline + a * (x - baseline)).requires_grad_(True)
        (grad,) = torch.autograd.grad(f(point), point)
        total += grad
    return (x - baseline) * total / steps


def check_integrated_gradients(fn: Callable) -> CheckResult:
    """Check ``fn(f, x, baseline, steps)``: integrated gradients of a scalar ``f``.

    ``f`` maps a tensor shaped like ``x`` to a scalar tensor. The answer must
    have the shape of ``x`` and approximate the path integral with any
    Riemann or trapezoid rule of ``steps`` steps.
    """
    name = "check_integrated_gradients"
    require_callable("fn", fn)
    g = torch.Generator().manual_seed(0)
    d = 6
    w = torch.randn(d, generator=g, dtype=torch.float64)
    a = torch.rand(d, generator=g, dtype=torch.float64) + 0.5
    x = torch.rand(d, generator=g, dtype=torch.float64) + 0.5
    x0 = 0.3 * torch.rand(d, generator=g, dtype=torch.float64)
    steps = 200

    def linear(z):
        return (w * z).sum() + 0.7

    def quadratic(z):
        return (a * z ** 2).sum()

    def curved(z):
        return torch.tanh((w * z).sum()) + torch.sin(a * z).sum()

    cases = [("a linear function", linear, 1e-8),
             ("the quadratic function sum(a * z**2)", quadratic, 2e-2),
             ("a nonlinear function", curved, 2e-2)]
    for label, f, rtol in cases:
        got, problem = call_answer(name, fn, f, x.clone(), x0.clone(), steps)
        if problem is not None:
            return problem
        got = as_tensor(got)
        if not isinstance(got, torch.Tensor) or got.shape != x.shape:
            shape = tuple(got.shape) if isinstance(got, torch.Tensor) else \
                type(got).__name__
            return failed(name, f"the attributions should be a tensor of shape "
                          f"{tuple(x.shape)}, like x; got {shape}",
                          "one attribution per input feature.")
        rtol = tolerances(got, 0.0, rtol)[1]  # a float32 answer holds fewer digits
        got = got.detach().to(torch.float64)
        want = _reference_ig(f, x, x0, steps)
        scale = want.abs().max()
        if torch.allclose(got, want, rtol=rtol, atol=rtol * scale):
            continue
        grad_mean = want / (x - x0)
        if torch.allclose(got, grad_mean, rtol=rtol, atol=rtol * scale):
            return failed(name, f"for {label} you return the average gradient "
                          "along the path, without the factor (x - baseline)",
                          "integrated gradients multiplies the averaged "
                          "gradient by (x - baseline), feature by feature.")
        if torch.allclose(got, -want, rtol=rtol, atol=rtol * scale):
            return failed(name, f"the sign is flipped for {label}",
                          "the factor is (x - baseline), and the path runs "
                          "from the baseline to x.")
        if torch.allclose(got, want * steps, rtol=rtol, atol=rtol * scale * steps):
            return failed(name, f"the attributions are `steps` times too large "
                          f"for {label}", "average the gradients: divide their "
                          "sum by the number of steps.")
        if torch.allclose(got, grad_mean * x, rtol=rtol, atol=rtol * scale):
            return failed(name, f"for {label} the result ignores the baseline",
                          "multiply by (x - baseline), and start the path at "
                          "the baseline, not at zero.")
        xg = x.clone().requires_grad_(True)
        (grad_at_x,) = torch.autograd.grad(f(xg), xg)
        if torch.allclose(got, grad_at_x * (x - x0), rtol=rtol, atol=rtol * scale):
            return failed(name, f"for {label} you use the gradient at x only",
                          "average the gradients at points all along the "
                          "straight path from the baseline to x.")
        with torch.no_grad():
            gap = (got.sum() - (f(x) - f(x0))).abs().item()
        return failed(name, f"wrong attributions for {label}: they add up to "
                      f"f(x) - f(baseline) only within {gap:.3g}",
                      "check the path points baseline + alpha (x - baseline) "
                      "for alpha between 0 and 1, and the average.")
    return passed(name, "your attributions satisfy completeness and match the "
                  "integral.")


def _parametrized(model: nn.Module) -> list[str]:
    """Names of the submodules that own parameters, input side first."""
    return [n for n, m in model.named_modules()
            if any(True for _ in m.parameters(recurse=False))]


def _state(module: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters(recurse=False)]


def _same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a, b))


def check_cascading_randomization(fn: Callable) -> CheckResult:
    """Check ``fn(model) -> list of models`` for the cascading sanity check.

    For a model with ``L`` layers that have parameters, the answer is ``L``
    new models: the first with the output layer re-initialised, the second
    with the last two, and so on, the last with every layer re-initialised.
    The original model must not change.
    """
    name = "check_cascading_randomization"
    require_callable("fn", fn)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.Conv2d(3, 4, 3),
                          nn.ReLU(), nn.Flatten(), nn.Linear(4 * 2 * 2, 2))
    layers = _parametrized(model)
    original = {n: _state(model.get_submodule(n)) for n in layers}
    got, problem = call_answer(name, fn, model)  # also reports a change to the model
    if problem is not None:
        return problem
    if not isinstance(got, (list, tuple)) or not all(
            isinstance(m, nn.Module) for m in got):
        return failed(name, f"return a list of models, got {type(got).__name__}")
    if len(got) != len(layers):
        return failed(name, f"the model has {len(layers)} layers with "
                      f"parameters, so expected {len(layers)} models, got "
                      f"{len(got)}", "one model per number of randomised "
                      "layers, from 1 to all.")
    if len({id(m) for m in got}) != len(got) or any(m is model for m in got):
        return failed(name, "some of the returned models are the same object",
                      "make a fresh copy for each step.")
    for k, m in enumerate(got, start=1):
        changed = [not _same(original[n], _state(m.get_submodule(n)))
                   for n in layers]
        want = [False] * (len(layers) - k) + [True] * k
        if changed == want:
            continue
        if changed == [True] * k + [False] * (len(layers) - k):
            return failed(name, "the randomisation starts at the input layer",
                          "the cascading check starts at the output layer and "
                          "moves towards the input.")
        if sum(changed) == 1 and k > 1:
            return failed(name, f"model {k} has only one layer randomised",
                          "cascading: model k re-initialises the last k "
                          "layers, keeping the ones already randomised.")
        return failed(name, f"model {k} should have exactly its last {k} "
                      f"layer(s) re-initialised and the others unchanged")
    return passed(name, "the randomisation cascades from the output to the "
                  "input, on copies.")

