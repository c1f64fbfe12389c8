"""Checks for the code exercises of the chapter *Normalization*.

Each check runs the reader's function on inputs built to expose one typical
mistake at a time, and compares with PyTorch's own layers, without printing
the expected values.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn
from torch.nn import functional as F

from . import (CheckResult, as_tensor, call_answer, compare_tensors, failed, passed,
               require_callable)


def _batch(n: int = 4, d: int = 3, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    # Different means and scales per feature, so that the axis matters.
    return (torch.randn(n, d, generator=g, dtype=torch.float64)
            * torch.arange(1, d + 1, dtype=torch.float64) + 3.0 * torch.arange(d))


def _reference_bn(x, gamma, beta, running_mean, running_var, training, momentum, eps):
    rm, rv = running_mean.clone(), running_var.clone()
    y = F.batch_norm(x, rm, rv, gamma, beta, training=training, momentum=momentum,
                     eps=eps)
    return y, rm, rv


def check_batchnorm_forward(fn: Callable) -> CheckResult:
    """Check ``fn(x, gamma, beta, running_mean, running_var, training, momentum, eps)``.

    It must return ``(y, new_running_mean, new_running_var)`` as
    ``torch.nn.functional.batch_norm`` computes them, for ``(N, D)`` inputs.
    Chapter: *Normalization*.
    """
    name = "batchnorm_forward"
    require_callable("fn", fn)
    x = _batch()
    d = x.shape[1]
    gamma = torch.tensor([1.5, 0.5, 2.0], dtype=torch.float64)
    beta = torch.tensor([0.1, -0.2, 0.3], dtype=torch.float64)
    running_mean = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
    running_var = torch.tensor([2.0, 0.5, 1.5], dtype=torch.float64)

    for training in (True, False):
        mode = "training" if training else "evaluation"
        for momentum in (0.1, 0.7):
            got, problem = call_answer(name, fn, x, gamma, beta, running_mean,
                                       running_var, training, momentum, 1e-5)
            if problem is not None:
                return problem
            if not isinstance(got, (tuple, list)) or len(got) != 3:
                return failed(name, "return a tuple (y, new_running_mean, new_running_var), "
                              f"got {type(got).__name__}",
                              "even in evaluation, return the running statistics too.")
            y, new_mean, new_var = (as_tensor(t) for t in got)
            want_y, want_mean, want_var = _reference_bn(
                x, gamma, beta, running_mean, running_var, training, momentum, 1e-5)
            bad = compare_tensors(name, y, want_y, atol=1e-6, what=f"y in {mode}")
            if bad is not None:
                return _diagnose_y(name, y, x, gamma, beta, running_mean, running_var,
                                   training, bad)
            bad = compare_tensors(name, new_mean, want_mean, atol=1e-6,
                                  what=f"the new running mean in {mode}")
            if bad is not None:
                if training and isinstance(new_mean, torch.Tensor) and torch.allclose(
                        new_mean.double(),
                        momentum * running_mean + (1 - momentum) * x.mean(0), atol=1e-6):
                    return failed(name, "the new running mean weights the old estimate "
                                  "by momentum", "in PyTorch, momentum is the weight of "
                                  "the NEW batch statistic.")
                return bad
            bad = compare_tensors(name, new_var, want_var, atol=1e-6,
                                  what=f"the new running variance in {mode}")
            if bad is not None:
                n = x.shape[0]
                biased = (1 - momentum) * running_var + momentum * x.var(0, unbiased=False)
                if (training and isinstance(new_var, torch.Tensor)
                        and new_var.shape == (d,)
                        and torch.allclose(new_var.double(), biased, atol=1e-6)):
                    return failed(name, "the running variance is updated with the biased "
                                  "batch variance", f"the running estimate is of the "
                                  f"population: correct by n/(n-1) (here n = {n}).")
                return bad
    return passed(name, "outputs and running statistics match PyTorch in both modes.")


def _diagnose_y(name, y, x, gamma, beta, running_mean, running_var, training, bad):
    """Name the usual mistake behind a wrong output, where it can be recognised."""
    if not isinstance(y, torch.Tensor) or y.shape != x.shape:
        return bad
    y = y.detach().double()
    eps = 1e-5

    def close(want):
        return torch.allclose(y, want, atol=1e-6)

    if training:
        rows = (x - x.mean(1, keepdim=True)) / torch.sqrt(
            x.var(1, unbiased=False, keepdim=True) + eps)
        if close(gamma * rows + beta):
            return failed(name, "in training, y is normalised over the wrong axis",
                          "batch normalisation takes each feature's statistics over "
                          "the examples of the batch (dim 0).")
        unbiased = (x - x.mean(0)) / torch.sqrt(x.var(0, unbiased=True) + eps)
        if close(gamma * unbiased + beta):
            return failed(name, "in training, y is normalised with the unbiased variance",
                          "normalise with the batch's own (biased) variance; only the "
                          "running estimate uses the unbiased one.")
        running = (x - running_mean) / torch.sqrt(running_var + eps)
        if close(gamma * running + beta):
            return failed(name, "in training, y uses the running statistics",
                          "training normalises with the statistics of the batch.")
    else:
        batch = (x - x.mean(0)) / torch.sqrt(x.var(0, unbiased=False) + eps)
        if close(gamma * batch + beta):
            return failed(name, "in evaluation, y uses the batch statistics",
                          "evaluation must use running_mean and running_var, so that "
                          "an example's output does not depend on its batch.")
    plain = (x - x.mean(0)) / torch.sqrt(x.var(0, unbiased=False) + eps)
    if training and close(plain):
        return failed(name, "y ignores gamma and beta", "scale by gamma and shift by beta "
                      "after normalising.")
    return bad


def check_layernorm(fn: Callable) -> CheckResult:
    """Check ``fn(x, gamma, beta, eps=1e-5)``: layer normalisation over the last dim.

    Chapter: *Normalization*.
    """
    name = "layernorm"
    require_callable("fn", fn)
    g = torch.Generator().manual_seed(1)
    gamma = torch.tensor([1.5, 0.5, 2.0, 1.0], dtype=torch.float64)
    beta = torch.tensor([0.1, -0.2, 0.3, 0.0], dtype=torch.float64)
    for shape in ((3, 4), (2, 3, 4)):
        x = 4 * torch.randn(shape, generator=g, dtype=torch.float64) + 2
        got, problem = call_answer(name, fn, x, gamma, beta, 1e-5)
        if problem is not None:
            return problem
        want = F.layer_norm(x, (4,), gamma, beta, 1e-5)
        bad = compare_tensors(name, got, want, atol=1e-6, what=f"the output for shape "
                              f"{shape}")
        if bad is None:
            continue
        if isinstance(got, torch.Tensor) and got.shape == want.shape:
            got = got.detach().double()
            over_batch = (x - x.mean(0, keepdim=True)) / torch.sqrt(
                x.var(0, unbiased=False, keepdim=True) + 1e-5)
            if torch.allclose(got, gamma * over_batch + beta, atol=1e-6):
                return failed(name, "the statistics are taken over the batch axis",
                              "layer normalisation uses the statistics of each "
                              "example's own features: the last dimension.")
            unbiased = (x - x.mean(-1, keepdim=True)) / torch.sqrt(
                x.var(-1, keepdim=True) + 1e-5)
            if torch.allclose(got, gamma * unbiased + beta, atol=1e-6):
                return failed(name, "the output uses the unbiased variance",
                              "divide by D, not D - 1 (unbiased=False).")
            outside = (x - x.mean(-1, keepdim=True)) / (
                x.var(-1, unbiased=False, keepdim=True).sqrt() + 1e-5)
            if torch.allclose(got, gamma * outside + beta, atol=1e-9) and not \
                    torch.allclose(got, want, atol=1e-9):
                return failed(name, "eps is added outside the square root",
                              "add eps to the variance, then take the square root.")
        return bad
    # eps placement only shows on a nearly constant row.
    x = torch.tensor([[1.0, 1.0, 1.0, 1.0 + 1e-3]], dtype=torch.float64)
    got, problem = call_answer(name, fn, x, gamma, beta, 1e-5)
    if problem is not None:
        return problem
    bad = compare_tensors(name, got, F.layer_norm(x, (4,), gamma, beta, 1e-5), atol=1e-4,
                          what="the output for a nearly constant row")
    if bad is not None:
        return failed(name, "the output is wrong for a row whose values are almost equal",
                      "add eps to the variance inside the square root.")
    return passed(name, "matches torch.nn.functional.layer_norm.")


def check_fold_batchnorm(fn: Callable) -> CheckResult:
    """Check ``fn(linear, bn)``: one ``nn.Linear`` equal to ``bn(linear(x))`` in eval mode.

    Chapter: *Normalization*.
    """
    name = "fold_batchnorm"
    require_callable("fn", fn)
    torch.manual_seed(0)
    for with_bias in (True, False):
        linear = nn.Linear(5, 3, bias=with_bias).double()
        bn = nn.BatchNorm1d(3, eps=0.5).double()  # a large eps: forgetting it shows
        with torch.no_grad():
            bn.running_mean.copy_(torch.tensor([0.5, -1.0, 2.0]))
            bn.running_var.copy_(torch.tensor([2.0, 0.25, 4.0]))
            bn.weight.copy_(torch.tensor([1.5, -0.5, 2.0]))
            bn.bias.copy_(torch.tensor([0.1, -0.2, 0.3]))
        bn.eval()
        folded, problem = call_answer(name, fn, linear, bn)
        if problem is not None:
            return problem
        if not isinstance(folded, nn.Linear):
            return failed(name, f"return an nn.Linear, got {type(folded).__name__}")
        if folded is linear:
            return failed(name, "you returned the original linear layer",
                          "create a new nn.Linear.")
        if folded.weight.shape != linear.weight.shape:
            return failed(name, f"the folded layer's weight has shape "
                          f"{tuple(folded.weight.shape)}, expected "
                          f"{tuple(linear.weight.shape)}", "folding keeps the layer's "
                          "inputs and outputs: nn.Linear(linear.in_features, "
                          "linear.out_features).")
        x = torch.randn(7, 5, dtype=torch.float64)
        with torch.no_grad():
            want = bn(linear(x))
            got = folded.double()(x)
            bad = compare_tensors(name, got, want, atol=1e-8, what="folded(x)")
            if bad is None:
                continue
            scale_no_eps = bn.weight / bn.running_var.sqrt()
            b = linear.bias if with_bias else torch.zeros(3, dtype=torch.float64)
            no_eps = (linear(x) - bn.running_mean) * scale_no_eps + bn.bias
            if torch.allclose(got, no_eps, atol=1e-8):
                return failed(name, "folded(x) ignores bn.eps",
                              "divide by sqrt(running_var + eps).")
            scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            no_shift = x @ (linear.weight * scale[:, None]).T + b * scale + bn.bias
            if torch.allclose(got, no_shift, atol=1e-8):
                return failed(name, "folded(x) forgets to subtract the running mean")
            if with_bias and torch.allclose(got, want - linear.bias * scale, atol=1e-8):
                return failed(name, "folded(x) drops the linear layer's own bias",
                              "the old bias is normalised too: scale (b - mean).")
            if torch.allclose(got, want - bn.bias, atol=1e-8):
                return failed(name, "folded(x) leaves out beta (bn.bias)")
        if bad is not None:
            if not with_bias:
                return failed(name, "folded(x) is wrong when linear has no bias",
                              "treat a missing bias (linear.bias is None) as zeros.")
            return bad
    return passed(name, "the folded layer computes bn(linear(x)) in eval mode.")
