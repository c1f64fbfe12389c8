"""The exercise checks of *Practical training* pass right answers and diagnose wrong ones."""

import math

import pytest
import torch

from dlbook.checks.practical_training import (check_expected_initial_loss,
                                              check_global_grad_norm,
                                              check_per_class_error_rates)


def initial_right(class_counts, prior_bias=False):
    if not prior_bias:
        return math.log(len(class_counts))
    total = sum(class_counts)
    return -sum(n / total * math.log(n / total) for n in class_counts if n > 0)


def initial_tensor(class_counts, prior_bias=False):
    counts = torch.tensor(class_counts, dtype=torch.float64)
    if not prior_bias:
        return torch.log(torch.tensor(float(len(class_counts))))
    p = counts / counts.sum()
    return -(p * torch.log(p)).nan_to_num().sum()


def initial_log2(class_counts, prior_bias=False):
    return initial_right(class_counts, prior_bias) / math.log(2)


def initial_probability(class_counts, prior_bias=False):
    return 1 / len(class_counts)


def initial_ignores_prior(class_counts, prior_bias=False):
    return math.log(len(class_counts))


def initial_zero_log_zero(class_counts, prior_bias=False):
    if not prior_bias:
        return math.log(len(class_counts))
    p = torch.tensor(class_counts, dtype=torch.float64)
    p = p / p.sum()
    return float(-(p * torch.log(p)).sum())  # nan when a class is empty


def test_check_expected_initial_loss():
    assert check_expected_initial_loss(initial_right)
    assert check_expected_initial_loss(initial_tensor)
    for wrong, message in {initial_log2: "base-2", initial_probability: "probability",
                           initial_ignores_prior: "ignores the prior",
                           initial_zero_log_zero: "not finite"}.items():
        result = check_expected_initial_loss(wrong)
        assert not result, wrong.__name__
        assert message in result.message + result.hint, (wrong.__name__, result.message)
    result = check_expected_initial_loss(lambda c, p=False: [1.0])
    assert not result and "number" in result.message
    with pytest.raises(TypeError, match="function"):
        check_expected_initial_loss(2.3)


def rates_right(pred, y, num_classes):
    counts = torch.bincount(y, minlength=num_classes).double()
    errors = torch.bincount(y[pred != y], minlength=num_classes).double()
    return errors / counts


def rates_accuracy(pred, y, num_classes):
    return 1 - rates_right(pred, y, num_classes)


def rates_no_minlength(pred, y, num_classes):
    return torch.bincount(y[pred != y], minlength=int(y.max()) + 1).double() / \
        torch.bincount(y).double()


def rates_per_predicted(pred, y, num_classes):
    counts = torch.bincount(pred, minlength=num_classes).double()
    errors = torch.bincount(pred[pred != y], minlength=num_classes).double()
    return errors / counts


def rates_zero_for_absent(pred, y, num_classes):
    return rates_right(pred, y, num_classes).nan_to_num(0.0)


def test_check_per_class_error_rates():
    assert check_per_class_error_rates(rates_right)
    for wrong, message in {rates_accuracy: "accuracies", rates_no_minlength: "shape",
                           rates_per_predicted: "predicted class",
                           rates_zero_for_absent: "nan"}.items():
        result = check_per_class_error_rates(wrong)
        assert not result, wrong.__name__
        assert message in result.message, (wrong.__name__, result.message)


def norm_right(model):
    squares = [p.grad.pow(2).sum() for p in model.parameters() if p.grad is not None]
    return torch.sqrt(sum(squares)).item()


def norm_sum(model):
    return sum(p.grad.norm().item() for p in model.parameters() if p.grad is not None)


def norm_squared(model):
    return sum(p.grad.pow(2).sum().item() for p in model.parameters() if p.grad is not None)


def norm_crashes_on_none(model):
    return torch.sqrt(sum(p.grad.pow(2).sum() for p in model.parameters())).item()


def norm_clears(model):
    value = norm_right(model)
    model.zero_grad()
    return value


def test_check_global_grad_norm():
    assert check_global_grad_norm(norm_right)
    for wrong, message in {norm_sum: "sum of the per-parameter", norm_squared: "squared",
                           norm_crashes_on_none: "without a gradient",
                           norm_clears: "cleared"}.items():
        result = check_global_grad_norm(wrong)
        assert not result, wrong.__name__
        assert message in result.message, (wrong.__name__, result.message)
