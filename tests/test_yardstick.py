"""The generative yardstick: Fréchet distance in the digit reader's features."""

import numpy as np
import pytest
import scipy.linalg
import torch

from dlbook.data import load_digits
from dlbook.generative import yardstick


def direct_frechet(a: np.ndarray, b: np.ndarray) -> float:
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = scipy.linalg.sqrtm(cov_a @ cov_b).real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * root))


def test_frechet_distance_matches_direct_formula():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(200, 5, generator=g, dtype=torch.float64)
    b = torch.randn(150, 5, generator=g, dtype=torch.float64) @ torch.randn(5, 5, generator=g,
                                                                           dtype=torch.float64) + 1
    assert yardstick.frechet_distance(a, b) == pytest.approx(direct_frechet(a.numpy(), b.numpy()),
                                                             rel=1e-8)
    assert yardstick.frechet_distance(a, b) == pytest.approx(yardstick.frechet_distance(b, a),
                                                             rel=1e-8)


def test_frechet_distance_of_gaussians_with_shifted_means():
    a = torch.randn(4000, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    # Same sample, shifted: only the mean term remains, exactly.
    assert yardstick.frechet_distance(a, a + torch.tensor([3.0, 0.0, 4.0], dtype=torch.float64)) \
        == pytest.approx(25.0, abs=1e-8)


def test_identical_sets_score_zero():
    X = load_digits().test.X
    feats = yardstick.digit_features(X)
    assert yardstick.frechet_distance(feats, feats) == pytest.approx(0.0, abs=1e-4)


def test_reference_splits_hold_n_samples_digits():
    splits = load_digits()
    assert len(splits.val.y) == len(splits.test.y) == yardstick.N_SAMPLES


def test_reader_reads_digits():
    X, y = load_digits().val
    assert (yardstick.classify(X) == y).float().mean() > 0.95


def test_distance_grows_as_noise_is_added_to_real_digits():
    X = load_digits().train.X[:yardstick.N_SAMPLES]
    g = torch.Generator().manual_seed(0)
    noise = torch.randn(X.shape, generator=g)
    fds = [yardstick.score(X + sigma * noise).fd for sigma in (0.0, 0.2, 0.4, 0.8)]
    assert all(lo < hi for lo, hi in zip(fds, fds[1:])), fds
    floor = yardstick.floor()
    assert 0 < floor.fd < fds[1] and floor.confidence > 0.95


def test_bad_samples_raise():
    with pytest.raises(ValueError, match="samples"):
        yardstick.score(torch.rand(300, 1, 7, 7))
    with pytest.raises(ValueError, match="samples"):
        yardstick.score(torch.rand(10, 64))
    with pytest.raises(ValueError, match="finite"):
        yardstick.score(torch.full((300, 64), float("nan")))
    with pytest.raises(ValueError, match="split"):
        yardstick.score(torch.rand(300, 64), split="train")
    with pytest.raises(ValueError, match="features"):
        yardstick.frechet_distance(torch.rand(10, 3), torch.rand(10, 4))
