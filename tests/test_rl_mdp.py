"""Dynamic programming on tabular MDPs (``dlbook.rl.mdp``): exact answers solved by
hand, the linear-system solution, agreement of the algorithms, FrozenLake's optimum."""

import gymnasium as gym
import pytest
import torch

from dlbook.rl.mdp import (TabularMDP, evaluate_exactly, from_gymnasium, frozenlake_optimal,
                           greedy_policy, policy_evaluation, policy_iteration, q_values,
                           rollouts, value_iteration)

F64 = torch.float64


def two_state_mdp():
    """Action 0 "stay", action 1 "go". In state 0, staying earns 1; going earns 0 and
    reaches state 1 with probability 1/2 (else stays). In state 1, staying earns 2;
    going earns 0 and returns to state 0."""
    P = torch.zeros(2, 2, 2, dtype=F64)
    P[0, 0, 0] = 1.0
    P[0, 1] = torch.tensor([0.5, 0.5])
    P[1, 0, 1] = 1.0
    P[1, 1, 0] = 1.0
    r = torch.tensor([[1.0, 0.0], [2.0, 0.0]], dtype=F64)
    return TabularMDP(P, r)


# Solved by hand with gamma = 0.9. If state 1 stays, V(1) = 2 / (1 - 0.9) = 20. In
# state 0, staying for ever is worth 1 / 0.1 = 10; going gives V(0) = 0.9 (V(0)/2 +
# 20/2), so 0.55 V(0) = 9 and V(0) = 180/11. Check: staying once then following
# the policy gives 1 + 0.9 * 180/11 = 173/11 < 180/11, and going from state 1 gives
# 0.9 * 180/11 < 20. So V* = (180/11, 20), pi* = (go, stay).
V_STAR = torch.tensor([180 / 11, 20.0], dtype=F64)
PI_STAR = torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=F64)
# The uniform policy: r_pi = (1/2, 1), P_pi = [[3/4, 1/4], [1/2, 1/2]]; solving
# V = r_pi + 0.9 P_pi V by hand gives 0.325 V0 = 0.5 + 0.225 V1 and
# 0.55 V1 = 1 + 0.45 V0, so V0 = 200/31 and V1 = 220/31.
V_UNIFORM = torch.tensor([200 / 31, 220 / 31], dtype=F64)


def uniform(S, A):
    return torch.full((S, A), 1.0 / A, dtype=F64)


def random_mdp(seed, S=6, A=3, end=0.1):
    """A random MDP whose transitions end the episode with probability ``end``."""
    g = torch.Generator().manual_seed(seed)
    P = torch.rand(S, A, S, generator=g, dtype=F64) ** 3
    P = (1 - end) * P / P.sum(2, keepdim=True)
    return TabularMDP(P, torch.randn(S, A, generator=g, dtype=F64))


def random_policy(seed, S=6, A=3):
    p = torch.rand(S, A, generator=torch.Generator().manual_seed(seed), dtype=F64)
    return p / p.sum(1, keepdim=True)


# --- the hand-solved two-state MDP --------------------------------------------

def test_value_iteration_finds_the_hand_solution():
    V = value_iteration(two_state_mdp(), 0.9, tol=1e-13)[-1]
    torch.testing.assert_close(V, V_STAR, atol=1e-10, rtol=0)
    assert torch.equal(greedy_policy(two_state_mdp(), V, 0.9), PI_STAR)


def test_policy_iteration_finds_the_hand_solution_in_one_improvement():
    result = policy_iteration(two_state_mdp(), 0.9)       # starts from "stay" everywhere
    torch.testing.assert_close(result.values[0], torch.tensor([10.0, 20.0], dtype=F64))
    assert len(result.policies) == 2
    assert torch.equal(result.policies[-1], PI_STAR)
    torch.testing.assert_close(result.values[-1], V_STAR, atol=1e-12, rtol=0)


def test_policy_evaluation_of_the_uniform_policy_matches_the_hand_solution():
    mdp = two_state_mdp()
    torch.testing.assert_close(evaluate_exactly(mdp, uniform(2, 2), 0.9), V_UNIFORM)
    torch.testing.assert_close(policy_evaluation(mdp, uniform(2, 2), 0.9, tol=1e-13)[-1],
                               V_UNIFORM, atol=1e-10, rtol=0)


# --- evaluation is the linear system; the algorithms agree ---------------------

