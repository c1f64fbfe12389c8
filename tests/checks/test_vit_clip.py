"""The exercise checks of the chapter *Vision transformers, CLIP and captioning*
pass right answers and catch wrong ones."""

from __future__ import annotations

from collections import Counter

import torch
import torch.nn.functional as F

from dlbook.checks.vit_clip import check_clip_loss, check_modified_precision
from dlbook.transformers.clip import clip_loss


def test_clip_loss_passes_the_package_loss():
    assert check_clip_loss(clip_loss)


def test_clip_loss_names_the_mistakes():
    def one_way(u, v, t):
        s = F.normalize(u, dim=1) @ F.normalize(v, dim=1).T / t
        return F.cross_entropy(s, torch.arange(len(s)))

    def raw(u, v, t):
        s = u @ v.T / t
        target = torch.arange(len(s))
        return (F.cross_entropy(s, target) + F.cross_entropy(s.T, target)) / 2

    def times(u, v, t):
        return clip_loss(u, v, 1 / t)

    for wrong, words in ((one_way, "only the image-to-text"), (raw, "not normalised"),
                         (times, "multiplied"),
                         (lambda u, v, t: 2 * clip_loss(u, v, t), "added, not averaged"),
                         (lambda u, v, t: None, "number")):
        result = check_clip_loss(wrong)
        assert not result and words in result.message, result


def modified_precision(hypothesis, references, n):
    grams = lambda t: Counter(tuple(t[i:i + n]) for i in range(len(t) - n + 1))  # noqa
    counts, most = grams(hypothesis), Counter()
    for ref in references:
        most |= grams(ref)
    return sum(min(k, most[g]) for g, k in counts.items()), sum(counts.values())


def test_modified_precision_passes_and_names_the_mistakes():
    assert check_modified_precision(modified_precision)

    def unclipped(hypothesis, references, n):
        grams = lambda t: [tuple(t[i:i + n]) for i in range(len(t) - n + 1)]  # noqa
        seen = {g for r in references for g in grams(r)}
        hyp = grams(hypothesis)
        return sum(g in seen for g in hyp), len(hyp)

    def summed(hypothesis, references, n):
        grams = lambda t: Counter(tuple(t[i:i + n]) for i in range(len(t) - n + 1))  # noqa
        counts, total = grams(hypothesis), Counter()
        for ref in references:
            total += grams(ref)
        return sum(min(k, total[g]) for g, k in counts.items()), sum(counts.values())

    result = check_modified_precision(unclipped)
    assert not result and "not clipped" in result.message, result
    result = check_modified_precision(summed)
    assert not result and "adds up" in result.message, result
    result = check_modified_precision(lambda h, r, n: 0.5)
    assert not result and "pair" in result.message, result
