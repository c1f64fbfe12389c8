"""The exercise check of *Policy gradients* passes right answers and diagnoses
wrong ones."""

import pytest
import torch

from dlbook.checks.policy_gradient import check_clipped_objective


def objective(ratio, advantages, clip, *, combine=torch.minimum, clip_it=True, unclipped=True):
    clipped = torch.clamp(ratio, 1 - clip, 1 + clip) if clip_it else ratio
    if not unclipped:
        return clipped * advantages
    return combine(ratio * advantages, clipped * advantages)


@pytest.mark.parametrize("answer, words", [
    (objective, None),
    (lambda *a: objective(*a).float(), None),
    (lambda *a: objective(*a).tolist(), None),
    (lambda *a: objective(*a, combine=torch.maximum), "maximum"),
    (lambda *a: objective(*a, unclipped=False), "clipped term alone"),
    (lambda *a: objective(*a, clip_it=False), "clip"),
    (lambda *a: objective(*a)[:-1], "shape"),
    (lambda *a: objective(*a) + 0.1, "objective"),
])
def test_clipped_objective_check(answer, words):
    result = check_clipped_objective(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in result.message, result
