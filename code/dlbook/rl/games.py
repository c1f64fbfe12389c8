"""Tic-tac-toe, the board game of the chapter *Monte Carlo tree search*.

A position is a tuple of nine cells read row by row, each ``1`` (a cross, ``X``),
``-1`` (a nought, ``O``) or ``0`` (empty). Crosses move first, so the player to
move follows from the board: crosses when both have played as often. Positions
are plain tuples, hashable and immutable, so a search can keep them as keys.
"""

from __future__ import annotations

from .._args import check_int

Board = tuple[int, ...]

EMPTY: Board = (0,) * 9
LINES = ((0, 1, 2), (3, 4, 5), (6, 7, 8),   # rows
         (0, 3, 6), (1, 4, 7), (2, 5, 8),   # columns
         (0, 4, 8), (2, 4, 6))              # diagonals


def check_board(name: str, board) -> Board:
    """``board`` as a tuple of nine cells in {-1, 0, 1} with a legal move count."""
    if not isinstance(board, (tuple, list)) or len(board) != 9:
        raise TypeError(f"{name} must be a tuple of 9 cells, got {board!r}")
    if any(isinstance(c, bool) or c not in (-1, 0, 1) for c in board):
        raise ValueError(f"{name} cells must be -1, 0 or 1, got {board!r}")
    board = tuple(int(c) for c in board)
    crosses, noughts = board.count(1), board.count(-1)
    if crosses - noughts not in (0, 1):
        raise ValueError(f"{name} is unreachable: {crosses} crosses and {noughts} noughts")
    return board


def to_move(board: Board) -> int:
    """The player to move: ``1`` for crosses, ``-1`` for noughts."""
    board = check_board("board", board)
    return 1 if board.count(1) == board.count(-1) else -1


def winner(board: Board) -> int | None:
    """``1`` or ``-1`` if that player has three in a line, ``0`` for a full board
    without a line (a draw), and ``None`` while the game goes on."""
    board = check_board("board", board)
    return _winner(board)


def _winner(board: Board) -> int | None:
    for a, b, c in LINES:
        if board[a] != 0 and board[a] == board[b] == board[c]:
            return board[a]
    return None if 0 in board else 0


def legal_moves(board: Board) -> list[int]:
    """The empty cells (0 to 8) of a position still in play; none once it is over."""
    board = check_board("board", board)
    return [] if _winner(board) is not None else [i for i in range(9) if board[i] == 0]


def play(board: Board, move: int) -> Board:
    """The position after the player to move marks cell ``move``."""
    board = check_board("board", board)
    move = check_int("move", move, minimum=0, maximum=8)
    if _winner(board) is not None:
        raise ValueError(f"board is a finished game: no move can be played on {board}")
    if board[move] != 0:
        raise ValueError(f"move {move} is not empty on {board}")
    return _play(board, move)


def _play(board: Board, move: int) -> Board:
    player = 1 if board.count(1) == board.count(-1) else -1
    return board[:move] + (player,) + board[move + 1:]


_POSITIONS: list[tuple[Board, ...]] = []


def all_positions() -> tuple[Board, ...]:
    """Every position reachable from the empty board (5,478 of them), in play order."""
    if not _POSITIONS:
        _POSITIONS.append(_reachable())
    return _POSITIONS[0]


def _reachable() -> tuple[Board, ...]:
    seen, frontier = {EMPTY}, [EMPTY]
    order = [EMPTY]
    while frontier:
        nxt = []
        for board in frontier:
            if _winner(board) is None:
                for move in range(9):
                    if board[move] == 0:
                        child = _play(board, move)
                        if child not in seen:
                            seen.add(child)
                            order.append(child)
                            nxt.append(child)
        frontier = nxt
    return tuple(order)


def render(board: Board) -> str:
    """The position as three lines of ``X``, ``O`` and ``.``."""
    board = check_board("board", board)
    marks = {1: "X", -1: "O", 0: "."}
    return "\n".join(" ".join(marks[c] for c in board[r:r + 3]) for r in (0, 3, 6))
