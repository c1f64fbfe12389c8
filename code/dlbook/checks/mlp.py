"""Checks for the code exercises of the chapter *Multilayer perceptrons*."""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from . import (CheckResult, as_int, as_number, as_tensor, call_answer, compare_tensors,
               failed, passed, require_callable)

CORNERS = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR = torch.tensor([0, 1, 1, 0])
# What a network computes when it gets exactly these corners right and the others wrong.
_KNOWN = {(0, 1, 1, 1): "OR", (0, 0, 0, 1): "AND", (1, 1, 1, 0): "NAND",
          (1, 0, 0, 1): "XNOR (the opposite of XOR)", (0, 0, 0, 0): "a constant 0",
          (1, 1, 1, 1): "a constant 1"}


def check_xor_network(fn: Callable[[torch.Tensor], torch.Tensor]) -> CheckResult:
    """Check a hand-wired network ``fn(X) -> (N,)`` that outputs 1 exactly where XOR is 1.

    Outputs above 0.5 count as 1. The four corners are given in a shuffled,
    repeated batch, so that a function that memorises the row order fails.
    """
    name = "check_xor_network"
    require_callable("fn", fn)
    order = torch.tensor([3, 1, 0, 2, 0, 3, 2, 1])
    X = CORNERS[order].clone()
    out, problem = call_answer(name, fn, X.clone())
    if problem is not None:
        return problem
    out = as_tensor(out)
    if not isinstance(out, torch.Tensor):
        return failed(name, f"the network should return a torch.Tensor, got "
                      f"{type(out).__name__}", "return one number per row of X.")
    if out.shape != (len(X),):
        return failed(name, f"for {len(X)} input rows the output has shape "
                      f"{tuple(out.shape)}, expected ({len(X)},)",
                      "squeeze the output layer's last dimension, or take column 0.")
    predicted = (out.detach().float() > 0.5).long()
    truth = XOR[order]
    if torch.equal(predicted, truth):
        return passed(name, "your network computes XOR on all four corners.")
    by_corner = tuple(int(predicted[(order == i).nonzero()[0, 0]]) for i in range(4))
    consistent = all(int(predicted[k]) == by_corner[int(order[k])] for k in range(len(X)))
    if not consistent:
        return failed(name, "the same input gets different outputs in different rows",
                      "the output for a row must depend on that row's two numbers only.")
    wrong = [tuple(int(v) for v in CORNERS[i].tolist()) for i in range(4)
             if by_corner[i] != int(XOR[i])]
    what = _KNOWN.get(by_corner)
    message = f"wrong on the corner(s) {', '.join(map(str, wrong))}"
    if what:
        message += f"; your network computes {what}"
    return failed(name, message, "one hidden unit can detect 'at least one input is on', "
                  "another 'both are on'; the output combines the two.")


def _mlp_parameters(sizes: list[int]) -> int:
    # what PyTorch counts for the same stack of nn.Linear layers
    return sum(p.numel() for a, b in zip(sizes[:-1], sizes[1:])
               for p in nn.Linear(a, b).parameters())


def check_count_parameters(fn: Callable[[list[int]], int]) -> CheckResult:
    """Check ``fn(sizes)``: the number of trainable numbers in ``MLP(sizes)``."""
    name = "check_count_parameters"
    require_callable("fn", fn)
    for sizes in ([2, 3, 1], [64, 256, 128, 10], [5, 5], [10, 1, 1, 1, 4]):
        got, problem = call_answer(name, fn, list(sizes))
        if problem is not None:
            return problem
        count = as_number(got)
        if count is None or not count.is_integer():
            got = repr(got) if count is not None else type(got).__name__
            return failed(name, f"the count should be a whole number, got {got}",
                          "return an int.")
        got = as_int(got) if as_int(got) is not None else int(count)
        want = _mlp_parameters(sizes)
        if int(got) == want:
            continue
        weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
        hint = "count a weight matrix and a bias vector for each pair of adjacent layers."
        if got == weights:
            hint = "you counted the weights only: every unit of a linear layer has a bias."
        elif got == want + sizes[0]:
            hint = "the inputs have no biases: they are data, not units that compute."
        return failed(name, f"for sizes {sizes} you counted {got}, which is "
                      f"{'too many' if got > want else 'too few'}", hint)
    return passed(name, "your counts agree with PyTorch's for every network tried.")


def _layers(seed: int) -> list[nn.Linear]:
    g = torch.Generator().manual_seed(seed)
    sizes = [4, 6, 5, 3]
    layers = [nn.Linear(a, b).double() for a, b in zip(sizes[:-1], sizes[1:])]
    with torch.no_grad():
        for layer in layers:
            layer.weight.copy_(torch.randn(layer.weight.shape, generator=g,
                                           dtype=torch.float64))
            layer.bias.copy_(torch.randn(layer.bias.shape, generator=g,
                                         dtype=torch.float64))
    return layers


def check_collapse_linear(fn: Callable[[list[nn.Linear]], tuple[torch.Tensor, torch.Tensor]]
                          ) -> CheckResult:
    """Check ``fn(layers) -> (W, b)`` with ``x @ W.T + b`` equal to the stack of layers."""
    name = "check_collapse_linear"
    require_callable("fn", fn)
    layers = _layers(0)
    out, problem = call_answer(name, fn, layers)
    if problem is not None:
        return problem
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        return failed(name, f"the function should return a pair (W, b), got "
                      f"{type(out).__name__}", "return W, b (two tensors).")
    W, b = (as_tensor(t) for t in out)
    x = torch.randn(10, 4, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    with torch.no_grad():
        want = x
        for layer in layers:
            want = layer(want)
        for tensor, what, shape in ((W, "W", (3, 4)), (b, "b", (3,))):
            if not isinstance(tensor, torch.Tensor) or tensor.shape != shape:
                got = tuple(tensor.shape) if isinstance(tensor, torch.Tensor) else \
                    type(tensor).__name__
                return failed(name, f"{what} should have shape {shape} for layers 4 -> 6 "
                              f"-> 5 -> 3, got {got}",
                              "like nn.Linear, W maps inputs to outputs: (out, in).")
        W, b = W.detach().double(), b.detach().double()
        product = layers[2].weight @ layers[1].weight @ layers[0].weight
        if not torch.allclose(W, product, atol=1e-8):
            return failed(name, "W does not reproduce the stack's linear part",
                          "the first layer acts first, so its matrix stands rightmost in "
                          "the product.")
        problem = compare_tensors(name, x @ W.T + b, want, atol=1e-8,
                                  what="x @ W.T + b")
    if problem is not None:
        return failed(name, "W is right, but b is not: " + problem.message,
                      "a bias added early is transformed by every later layer.")
    return passed(name, "one linear layer does what the stack of three does.")
