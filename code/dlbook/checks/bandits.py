"""Checks for the code exercises of the chapter *Bandits*.

Each check runs the reader's function on inputs built to expose one typical
mistake at a time, without printing the expected values.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch

from . import CheckResult, as_tensor, call_answer, call_for_number, close, compare_tensors, \
    failed, passed, require_callable


def _ucb(counts: np.ndarray, sums: np.ndarray, *, own_log: bool = False,
         all_runs: bool = False, factor: float = 2.0) -> np.ndarray:
    t = counts if own_log else counts.sum() if all_runs else counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return sums / counts + np.sqrt(factor * np.log(t) / counts)


def check_ucb1_index(fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    """Check ``fn(counts, sums)``: UCB1's index of every arm, for arrays of shape
    (runs, arms), infinite for an arm never pulled. Chapter: *Bandits*."""
    name = "ucb1_index"
    require_callable("fn", fn)
    counts = np.array([[2.0, 3.0, 5.0], [10.0, 1.0, 4.0]])
    sums = np.array([[1.0, 3.0, 1.0], [6.0, 0.0, 2.0]])
    got, problem = call_answer(name, fn, counts.copy(), sums.copy())
    if problem is not None:
        return problem
    want = torch.from_numpy(_ucb(counts, sums))
    got_t = as_tensor(got)
    if isinstance(got_t, torch.Tensor) and got_t.shape == want.shape:
        for mistake, value, hint in (
                ("you take the logarithm of each arm's own count",
                 _ucb(counts, sums, own_log=True),
                 "t is the run's total number of pulls: counts.sum(axis=1, keepdims=True)."),
                ("your t counts the pulls of all runs together",
                 _ucb(counts, sums, all_runs=True),
                 "each run is its own bandit: t = counts.sum(axis=1, keepdims=True)."),
                ("your bonus lacks the factor 2 under the square root",
                 _ucb(counts, sums, factor=1.0), "the bonus is sqrt(2 ln t / n_a).")):
            if close(got_t, torch.from_numpy(value), atol=1e-9):
                return failed(name, mistake, hint)
    problem = compare_tensors(name, got, want, atol=1e-9, what="the index of pulled arms")
    if problem is not None:
        return problem
    untried_counts = np.array([[0.0, 2.0, 3.0]])
    untried_sums = np.array([[0.0, 1.0, 2.0]])
    got, problem = call_answer(name, fn, untried_counts.copy(), untried_sums.copy())
    if problem is not None:
        return problem
    got_t = as_tensor(got)
    if not isinstance(got_t, torch.Tensor) or got_t.shape != (1, 3):
        return failed(name, "with an arm never pulled, return an array of the same shape "
                      "as counts", "use np.where(counts > 0, index, np.inf).")
    if not (float(got_t[0, 0]) == math.inf):
        return failed(name, f"an arm never pulled gets the index {float(got_t[0, 0])}, "
                      "not infinity", "an arm never pulled must be pulled first: give it "
                      "np.inf, for instance with np.where(counts > 0, index, np.inf).")
    problem = compare_tensors(name, got_t[:, 1:], torch.from_numpy(
        _ucb(untried_counts, untried_sums)[:, 1:]), atol=1e-9,
        what="the index of the pulled arms next to an untried one")
    if problem is not None:
        return problem
    return passed(name, "your index matches UCB1's, untried arms first.")


def _kl(p: float, q: float) -> float:
    return p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))


def check_lai_robbins(fn: Callable[[np.ndarray], float]) -> CheckResult:
    """Check ``fn(means)``: the Lai-Robbins constant of a Bernoulli bandit,
    the sum over suboptimal arms of gap / KL(mean, best mean). Chapter: *Bandits*."""
    name = "lai_robbins"
    require_callable("fn", fn)
    for means in (np.array([0.5, 0.3, 0.6, 0.2, 0.4]), np.array([0.9, 0.8, 0.9, 0.1])):
        got, problem = call_for_number(name, fn, means.copy())
        if problem is not None:
            return problem
        best = means.max()
        others = means[means < best]
        want = sum((best - m) / _kl(m, best) for m in others)
        variants = {
            "you use KL(best mean, arm mean): the order of KL's arguments is swapped":
                (sum((best - m) / _kl(best, m) for m in others),
                 "the divergence is KL(mean of the arm, best mean)."),
            "you sum 1 / KL without the gaps":
                (sum(1 / _kl(m, best) for m in others),
                 "each arm's pulls cost its gap: the sum is of gap / KL."),
            "your KL uses a logarithm other than the natural one":
                (want * math.log(2), "the bound is in natural logarithms: use np.log."),
        }
        for mistake, (value, hint) in variants.items():
            if abs(got - value) <= 1e-6 * max(1.0, abs(value)):
                return failed(name, mistake, hint)
        if not abs(got - want) <= 1e-6 * max(1.0, abs(want)):
            if means[0] == means[2]:
                return failed(name, f"the constant with two best arms tied is {got:.6g}, "
                              "which is not right", "sum over the arms whose mean is below "
                              "the best one only.")
            return failed(name, f"the constant is {got:.6g}, which is not right",
                          "sum gap_a / KL(mu_a, mu*) over the suboptimal arms, with "
                          "KL(p, q) = p log(p/q) + (1-p) log((1-p)/(1-q)).")
    return passed(name, "your constant matches Lai and Robbins' C(mu).")
