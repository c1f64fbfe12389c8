"""The exercise checks of the chapter *Interpretability* pass right answers and
catch wrong ones."""

from __future__ import annotations

import copy

import torch

from dlbook.checks.interpretability import (check_cascading_randomization,
                                            check_integrated_gradients)


def ig(f, x, baseline, steps=50, offset=0.5, factor=True, scale=1.0):
    total = torch.zeros_like(x)
    for k in range(steps):
        point = (baseline + (k + offset) / steps * (x - baseline)).requires_grad_(True)
        (grad,) = torch.autograd.grad(f(point), point)
        total += grad
    mean = total / steps * scale
    return (x - baseline) * mean if factor else mean


def ig_trapezoid(f, x, baseline, steps=50):
    total = torch.zeros_like(x)
    for k in range(steps + 1):
        point = (baseline + k / steps * (x - baseline)).requires_grad_(True)
        (grad,) = torch.autograd.grad(f(point), point)
        total += grad * (0.5 if k in (0, steps) else 1.0)
    return (x - baseline) * total / steps


def test_ig_passes_riemann_and_trapezoid_rules():
    assert check_integrated_gradients(ig)
    assert check_integrated_gradients(lambda f, x, b, s: ig(f, x, b, s, offset=1.0))
    assert check_integrated_gradients(lambda f, x, b, s: ig(f, x, b, s, offset=0.0))
    assert check_integrated_gradients(ig_trapezoid)


def test_ig_catches_missing_factor():
    result = check_integrated_gradients(lambda f, x, b, s: ig(f, x, b, s, factor=False))
    assert not result and "(x - baseline)" in result.message


def test_ig_catches_sum_instead_of_mean():
    result = check_integrated_gradients(lambda f, x, b, s: ig(f, x, b, s, scale=s))
    assert not result and "too large" in result.message


def test_ig_catches_ignored_baseline_and_gradient_at_x():
    zero = check_integrated_gradients(lambda f, x, b, s: ig(f, x, torch.zeros_like(x), s))
    assert not zero and "baseline" in zero.message + zero.hint

    def at_x(f, x, b, s):
        xg = x.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(f(xg), xg)
        return grad * (x - b)

    result = check_integrated_gradients(at_x)
    assert not result and "gradient at x only" in result.message


def test_ig_catches_sign_and_in_place_and_shape():
    flipped = check_integrated_gradients(lambda f, x, b, s: -ig(f, x, b, s))
    assert not flipped and "sign" in flipped.message

    def in_place(f, x, b, s):
        out = ig(f, x, b, s)
        x.sub_(b)
        return out

    assert "in place" in check_integrated_gradients(in_place).message
    summed = check_integrated_gradients(lambda f, x, b, s: ig(f, x, b, s).sum())
    assert not summed and "shape" in summed.message


def cascade(model):
    layers = [n for n, m in model.named_modules()
              if any(True for _ in m.parameters(recurse=False))]
    models, current = [], copy.deepcopy(model)
    for name in reversed(layers):
        current = copy.deepcopy(current)
        current.get_submodule(name).reset_parameters()
        models.append(current)
    return models


def _layers(model):
    return [n for n, m in model.named_modules()
            if any(True for _ in m.parameters(recurse=False))]


def test_cascade_passes_a_correct_answer():
    assert check_cascading_randomization(cascade)


def test_cascade_catches_in_place_randomisation():
    def in_place(model):
        out = []
        for name in reversed(_layers(model)):
            model.get_submodule(name).reset_parameters()
            out.append(model)
        return out

    result = check_cascading_randomization(in_place)
    assert not result and "original model" in result.message


def test_cascade_catches_independent_and_bottom_up():
    def independent(model):
        out = []
        for name in reversed(_layers(model)):
            m = copy.deepcopy(model)
            m.get_submodule(name).reset_parameters()
            out.append(m)
        return out

    result = check_cascading_randomization(independent)
    assert not result and "only one layer" in result.message

    def bottom_up(model):
        models, current = [], copy.deepcopy(model)
        for name in _layers(model):
            current = copy.deepcopy(current)
            current.get_submodule(name).reset_parameters()
            models.append(current)
        return models

    result = check_cascading_randomization(bottom_up)
    assert not result and "input layer" in result.message


def test_cascade_catches_shared_copies_and_wrong_length():
    def shared(model):
        current = copy.deepcopy(model)
        out = []
        for name in reversed(_layers(model)):
            current.get_submodule(name).reset_parameters()
            out.append(current)
        return out

    result = check_cascading_randomization(shared)
    assert not result and "same object" in result.message
    short = check_cascading_randomization(lambda model: cascade(model)[:1])
    assert not short and "expected 3 models" in short.message
