"""The exercise checks of *Backpropagation*: right answers pass, typical mistakes fail."""

import math

import pytest

from dlbook.fundamentals.autograd import Value
from dlbook.checks.backpropagation import check_central_difference, check_sin


def make_sin(local=math.cos, *, accumulate=True, chain=True, link=True):
    """A reader's sin with switchable mistakes."""
    def sin(x):
        out = Value(math.sin(x.data), (x,) if link else (), "sin")

        def _backward(grad):
            g = local(x.data) * (grad if chain else 1.0)
            if accumulate:
                x.grad += g
            else:
                x.grad = g

        out._backward = _backward
        return out
    return sin


def sin_micrograd_style(x):
    out = Value(math.sin(x.data), (x,), "sin")

    def _backward():
        x.grad += math.cos(x.data)

    out._backward = _backward
    return out


def test_right_sin_passes():
    result = check_sin(make_sin())
    assert result, result


@pytest.mark.parametrize("answer, message", [
    (make_sin(accumulate=False), "counts only one"),
    (make_sin(chain=False), "instead of 3 cos(x)"),
    (make_sin(lambda t: -math.cos(t)), "wrong sign"),
    (make_sin(math.sin), "d sin(x)/dx"),
    (make_sin(link=False), "children"),
    (sin_micrograd_style, "one argument"),
    (lambda x: math.sin(x.data), "return a Value"),
    (lambda x: Value(math.cos(x.data), (x,), "sin"), "forward value"),
    (lambda x: Value(math.sin(x.data), (x,), "sin"), "still 0"),
])
def test_sin_mistakes_fail(answer, message):
    result = check_sin(answer)
    assert not result and message in str(result), result


def central_right(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("answer, message", [
    (lambda f, x, h: (f(x + h) - f(x)) / h, "one-sided"),
    (lambda f, x, h: (f(x) - f(x - h)) / h, "one-sided"),
    (lambda f, x, h: (f(x + h) - f(x - h)) / h, "twice"),
    (lambda f, x, h: (f(x + h) - f(x - h)) / (4 * h), "half"),
    (lambda f, x, h: central_right(f, x, 1e-3), "does not change with h"),
    (lambda f, x, h: [central_right(f, x, h)], "return a float"),
    (lambda f, x, h: 0.0, "f'(x)"),
])
def test_central_difference_mistakes_fail(answer, message):
    result = check_central_difference(answer)
    assert not result and message in result.message, result


def test_central_difference_right_answers_pass():
    assert check_central_difference(central_right)
    assert check_central_difference(lambda f, x, h: (f(x + h) - f(x - h)) / 2 / h)
