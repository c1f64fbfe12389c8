"""The exercise check of *A GPT from scratch* passes right answers and diagnoses
wrong ones."""

import pytest
import torch

from dlbook.checks.gpt import check_nucleus


def nucleus(probs, p, *, stop_early=False, strict=False, renormalise=True, unsorted=False):
    if unsorted:
        order = torch.arange(len(probs))
    else:
        order = probs.argsort(descending=True)
    ranked = probs[order]
    above = ranked.cumsum(0) - ranked
    keep_ranked = above + ranked <= p if stop_early else (
        above + ranked < p if strict else above < p)
    keep = torch.zeros(len(probs), dtype=torch.bool)
    keep[order] = keep_ranked
    kept = probs * keep
    return kept / kept.sum() if renormalise else kept


@pytest.mark.parametrize("answer, words", [
    (nucleus, None),
    (lambda q, p: nucleus(q, p, stop_early=True), "stop before"),
    (lambda q, p: nucleus(q, p, strict=True), "exactly to p"),
    (lambda q, p: nucleus(q, p, renormalise=False), "renormalise"),
    (lambda q, p: nucleus(q, p, unsorted=True), "vocabulary's order"),
    (lambda q, p: q, "result"),
])
def test_nucleus_check(answer, words):
    result = check_nucleus(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in result.message, result.message
