import numpy as np
import pytest
import torch

from dlbook.data import (load_diabetes, load_digits, load_sample_photo, make_toy2d,
                         split_indices, TOY2D_KINDS)


def test_split_indices_partition_and_determinism():
    tr, va, te = split_indices(100, 0.2, 0.1, seed=3)
    together = np.sort(np.concatenate([tr, va, te]))
    assert np.array_equal(together, np.arange(100))
    assert (len(tr), len(va), len(te)) == (70, 20, 10)
    again = split_indices(100, 0.2, 0.1, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip((tr, va, te), again))
    other = split_indices(100, 0.2, 0.1, seed=4)
    assert not np.array_equal(tr, other[0])


def test_split_indices_stratified_keeps_proportions():
    labels = np.array([0] * 80 + [1] * 20)
    tr, va, te = split_indices(100, 0.25, 0.25, seed=0, stratify=labels)
    for part in (tr, va, te):
        assert abs(labels[part].mean() - 0.2) < 0.05


@pytest.mark.parametrize("kwargs, match", [
    ({"n": 2}, "n"), ({"n": 10, "val_fraction": 1.2}, "val_fraction"),
    ({"n": 10, "test_fraction": -0.1}, "test_fraction"),
    ({"n": 10, "val_fraction": 0.5, "test_fraction": 0.5}, "val_fraction"),
    ({"n": 10, "seed": -1}, "seed"), ({"n": 10, "stratify": np.zeros(3)}, "stratify"),
])
def test_split_indices_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        split_indices(**kwargs)


def test_split_indices_bad_types():
    with pytest.raises(TypeError, match="n"):
        split_indices(10.5)
    with pytest.raises(TypeError, match="val_fraction"):
        split_indices(10, val_fraction="0.2")


def test_load_digits_shapes_ranges_and_split():
    d = load_digits()
    assert d.train.X.shape[1:] == (1, 8, 8) and d.train.X.dtype == torch.float32
    assert d.train.y.dtype == torch.int64
    assert sum(len(p.y) for p in d) == 1797
    assert 0.0 <= d.train.X.min() and d.train.X.max() <= 1.0
    # every class is in every part, and the split is the same each time
    for part in d:
        assert set(part.y.tolist()) == set(range(10))
    assert torch.equal(load_digits().test.y, d.test.y)
    assert load_digits(flatten=True).val.X.shape[1:] == (64,)


def test_load_digits_bad_input():
    with pytest.raises(TypeError, match="flatten"):
        load_digits(flatten=1)
    with pytest.raises(ValueError, match="test_fraction"):
        load_digits(test_fraction=1.0)


def test_load_diabetes_standardised_on_train_only():
    splits, names = load_diabetes()
    assert len(names) == 10 and splits.train.X.shape[1] == 10
    assert torch.allclose(splits.train.X.mean(0), torch.zeros(10), atol=1e-5)
    assert torch.allclose(splits.train.X.std(0), torch.ones(10), atol=1e-5)
    # validation statistics are not forced to zero mean: nothing leaked
    assert splits.val.X.mean(0).abs().max() > 1e-3


def test_load_sample_photo():
    photo = load_sample_photo("flower")
    assert photo.shape[0] == 3 and photo.dtype == torch.float32
    assert 0.0 <= photo.min() and photo.max() <= 1.0
    with pytest.raises(ValueError, match="name"):
        load_sample_photo("cat")


@pytest.mark.parametrize("kind", TOY2D_KINDS)
def test_make_toy2d(kind):
    X, y = make_toy2d(kind, 150, seed=1, classes=3)
    assert X.shape == (150, 2) and y.shape == (150,)
    assert X.dtype == torch.float32 and y.dtype == torch.int64
    assert torch.equal(make_toy2d(kind, 150, seed=1, classes=3).X, X)
    assert len(torch.unique(y)) >= 2


@pytest.mark.parametrize("kwargs, error, match", [
    ({"kind": "square"}, ValueError, "kind"), ({"kind": "xor", "n": 1}, ValueError, "n"),
    ({"kind": "xor", "noise": -1.0}, ValueError, "noise"),
    ({"kind": "blobs", "classes": 1}, ValueError, "classes"),
    ({"kind": "xor", "n": "10"}, TypeError, "n"),
])
def test_make_toy2d_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_toy2d(**kwargs)
