"""dlbook.training.normalization against torch.nn.BatchNorm1d/2d and torch.nn.LayerNorm."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from dlbook.training.normalization import BatchNorm1d, BatchNorm2d, LayerNorm

TOL = dict(atol=1e-10, rtol=1e-9)  # float64 throughout


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny models run fastest on one thread, above all on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _pair(ours_cls, theirs_cls, channels, seed, **kwargs):
    """Our module and torch's, float64, with the same random affine parameters."""
    ours = ours_cls(channels, **kwargs).double()
    theirs = theirs_cls(channels, **kwargs).double()
    g = torch.Generator().manual_seed(seed)
    if getattr(ours, "weight", None) is not None:
        with torch.no_grad():
            w = 1 + 0.5 * torch.randn(ours.weight.shape, generator=g, dtype=torch.float64)
            ours.weight.copy_(w)
            theirs.weight.copy_(w)
    if getattr(ours, "bias", None) is not None:
        with torch.no_grad():
            b = torch.randn(ours.bias.shape, generator=g, dtype=torch.float64)
            ours.bias.copy_(b)
            theirs.bias.copy_(b)
    return ours, theirs


def _step(ours, theirs, x, g):
    """One forward and backward pass of both; compare outputs and all gradients."""
    xa = x.clone().requires_grad_(True)
    xb = x.clone().requires_grad_(True)
    ya, yb = ours(xa), theirs(xb)
    assert torch.allclose(ya, yb, **TOL)
    upstream = torch.randn(ya.shape, generator=g, dtype=torch.float64)
    ya.backward(upstream)
    yb.backward(upstream)
    assert torch.allclose(xa.grad, xb.grad, **TOL)
    for name in ("weight", "bias"):
        pa, pb = getattr(ours, name, None), getattr(theirs, name, None)
        if pa is not None:
            assert torch.allclose(pa.grad, pb.grad, **TOL), name
            pa.grad, pb.grad = None, None


def _check_running(ours, theirs):
    assert torch.allclose(ours.running_mean, theirs.running_mean, **TOL)
    assert torch.allclose(ours.running_var, theirs.running_var, **TOL)
    assert int(ours.num_batches_tracked) == int(theirs.num_batches_tracked)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 9), c=st.integers(1, 6), length=st.sampled_from([None, 1, 5]),
       momentum=st.sampled_from([0.1, 0.5, 1.0, 0.0, None]), affine=st.booleans(),
       seed=st.integers(0, 10_000))
def test_batchnorm1d_matches_torch_in_train_and_eval(n, c, length, momentum, affine, seed):
    ours, theirs = _pair(BatchNorm1d, nn.BatchNorm1d, c, seed, momentum=momentum,
                         affine=affine)
    g = torch.Generator().manual_seed(seed)
    shape = (n, c) if length is None else (n, c, length)
    for _ in range(4):  # several training steps: running statistics accumulate
        x = 3 * torch.randn(shape, generator=g, dtype=torch.float64) + 2
        _step(ours, theirs, x, g)
        _check_running(ours, theirs)
    ours.eval()
    theirs.eval()
    x = torch.randn(shape, generator=g, dtype=torch.float64)
    _step(ours, theirs, x, g)
    _check_running(ours, theirs)  # evaluation leaves the running statistics alone


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 5), c=st.integers(1, 5), h=st.integers(1, 5), w=st.integers(2, 5),
       momentum=st.sampled_from([0.1, 0.9, None]), seed=st.integers(0, 10_000))
def test_batchnorm2d_matches_torch_in_train_and_eval(n, c, h, w, momentum, seed):
    ours, theirs = _pair(BatchNorm2d, nn.BatchNorm2d, c, seed, momentum=momentum)
    g = torch.Generator().manual_seed(seed)
    for _ in range(3):
        x = torch.randn((n, c, h, w), generator=g, dtype=torch.float64) * 2 - 1
        _step(ours, theirs, x, g)
        _check_running(ours, theirs)
    ours.eval()
    theirs.eval()
    _step(ours, theirs, torch.randn((n, c, h, w), generator=g, dtype=torch.float64), g)


