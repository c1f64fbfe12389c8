"""The exercise checks of *Language models* pass right answers and diagnose wrong ones."""

import math

import pytest
import torch

from dlbook.checks.language_models import check_add_k, check_perplexity


@pytest.mark.parametrize("answer, words", [
    (lambda p: torch.exp(-p.log().mean()).item(), None),
    (lambda p: math.exp(-sum(math.log(x) for x in p.tolist()) / len(p)), None),
    (lambda p: float(p.prod() ** (-1 / len(p))), "not finite"),
    (lambda p: torch.exp(p.log().mean()).item(), "1 / perplexity"),
    (lambda p: torch.exp(-p.log().sum()).item(), "sum"),
    (lambda p: -p.log().mean().item(), "cross-entropy"),
    (lambda p: 2 ** (-p.log().mean().item()), "base"),
    (lambda p: (1 / p).mean().item(), "1 / p"),
])
def test_perplexity_check(answer, words):
    result = check_perplexity(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in result.message


@pytest.mark.parametrize("answer, words", [
    (lambda c, k: (c + k) / (c.sum() + k * len(c)), None),
    (lambda c, k: (c + k) / (c.sum() + k), "sum to"),
    (lambda c, k: torch.where(c > 0, c + k, c) / (c.sum() + k * (c > 0).sum()), "probability 0"),
])
def test_add_k_check(answer, words):
    result = check_add_k(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in result.message
