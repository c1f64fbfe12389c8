"""dlbook.fundamentals.matrix_backprop against torch.autograd: values for many shapes, bad inputs."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st

from dlbook.fundamentals.matrix_backprop import linear_backward, softmax_cross_entropy_backward

SETTINGS = settings(max_examples=40, deadline=None)
sizes = st.integers(1, 7)


def _randn(g, *shape):
    return torch.randn(*shape, generator=g, dtype=torch.float64)


@SETTINGS
@given(seed=st.integers(0, 2**31 - 1), n=sizes, d=sizes, m=sizes)
def test_linear_backward_matches_autograd(seed, n, d, m):
    g = torch.Generator().manual_seed(seed)
    X, W, b = (_randn(g, *s).requires_grad_() for s in ((n, d), (m, d), (m,)))
    Y = X @ W.T + b
    dY = _randn(g, n, m)          # the gradient arriving from the layers above
    (Y * dY).sum().backward()     # a loss whose gradient with respect to Y is dY
    dX, dW, db = linear_backward(dY, X.detach(), W.detach())
    for ours, theirs in ((dX, X.grad), (dW, W.grad), (db, b.grad)):
        assert ours.shape == theirs.shape
        torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)


@SETTINGS
@given(seed=st.integers(0, 2**31 - 1), n=sizes, c=st.integers(1, 7),
       scale=st.sampled_from([0.1, 1.0, 10.0, 1e3]))
def test_softmax_cross_entropy_backward_matches_autograd(seed, n, c, scale):
    g = torch.Generator().manual_seed(seed)
    Z = (scale * _randn(g, n, c)).requires_grad_()
    y = torch.randint(0, c, (n,), generator=g)
    F.cross_entropy(Z, y).backward()
    dZ = softmax_cross_entropy_backward(Z.detach(), y)
    torch.testing.assert_close(dZ, Z.grad, rtol=1e-10, atol=1e-12)
    # each row of dZ sums to zero: probabilities and a one-hot both sum to one
    torch.testing.assert_close(dZ.sum(dim=1), torch.zeros(n, dtype=Z.dtype), atol=1e-12,
                               rtol=0)


def test_two_layer_network_gradients_match_autograd():
    g = torch.Generator().manual_seed(0)
    X, y = _randn(g, 16, 5), torch.randint(0, 3, (16,), generator=g)
    W1, b1 = _randn(g, 8, 5).requires_grad_(), _randn(g, 8).requires_grad_()
    W2, b2 = _randn(g, 3, 8).requires_grad_(), _randn(g, 3).requires_grad_()
    H = X @ W1.T + b1
    A = torch.relu(H)
    Z = A @ W2.T + b2
    F.cross_entropy(Z, y).backward()
    dZ = softmax_cross_entropy_backward(Z.detach(), y)
    dA, dW2, db2 = linear_backward(dZ, A.detach(), W2.detach())
    dH = dA * (H.detach() > 0)
    _, dW1, db1 = linear_backward(dH, X, W1.detach())
    for ours, p in ((dW1, W1), (db1, b1), (dW2, W2), (db2, b2)):
        torch.testing.assert_close(ours, p.grad, rtol=1e-10, atol=1e-12)


def test_float32_matches_autograd():
    g = torch.Generator().manual_seed(1)
    X = torch.randn(4, 3, generator=g, requires_grad=True)
    W = torch.randn(2, 3, generator=g, requires_grad=True)
    y = torch.tensor([0, 1, 1, 0])
    Z = X @ W.T
    F.cross_entropy(Z, y).backward()
    dX, dW, _ = linear_backward(softmax_cross_entropy_backward(Z.detach(), y),
                                X.detach(), W.detach())
    torch.testing.assert_close(dX, X.grad)
    torch.testing.assert_close(dW, W.grad)


@pytest.mark.parametrize("args, error, match", [
    ((torch.zeros(2, 2), torch.zeros(2, 4), torch.zeros(3, 4)), ValueError, "dY"),
    ((torch.zeros(2, 3), torch.zeros(2, 4), torch.zeros(3, 5)), ValueError, "W"),
    ((torch.zeros(2, 3), torch.zeros(2, 4, dtype=torch.float64), torch.zeros(3, 4)),
     TypeError, "dtype"),
    ((torch.zeros(2, 3), torch.zeros(4), torch.zeros(3, 4)), ValueError, "X"),
    (([[0.0]], torch.zeros(1, 1), torch.zeros(1, 1)), TypeError, "dY"),
])
def test_linear_backward_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        linear_backward(*args)


@pytest.mark.parametrize("args, error, match", [
    ((torch.zeros(2, 3), torch.tensor([0, 3])), ValueError, "y"),
    ((torch.zeros(2, 3), torch.tensor([0])), ValueError, "y"),
    ((torch.zeros(2, 3), torch.tensor([0.0, 1.0])), TypeError, "y"),
    ((torch.zeros(0, 3), torch.tensor([], dtype=torch.long)), ValueError, "Z"),
    ((torch.zeros(3), torch.tensor([0])), ValueError, "Z"),
])
def test_softmax_cross_entropy_backward_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        softmax_cross_entropy_backward(*args)
