"""Checks for the code exercises of the chapter *Temporal-difference learning:
SARSA and Q-learning*.

The check runs the reader's function on a small batch of transitions built so
that each typical mistake gives a different answer, without printing the
expected values.
"""

from __future__ import annotations

from typing import Callable

import torch

from . import CheckResult, as_tensor, call_answer, compare_tensors, named_mistake, \
    passed, require_callable


def _batch(seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """A Q-table of 6 states and 3 actions (values of both signs, so that max,
    mean and min differ) and 8 transitions, some of them terminal."""
    g = torch.Generator().manual_seed(seed)
    Q = torch.randn(6, 3, generator=g, dtype=torch.float64) * 2
    rewards = torch.randn(8, generator=g, dtype=torch.float64)
    next_states = torch.randint(0, 6, (8,), generator=g)
    terminated = torch.tensor([False, True, False, False, True, False, False, True])
    return Q, rewards, next_states, terminated


def check_q_learning_targets(fn: Callable) -> CheckResult:
    """Check ``fn(Q, rewards, next_states, terminated, gamma)``: the Q-learning targets
    ``r + gamma * max_a' Q[s', a']`` of a batch of transitions, shape (N,), with no
    bootstrap after a terminal transition. Chapter: *Temporal-difference learning*.
    """
    name = "q_learning_targets"
    require_callable("fn", fn)
    Q, rewards, next_states, terminated = _batch(0)
    gamma = 0.9
    going = (~terminated).double()
    want = rewards + gamma * Q[next_states].max(1).values * going
    got, problem = call_answer(name, fn, Q.clone(), rewards.clone(), next_states.clone(),
                               terminated.clone(), gamma)
    if problem is not None:
        return problem
    mistakes = {
        "you bootstrap from terminal transitions":
            (rewards + gamma * Q[next_states].max(1).values, "after a terminal transition "
             "there is no next state: its value is 0, multiply by ~terminated."),
        "you leave out the discount":
            (rewards + Q[next_states].max(1).values * going, "multiply the next value by "
             "gamma."),
        "you average over the actions":
            (rewards + gamma * Q[next_states].mean(1) * going, "that is expected SARSA "
             "under a uniform policy; Q-learning takes the max over a'."),
    }
    got_t = as_tensor(got)
    if isinstance(got_t, torch.Tensor) and got_t.shape == want.shape:
        problem = named_mistake(name, got_t, mistakes, atol=1e-6, want=want)
        if problem is not None:
            return problem
    problem = compare_tensors(name, got, want, atol=1e-8, what="the targets")
    if problem is not None:
        return problem
    return passed(name, "your targets are Q-learning's.")
