"""Deep Q-networks: a replay memory, Q-networks for many agents at once, and the
targets and loss of DQN and double DQN.

Chapter: *Deep Q-networks* (``book/rl/dqn.md``).

Everything here is batched over independent agents (seeds, or variants of the
algorithm), so that one forward and one backward pass train them all: agent ``k``
has its own slice ``k`` of every tensor, and nothing ever mixes two agents. The
interaction loop that uses these pieces is written out in the chapter.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from .._args import (check_float, check_generator, check_int, check_same_shape,
                     check_sequence, check_shape, check_tensor)


class Transitions(NamedTuple):
    """A batch of transitions, one row of ``batch`` per agent: ``obs`` and
    ``next_obs`` of shape (agents, batch, obs_dim), ``actions`` (agents, batch)
    int64, ``rewards`` (agents, batch) and ``terminated`` (agents, batch) bool.
    Chapter: *Deep Q-networks*."""
    obs: torch.Tensor
    actions: torch.Tensor
    rewards: torch.Tensor
    next_obs: torch.Tensor
    terminated: torch.Tensor


class ReplayBuffer:
    """One circular replay memory per agent. Agent ``k`` keeps its last
    ``capacity[k]`` transitions (an int gives every agent the same capacity);
    ``sample`` draws, for each agent, transitions uniformly from its own memory.
    Chapter: *Deep Q-networks*."""

    def __init__(self, agents: int, capacity: int | Sequence[int], obs_dim: int) -> None:
        agents, capacities, obs_dim = _check_buffer(agents, capacity, obs_dim)
        size = max(capacities)
        self.capacity = torch.tensor(capacities)
        self.obs = torch.zeros(agents, size, obs_dim)
        self.actions = torch.zeros(agents, size, dtype=torch.int64)
        self.rewards = torch.zeros(agents, size)
        self.next_obs = torch.zeros(agents, size, obs_dim)
        self.terminated = torch.zeros(agents, size, dtype=torch.bool)
        self.position = torch.zeros(agents, dtype=torch.int64)  # next slot to write
        self.size = torch.zeros(agents, dtype=torch.int64)      # transitions held

    def add(self, obs: torch.Tensor, actions: torch.Tensor, rewards: torch.Tensor,
            next_obs: torch.Tensor, terminated: torch.Tensor,
            keep: torch.Tensor | None = None) -> None:
        """Store ``n`` transitions per agent: ``obs`` and ``next_obs`` of shape
        (agents, n, obs_dim), the others (agents, n). With ``keep`` (bool, shape
        (agents, n)) only the transitions where it is True are stored. A full memory
        overwrites its oldest transitions."""
        keep = self._check_add(obs, actions, rewards, next_obs, terminated, keep)
        k, j = keep.nonzero(as_tuple=True)                  # agent, transition
        offset = keep.long().cumsum(1) - 1                  # among the kept, per agent
        slot = (self.position[k] + offset[k, j]) % self.capacity[k]
        self.obs[k, slot], self.next_obs[k, slot] = obs[k, j], next_obs[k, j]
        self.actions[k, slot], self.rewards[k, slot] = actions[k, j], rewards[k, j].float()
        self.terminated[k, slot] = terminated[k, j]
        added = keep.sum(1)
        self.position = (self.position + added) % self.capacity
        self.size = torch.minimum(self.size + added, self.capacity)

    def sample(self, batch_size: int, generator: torch.Generator | None = None) -> Transitions:
        """``batch_size`` transitions per agent, drawn uniformly with replacement
        from that agent's memory."""
        self._check_sample(batch_size, generator)
        agents, size = self.obs.shape[:2]
        u = torch.rand(agents, batch_size, generator=generator)
        i = (u * self.size[:, None]).long()                 # uniform over 0..size-1
        rows = (torch.arange(agents)[:, None] * size + i).ravel()   # agent k's row i

        def take(memory: torch.Tensor) -> torch.Tensor:
            picked = memory.flatten(0, 1).index_select(0, rows)
            return picked.view(agents, batch_size, *memory.shape[2:])
        return Transitions(take(self.obs), take(self.actions), take(self.rewards),
                           take(self.next_obs), take(self.terminated))

    def _check_add(self, obs, actions, rewards, next_obs, terminated, keep) -> torch.Tensor:
        agents, obs_dim = self.obs.shape[0], self.obs.shape[2]
        check_tensor("obs", obs, ndim=3, floating=True)
        n = obs.shape[1]
        if not 1 <= n <= int(self.capacity.min()):
            raise ValueError(f"obs must hold 1 to {int(self.capacity.min())} (the smallest "
                             f"capacity) transitions per agent, got {n}")
        if keep is None:
            keep = torch.ones(agents, n, dtype=torch.bool)
        for name, value, shape in (("obs", obs, (agents, n, obs_dim)),
                                   ("next_obs", next_obs, (agents, n, obs_dim)),
                                   ("actions", actions, (agents, n)),
                                   ("rewards", rewards, (agents, n)),
                                   ("terminated", terminated, (agents, n)),
                                   ("keep", keep, (agents, n))):
            check_tensor(name, value)
            if value.shape != shape:
                raise ValueError(f"{name} must have shape {shape}, got {tuple(value.shape)}")
        check_tensor("next_obs", next_obs, floating=True)
        check_tensor("actions", actions, integer=True)
        if actions.numel() and int(actions.min()) < 0:
            raise ValueError("actions must be action indices, 0 or more")
        for name, value in (("terminated", terminated), ("keep", keep)):
            if value.dtype != torch.bool:
                raise TypeError(f"{name} must be a bool tensor, got {value.dtype}")
        return keep

    def _check_sample(self, batch_size, generator) -> None:
        check_int("batch_size", batch_size, minimum=1)
        check_generator("generator", generator)
        if bool((self.size == 0).any()):
            raise ValueError("every agent's memory must hold a transition before "
                             "sample is called; add some first")


