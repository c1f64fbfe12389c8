"""The exercise checks of *Activations and initialisation* accept right answers and
explain typical wrong ones."""

import math

import pytest
import torch

from dlbook.checks.activations_init import check_he_normal, check_mish_derivative


def softplus(x):
    return torch.nn.functional.softplus(x)


def mish_grad_right(x):
    t = torch.tanh(softplus(x))
    return t + x * (1 - t ** 2) * torch.sigmoid(x)


def mish_grad_no_chain(x):
    t = torch.tanh(softplus(x))
    return t + x * (1 - t ** 2)


def mish_grad_one_term(x):
    return torch.tanh(softplus(x))


def mish_grad_in_place(x):
    out = mish_grad_right(x.clone())
    x.mul_(2)
    return out


def test_mish_derivative():
    assert check_mish_derivative(mish_grad_right)
    result = check_mish_derivative(mish_grad_no_chain)
    assert not result and "chain rule" in result.message and "softplus" in result.hint
    result = check_mish_derivative(mish_grad_one_term)
    assert not result and "product rule" in result.message
    result = check_mish_derivative(mish_grad_in_place)
    assert not result and "changed its input" in result.message
    result = check_mish_derivative(lambda x: mish_grad_right(x).flatten())
    assert not result and "shape" in result.message
    # float32 is a right answer too, within float32's precision
    assert check_mish_derivative(lambda x: mish_grad_right(x).float())
    result = check_mish_derivative(lambda x: 1 / 0)
    assert not result and "ZeroDivisionError" in result.message
    with pytest.raises(TypeError, match="function"):
        check_mish_derivative(None)


def fans(shape):
    field = math.prod(shape[2:])
    return shape[1] * field, shape[0] * field


def he_right(shape):
    return torch.randn(shape) * math.sqrt(2 / fans(shape)[0])


def he_fan_out(shape):
    return torch.randn(shape) * math.sqrt(2 / fans(shape)[1])


def he_no_gain(shape):
    return torch.randn(shape) * math.sqrt(1 / fans(shape)[0])


def he_gain_on_std(shape):
    return torch.randn(shape) * 2 / math.sqrt(fans(shape)[0])


def he_ignores_kernel(shape):
    return torch.randn(shape) * math.sqrt(2 / shape[1])


def he_uniform(shape):
    bound = math.sqrt(3) * math.sqrt(2 / fans(shape)[0])
    return torch.empty(shape).uniform_(-bound, bound)


def he_transposed(shape):
    return he_right(shape).T if len(shape) == 2 else he_right(shape)


def test_he_normal():
    assert check_he_normal(he_right)
    cases = [(he_fan_out, "fan-out"), (he_no_gain, "half of its inputs"),
             (he_gain_on_std, "variance, not"), (he_ignores_kernel, "kernel position")]
    for wrong, hint in cases:
        result = check_he_normal(wrong)
        assert not result and "std" in result.message and hint in result.hint, wrong
    result = check_he_normal(he_uniform)
    assert not result and "not normal" in result.message
    result = check_he_normal(he_transposed)
    assert not result and "shape" in result.message
    result = check_he_normal(lambda shape: he_right(shape) + 0.1)
    assert not result and "mean 0" in result.message
    result = check_he_normal(lambda shape: he_right(shape).tolist())
    assert not result and "torch.Tensor" in result.message
