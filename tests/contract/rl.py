"""Contract examples for Part VII, ``dlbook.rl``, and its chapters' checks."""

import numpy as np
import torch
from torch import nn

from . import INFINITE, Example, Propagates, checks_in, elementwise, merge, propagates

# --- mdp ----------------------------------------------------------------------

def _mdp():
    from dlbook.rl.mdp import TabularMDP
    P = torch.zeros(2, 2, 2, dtype=torch.float64)
    P[0, 0, 0], P[0, 1, 1], P[1, 0, 1], P[1, 1, 0] = 1.0, 0.9, 1.0, 1.0
    return TabularMDP(P, torch.tensor([[1.0, 0.0], [2.0, 0.0]], dtype=torch.float64))


def _uniform():
    return torch.full((2, 2), 0.5, dtype=torch.float64)


def _frozenlake():
    import gymnasium as gym
    return gym.make("FrozenLake-v1")


MDP_RECORD = "a plain record of the two tensors; every function that takes it checks them"


EXAMPLES = {
    # --- bandits (chapter Bandits) ---------------------------------------------
    "dlbook.rl.bandits.BernoulliBandit": Example(
        dict(means=np.array([0.2, 0.7]), runs=3, seed=0),
        methods={"pull": Example(dict(arms=np.array([0, 1, 1])))}),
    "dlbook.rl.bandits.epsilon_greedy": Example(
        lambda: dict(counts=np.array([[1.0, 2.0], [0.0, 3.0]]),
                     sums=np.array([[1.0, 1.0], [0.0, 2.0]]), epsilon=0.1,
                     rng=np.random.default_rng(0))),
    "dlbook.rl.bandits.ucb1_index": Example(
        dict(counts=np.array([[1.0, 2.0], [0.0, 3.0]]), sums=np.array([[1.0, 1.0], [0.0, 2.0]]))),
    "dlbook.rl.bandits.ucb1": Example(
        lambda: dict(counts=np.array([[1.0, 2.0], [0.0, 3.0]]),
                     sums=np.array([[1.0, 1.0], [0.0, 2.0]]), rng=np.random.default_rng(0))),
    "dlbook.rl.bandits.beta_posterior": Example(
        dict(counts=np.array([[1.0, 2.0]]), sums=np.array([[1.0, 1.0]]), prior=(1.0, 2.0))),
    "dlbook.rl.bandits.thompson": Example(
        lambda: dict(counts=np.array([[1.0, 2.0]]), sums=np.array([[1.0, 1.0]]),
                     rng=np.random.default_rng(0), prior=(1.0, 2.0))),
    "dlbook.rl.bandits.cumulative_regret": Example(
        dict(means=np.array([0.2, 0.7]), arms=np.array([[0, 1, 0], [1, 1, 1]]))),
    "dlbook.rl.bandits.bernoulli_kl": Example(dict(p=0.3, q=0.6)),
    "dlbook.rl.bandits.lai_robbins_constant": Example(dict(means=np.array([0.2, 0.7, 0.5]))),
    "dlbook.rl.bandits.LinUCB": Example(
        dict(num_arms=4, dim=3, width=0.5, ridge=1.0, runs=2),
        methods={"theta": Example(),
                 "scores": Example(dict(x=torch.ones(2, 3))),
                 "select": Example(dict(x=torch.ones(2, 3))),
                 "update": Example(
                     dict(x=torch.ones(2, 3), arms=torch.tensor([0, 3]),
                          rewards=torch.tensor([1.0, 0.0])),
                     accept={"rewards": {"dtype": "rewards of 0 and 1 given as "
                                                  "integers are rewards"}})}),
    # --- ab_testing (chapter Bandits) ------------------------------------------
    "dlbook.rl.ab_testing.z_statistic": Example(
        dict(successes_a=np.array([10, 12]), trials_a=np.array([100, 100]),
             successes_b=np.array([15, 9]), trials_b=np.array([100, 100]))),
    "dlbook.rl.ab_testing.p_value": Example(dict(z=np.array([1.0, -2.0]))),
    "dlbook.rl.ab_testing.sample_size": Example(dict(p_a=0.1, p_b=0.12, alpha=0.05,
                                                     power=0.8)),
}

