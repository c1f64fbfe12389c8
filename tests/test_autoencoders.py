"""Autoencoders: shapes, the linear autoencoder's optimum against PCA, principal angles,
denoising, sampling codes, and clear errors."""

import math

import numpy as np
import pytest
import scipy.linalg
import torch
from torch import nn

from dlbook.generative.autoencoders import (PCA, Autoencoder, add_noise, pca,
                                            principal_angles, reconstruction_error,
                                            sample_codes, train_autoencoder)


def low_rank_data(n=400, d=12, seed=0, dtype=torch.float64):
    """Data whose covariance has three large eigenvalues (1, 0.64, 0.36), then 0.04s."""
    g = torch.Generator().manual_seed(seed)
    scales = torch.tensor([1.0, 0.8, 0.6] + [0.2] * (d - 3), dtype=dtype)
    Q = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=dtype)).Q
    return 0.5 + (torch.randn(n, d, generator=g, dtype=dtype) * scales) @ Q.T


def test_shapes_and_pixel_range():
    torch.manual_seed(0)
    model = Autoencoder(64, 3, hidden=(32, 16))
    x = torch.rand(5, 64)
    z = model.encode(x)
    assert z.shape == (5, 3)
    out = model(x)
    assert out.shape == (5, 64) and bool(((out >= 0) & (out <= 1)).all())
    assert model.decode(torch.randn(7, 3)).shape == (7, 64)
    kinds = [type(m).__name__ for m in model.encoder]
    assert kinds == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]    # no ReLU on the code
    assert [type(m).__name__ for m in model.decoder] == kinds + ["Sigmoid"]
    linear = Autoencoder(10, 2, hidden=(), sigmoid=False)
    assert [type(m).__name__ for m in (*linear.encoder, *linear.decoder)] == ["Linear", "Linear"]
    assert linear.decoder[0].weight.shape == (10, 2)


def test_pca_matches_numpy_eigendecomposition():
    X = low_rank_data()
    mean, C, variances = pca(X, 3)
    values, vectors = np.linalg.eigh(np.cov(X.numpy(), rowvar=False))
    assert torch.allclose(mean, X.mean(0))
    assert np.allclose(variances.numpy(), values[::-1][:3], rtol=1e-10)
    for i in range(3):   # each component equals an eigenvector up to its sign
        assert abs(float(C[i] @ torch.from_numpy(vectors[:, -1 - i]))) == pytest.approx(1.0)
    assert torch.allclose(C @ C.T, torch.eye(3, dtype=X.dtype), atol=1e-12)
    assert isinstance(pca(X, 1), PCA)


def test_principal_angles_match_scipy():
    g = torch.Generator().manual_seed(3)
    A, B = torch.randn(9, 3, generator=g, dtype=torch.float64), torch.randn(9, 4, generator=g,
                                                                               dtype=torch.float64)
    want = np.sort(scipy.linalg.subspace_angles(A.numpy(), B.numpy()))
    assert np.allclose(principal_angles(A, B).numpy(), want, atol=1e-10)


def test_principal_angles_ignore_the_basis():
    g = torch.Generator().manual_seed(4)
    A = torch.randn(8, 3, generator=g, dtype=torch.float64)
    mix = torch.randn(3, 3, generator=g, dtype=torch.float64)    # invertible
    assert principal_angles(A, A @ mix).abs().max() < 1e-6
    e = torch.eye(4, dtype=torch.float64)
    angles = principal_angles(e[:, :2], torch.stack([e[:, 0], e[:, 1] + e[:, 2]], 1))
    assert torch.allclose(angles, torch.tensor([0.0, math.pi / 4], dtype=torch.float64),
                          atol=1e-7)


def test_linear_autoencoder_optimum_spans_the_pca_subspace():
    X = low_rank_data()
    k = 3
    torch.manual_seed(0)
    model = Autoencoder(X.shape[1], k, hidden=(), sigmoid=False).double()
    train_autoencoder(model, X, epochs=200, lr=1e-2, batch_size=50)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)   # then full batches
    train_autoencoder(model, X, epochs=100, batch_size=len(X), optimizer=optimizer)
    mean, C, _ = pca(X, k)
    angles = principal_angles(model.decoder[0].weight, C.T)
    assert angles.max() < math.radians(0.1), angles
    pca_error = ((mean + (X - mean) @ C.T @ C - X) ** 2).mean().item()
    assert reconstruction_error(model, X) == pytest.approx(pca_error, rel=1e-4)
    # the same subspace, not the same basis: the columns are not the components
    W = model.decoder[0].weight.detach()
    assert not torch.allclose((W / W.norm(dim=0)).T.abs(), C.abs(), atol=1e-2)


