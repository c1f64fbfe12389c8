"""The exercise checks of *The transformer* pass right answers and diagnose wrong ones."""

import pytest
import torch

from dlbook.checks.transformer import check_label_smoothing, check_warmup_lr


def smoothed(logits, targets, eps):
    logp = logits.log_softmax(1)
    nll = -logp[torch.arange(len(targets)), targets]
    return ((1 - eps) * nll - eps * logp.mean(1)).mean()


def others_only(logits, targets, eps):
    logp, V = logits.log_softmax(1), logits.shape[1]
    nll = -logp[torch.arange(len(targets)), targets]
    return ((1 - eps) * nll + eps * (-logp.sum(1) - nll) / (V - 1)).mean()


@pytest.mark.parametrize("answer, words", [
    (smoothed, None),
    (lambda l, t, e: torch.nn.functional.cross_entropy(l, t, label_smoothing=e), None),
    (others_only, "V - 1"),
    (lambda l, t, e: smoothed(l, t, e) * len(t), "sum"),
    (lambda l, t, e: torch.nn.functional.cross_entropy(l, t), "wrong value"),
])
def test_label_smoothing_check(answer, words):
    result = check_label_smoothing(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in result.message


@pytest.mark.parametrize("answer, words", [
    (lambda s, d, w: d ** -0.5 * min(s ** -0.5, s * w ** -1.5), None),
    (lambda s, d, w: d ** -0.5 * max(s ** -0.5, s * w ** -1.5), "larger"),
    (lambda s, d, w: min(s ** -0.5, s * w ** -1.5), "d_model"),
    (lambda s, d, w: d ** -0.5 * min((s + 1) ** -0.5, (s + 1) * w ** -1.5), "one step"),
    (lambda s, d, w: 0.001, "wrong value"),
])
def test_warmup_check(answer, words):
    result = check_warmup_lr(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in result.message
