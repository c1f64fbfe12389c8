"""Evaluating an agent in a gymnasium environment the way CleanRL reports it: the
return of each of many evaluation episodes, played in parallel, with a seed per
episode so that two agents meet the same starting states.

Chapters: *Deep Q-networks* (``book/rl/dqn.md``) and *Policy gradients*
(``book/rl/policy-gradient.md``).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .._args import check_callable, check_int


def evaluate(env_id: str, policy: Callable[[np.ndarray], Any], episodes: int = 100, *,
             seed: int = 0, **env_kwargs: Any) -> np.ndarray:
    """Returns (undiscounted sums of rewards) of ``episodes`` episodes of
    ``gymnasium.make(env_id, **env_kwargs)``, episode ``i`` reset with seed
    ``seed + i``. ``policy`` maps a batch of observations, an array of shape
    (n, *observation_shape), to n actions; it is called once per step for all
    episodes still running, so a network evaluates them in one forward pass.
    Chapters: *Deep Q-networks*, *Policy gradients*."""
    import gymnasium as gym

    episodes, seed = _check_evaluate(env_id, policy, episodes, seed)
    try:
        envs = [gym.make(env_id, **env_kwargs) for _ in range(episodes)]
    except gym.error.Error as error:
        raise ValueError(f"env_id {env_id!r} is not a gymnasium environment: {error}") from None
    obs = [env.reset(seed=seed + i)[0] for i, env in enumerate(envs)]
    returns = np.zeros(episodes)
    running = list(range(episodes))
    while running:
        actions = _actions(policy, np.stack([obs[i] for i in running]), len(running))
        still = []
        for i, action in zip(running, actions):
            obs[i], reward, terminated, truncated, _ = envs[i].step(action)
            returns[i] += reward
            if not (terminated or truncated):
                still.append(i)
        running = still
    for env in envs:
        env.close()
    return returns


def _actions(policy: Callable, observations: np.ndarray, n: int) -> list:
    actions = policy(observations)
    if hasattr(actions, "detach"):  # a torch tensor
        actions = actions.detach().cpu().numpy()
    actions = np.asarray(actions)
    if actions.ndim == 0 or len(actions) != n:
        raise ValueError(f"policy must return one action per observation: given {n} "
                         f"observations, it returned shape {actions.shape}")
    if actions.dtype.kind in "iub":
        return [int(a) for a in actions]
    if not np.isfinite(actions).all():
        raise ValueError("policy returned an action that is NaN or infinite")
    return list(actions)


def _check_evaluate(env_id: Any, policy: Any, episodes: Any, seed: Any) -> tuple[int, int]:
    if not isinstance(env_id, str):
        raise TypeError(f"env_id must be a gymnasium environment id such as "
                        f"'CartPole-v1', got {type(env_id).__name__}")
    check_callable("policy", policy)
    return check_int("episodes", episodes, minimum=1), check_int("seed", seed, minimum=0)
