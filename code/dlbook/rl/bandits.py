"""Multi-armed and contextual bandits: the environment, the agents' choices, regret.

Chapter: *Bandits*. Every array has one row per independent run, so that a thousand
runs of an agent take one NumPy operation per step instead of a thousand: row ``r``
of ``counts`` holds how often run ``r`` has pulled each arm, row ``r`` of ``sums``
the rewards it collected from each. The agents are functions of these statistics
(``epsilon_greedy``, ``ucb1``, ``thompson``), so that the loop that pulls, observes
and updates stays in the chapter, in the open. ``LinUCB`` is the contextual bandit
of Li et al. (2010), in PyTorch, one ridge regression per arm.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch

from .._args import check_float, check_int, check_labels, check_shape, check_tensor

# ---------------------------------------------------------------------------
# Argument checks, kept out of the algorithms' way
# ---------------------------------------------------------------------------


def _check_array(name: str, value, ndim: int) -> np.ndarray:
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array, got {type(value).__name__}")
    if value.ndim != ndim or value.size == 0:
        raise ValueError(f"{name} must be a non-empty array with {ndim} dimension(s), "
                         f"got shape {value.shape}")
    if value.dtype.kind not in "iuf" or not np.isfinite(value).all():
        raise ValueError(f"{name} must hold finite real numbers")
    return value


def _check_means(means) -> np.ndarray:
    means = _check_array("means", np.asarray(means, dtype=float) if isinstance(
        means, (list, tuple)) else means, 1).astype(float)
    if ((means < 0) | (means > 1)).any():
        raise ValueError("means must be probabilities in [0, 1]")
    return means


def _check_rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy.random.Generator "
                        f"(np.random.default_rng(seed)), got {type(rng).__name__}")
    return rng


def _check_stats(counts, sums) -> None:
    """counts and sums: (runs, arms) arrays, counts >= 0, 0 <= sums <= counts."""
    _check_array("counts", counts, 2)
    _check_array("sums", sums, 2)
    if counts.shape != sums.shape:
        raise ValueError(f"counts and sums must have the same shape, got {counts.shape} "
                         f"and {sums.shape}")
    if (counts < 0).any() or (sums < 0).any() or (sums > counts).any():
        raise ValueError("counts must be >= 0 and sums (rewards of 0 or 1) between 0 "
                         "and counts")


# ---------------------------------------------------------------------------
# The environment
# ---------------------------------------------------------------------------


class BernoulliBandit:
    """``runs`` independent copies of a bandit whose arm ``a`` pays 1 with
    probability ``means[a]`` and 0 otherwise. Chapter: *Bandits*.

    ``pull(arms)`` takes one arm per run and returns one reward per run.
    """

    def __init__(self, means, runs: int = 1, seed: int = 0):
        self.means = _check_means(means)
        self.runs = check_int("runs", runs, minimum=1)
        self.rng = np.random.default_rng(check_int("seed", seed, minimum=0))

    def pull(self, arms) -> np.ndarray:
        """The rewards (0.0 or 1.0) of pulling ``arms[r]`` in run ``r``."""
        arms = _check_arms(arms, self.runs, len(self.means))
        return (self.rng.random(self.runs) < self.means[arms]).astype(float)


def _check_arms(arms, runs: int, num_arms: int) -> np.ndarray:
    _check_array("arms", arms, 1)
    if arms.dtype.kind not in "iu" or len(arms) != runs:
        raise ValueError(f"arms must hold {runs} integer arm indices, one per run, "
                         f"got dtype {arms.dtype} and shape {arms.shape}")
    if (arms < 0).any() or (arms >= num_arms).any():
        raise ValueError(f"arms must be in 0..{num_arms - 1}")
    return arms


# ---------------------------------------------------------------------------
# The agents: each maps the statistics so far to one arm per run
# ---------------------------------------------------------------------------


def _argmax(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The column of each row's largest value, ties broken uniformly at random."""
    ties = values == values.max(axis=1, keepdims=True)
    return np.argmax(ties * rng.random(values.shape), axis=1)


def _check_epsilon_greedy(counts, sums, epsilon, rng) -> float:
    _check_stats(counts, sums)
    _check_rng(rng)
    return check_float("epsilon", epsilon, minimum=0.0, maximum=1.0)


