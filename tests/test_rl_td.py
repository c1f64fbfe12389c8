"""Tabular TD agents (dlbook.rl.td): the updates on hand-computed cases, TD(0) and
Q-learning converging to exact answers from dynamic programming, and their errors."""

import gymnasium as gym
import numpy as np
import pytest
import torch

from dlbook.rl.mdp import TabularMDP, evaluate_exactly, frozenlake_optimal, value_iteration
from dlbook.rl.td import (epsilon_greedy, greedy_rollouts, q_learning_update, sarsa_update,
                          td0_update)


# --- the updates, by hand ---------------------------------------------------------

def test_td0_update_by_hand():
    V = np.array([1.0, 3.0])
    delta = td0_update(V, 0, 0.5, 1, False, alpha=0.5, gamma=0.9)
    assert delta == pytest.approx(0.5 + 0.9 * 3.0 - 1.0)            # 2.2
    assert V[0] == pytest.approx(1.0 + 0.5 * 2.2) and V[1] == 3.0
    delta = td0_update(V, 1, 2.0, 0, True, alpha=0.25, gamma=0.9)   # no bootstrap
    assert delta == pytest.approx(2.0 - 3.0) and V[1] == pytest.approx(2.75)


def test_sarsa_and_q_learning_by_hand():
    """The chapter's exercise: Q(s) = (0, 2), R = 1, Q(s') = (4, 10), next action 0."""
    Q = np.array([[0.0, 2.0], [4.0, 10.0]])
    sarsa_update(Q, 0, 0, 1.0, 1, 0, False, alpha=0.5, gamma=0.9)
    assert Q[0, 0] == pytest.approx(2.3)
    Q = np.array([[0.0, 2.0], [4.0, 10.0]])
    q_learning_update(Q, 0, 0, 1.0, 1, False, alpha=0.5, gamma=0.9)
    assert Q[0, 0] == pytest.approx(5.0)
    Q = np.array([[0.0, 2.0], [4.0, 10.0]])
    delta = q_learning_update(Q, 0, 1, 1.0, 1, True, alpha=0.5, gamma=0.9)
    assert delta == pytest.approx(-1.0) and Q[0, 1] == pytest.approx(1.5)
    assert (Q[1] == [4.0, 10.0]).all()


def test_batched_rows_match_one_at_a_time():
    rng = np.random.default_rng(0)
    Q = rng.normal(size=(12, 3))
    s, a, r = np.array([0, 5, 7]), np.array([2, 0, 1]), rng.normal(size=3)
    s2, a2, term = np.array([1, 4, 8]), np.array([0, 2, 1]), np.array([False, True, False])
    for update, extra in ((sarsa_update, (a2,)), (q_learning_update, ())):
        batched, single = Q.copy(), Q.copy()
        update(batched, s, a, r, s2, *extra, term, 0.3, 0.9)
        for i in range(3):
            update(single, s[i], a[i], r[i], s2[i], *(e[i] for e in extra), term[i], 0.3, 0.9)
        np.testing.assert_allclose(batched, single)


def test_epsilon_greedy():
    rng = np.random.default_rng(0)
    Q = np.array([[0.0, 1.0, 0.0], [2.0, 2.0, -1.0]])
    assert {epsilon_greedy(Q, 0, 0.0, rng) for _ in range(50)} == {1}
    assert {epsilon_greedy(Q, 1, 0.0, rng) for _ in range(200)} == {0, 1}   # random ties
    actions = np.array([epsilon_greedy(Q, 0, 0.3, rng) for _ in range(20_000)])
    assert np.mean(actions != 1) == pytest.approx(0.3 * 2 / 3, abs=0.01)
    batch = epsilon_greedy(Q, np.array([0, 0, 1]), 0.0, rng)
    assert batch.shape == (3,) and batch[0] == 1 and batch[1] == 1
    assert isinstance(epsilon_greedy(Q, 0, 0.5, rng), int)


# --- convergence to exact answers ---------------------------------------------------

