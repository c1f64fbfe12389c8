"""dlbook.rl.evaluation: the parallel evaluation plays exactly the episodes one
environment plays alone, one by one."""

import gymnasium as gym
import numpy as np
import pytest
import torch

from dlbook.rl.evaluation import evaluate


def _lean(obs: np.ndarray) -> np.ndarray:
    """Push the cart toward the side the pole leans to: a fair CartPole policy."""
    return (obs[:, 2] + 0.5 * obs[:, 3] > 0).astype(np.int64)


def _one_by_one(policy, episodes: int, seed: int) -> np.ndarray:
    env, returns = gym.make("CartPole-v1"), []
    for i in range(episodes):
        obs, _ = env.reset(seed=seed + i)
        total, done = 0.0, False
        while not done:
            obs, reward, terminated, truncated, _ = env.step(int(policy(obs[None])[0]))
            total, done = total + reward, terminated or truncated
        returns.append(total)
    return np.array(returns)


@pytest.mark.parametrize("policy", [_lean, lambda obs: np.zeros(len(obs), dtype=np.int64)])
def test_parallel_episodes_equal_sequential_ones(policy):
    returns = evaluate("CartPole-v1", policy, episodes=7, seed=3)
    np.testing.assert_array_equal(returns, _one_by_one(policy, 7, 3))
    assert returns.shape == (7,)


def test_a_good_policy_scores_higher_and_torch_actions_are_accepted():
    always_left = evaluate("CartPole-v1", lambda obs: torch.zeros(len(obs), dtype=torch.long), 20)
    leaning = evaluate("CartPole-v1", _lean, 20)
    assert always_left.max() < 20 < leaning.mean()


def test_truncation_ends_episodes_and_kwargs_reach_the_environment():
    returns = evaluate("CartPole-v1", _lean, 5, max_episode_steps=30)
    assert returns.max() <= 30


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="env_id"):
        evaluate("NoSuchEnv-v0", _lean, 2)
    with pytest.raises(TypeError, match="policy"):
        evaluate("CartPole-v1", "left", 2)
    with pytest.raises(ValueError, match="episodes"):
        evaluate("CartPole-v1", _lean, 0)
    with pytest.raises(ValueError, match="policy must return one action"):
        evaluate("CartPole-v1", lambda obs: np.zeros(1, dtype=np.int64), 3)