@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("gamma", [0.5, 0.95, 1.0])
def test_policy_evaluation_solves_the_linear_system(seed, gamma):
    mdp, policy = random_mdp(seed), random_policy(seed + 100)
    P_pi = torch.einsum("sa,sat->st", policy, mdp.P)
    r_pi = (policy * mdp.r).sum(1)
    direct = torch.linalg.solve(torch.eye(6, dtype=F64) - gamma * P_pi, r_pi)
    torch.testing.assert_close(evaluate_exactly(mdp, policy, gamma), direct)
    iterates = policy_evaluation(mdp, policy, gamma, tol=1e-13)
    torch.testing.assert_close(iterates[-1], direct, atol=1e-10, rtol=0)
    # the iterates contract towards V^pi by at least gamma * (1 - end) per step
    errors = (iterates - direct).abs().max(1).values
    assert bool((errors[1:20] <= gamma * 0.9 * errors[:19] + 1e-12).all())


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("gamma", [0.5, 0.9, 0.99])
def test_value_iteration_and_policy_iteration_agree(seed, gamma):
    mdp = random_mdp(seed, end=0.0)
    V_vi = value_iteration(mdp, gamma, tol=1e-12)[-1]
    result = policy_iteration(mdp, gamma)
    V_pi = result.values[-1]
    torch.testing.assert_close(V_vi, V_pi, atol=1e-8 / (1 - gamma), rtol=0)
    # V* satisfies the Bellman optimality equation; the greedy policies agree
    torch.testing.assert_close(q_values(mdp, V_pi, gamma).max(1).values, V_pi)
    assert torch.equal(greedy_policy(mdp, V_vi, gamma), result.policies[-1])
    # each improvement does not lower the value anywhere
    assert bool((result.values[1:] >= result.values[:-1] - 1e-10).all())


def test_value_iteration_iterates_rise_to_v_star_on_positive_rewards():
    mdp = two_state_mdp()
    V = value_iteration(mdp, 0.9)
    assert bool((V[1:] >= V[:-1]).all())
    assert bool((V <= V_STAR + 1e-9).all())


# --- gymnasium's FrozenLake ---------------------------------------------------

def test_from_gymnasium_reads_frozenlake():
    mdp = from_gymnasium(gym.make("FrozenLake-v1"))
    assert mdp.P.shape == (16, 4, 16) and mdp.r.shape == (16, 4)
    holes_and_goal = [5, 7, 11, 12, 15]
    assert mdp.P[holes_and_goal].abs().sum() == 0 and mdp.r[holes_and_goal].abs().sum() == 0
    # state 14, RIGHT: the goal (reward 1, the episode ends), 10 or 14, a third each
    torch.testing.assert_close(mdp.r[14, 2], torch.tensor(1 / 3, dtype=F64))
    torch.testing.assert_close(mdp.P[14, 2, [10, 14]], torch.full((2,), 1 / 3, dtype=F64))
    assert mdp.P[14, 2].sum().item() == pytest.approx(2 / 3)
    # state 0, LEFT: the two slips into walls add up: stay with 2/3, down with 1/3
    torch.testing.assert_close(mdp.P[0, 0, [0, 4]], torch.tensor([2 / 3, 1 / 3], dtype=F64))


def test_from_gymnasium_keeps_the_reward_of_a_terminating_step():
    class Toy:
        """Two states; in state 1 the action ends the episode with reward 5."""
        unwrapped = None
        observation_space = gym.spaces.Discrete(2)
        action_space = gym.spaces.Discrete(1)
        P = {0: {0: [(1.0, 1, 0.0, False)]}, 1: {0: [(1.0, 0, 5.0, True)]}}

    env = Toy()
    env.unwrapped = env
    mdp = from_gymnasium(env)
    assert mdp.r.tolist() == [[0.0], [5.0]] and mdp.P[1].sum() == 0
    V = evaluate_exactly(mdp, torch.ones(2, 1, dtype=F64), 1.0)   # undiscounted
    assert V.tolist() == [5.0, 5.0]


def test_frozenlake_optimum_is_14_over_17():
    # 14/17 was found by solving the optimal policy's linear system in fractions
    assert frozenlake_optimal() == pytest.approx(14 / 17, abs=1e-12)


def test_frozenlake_optimum_within_the_time_limit():
    within_100 = frozenlake_optimal(max_steps=100)
    assert within_100 == pytest.approx(0.74, abs=0.005)     # gymnasium's registry: 0.74
    assert frozenlake_optimal(max_steps=10) < within_100 < frozenlake_optimal(max_steps=1000)
    assert frozenlake_optimal(max_steps=1000) < 14 / 17
    assert frozenlake_optimal(is_slippery=False) == pytest.approx(1.0)


