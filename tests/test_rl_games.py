"""Tic-tac-toe's rules, minimax, Monte Carlo search and the AlphaZero pieces."""

import random

import pytest
import torch

from dlbook.rl import alphazero, games, search

X, O, _ = 1, -1, 0


def test_lines_win_and_full_board_draws():
    for line in games.LINES:
        board = [0] * 9
        for i in line:
            board[i] = X
        others = [i for i in range(9) if i not in line][:2]
        for i in others:
            board[i] = O
        assert games.winner(tuple(board)) == X
        assert games.legal_moves(tuple(board)) == []
    draw = (X, O, X,
            X, O, O,
            O, X, X)
    assert games.winner(draw) == 0
    assert games.winner(games.EMPTY) is None


def test_moves_alternate_and_illegal_moves_raise():
    board = games.play(games.EMPTY, 4)
    assert board[4] == X and games.to_move(board) == O
    assert games.play(board, 0)[0] == O
    with pytest.raises(ValueError, match="move 4"):
        games.play(board, 4)
    with pytest.raises(ValueError, match="move"):
        games.play(board, 9)
    with pytest.raises(ValueError, match="unreachable"):
        games.to_move((O,) + (0,) * 8)
    with pytest.raises(ValueError, match="finished"):
        games.play((X, X, X, O, O, 0, 0, 0, 0), 8)


def test_reachable_positions_are_the_known_5478():
    positions = games.all_positions()
    assert len(positions) == len(set(positions)) == 5478
    assert sum(games.winner(b) is not None for b in positions) == 958  # terminal positions


def test_minimax_value_of_tic_tac_toe_is_a_draw():
    assert search.minimax_value(games.EMPTY) == 0
    # X to move can complete the top row.
    assert search.minimax_value((X, X, _, O, O, _, _, _, _)) == 1
    # X threatens 2 and 6 at once; O, to move, can block only one.
    fork = (X, X, _,
            X, O, _,
            _, _, O)
    assert games.to_move(fork) == O and search.minimax_value(fork) == -1
    # X on opposite corners, O in the centre: O holds the draw, with an edge.
    corners = (X, _, _,
               _, O, _,
               _, _, X)
    assert search.minimax_value(corners) == 0
    assert search.minimax_value(games.play(corners, 2)) == 1  # a corner loses for O


def test_minimax_player_never_loses_to_random_play():
    result = search.match(search.minimax_player, search.random_player, 100, seed=1)
    assert result["loss"] == 0 and result["win"] > 0.7


WIN_NOW = (X, X, _,
           O, O, _,
           _, _, _)   # X to move: 2 wins at once
BLOCK = (X, _, _,
         O, O, _,
         X, _, _)    # X to move: 5 blocks O's row (X also has no win of its own)


@pytest.mark.parametrize("board, move", [(WIN_NOW, 2), (BLOCK, 5)])
def test_mcts_finds_the_winning_and_the_saving_move(board, move):
    root = search.mcts(board, 400, random.Random(0))
    assert search.most_visited(root) == move
    assert max(search.visits(root).values()) == search.visits(root)[move]


def test_minimax_player_blocks_the_only_saving_move():
    assert {search.minimax_player(BLOCK, random.Random(s)) for s in range(10)} == {5}


def test_flat_monte_carlo_takes_an_immediate_win():
    means = search.flat_monte_carlo(WIN_NOW, 200, random.Random(0))
    assert max(means, key=means.get) == 2 and means[2] == 1.0


def test_mcts_visit_counts_sum_to_simulations_after_the_first():
    visits = search.visits(search.mcts(games.EMPTY, 101, random.Random(0)))
    assert sum(visits.values()) == 100 and set(visits) == set(range(9))


def test_most_visited_breaks_ties_by_mean_value():
    root = search.Node(games.EMPTY)
    for move, (n, w) in {0: (5, 1.0), 4: (5, 3.0), 8: (2, 2.0)}.items():
        root.children[move] = search.Node(games.play(games.EMPTY, move))
        root.children[move].visits, root.children[move].value_sum = n, w
    assert search.most_visited(root) == 4


def test_puct_with_a_perfect_table_plays_perfectly():
    """With values from minimax as its evaluation, the search never loses."""
    def exact(board, rng):
        moves = [m for m in range(9) if board[m] == 0]
        return {m: 1 / len(moves) for m in moves}, float(search.minimax_value(board))
    player = search.mcts_player(30, evaluate=exact, score=search.puct)
    assert search.match(player, search.minimax_player, 20)["loss"] == 0


def test_visit_policy_sums_to_one_and_sharpens():
    visits = {0: 1, 4: 3}
    assert search.visit_policy(visits) == pytest.approx({0: 0.25, 4: 0.75})
    assert search.visit_policy(visits, 0.0) == {0: 0.0, 4: 1.0}
    assert search.visit_policy(visits, 0.5) == pytest.approx({0: 0.1, 4: 0.9})
    with pytest.raises(ValueError, match="counts"):
        search.visit_policy({0: 0, 4: 0})


