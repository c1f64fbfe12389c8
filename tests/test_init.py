"""The from-scratch initialisers agree with torch.nn.init."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook.training import init as I

SHAPES = [(300, 200), (64, 16, 3, 3), (50, 700), (8, 4, 5)]
PAIRS = [  # (ours, torch's, keyword arguments)
    (I.xavier_uniform_, torch.nn.init.xavier_uniform_, {}),
    (I.xavier_uniform_, torch.nn.init.xavier_uniform_, {"gain": 5 / 3}),
    (I.xavier_normal_, torch.nn.init.xavier_normal_, {"gain": 2.0}),
    (I.kaiming_uniform_, torch.nn.init.kaiming_uniform_, {}),
    (I.kaiming_uniform_, torch.nn.init.kaiming_uniform_,
     {"a": 0.2, "mode": "fan_out"}),
    (I.kaiming_normal_, torch.nn.init.kaiming_normal_, {"nonlinearity": "relu"}),
    (I.kaiming_normal_, torch.nn.init.kaiming_normal_,
     {"mode": "fan_out", "nonlinearity": "tanh"}),
]


@pytest.mark.parametrize("shape", SHAPES)
def test_fans_match_torch(shape):
    w = torch.empty(shape)
    assert I.fan_in_and_fan_out(w) == torch.nn.init._calculate_fan_in_and_fan_out(w)


@pytest.mark.parametrize("nonlinearity", I.NONLINEARITIES)
def test_gains_match_torch(nonlinearity):
    torch_name = "linear" if nonlinearity == "identity" else nonlinearity
    assert I.calculate_gain(nonlinearity) == pytest.approx(
        torch.nn.init.calculate_gain(torch_name), rel=1e-15)


@settings(max_examples=30, deadline=None)
@given(slope=st.floats(-10, 10, allow_nan=False) | st.integers(-5, 5))
def test_leaky_relu_gain_matches_torch_for_any_slope(slope):
    assert I.calculate_gain("leaky_relu", slope) == pytest.approx(
        torch.nn.init.calculate_gain("leaky_relu", slope), rel=1e-15)


@pytest.mark.parametrize("ours, theirs, kwargs", PAIRS)
@pytest.mark.parametrize("shape", SHAPES)
def test_same_numbers_as_torch_for_the_same_seed(ours, theirs, kwargs, shape):
    a, b = torch.empty(shape), torch.empty(shape)
    assert ours(a, generator=torch.Generator().manual_seed(7), **kwargs) is a
    theirs(b, generator=torch.Generator().manual_seed(7), **kwargs)
    assert torch.equal(a, b)
    # and through the global generator, as a reader would call them
    torch.manual_seed(3)
    ours(a, **kwargs)
    torch.manual_seed(3)
    theirs(b, **kwargs)
    assert torch.equal(a, b)


def expected_std(kind, shape, **kwargs):
    fan_in, fan_out = I.fan_in_and_fan_out(torch.empty(shape))
    if kind.startswith("xavier"):
        return kwargs.get("gain", 1.0) * math.sqrt(2 / (fan_in + fan_out))
    fan = fan_in if kwargs.get("mode", "fan_in") == "fan_in" else fan_out
    gain = torch.nn.init.calculate_gain(kwargs.get("nonlinearity", "leaky_relu"),
                                        kwargs.get("a", 0))
    return gain / math.sqrt(fan)


@pytest.mark.parametrize("ours, theirs, kwargs", PAIRS)
def test_distribution_statistics(ours, theirs, kwargs):
    """Large samples: mean 0, the predicted std, and uniform draws inside the bound."""
    shape = (500, 40, 3, 3)  # 180,000 numbers: the sample std is within ~0.5 %
    w = ours(torch.empty(shape, dtype=torch.float64),
             generator=torch.Generator().manual_seed(0), **kwargs)
    std = expected_std(ours.__name__, shape, **kwargs)
    n = w.numel()
    assert abs(w.mean().item()) < 5 * std / math.sqrt(n)
    assert w.std().item() == pytest.approx(std, rel=0.01)
    if "uniform" in ours.__name__:
        bound = math.sqrt(3) * std
        assert w.abs().max().item() <= bound
        assert w.abs().max().item() > 0.999 * bound
    else:
        # a normal's fourth moment is 3 std^4; a uniform's would be 1.8 std^4
        assert (w ** 4).mean().item() / std ** 4 == pytest.approx(3.0, rel=0.05)


def test_std_helpers():
    assert I.xavier_std(100, 300) == pytest.approx(math.sqrt(2 / 400))
    assert I.kaiming_std(50) == pytest.approx(math.sqrt(2 / 50))
    assert I.kaiming_std(50, gain=1.0) == pytest.approx(math.sqrt(1 / 50))


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        I.fan_in_and_fan_out(torch.empty(5))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        I.kaiming_normal_(torch.empty(5))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        I.xavier_uniform_(torch.tensor(1.0))
    with pytest.raises(TypeError, match="tensor"):
        I.xavier_normal_([[1.0, 2.0]])
    with pytest.raises(TypeError, match="negative slope"):
        I.calculate_gain("leaky_relu", "0.2")
    with pytest.raises(TypeError, match="negative slope"):
        I.kaiming_uniform_(torch.empty(3, 4), a=True)
    with pytest.raises(ValueError, match="nonlinearity"):
        I.calculate_gain("swish")
    with pytest.raises(ValueError, match="mode"):
        I.kaiming_uniform_(torch.empty(3, 4), mode="fan_avg")
    with pytest.raises(ValueError, match="gain"):
        I.xavier_uniform_(torch.empty(3, 4), gain=0.0)
    with pytest.raises(TypeError, match="floating"):
        I.kaiming_normal_(torch.empty(3, 4, dtype=torch.int64))
    with pytest.raises(ValueError, match="elements"):
        I.xavier_normal_(torch.empty(0, 4))
    with pytest.raises(TypeError, match="generator"):
        I.xavier_normal_(torch.empty(3, 4), generator=0)
