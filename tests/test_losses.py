"""dlbook.fundamentals.losses against torch.nn.functional: values, gradients, extremes, bad inputs."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st

from dlbook.fundamentals.losses import (binary_cross_entropy_with_logits, cross_entropy, log_softmax,
                           logsumexp, softmax)

SETTINGS = settings(max_examples=40, deadline=None)


def _logits(seed: int, shape: tuple[int, ...], scale: float) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return (scale * torch.randn(shape, generator=g, dtype=torch.float64)).requires_grad_()


def _grads(fn, x: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Value of fn(x) and the gradient of a random weighting of it."""
    out = fn(x)
    g = torch.Generator().manual_seed(seed + 1)
    weights = torch.randn(out.shape, generator=g, dtype=out.dtype)
    (grad,) = torch.autograd.grad((out * weights).sum(), x)
    return out.detach(), grad


shapes = st.lists(st.integers(1, 6), min_size=1, max_size=3).map(tuple)
scales = st.sampled_from([0.1, 1.0, 10.0, 1e3])


@SETTINGS
@given(seed=st.integers(0, 2**31 - 1), shape=shapes, scale=scales, data=st.data())
def test_softmax_and_log_softmax_match_torch(seed, shape, scale, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    x = _logits(seed, shape, scale)
    for ours, theirs in ((softmax, F.softmax), (log_softmax, F.log_softmax)):
        got, got_grad = _grads(lambda t: ours(t, dim=dim), x, seed)
        want, want_grad = _grads(lambda t: theirs(t, dim=dim), x, seed)
        assert torch.allclose(got, want, rtol=1e-10, atol=1e-12)
        assert torch.allclose(got_grad, want_grad, rtol=1e-9, atol=1e-10)


@SETTINGS
@given(seed=st.integers(0, 2**31 - 1), shape=shapes, scale=scales)
def test_logsumexp_matches_torch(seed, shape, scale):
    x = _logits(seed, shape, scale)
    got, got_grad = _grads(lambda t: logsumexp(t, dim=-1), x, seed)
    want, want_grad = _grads(lambda t: torch.logsumexp(t, dim=-1), x, seed)
    assert torch.allclose(got, want, rtol=1e-10, atol=1e-12)
    assert torch.allclose(got_grad, want_grad, rtol=1e-9, atol=1e-10)


@SETTINGS
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(1, 12), c=st.integers(1, 8),
       scale=scales)
def test_cross_entropy_matches_torch(seed, n, c, scale):
    x = _logits(seed, (n, c), scale)
    y = torch.randint(0, c, (n,), generator=torch.Generator().manual_seed(seed))
    got = cross_entropy(x, y)
    want = F.cross_entropy(x, y)
    assert torch.allclose(got, want, rtol=1e-10, atol=1e-12)
    (got_grad,) = torch.autograd.grad(got, x)
    (want_grad,) = torch.autograd.grad(want, x)
    assert torch.allclose(got_grad, want_grad, rtol=1e-9, atol=1e-12)


@SETTINGS
@given(seed=st.integers(0, 2**31 - 1), shape=shapes, scale=scales,
       hard=st.booleans())
def test_binary_cross_entropy_with_logits_matches_torch(seed, shape, scale, hard):
    x = _logits(seed, shape, scale)
    g = torch.Generator().manual_seed(seed + 7)
    t = torch.rand(shape, generator=g, dtype=torch.float64)
    t = (t > 0.5).double() if hard else t
    got = binary_cross_entropy_with_logits(x, t)
    want = F.binary_cross_entropy_with_logits(x, t)
    assert torch.allclose(got, want, rtol=1e-10, atol=1e-12)
    (got_grad,) = torch.autograd.grad(got, x)
    (want_grad,) = torch.autograd.grad(want, x)
    assert torch.allclose(got_grad, want_grad, rtol=1e-9, atol=1e-12)


def test_float32_agrees_with_torch():
    x = torch.randn(16, 10, generator=torch.Generator().manual_seed(0))
    y = torch.arange(16) % 10
    assert torch.allclose(cross_entropy(x, y), F.cross_entropy(x, y), atol=1e-6)
    assert torch.allclose(softmax(x), F.softmax(x, dim=-1), atol=1e-6)