def test_encode_sees_the_board_from_the_player_to_move():
    x = alphazero.encode([games.EMPTY, (X,) + (0,) * 8])
    assert x.shape == (2, 27) and x[0, 18:].sum() == 9
    assert x[1, 9] == 1 and x[1, 0] == 0  # O to move: the cross is "theirs"


def test_network_masks_occupied_cells_and_loss_matches_formula():
    torch.manual_seed(0)
    net = alphazero.PolicyValueNet(hidden=8)
    board = (X, O, 0, 0, 0, 0, 0, 0, 0)
    logits, value = net(alphazero.encode([board]))
    assert torch.isinf(logits[0, :2]).all() and torch.isfinite(logits[0, 2:]).all()
    pi = torch.zeros(1, 9)
    pi[0, 2], pi[0, 5] = 0.25, 0.75
    z = torch.tensor([1.0])
    loss = alphazero.alphazero_loss(net, alphazero.encode([board]), pi, z)
    p = torch.softmax(logits, 1)
    expected = (1 - value[0]) ** 2 - (0.25 * p[0, 2].log() + 0.75 * p[0, 5].log())
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)


def test_self_play_targets_are_distributions_and_outcomes():
    table = alphazero.tabulate(alphazero.PolicyValueNet(hidden=8))
    assert len(table) == 5478 - 958
    examples = alphazero.self_play_game(alphazero.network_evaluate(table), 10, random.Random(0))
    assert 5 <= len(examples) <= 9
    for board, pi, z in examples:
        assert sum(pi) == pytest.approx(1.0) and z in (-1.0, 0.0, 1.0)
        assert all(pi[m] == 0 for m in range(9) if board[m] != 0)
    # consecutive positions belong to opposite players: their outcomes are opposite
    zs = [z for _, _, z in examples]
    assert all(a == -b for a, b in zip(zs, zs[1:]))


def test_bad_input_raises_clear_errors():
    with pytest.raises(TypeError, match="board"):
        games.winner("xox")
    with pytest.raises(ValueError, match="n_simulations"):
        search.mcts(games.EMPTY, 0, random.Random(0))
    with pytest.raises(ValueError, match="finished"):
        search.random_player((X, X, X, O, O, 0, 0, 0, 0), random.Random(0))
    with pytest.raises(TypeError, match="rng"):
        search.play_game(search.random_player, search.random_player, 0)
    with pytest.raises(ValueError, match="x must have 27"):
        alphazero.PolicyValueNet()(torch.zeros(1, 9))


def test_symmetries_are_eight_distinct_permutations_that_keep_values():
    sym = alphazero.SYMMETRIES
    assert sym.shape == (8, 9) and len({tuple(s.tolist()) for s in sym}) == 8
    assert all(sorted(s.tolist()) == list(range(9)) for s in sym)
    for board in games.all_positions()[::97]:
        values = {search.minimax_value(tuple(board[i] for i in s.tolist())) for s in sym}
        assert values == {search.minimax_value(board)}


def test_augment_moves_policy_with_the_board():
    board = (X, O, 0, 0, 0, 0, 0, 0, 0)
    pi = torch.zeros(1, 9)
    pi[0, 2] = 1.0
    x, p, z = alphazero.augment(alphazero.encode([board]), pi, torch.tensor([1.0]))
    assert x.shape == (8, 27) and p.shape == (8, 9) and z.tolist() == [1.0] * 8
    for k, s in enumerate(alphazero.SYMMETRIES.tolist()):
        moved = tuple(board[i] for i in s)
        assert torch.equal(x[k], alphazero.encode([moved])[0])
        assert p[k, s.index(2)] == 1.0


def test_mcts_gives_the_same_tree_with_a_score_of_the_readers_own():
    """mcts runs ucb1 and puct without their argument checks; a copy behaves the same."""
    for score in (search.ucb1, search.puct):
        own = lambda parent, child, score=score: score(parent, child)  # noqa: E731
        a = search.mcts(games.EMPTY, 300, random.Random(3), score=score)
        b = search.mcts(games.EMPTY, 300, random.Random(3), score=own)
        assert search.visits(a) == search.visits(b)


def test_scores_reject_bad_input():
    root = search.mcts(games.EMPTY, 20, random.Random(0))
    child = next(iter(root.children.values()))
    for score in (search.ucb1, search.puct):
        with pytest.raises(ValueError, match="c must be"):
            score(root, child, -1.0)
        with pytest.raises(TypeError, match="Node"):
            score(root, 3)


def test_self_play_outcome_is_for_the_player_to_move():
    """The last mover of a won game won: its example's outcome is +1, whoever it was."""
    table = alphazero.tabulate(alphazero.PolicyValueNet(hidden=8))
    evaluate = alphazero.network_evaluate(table)
    decisive = 0
    for seed in range(8):
        examples = alphazero.self_play_game(evaluate, 10, random.Random(seed))
        board, _, z = examples[-1]
        if z != 0:
            decisive += 1
            assert z == 1.0
            assert games.winner(board) is None
    assert decisive > 0


def test_most_visited_names_its_bad_input():
    with pytest.raises(TypeError, match="root"):
        search.most_visited(3)
    with pytest.raises(ValueError, match="no children"):
        search.most_visited(search.Node(games.EMPTY))
