"""The exercise checks of *Multilayer perceptrons* accept right answers and explain wrong ones."""

import pytest
import torch
from torch import nn

from dlbook.checks.mlp import check_collapse_linear, check_count_parameters, check_xor_network


def _two_units(x, second_bias):
    h1 = torch.relu(x[:, 0] + x[:, 1])                 # how many inputs are on
    h2 = torch.relu(x[:, 0] + x[:, 1] + second_bias)   # on only when both are on
    return h1 - 2 * h2


def xor_right(x):
    return _two_units(x, -1.0)


def xor_as_or(x):
    return (x.sum(1) > 0).float()


def xor_column(x):
    return xor_right(x)[:, None]


def test_xor_network():
    assert check_xor_network(xor_right)
    result = check_xor_network(xor_as_or)
    assert not result and "(1, 1)" in result.message and "OR" in result.message
    result = check_xor_network(xor_column)
    assert not result and "shape" in result.message
    result = check_xor_network(lambda x: torch.tensor([0.0, 1.0, 1.0, 0.0] * 2))
    assert not result and "different outputs" in result.message
    result = check_xor_network(lambda x: x.sum())
    assert not result and "shape" in result.message
    with pytest.raises(TypeError, match="function"):
        check_xor_network(xor_right(torch.zeros(4, 2)))


def count_right(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def count_no_bias(sizes):
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def count_input_bias(sizes):
    return count_no_bias(sizes) + sum(sizes)


def test_count_parameters():
    assert check_count_parameters(count_right)
    result = check_count_parameters(count_no_bias)
    assert not result and "too few" in result.message and "bias" in result.hint
    result = check_count_parameters(count_input_bias)
    assert not result and "too many" in result.message and "inputs" in result.hint
    result = check_count_parameters(lambda sizes: str(count_right(sizes)))
    assert not result and "whole number" in result.message


def collapse_right(layers):
    W, b = layers[0].weight, layers[0].bias
    for layer in layers[1:]:
        W, b = layer.weight @ W, layer.weight @ b + layer.bias
    return W, b


def collapse_transposed(layers):
    _, b = collapse_right(layers)
    return layers[0].weight.T @ layers[1].weight.T @ layers[2].weight.T, b


def collapse_wrong_matrix(layers):
    W, b = collapse_right(layers)
    return W + 0.1, b


def collapse_sum_of_biases(layers):
    W, _ = collapse_right(layers)
    return W, sum(layer.bias for layer in layers[-1:])


def collapse_in_place(layers):
    W, b = collapse_right(layers)
    with torch.no_grad():
        layers[0].bias.zero_()
    return W, b


def test_collapse_linear():
    assert check_collapse_linear(collapse_right)
    result = check_collapse_linear(collapse_transposed)
    assert not result and "shape" in result.message
    result = check_collapse_linear(collapse_wrong_matrix)
    assert not result and "linear part" in result.message
    result = check_collapse_linear(collapse_sum_of_biases)
    assert not result and "b is not" in result.message and "bias" in result.hint
    result = check_collapse_linear(collapse_in_place)
    assert not result and "changed" in result.message
    result = check_collapse_linear(lambda layers: collapse_right(layers)[0])
    assert not result and "pair" in result.message


def test_the_right_collapse_matches_a_real_stack():
    stack = nn.Sequential(nn.Linear(4, 6), nn.Linear(6, 3))
    W, b = collapse_right(list(stack))
    x = torch.randn(5, 4)
    torch.testing.assert_close(x @ W.T + b, stack(x))
