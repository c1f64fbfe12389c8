"""The exercise check of *Performance* passes right answers and diagnoses wrong ones."""

import pytest

from dlbook.checks.performance import check_adam_state_bytes


def adam_right(model):
    params = list(model.parameters())
    return sum(2 * p.numel() * p.element_size() for p in params) + 4 * len(params)


@pytest.mark.parametrize("answer, words", [
    (adam_right, None),
    (lambda m: sum(p.numel() * p.element_size() for p in m.parameters())
     + 4 * len(list(m.parameters())), "two moments"),
    (lambda m: sum(2 * p.numel() * p.element_size() for p in m.parameters()),
     "step count"),
    (lambda m: sum(8 * p.numel() for p in m.parameters()) + 4 * len(list(m.parameters())),
     "element_size"),
    (lambda m: float(adam_right(m)) + 0.5, "whole number"),
])
def test_adam_state_check(answer, words):
    result = check_adam_state_bytes(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in str(result)
