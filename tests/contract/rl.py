"""Contract examples for Part VII, ``dlbook.rl``, and its chapters' checks."""

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
}
EXAMPLES.update(checks_in("dlbook.checks.mdp"))