@pytest.mark.parametrize("big", [1e4, 1e30, -1e4])
def test_extreme_logits_stay_finite(big):
    x = torch.tensor([[big, 0.0, -big], [big, big, 0.0]], requires_grad=True)
    y = torch.tensor([1, 2])
    for value in (softmax(x), log_softmax(x), cross_entropy(x, y)):
        assert torch.isfinite(value).all()
    loss = cross_entropy(x, y)
    loss.backward()
    assert torch.isfinite(x.grad).all()
    assert torch.allclose(loss, F.cross_entropy(x, y))
    assert torch.allclose(x.grad, torch.autograd.grad(F.cross_entropy(x, y), x)[0])
    z = torch.tensor([big, -big, 0.0], requires_grad=True)
    t = torch.tensor([0.0, 1.0, 0.5])
    bce = binary_cross_entropy_with_logits(z, t)
    bce.backward()
    assert torch.isfinite(bce) and torch.isfinite(z.grad).all()
    assert torch.allclose(bce, F.binary_cross_entropy_with_logits(z, t))


def test_zero_logit_gradient_is_exact():
    # At z = 0 the derivative of the binary loss is sigmoid(0) - t = 0.5 - t.
    z = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    t = torch.tensor([0.0, 0.5, 1.0], dtype=torch.float64)
    binary_cross_entropy_with_logits(z, t).backward()
    assert torch.allclose(z.grad, (0.5 - t) / 3)


def test_softmax_rows_sum_to_one_and_ignore_shifts():
    x = torch.randn(5, 7, dtype=torch.float64)
    p = softmax(x, dim=1)
    assert torch.allclose(p.sum(1), torch.ones(5, dtype=torch.float64))
    assert torch.allclose(softmax(x + 123.0, dim=1), p)


@pytest.mark.parametrize("logits, targets, match", [
    (torch.zeros(3, 4), torch.tensor([0, 1, 4]), "targets"),
    (torch.zeros(3, 4), torch.tensor([0, -1, 2]), "targets"),
    (torch.zeros(3, 4), torch.tensor([0, 1]), "targets"),
    (torch.zeros(3, 4), torch.tensor([[0, 1, 2]]), "targets"),
    (torch.zeros(12), torch.tensor([0, 1, 2]), "logits"),
    (torch.zeros(0, 4), torch.zeros(0, dtype=torch.long), "logits"),
])
def test_cross_entropy_rejects_bad_inputs(logits, targets, match):
    with pytest.raises(ValueError, match=match):
        cross_entropy(logits, targets)


def test_cross_entropy_rejects_wrong_types():
    with pytest.raises(TypeError, match="targets"):
        cross_entropy(torch.zeros(2, 3), torch.tensor([0.0, 1.0]))
    with pytest.raises(TypeError, match="logits"):
        cross_entropy(torch.zeros(2, 3, dtype=torch.long), torch.tensor([0, 1]))
    with pytest.raises(TypeError, match="logits"):
        cross_entropy([[0.0, 1.0]], torch.tensor([0]))


def test_binary_cross_entropy_rejects_bad_targets():
    z = torch.zeros(3)
    with pytest.raises(ValueError, match=r"targets must be probabilities in \[0, 1\]"):
        binary_cross_entropy_with_logits(z, torch.tensor([0.0, 1.5, 0.2]))
    with pytest.raises(ValueError, match="targets"):
        binary_cross_entropy_with_logits(z, torch.tensor([0.0, -0.1, 0.2]))
    with pytest.raises(ValueError, match="shape"):
        binary_cross_entropy_with_logits(z, torch.zeros(3, 1))
    with pytest.raises(TypeError, match="logits"):
        binary_cross_entropy_with_logits(torch.zeros(3, dtype=torch.long), torch.zeros(3))


def test_softmax_rejects_bad_dim_and_scalars():
    with pytest.raises(ValueError, match="dim"):
        softmax(torch.zeros(2, 3), dim=2)
    with pytest.raises(ValueError, match="dim"):
        log_softmax(torch.zeros(2, 3), dim=-3)
    with pytest.raises(TypeError, match="dim"):
        log_softmax(torch.zeros(2, 3), dim=1.0)
    with pytest.raises(ValueError, match="logits"):
        softmax(torch.tensor(1.0))
    with pytest.raises(TypeError, match="logits"):
        softmax(torch.tensor([1, 2, 3]))
