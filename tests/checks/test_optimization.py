"""The checks of the chapter *Optimization* pass right answers and explain wrong ones."""

import pytest
import torch

from dlbook.checks.optimization import (check_adam_step, check_momentum_step,
                                        check_warmup_linear)


# ---- momentum_step ------------------------------------------------------------

def momentum_right(param, grad, velocity, lr, momentum):
    velocity = momentum * velocity + grad
    return param - lr * velocity, velocity


def test_momentum_passes_right_answer():
    result = check_momentum_step(momentum_right)
    assert result.passed, str(result)


@pytest.mark.parametrize("wrong,expected", [
    (lambda p, g, b, lr, mu: (p - lr * b, mu * b + g), "old velocity"),
    (lambda p, g, b, lr, mu: (p - lr * (mu * b + (1 - mu) * g), mu * b + (1 - mu) * g),
     "dampening"),
    (lambda p, g, b, lr, mu: (p + mu * b - lr * g, mu * b - lr * g), "learning rate"),
    (lambda p, g, b, lr, mu: (p + lr * (mu * b + g), mu * b + g), "uphill"),
    (lambda p, g, b, lr, mu: (p - lr * g, g), "plain SGD"),
    (lambda p, g, b, lr, mu: p - lr * (mu * b + g), "return 2 tensors"),
    (lambda p, g, b, lr, mu: (p - lr * (mu * b + g), 2 * (mu * b + g)), "velocity"),
])
def test_momentum_diagnoses_typical_mistakes(wrong, expected):
    result = check_momentum_step(wrong)
    assert not result.passed
    assert expected in result.message, result.message


def test_momentum_diagnoses_in_place_update():
    def in_place(param, grad, velocity, lr, momentum):
        velocity.mul_(momentum).add_(grad)
        param -= lr * velocity
        return param, velocity

    result = check_momentum_step(in_place)
    assert not result.passed and "in place" in result.message
    assert "param" in result.message and "velocity" in result.message


def test_momentum_reports_exceptions():
    def broken(param, grad, velocity, lr, momentum):
        raise RuntimeError("oops")

    result = check_momentum_step(broken)
    assert not result.passed and "RuntimeError" in result.message
    with pytest.raises(TypeError, match="fn"):
        check_momentum_step(momentum_right(torch.zeros(1), torch.zeros(1),
                                           torch.zeros(1), 0.1, 0.9))


# ---- adam_step ------------------------------------------------------------------

def adam_right(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return param - lr * m_hat / (v_hat.sqrt() + eps), m, v


def test_adam_passes_right_answer():
    result = check_adam_step(adam_right)
    assert result.passed, str(result)


def _adam_variant(*, correct=(True, True), shift=0, eps_inside=False, store_hat=False):
    def fn(param, grad, m, v, t, lr, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad ** 2
        m_hat = m / (1 - beta1 ** (t + shift)) if correct[0] else m
        v_hat = v / (1 - beta2 ** (t + shift)) if correct[1] else v
        denom = (v_hat + eps).sqrt() if eps_inside else v_hat.sqrt() + eps
        new = param - lr * m_hat / denom
        return (new, m_hat, v_hat) if store_hat else (new, m, v)
    return fn


@pytest.mark.parametrize("wrong,expected", [
    (_adam_variant(correct=(False, False)), "no bias correction"),
    (_adam_variant(correct=(True, False)), "corrected m but not v"),
    (_adam_variant(correct=(False, True)), "corrected v but not m"),
    (_adam_variant(shift=1), "one step ahead"),
    (_adam_variant(shift=-1), "inf or NaN"),
    (_adam_variant(eps_inside=True), "inside the square root"),
    (_adam_variant(store_hat=True), "bias-corrected"),
])
def test_adam_diagnoses_typical_mistakes(wrong, expected):
    result = check_adam_step(wrong)
    assert not result.passed
    assert expected in result.message, result.message


def test_adam_diagnoses_python_float_division_by_zero():
    def float_correction(param, grad, m, v, t, lr, beta1, beta2, eps):
        c1 = 1.0 / (1 - beta1 ** (t - 1))  # raises at t = 1
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad ** 2
        return param - lr * m * c1 / (v.sqrt() + eps), m, v

    result = check_adam_step(float_correction)
    assert not result.passed and "divides by zero" in result.message


def test_adam_diagnoses_swapped_weights_and_in_place():
    def swapped(param, grad, m, v, t, lr, beta1, beta2, eps):
        m = beta1 * grad + (1 - beta1) * m
        v = beta2 * grad ** 2 + (1 - beta2) * v
        m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        return param - lr * m_hat / (v_hat.sqrt() + eps), m, v

    result = check_adam_step(swapped)
    assert not result.passed and "(1 - beta)" in result.message

    def in_place(param, grad, m, v, t, lr, beta1, beta2, eps):
        m.mul_(beta1).add_((1 - beta1) * grad)
        v.mul_(beta2).add_((1 - beta2) * grad ** 2)
        m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        return param - lr * m_hat / (v_hat.sqrt() + eps), m, v

    result = check_adam_step(in_place)
    assert not result.passed and "in place" in result.message


def test_adam_diagnoses_wrong_return_and_sign():
    result = check_adam_step(lambda *a, **k: adam_right(*a, **k)[0])
    assert not result.passed and "return 3 tensors" in result.message

    def uphill(*args, **kwargs):
        new, m, v = adam_right(*args, **kwargs)
        return 2 * args[0] - new, m, v

    result = check_adam_step(uphill)
    assert not result.passed and "the parameter" in result.message


# ---- warmup_linear ---------------------------------------------------------------

def warmup_right(step, warmup_steps, total_steps):
    if step < warmup_steps:
        return step / warmup_steps
    return max(0.0, (total_steps - step) / (total_steps - warmup_steps))


def test_warmup_passes_right_answer_and_works_with_lambda_lr():
    result = check_warmup_linear(warmup_right)
    assert result.passed, str(result)
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=1.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: warmup_right(s, 2, 4))
    rates = []
    for _ in range(5):
        rates.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    assert rates == [0.0, 0.5, 1.0, 0.5, 0.0]


@pytest.mark.parametrize("wrong,expected", [
    (lambda s, w, t: s // w if s < w else max(0.0, (t - s) / (t - w)), "whole number"),
    (lambda s, w, t: (s + 1) / w if s < w else max(0.0, (t - s) / (t - w)),
     "one step ahead"),
    (lambda s, w, t: s / w if s < w else (t - s) / (t - w), "negative after the end"),
    (lambda s, w, t: s / w if s < w else max(0.0, (t - s) / t), "too late"),
    (lambda s, w, t: min(s / w, 1.0) if s <= w else max(0.0, (t - s) / (t - w)),
     "divides by zero"),
    (lambda s, w, t: [s / w] if s < w else [max(0.0, (t - s) / (t - w))], "number"),
    (lambda s, w, t: 0.5, "factor is wrong"),
])
def test_warmup_diagnoses_typical_mistakes(wrong, expected):
    result = check_warmup_linear(wrong)
    assert not result.passed
    assert expected in result.message, result.message
