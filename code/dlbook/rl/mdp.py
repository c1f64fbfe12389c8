"""Dynamic programming on finite Markov decision processes.

Chapter: *Markov decision processes* (``book/rl/mdp.md``).

An MDP with ``S`` states and ``A`` actions is held as two float64 tensors:
``P[s, a, s']``, the probability that action ``a`` in state ``s`` leads to state
``s'`` *and the episode goes on*, and ``r[s, a]``, the expected reward of that
step. A transition that ends the episode keeps its reward but has no next state,
so a row ``P[s, a]`` sums to one minus the probability that the episode ends
there. A policy is an ``(S, A)`` tensor of probabilities ``pi[s, a]``; a
deterministic policy has a single one in each row.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch

from .._args import check_bool, check_float, check_int, check_tensor


class TabularMDP(NamedTuple):
    """A finite MDP: ``P`` of shape (S, A, S) and ``r`` of shape (S, A) (see the
    module's docstring). Chapter: *Markov decision processes*."""

    P: torch.Tensor
    r: torch.Tensor


class PolicyIteration(NamedTuple):
    """The policies ``pi_0, ..., pi_K`` of policy iteration, shape (K + 1, S, A),
    and their exact values, shape (K + 1, S). Chapter: *Markov decision processes*."""

    policies: torch.Tensor
    values: torch.Tensor


class Episodes(NamedTuple):
    """Per episode: the return (undiscounted sum of rewards), the number of steps,
    and whether the time limit cut it short. Chapter: *Markov decision processes*."""

    returns: torch.Tensor
    lengths: torch.Tensor
    truncated: torch.Tensor


# ---------------------------------------------------------------------------
# From gymnasium's transition table
# ---------------------------------------------------------------------------

def from_gymnasium(env: Any) -> TabularMDP:
    """The MDP of a gymnasium toy-text environment, read from ``env.unwrapped.P``.

    ``P[s][a]`` lists ``(probability, next_state, reward, terminated)``; a
    transition that terminates adds its reward but no next state. Chapter:
    *Markov decision processes*.
    """
    table, S, A = _check_env("env", env)
    P = torch.zeros(S, A, S, dtype=torch.float64)
    r = torch.zeros(S, A, dtype=torch.float64)
    for s in range(S):
        for a in range(A):
            for prob, s_next, reward, terminated in table[s][a]:
                r[s, a] += prob * reward
                if not terminated:
                    P[s, a, s_next] += prob     # a slip into a wall repeats s_next: add
    return TabularMDP(P, r)


# ---------------------------------------------------------------------------
# Bellman backups and dynamic programming
# ---------------------------------------------------------------------------

def q_values(mdp: TabularMDP, V: torch.Tensor, gamma: float) -> torch.Tensor:
    """One-step look-ahead ``Q(s, a) = r(s, a) + gamma * sum_s' P(s'|s, a) V(s')``,
    shape (S, A). Chapter: *Markov decision processes*."""
    gamma = _check_mdp(mdp, gamma, V=V)
    return mdp.r + gamma * mdp.P @ V


def greedy_policy(mdp: TabularMDP, V: torch.Tensor, gamma: float) -> torch.Tensor:
    """The deterministic policy that picks, in each state, an action of largest
    ``q_values`` (the first one on a tie), as an (S, A) tensor of zeros and ones.
    Chapter: *Markov decision processes*."""
    Q = q_values(mdp, V, gamma)
    return torch.nn.functional.one_hot(Q.argmax(1), Q.shape[1]).to(torch.float64)


def policy_evaluation(mdp: TabularMDP, policy: torch.Tensor, gamma: float,
                      tol: float = 1e-10, max_iterations: int = 100_000) -> torch.Tensor:
    """Iterative policy evaluation: ``V_{k+1} = r_pi + gamma P_pi V_k`` from
    ``V_0 = 0`` until the largest change is below ``tol``.

    Returns every iterate ``V_0, ..., V_K`` as the rows of a (K + 1, S) tensor; the
    last row approximates ``V^pi``. Chapter: *Markov decision processes*.
    """
    gamma = _check_mdp(mdp, gamma, policy=policy, tol=tol, max_iterations=max_iterations)
    r_pi = (policy * mdp.r).sum(1)                       # r_pi(s)
    P_pi = torch.einsum("sa,sat->st", policy, mdp.P)     # P_pi(s'|s)
    V = [torch.zeros(len(r_pi), dtype=torch.float64)]
    for _ in range(max_iterations):
        V.append(r_pi + gamma * P_pi @ V[-1])            # Bellman expectation backup
        if (V[-1] - V[-2]).abs().max() < tol:
            break
    return torch.stack(V)


def evaluate_exactly(mdp: TabularMDP, policy: torch.Tensor, gamma: float) -> torch.Tensor:
    """``V^pi = (I - gamma P_pi)^{-1} r_pi``, the solution of the linear Bellman
    expectation equation, shape (S,).

    With ``gamma = 1`` the system has a unique solution only if the policy ends
    the episode from every state; otherwise ``ValueError``. Chapter: *Markov
    decision processes*.
    """
    gamma = _check_mdp(mdp, gamma, policy=policy)
    r_pi = (policy * mdp.r).sum(1)
    P_pi = torch.einsum("sa,sat->st", policy, mdp.P)
    if gamma == 1.0:
        _check_ends("policy", P_pi)
    return torch.linalg.solve(torch.eye(len(r_pi), dtype=torch.float64) - gamma * P_pi, r_pi)


def value_iteration(mdp: TabularMDP, gamma: float, tol: float = 1e-10,
                    max_iterations: int = 100_000) -> torch.Tensor:
    """Value iteration: ``V_{k+1}(s) = max_a Q_k(s, a)`` from ``V_0 = 0`` until the
    largest change is below ``tol`` (or after ``max_iterations`` backups).

    Returns every iterate ``V_0, ..., V_K`` as the rows of a (K + 1, S) tensor; the
    last row approximates ``V*``, and ``V_k`` is the best expected return over
    the next ``k`` steps. Chapter: *Markov decision processes*.
    """
    gamma = _check_mdp(mdp, gamma, tol=tol, max_iterations=max_iterations)
    V = [torch.zeros(mdp.r.shape[0], dtype=torch.float64)]
    for _ in range(max_iterations):
        Q = mdp.r + gamma * mdp.P @ V[-1]                 # one-step look-ahead
        V.append(Q.max(1).values)                        # Bellman optimality backup
        if (V[-1] - V[-2]).abs().max() < tol:
            break
    return torch.stack(V)


def policy_iteration(mdp: TabularMDP, gamma: float, policy: torch.Tensor | None = None,
                     max_iterations: int = 1_000) -> PolicyIteration:
    """Policy iteration (Howard): evaluate the policy exactly, make it greedy with
    respect to its own values, and repeat until the policy no longer changes.

    Starts from ``policy`` (default: action 0 everywhere). Needs ``gamma < 1``,
    where every policy has a value. Chapter: *Markov decision processes*.
    """
    policy = _check_policy_iteration(mdp, gamma, policy, max_iterations)
    policies, values = [policy], [evaluate_exactly(mdp, policy, gamma)]
    for _ in range(max_iterations):
        improved = greedy_policy(mdp, values[-1], gamma)             # improvement
        if torch.equal(improved, policies[-1]):
            break                                                    # stable: optimal
        policies.append(improved)
        values.append(evaluate_exactly(mdp, improved, gamma))        # evaluation
    return PolicyIteration(torch.stack(policies), torch.stack(values))


# ---------------------------------------------------------------------------
# Rollouts in the environment, and FrozenLake's exact optimum
# ---------------------------------------------------------------------------

def rollouts(env: Any, policy: torch.Tensor, episodes: int, seed: int) -> Episodes:
    """Play ``episodes`` episodes of a tabular ``policy`` in a gymnasium ``env``.

    ``env.reset(seed=seed)`` seeds the first episode (the next ones continue its
    random stream), and a NumPy generator seeded with ``seed`` draws the actions
    of a stochastic policy. Chapter: *Markov decision processes*.
    """
    seed = _check_rollouts(env, policy, episodes, seed)
    act = _sampler(policy, seed)
    returns, lengths, truncated = [], [], []
    state, _ = env.reset(seed=seed)
    for _ in range(episodes):
        total, steps, done = 0.0, 0, False
        while not done:
            state, reward, terminated, cut, _ = env.step(act(state))
            total, steps, done = total + float(reward), steps + 1, terminated or cut
        returns.append(total)
        lengths.append(steps)
        truncated.append(bool(cut and not terminated))
        state, _ = env.reset()
    return Episodes(torch.tensor(returns, dtype=torch.float64), torch.tensor(lengths),
                    torch.tensor(truncated))


def _sampler(policy: torch.Tensor, seed: int):
    """A function from a state to an action drawn from ``policy`` (a table lookup
    when the policy is deterministic)."""
    if bool((policy.max(1).values == 1).all()):
        actions = policy.argmax(1).tolist()
        return actions.__getitem__
    cumulative, rng = policy.cumsum(1).numpy(), np.random.default_rng(seed)
    last = policy.shape[1] - 1
    return lambda s: min(int(np.searchsorted(cumulative[s], rng.random(), "right")), last)


def frozenlake_optimal(is_slippery: bool = True, max_steps: int | None = None) -> float:
    """The largest probability of reaching the goal of FrozenLake-v1 (4x4) from its
    start.

    With ``max_steps=None`` there is no time limit: the value with reward 1 at
    the goal and ``gamma = 1`` of the policy that policy iteration finds with
    ``gamma = 0.999`` (which, unlike ``gamma = 1``, does not value waiting for ever
    as much as arriving), solved exactly from its linear Bellman equation and
    checked against the optimality equation (14/17 for the slippery 4x4 lake).
    With an integer, the best probability of reaching the goal within that many
    steps over all policies, ones that look at the clock included: ``max_steps``
    backups of value iteration. ``gymnasium.make("FrozenLake-v1")`` cuts episodes
    at 100 steps; there the best deterministic policy of the state alone is the
    one found without a limit, slightly below this number (see the chapter).
    Chapter: *Markov decision processes*.
    """
    import gymnasium as gym

    _check_frozenlake(is_slippery, max_steps)
    env = gym.make("FrozenLake-v1", is_slippery=bool(is_slippery))
    mdp, start = from_gymnasium(env), torch.from_numpy(env.unwrapped.initial_state_distrib)
    if max_steps is not None:
        return float(start @ value_iteration(mdp, 1.0, 0.0, int(max_steps))[-1])
    policy = policy_iteration(mdp, 0.999).policies[-1]   # gamma < 1: no idle loops
    V_star = evaluate_exactly(mdp, policy, 1.0)
    residual = (q_values(mdp, V_star, 1.0).max(1).values - V_star).abs().max()
    if residual > 1e-9:  # it solves the optimality equation, so it is V* (see the chapter)
        raise RuntimeError(f"the policy's value is not optimal (residual {residual:.1e})")
    return float(start @ V_star)


# ---------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------

_UNSET = object()  # an argument the function does not take


def _check_mdp(mdp: Any, gamma: Any, *, V: Any = _UNSET, policy: Any = _UNSET,
               tol: Any = _UNSET, max_iterations: Any = _UNSET) -> float:
    """Check an MDP and the arguments that come with it; return gamma as a float."""
    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a TabularMDP (from from_gymnasium), got "
                        f"{type(mdp).__name__}")
    P = check_tensor("mdp (its P)", mdp.P, ndim=3, floating=True, nonempty=True, finite=True)
    r = check_tensor("mdp (its r)", mdp.r, ndim=2, floating=True, finite=True)
    S, A = P.shape[:2]
    if P.shape[2] != S or r.shape != (S, A):
        raise ValueError(f"mdp must have P of shape (S, A, S) and r of shape (S, A), got "
                         f"{tuple(P.shape)} and {tuple(r.shape)}")
    if P.dtype != torch.float64 or r.dtype != torch.float64:
        raise TypeError(f"mdp must hold float64 tensors, got {P.dtype} and {r.dtype}")
    if bool((P < 0).any()) or bool((P.sum(2) > 1 + 1e-9).any()):
        raise ValueError("mdp must have P >= 0 and rows P[s, a] summing to at most 1")
    gamma = check_float("gamma", gamma, minimum=0.0, maximum=1.0)
    if V is not _UNSET:
        check_tensor("V", V, ndim=1, floating=True, finite=True)
        if V.shape != (S,) or V.dtype != torch.float64:
            raise ValueError(f"V must be a float64 tensor of shape ({S},), got "
                             f"{V.dtype} {tuple(V.shape)}")
    if policy is not _UNSET:
        _check_policy("policy", policy, S, A)
    if tol is not _UNSET:
        check_float("tol", tol, minimum=0.0)
    if max_iterations is not _UNSET:
        check_int("max_iterations", max_iterations, minimum=1)
    return gamma


