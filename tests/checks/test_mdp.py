"""The exercise checks of *Markov decision processes* pass right answers and diagnose
wrong ones."""

import pytest
import torch

from dlbook.checks.mdp import check_policy_evaluation, check_value_iteration


def value_iteration(P, r, gamma, *, reduce="max", transpose=False, discount=True):
    V = torch.zeros(P.shape[0], dtype=P.dtype)
    for _ in range(10_000):               # a wrong update may diverge: stop anyway
        future = torch.einsum("sat,s->ta", P, V) if transpose else P @ V
        Q = r + (gamma if discount else 1.0) * future
        V_new = Q.max(1).values if reduce == "max" else Q.mean(1)
        if (V_new - V).abs().max() < 1e-12:
            return V_new
        V = V_new
    return V


def evaluate(P, r, policy, gamma, *, transpose=False, discount=True, weighted=True):
    P_pi = torch.einsum("sa,sat->st", policy, P)
    r_pi = (policy * r).sum(1) if weighted else r.sum(1)
    I = torch.eye(len(r), dtype=P.dtype)
    return torch.linalg.solve(I - (gamma if discount else 1.0) * (P_pi.T if transpose
                                                                    else P_pi), r_pi)


@pytest.mark.parametrize("answer, words", [
    (value_iteration, None),
    (lambda P, r, g: value_iteration(P, r, g, reduce="mean"), "average"),
    (lambda P, r, g: value_iteration(P, r, g, transpose=True), "wrong axis"),
    (lambda P, r, g: value_iteration(P, r, g, discount=False), "discount"),
    (lambda P, r, g: value_iteration(P, r, g) + 0.1, "wrong values"),
])
def test_value_iteration_check(answer, words):
    result = check_value_iteration(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in result.message


@pytest.mark.parametrize("answer, words", [
    (evaluate, None),
    (lambda P, r, p, g: evaluate(P, r, p, g, transpose=True), "transpose"),
    (lambda P, r, p, g: evaluate(P, r, p, g, discount=False), "discount"),
    (lambda P, r, p, g: evaluate(P, r, p, g, weighted=False), "weight"),
    (lambda P, r, p, g: evaluate(P, r, p, g)[:-1], "shape"),
])
def test_policy_evaluation_check(answer, words):
    result = check_policy_evaluation(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in result.message
