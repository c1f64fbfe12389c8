"""dlbook.fundamentals.linear against NumPy, scikit-learn and torch.autograd references."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook.fundamentals.linear import (GDResult, add_bias_column, gradient_descent, least_squares,
                           mse, mse_gradient, mse_grid, r2_score)

SETTINGS = settings(max_examples=25, deadline=None)


def _data(n: int, d: int, seed: int, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=dtype)
    w = torch.randn(d, generator=g, dtype=dtype)
    y = X @ w + 0.3 + 0.1 * torch.randn(n, generator=g, dtype=dtype)
    return X, y


def test_add_bias_column():
    X = torch.arange(6.0).reshape(3, 2)
    A = add_bias_column(X)
    assert A.shape == (3, 3)
    assert torch.equal(A[:, :2], X) and torch.equal(A[:, 2], torch.ones(3))
    w, b = torch.tensor([2.0, -1.0]), torch.tensor(0.5)
    assert torch.allclose(A @ torch.cat([w, b[None]]), X @ w + b)


@SETTINGS
@given(n=st.integers(1, 40), seed=st.integers(0, 2**16))
def test_mse_matches_torch(n, seed):
    g = torch.Generator().manual_seed(seed)
    pred, y = torch.randn(2, n, generator=g, dtype=torch.float64)
    assert torch.allclose(mse(pred, y), F.mse_loss(pred, y), rtol=1e-12, atol=1e-12)


@SETTINGS
@given(n=st.integers(12, 60), d=st.integers(1, 8), seed=st.integers(0, 2**16))
def test_least_squares_matches_numpy(n, d, seed):
    X, y = _data(n, d, seed)
    A = np.hstack([X.numpy(), np.ones((n, 1))])
    want, *_ = np.linalg.lstsq(A, y.numpy(), rcond=None)
    for method in ("lstsq", "solve"):
        w, b = least_squares(X, y, method=method)
        assert w.shape == (d,) and b.shape == ()
        assert np.allclose(w.numpy(), want[:-1], atol=1e-8)
        assert np.allclose(b.item(), want[-1], atol=1e-8)


def test_least_squares_matches_sklearn_and_zero_gradient():
    from sklearn.linear_model import LinearRegression

    X, y = _data(50, 4, seed=3)
    ref = LinearRegression().fit(X.numpy(), y.numpy())
    w, b = least_squares(X, y)
    assert np.allclose(w.numpy(), ref.coef_, atol=1e-10)
    assert np.isclose(b.item(), ref.intercept_, atol=1e-10)
    # The minimum is where the gradient vanishes.
    grad_w, grad_b = mse_gradient(X, y, w, b)
    assert grad_w.abs().max() < 1e-10 and abs(grad_b) < 1e-10


@SETTINGS
@given(n=st.integers(1, 50), d=st.integers(1, 10), seed=st.integers(0, 2**16))
def test_mse_gradient_matches_autograd(n, d, seed):
    X, y = _data(n, d, seed)
    g = torch.Generator().manual_seed(seed + 1)
    w = torch.randn(d, generator=g, dtype=torch.float64, requires_grad=True)
    b = torch.randn((), generator=g, dtype=torch.float64, requires_grad=True)
    F.mse_loss(X @ w + b, y).backward()
    grad_w, grad_b = mse_gradient(X, y, w.detach(), b.detach())
    assert torch.allclose(grad_w, w.grad, rtol=1e-10, atol=1e-12)
    assert torch.allclose(grad_b, b.grad, rtol=1e-10, atol=1e-12)


def test_gradient_descent_matches_torch_optim_sgd():
    X, y = _data(30, 3, seed=1)
    w0 = torch.tensor([0.5, -0.2, 0.1], dtype=torch.float64)
    result = gradient_descent(X, y, lr=0.05, steps=40, w0=w0, b0=0.3)
    assert isinstance(result, GDResult)
    assert result.path.shape == (41, 4) and result.losses.shape == (41,)
    assert torch.equal(result.path[0], torch.tensor([0.5, -0.2, 0.1, 0.3],
                                                    dtype=torch.float64))
    model = torch.nn.Linear(3, 1).double()
    with torch.no_grad():
        model.weight.copy_(w0[None])
        model.bias.fill_(0.3)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    for t in range(40):
        loss = F.mse_loss(model(X).squeeze(1), y)
        assert torch.isclose(result.losses[t], loss.detach(), rtol=1e-12)
        opt.zero_grad()
        loss.backward()
        opt.step()
        params = torch.cat([model.weight.detach()[0], model.bias.detach()])
        assert torch.allclose(result.path[t + 1], params, rtol=1e-10, atol=1e-12)
    assert torch.allclose(result.w, model.weight.detach()[0], atol=1e-12)
    assert torch.allclose(result.b, model.bias.detach()[0], atol=1e-12)


def test_gradient_descent_reaches_least_squares_and_diverges_when_lr_too_large():
    X, y = _data(40, 3, seed=2)
    w_star, b_star = least_squares(X, y)
    result = gradient_descent(X, y, lr=0.1, steps=2000)
    assert torch.allclose(result.w, w_star, atol=1e-8)
    assert torch.isclose(result.b, b_star, atol=1e-8)
    assert result.losses[-1] <= result.losses[0]
    # Beyond 2 / (largest eigenvalue of the Hessian) the iteration is unstable.
    A = add_bias_column(X)
    lr_max = 2.0 / torch.linalg.eigvalsh(2.0 / len(X) * A.T @ A).max().item()
    bad = gradient_descent(X, y, lr=1.2 * lr_max, steps=100)
    assert bad.losses[-1] > 100 * bad.losses[0]


def test_gradient_descent_does_not_modify_its_inputs():
    X, y = _data(10, 2, seed=4)
    w0 = torch.zeros(2, dtype=torch.float64)
    X_copy, y_copy = X.clone(), y.clone()
    gradient_descent(X, y, lr=0.1, steps=5, w0=w0)
    assert torch.equal(X, X_copy) and torch.equal(y, y_copy)
    assert torch.equal(w0, torch.zeros(2, dtype=torch.float64))


@SETTINGS
@given(n=st.integers(1, 30), nw=st.integers(1, 7), nb=st.integers(1, 7),
       seed=st.integers(0, 2**16))
def test_mse_grid_matches_pointwise_mse(n, nw, nb, seed):
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(2, n, generator=g, dtype=torch.float64)
    ws = torch.linspace(-2, 2, nw, dtype=torch.float64)
    bs = torch.linspace(-1, 3, nb, dtype=torch.float64)
    grid = mse_grid(x, y, ws, bs)
    assert grid.shape == (nb, nw)
    for i in range(nb):
        for j in range(nw):
            assert torch.isclose(grid[i, j], F.mse_loss(ws[j] * x + bs[i], y),
                                 rtol=1e-12)


@SETTINGS
@given(n=st.integers(2, 40), seed=st.integers(0, 2**16))
def test_r2_score_matches_sklearn(n, seed):
    from sklearn.metrics import r2_score as sk_r2

    g = torch.Generator().manual_seed(seed)
    pred, y = torch.randn(2, n, generator=g, dtype=torch.float64)
    assert np.isclose(r2_score(pred, y).item(), sk_r2(y.numpy(), pred.numpy()),
                      rtol=1e-10, atol=1e-12)
    assert torch.isclose(r2_score(y, y), torch.tensor(1.0, dtype=torch.float64))
    mean_pred = torch.full_like(y, y.mean().item())
    assert abs(r2_score(mean_pred, y).item()) < 1e-12


# ---- bad inputs -------------------------------------------------------------

def test_bad_inputs_name_the_argument():
    X, y = _data(10, 2, seed=0)
    with pytest.raises(ValueError, match="X"):
        least_squares(X[:, 0], y)
    with pytest.raises(TypeError, match="X"):
        least_squares(X.numpy(), y)
    with pytest.raises(TypeError, match="X"):
        least_squares(X.long(), y)
    with pytest.raises(ValueError, match="same length"):
        least_squares(X, y[:-1])
    with pytest.raises(TypeError, match="dtype"):
        least_squares(X, y.float())
    with pytest.raises(ValueError, match="method"):
        least_squares(X, y, method="inverse")
    with pytest.raises(ValueError, match="y"):
        least_squares(X, y[:, None])
    with pytest.raises(ValueError, match="at least one"):
        least_squares(X[:0], y[:0])
    with pytest.raises(ValueError, match="w"):
        mse_gradient(X, y, torch.zeros(3, dtype=torch.float64),
                     torch.tensor(0.0, dtype=torch.float64))
    with pytest.raises(ValueError, match="b"):
        mse_gradient(X, y, torch.zeros(2, dtype=torch.float64),
                     torch.zeros(1, dtype=torch.float64))
    with pytest.raises(ValueError, match="lr"):
        gradient_descent(X, y, lr=0.0, steps=3)
    with pytest.raises(TypeError, match="steps"):
        gradient_descent(X, y, lr=0.1, steps=2.5)
    with pytest.raises(ValueError, match="steps"):
        gradient_descent(X, y, lr=0.1, steps=-1)
    with pytest.raises(ValueError, match="w"):
        gradient_descent(X, y, lr=0.1, steps=3, w0=torch.zeros(5, dtype=torch.float64))
    with pytest.raises(TypeError, match="w0"):
        gradient_descent(X, y, lr=0.1, steps=3, w0=torch.zeros(2))
    with pytest.raises(ValueError, match="pred"):
        mse(y[:-1], y)
    with pytest.raises(ValueError, match="pred"):
        r2_score(y[:-1], y)
    with pytest.raises(ValueError, match="constant"):
        r2_score(y, torch.ones_like(y))
    with pytest.raises(ValueError, match="ws"):
        mse_grid(X[:, 0], y, torch.zeros(2, 2, dtype=torch.float64),
                 torch.zeros(2, dtype=torch.float64))
    with pytest.raises(ValueError, match="same length"):
        mse_grid(X[:, 0], y[:-1], torch.zeros(2, dtype=torch.float64),
                 torch.zeros(2, dtype=torch.float64))
    with pytest.raises(TypeError, match="X"):
        add_bias_column(torch.ones(3, 2, dtype=torch.int64))
