"""Bandits: the environment, the agents' choices, regret, LinUCB and the A/B test."""

import math

import numpy as np
import pytest
import torch

from dlbook.rl.ab_testing import p_value, sample_size, z_statistic
from dlbook.rl.bandits import (BernoulliBandit, LinUCB, bernoulli_kl, beta_posterior,
                               cumulative_regret, epsilon_greedy, lai_robbins_constant,
                               thompson, ucb1, ucb1_index)

MEANS = np.array([0.5, 0.3, 0.6, 0.2])


def play(choose, runs=50, horizon=300, seed=0):
    bandit = BernoulliBandit(MEANS, runs, seed=seed)
    rng = np.random.default_rng(seed + 1)
    counts, sums = np.zeros((runs, 4)), np.zeros((runs, 4))
    pulled = np.empty((runs, horizon), dtype=np.int64)
    rows = np.arange(runs)
    for t in range(horizon):
        arms = choose(counts, sums, rng)
        rewards = bandit.pull(arms)
        counts[rows, arms] += 1
        sums[rows, arms] += rewards
        pulled[:, t] = arms
    return pulled, counts, sums


AGENTS = {"epsilon-greedy": lambda c, s, rng: epsilon_greedy(c, s, 0.1, rng),
          "ucb1": ucb1, "thompson": thompson}


@pytest.mark.parametrize("name", AGENTS)
def test_regret_is_non_negative_and_non_decreasing(name):
    pulled, counts, _ = play(AGENTS[name])
    regret = cumulative_regret(MEANS, pulled)
    assert regret.shape == pulled.shape
    assert (regret >= 0).all() and (np.diff(regret, axis=1) >= -1e-12).all()
    # pseudo-regret = sum over arms of gap times pulls
    gaps = MEANS.max() - MEANS
    np.testing.assert_allclose(regret[:, -1], counts @ gaps, atol=1e-9)


def test_good_agents_beat_uniform_play():
    uniform = lambda c, s, rng: rng.integers(4, size=len(c))  # noqa: E731
    base = cumulative_regret(MEANS, play(uniform)[0])[:, -1].mean()
    for name in ("ucb1", "thompson"):
        assert cumulative_regret(MEANS, play(AGENTS[name])[0])[:, -1].mean() < 0.7 * base


def test_regret_of_a_fixed_arm():
    arms = np.array([[1, 1, 2, 3]])
    np.testing.assert_allclose(cumulative_regret(MEANS, arms), [[0.3, 0.6, 0.6, 1.0]])


def test_ucb1_index_by_hand():
    counts = np.array([[2.0, 3.0, 5.0]])
    sums = np.array([[1.0, 3.0, 1.0]])
    t = 10
    want = [0.5 + math.sqrt(2 * math.log(t) / 2), 1.0 + math.sqrt(2 * math.log(t) / 3),
            0.2 + math.sqrt(2 * math.log(t) / 5)]
    np.testing.assert_allclose(ucb1_index(counts, sums)[0], want, rtol=1e-12)
    assert ucb1(counts, sums, np.random.default_rng(0))[0] == 1  # 1 + 1.239 is largest


def test_ucb1_tries_every_arm_first():
    _, counts, _ = play(ucb1, runs=3, horizon=4)
    assert (counts == 1).all()


def test_epsilon_greedy_extremes():
    rng = np.random.default_rng(0)
    counts = np.full((1000, 3), 4.0)
    sums = np.tile([1.0, 3.0, 2.0], (1000, 1))
    assert (epsilon_greedy(counts, sums, 0.0, rng) == 1).all()
    explored = epsilon_greedy(counts, sums, 1.0, rng)
    assert set(np.unique(explored)) == {0, 1, 2}


def test_epsilon_greedy_tries_untried_arms_and_explores_at_rate_epsilon():
    rng = np.random.default_rng(0)
    # an untried arm counts as the best, even next to an arm that always paid
    counts, sums = np.array([[3.0, 0.0, 2.0]]), np.array([[3.0, 0.0, 0.0]])
    assert epsilon_greedy(counts, sums, 0.0, rng)[0] == 1
    # with epsilon = 0.3 and three arms, a non-greedy arm is chosen 0.3 * 2/3 of the time
    counts = np.full((20000, 3), 4.0)
    sums = np.tile([1.0, 3.0, 2.0], (20000, 1))
    arms = epsilon_greedy(counts, sums, 0.3, rng)
    assert abs((arms != 1).mean() - 0.2) < 0.01
    assert abs((arms == 0).mean() - (arms == 2).mean()) < 0.015


def test_bernoulli_bandit_pays_each_arm_with_its_mean():
    means = np.array([0.1, 0.5, 0.9])
    bandit = BernoulliBandit(means, runs=30000, seed=0)
    arms = np.arange(30000) % 3
    rewards = bandit.pull(arms)
    assert set(np.unique(rewards)) == {0.0, 1.0}
    np.testing.assert_allclose([rewards[arms == a].mean() for a in range(3)], means,
                               atol=0.015)


def test_thompson_posterior_updates_exactly():
    # Beta(1, 1) prior, one arm observed 1, 0, 1, 1: Beta(1 + 3, 1 + 1), whatever the order
    counts, sums = np.zeros((1, 2)), np.zeros((1, 2))
    for reward in (1, 0, 1, 1):
        counts[0, 0] += 1
        sums[0, 0] += reward
        a, b = beta_posterior(counts, sums)
    np.testing.assert_array_equal(a, [[4.0, 1.0]])
    np.testing.assert_array_equal(b, [[2.0, 1.0]])
    a, b = beta_posterior(counts, sums, prior=(2.0, 5.0))
    np.testing.assert_array_equal(a, [[5.0, 2.0]])
    np.testing.assert_array_equal(b, [[6.0, 5.0]])
    # against Bayes' rule on a grid: prior times likelihood, normalised
    grid = np.linspace(0.0005, 0.9995, 1000)
    bayes = grid ** 3 * (1 - grid) ** 1          # uniform prior, 3 successes, 1 failure
    bayes /= bayes.sum() * (grid[1] - grid[0])
    beta_pdf = grid ** (4 - 1) * (1 - grid) ** (2 - 1) / (math.gamma(4) * math.gamma(2)
                                                          / math.gamma(6))
    np.testing.assert_allclose(bayes, beta_pdf, atol=1e-3)


