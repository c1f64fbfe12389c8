"""The exercise check of *Temporal-difference learning* passes right answers and
diagnoses wrong ones."""

import pytest

from dlbook.checks.q_learning import check_q_learning_targets


def targets(Q, rewards, next_states, terminated, gamma, *, reduce="max", discount=True,
            stop=True):
    best = Q[next_states].max(1).values if reduce == "max" else Q[next_states].mean(1)
    going = (~terminated).double() if stop else 1.0
    return rewards + (gamma if discount else 1.0) * best * going


@pytest.mark.parametrize("answer, words", [
    (targets, None),
    (lambda *a: targets(*a).float(), None),
    (lambda *a: targets(*a).tolist(), None),
    (lambda *a: targets(*a, stop=False), "terminal"),
    (lambda *a: targets(*a, discount=False), "discount"),
    (lambda *a: targets(*a, reduce="mean"), "average"),
    (lambda *a: targets(*a)[:-1], "shape"),
    (lambda *a: targets(*a) + 0.1, "targets"),
])
def test_q_learning_targets_check(answer, words):
    result = check_q_learning_targets(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in result.message, result


def test_an_answer_that_updates_q_in_place_fails():
    def in_place(Q, rewards, next_states, terminated, gamma):
        out = targets(Q, rewards, next_states, terminated, gamma)
        Q += 1
        return out
    assert not check_q_learning_targets(in_place).passed