def test_training_lowers_the_loss_and_reports_validation():
    X = torch.rand(100, 16, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    model = Autoencoder(16, 4, hidden=(8,))
    history = train_autoencoder(model, X, epochs=20, lr=1e-2, X_val=X[:30], noise=0.1)
    assert set(history) == {"train", "val"} and len(history["val"]) == 20
    assert history["train"][-1] < history["train"][0]
    assert train_autoencoder(model, X, epochs=1)["val"] == []


class Identity(nn.Module):
    """Returns its input; its one parameter gets no gradient, so training leaves it be."""

    def __init__(self) -> None:
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(()))

    def forward(self, x):
        return x + 0 * self.unused


def test_denoising_targets_the_clean_digit():
    X = torch.full((200, 64), 0.5)
    noise = 0.1
    history = train_autoencoder(Identity(), X, epochs=1, noise=noise, batch_size=50)
    # the identity returns the corrupted digit: its loss against the clean one is the noise
    assert history["train"][0] == pytest.approx(noise ** 2, rel=0.05)
    assert train_autoencoder(Identity(), X, epochs=1)["train"][0] == 0.0
    noisy = add_noise(X, 0.2, generator=torch.Generator().manual_seed(0))
    assert reconstruction_error(Identity(), X, noisy) == pytest.approx(
        ((noisy - X) ** 2).mean().item())


def test_training_is_reproducible():
    X = torch.rand(50, 8, generator=torch.Generator().manual_seed(1))
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        runs.append(train_autoencoder(Autoencoder(8, 2), X, epochs=3, noise=0.2, seed=5))
    assert runs[0] == runs[1]


def test_add_noise_keeps_pixels_in_range_and_leaves_its_input():
    x = torch.full((1000, 64), 0.5)
    noisy = add_noise(x, 0.1, generator=torch.Generator().manual_seed(0))
    assert bool(((noisy >= 0) & (noisy <= 1)).all())
    assert (noisy - x).std().item() == pytest.approx(0.1, rel=0.02)
    assert torch.equal(x, torch.full((1000, 64), 0.5))
    assert torch.equal(add_noise(x, 0.0), x)


def test_sample_codes_follow_the_codes():
    g = torch.Generator().manual_seed(0)
    codes = torch.randn(5000, 2, generator=g, dtype=torch.float64) @ torch.tensor(
        [[2.0, 0.0], [1.0, 0.5]], dtype=torch.float64) + torch.tensor([1.0, -3.0],
                                                                      dtype=torch.float64)
    z = sample_codes(codes, 20000, generator=torch.Generator().manual_seed(1))
    assert z.dtype == codes.dtype
    assert torch.allclose(z.mean(0), codes.mean(0), atol=0.05)
    assert torch.allclose(torch.cov(z.T), torch.cov(codes.T), rtol=0.05, atol=0.05)
    box = sample_codes(codes, 20000, kind="box", generator=torch.Generator().manual_seed(2))
    low, high = codes.amin(0), codes.amax(0)
    assert bool(((box >= low) & (box <= high)).all())
    # uniform in the box: its centre on average, and the variance (high - low)^2 / 12
    assert bool(((box.mean(0) - (low + high) / 2).abs() < 0.01 * (high - low)).all())
    assert torch.allclose(box.var(0), (high - low) ** 2 / 12, rtol=0.03)


@pytest.mark.parametrize("call, error, words", [
    (lambda: Autoencoder(64, 0), ValueError, "latent"),
    (lambda: Autoencoder(64, 2, hidden=(0,)), ValueError, "hidden[0]"),
    (lambda: Autoencoder(64, 2, hidden=8), TypeError, "hidden"),
    (lambda: Autoencoder(64, 2)(torch.rand(3, 8, 8)), ValueError, "x"),
    (lambda: Autoencoder(64, 2).decode(torch.rand(3, 5)), ValueError, "z"),
    (lambda: add_noise(torch.rand(3, 4), -0.1), ValueError, "std"),
    (lambda: train_autoencoder(Autoencoder(4, 2), torch.rand(5, 4), epochs=0), ValueError,
     "epochs"),
    (lambda: train_autoencoder(Autoencoder(4, 2), torch.rand(5, 4), epochs=1, optimizer="adam"),
     TypeError, "optimizer"),
    (lambda: reconstruction_error(Autoencoder(4, 2), torch.rand(5, 4), torch.rand(6, 4)),
     ValueError, "X_in"),
    (lambda: pca(torch.rand(10, 4), 5), ValueError, "k"),
    (lambda: principal_angles(torch.rand(4, 2), torch.rand(5, 2)), ValueError, "rows"),
    (lambda: sample_codes(torch.rand(50, 2), 3, kind="uniform"), ValueError, "kind"),
    (lambda: sample_codes(torch.rand(2, 2), 3), ValueError, "codes"),
])
def test_bad_input_raises_a_clear_error(call, error, words):
    with pytest.raises(error, match=None) as info:
        call()
    assert words in str(info.value)