def test_rollouts_are_seeded_and_match_the_exact_success_probability():
    env = gym.make("FrozenLake-v1")
    mdp = from_gymnasium(env)
    policy = greedy_policy(mdp, value_iteration(mdp, 0.99)[-1], 0.99)
    one, two = rollouts(env, policy, 300, seed=3), rollouts(env, policy, 300, seed=3)
    assert torch.equal(one.returns, two.returns) and torch.equal(one.lengths, two.lengths)
    episodes = rollouts(env, policy, 2000, seed=0)
    # probability of success within 100 steps: 100 backups of the policy's equation
    exact = policy_evaluation(mdp, policy, 1.0, tol=0.0, max_iterations=100)[-1, 0].item()
    rate = episodes.returns.mean().item()
    assert abs(rate - exact) < 4 * (exact * (1 - exact) / 2000) ** 0.5
    assert bool((episodes.lengths[episodes.truncated] == 100).all())
    assert episodes.truncated.any()


def test_rollouts_of_a_stochastic_policy_match_its_exact_success_probability():
    env = gym.make("FrozenLake-v1")
    mdp = from_gymnasium(env)
    greedy = greedy_policy(mdp, value_iteration(mdp, 0.99)[-1], 0.99)
    policy = 0.7 * greedy + 0.3 * uniform(16, 4)          # actions drawn, not looked up
    exact = policy_evaluation(mdp, policy, 1.0, tol=0.0, max_iterations=100)[-1, 0].item()
    one, two = rollouts(env, policy, 2000, seed=5), rollouts(env, policy, 300, seed=5)
    assert torch.equal(one.returns[:300], two.returns)    # the action draws are seeded
    rate = one.returns.mean().item()
    assert abs(rate - exact) < 4 * (exact * (1 - exact) / 2000) ** 0.5
    assert 0.1 < exact < 0.9          # neither hopeless nor sure: a wrong sampler shows


def test_greedy_policy_breaks_ties_towards_the_first_action():
    # the chapter's last exercise: on the non-slippery lake with gamma = 1 every safe
    # action ties at V* = 1, the first one (left) wins, and from the start it never moves
    mdp = from_gymnasium(gym.make("FrozenLake-v1", is_slippery=False))
    V = value_iteration(mdp, 1.0)[-1]
    policy = greedy_policy(mdp, V, 1.0)
    assert V[0].item() == 1.0 and policy[0].argmax().item() == 0
    assert policy_evaluation(mdp, policy, 1.0)[-1, 0].item() == 0.0
    walks = greedy_policy(mdp, value_iteration(mdp, 0.999)[-1], 0.999)
    assert policy_evaluation(mdp, walks, 1.0)[-1, 0].item() == pytest.approx(1.0)


# --- bad input ------------------------------------------------------------------

def test_bad_input_raises_a_clear_error():
    mdp = two_state_mdp()
    with pytest.raises(ValueError, match="gamma"):
        value_iteration(mdp, 1.5)
    with pytest.raises(TypeError, match="mdp"):
        value_iteration((mdp.P, mdp.r), 0.9)
    with pytest.raises(ValueError, match="mdp"):
        value_iteration(TabularMDP(-mdp.P, mdp.r), 0.9)
    with pytest.raises(ValueError, match="mdp"):
        value_iteration(TabularMDP(mdp.P, mdp.r[:1]), 0.9)
    with pytest.raises(ValueError, match="policy"):
        policy_evaluation(mdp, torch.ones(2, 2, dtype=F64), 0.9)
    with pytest.raises(ValueError, match="gamma"):
        policy_iteration(mdp, 1.0)
    with pytest.raises(ValueError, match="max_iterations"):
        value_iteration(mdp, 0.9, max_iterations=0)
    with pytest.raises(TypeError, match="env"):
        from_gymnasium(gym.make("CartPole-v1"))


def test_undiscounted_exact_evaluation_refuses_a_policy_that_never_ends():
    mdp = from_gymnasium(gym.make("FrozenLake-v1"))
    always_up = torch.zeros(16, 4, dtype=F64)
    always_up[:, 3] = 1.0                     # the top row never leaves the top row
    with pytest.raises(ValueError, match="never"):
        evaluate_exactly(mdp, always_up, 1.0)
    # iterative evaluation still gives its value: it never reaches the goal from 0
    assert policy_evaluation(mdp, always_up, 1.0)[-1, 0].item() == 0.0
