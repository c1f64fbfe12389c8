"""dlbook.scale.memory counts exactly the bytes of the tensors it names."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dlbook.scale.memory import (gradient_bytes, optimizer_state_bytes, parameter_bytes,
                                 saved_tensor_bytes, storage_bytes)


def mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 3))


N_PARAMS = 5 * 7 + 7 + 7 * 3 + 3


def test_storage_bytes_counts_each_storage_once():
    a = torch.zeros(10, dtype=torch.float64)
    b = torch.zeros(3, dtype=torch.int8)
    assert storage_bytes([a, b]) == 80 + 3
    assert storage_bytes([a, a[2:5], a.view(2, 5), b]) == 83   # views share a
    assert storage_bytes([]) == 0


def test_parameters_gradients_and_adam_state():
    model = mlp()
    assert parameter_bytes(model) == 4 * N_PARAMS
    assert gradient_bytes(model) == 0
    opt = torch.optim.Adam(model.parameters())
    assert optimizer_state_bytes(opt) == 0
    F.cross_entropy(model(torch.randn(4, 5)), torch.tensor([0, 1, 2, 0])).backward()
    opt.step()
    assert gradient_bytes(model) == 4 * N_PARAMS
    # two moments per parameter, and a float32 step count per parameter tensor
    assert optimizer_state_bytes(opt) == 2 * 4 * N_PARAMS + 4 * 4
    model.half()
    assert parameter_bytes(model) == 2 * N_PARAMS


def test_sgd_with_momentum_keeps_one_buffer():
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.randn(2, 5)).sum().backward()
    opt.step()
    assert optimizer_state_bytes(opt) == 4 * N_PARAMS


def test_saved_tensors_are_the_layer_inputs_and_the_mask():
    model, n = mlp(), 6
    X, y = torch.randn(n, 5), torch.randint(0, 3, (n,))
    got = saved_tensor_bytes(lambda: F.cross_entropy(model(X), y),
                             exclude=model.parameters())
    # X for the first Linear, the ReLU's output (its own mask and the second
    # Linear's input: one storage), the log-probabilities, the int64 labels, and
    # the loss's 0-d float32 total weight (the divisor of its mean)
    assert got == 4 * n * (5 + 7 + 3) + 8 * n + 4
    with_params = saved_tensor_bytes(lambda: F.cross_entropy(model(X), y))
    # and the second layer's weight, to pass the gradient on to its input (the
    # first layer's is not kept: X needs no gradient)
    assert with_params == got + 4 * 7 * 3


def test_saved_tensor_bytes_is_zero_without_grad():
    model = mlp()
    with torch.no_grad():
        assert saved_tensor_bytes(lambda: model(torch.randn(3, 5))) == 0


@pytest.mark.parametrize("call, error, words", [
    (lambda: storage_bytes(torch.zeros(3)), TypeError, "tensors"),
    (lambda: storage_bytes([torch.zeros(1), 3]), TypeError, "tensors"),
    (lambda: parameter_bytes("model"), TypeError, "model"),
    (lambda: gradient_bytes(None), TypeError, "model"),
    (lambda: optimizer_state_bytes(mlp()), TypeError, "optimizer"),
    (lambda: saved_tensor_bytes(3), TypeError, "fn"),
    (lambda: saved_tensor_bytes(print, exclude=[1]), TypeError, "exclude"),
])
def test_bad_input_raises_a_clear_error(call, error, words):
    with pytest.raises(error, match=words):
        call()
