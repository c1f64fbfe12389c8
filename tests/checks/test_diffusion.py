"""The exercise check of *Diffusion models* passes right answers and diagnoses wrong
ones."""

import math

import pytest
import torch

from dlbook.checks.diffusion import check_ddim_step


def ddim_right(x_t, eps, a_t, a_prev):
    x0 = (x_t - math.sqrt(1 - a_t) * eps) / math.sqrt(a_t)
    return math.sqrt(a_prev) * x0 + math.sqrt(1 - a_prev) * eps


@pytest.mark.parametrize("answer, words", [
    (ddim_right, None),
    (lambda x, e, a, p: torch.tensor(ddim_right(x, e, a, p).tolist()), None),
    (lambda x, e, a, p: (x - math.sqrt(1 - a) * e) / math.sqrt(a), "clean point"),
    (lambda x, e, a, p: ddim_right(x, e, p, a), "swap"),
    (lambda x, e, a, p: p * (x - (1 - a) * e) / a + (1 - p) * e, "square root"),
    (lambda x, e, a, p: ddim_right(x, e, a, p) + 0.1, "wrong values"),
])
def test_ddim_step_check(answer, words):
    result = check_ddim_step(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in result.message