class QNetworks(nn.Module):
    """``agents`` independent multilayer perceptrons (ReLU hidden layers), one per
    agent, evaluated together: ``forward`` maps observations of shape
    (agents, batch, obs_dim) to action values (agents, batch, actions), agent ``k``'s
    rows through agent ``k``'s weights only. Agent ``k``'s weight of a layer,
    ``weights[i][k]``, has ``nn.Linear``'s layout (out, in) and is initialised as
    ``nn.Linear`` initialises it. Chapter: *Deep Q-networks*."""

    def __init__(self, agents: int, obs_dim: int, actions: int,
                 hidden: Sequence[int] = (64, 64)) -> None:
        super().__init__()
        sizes = _check_networks(agents, obs_dim, actions, hidden)
        self.weights, self.biases = nn.ParameterList(), nn.ParameterList()
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            bound = 1 / math.sqrt(fan_in)
            self.weights.append(nn.Parameter(torch.empty(agents, fan_out, fan_in)
                                             .uniform_(-bound, bound)))
            self.biases.append(nn.Parameter(torch.empty(agents, 1, fan_out)
                                            .uniform_(-bound, bound)))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        W0 = self.weights[0]
        check_shape("obs", obs, (W0.shape[0], "batch", W0.shape[2]), dtype=W0.dtype)
        x = obs
        for i, (W, b) in enumerate(zip(self.weights, self.biases)):
            x = torch.baddbmm(b, x, W.mT)            # x Wᵀ + b, agent by agent
            if i < len(self.weights) - 1:
                x = torch.relu(x)
        return x


def dqn_targets(rewards: torch.Tensor, next_q_target: torch.Tensor,
                terminated: torch.Tensor, gamma: float) -> torch.Tensor:
    """DQN's targets ``r + gamma * max_a' Q_target(s', a')``, with nothing after a
    terminal transition (a truncated one bootstraps as usual). ``next_q_target`` has
    one more dimension than ``rewards``: the actions. Chapter: *Deep Q-networks*."""
    _check_targets(rewards, terminated, gamma, next_q_target=next_q_target)
    best_next = next_q_target.max(-1).values
    return rewards + gamma * best_next * ~terminated