EXAMPLES.update(checks_in("dlbook.checks.bandits"))

EXAMPLES.update({
    # --- mdp ----------------------------------------------------------------------
    "dlbook.rl.mdp.TabularMDP": Example(record=MDP_RECORD),
    "dlbook.rl.mdp.PolicyIteration": Example(record="a plain record of the results"),
    "dlbook.rl.mdp.Episodes": Example(record="a plain record of the results"),
    "dlbook.rl.mdp.from_gymnasium": Example(lambda: dict(env=_frozenlake())),
    "dlbook.rl.mdp.q_values": Example(
        lambda: dict(mdp=_mdp(), V=torch.tensor([1.0, 2.0], dtype=torch.float64),
                     gamma=0.9)),
    "dlbook.rl.mdp.greedy_policy": Example(
        lambda: dict(mdp=_mdp(), V=torch.tensor([1.0, 2.0], dtype=torch.float64),
                     gamma=0.9)),
    "dlbook.rl.mdp.policy_evaluation": Example(
        lambda: dict(mdp=_mdp(), policy=_uniform(), gamma=0.9, tol=1e-6,
                     max_iterations=50)),
    "dlbook.rl.mdp.evaluate_exactly": Example(
        lambda: dict(mdp=_mdp(), policy=_uniform(), gamma=0.9)),
    "dlbook.rl.mdp.value_iteration": Example(
        lambda: dict(mdp=_mdp(), gamma=0.9, tol=1e-6, max_iterations=50)),
    "dlbook.rl.mdp.policy_iteration": Example(
        lambda: dict(mdp=_mdp(), gamma=0.9, policy=_uniform(), max_iterations=10)),
    "dlbook.rl.mdp.rollouts": Example(
        lambda: dict(env=_frozenlake(), policy=torch.full((16, 4), 0.25,
                                                          dtype=torch.float64),
                     episodes=3, seed=0)),
    "dlbook.rl.mdp.frozenlake_optimal": Example(dict(is_slippery=True, max_steps=5)),
})
EXAMPLES.update(checks_in("dlbook.checks.mdp"))


# --- q-learning -----------------------------------------------------------------

def _q_table():
    import numpy as np
    return np.array([[0.0, 2.0], [4.0, 10.0], [1.0, -1.0]])


REWARD_SIGN = {"r": {"range:negative": "rewards may be negative (CliffWalking's -1 a step)"}}

EXAMPLES.update({
    "dlbook.rl.td.epsilon_greedy": Example(
        lambda: dict(Q=_q_table(), s=1, epsilon=0.1,
                     rng=__import__("numpy").random.default_rng(0))),
    "dlbook.rl.td.td0_update": Example(
        lambda: dict(V=_q_table()[:, 0].copy(), s=0, r=0.5, s_next=1, terminated=False,
                     alpha=0.5, gamma=0.9), accept=REWARD_SIGN),
    "dlbook.rl.td.sarsa_update": Example(
        lambda: dict(Q=_q_table(), s=0, a=0, r=1.0, s_next=1, a_next=0, terminated=False,
                     alpha=0.5, gamma=0.9), accept=REWARD_SIGN),
    "dlbook.rl.td.q_learning_update": Example(
        lambda: dict(Q=_q_table(), s=0, a=0, r=1.0, s_next=1, terminated=False,
                     alpha=0.5, gamma=0.9), accept=REWARD_SIGN),
    "dlbook.rl.td.greedy_rollouts": Example(
        lambda: dict(env=_frozenlake(), Q=__import__("numpy").zeros((16, 4)), episodes=3,
                     seed=0)),
})
EXAMPLES.update(checks_in("dlbook.checks.q_learning"))


def _board():
    return (1, -1, 0, 0, 1, 0, 0, 0, -1)


def _rng():
    import random
    return random.Random(0)