def test_td0_converges_to_the_exact_values_of_a_chain():
    """A three-state chain 0 -> 1 -> 2 -> end, rewards 1, 0, 2, gamma 0.9."""
    P = torch.zeros(3, 1, 3, dtype=torch.float64)
    P[0, 0, 1] = P[1, 0, 2] = 1.0
    r = torch.tensor([[1.0], [0.0], [2.0]], dtype=torch.float64)
    exact = evaluate_exactly(TabularMDP(P, r), torch.ones(3, 1, dtype=torch.float64), 0.9)
    V = np.zeros(3)
    for _ in range(300):
        for s in range(3):
            td0_update(V, s, r[s, 0].item(), min(s + 1, 2), s == 2, alpha=0.1, gamma=0.9)
    np.testing.assert_allclose(V, exact.numpy(), atol=1e-8)
    np.testing.assert_allclose(V, [1 + 0.81 * 2, 0.9 * 2, 2.0])


def test_q_learning_converges_to_value_iteration_on_a_deterministic_mdp():
    """Two states: in 0, action 0 earns 1 and stays, action 1 earns 0 and moves to 1;
    in 1, action 0 earns 2 and stays, action 1 earns 0 and ends the episode."""
    nxt = np.array([[0, 1], [1, 1]])
    rew = np.array([[1.0, 0.0], [2.0, 0.0]])
    end = np.array([[False, False], [False, True]])
    P = torch.zeros(2, 2, 2, dtype=torch.float64)
    for s in range(2):
        for a in range(2):
            if not end[s, a]:
                P[s, a, nxt[s, a]] = 1.0
    mdp, gamma = TabularMDP(P, torch.from_numpy(rew)), 0.8
    V_star = value_iteration(mdp, gamma, tol=1e-13)[-1]
    Q_star = (mdp.r + gamma * mdp.P @ V_star).numpy()
    Q, rng = np.zeros((2, 2)), np.random.default_rng(0)
    for step in range(20_000):                  # uniformly random behaviour: off-policy
        s, a = int(rng.integers(2)), int(rng.integers(2))
        q_learning_update(Q, s, a, rew[s, a], nxt[s, a], end[s, a], alpha=0.1, gamma=gamma)
    np.testing.assert_allclose(Q, Q_star, atol=1e-6)
    np.testing.assert_allclose(Q_star, [[7.4, 8.0], [10.0, 0.0]])


def test_greedy_rollouts_of_the_optimal_table():
    """The greedy policy of a table whose argmax is FrozenLake's optimal policy
    succeeds, within the 100-step limit, at about the best stationary rate."""
    env = gym.make("FrozenLake-v1")
    # left, up, up, up / left, -, left, - / up, down, left, - / -, right, down, -
    best = [0, 3, 3, 3, 0, 0, 0, 0, 3, 1, 0, 0, 0, 2, 1, 0]
    Q = np.eye(4)[best]
    run = greedy_rollouts(env, Q, 2_000, seed=0)
    assert run.returns.shape == (2_000,)
    rate = run.returns.mean().item()
    assert abs(rate - 0.74) < 0.04 and rate < frozenlake_optimal()


# --- bad input ----------------------------------------------------------------------

def test_bad_input_raises_clear_errors():
    Q, V, rng = np.zeros((3, 2)), np.zeros(3), np.random.default_rng(0)
    with pytest.raises(ValueError, match="alpha"):
        q_learning_update(Q, 0, 0, 1.0, 1, False, alpha=0.0, gamma=0.9)
    with pytest.raises(ValueError, match="gamma"):
        sarsa_update(Q, 0, 0, 1.0, 1, 0, False, alpha=0.1, gamma=1.5)
    with pytest.raises(TypeError, match="V must be a NumPy float64"):
        td0_update([0.0, 0.0], 0, 1.0, 1, False, 0.1, 0.9)
    with pytest.raises(ValueError, match="V must be a non-empty 1-D"):
        td0_update(Q, 0, 1.0, 1, False, 0.1, 0.9)
    with pytest.raises(TypeError, match="Q must be a NumPy float64"):
        epsilon_greedy(torch.zeros(3, 2), 0, 0.1, rng)
    with pytest.raises(ValueError, match="epsilon"):
        epsilon_greedy(Q, 0, 1.2, rng)
    with pytest.raises(TypeError, match="rng"):
        epsilon_greedy(Q, 0, 0.1, 0)
    with pytest.raises(ValueError, match=r"Q must have shape \(16, 4\)"):
        greedy_rollouts(gym.make("FrozenLake-v1"), Q, 10, seed=0)
    with pytest.raises(TypeError, match="env"):
        greedy_rollouts("FrozenLake-v1", np.zeros((16, 4)), 10, seed=0)
    assert V.sum() == 0
