"""The exercise checks of *Normalization* pass right answers and diagnose wrong ones."""

import pytest
import torch
from torch import nn

from dlbook.checks.normalization import (check_batchnorm_forward, check_fold_batchnorm,
                                         check_layernorm)


def bn_right(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        n = x.shape[0]
        mean, var = x.mean(0), x.var(0, unbiased=False)
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean, running_var
    return gamma * (x - mean) / torch.sqrt(var + eps) + beta, new_mean, new_var


def bn_wrong_axis(x, gamma, beta, running_mean, running_var, training, momentum=0.1,
                  eps=1e-5):
    y, m, v = bn_right(x, gamma, beta, running_mean, running_var, training, momentum, eps)
    if training:
        mean = x.mean(1, keepdim=True)
        var = x.var(1, unbiased=False, keepdim=True)
        y = gamma * (x - mean) / torch.sqrt(var + eps) + beta
    return y, m, v


def bn_biased_running(x, gamma, beta, running_mean, running_var, training, momentum=0.1,
                      eps=1e-5):
    y, m, v = bn_right(x, gamma, beta, running_mean, running_var, training, momentum, eps)
    if training:
        v = (1 - momentum) * running_var + momentum * x.var(0, unbiased=False)
    return y, m, v


def bn_batch_stats_in_eval(x, gamma, beta, running_mean, running_var, training,
                           momentum=0.1, eps=1e-5):
    y, m, v = bn_right(x, gamma, beta, running_mean, running_var, True, momentum, eps)
    if not training:
        m, v = running_mean, running_var
    return y, m, v


def bn_keras_momentum(x, gamma, beta, running_mean, running_var, training, momentum=0.1,
                      eps=1e-5):
    return bn_right(x, gamma, beta, running_mean, running_var, training, 1 - momentum,
                    eps)[:1] + bn_right(x, gamma, beta, running_mean, running_var,
                                        training, 1 - momentum, eps)[1:]


def bn_in_place(x, gamma, beta, running_mean, running_var, training, momentum=0.1,
                eps=1e-5):
    y, m, v = bn_right(x, gamma, beta, running_mean, running_var, training, momentum, eps)
    running_mean.copy_(m)
    running_var.copy_(v)
    return y, running_mean, running_var


def test_check_batchnorm_forward():
    assert check_batchnorm_forward(bn_right)
    cases = {bn_wrong_axis: "wrong axis", bn_biased_running: "biased",
             bn_batch_stats_in_eval: "uses the batch statistics",
             bn_keras_momentum: "weights the old estimate", bn_in_place: "in place"}
    for wrong, message in cases.items():
        result = check_batchnorm_forward(wrong)
        assert not result, wrong.__name__
        assert message in result.message, (wrong.__name__, result.message)
    result = check_batchnorm_forward(lambda *a: a[0])
    assert not result and "tuple" in result.message
    with pytest.raises(TypeError, match="function"):
        check_batchnorm_forward(3)


def ln_right(x, gamma, beta, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    var = x.var(-1, unbiased=False, keepdim=True)
    return gamma * (x - mean) / torch.sqrt(var + eps) + beta


def ln_over_batch(x, gamma, beta, eps=1e-5):
    mean = x.mean(0, keepdim=True)
    var = x.var(0, unbiased=False, keepdim=True)
    return gamma * (x - mean) / torch.sqrt(var + eps) + beta


def ln_unbiased(x, gamma, beta, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    return gamma * (x - mean) / torch.sqrt(x.var(-1, keepdim=True) + eps) + beta


def ln_eps_outside(x, gamma, beta, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    std = x.var(-1, unbiased=False, keepdim=True).sqrt()
    return gamma * (x - mean) / (std + eps) + beta


def test_check_layernorm():
    assert check_layernorm(ln_right)
    assert check_layernorm(lambda x, g, b, eps=1e-5: nn.functional.layer_norm(
        x, x.shape[-1:], g, b, eps))
    for wrong, message in {ln_over_batch: "batch axis", ln_unbiased: "unbiased",
                           ln_eps_outside: "almost equal"}.items():
        result = check_layernorm(wrong)
        assert not result, wrong.__name__
        assert message in result.message, (wrong.__name__, result.message)


def fold_right(linear, bn):
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    bias = linear.bias if linear.bias is not None else torch.zeros_like(bn.running_mean)
    folded = nn.Linear(linear.in_features, linear.out_features).to(linear.weight.dtype)
    with torch.no_grad():
        folded.weight.copy_(linear.weight * scale[:, None])
        folded.bias.copy_((bias - bn.running_mean) * scale + bn.bias)
    return folded


def fold_no_eps(linear, bn):
    scale = bn.weight / torch.sqrt(bn.running_var)
    bias = linear.bias if linear.bias is not None else torch.zeros_like(bn.running_mean)
    folded = nn.Linear(linear.in_features, linear.out_features).double()
    with torch.no_grad():
        folded.weight.copy_(linear.weight * scale[:, None])
        folded.bias.copy_((bias - bn.running_mean) * scale + bn.bias)
    return folded


def fold_no_mean(linear, bn):
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    bias = linear.bias if linear.bias is not None else torch.zeros_like(bn.running_mean)
    folded = nn.Linear(linear.in_features, linear.out_features).double()
    with torch.no_grad():
        folded.weight.copy_(linear.weight * scale[:, None])
        folded.bias.copy_(bias * scale + bn.bias)
    return folded


def fold_in_place(linear, bn):
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    with torch.no_grad():
        linear.weight.mul_(scale[:, None])
        linear.bias.copy_((linear.bias - bn.running_mean) * scale + bn.bias)
    return linear


def fold_assumes_bias(linear, bn):
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    folded = nn.Linear(linear.in_features, linear.out_features).double()
    with torch.no_grad():
        folded.weight.copy_(linear.weight * scale[:, None])
        folded.bias.copy_(-bn.running_mean * scale + bn.bias)
        if linear.bias is not None:
            folded.bias.add_(linear.bias * scale * 0)  # drops the bias
    return folded


def test_check_fold_batchnorm():
    assert check_fold_batchnorm(fold_right)
    for wrong, message in {fold_no_eps: "eps", fold_no_mean: "running mean",
                           fold_in_place: "changed the original model",
                           fold_assumes_bias: "own bias"}.items():
        result = check_fold_batchnorm(wrong)
        assert not result, wrong.__name__
        assert message in result.message, (wrong.__name__, result.message)
    result = check_fold_batchnorm(lambda linear, bn: nn.Sequential(linear, bn))
    assert not result and "nn.Linear" in result.message
