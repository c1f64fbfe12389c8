"""Contract examples for Part VII, ``dlbook.rl``, and its chapters' checks."""

import torch
from torch import nn

from . import INFINITE, Example, Propagates, checks_in, elementwise, merge, propagates

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


EXAMPLES = {
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
}
EXAMPLES.update(checks_in("dlbook.checks.mcts"))


def _random_player():
    from dlbook.rl.search import random_player
    return random_player


def _net():
    from dlbook.rl.alphazero import PolicyValueNet
    torch.manual_seed(0)
    return PolicyValueNet(hidden=4)
