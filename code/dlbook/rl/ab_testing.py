"""The A/B test as a fixed-horizon experiment: the two-proportion z-test and the
sample size it needs. Chapter: *Bandits*.

The functions take NumPy arrays, so that one call tests thousands of simulated
experiments at once.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import torch

from .._args import check_float


def _check_counts(name: str, value) -> np.ndarray:
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array of counts, got {type(value).__name__}")
    if value.size == 0 or value.dtype.kind not in "iuf" or not np.isfinite(value).all() \
            or (value < 0).any():
        raise ValueError(f"{name} must be a non-empty array of counts >= 0")
    return value


def _check_experiments(successes_a, trials_a, successes_b, trials_b):
    s_a, n_a = _check_counts("successes_a", successes_a), _check_counts("trials_a", trials_a)
    s_b, n_b = _check_counts("successes_b", successes_b), _check_counts("trials_b", trials_b)
    if (s_a > n_a).any() or (s_b > n_b).any() or (n_a == 0).any() or (n_b == 0).any():
        raise ValueError("trials_a and trials_b must be positive and at least "
                         "successes_a and successes_b")
    return s_a, n_a, s_b, n_b


def z_statistic(successes_a: np.ndarray, trials_a: np.ndarray, successes_b: np.ndarray,
                trials_b: np.ndarray) -> np.ndarray:
    """The pooled two-proportion z statistic of B against A, elementwise:
    ``(p_b - p_a) / sqrt(p (1 - p) (1/n_a + 1/n_b))`` with ``p`` the pooled rate.
    0 where no trial succeeded or every trial did. Chapter: *Bandits*."""
    s_a, n_a, s_b, n_b = _check_experiments(successes_a, trials_a, successes_b, trials_b)
    pooled = (s_a + s_b) / (n_a + n_b)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(se > 0, (s_b / n_b - s_a / n_a) / se, 0.0)


def p_value(z: np.ndarray) -> np.ndarray:
    """The two-sided p-value of a z statistic, ``P(|N(0, 1)| >= |z|)``, elementwise.
    Chapter: *Bandits*."""
    if not isinstance(z, np.ndarray):
        raise TypeError(f"z must be a NumPy array, got {type(z).__name__}")
    if z.size == 0 or z.dtype.kind not in "iuf" or np.isnan(z).any():
        raise ValueError("z must be a non-empty array of numbers")
    return torch.special.erfc(torch.from_numpy(np.abs(z) / math.sqrt(2))).numpy()


def sample_size(p_a: float, p_b: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Visitors per group for the two-sided z-test at level ``alpha`` to detect the
    change from ``p_a`` to ``p_b`` with probability ``power`` (the normal
    approximation). Chapter: *Bandits*."""
    p_a = check_float("p_a", p_a, minimum=0.0, maximum=1.0, strict_min=True, strict_max=True)
    p_b = check_float("p_b", p_b, minimum=0.0, maximum=1.0, strict_min=True, strict_max=True)
    alpha = check_float("alpha", alpha, minimum=0.0, maximum=1.0, strict_min=True,
                        strict_max=True)
    power = check_float("power", power, minimum=0.0, maximum=1.0, strict_min=True,
                        strict_max=True)
    if p_a == p_b:
        raise ValueError("p_a and p_b must differ: no sample size detects no change")
    z_alpha, z_power = NormalDist().inv_cdf(1 - alpha / 2), NormalDist().inv_cdf(power)
    pooled = (p_a + p_b) / 2
    spread = (z_alpha * math.sqrt(2 * pooled * (1 - pooled))
              + z_power * math.sqrt(p_a * (1 - p_a) + p_b * (1 - p_b)))
    return math.ceil(spread ** 2 / (p_b - p_a) ** 2)
