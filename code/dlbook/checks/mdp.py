"""Checks for the code exercises of the chapter *Markov decision processes*.

Each check runs the reader's function on small MDPs (a random one, and
FrozenLake's own) built to expose one typical mistake at a time, without
printing the expected values.
"""

from __future__ import annotations

from typing import Callable

import torch

from . import CheckResult, as_tensor, call_answer, compare_tensors, named_mistake, \
    passed, require_callable


def _random_mdp(seed: int, S: int = 5, A: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    """An MDP whose transitions end the episode with probability 0.2, and whose
    transition matrices are far from symmetric but doubly stochastic (times 0.8), so
    that a sum over the wrong axis still converges, to a different answer."""
    g = torch.Generator().manual_seed(seed)
    P = torch.rand(S, A, S, generator=g, dtype=torch.float64) ** 4
    for _ in range(200):                     # Sinkhorn: rows and columns sum to 1
        P = P / P.sum(2, keepdim=True)
        P = P / P.sum(0, keepdim=True)
    P = 0.8 * P / P.sum(2, keepdim=True)
    return P, torch.rand(S, A, generator=g, dtype=torch.float64)


def _frozenlake() -> tuple[torch.Tensor, torch.Tensor]:
    import gymnasium as gym

    from ..rl.mdp import from_gymnasium
    mdp = from_gymnasium(gym.make("FrozenLake-v1"))
    return mdp.P, mdp.r


def _solve(P: torch.Tensor, r: torch.Tensor, policy: torch.Tensor, gamma: float,
           transpose: bool = False) -> torch.Tensor:
    P_pi = torch.einsum("sa,sat->st", policy, P)
    if transpose:
        P_pi = P_pi.T
    return torch.linalg.solve(torch.eye(len(r), dtype=P.dtype) - gamma * P_pi,
                              (policy * r).sum(1))


def _optimal(P: torch.Tensor, r: torch.Tensor, gamma: float, reduce: str = "max",
             transpose: bool = False) -> torch.Tensor:
    V = torch.zeros(P.shape[0], dtype=torch.float64)
    for _ in range(5000):
        future = torch.einsum("sat,s->ta", P, V) if transpose else P @ V
        Q = r + gamma * future
        V_new = Q.max(1).values if reduce == "max" else Q.mean(1)
        if (V_new - V).abs().max() < 1e-13:
            return V_new
        V = V_new
    return V


def check_value_iteration(fn: Callable) -> CheckResult:
    """Check ``fn(P, r, gamma)``: the optimal values ``V*`` of shape (S,), for ``P`` of
    shape (S, A, S) (transitions that end the episode left out) and ``r`` of shape
    (S, A). Chapter: *Markov decision processes*.
    """
    name = "value_iteration"
    require_callable("fn", fn)
    cases = [("a random 5-state MDP with gamma 0.9", *_random_mdp(0), 0.9),
             ("FrozenLake with gamma 0.95", *_frozenlake(), 0.95)]
    for what, P, r, gamma in cases:
        got, problem = call_answer(name, fn, P.clone(), r.clone(), gamma)
        if problem is not None:
            return problem
        want = _optimal(P, r, gamma)
        got_t = as_tensor(got)
        if isinstance(got_t, torch.Tensor) and got_t.shape == want.shape:
            mistakes = {
                "you average over the actions instead of taking the maximum":
                    (_optimal(P, r, gamma, "mean"), "that evaluates the uniform random "
                     "policy; the optimality equation takes max over a."),
                "you leave out the discount":
                    (_optimal(P, r, 1.0), "multiply the expected next value by gamma."),
                "you sum over the wrong axis of P":
                    (_optimal(P, r, gamma, transpose=True), "P[s, a, s'] sums over the "
                     "next state s', the last axis: P @ V."),
            }
            problem = named_mistake(name, got_t, mistakes, atol=1e-6, where=f"on {what} ",
                                    want=want)
            if problem is not None:
                return problem
        problem = compare_tensors(name, got, want, atol=1e-6, what=f"V* on {what}")
        if problem is not None:
            return problem
    return passed(name, "your value iteration finds V*.")


def check_policy_evaluation(fn: Callable) -> CheckResult:
    """Check ``fn(P, r, policy, gamma)``: the exact values ``V^pi`` of shape (S,) of a
    policy given as an (S, A) tensor of probabilities. Chapter: *Markov decision
    processes*.
    """
    name = "policy_evaluation"
    require_callable("fn", fn)
    P, r = _random_mdp(1)
    g = torch.Generator().manual_seed(2)
    stochastic = torch.rand(5, 3, generator=g, dtype=torch.float64)
    stochastic = stochastic / stochastic.sum(1, keepdim=True)
    P_lake, r_lake = _frozenlake()
    uniform = torch.full((16, 4), 0.25, dtype=torch.float64)
    cases = [("a random 5-state MDP and a stochastic policy, gamma 0.9",
              P, r, stochastic, 0.9),
             ("FrozenLake and the uniform policy, gamma 0.99", P_lake, r_lake, uniform, 0.99)]
    for what, P, r, policy, gamma in cases:
        got, problem = call_answer(name, fn, P.clone(), r.clone(), policy.clone(), gamma)
        if problem is not None:
            return problem
        want = _solve(P, r, policy, gamma)
        got_t = as_tensor(got)
        if isinstance(got_t, torch.Tensor) and got_t.shape == want.shape:
            mistakes = {
                "you use the transpose of P_pi":
                    (_solve(P, r, policy, gamma, transpose=True), "the rows of P_pi are "
                     "the current state: P_pi[s, s'] = sum_a pi(a|s) P[s, a, s']."),
                "you leave out the discount":
                    (_solve(P, r, policy, 1.0), "solve (I - gamma P_pi) V = r_pi."),
                "you forget to weight the rewards by the policy":
                    (torch.linalg.solve(torch.eye(len(r), dtype=P.dtype) - gamma *
                                        torch.einsum("sa,sat->st", policy, P), r.sum(1)),
                     "r_pi(s) = sum_a pi(a|s) r(s, a), an average, not a sum."),
            }
            problem = named_mistake(name, got_t, mistakes, atol=1e-6, where=f"on {what} ",
                                    want=want)
            if problem is not None:
                return problem
        problem = compare_tensors(name, got, want, atol=1e-8, what=f"V on {what}")
        if problem is not None:
            return problem
    return passed(name, "your values solve the Bellman expectation equation.")
