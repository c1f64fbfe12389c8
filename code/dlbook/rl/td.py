"""Tabular temporal-difference learning: TD(0) prediction, SARSA and Q-learning.

Chapter: *Temporal-difference learning: SARSA and Q-learning*
(``book/rl/q-learning.md``).

A value table is a NumPy float64 array: ``V`` of shape (S,) or ``Q`` of shape
(S, A). The updates change the table in place and return the TD error. Their
state and action arguments may be plain integers, or arrays of indices that
name distinct rows, so that one call updates many independent agents whose
tables are stacked into one (agent ``i``'s state ``s`` is row ``i * S + s``).
The interaction loops that call them are written out in the chapter.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .._args import check_bool, check_float, check_int
from .mdp import Episodes, _check_env, rollouts


def epsilon_greedy(Q: np.ndarray, s: Any, epsilon: float,
                   rng: np.random.Generator) -> Any:
    """With probability ``epsilon`` a uniformly random action, otherwise an action
    of largest ``Q[s]``, ties broken at random. ``s`` is a state (returns an int)
    or an array of rows of ``Q`` (returns an array of actions). Chapter:
    *Temporal-difference learning*."""
    _check_choice_args(Q, s, epsilon, rng)
    q = Q[s]
    best = (q == q.max(-1, keepdims=True)) * rng.random(q.shape)   # random tie-break
    greedy = best.argmax(-1)
    explore = rng.random(greedy.shape) < epsilon
    actions = np.where(explore, rng.integers(Q.shape[1], size=greedy.shape), greedy)
    return int(actions) if actions.ndim == 0 else actions


def td0_update(V: np.ndarray, s: Any, r: Any, s_next: Any, terminated: Any,
               alpha: float, gamma: float) -> Any:
    """TD(0) prediction: ``V[s] += alpha * (r + gamma * V[s_next] - V[s])``, where the
    value after a terminal transition is 0. Returns the TD error. Chapter:
    *Temporal-difference learning*."""
    _check_update("V", V, 1, alpha, gamma, dict(s=s, s_next=s_next), {}, r, terminated)
    target = r + gamma * np.where(terminated, 0.0, V[s_next])
    delta = target - V[s]
    V[s] += alpha * delta
    return delta


def sarsa_update(Q: np.ndarray, s: Any, a: Any, r: Any, s_next: Any, a_next: Any,
                 terminated: Any, alpha: float, gamma: float) -> Any:
    """SARSA: ``Q[s, a] += alpha * (r + gamma * Q[s_next, a_next] - Q[s, a])``, with
    ``a_next`` the action the agent will take next. Returns the TD error. Chapter:
    *Temporal-difference learning*."""
    _check_update("Q", Q, 2, alpha, gamma, dict(s=s, s_next=s_next), dict(a=a, a_next=a_next),
                  r, terminated)
    target = r + gamma * np.where(terminated, 0.0, Q[s_next, a_next])
    delta = target - Q[s, a]
    Q[s, a] += alpha * delta
    return delta


def q_learning_update(Q: np.ndarray, s: Any, a: Any, r: Any, s_next: Any,
                      terminated: Any, alpha: float, gamma: float) -> Any:
    """Q-learning: ``Q[s, a] += alpha * (r + gamma * max_a' Q[s_next, a'] - Q[s, a])``,
    whatever action the agent takes next. Returns the TD error. Chapter:
    *Temporal-difference learning*."""
    _check_update("Q", Q, 2, alpha, gamma, dict(s=s, s_next=s_next), dict(a=a), r, terminated)
    target = r + gamma * np.where(terminated, 0.0, Q[s_next].max(-1))
    delta = target - Q[s, a]
    Q[s, a] += alpha * delta
    return delta


def greedy_rollouts(env: Any, Q: np.ndarray, episodes: int, seed: int) -> Episodes:
    """Play ``episodes`` episodes in ``env`` with the greedy policy of ``Q`` (the first
    action of largest value on a tie), through ``dlbook.rl.mdp.rollouts``. Chapter:
    *Temporal-difference learning*."""
    _check_greedy(env, Q)
    policy = torch.nn.functional.one_hot(torch.from_numpy(Q.argmax(1)), Q.shape[1])
    return rollouts(env, policy.to(torch.float64), episodes, seed)


# ---------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------

def _check_table(name: str, table: Any, ndim: int) -> None:
    if not isinstance(table, np.ndarray) or table.dtype != np.float64:
        raise TypeError(f"{name} must be a NumPy float64 array, got "
                        f"{getattr(table, 'dtype', type(table).__name__)}")
    if table.ndim != ndim or table.size == 0:
        raise ValueError(f"{name} must be a non-empty {ndim}-D array, got shape "
                         f"{table.shape}")


def _check_update(name: str, table: Any, ndim: int, alpha: Any, gamma: Any,
                  states: dict, actions: dict, r: Any, terminated: Any) -> None:
    _check_table(name, table, ndim)
    for arg, value in states.items():
        _check_index(arg, value, table.shape[0])
    for arg, value in actions.items():
        _check_index(arg, value, table.shape[1])
    if isinstance(r, np.ndarray) and r.dtype.kind in "iuf":
        if not np.isfinite(r).all():
            raise ValueError("r must be finite")
    else:
        check_float("r", r)
    if not (isinstance(terminated, np.ndarray) and terminated.dtype == np.bool_):
        check_bool("terminated", terminated)
    check_float("alpha", alpha, minimum=0.0, maximum=1.0, strict_min=True)
    check_float("gamma", gamma, minimum=0.0, maximum=1.0)


def _check_index(name: str, value: Any, size: int) -> None:
    """An index (an int, or an integer array) into an axis of the given size."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "iu":
        if value.size and (value.min() < 0 or value.max() >= size):
            raise ValueError(f"{name} must hold indices in [0, {size}), got "
                             f"{value.min()} to {value.max()}")
    else:
        check_int(name, value, minimum=0, maximum=size - 1)


def _check_choice_args(Q: Any, s: Any, epsilon: Any, rng: Any) -> None:
    _check_table("Q", Q, 2)
    _check_index("s", s, Q.shape[0])
    check_float("epsilon", epsilon, minimum=0.0, maximum=1.0)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")


def _check_greedy(env: Any, Q: Any) -> None:
    _, S, A = _check_env("env", env)
    _check_table("Q", Q, 2)
    if Q.shape != (S, A):
        raise ValueError(f"Q must have shape ({S}, {A}) for this env, got {Q.shape}")
    if not np.isfinite(Q).all():
        raise ValueError("Q must be finite")

