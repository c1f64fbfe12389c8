"""Checks for the code exercises of the chapter *Deep Q-networks*.

The check runs the reader's function on a small batch of transitions built so
that each typical mistake gives a different answer, without printing the
expected values.
"""

from __future__ import annotations

from typing import Callable

import torch

from . import CheckResult, as_tensor, call_answer, compare_tensors, named_mistake, \
    passed, require_callable


def _batch(seed: int) -> tuple[torch.Tensor, ...]:
    """Rewards, next-state values of an online and a target network that disagree
    about the best action, and termination flags, for 10 transitions."""
    g = torch.Generator().manual_seed(seed)
    rewards = torch.randn(10, generator=g, dtype=torch.float64)
    online = torch.randn(10, 3, generator=g, dtype=torch.float64) * 2
    target = torch.randn(10, 3, generator=g, dtype=torch.float64) * 2
    terminated = torch.tensor([False, True, False, False, True, False, False, False,
                               True, False])
    return rewards, online, target, terminated


def check_double_dqn_targets(fn: Callable) -> CheckResult:
    """Check ``fn(rewards, next_q_online, next_q_target, terminated, gamma)``: double
    DQN's targets ``r + gamma * Q_target(s', argmax_a' Q_online(s', a'))``, shape (N,),
    with no bootstrap after a terminal transition. Chapter: *Deep Q-networks*."""
    name = "double_dqn_targets"
    require_callable("fn", fn)
    rewards, online, target, terminated = _batch(0)
    gamma, going = 0.9, (~terminated).double()

    def pick(choose, value):
        return value.gather(1, choose.argmax(1, keepdim=True)).squeeze(1)

    want = rewards + gamma * pick(online, target) * going
    got, problem = call_answer(name, fn, rewards.clone(), online.clone(), target.clone(),
                               terminated.clone(), gamma)
    if problem is not None:
        return problem
    mistakes = {
        "you take DQN's target, the max of the target network":
            (rewards + gamma * target.max(1).values * going, "choose the action with the "
             "online network (argmax of next_q_online), then read its value from "
             "next_q_target."),
        "you swapped the networks: the target network chooses, the online one values":
            (rewards + gamma * pick(target, online) * going, "the online network chooses "
             "the action, the target network gives its value."),
        "you use the online network alone":
            (rewards + gamma * online.max(1).values * going, "the value of the chosen "
             "action comes from next_q_target."),
        "you bootstrap from terminal transitions":
            (rewards + gamma * pick(online, target), "after a terminal transition there "
             "is nothing to bootstrap from: multiply by ~terminated."),
    }
    got_t = as_tensor(got)
    if isinstance(got_t, torch.Tensor) and got_t.shape == want.shape:
        problem = named_mistake(name, got_t, mistakes, atol=1e-6, want=want)
        if problem is not None:
            return problem
    problem = compare_tensors(name, got, want, atol=1e-8, what="the targets")
    if problem is not None:
        return problem
    return passed(name, "your targets are double DQN's.")
