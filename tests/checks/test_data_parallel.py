"""The exercise check of *Data-parallel training* passes right answers and diagnoses
wrong ones."""

import math

import numpy as np
import pytest
import torch

from dlbook.checks.data_parallel import check_rank_indices


def rank_indices(n, rank, world_size):
    per_rank = math.ceil(n / world_size)
    total = per_rank * world_size
    indices = list(range(n))
    indices += (indices * math.ceil(total / n))[:total - n]
    return indices[rank:total:world_size]


@pytest.mark.parametrize("answer, words", [
    (rank_indices, None),
    (lambda n, r, w: torch.tensor(rank_indices(n, r, w)), None),
    (lambda n, r, w: np.array(rank_indices(n, r, w)), None),
    (lambda n, r, w: tuple(rank_indices(n, r, w)), None),
    (lambda n, r, w: list(range(r, n, w)), "padding"),
    (lambda n, r, w: list(range(n))[r * math.ceil(n / w):(r + 1) * math.ceil(n / w)],
     "contiguous"),
    (lambda n, r, w: [float(i) for i in rank_indices(n, r, w)], "list of ints"),
    (lambda n, r, w: [i + 1 for i in rank_indices(n, r, w)], "not the sampler's"),
])
def test_rank_indices_check(answer, words):
    result = check_rank_indices(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in result.message
