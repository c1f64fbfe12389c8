"""The exercise checks of *Self-attention* pass right answers and diagnose wrong ones."""

import math

import pytest
import torch

from dlbook.checks.self_attention import check_causal_mask, check_padded_attention


@pytest.mark.parametrize("answer, words", [
    (lambda n: torch.ones(n, n, dtype=torch.bool).tril(), None),
    (lambda n: torch.ones(n, n).tril().bool().tolist(), None),
    (lambda n: torch.ones(n, n, dtype=torch.bool).triu(), "future"),
    (lambda n: torch.ones(n, n, dtype=torch.bool).tril(-1), "own position"),
    (lambda n: ~torch.ones(n, n, dtype=torch.bool).tril(), "opposite convention"),
    (lambda n: torch.ones(n, n).tril(), "not boolean"),
    (lambda n: torch.ones(n, n + 1, dtype=torch.bool).tril(), "shape"),
])
def test_causal_check(answer, words):
    result = check_causal_mask(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in result.message


def attention(q, k, v, lengths, *, mask="right", scale=None, zero_after=False):
    real = torch.arange(k.shape[-2]) < lengths[:, None]
    scores = q @ k.transpose(-2, -1) * (1 / math.sqrt(q.shape[-1]) if scale is None
                                        else scale)
    shaped = {"right": real[:, None, None, :], "as it comes": real,
              "queries": real[:, None, :, None], "none": None}[mask]
    if shaped is not None and not zero_after:
        scores = scores.masked_fill(~shaped, float("-inf"))
    weights = torch.softmax(scores, -1)
    if zero_after:
        weights = weights * shaped
    return weights @ v


@pytest.mark.parametrize("answer, words", [
    (attention, None),
    (lambda *a: attention(*a).float(), None),
    (lambda *a: attention(*a, mask="none"), "no mask"),
    (lambda *a: attention(*a, mask="as it comes"), "broadcasts as (1, 1, B, L)"),
    (lambda *a: attention(*a, mask="queries"), "query axis"),
    (lambda *a: attention(*a, scale=1.0), "not scaled"),
    (lambda *a: attention(*a, scale=1 / a[0].shape[-1]), "divided by d"),
    (lambda *a: attention(*a, zero_after=True), "zeroed after the softmax"),
])
def test_padded_attention_check(answer, words):
    result = check_padded_attention(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in result.message