def test_running_variance_is_unbiased_and_momentum_none_averages():
    x1 = torch.tensor([[1.0], [3.0]])
    x2 = torch.tensor([[5.0], [9.0], [13.0]])
    bn = BatchNorm1d(1, momentum=None)
    bn(x1)
    bn(x2)
    # cumulative average of the batch means and of the unbiased batch variances
    assert torch.allclose(bn.running_mean, torch.tensor([(2.0 + 9.0) / 2]))
    assert torch.allclose(bn.running_var, torch.tensor([(2.0 + 16.0) / 2]))
    bn = BatchNorm1d(1, momentum=0.1)
    bn(x1)
    assert torch.allclose(bn.running_var, torch.tensor([0.9 * 1 + 0.1 * 2.0]))


def test_float32_default_and_state_dicts_are_interchangeable():
    torch.manual_seed(0)
    ours, theirs = BatchNorm2d(3), nn.BatchNorm2d(3)
    assert ours.state_dict().keys() == theirs.state_dict().keys()
    for _ in range(3):
        theirs(torch.randn(4, 3, 5, 5))
    ours.load_state_dict(theirs.state_dict())
    ours.eval()
    theirs.eval()
    x = torch.randn(2, 3, 5, 5)
    assert torch.allclose(ours(x), theirs(x), atol=1e-6)
    ln_ours, ln_theirs = LayerNorm(4), nn.LayerNorm(4)
    assert ln_ours.state_dict().keys() == ln_theirs.state_dict().keys()


@settings(max_examples=25, deadline=None)
@given(batch=st.lists(st.integers(1, 4), min_size=0, max_size=2),
       normalized=st.lists(st.integers(1, 5), min_size=1, max_size=2),
       affine=st.booleans(), bias=st.booleans(), seed=st.integers(0, 10_000))
def test_layernorm_matches_torch(batch, normalized, affine, bias, seed):
    ours = LayerNorm(normalized, elementwise_affine=affine, bias=bias).double()
    theirs = nn.LayerNorm(normalized, elementwise_affine=affine, bias=bias).double()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name in ("weight", "bias"):
            if getattr(ours, name) is not None:
                p = torch.randn(getattr(ours, name).shape, generator=g, dtype=torch.float64)
                getattr(ours, name).copy_(p)
                getattr(theirs, name).copy_(p)
    x = 5 * torch.randn((*batch, *normalized), generator=g, dtype=torch.float64) - 1
    for mode in (True, False):  # layer norm does the same in both modes
        ours.train(mode)
        theirs.train(mode)
        _step(ours, theirs, x, g)


def test_eval_mode_output_does_not_depend_on_the_batch():
    torch.manual_seed(0)
    bn = BatchNorm1d(4)
    for _ in range(5):
        bn(torch.randn(16, 4) * 2 + 1)
    bn.eval()
    x = torch.randn(8, 4)
    assert torch.allclose(bn(x)[:1], bn(x[:1]))
    bn.train()
    assert not torch.allclose(bn(x)[:2], bn(x[:2]))


def test_bad_arguments_raise_and_name_the_argument():
    with pytest.raises(ValueError, match="num_features"):
        BatchNorm1d(3)(torch.randn(4, 5))
    with pytest.raises(ValueError, match="num_features"):
        BatchNorm2d(3)(torch.randn(4, 2, 5, 5))
    with pytest.raises(ValueError, match=r"\bx\b"):
        BatchNorm2d(3)(torch.randn(4, 3))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        BatchNorm1d(3)(torch.randn(1, 3))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        BatchNorm2d(3)(torch.randn(1, 3, 1, 1))
    bn = BatchNorm1d(3).eval()
    assert bn(torch.randn(1, 3)).shape == (1, 3)  # one example is fine in eval mode
    for bad in (0.0, -1e-5):
        with pytest.raises(ValueError, match="eps"):
            BatchNorm1d(3, eps=bad)
        with pytest.raises(ValueError, match="eps"):
            LayerNorm(3, eps=bad)
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="momentum"):
            BatchNorm2d(3, momentum=bad)
    with pytest.raises(ValueError, match="num_features"):
        BatchNorm1d(0)
    with pytest.raises(TypeError, match="num_features"):
        BatchNorm1d(2.5)
    with pytest.raises(ValueError, match="normalized_shape"):
        LayerNorm((3, 4))(torch.randn(2, 4, 3))
    with pytest.raises(ValueError, match="normalized_shape"):
        LayerNorm(0)
    with pytest.raises(TypeError, match=r"\bx\b"):
        LayerNorm(3)([1.0, 2.0, 3.0])