def _root():
    from dlbook.rl.search import mcts
    return mcts(_board(), 20, _rng())


def _evaluate():
    from dlbook.rl.search import rollout_evaluate
    return rollout_evaluate


def _table():
    from dlbook.rl.alphazero import PolicyValueNet, tabulate
    torch.manual_seed(0)
    return tabulate(PolicyValueNet(hidden=4))


EXAMPLES.update({
    # --- games (chapter Monte Carlo tree search) ---------------------------------
    "dlbook.rl.games.check_board": Example(dict(name="board", board=(0,) * 9),
                                           accept={"name": {"*": "only the message uses it"}}),
    "dlbook.rl.games.to_move": Example(dict(board=(1,) + (0,) * 8)),
    "dlbook.rl.games.winner": Example(dict(board=(1, 1, 1, -1, -1, 0, 0, 0, 0))),
    "dlbook.rl.games.legal_moves": Example(dict(board=(1,) + (0,) * 8)),
    "dlbook.rl.games.play": Example(dict(board=(1,) + (0,) * 8, move=4)),
    "dlbook.rl.games.all_positions": Example(),
    "dlbook.rl.games.render": Example(dict(board=(1, -1) + (0,) * 7)),
    # --- search -------------------------------------------------------------------
    "dlbook.rl.search.minimax_value": Example(lambda: dict(board=_board())),
    "dlbook.rl.search.minimax_player": Example(lambda: dict(board=_board(), rng=_rng())),
    "dlbook.rl.search.random_player": Example(lambda: dict(board=_board(), rng=_rng())),
    "dlbook.rl.search.rollout": Example(lambda: dict(board=_board(), rng=_rng())),
    "dlbook.rl.search.flat_monte_carlo": Example(
        lambda: dict(board=_board(), n_rollouts=12, rng=_rng())),
    "dlbook.rl.search.Node": Example(record="a search node: a plain record of the "
                                     "statistics mcts keeps, built by mcts from checked "
                                     "positions"),
    "dlbook.rl.search.ucb1": Example(lambda: dict(parent=_root(),
                                                  child=next(iter(_root().children.values())))),
    "dlbook.rl.search.puct": Example(lambda: dict(parent=_root(),
                                                  child=next(iter(_root().children.values())))),
    "dlbook.rl.search.rollout_evaluate": Example(lambda: dict(board=_board(), rng=_rng())),
    "dlbook.rl.search.mcts": Example(lambda: dict(board=_board(), n_simulations=10, rng=_rng())),
    "dlbook.rl.search.visits": Example(lambda: dict(root=_root())),
    "dlbook.rl.search.most_visited": Example(lambda: dict(root=_root())),
    "dlbook.rl.search.mcts_player": Example(dict(n_simulations=10)),
    "dlbook.rl.search.flat_monte_carlo_player": Example(dict(n_rollouts=10)),
    "dlbook.rl.search.play_game": Example(
        lambda: dict(crosses=_random_player(), noughts=_random_player(), rng=_rng())),
    "dlbook.rl.search.match": Example(
        lambda: dict(player=_random_player(), opponent=_random_player(), n_games=2, seed=0)),
    "dlbook.rl.search.visit_policy": Example(dict(counts={0: 1, 4: 3}, temperature=1.0)),
    # --- alphazero ----------------------------------------------------------------
    "dlbook.rl.alphazero.encode": Example(dict(boards=[(0,) * 9, (1,) + (0,) * 8])),
    "dlbook.rl.alphazero.augment": Example(
        lambda: dict(x=torch.rand(2, 27), policies=torch.rand(2, 9), outcomes=torch.ones(2))),
    "dlbook.rl.alphazero.PolicyValueNet": Example(
        dict(hidden=4), methods={"forward": Example(lambda: dict(x=torch.rand(2, 27)))}),
    "dlbook.rl.alphazero.tabulate": Example(lambda: dict(net=_net())),
    "dlbook.rl.alphazero.network_evaluate": Example(lambda: dict(table=_table())),
    "dlbook.rl.alphazero.with_root_noise": Example(
        lambda: dict(evaluate=_evaluate(), root=_board(), alpha=0.5, weight=0.25)),
    "dlbook.rl.alphazero.self_play_game": Example(
        lambda: dict(evaluate=_evaluate(), n_simulations=4, rng=_rng(), explore_moves=1)),
    "dlbook.rl.alphazero.alphazero_loss": Example(
        lambda: dict(net=_net(), x=torch.rand(2, 27), policies=torch.full((2, 9), 1 / 9),
                     outcomes=torch.ones(2))),
})
EXAMPLES.update(checks_in("dlbook.checks.mcts"))


