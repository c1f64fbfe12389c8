"""dlbook.scale.timing: medians after warm-up, interleaved rounds, clear errors."""

import pytest

from dlbook.scale.timing import Timing, speedup, summarize, time_each, time_it


def test_summarize_gives_median_and_quartiles():
    t = summarize([5.0, 1.0, 3.0, 2.0, 4.0])
    assert (t.median, t.q25, t.q75) == (3.0, 2.0, 4.0)
    assert t.times == (5.0, 1.0, 3.0, 2.0, 4.0)
    one = summarize([0.5])
    assert one.median == one.q25 == one.q75 == 0.5


def test_time_it_warms_up_then_times_every_repeat():
    calls = []
    t = time_it(lambda: calls.append(1), warmup=2, repeats=7)
    assert len(calls) == 9 and len(t.times) == 7
    assert all(x >= 0 for x in t.times) and t.q25 <= t.median <= t.q75


def test_time_each_interleaves_the_functions():
    order = []
    out = time_each({"a": lambda: order.append("a"), "b": lambda: order.append("b")},
                    warmup=1, repeats=3)
    assert order == ["a", "b"] + ["a", "b"] * 3
    assert set(out) == {"a", "b"} and all(len(t.times) == 3 for t in out.values())


def test_speedup_is_the_ratio_of_medians_with_a_quartile_range():
    slow, fast = Timing(4.0, 3.0, 5.0, (4.0,)), Timing(2.0, 1.0, 2.5, (2.0,))
    assert speedup(slow, fast) == (2.0, 3.0 / 2.5, 5.0 / 1.0)


@pytest.mark.parametrize("call, error, words", [
    (lambda: time_it(3), TypeError, "fn"),
    (lambda: time_it(print, repeats=0), ValueError, "repeats"),
    (lambda: time_it(print, warmup=-1), ValueError, "warmup"),
    (lambda: time_each([print]), TypeError, "fns"),
    (lambda: time_each({}), ValueError, "fns"),
    (lambda: time_each({"x": 1}), TypeError, "fns['x']"),
    (lambda: summarize([]), ValueError, "times"),
    (lambda: summarize([1.0, -2.0]), ValueError, "times"),
    (lambda: speedup(1.0, summarize([1.0])), TypeError, "baseline"),
    (lambda: speedup(summarize([1.0]), summarize([0.0])), ValueError, "other"),
])
def test_bad_input_raises_a_clear_error(call, error, words):
    with pytest.raises(error, match=words.replace("[", r"\[").replace("]", r"\]")):
        call()
