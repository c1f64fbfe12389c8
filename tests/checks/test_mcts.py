"""The exercise checks of *Monte Carlo tree search* pass right answers and diagnose
wrong ones."""

import math

import numpy as np
import pytest
import torch

from dlbook.checks.mcts import check_negamax, check_puct_score
from dlbook.rl import games


def puct_right(q, prior, parent_visits, child_visits, c):
    return q + c * prior * math.sqrt(parent_visits) / (1 + child_visits)


@pytest.mark.parametrize("answer, words", [
    (puct_right, None),
    (lambda q, p, big_n, n, c: np.float64(puct_right(q, p, big_n, n, c)), None),
    (lambda q, p, big_n, n, c: torch.tensor(puct_right(q, p, big_n, n, c)), None),
    (lambda q, p, big_n, n, c: q + c * p * torch.tensor(float(big_n)).sqrt() / (1 + n), None),
    (lambda q, p, big_n, n, c: q + c * p * math.sqrt(big_n) / n, "divide by n"),
    (lambda q, p, big_n, n, c: q + c * math.sqrt(big_n) / (1 + n), "prior is missing"),
    (lambda q, p, big_n, n, c: q + c * p * math.sqrt(math.log(big_n)) / (1 + n),
     "sqrt(log N)"),
    (lambda q, p, big_n, n, c: c * p * math.sqrt(big_n) / (1 + n), "q is missing"),
    (lambda q, p, big_n, n, c: q + c * p * big_n / (1 + n), "score is wrong"),
])
def test_puct_check(answer, words):
    result = check_puct_score(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in result.message


def negamax_right(board, memo={}):
    if board not in memo:
        outcome = games.winner(board)
        if outcome is not None:
            memo[board] = -abs(outcome)
        else:
            memo[board] = max(-negamax_right(games.play(board, m))
                              for m in games.legal_moves(board))
    return memo[board]


def minimax_for_crosses(board, memo={}):
    """Classic two-player minimax: crosses maximise, noughts minimise, values for crosses."""
    if board not in memo:
        outcome = games.winner(board)
        if outcome is not None:
            memo[board] = outcome
        else:
            values = [minimax_for_crosses(games.play(board, m)) for m in games.legal_moves(board)]
            memo[board] = max(values) if games.to_move(board) == 1 else min(values)
    return memo[board]


def no_minus(board, memo={}):
    """The children's values taken as one's own: the minus sign forgotten."""
    if board not in memo:
        outcome = games.winner(board)
        if outcome is not None:
            memo[board] = -abs(outcome)
        else:
            memo[board] = max(no_minus(games.play(board, m)) for m in games.legal_moves(board))
    return memo[board]


def winner_wins(board, memo={}):
    """A finished game scored +1 for the player to move: the terminal sign flipped."""
    if board not in memo:
        outcome = games.winner(board)
        if outcome is not None:
            memo[board] = abs(outcome)
        else:
            memo[board] = max(-winner_wins(games.play(board, m))
                              for m in games.legal_moves(board))
    return memo[board]


@pytest.mark.parametrize("answer, words", [
    (negamax_right, None),
    (lambda b: float(negamax_right(b)), None),
    (lambda b: np.int64(negamax_right(b)), None),
    (lambda b: torch.tensor(negamax_right(b)), None),
    (lambda b: negamax_right(tuple(b)), None),
    (minimax_for_crosses, "for crosses"),
    (no_minus, "minus"),
    (winner_wins, "counts as a win"),
    (lambda b: 0, "not the minimax value"),
])
def test_negamax_check(answer, words):
    result = check_negamax(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in f"{result.message} {result.hint}"
