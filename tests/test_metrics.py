"""dlbook.fundamentals.metrics.confusion_matrix against scikit-learn."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from sklearn.metrics import confusion_matrix as sk_confusion_matrix

from dlbook.fundamentals.metrics import confusion_matrix


@settings(max_examples=50, deadline=None)
@given(k=st.integers(2, 8), n=st.integers(1, 60), seed=st.integers(0, 2**31 - 1))
def test_matches_sklearn(k, n, seed):
    rng = np.random.default_rng(seed)
    y_true, y_pred = rng.integers(0, k, n), rng.integers(0, k, n)
    got = confusion_matrix(torch.as_tensor(y_true), torch.as_tensor(y_pred), k)
    want = sk_confusion_matrix(y_true, y_pred, labels=range(k))
    assert got.dtype == torch.int64 and got.shape == (k, k)
    assert np.array_equal(got.numpy(), want)
    assert int(got.sum()) == n and int(got.trace()) == int((y_true == y_pred).sum())


def test_empty_and_single_class():
    assert confusion_matrix(torch.zeros(0, dtype=torch.long),
                            torch.zeros(0, dtype=torch.long), 3).tolist() == [[0] * 3] * 3
    assert confusion_matrix([0, 0], [0, 0], 1).tolist() == [[2]]


def test_rows_are_true_classes():
    cm = confusion_matrix(torch.tensor([0, 0, 1]), torch.tensor([1, 1, 1]), 2)
    assert cm.tolist() == [[0, 2], [0, 1]]


def test_accepts_lists_and_arrays():
    assert confusion_matrix([0, 1, 1], np.array([0, 1, 0]), 2).tolist() == [[1, 0], [1, 1]]


@pytest.mark.parametrize("y_true, y_pred, k, error, match", [
    ([0, 1], [0, 2], 2, ValueError, "y_pred"),
    ([0, -1], [0, 1], 2, ValueError, "y_true"),
    ([0, 1, 1], [0, 1], 2, ValueError, "same length"),
    (torch.tensor([[0, 1]]), torch.tensor([[0, 1]]), 2, ValueError, "y_true"),
    (torch.tensor([0.0, 1.0]), torch.tensor([0, 1]), 2, TypeError, "y_true"),
    ([0, 1], [0, 1], 0, ValueError, "num_classes"),
    ([0, 1], [0, 1], 2.0, TypeError, "num_classes"),
    ("01", [0, 1], 2, TypeError, "y_true"),
])
def test_bad_inputs(y_true, y_pred, k, error, match):
    with pytest.raises(error, match=match):
        confusion_matrix(y_true, y_pred, k)
