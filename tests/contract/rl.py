"""Contract examples for Part VII, ``dlbook.rl``, and its chapters' checks."""

import numpy as np
import torch
from torch import nn

from . import INFINITE, Example, Propagates, checks_in, elementwise, merge, propagates

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
