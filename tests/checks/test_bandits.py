"""The exercise checks of *Bandits* pass right answers and diagnose wrong ones."""

import numpy as np
import pytest

from dlbook.checks.bandits import check_lai_robbins, check_ucb1_index

# Some wrong answers divide by zero on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def ucb(counts, sums, *, own_log=False, all_runs=False, factor=2.0, untried=np.inf):
    t = counts if own_log else counts.sum() if all_runs else counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        index = sums / counts + np.sqrt(factor * np.log(t) / counts)
    return np.where(counts > 0, index, untried)


@pytest.mark.parametrize("answer, words", [
    (ucb, None),
    (lambda c, s: ucb(c, s).tolist(), None),
    (lambda c, s: ucb(c, s, own_log=True), "own count"),
    (lambda c, s: ucb(c, s, factor=1.0), "factor 2"),
    (lambda c, s: ucb(c, s, all_runs=True), "all runs"),
    (lambda c, s: ucb(c, s, untried=0.0), "not infinity"),
    (lambda c, s: ucb(c, s, untried=1e9), "not infinity"),
    (lambda c, s: s / c + np.sqrt(2 * np.log(c.sum(1, keepdims=True)) / c), "not infinity"),
    (lambda c, s: ucb(c, s) + 0.1, "wrong values"),
])
def test_ucb1_check(answer, words):
    result = check_ucb1_index(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in str(result)


def lai_robbins(means, *, swap=False, gaps=True, all_others=False, log=np.log):
    best = means.max()
    others = np.delete(means, means.argmax()) if all_others else means[means < best]

    def kl(p, q):
        return p * log(p / q) + (1 - p) * log((1 - p) / (1 - q))

    return sum(((best - m) if gaps else 1) / (kl(best, m) if swap else kl(m, best))
               for m in others)


@pytest.mark.parametrize("answer, words", [
    (lai_robbins, None),
    (lambda m: np.float32(lai_robbins(m)), None),
    (lambda m: lai_robbins(m, swap=True), "swapped"),
    (lambda m: lai_robbins(m, gaps=False), "without the gaps"),
    (lambda m: lai_robbins(m, all_others=True), "tied"),
    (lambda m: lai_robbins(m, log=np.log2), "natural"),
    (lambda m: lai_robbins(m) + 0.5, "gap_a / KL"),
])
def test_lai_robbins_check(answer, words):
    result = check_lai_robbins(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in str(result)
