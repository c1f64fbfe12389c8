"""The LeNet of the chapter *LeNet* (dlbook.cnn.lenet): shapes, augmentation, accuracy."""

from __future__ import annotations

import pytest
import torch

from dlbook.cnn.lenet import LeNet, augmented_loader, random_affine, train_lenet_digits


def test_lenet_shapes_and_parameters():
    model = LeNet()
    out = model(torch.zeros(5, 1, 8, 8))
    assert out.shape == (5, 10)
    conv1, conv2 = model.features[1], model.features[4]
    assert conv1.weight.shape == (16, 1, 5, 5) and conv2.weight.shape == (32, 16, 5, 5)
    small = LeNet(channels=(6, 16), hidden=(120, 84), classes=3, dropout=0.0)
    assert small(torch.zeros(2, 1, 8, 8)).shape == (2, 3)


def test_lenet_bad_inputs():
    with pytest.raises(ValueError, match="x"):
        LeNet()(torch.zeros(2, 1, 16, 16))
    with pytest.raises(ValueError, match="channels"):
        LeNet(channels=(16,))
    with pytest.raises(ValueError, match="dropout"):
        LeNet(dropout=1.0)
    with pytest.raises(ValueError, match="classes"):
        LeNet(classes=1)


def test_random_affine_identity_and_determinism():
    x = torch.rand(6, 1, 8, 8)
    g = torch.Generator().manual_seed(0)
    same = random_affine(x, g, rotation=0.0, scale=0.0, shift=0.0)
    assert torch.allclose(same, x, atol=1e-6)
    a = random_affine(x, torch.Generator().manual_seed(1))
    b = random_affine(x, torch.Generator().manual_seed(1))
    assert torch.equal(a, b) and a.shape == x.shape and not torch.allclose(a, x)


def test_random_affine_moves_by_at_most_shift_pixels():
    x = torch.zeros(1, 1, 8, 8)
    x[0, 0, 3, 4] = 1.0
    g = torch.Generator().manual_seed(0)
    out = random_affine(x, g, rotation=0.0, scale=0.0, shift=1.0)
    # A shift by less than a pixel spreads the bright pixel over its
    # neighbours but keeps its total (bilinear weights sum to one).
    assert out.sum() == pytest.approx(1.0, abs=1e-5)
    assert out[0, 0, 2:5, 3:6].sum() == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(TypeError, match="generator"):
        random_affine(x, 0)
    with pytest.raises(ValueError, match="scale"):
        random_affine(x, g, scale=1.5)
    with pytest.raises(ValueError, match="x"):
        random_affine(torch.zeros(8, 8), g)


def test_augmented_loader_is_seeded():
    X, y = torch.rand(10, 1, 8, 8), torch.arange(10)
    a = [b for b in augmented_loader(X, y, batch_size=4, seed=3)]
    b = [b for b in augmented_loader(X, y, batch_size=4, seed=3)]
    assert all(torch.equal(p[0], q[0]) and torch.equal(p[1], q[1]) for p, q in zip(a, b))
    assert sorted(torch.cat([labels for _, labels in a]).tolist()) == list(range(10))
    with pytest.raises(ValueError, match="same length"):
        augmented_loader(X, y[:5])


def test_lenet_recipe_reaches_the_book_accuracy():
    result = train_lenet_digits(seed=0)
    assert result.test_accuracy >= 0.98
    assert len(result.history) == 40