def _check_policy(name: str, policy: Any, S: int, A: int) -> torch.Tensor:
    check_tensor(name, policy, ndim=2, floating=True, finite=True)
    if policy.shape != (S, A) or policy.dtype != torch.float64:
        raise ValueError(f"{name} must be a float64 tensor of shape ({S}, {A}), got "
                         f"{policy.dtype} {tuple(policy.shape)}")
    if bool((policy < 0).any()) or not torch.allclose(policy.sum(1),
                                                      torch.ones(S, dtype=torch.float64)):
        raise ValueError(f"{name} must hold probabilities: rows >= 0 that sum to 1")
    return policy


def _check_ends(name: str, P_pi: torch.Tensor) -> None:
    """Raise unless the episode ends from every state: P_pi^S sends less than all
    of the probability onward (S steps reach every state that can be reached)."""
    still_going = torch.linalg.matrix_power(P_pi, len(P_pi)).sum(1)
    if bool((still_going > 1 - 1e-12).any()):
        raise ValueError(f"with gamma=1 the {name} must end every episode, but from some "
                         "states it never does; use policy_evaluation, or gamma < 1")


def _check_policy_iteration(mdp: Any, gamma: Any, policy: Any, max_iterations: Any
                            ) -> torch.Tensor:
    gamma = _check_mdp(mdp, gamma, max_iterations=max_iterations)
    if policy is not None:
        _check_policy("policy", policy, *mdp.r.shape)
    if gamma >= 1.0:
        raise ValueError("gamma must be < 1 for policy iteration (with gamma=1 a policy "
                         "that never ends an episode has no finite value); got 1.0")
    if policy is None:
        S, A = mdp.r.shape
        policy = torch.zeros(S, A, dtype=torch.float64)
        policy[:, 0] = 1.0
    return policy


def _check_env(name: str, env: Any) -> tuple[dict, int, int]:
    table = getattr(getattr(env, "unwrapped", None), "P", None)
    if not isinstance(table, dict) or not table:
        raise TypeError(f"{name} must be a gymnasium environment with a transition table "
                        f"env.unwrapped.P (a toy-text environment), got {type(env).__name__}")
    S, A = getattr(env.observation_space, "n", None), getattr(env.action_space, "n", None)
    if S is None or A is None:
        raise TypeError(f"{name} must have discrete observation and action spaces")
    return table, int(S), int(A)


def _check_rollouts(env: Any, policy: Any, episodes: Any, seed: Any) -> torch.Tensor:
    _, S, A = _check_env("env", env)
    _check_policy("policy", policy, S, A)
    check_int("episodes", episodes, minimum=1)
    return check_int("seed", seed, minimum=0)


def _check_frozenlake(is_slippery: Any, max_steps: Any) -> None:
    check_bool("is_slippery", is_slippery)
    if max_steps is not None:
        check_int("max_steps", max_steps, minimum=1)
