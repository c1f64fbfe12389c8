"""The argument checks every public function of dlbook is written with."""

import math

import numpy as np
import pytest
import torch

from dlbook import _args as A


def test_check_bool_takes_bools_only():
    assert A.check_bool("flag", True) is True and A.check_bool("flag", np.bool_(False)) is False
    for bad in ("False", 0, None):
        with pytest.raises(TypeError, match="flag"):
            A.check_bool("flag", bad)


def test_check_float_allows_infinity_only_when_asked():
    assert A.check_float("v", np.float32(0.5)) == 0.5
    assert A.check_float("v", -math.inf, finite=False) == -math.inf
    with pytest.raises(ValueError, match="v"):
        A.check_float("v", math.inf)
    with pytest.raises(ValueError, match="v"):
        A.check_float("v", math.nan, finite=False)


def test_check_choice_does_not_confuse_types():
    assert A.check_choice("mode", "a", ("a", "b")) == "a"
    with pytest.raises(ValueError, match="mode"):
        A.check_choice("mode", 1, (True, "b"))  # 1 == True, but it is not the choice


def test_check_pair():
    assert A.check_pair("k", 3, 1) == (3, 3) and A.check_pair("k", [2, 4], 1) == (2, 4)
    with pytest.raises(ValueError, match="k"):
        A.check_pair("k", (1, 2, 3), 1)
    with pytest.raises(ValueError, match="k"):
        A.check_pair("k", (0, 2), 1)


def test_check_tensor_flags():
    x = torch.tensor([1.0, math.nan])
    assert A.check_tensor("x", x) is x
    with pytest.raises(ValueError, match="finite"):
        A.check_tensor("x", x, finite=True)
    with pytest.raises(TypeError, match="integer"):
        A.check_tensor("x", x, integer=True)
    with pytest.raises(TypeError, match="integer"):
        A.check_tensor("x", torch.tensor([True]), integer=True)
    with pytest.raises(ValueError, match="empty"):
        A.check_tensor("x", torch.zeros(0, 3), nonempty=True)


def test_check_shape_names_free_and_fixed_sizes():
    A.check_shape("x", torch.zeros(5, 3), ("N", 3), dtype=torch.float32)
    with pytest.raises(ValueError, match=r"\(N, 3\), got \(5, 4\); flatten"):
        A.check_shape("x", torch.zeros(5, 4), ("N", 3), hint="flatten")
    with pytest.raises(TypeError, match="float64"):
        A.check_shape("x", torch.zeros(5, 3, dtype=torch.float64), ("N", 3),
                      dtype=torch.float32)
    with pytest.raises(TypeError, match="floating"):
        A.check_shape("x", torch.zeros(5, 3, dtype=torch.long), ("N", 3))


def test_check_labels_and_check_binary():
    A.check_labels("y", torch.tensor([0, 2]), 3)
    with pytest.raises(ValueError, match=r"0\.\.2"):
        A.check_labels("y", torch.tensor([0, 3]), 3)
    with pytest.raises(ValueError, match="y"):
        A.check_labels("y", torch.tensor([-1]))
    with pytest.raises(TypeError, match="y"):
        A.check_labels("y", torch.tensor([0.0]))
    A.check_binary("same", torch.tensor([0.0, 1.0]))
    A.check_binary("same", torch.tensor([True, False]))
    with pytest.raises(ValueError, match="same"):
        A.check_binary("same", torch.tensor([2, 0]))


def test_sequences_lengths_and_tensor_lists():
    assert A.check_sequence("s", (1, 2)) == [1, 2]
    with pytest.raises(TypeError, match="s"):
        A.check_sequence("s", "ab")
    with pytest.raises(ValueError, match="s"):
        A.check_sequence("s", [])
    with pytest.raises(ValueError, match="a scalar"):
        A.check_same_length("X", torch.zeros(3), "y", torch.tensor(1))
    assert len(A.check_tensor_list("p", torch.nn.Linear(2, 2).parameters())) == 2
    with pytest.raises(TypeError, match="p"):
        A.check_tensor_list("p", [torch.zeros(2), "w"])


def test_check_device():
    assert A.check_device("device", "cpu") == torch.device("cpu")
    assert A.check_device("device", torch.device("cpu")) == torch.device("cpu")
    with pytest.raises(ValueError, match="device"):
        A.check_device("device", "gpu")
    with pytest.raises(TypeError, match="device"):
        A.check_device("device", 0)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA"):
            A.check_device("device", "cuda:0")
