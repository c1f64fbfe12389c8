"""AlphaZero in miniature: a policy-value network guiding MCTS, trained by self-play.

The network reads a tic-tac-toe position from the side of the player to move and
returns a distribution over the nine cells (the prior of the search) and a value
in [-1, 1] (the search's leaf evaluation, in place of a rollout). Self-play games
searched with the network give training targets: the search's visit distribution
for the policy, the game's final outcome for the value. Chapter: *Monte Carlo tree
search*.
"""

from __future__ import annotations

import random

import torch
import torch.nn.functional as F
from torch import nn

from .._args import check_callable, check_float, check_int, check_module, check_tensor
from .games import EMPTY, Board, _play, _winner, all_positions, check_board
from .search import Evaluate, mcts, most_visited, puct, visit_policy, visits


def encode(boards) -> torch.Tensor:
    """Positions as ``(N, 27)`` one-hot planes, seen from the player to move:
    nine cells of "mine", nine of "theirs", nine of "empty"."""
    if not isinstance(boards, (list, tuple)) or not boards:
        raise TypeError(f"boards must be a non-empty list of boards, got {boards!r}")
    rows = []
    for i, board in enumerate(boards):
        board = check_board(f"boards[{i}]", board)
        me = 1 if board.count(1) == board.count(-1) else -1
        rows.append([c == me for c in board] + [c == -me for c in board] + [c == 0 for c in board])
    return torch.tensor(rows, dtype=torch.float32)


def _symmetries() -> torch.Tensor:
    grid = torch.arange(9).reshape(3, 3)
    turns = [torch.rot90(grid, k) for k in range(4)]
    return torch.stack([g.flatten() for g in turns + [t.flip(1) for t in turns]])


#: The 8 symmetries of the board (4 rotations, each with or without a mirror), as
#: index permutations: a symmetric board is ``board[SYMMETRIES[k]]``.
SYMMETRIES = _symmetries()


