"""The checks of the chapter *Linear regression* pass right answers and explain wrong ones."""

import pytest
import torch

from dlbook.checks.linear_regression import (check_fit_line, check_mae_gradient,
                                             check_ridge_fit)


# ---- ridge_fit --------------------------------------------------------------

def ridge_right(X, y, lam):
    xm, ym = X.mean(0), y.mean()
    Xc = X - xm
    w = torch.linalg.solve(Xc.T @ Xc + len(X) * lam * torch.eye(X.shape[1],
                                                               dtype=X.dtype),
                           Xc.T @ (y - ym))
    return w, ym - xm @ w


def test_ridge_passes_right_answer():
    result = check_ridge_fit(ridge_right)
    assert result.passed, str(result)


def test_ridge_diagnoses_missing_n_penalised_bias_and_no_bias():
    def unscaled(X, y, lam):
        return ridge_right(X, y, lam / len(X))

    def bias_penalised(X, y, lam):
        A = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype)], 1)
        theta = torch.linalg.solve(A.T @ A + len(X) * lam * torch.eye(A.shape[1],
                                                                      dtype=X.dtype),
                                   A.T @ y)
        return theta[:-1], theta[-1]

    def no_bias(X, y, lam):
        w = torch.linalg.solve(X.T @ X + len(X) * lam * torch.eye(X.shape[1],
                                                                  dtype=X.dtype), X.T @ y)
        return w, torch.tensor(0.0)

    r = check_ridge_fit(unscaled)
    assert not r.passed and "too weak" in r.message
    r = check_ridge_fit(bias_penalised)
    assert not r.passed and "shrinks the bias" in r.message
    r = check_ridge_fit(no_bias)
    assert not r.passed and "no bias" in r.message


def test_ridge_diagnoses_shapes_and_returns():
    r = check_ridge_fit(lambda X, y, lam: ridge_right(X, y, lam)[0])
    assert not r.passed and "pair" in r.message
    r = check_ridge_fit(lambda X, y, lam: (ridge_right(X, y, lam)[0],
                                           torch.zeros(3)))
    assert not r.passed and "single number" in r.message
    r = check_ridge_fit(lambda X, y, lam: (ridge_right(X, y, lam)[0][:, None],
                                           ridge_right(X, y, lam)[1]))
    assert not r.passed and "shape" in r.message

    def in_place(X, y, lam):
        X -= X.mean(0)
        return ridge_right(X, y, lam)

    assert "in place" in check_ridge_fit(in_place).message


# ---- fit_line ---------------------------------------------------------------

def line_right(x, y):
    xc, yc = x - x.mean(), y - y.mean()
    w = (xc * yc).sum() / (xc ** 2).sum()
    return w, y.mean() - w * x.mean()


def test_fit_line_passes_right_answers():
    assert check_fit_line(line_right).passed
    # Covariance over variance, both with the same normalisation, is right too.
    assert check_fit_line(lambda x, y: (
        torch.cov(torch.stack([x, y]))[0, 1] / x.var(),
        y.mean() - torch.cov(torch.stack([x, y]))[0, 1] / x.var() * x.mean())).passed
    assert check_fit_line(lambda x, y: tuple(
        float(v) for v in line_right(x, y))).passed


def test_fit_line_diagnoses_typical_mistakes():
    def mismatched(x, y):           # covariance over N, variance over N - 1
        w = ((x - x.mean()) * (y - y.mean())).mean() / x.var()
        return w, y.mean() - w * x.mean()

    def swapped(x, y):
        w = ((x - x.mean()) * (y - y.mean())).sum() / ((y - y.mean()) ** 2).sum()
        return w, x.mean() - w * y.mean()

    def no_intercept(x, y):
        return (x * y).sum() / (x * x).sum(), torch.tensor(0.0)

    def wrong_sign(x, y):
        w, _ = line_right(x, y)
        return w, y.mean() + w * x.mean()

    r = check_fit_line(mismatched)
    assert not r.passed and "factor" in r.message and "N-1" in r.hint
    r = check_fit_line(swapped)
    assert not r.passed and "x as a function of y" in r.message
    r = check_fit_line(no_intercept)
    assert not r.passed and "origin" in r.message
    r = check_fit_line(wrong_sign)
    assert not r.passed and "intercept" in r.message
    r = check_fit_line(lambda x, y: line_right(x, y)[0])
    assert not r.passed and "pair" in r.message


# ---- mae_gradient -----------------------------------------------------------

def mae_right(X, y, w, b):
    s = torch.sign(X @ w + b - y)
    return X.T @ s / len(y), s.mean()


def test_mae_gradient_passes_right_answer():
    result = check_mae_gradient(mae_right)
    assert result.passed, str(result)


def test_mae_gradient_diagnoses_typical_mistakes():
    r = check_mae_gradient(lambda X, y, w, b: tuple(g * len(y) for g in mae_right(X, y, w, b)))
    assert not r.passed and "(= N) times too large" in r.message
    r = check_mae_gradient(lambda X, y, w, b: tuple(-g for g in mae_right(X, y, w, b)))
    assert not r.passed and "sign" in r.message
    r = check_mae_gradient(lambda X, y, w, b: tuple(2 * g for g in mae_right(X, y, w, b)))
    assert not r.passed and "twice" in r.message

    def squared(X, y, w, b):
        r = X @ w + b - y
        return 2 * X.T @ r / len(y), 2 * r.mean()

    r = check_mae_gradient(squared)
    assert not r.passed and "squared error" in r.message

    def bias_summed(X, y, w, b):
        gw, gb = mae_right(X, y, w, b)
        return gw, gb * len(y)

    r = check_mae_gradient(bias_summed)
    assert not r.passed and "grad_b" in r.message and "too large" in r.message


def test_checks_reject_non_functions():
    for check in (check_ridge_fit, check_fit_line, check_mae_gradient):
        with pytest.raises(TypeError, match="fn"):
            check(3)
