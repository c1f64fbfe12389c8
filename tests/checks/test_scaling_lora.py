"""The chapter's checks accept the solutions and name the mistakes they list."""

import numpy as np

from dlbook.checks.scaling_lora import check_merged_weight, check_power_law_exponent


def _exponent(n, loss):
    u, v = np.log(np.asarray(n, float)), np.log(np.asarray(loss, float))
    return -((u - u.mean()) * (v - v.mean())).sum() / ((u - u.mean()) ** 2).sum()


def test_power_law_exponent():
    assert check_power_law_exponent(_exponent)
    assert check_power_law_exponent(lambda n, l: _exponent(n, l) / np.log(10) * np.log(10))
    result = check_power_law_exponent(lambda n, l: -_exponent(n, l))
    assert not result and "negation" in result.message
    result = check_power_law_exponent(lambda n, l: -np.polyfit(np.log(n), l, 1)[0])
    assert not result and "logarithms" in result.message
    assert not check_power_law_exponent(lambda n, l: 0.07)


def test_merged_weight():
    assert check_merged_weight(lambda W, A, B, a: W + (a / A.shape[0]) * B @ A)
    result = check_merged_weight(lambda W, A, B, a: W + a * B @ A)
    assert not result and "rank" in result.message
    result = check_merged_weight(lambda W, A, B, a: (a / A.shape[0]) * B @ A)
    assert not result and "without the frozen weight" in result.message
    assert not check_merged_weight(lambda W, A, B, a: W + (a / A.shape[0]) * A.T @ B.T)