def augment(x: torch.Tensor, policies: torch.Tensor, outcomes: torch.Tensor
            ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Each example under the board's 8 symmetries: 8 times the data, all equally
    true, since a rotated or mirrored position is the same position for the game."""
    x = check_tensor("x", x, ndim=2, floating=True, finite=True)
    policies = check_tensor("policies", policies, ndim=2, floating=True, finite=True)
    outcomes = check_tensor("outcomes", outcomes, ndim=1, floating=True, finite=True)
    if x.shape[1] != 27 or policies.shape != (len(x), 9) or outcomes.shape != (len(x),):
        raise ValueError(f"x, policies and outcomes must be (N, 27), (N, 9) and (N,), got "
                         f"{tuple(x.shape)}, {tuple(policies.shape)}, {tuple(outcomes.shape)}")
    planes = x.reshape(len(x), 3, 9)
    return (torch.cat([planes[:, :, s].reshape(len(x), 27) for s in SYMMETRIES]),
            torch.cat([policies[:, s] for s in SYMMETRIES]),
            outcomes.repeat(len(SYMMETRIES)))


class PolicyValueNet(nn.Module):
    """Two hidden layers shared by a policy head (9 logits) and a value head (tanh)."""

    def __init__(self, hidden: int = 64) -> None:
        super().__init__()
        hidden = check_int("hidden", hidden, minimum=1)
        self.body = nn.Sequential(nn.Linear(27, hidden), nn.ReLU(),
                                  nn.Linear(hidden, hidden), nn.ReLU())
        self.policy = nn.Linear(hidden, 9)
        self.value = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits ``(N, 9)`` with empty cells' logits only (others set to -inf), values ``(N,)``."""
        x = check_tensor("x", x, ndim=2, floating=True, finite=True, nonempty=True)
        if x.shape[1] != 27:
            raise ValueError(f"x must have 27 columns (see encode), got shape {tuple(x.shape)}")
        h = self.body(x)
        empty = x[:, 18:] > 0
        logits = self.policy(h).masked_fill(~empty, float("-inf"))
        return logits, torch.tanh(self.value(h)).squeeze(1)


_IN_PLAY: list[tuple[list[Board], torch.Tensor]] = []


def tabulate(net: nn.Module) -> dict[Board, tuple[dict[int, float], float]]:
    """The network's prior and value for every position of the game, in one batch.

    Tic-tac-toe has only 5,478 positions, so one forward pass over all of them
    replaces one pass per search step; the search reads the table. It changes the
    speed, not the result. A game with more positions evaluates leaves in batches.
    """
    net = check_module("net", net)
    if not _IN_PLAY:  # the positions still in play, and their encoding, computed once
        boards = [b for b in all_positions() if _winner(b) is None]
        _IN_PLAY.append((boards, encode(boards)))
    boards, x = _IN_PLAY[0]
    with torch.no_grad():
        logits, values = net(x)
        probs = F.softmax(logits, dim=1)
    table = {}
    for board, p, v in zip(boards, probs.tolist(), values.tolist()):
        table[board] = ({m: p[m] for m in range(9) if board[m] == 0}, v)
    return table


def network_evaluate(table: dict[Board, tuple[dict[int, float], float]]) -> Evaluate:
    """A leaf evaluation for :func:`dlbook.rl.search.mcts` that reads a :func:`tabulate` table."""
    if not isinstance(table, dict) or not table:
        raise TypeError(f"table must be the non-empty dict that tabulate returns, got {type(table).__name__}")

    def evaluate(board: Board, rng: random.Random) -> tuple[dict[int, float], float]:
        return table[board]
    return evaluate


def with_root_noise(evaluate: Evaluate, root: Board, *, alpha: float = 0.5,
                    weight: float = 0.25) -> Evaluate:
    """``evaluate`` with Dirichlet(``alpha``) noise mixed into the priors at ``root``
    only, so that self-play tries moves the network does not yet favour."""
    evaluate, root = check_callable("evaluate", evaluate), check_board("root", root)
    alpha = check_float("alpha", alpha, minimum=0.0, strict_min=True)
    weight = check_float("weight", weight, minimum=0.0, maximum=1.0)

    def noisy(board: Board, rng: random.Random) -> tuple[dict[int, float], float]:
        priors, value = evaluate(board, rng)
        if board == root:
            noise = [rng.gammavariate(alpha, 1.0) for _ in priors]
            total = sum(noise)
            priors = {m: (1 - weight) * p + weight * n / total
                      for (m, p), n in zip(priors.items(), noise)}
        return priors, value
    return noisy


def self_play_game(evaluate: Evaluate, n_simulations: int, rng: random.Random, *,
                   explore_moves: int = 3) -> list[tuple[Board, list[float], float]]:
    """One game of the searching network against itself.

    The search's root has Dirichlet noise (:func:`with_root_noise`), and the first
    ``explore_moves`` moves are drawn in proportion to the visit counts, so that
    games differ; later moves are the most visited. Returns one training example
    per position: the position, the visit distribution over the nine cells, and the
    final outcome for the player who was to move there.
    """
    evaluate = check_callable("evaluate", evaluate)
    n_simulations = check_int("n_simulations", n_simulations, minimum=2)
    if not isinstance(rng, random.Random):
        raise TypeError(f"rng must be a random.Random, got {type(rng).__name__}")
    explore_moves = check_int("explore_moves", explore_moves, minimum=0)
    board, history = EMPTY, []
    while (outcome := _winner(board)) is None:
        root = mcts(board, n_simulations, rng, evaluate=with_root_noise(evaluate, board),
                    score=puct)
        pi = visit_policy(visits(root))
        history.append((board, [pi.get(m, 0.0) for m in range(9)]))
        if len(history) <= explore_moves:  # explore: draw a move in proportion to its visits
            move = rng.choices(list(pi), list(pi.values()))[0]
        else:
            move = most_visited(root)
        board = _play(board, move)
    return [(b, pi, float(outcome * (1 if b.count(1) == b.count(-1) else -1)))
            for b, pi in history]


def alphazero_loss(net: nn.Module, x: torch.Tensor, policies: torch.Tensor,
                   outcomes: torch.Tensor) -> torch.Tensor:
    """``(z - v)^2 - pi . log p`` averaged over the examples (AlphaZero's loss without
    its weight decay, which the optimiser adds). ``x`` holds the positions as
    :func:`encode` gives them."""
    net = check_module("net", net)
    x = check_tensor("x", x, ndim=2, floating=True, finite=True)
    policies = check_tensor("policies", policies, ndim=2, floating=True, finite=True)
    outcomes = check_tensor("outcomes", outcomes, ndim=1, floating=True, finite=True)
    if policies.shape != (len(x), 9) or outcomes.shape != (len(x),):
        raise ValueError(f"x, policies and outcomes must be (N, 27), (N, 9) and (N,), got "
                         f"{tuple(x.shape)}, {tuple(policies.shape)}, {tuple(outcomes.shape)}")
    logits, values = net(x)
    log_p = F.log_softmax(logits, dim=1).masked_fill(policies == 0, 0.0)  # 0 * -inf is 0
    return (outcomes - values).square().mean() - (policies * log_p).sum(1).mean()
