"""Policy gradients: REINFORCE's loss, generalised advantage estimation, PPO's
clipped objective and a small actor-critic network.

Chapter: *Policy gradients* (``book/rl/policy-gradient.md``).

Rollouts are tensors of shape (T, N): T steps of N environments played side by
side. ``terminated[t]`` marks a step that reached a terminal state (nothing is
earned after it); ``truncated[t]`` marks a step after which the episode was cut
by a time limit (the state still had a value, but the next row belongs to a new
episode). The interaction loop that fills these tensors is written out in the
chapter.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .._args import check_float, check_int, check_same_shape, check_tensor


def reinforce_loss(log_probs: torch.Tensor, advantages: torch.Tensor) -> torch.Tensor:
    """REINFORCE's surrogate loss ``-mean(log_probs * advantages)``, whose gradient
    is the policy-gradient estimate. ``advantages`` (the return, or the return minus
    a baseline) are treated as constants. Chapter: *Policy gradients*."""
    _check_pair("log_probs", log_probs, "advantages", advantages)
    return -(log_probs * advantages.detach()).mean()


def gae(rewards: torch.Tensor, values: torch.Tensor, next_values: torch.Tensor,
        terminated: torch.Tensor, truncated: torch.Tensor, gamma: float = 0.99,
        lam: float = 0.95) -> torch.Tensor:
    """Generalised advantage estimates of a rollout of shape (T, N):
    ``A[t] = delta[t] + gamma * lam * A[t + 1]``, with the TD error
    ``delta[t] = r[t] + gamma * V(s[t + 1]) - V(s[t])``. ``values[t]`` is V(s[t]),
    ``next_values[t]`` is V(s[t + 1]) for the state the step reached (before any
    reset). A terminated step has no next value; at a terminated or truncated step
    the sum stops. ``lam = 1`` gives returns minus values, ``lam = 0`` the TD
    error. Chapter: *Policy gradients*."""
    gamma, lam = _check_gae(rewards, values, next_values, terminated, truncated, gamma, lam)
    going = 1.0 - terminated.to(rewards.dtype)                 # 0 after a terminal state
    same_episode = going * (1.0 - truncated.to(rewards.dtype))  # 0 where the episode ends
    deltas = rewards + gamma * going * next_values - values
    advantages = torch.zeros_like(rewards)
    running = torch.zeros_like(rewards[0])
    for t in reversed(range(rewards.shape[0])):
        running = deltas[t] + gamma * lam * same_episode[t] * running
        advantages[t] = running
    return advantages


def clipped_objective(ratio: torch.Tensor, advantages: torch.Tensor,
                      clip: float = 0.2) -> torch.Tensor:
    """PPO's clipped surrogate objective, one value per sample, to be maximised:
    ``min(ratio * A, clip(ratio, 1 - clip, 1 + clip) * A)``, where ``ratio`` is
    pi_new(a|s) / pi_old(a|s). Chapter: *Policy gradients*."""
    _check_pair("ratio", ratio, "advantages", advantages)
    clip = check_float("clip", clip, minimum=0.0, strict_min=True, maximum=1.0)
    return torch.minimum(ratio * advantages,
                         torch.clamp(ratio, 1 - clip, 1 + clip) * advantages)


class ActorCritic(nn.Module):
    """Two small tanh networks: the actor gives the logits of a discrete policy,
    the critic the state's value. ``forward(obs)`` takes observations
    ``(N, obs_dim)`` and returns ``(logits (N, n_actions), values (N,))``. The
    initialisation is CleanRL's: orthogonal weights, zero biases, the actor's last
    layer scaled by 0.01 so that the first policy is near uniform. Chapter:
    *Policy gradients*."""

    def __init__(self, obs_dim: int, n_actions: int, hidden: int = 64) -> None:
        super().__init__()
        obs_dim = check_int("obs_dim", obs_dim, minimum=1)
        n_actions = check_int("n_actions", n_actions, minimum=2)
        hidden = check_int("hidden", hidden, minimum=1)
        self.obs_dim = obs_dim
        self.actor = _mlp(obs_dim, hidden, n_actions, last_gain=0.01)
        self.critic = _mlp(obs_dim, hidden, 1, last_gain=1.0)

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_tensor("obs", obs, ndim=2, floating=True)
        if obs.shape[1] != self.obs_dim:
            raise ValueError(f"obs must have shape (N, {self.obs_dim}), got "
                             f"{tuple(obs.shape)}")
        return self.actor(obs), self.critic(obs).squeeze(-1)


def _mlp(n_in: int, hidden: int, n_out: int, last_gain: float) -> nn.Sequential:
    layers = [nn.Linear(n_in, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
              nn.Linear(hidden, n_out)]
    for layer, gain in zip(layers[::2], (math.sqrt(2), math.sqrt(2), last_gain)):
        nn.init.orthogonal_(layer.weight, gain)
        nn.init.zeros_(layer.bias)
    return nn.Sequential(*layers)


def _check_pair(name_a: str, a: torch.Tensor, name_b: str, b: torch.Tensor) -> None:
    check_tensor(name_a, a, floating=True, nonempty=True)
    check_tensor(name_b, b, floating=True, nonempty=True)
    check_same_shape(name_a, a, name_b, b)


def _check_gae(rewards, values, next_values, terminated, truncated, gamma, lam):
    check_tensor("rewards", rewards, ndim=2, floating=True, nonempty=True)
    for name, x in (("values", values), ("next_values", next_values)):
        check_tensor(name, x, ndim=2, floating=True)
        check_same_shape("rewards", rewards, name, x)
    for name, x in (("terminated", terminated), ("truncated", truncated)):
        check_tensor(name, x, ndim=2)
        check_same_shape("rewards", rewards, name, x)
        if not bool(((x == 0) | (x == 1)).all()):
            raise ValueError(f"{name} must hold only 0 and 1 (or False and True)")
    return (check_float("gamma", gamma, minimum=0.0, maximum=1.0),
            check_float("lam", lam, minimum=0.0, maximum=1.0))
