"""The exercise checks of *Softmax regression*: right answers pass, typical mistakes fail."""

import pytest
import torch

from dlbook.checks.softmax_regression import (check_cross_entropy, check_log_softmax,
                                              check_top_k_accuracy)


# --- log_softmax -------------------------------------------------------------------

def log_softmax_right(x):
    m = x.max(dim=-1, keepdim=True).values
    return x - m - torch.log(torch.exp(x - m).sum(dim=-1, keepdim=True))


def log_softmax_naive(x):  # no max subtraction: exp overflows
    return x - torch.log(torch.exp(x).sum(dim=-1, keepdim=True))


def log_softmax_log_of_probs(x):  # stable softmax, then log: tiny probabilities become 0
    e = torch.exp(x - x.max(dim=-1, keepdim=True).values)
    return torch.log(e / e.sum(dim=-1, keepdim=True))


def log_softmax_axis0(x):
    m = x.max(dim=0, keepdim=True).values
    return x - m - torch.log(torch.exp(x - m).sum(dim=0, keepdim=True))


def log_softmax_axis1(x):  # right for matrices, wrong for (B, T, C)
    m = x.max(dim=1, keepdim=True).values
    return x - m - torch.log(torch.exp(x - m).sum(dim=1, keepdim=True))


def log_softmax_normaliser_only(x):  # returns the log-sum-exp, one number per row
    m = x.max(dim=-1, keepdim=True).values
    return (m + torch.log(torch.exp(x - m).sum(dim=-1, keepdim=True))).squeeze(-1)


def log_softmax_in_place(x):
    x -= x.max(dim=-1, keepdim=True).values
    return x - torch.log(torch.exp(x).sum(dim=-1, keepdim=True))


def test_log_softmax_right_answers_pass():
    assert check_log_softmax(log_softmax_right)
    assert check_log_softmax(lambda x: torch.log_softmax(x, dim=-1))


@pytest.mark.parametrize("answer, message", [
    (log_softmax_naive, "NaN or inf"),
    (log_softmax_log_of_probs, "-inf"),
    (log_softmax_axis0, "axis 0"),
    (log_softmax_axis1, "axis 1"),
    (log_softmax_normaliser_only, "shape"),
    (log_softmax_in_place, "changed its input"),
    (lambda x: str(x), "torch.Tensor"),
])
def test_log_softmax_mistakes_fail(answer, message):
    result = check_log_softmax(answer)
    assert not result and message in result.message, result


def test_log_softmax_failures_do_not_reveal_values():
    result = check_log_softmax(lambda x: x * 0)
    assert not result and "wrong values" in result.message


# --- cross_entropy -------------------------------------------------------------------

def ce_right(logits, targets):
    return -log_softmax_right(logits)[torch.arange(len(targets)), targets].mean()


@pytest.mark.parametrize("answer, message", [
    (lambda z, t: -log_softmax_right(z)[torch.arange(len(t)), t], "one loss per example"),
    (lambda z, t: log_softmax_right(z)[torch.arange(len(t)), t].mean(), "sign"),
    (lambda z, t: -log_softmax_right(z)[torch.arange(len(t)), t].sum(), "sum"),
    (lambda z, t: -log_softmax_right(z)[:, t].mean(), "one entry per example"),
    (lambda z, t: -log_softmax_naive(z)[torch.arange(len(t)), t].mean(), "inf or NaN"),
    (lambda z, t: -log_softmax_right(z)[torch.arange(len(t)), t].mean().reshape(1),
     "scalar"),
    (lambda z, t: -log_softmax_right(z)[:, 0].mean(), "wrong values"),
])
def test_cross_entropy_mistakes_fail(answer, message):
    result = check_cross_entropy(answer)
    assert not result and message in result.message, result


def test_cross_entropy_right_answer_passes():
    assert check_cross_entropy(ce_right)


# --- top_k_accuracy ------------------------------------------------------------------

def top_k_right(logits, targets, k):
    top = logits.topk(k, dim=1).indices
    return (top == targets[:, None]).any(dim=1).float().mean().item()


@pytest.mark.parametrize("answer, message", [
    (lambda z, t, k: top_k_right(z, t, k) * len(t), "count"),
    (lambda z, t, k: top_k_right(z, t, max(1, k - 1)), "top-"),
    (lambda z, t, k: (z.topk(k, dim=1).indices == t[:, None]).any(dim=1).float(),
     "shape"),
    (lambda z, t, k: (z.topk(k, dim=1).indices == t[:, None]).float().mean(0).sum()
     * 0.5, "wrong"),
    (lambda z, t, k: "high", "return a number"),
])
def test_top_k_mistakes_fail(answer, message):
    result = check_top_k_accuracy(answer)
    assert not result and message in result.message, result


def test_top_k_right_answers_pass():
    assert check_top_k_accuracy(top_k_right)
    assert check_top_k_accuracy(
        lambda z, t, k: (z.argsort(dim=1, descending=True)[:, :k] == t[:, None])
        .any(dim=1).double().mean())


def test_checks_reject_non_functions():
    with pytest.raises(TypeError, match="must be a function"):
        check_log_softmax(torch.zeros(3))