def _random_player():
    from dlbook.rl.search import random_player
    return random_player


def _net():
    from dlbook.rl.alphazero import PolicyValueNet
    torch.manual_seed(0)
    return PolicyValueNet(hidden=4)


# --- evaluation -------------------------------------------------------------------

def _lean_policy(obs):
    import numpy as np
    return (obs[:, 2] > 0).astype(np.int64)


EXAMPLES.update({
    "dlbook.rl.evaluation.evaluate": Example(
        dict(env_id="CartPole-v1", policy=_lean_policy, episodes=2, seed=0)),
})


# --- policy gradients and RLHF (chapter Policy gradients) -------------------------

def _rollout():
    torch.manual_seed(0)
    rewards, values, next_values = torch.randn(3, 2), torch.randn(3, 2), torch.randn(3, 2)
    terminated = torch.tensor([[0, 0], [1, 0], [0, 0]])
    truncated = torch.tensor([[0, 0], [0, 0], [0, 1]])
    return dict(rewards=rewards, values=values, next_values=next_values,
                terminated=terminated, truncated=truncated, gamma=0.9, lam=0.95)


def _name_lm():
    from dlbook.nlp.rnn import RNNLM
    torch.manual_seed(0)
    return RNNLM(8, embedding_dim=4, hidden_size=6, cell="gru")


def _name_ids():
    return torch.tensor([[2, 5, 6, 3, 0], [2, 7, 4, 5, 3]])


ROLLOUT_NAN = "a NaN reward or value flows into the advantages of its episode, as in torch"

EXAMPLES.update({
    "dlbook.rl.policy_gradient.reinforce_loss": Example(
        lambda: dict(log_probs=torch.tensor([-0.5, -1.2]), advantages=torch.tensor([1.0, -2.0])),
        accept=merge(propagates("log_probs", "advantages"),
                     {"log_probs": {"shape": "any shape: one log-probability per sample"},
                      "advantages": {"range:negative": "advantages have both signs"}})),
    "dlbook.rl.policy_gradient.gae": Example(
        _rollout, accept=merge(propagates("rewards", "values", "next_values",
                                          reason=ROLLOUT_NAN),
                               {"rewards": {"range:negative": "rewards have both signs"},
                                "values": {"range:negative": "values have both signs"},
                                "next_values": {"range:negative": "values have both signs"}})),
    "dlbook.rl.policy_gradient.clipped_objective": Example(
        lambda: dict(ratio=torch.tensor([0.5, 1.5]), advantages=torch.tensor([1.0, -1.0]),
                     clip=0.2),
        accept=merge(propagates("ratio", "advantages"),
                     {"ratio": {"shape": "any shape: one ratio per sample"},
                      "advantages": {"range:negative": "advantages have both signs"}})),
    "dlbook.rl.policy_gradient.ActorCritic": Example(
        dict(obs_dim=4, n_actions=2, hidden=8),
        methods={"forward": Example(
            lambda: dict(obs=torch.randn(3, 4)),
            accept=merge(propagates("obs"), {"obs": {"empty": "a batch of no observations "
                                                              "gives no logits, as in torch"}}))}),
    "dlbook.rl.rlhf.bradley_terry_loss": Example(
        lambda: dict(chosen=torch.tensor([1.0, -0.5]), rejected=torch.tensor([0.0, 0.5])),
        accept=merge(propagates("chosen", "rejected"),
                     {"chosen": {"range:negative": "rewards have both signs"},
                      "rejected": {"range:negative": "rewards have both signs"}})),
    "dlbook.rl.rlhf.RewardModel": Example(
        dict(vocab_size=8, embedding_dim=4, hidden_size=6),
        methods={"forward": Example(lambda: dict(ids=_name_ids(), pad=0))}),
    "dlbook.rl.rlhf.sample_sequences": Example(
        lambda: dict(model=_name_lm(), n=3, bos=2, eos=3, pad=0, max_length=5,
                     generator=torch.Generator().manual_seed(0))),
    "dlbook.rl.rlhf.sequence_log_probs": Example(
        lambda: dict(model=_name_lm(), ids=_name_ids(), pad=0)),
    "dlbook.rl.rlhf.kl_penalised_rewards": Example(
        lambda: dict(rewards=torch.tensor([1.0, 2.0]), log_probs=torch.tensor([-1.0, -3.0]),
                     ref_log_probs=torch.tensor([-2.0, -2.0]), beta=0.1),
        accept=merge(propagates("rewards", "log_probs", "ref_log_probs"),
                     {"rewards": {"range:negative": "rewards have both signs"}})),
})
EXAMPLES.update(checks_in("dlbook.checks.policy_gradient"))
# --- dqn ------------------------------------------------------------------------

