"""Game-tree search for tic-tac-toe: minimax, Monte Carlo rollouts and MCTS.

A *player* is a function ``player(board, rng) -> move`` for the positions of
:mod:`dlbook.rl.games`; ``rng`` is a :class:`random.Random` that the player draws
its randomness from, so that a match is repeatable. Values are from the point of
view of the player to move: ``1`` a win, ``0`` a draw, ``-1`` a loss.
Chapter: *Monte Carlo tree search*.
"""

from __future__ import annotations

import math
import numbers
import random
from typing import Callable

from .._args import check_callable, check_float, check_int
from .games import EMPTY, Board, _play, _winner, check_board

Player = Callable[[Board, random.Random], int]
# A leaf evaluation: (prior probability of each legal move, value for the player to move).
Evaluate = Callable[[Board, random.Random], tuple[dict[int, float], float]]

_VALUES: dict[Board, int] = {}


def minimax_value(board: Board) -> int:
    """The game-theoretic value of ``board`` for the player to move, by exhaustive search."""
    return _minimax(check_board("board", board))


def _minimax(board: Board) -> int:
    if board not in _VALUES:
        outcome = _winner(board)
        if outcome is not None:  # a won game was won by the player who just moved
            _VALUES[board] = -abs(outcome)
        else:
            _VALUES[board] = max(-_minimax(_play(board, m)) for m in _moves(board))
    return _VALUES[board]


def _moves(board: Board) -> list[int]:
    return [i for i in range(9) if board[i] == 0]


def _check_rng(rng) -> random.Random:
    if not isinstance(rng, random.Random):
        raise TypeError(f"rng must be a random.Random, got {type(rng).__name__}")
    return rng


def _check_turn(board) -> Board:
    board = check_board("board", board)
    if _winner(board) is not None:
        raise ValueError(f"board is a finished game: there is no move to choose on {board}")
    return board


def minimax_player(board: Board, rng: random.Random) -> int:
    """A perfect player: a move of the best value, drawn at random among the best."""
    board, rng = _check_turn(board), _check_rng(rng)
    values = {m: -_minimax(_play(board, m)) for m in _moves(board)}
    best = max(values.values())
    return rng.choice([m for m, v in values.items() if v == best])


def random_player(board: Board, rng: random.Random) -> int:
    """A legal move drawn uniformly."""
    return _check_rng(rng).choice(_moves(_check_turn(board)))


def rollout(board: Board, rng: random.Random) -> float:
    """Play random moves to the end; the outcome for the player to move at ``board``."""
    return _rollout(check_board("board", board), _check_rng(rng))


def _rollout(board: Board, rng: random.Random) -> float:
    player = 1 if board.count(1) == board.count(-1) else -1
    while (outcome := _winner(board)) is None:
        board = _play(board, rng.choice(_moves(board)))
    return float(outcome * player)