def epsilon_greedy(counts: np.ndarray, sums: np.ndarray, epsilon: float,
                   rng: np.random.Generator) -> np.ndarray:
    """With probability ``epsilon`` a uniformly random arm, else the arm with the
    highest mean reward so far; an arm never pulled counts as the best.
    Chapter: *Bandits*."""
    epsilon = _check_epsilon_greedy(counts, sums, epsilon, rng)
    runs, num_arms = counts.shape
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(counts > 0, sums / counts, np.inf)
    greedy = _argmax(means, rng)
    explore = rng.random(runs) < epsilon
    return np.where(explore, rng.integers(num_arms, size=runs), greedy)


def ucb1_index(counts: np.ndarray, sums: np.ndarray) -> np.ndarray:
    """UCB1's index of every arm (Auer et al., 2002): the mean reward plus
    ``sqrt(2 ln t / n_a)``, with ``t`` the run's pulls so far and ``n_a`` the arm's;
    infinite for an arm never pulled. Chapter: *Bandits*."""
    _check_stats(counts, sums)
    t = counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        index = sums / counts + np.sqrt(2 * np.log(t) / counts)
    return np.where(counts > 0, index, np.inf)


def ucb1(counts: np.ndarray, sums: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The arm with the highest UCB1 index in each run (ties at random).
    Chapter: *Bandits*."""
    return _argmax(ucb1_index(counts, sums), _check_rng(rng))


def beta_posterior(counts: np.ndarray, sums: np.ndarray, prior: tuple[float, float] = (1.0, 1.0)
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The Beta posterior of each arm's mean after ``sums`` successes in ``counts``
    pulls, from a Beta(``prior``) prior: Beta(a + successes, b + failures).
    Chapter: *Bandits*."""
    _check_stats(counts, sums)
    a, b = _check_prior(prior)
    return a + sums, b + (counts - sums)


def thompson(counts: np.ndarray, sums: np.ndarray, rng: np.random.Generator,
             prior: tuple[float, float] = (1.0, 1.0)) -> np.ndarray:
    """Thompson sampling (Thompson, 1933): draw one mean per arm from its Beta
    posterior and pull the arm whose draw is largest. Chapter: *Bandits*."""
    alpha, beta = beta_posterior(counts, sums, prior)
    return np.argmax(_check_rng(rng).beta(alpha, beta), axis=1)


def _check_prior(prior) -> tuple[float, float]:
    if not isinstance(prior, (tuple, list)) or len(prior) != 2:
        raise TypeError(f"prior must be a pair (a, b) of positive numbers, got {prior!r}")
    return (check_float("prior", prior[0], minimum=0.0, strict_min=True),
            check_float("prior", prior[1], minimum=0.0, strict_min=True))


# ---------------------------------------------------------------------------
# Regret
# ---------------------------------------------------------------------------


def _check_pulled(means, arms) -> np.ndarray:
    means = _check_means(means)
    _check_array("arms", arms, 2)
    if arms.dtype.kind not in "iu" or (arms < 0).any() or (arms >= len(means)).any():
        raise ValueError(f"arms must hold integer arm indices in 0..{len(means) - 1}")
    return means


def cumulative_regret(means, arms: np.ndarray) -> np.ndarray:
    """Pseudo-regret after each step: ``sum_{s<=t} (max(means) - means[arms[:, s]])``,
    for ``arms`` of shape (runs, steps). Chapter: *Bandits*."""
    means = _check_pulled(means, arms)
    gaps = means.max() - means
    return np.cumsum(gaps[arms], axis=1)


def bernoulli_kl(p, q) -> np.ndarray:
    """KL(Bernoulli(p) || Bernoulli(q)), elementwise; infinite where q cannot
    produce an outcome that p can. Chapter: *Bandits*."""
    p, q = _check_probability("p", p), _check_probability("q", q)
    with np.errstate(divide="ignore", invalid="ignore"):
        yes = np.where(p > 0, p * np.log(p / q), 0.0)
        no = np.where(p < 1, (1 - p) * np.log((1 - p) / (1 - q)), 0.0)
    return yes + no


def _check_probability(name: str, value) -> np.ndarray:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        value = np.float64(value)
    if not isinstance(value, (np.ndarray, np.floating)):
        raise TypeError(f"{name} must be a number or a NumPy array, got "
                        f"{type(value).__name__}")
    value = np.asarray(value, dtype=float)
    if value.size == 0 or np.isnan(value).any() or ((value < 0) | (value > 1)).any():
        raise ValueError(f"{name} must hold probabilities in [0, 1]")
    return value


def lai_robbins_constant(means) -> float:
    """The constant of Lai and Robbins' (1985) lower bound on the regret of any
    consistent policy, ``regret(t) >= (c + o(1)) log t``:
    ``c = sum over suboptimal arms of gap_a / KL(mean_a, best mean)``.
    Chapter: *Bandits*."""
    means = _check_means(means)
    best = means.max()
    suboptimal = means < best
    gaps = best - means[suboptimal]
    if not suboptimal.any():
        return 0.0
    with np.errstate(divide="ignore"):
        return float((gaps / bernoulli_kl(means[suboptimal], np.full(gaps.shape, best))).sum())


# ---------------------------------------------------------------------------
# A contextual bandit
# ---------------------------------------------------------------------------


class LinUCB:
    """Disjoint LinUCB (Li et al., 2010) for ``runs`` independent runs at once.

    Each arm ``a`` keeps a ridge regression of its reward on the context:
    ``V_a = ridge * I + sum x x^T`` and ``b_a = sum r x`` over the rounds it was
    pulled, ``theta_a = V_a^{-1} b_a``. It pulls the arm with the largest upper
    confidence bound ``theta_a . x + width * sqrt(x^T V_a^{-1} x)``.
    ``V_a^{-1}`` is kept up to date with the Sherman-Morrison formula.
    Chapter: *Bandits*.
    """

    def __init__(self, num_arms: int, dim: int, width: float = 1.0, ridge: float = 1.0,
                 runs: int = 1):
        self.num_arms = check_int("num_arms", num_arms, minimum=1)
        self.dim = check_int("dim", dim, minimum=1)
        self.width = check_float("width", width, minimum=0.0)
        ridge = check_float("ridge", ridge, minimum=0.0, strict_min=True)
        self.runs = check_int("runs", runs, minimum=1)
        eye = torch.eye(self.dim, dtype=torch.float64) / ridge
        self.V_inv = eye.repeat(self.runs, self.num_arms, 1, 1)  # (runs, arms, d, d)
        self.b = torch.zeros(self.runs, self.num_arms, self.dim, dtype=torch.float64)

    def theta(self) -> torch.Tensor:
        """Each arm's ridge-regression weights, shape (runs, arms, dim)."""
        return (self.V_inv @ self.b.unsqueeze(-1)).squeeze(-1)

    def scores(self, x: torch.Tensor) -> torch.Tensor:
        """The upper confidence bound of every arm for contexts ``x`` (runs, dim)."""
        x = self._context(x)
        mean = torch.einsum("rkd,rd->rk", self.theta(), x)
        bonus = torch.einsum("rd,rkde,re->rk", x, self.V_inv, x).sqrt()
        return mean + self.width * bonus

    def select(self, x: torch.Tensor) -> torch.Tensor:
        """The arm with the largest upper confidence bound, one per run."""
        return self.scores(x).argmax(dim=1)

    def update(self, x: torch.Tensor, arms: torch.Tensor, rewards: torch.Tensor) -> None:
        """Add the round (context, pulled arm, reward) of each run to that arm's regression."""
        x, arms, rewards = self._round(x, arms, rewards)
        runs = torch.arange(self.runs)
        V_inv = self.V_inv[runs, arms]                          # (runs, d, d)
        Vx = V_inv @ x.unsqueeze(-1)                            # (runs, d, 1)
        denominator = 1 + (x.unsqueeze(1) @ Vx).squeeze(-1)     # 1 + x^T V^{-1} x
        self.V_inv[runs, arms] = V_inv - Vx @ Vx.mT / denominator.unsqueeze(-1)
        self.b[runs, arms] += rewards.unsqueeze(-1) * x

    def _context(self, x) -> torch.Tensor:
        check_shape("x", x, (self.runs, self.dim))
        check_tensor("x", x, finite=True)
        return x.to(torch.float64)

    def _round(self, x, arms, rewards):
        x = self._context(x)
        check_labels("arms", arms, self.num_arms)
        check_tensor("rewards", rewards, ndim=1, finite=True)
        if len(arms) != self.runs or len(rewards) != self.runs:
            raise ValueError(f"arms and rewards must have one entry per run ({self.runs}), "
                             f"got {len(arms)} and {len(rewards)}")
        return x, arms, rewards.to(torch.float64)
