"""Part VII, Reinforcement learning.

``bandits`` (Bernoulli bandits, epsilon-greedy, UCB1, Thompson sampling, regret,
the Lai–Robbins constant, LinUCB) and ``ab_testing`` (the A/B test's z statistic,
p-value and sample size), chapter *Bandits*; ``mdp`` (tabular MDPs from
gymnasium's tables, policy evaluation, value and policy iteration, rollouts, the
exact optimum of FrozenLake), chapter *Markov decision processes*; ``td`` (TD(0)
prediction, SARSA and Q-learning), chapter *Temporal-difference learning*;
``games`` (tic-tac-toe), ``search`` (minimax, Monte Carlo rollouts, MCTS with UCB1
or PUCT, matches between players) and ``alphazero`` (the policy-value network,
self-play and its loss), chapter *Monte Carlo tree search and self-play*; ``evaluation`` (returns of many
greedy evaluation episodes played in parallel), chapters *Deep Q-networks* and
*Policy gradients*; ``dqn`` (a replay memory per agent, Q-networks for many agents
evaluated by one batched matrix product, the DQN and double-DQN targets and the
Huber TD loss), chapter *Deep Q-networks*; ``policy_gradient`` (REINFORCE's loss,
generalised advantage estimation, PPO's clipped objective, the actor-critic
network) and ``rlhf`` (the Bradley–Terry loss, a recurrent reward model, batched
sampling with sequence log-probabilities, the KL-penalised reward), chapter
*Policy gradients*.
"""
