"""Checks for the code exercises of the chapter *Monte Carlo tree search*.

Each check runs the reader's function on inputs built to expose one typical
mistake at a time, without printing the expected values.
"""

from __future__ import annotations

import math
from typing import Callable

from ..rl.games import EMPTY, _play, _winner, all_positions
from ..rl.search import minimax_value
from . import CheckResult, call_for_number, failed, passed, require_callable


def check_puct_score(fn: Callable[[float, float, int, int, float], float]) -> CheckResult:
    """Check ``fn(q, prior, parent_visits, child_visits, c)``: AlphaZero's selection
    score of one move. Chapter: *Monte Carlo tree search*.
    """
    name = "puct_score"
    require_callable("fn", fn)
    cases = [(0.5, 0.2, 16, 3, 1.5), (-0.25, 0.6, 100, 0, 1.0), (0.0, 0.05, 1, 0, 2.0),
             (1.0, 0.9, 400, 250, 1.25)]
    for q, prior, big_n, n, c in cases:
        value, problem = call_for_number(name, fn, q, prior, big_n, n, c)
        if problem is not None:
            return problem
        want = q + c * prior * math.sqrt(big_n) / (1 + n)
        if math.isclose(value, want, rel_tol=1e-6, abs_tol=1e-9):
            continue
        what = f"for q={q}, P={prior}, N={big_n}, n={n}, c={c}"
        if n > 0 and math.isclose(value, q + c * prior * math.sqrt(big_n) / n, rel_tol=1e-6):
            return failed(name, f"{what} you divide by n", "the bonus divides by 1 + n, so "
                          "that a move never tried (n = 0) gets a finite score.")
        if math.isclose(value, q + c * math.sqrt(big_n) / (1 + n), rel_tol=1e-6):
            return failed(name, f"{what} the prior is missing", "the bonus is shared out in "
                          "proportion to the network's prior P(s, a).")
        if big_n > 1 and math.isclose(value, q + c * prior * math.sqrt(math.log(big_n)) / (1 + n),
                                      rel_tol=1e-6):
            return failed(name, f"{what} you take sqrt(log N)", "that is UCB1's bonus; PUCT "
                          "uses sqrt(N) itself.")
        if math.isclose(value, c * prior * math.sqrt(big_n) / (1 + n), rel_tol=1e-6):
            return failed(name, f"{what} the mean value q is missing", "score = q + bonus.")
        return failed(name, f"{what} the score is wrong",
                      "q + c * P * sqrt(N) / (1 + n).")
    return passed(name, "your score matches AlphaZero's selection rule.")


def _solve(board: tuple, memo: dict, *, won: int, sign: int) -> int:
    """Negamax with two knobs, to reproduce the usual slips: ``won`` is the value of a
    finished, won game for the player to move (right: -1), ``sign`` the factor on the
    children's values (right: -1)."""
    if board not in memo:
        outcome = _winner(board)
        if outcome is not None:
            memo[board] = won * abs(outcome)
        else:
            memo[board] = max(sign * _solve(_play(board, m), memo, won=won, sign=sign)
                              for m in range(9) if board[m] == 0)
    return memo[board]


def check_negamax(fn: Callable[[tuple], float]) -> CheckResult:
    """Check ``fn(board)``: the minimax value of a tic-tac-toe position for the player
    to move (1 win, 0 draw, -1 loss). Chapter: *Monte Carlo tree search*.
    """
    name = "negamax"
    require_callable("fn", fn)
    positions = all_positions()
    chosen = [EMPTY] + [positions[i] for i in (1, 12, 100, 700, 2000, 3500, 5000, 5477)]
    got = []
    for board in chosen:
        value, problem = call_for_number(name, fn, board)
        if problem is not None:
            return problem
        got.append(value)
    want = [minimax_value(board) for board in chosen]
    if got == want:
        return passed(name, "your values agree with exhaustive minimax on every position tried.")
    crosses = [1 if b.count(1) == b.count(-1) else -1 for b in chosen]
    if got == [v * s for v, s in zip(want, crosses)]:
        return failed(name, "you return the values for crosses, not for the player to move",
                      "negamax values are always for the side to move.")
    if got == [_solve(b, {}, won=-1, sign=1) for b in chosen]:
        return failed(name, "the minus sign before the children's values is missing",
                      "a child's value is the opponent's: the position's value is the max "
                      "of minus the children's.")
    if got == [_solve(b, {}, won=1, sign=-1) for b in chosen]:
        return failed(name, "a finished game counts as a win for the player to move",
                      "the player who just moved made the line: the player to move has "
                      "lost (-1) or, on a full board, drawn (0).")
    board, value, _ = next(t for t in zip(chosen, got, want) if t[1] != t[2])
    return failed(name, f"on {board} you return {value}, not the minimax value",
                  "at a finished game the player to move has lost (-1) or drawn (0); "
                  "otherwise take the best move's value for you.")