def flat_monte_carlo(board: Board, n_rollouts: int, rng: random.Random) -> dict[int, float]:
    """Each legal move's mean rollout outcome for the player to move, with
    ``n_rollouts`` shared equally between the moves."""
    board, rng = _check_turn(board), _check_rng(rng)
    n_rollouts = check_int("n_rollouts", n_rollouts, minimum=1)
    moves = _moves(board)
    per_move = max(1, n_rollouts // len(moves))
    return {m: -sum(_rollout(_play(board, m), rng) for _ in range(per_move)) / per_move
            for m in moves}


class Node:
    """A position in the search tree and the statistics of the move that led to it."""

    __slots__ = ("board", "prior", "children", "visits", "value_sum")

    def __init__(self, board: Board, prior: float = 1.0) -> None:
        self.board = board
        self.prior = prior          # P(s, a) of the move into this node
        self.children: dict[int, Node] = {}
        self.visits = 0             # N(s, a)
        self.value_sum = 0.0        # W(s, a), for the player who made the move

    @property
    def q(self) -> float:
        """Mean value Q(s, a) of the move into this node, for the player who made it."""
        return self.value_sum / self.visits if self.visits else 0.0


def _check_score(parent, child, c) -> None:
    if not (isinstance(parent, Node) and isinstance(child, Node)):
        raise TypeError(f"parent and child must be search Nodes, got "
                        f"{type(parent).__name__} and {type(child).__name__}")
    if isinstance(c, bool) or not isinstance(c, numbers.Real) or not 0 <= c < math.inf:
        raise ValueError(f"c must be a finite number >= 0, got {c!r}")


def ucb1(parent: Node, child: Node, c: float = 1.4) -> float:
    """UCT's selection score: mean value plus an exploration bonus; untried moves first."""
    _check_score(parent, child, c)
    return _ucb1(parent, child, c)


def _ucb1(parent: Node, child: Node, c: float = 1.4) -> float:
    """Q(s, a) + c sqrt(ln N(s) / N(s, a)), infinite for a move not yet tried."""
    if child.visits == 0:
        return math.inf
    return child.q + c * math.sqrt(math.log(parent.visits) / child.visits)


def puct(parent: Node, child: Node, c: float = 1.5) -> float:
    """AlphaZero's selection score: the bonus is shared out by the prior P(s, a)."""
    _check_score(parent, child, c)
    return _puct(parent, child, c)


def _puct(parent: Node, child: Node, c: float = 1.5) -> float:
    """Q(s, a) + c P(s, a) sqrt(N(s)) / (1 + N(s, a))."""
    return child.q + c * child.prior * math.sqrt(parent.visits) / (1 + child.visits)


# Inside mcts the nodes are its own and c is the default: the search calls the scores
# without their argument checks, which would otherwise take half of its time.
_UNCHECKED = {ucb1: _ucb1, puct: _puct}


def rollout_evaluate(board: Board, rng: random.Random) -> tuple[dict[int, float], float]:
    """Plain MCTS's leaf evaluation: equal priors, and one random rollout's outcome."""
    board, rng = _check_turn(board), _check_rng(rng)
    moves = _moves(board)
    return {m: 1 / len(moves) for m in moves}, _rollout(board, rng)


def mcts(board: Board, n_simulations: int, rng: random.Random, *,
         evaluate: Evaluate = rollout_evaluate,
         score: Callable[[Node, Node], float] = ucb1) -> Node:
    """Monte Carlo tree search from ``board``; returns the root of the tree it grew.

    Each simulation selects a path by ``score``, expands the leaf it reaches,
    evaluates it with ``evaluate`` (or its outcome, at the end of a game) and backs
    the value up the path, flipping its sign at each level because the players
    alternate. UCT is the default; AlphaZero passes its network as ``evaluate`` and
    :func:`puct` as ``score``.
    """
    board, rng = _check_turn(board), _check_rng(rng)
    n_simulations = check_int("n_simulations", n_simulations, minimum=1)
    evaluate, score = check_callable("evaluate", evaluate), check_callable("score", score)
    score = _UNCHECKED.get(score, score)
    root = Node(board)
    for _ in range(n_simulations):
        node, path = root, [root]
        while node.children:                                      # 1. select
            parent = node
            node = max(parent.children.values(), key=lambda child: score(parent, child))
            path.append(node)
        outcome = _winner(node.board)
        if outcome is None:
            priors, value = evaluate(node.board, rng)             # 2. evaluate
            node.children = {m: Node(_play(node.board, m), p)     # 3. expand
                             for m, p in priors.items()}
        else:
            value = -abs(outcome)  # the player to move at a finished game did not win
        for visited in reversed(path):                            # 4. back up
            value = -value  # now for the player who moved into `visited`
            visited.visits += 1
            visited.value_sum += value
    return root


def visits(root: Node) -> dict[int, int]:
    """How often the search tried each move at ``root``."""
    if not isinstance(root, Node):
        raise TypeError(f"root must be a search Node, got {type(root).__name__}")
    return {m: child.visits for m, child in root.children.items()}


def most_visited(root: Node) -> int:
    """The move searched most often; among equals, the one of best mean value."""
    if not isinstance(root, Node):
        raise TypeError(f"root must be a search Node, got {type(root).__name__}")
    if not root.children:
        raise ValueError("root has no children: run mcts from it first")
    return max(root.children, key=lambda m: (root.children[m].visits, root.children[m].q))


def mcts_player(n_simulations: int, *, evaluate: Evaluate = rollout_evaluate,
                score: Callable[[Node, Node], float] = ucb1) -> Player:
    """A player that runs :func:`mcts` before each move and plays the most visited move."""
    n_simulations = check_int("n_simulations", n_simulations, minimum=1)
    evaluate, score = check_callable("evaluate", evaluate), check_callable("score", score)

    def player(board: Board, rng: random.Random) -> int:
        return most_visited(mcts(board, n_simulations, rng, evaluate=evaluate, score=score))
    return player


def flat_monte_carlo_player(n_rollouts: int) -> Player:
    """A player that plays the move of best mean rollout outcome."""
    n_rollouts = check_int("n_rollouts", n_rollouts, minimum=1)

    def player(board: Board, rng: random.Random) -> int:
        means = flat_monte_carlo(board, n_rollouts, rng)
        best = max(means.values())
        return rng.choice([m for m, v in means.items() if v == best])
    return player


def play_game(crosses: Player, noughts: Player, rng: random.Random) -> int:
    """One game; the outcome ``1`` (crosses win), ``-1`` (noughts win) or ``0``."""
    crosses, noughts = check_callable("crosses", crosses), check_callable("noughts", noughts)
    rng = _check_rng(rng)
    board = EMPTY
    while (outcome := _winner(board)) is None:
        player = crosses if board.count(1) == board.count(-1) else noughts
        move = player(board, rng)
        if move not in _moves(board):
            raise ValueError(f"a player chose the illegal move {move!r} on {board}")
        board = _play(board, move)
    return outcome


def match(player: Player, opponent: Player, n_games: int, *, seed: int = 0
          ) -> dict[str, float]:
    """``player`` against ``opponent`` for ``n_games``, half of them with each side
    starting; the fractions of games won, drawn and lost by ``player``."""
    player, opponent = check_callable("player", player), check_callable("opponent", opponent)
    n_games = check_int("n_games", n_games, minimum=2)
    seed = check_int("seed", seed, minimum=0)
    rng = random.Random(seed)
    results = []
    for game in range(n_games):
        if game % 2 == 0:
            results.append(play_game(player, opponent, rng))
        else:
            results.append(-play_game(opponent, player, rng))
    return {"win": results.count(1) / n_games, "draw": results.count(0) / n_games,
            "loss": results.count(-1) / n_games}


def visit_policy(counts: dict[int, int], temperature: float = 1.0) -> dict[int, float]:
    """Visit counts as a move distribution, sharpened by ``temperature`` (→ 0: greedy)."""
    if not isinstance(counts, dict) or not counts or not all(
            isinstance(n, int) and n >= 0 for n in counts.values()) or not any(counts.values()):
        raise ValueError(f"counts must be a dict of visit counts, not all 0, got {counts!r}")
    temperature = check_float("temperature", temperature, minimum=0.0)
    if temperature == 0:
        best = max(counts.values())
        top = [m for m, n in counts.items() if n == best]
        return {m: (1 / len(top) if m in top else 0.0) for m in counts}
    weights = {m: n ** (1 / temperature) for m, n in counts.items()}
    total = sum(weights.values())
    return {m: w / total for m, w in weights.items()}
