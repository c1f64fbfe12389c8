"""The exercise check of *Deep Q-networks* passes right answers and diagnoses
wrong ones."""

import pytest

from dlbook.checks.dqn import check_double_dqn_targets


def targets(rewards, online, target, terminated, gamma, *, chooser="online",
            valuer="target", stop=True):
    nets = {"online": online, "target": target}
    best = nets[chooser].argmax(1, keepdim=True)
    value = nets[valuer].gather(1, best).squeeze(1)
    return rewards + gamma * value * ((~terminated).double() if stop else 1.0)


def dqn_style(rewards, online, target, terminated, gamma):
    return rewards + gamma * target.max(1).values * (~terminated)


@pytest.mark.parametrize("answer, words", [
    (targets, None),
    (lambda *a: targets(*a).float(), None),
    (lambda *a: targets(*a).tolist(), None),
    (dqn_style, "DQN's target"),
    (lambda *a: targets(*a, chooser="target", valuer="online"), "swapped"),
    (lambda *a: targets(*a, valuer="online"), "online network alone"),
    (lambda *a: targets(*a, stop=False), "terminal"),
    (lambda *a: targets(*a)[:-1], "shape"),
    (lambda *a: targets(*a) + 0.1, "targets"),
])
def test_double_dqn_targets_check(answer, words):
    result = check_double_dqn_targets(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in result.message, result