def test_thompson_picks_arms_with_their_posterior_probability():
    # arm 0 has Beta(1, 1), arm 1 Beta(2, 1): P(draw_1 > draw_0) = 2/3
    counts = np.tile([0.0, 1.0], (20000, 1))
    sums = counts.copy()
    arms = thompson(counts, sums, np.random.default_rng(0))
    assert abs(arms.mean() - 2 / 3) < 0.015


def test_bernoulli_kl_and_lai_robbins():
    assert bernoulli_kl(0.5, 0.5) == 0
    np.testing.assert_allclose(bernoulli_kl(0.3, 0.6),
                               0.3 * math.log(0.5) + 0.7 * math.log(0.7 / 0.4))
    assert np.isinf(bernoulli_kl(0.5, 1.0))
    c = lai_robbins_constant(np.array([0.6, 0.5, 0.6]))
    assert c == pytest.approx(0.1 / float(bernoulli_kl(0.5, 0.6)))
    assert lai_robbins_constant(np.array([0.4, 0.4])) == 0


def test_linucb_ridge_solution_matches_solve():
    gen = torch.Generator().manual_seed(0)
    runs, arms, dim, rounds, ridge = 3, 4, 5, 60, 0.7
    agent = LinUCB(arms, dim, width=0.5, ridge=ridge, runs=runs)
    xs = torch.randn(rounds, runs, dim, generator=gen, dtype=torch.float64)
    chosen = torch.randint(arms, (rounds, runs), generator=gen)
    rewards = torch.rand(rounds, runs, generator=gen, dtype=torch.float64)
    for t in range(rounds):
        agent.update(xs[t], chosen[t], rewards[t])
    for r in range(runs):
        for a in range(arms):
            mask = chosen[:, r] == a
            X, y = xs[mask, r], rewards[mask, r]
            V = ridge * torch.eye(dim, dtype=torch.float64) + X.T @ X
            torch.testing.assert_close(agent.theta()[r, a], torch.linalg.solve(V, X.T @ y))
            torch.testing.assert_close(agent.V_inv[r, a], torch.linalg.inv(V))
    x = xs[0]
    scores = agent.scores(x)
    for r in range(runs):
        for a in range(arms):
            V_inv = agent.V_inv[r, a]
            want = agent.theta()[r, a] @ x[r] + 0.5 * torch.sqrt(x[r] @ V_inv @ x[r])
            torch.testing.assert_close(scores[r, a], want)
    assert torch.equal(agent.select(x), scores.argmax(1))


def test_ab_test_helpers():
    z = z_statistic(np.array([100]), np.array([1000]), np.array([130]), np.array([1000]))
    p = 230 / 2000
    assert z[0] == pytest.approx(0.03 / math.sqrt(p * (1 - p) * 2 / 1000))
    assert p_value(np.array([1.959963984540054]))[0] == pytest.approx(0.05)
    assert p_value(np.array([0.0]))[0] == pytest.approx(1.0)
    assert z_statistic(np.array([0]), np.array([10]), np.array([0]), np.array([10]))[0] == 0
    # the textbook case: 10% against 12% needs about 3,841 per group at 5% and 80%
    assert sample_size(0.10, 0.12) == 3841


def test_ab_test_level_by_simulation():
    rng = np.random.default_rng(0)
    n = np.full(20000, 2000)
    z = z_statistic(rng.binomial(n, 0.2), n, rng.binomial(n, 0.2), n)
    assert abs((p_value(z) < 0.05).mean() - 0.05) < 0.008


@pytest.mark.parametrize("call, words", [
    (lambda: BernoulliBandit(np.array([0.5, 1.2])), "means"),
    (lambda: BernoulliBandit([0.5, 0.2], runs=0), "runs"),
    (lambda: BernoulliBandit(np.array([0.5, 0.2]), runs=2).pull(np.array([0, 2])), "arms"),
    (lambda: epsilon_greedy(np.zeros((2, 3)), np.zeros((2, 3)), 1.5,
                            np.random.default_rng()), "epsilon"),
    (lambda: ucb1_index(np.zeros((2, 3)), np.ones((2, 3))), "sums"),
    (lambda: ucb1(np.zeros((2, 3)), np.zeros((2, 3)), 0), "rng"),
    (lambda: thompson(np.zeros((2, 3)), np.zeros((2, 3)), np.random.default_rng(),
                      prior=(0, 1)), "prior"),
    (lambda: cumulative_regret(np.array([0.5, 0.2]), np.array([[0, 3]])), "arms"),
    (lambda: LinUCB(3, 2, width=-1.0), "width"),
    (lambda: LinUCB(3, 2).select(torch.zeros(1, 3)), "x"),
    (lambda: LinUCB(3, 2).update(torch.zeros(1, 2), torch.tensor([3]), torch.ones(1)),
     "arms"),
    (lambda: sample_size(0.1, 0.1), "p_a"),
    (lambda: z_statistic(np.array([5]), np.array([3]), np.array([1]), np.array([3])),
     "trials_a"),
])
def test_bad_input_raises_a_clear_error(call, words):
    with pytest.raises((TypeError, ValueError), match=words):
        call()