STORED = "stored as given: the memory records what the environment returned"

def _transitions():
    return dict(obs=torch.zeros(2, 1, 3), actions=torch.tensor([[0], [1]]),
                rewards=torch.ones(2, 1), next_obs=torch.ones(2, 1, 3),
                terminated=torch.tensor([[False], [True]]))


EXAMPLES.update({
    "dlbook.rl.dqn.Transitions": Example(record="a plain record of the five tensors "
                                                "that ReplayBuffer.sample returns"),
    "dlbook.rl.dqn.ReplayBuffer": Example(
        dict(agents=2, capacity=4, obs_dim=3),
        methods={"add": Example(_transitions, accept=merge(
            {name: {"nan": STORED, "inf": STORED} for name in ("obs", "next_obs", "rewards")},
            {"actions": {"range:huge": "the memory does not know how many actions there "
                                       "are; td_loss checks them against q"},
             "rewards": {"dtype": "integer rewards are rewards, stored as floats"}}))}),
    "dlbook.rl.dqn.QNetworks": Example(
        dict(agents=2, obs_dim=3, actions=2, hidden=(4,)),
        accept={"hidden": {"empty": "no hidden layer: a linear Q-function per agent"}},
        methods={"forward": Example(lambda: dict(obs=torch.rand(2, 5, 3)),
                                    accept=propagates("obs"))}),
    "dlbook.rl.dqn.dqn_targets": Example(
        lambda: dict(rewards=torch.ones(3), next_q_target=torch.rand(3, 2),
                     terminated=torch.tensor([False, True, False]), gamma=0.9),
        accept=propagates("next_q_target")),
    "dlbook.rl.dqn.double_dqn_targets": Example(
        lambda: dict(rewards=torch.ones(3), next_q_online=torch.rand(3, 2),
                     next_q_target=torch.rand(3, 2),
                     terminated=torch.tensor([False, True, False]), gamma=0.9),
        accept=merge({"next_q_target": {"nan": "only the chosen action's value is read: "
                                               "a NaN there propagates, one elsewhere not",
                                        "inf": INFINITE}},
                     {"next_q_online": {"nan": "a NaN value of the online network only "
                                               "decides which action is valued (argmax)",
                                        "inf": "an infinite value only decides which "
                                               "action is valued (argmax)"}})),
    "dlbook.rl.dqn.td_loss": Example(
        lambda: dict(q=torch.rand(2, 3, 2), actions=torch.tensor([[0, 1, 1], [1, 0, 0]]),
                     targets=torch.rand(2, 3)),
        accept=propagates("q", "targets")),
})
EXAMPLES.update(checks_in("dlbook.checks.dqn"))