def double_dqn_targets(rewards: torch.Tensor, next_q_online: torch.Tensor,
                       next_q_target: torch.Tensor, terminated: torch.Tensor,
                       gamma: float) -> torch.Tensor:
    """Double DQN's targets: the online network chooses the next action, the
    target network values it, ``r + gamma * Q_target(s', argmax_a' Q_online(s', a'))``,
    with nothing after a terminal transition. Chapter: *Deep Q-networks*."""
    _check_targets(rewards, terminated, gamma, next_q_online=next_q_online,
                   next_q_target=next_q_target)
    best_action = next_q_online.argmax(-1, keepdim=True)
    value = next_q_target.gather(-1, best_action).squeeze(-1)
    return rewards + gamma * value * ~terminated


def td_loss(q: torch.Tensor, actions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The Huber loss between ``Q(s, a)`` of the actions taken and the targets,
    averaged over each agent's batch and summed over the agents (so that each agent's
    gradient is its own loss's). ``q`` has shape (agents, batch, actions). The
    targets are treated as constants. Chapter: *Deep Q-networks*."""
    _check_loss(q, actions, targets)
    q_taken = q.gather(-1, actions.unsqueeze(-1)).squeeze(-1)
    per_agent = F.smooth_l1_loss(q_taken, targets.detach(), reduction="none").mean(-1)
    return per_agent.sum()


# ---------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------

def _check_buffer(agents: Any, capacity: Any, obs_dim: Any) -> tuple[int, list[int], int]:
    agents = check_int("agents", agents, minimum=1)
    if isinstance(capacity, (list, tuple)):
        capacities = [check_int("capacity", c, minimum=1)
                      for c in check_sequence("capacity", capacity)]
        if len(capacities) != agents:
            raise ValueError(f"capacity must give one capacity per agent ({agents}), "
                             f"got {len(capacities)}")
    else:
        capacities = [check_int("capacity", capacity, minimum=1)] * agents
    return agents, capacities, check_int("obs_dim", obs_dim, minimum=1)


def _check_networks(agents: Any, obs_dim: Any, actions: Any, hidden: Any) -> list[int]:
    check_int("agents", agents, minimum=1)
    sizes = [check_int("obs_dim", obs_dim, minimum=1)]
    sizes += [check_int("hidden", h, minimum=1)
              for h in check_sequence("hidden", hidden, nonempty=False)]
    return sizes + [check_int("actions", actions, minimum=1)]


def _check_targets(rewards: Any, terminated: Any, gamma: Any, **next_q: Any) -> None:
    check_tensor("rewards", rewards, floating=True, finite=True)
    check_tensor("terminated", terminated)
    if terminated.dtype != torch.bool:
        raise TypeError(f"terminated must be a bool tensor, got {terminated.dtype}")
    check_same_shape("rewards", rewards, "terminated", terminated)
    for name, value in next_q.items():
        check_tensor(name, value, floating=True, nonempty=True)
        if value.shape[:-1] != rewards.shape:
            raise ValueError(f"{name} must have shape {tuple(rewards.shape)} + (actions,), "
                             f"got {tuple(value.shape)}")
    if len(next_q) == 2:
        check_same_shape(*[x for pair in next_q.items() for x in pair])
    check_float("gamma", gamma, minimum=0.0, maximum=1.0)


def _check_loss(q: Any, actions: Any, targets: Any) -> None:
    check_tensor("q", q, ndim=3, floating=True)
    check_tensor("actions", actions, ndim=2, integer=True)
    check_tensor("targets", targets, ndim=2, floating=True)
    if actions.shape != q.shape[:2] or targets.shape != q.shape[:2]:
        raise ValueError(f"actions and targets must have the shape (agents, batch) of q, "
                         f"{tuple(q.shape[:2])}, got {tuple(actions.shape)} and "
                         f"{tuple(targets.shape)}")
    if actions.numel() and (int(actions.min()) < 0 or int(actions.max()) >= q.shape[2]):
        raise ValueError(f"actions must index q's last dimension, 0..{q.shape[2] - 1}")
