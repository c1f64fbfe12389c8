"""The exercise checks of *Autoencoders* pass right answers and diagnose wrong ones."""

import pytest
import torch

from dlbook.checks.autoencoders import check_mask_pixels, check_pca_reconstruct


def mask_right(x, p):
    return x * (torch.rand(x.shape) >= p)


_FIXED = torch.Generator().manual_seed(0)


@pytest.mark.parametrize("answer, words", [
    (mask_right, None),
    (lambda x, p: x * (torch.rand(x.shape, dtype=x.dtype) >= p).to(x.dtype), None),
    (lambda x, p: x * (torch.rand(x.shape) >= p) / (1 - p) if p < 1 else x * 0, "rescale"),
    (lambda x, p: x * (torch.rand(x.shape) < p), "share"),
    (lambda x, p: x * (torch.rand(x.shape[1:]) >= p), "same pixels"),
    (lambda x, p: x * (torch.rand(x.shape, generator=torch.Generator().manual_seed(0)) >= p),
     "two calls"),
    (lambda x, p: x * (torch.rand(x.shape) >= p / 2), "share"),
    (lambda x, p: x + p * torch.randn(x.shape, dtype=x.dtype), "neither 0"),
])
def test_mask_check(answer, words):
    result = check_mask_pixels(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in result.message


def pca_right(X_train, X, k):
    mean = X_train.mean(0)
    _, _, Vt = torch.linalg.svd(X_train - mean, full_matrices=False)
    return mean + (X - mean) @ Vt[:k].T @ Vt[:k]


def pca_eigh(X_train, X, k):
    mean = X_train.mean(0)
    _, vectors = torch.linalg.eigh(torch.cov((X_train - mean).T))
    C = vectors[:, -k:].T
    return mean + (X - mean) @ C.T @ C


def pca_smallest(X_train, X, k):
    mean = X_train.mean(0)
    _, vectors = torch.linalg.eigh(torch.cov((X_train - mean).T))
    C = vectors[:, :k].T
    return mean + (X - mean) @ C.T @ C


def pca_uncentred(X_train, X, k):
    _, _, Vt = torch.linalg.svd(X_train, full_matrices=False)
    return X @ Vt[:k].T @ Vt[:k]


def pca_own_mean(X_train, X, k):
    _, _, Vt = torch.linalg.svd(X_train - X_train.mean(0), full_matrices=False)
    return X.mean(0) + (X - X.mean(0)) @ Vt[:k].T @ Vt[:k]


@pytest.mark.parametrize("answer, words", [
    (pca_right, None),
    (pca_eigh, None),
    (pca_smallest, "smallest variance"),
    (pca_uncentred, "training mean"),
    (pca_own_mean, "its own mean"),
    (lambda X_train, X, k: pca_right(X_train, X, k).T, "shape"),
])
def test_pca_check(answer, words):
    result = check_pca_reconstruct(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in result.message
