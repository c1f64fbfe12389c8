"""Inverted dropout and the L2 penalty against PyTorch (chapter *Regularization*)."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook.training.regularization import Dropout, dropout, l2_penalty

shapes = st.lists(st.integers(1, 12), min_size=1, max_size=4).map(tuple)
probabilities = st.floats(0.0, 0.95)


@settings(max_examples=40, deadline=None)
@given(shape=shapes, p=probabilities, seed=st.integers(0, 2**31 - 1),
       dtype=st.sampled_from([torch.float32, torch.float64]))
def test_dropout_matches_torch_exactly(shape, p, seed, dtype):
    x = torch.randn(shape, dtype=dtype, requires_grad=True)
    upstream = torch.randn(shape, dtype=dtype)
    torch.manual_seed(seed)
    ref = F.dropout(x, p, training=True)
    (ref_grad,) = torch.autograd.grad(ref, x, upstream)
    # Same draw from the global generator ...
    torch.manual_seed(seed)
    ours = dropout(x, p, training=True)
    (our_grad,) = torch.autograd.grad(ours, x, upstream)
    assert torch.equal(ours, ref)
    assert torch.equal(our_grad, ref_grad)
    # ... and from an explicit generator with the same seed.
    ours_g = dropout(x, p, True, generator=torch.Generator().manual_seed(seed))
    assert torch.equal(ours_g, ref)


def test_dropout_module_matches_nn_dropout():
    x = torch.randn(64, 30)
    ours, ref = Dropout(0.3), torch.nn.Dropout(0.3)
    torch.manual_seed(1)
    a = ref(x)
    torch.manual_seed(1)
    assert torch.equal(ours(x), a)
    ours.eval()
    ref.eval()
    assert torch.equal(ours(x), ref(x))
    assert torch.equal(ours(x), x)
    assert "p=0.3" in repr(ours)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_mask_relationship_keep_rate_and_gradient(p):
    x = torch.rand(200, 500, dtype=torch.float64) + 0.5  # no zeros in the input
    x.requires_grad_(True)
    y = dropout(x, p, True, generator=torch.Generator().manual_seed(0))
    mask = (y != 0).to(x.dtype)
    torch.testing.assert_close(y, x * mask / (1 - p))
    n = mask.numel()
    sd = (p * (1 - p) / n) ** 0.5
    assert abs(mask.mean().item() - (1 - p)) < 5 * sd
    (grad,) = torch.autograd.grad(y.sum(), x)
    torch.testing.assert_close(grad, mask / (1 - p))
    # Inverted dropout keeps the mean: E[y] = x (here up to sampling error).
    assert abs(y.mean().item() / x.mean().item() - 1) < 0.02


def test_identity_cases():
    x = torch.randn(10, 10, requires_grad=True)
    assert dropout(x, 0.5, training=False) is x
    assert dropout(x, 0.0, training=True) is x
    layer = Dropout(0.9).eval()
    assert torch.equal(layer(x), x)


def test_same_generator_seed_same_mask():
    x = torch.ones(1000)
    a = dropout(x, 0.5, True, torch.Generator().manual_seed(7))
    b = dropout(x, 0.5, True, torch.Generator().manual_seed(7))
    c = dropout(x, 0.5, True, torch.Generator().manual_seed(8))
    assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, float("nan")])
def test_bad_p(p):
    with pytest.raises(ValueError, match="p"):
        dropout(torch.ones(3), p)
    with pytest.raises(ValueError, match="p"):
        Dropout(p)


def test_bad_types():
    with pytest.raises(TypeError, match="x"):
        dropout([1.0, 2.0], 0.5)
    with pytest.raises(TypeError, match="x"):
        dropout(torch.ones(3, dtype=torch.int64), 0.5)
    with pytest.raises(TypeError, match="p"):
        dropout(torch.ones(3), "0.5")
    with pytest.raises(TypeError, match="training"):
        dropout(torch.ones(3), 0.5, training="yes")
    with pytest.raises(TypeError, match="generator"):
        dropout(torch.ones(3), 0.5, True, generator=0)
    with pytest.raises(TypeError, match="generator"):
        Dropout(0.5, generator=0)


def test_l2_penalty_value_and_gradient():
    gen = torch.Generator().manual_seed(0)
    ws = [torch.randn(4, 3, generator=gen, dtype=torch.float64, requires_grad=True),
          torch.randn(5, generator=gen, dtype=torch.float64, requires_grad=True)]
    pen = l2_penalty(ws, 0.3)
    assert pen.item() == pytest.approx(0.15 * sum((w ** 2).sum().item() for w in ws))
    grads = torch.autograd.grad(pen, ws)
    for w, g in zip(ws, grads):
        torch.testing.assert_close(g, 0.3 * w)
    assert l2_penalty(ws[1], 0.0).item() == 0.0


def test_l2_penalty_is_sgd_weight_decay():
    def run(use_penalty):
        torch.manual_seed(0)
        net = torch.nn.Linear(6, 2).double()
        X = torch.randn(20, 6, dtype=torch.float64)
        y = torch.randn(20, 2, dtype=torch.float64)
        opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9,
                              weight_decay=0.0 if use_penalty else 0.05)
        for _ in range(50):
            opt.zero_grad()
            loss = F.mse_loss(net(X), y)
            if use_penalty:
                loss = loss + l2_penalty(net.parameters(), 0.05)
            loss.backward()
            opt.step()
        return torch.cat([p.detach().flatten() for p in net.parameters()])

    torch.testing.assert_close(run(True), run(False), atol=1e-12, rtol=1e-10)


def test_l2_penalty_bad_inputs():
    w = torch.ones(3)
    with pytest.raises(ValueError, match="weight_decay"):
        l2_penalty([w], -1.0)
    with pytest.raises(ValueError, match="params"):
        l2_penalty([], 0.1)
    with pytest.raises(TypeError, match="params"):
        l2_penalty([[1.0, 2.0]], 0.1)
