"""The from-scratch activations agree with torch.nn.functional: values and gradients."""

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from dlbook.training import activations as A

# name -> (our function with its keyword arguments, torch's reference)
CASES = {
    "sigmoid": ({}, torch.sigmoid),
    "tanh": ({}, torch.tanh),
    "relu": ({}, F.relu),
    "leaky_relu": ({"negative_slope": 0.1}, lambda x: F.leaky_relu(x, 0.1)),
    "elu": ({"alpha": 1.5}, lambda x: F.elu(x, 1.5)),
    "gelu": ({}, F.gelu),
    "gelu_tanh": ({"approximate": "tanh"}, lambda x: F.gelu(x, approximate="tanh")),
    "silu": ({}, F.silu),
    "softplus": ({"beta": 2.0}, lambda x: F.softplus(x, beta=2.0)),
}
MODULES = {
    "sigmoid": A.Sigmoid(), "tanh": A.Tanh(), "relu": A.ReLU(),
    "leaky_relu": A.LeakyReLU(0.1), "elu": A.ELU(1.5), "gelu": A.GELU(),
    "gelu_tanh": A.GELU("tanh"), "silu": A.SiLU(), "softplus": A.Softplus(2.0),
}


def atol(name):
    # torch's softplus returns x itself (gradient 1) once beta * x > 20; the exact
    # function differs from that by at most exp(-20) ~ 2e-9.
    return 5e-9 if name == "softplus" else 1e-12


def ours(name):
    kwargs, _ = CASES[name]
    f, df = A.ACTIVATIONS[name.replace("_tanh", "")]
    return (lambda x: f(x, **kwargs)), (lambda x: df(x, **kwargs))


def torch_grad(fn, x):
    x = x.detach().clone().requires_grad_(True)
    fn(x).sum().backward()
    return x.grad


tensors = arrays("float64", array_shapes(min_dims=1, max_dims=3, max_side=6),
                 elements=st.floats(-12, 12, allow_nan=False, allow_infinity=False)
                 ).map(torch.from_numpy)


@pytest.mark.parametrize("name", CASES)
@settings(max_examples=40, deadline=None)
@given(x=tensors)
def test_values_and_gradients_match_torch(name, x):
    f, df = ours(name)
    ref = CASES[name][1]
    torch.testing.assert_close(f(x), ref(x), atol=atol(name), rtol=1e-10)
    # the hand-written derivative against torch's autograd
    torch.testing.assert_close(df(x), torch_grad(ref, x), atol=atol(name), rtol=1e-10)
    # the module: forward value, and the gradient autograd gets through it
    module = MODULES[name]
    torch.testing.assert_close(module(x), ref(x), atol=atol(name), rtol=1e-10)
    torch.testing.assert_close(torch_grad(module, x), torch_grad(ref, x),
                               atol=atol(name), rtol=1e-10)


@pytest.mark.parametrize("name", CASES)
def test_special_points_and_extremes(name):
    f, df = ours(name)
    ref = CASES[name][1]
    x = torch.tensor([-1000.0, -50.0, -1e-300, 0.0, 1e-300, 50.0, 1000.0],
                     dtype=torch.float64)
    assert torch.isfinite(f(x)).all() and torch.isfinite(df(x)).all()
    torch.testing.assert_close(f(x), ref(x), atol=atol(name), rtol=1e-10)
    torch.testing.assert_close(df(x), torch_grad(ref, x), atol=atol(name), rtol=1e-10)


@pytest.mark.parametrize("name", CASES)
def test_modules_pass_gradcheck_in_float64(name):
    x = torch.linspace(-4, 4, 13, dtype=torch.float64).add(0.05).requires_grad_(True)
    assert torch.autograd.gradcheck(MODULES[name], (x,))


def test_float32_matches_too_and_keeps_dtype():
    x = torch.randn(100, generator=torch.Generator().manual_seed(0)) * 5
    for name, (kwargs, ref) in CASES.items():
        out = ours(name)[0](x)
        assert out.dtype == torch.float32
        torch.testing.assert_close(out, ref(x), atol=1e-6, rtol=1e-5)


def test_gelu_approximation_is_close_but_not_equal():
    x = torch.linspace(-5, 5, 1001, dtype=torch.float64)
    gap = (A.gelu(x) - A.gelu(x, approximate="tanh")).abs().max()
    assert 1e-5 < gap < 1e-3


def test_tanh_is_precise_for_tiny_inputs():
    x = torch.tensor([1e-20, -3e-12], dtype=torch.float64)
    torch.testing.assert_close(A.tanh(x), x, atol=0, rtol=1e-15)
    assert math.isclose(float(A.sigmoid(torch.tensor(0.0))), 0.5)


def test_bad_inputs_raise_clear_errors():
    x = torch.randn(3)
    with pytest.raises(TypeError, match="x"):
        A.relu([1.0, 2.0])
    with pytest.raises(TypeError, match="floating"):
        A.sigmoid(torch.arange(3))
    with pytest.raises(TypeError, match="negative_slope"):
        A.leaky_relu(x, negative_slope="0.1")
    with pytest.raises(TypeError, match="negative_slope"):
        A.LeakyReLU(None)
    with pytest.raises(ValueError, match="alpha"):
        A.elu(x, alpha=-1.0)
    with pytest.raises(ValueError, match="approximate"):
        A.GELU("erf")
    with pytest.raises(ValueError, match="beta"):
        A.softplus(x, beta=0.0)
    with pytest.raises(TypeError, match="f and df"):
        A.apply_activation(x, A.relu, None)


def test_modules_print_their_parameters():
    assert "negative_slope=0.2" in repr(A.LeakyReLU(0.2))
    assert "approximate='tanh'" in repr(A.GELU("tanh"))
