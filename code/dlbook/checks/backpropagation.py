"""Checks for the code exercises of the chapter *Backpropagation*.

Each check calls the reader's function on inputs that expose the usual
mistakes and says what is wrong, with a hint, without giving the answer away.
"""

from __future__ import annotations

import math
from typing import Callable

from ..fundamentals.autograd import Value
from . import CheckResult, as_number, call_answer, failed, passed, require_callable, tolerances


def _close(a: float, b: float, tol: float = 1e-9) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def _gradient_of(check: str, build: Callable[[Value], Value], x0: float
                 ) -> tuple[float | None, CheckResult | None]:
    """Build an expression of a fresh leaf x, backpropagate, return x.grad."""
    x = Value(x0, label="x")
    try:
        out = build(x)
        out.backward()
    except TypeError as err:
        if "positional argument" in str(err):
            return None, failed(check, f"calling your _backward raised TypeError: {err}",
                                "in this book's engine _backward takes one argument: "
                                "the gradient of the final output with respect to "
                                "the node's result.")
        return None, failed(check, f"building or backpropagating raised TypeError: {err}")
    except Exception as err:  # the reader's code may raise anything
        return None, failed(check, f"building or backpropagating raised "
                            f"{type(err).__name__}: {err}")
    return x.grad, None


def check_sin(fn: Callable[[Value], Value]) -> CheckResult:
    """Check a reader's ``sin(x)`` operation for the Value engine, forward and backward."""
    name = "sin"
    require_callable("fn", fn)
    x0 = 0.7
    out, problem = call_answer(name, fn, Value(x0))
    if problem is not None:
        return problem
    if not isinstance(out, Value):
        return failed(name, f"sin should return a Value, got {type(out).__name__}",
                      "wrap the result in Value(..., children, op) so that the graph "
                      "remembers where it came from.")
    if not _close(out.data, math.sin(x0)):
        return failed(name, f"the forward value is wrong: sin({x0}) gave {out.data:.6g}",
                      "use math.sin on the input's data.")
    x = Value(x0)
    linked, problem = call_answer(name, fn, x)
    if problem is not None:
        return problem
    if not any(child is x for child in linked.children):
        return failed(name, "the result does not list its input among its children",
                      "backward() only reaches nodes that are children of the "
                      "result; pass the input when you create the output Value.")
    d = math.cos(x0)

    grad, problem = _gradient_of(name, fn, x0)
    if problem is not None:
        return problem
    if grad == 0.0:
        return failed(name, "after backward(), x.grad is still 0",
                      "set the output's _backward to a function that adds to the "
                      "input's grad.")
    if _close(grad, -d):
        return failed(name, "the gradient has the wrong sign", "check the derivative "
                      "of sin.")
    if not _close(grad, d):
        return failed(name, f"d sin(x)/dx at x={x0} came out as {grad:.6g}",
                      "check the local derivative of sin, evaluated at the input's data.")

    grad, problem = _gradient_of(name, lambda v: fn(v) * 3.0, x0)
    if problem is not None:
        return problem
    if _close(grad, d):
        return failed(name, "for y = 3 sin(x), x.grad is cos(x) instead of 3 cos(x)",
                      "the chain rule multiplies the local derivative by the gradient "
                      "that arrives from the output (the argument of _backward).")
    if not _close(grad, 3 * d):
        return failed(name, f"for y = 3 sin(x), x.grad came out as {grad:.6g}",
                      "multiply the local derivative by the incoming gradient.")

    grad, problem = _gradient_of(name, lambda v: fn(v) + fn(v), x0)
    if problem is not None:
        return problem
    if not _close(grad, 2 * d):
        return failed(name, "when x feeds two sin operations, x.grad counts only one "
                      "of them", "a node used several times collects a contribution "
                      "from every use: does your _backward add to grad or overwrite it?")
    return passed(name, "forward value, derivative, chain rule and accumulation are right.")


def check_central_difference(fn: Callable[[Callable[[float], float], float, float], float]
                             ) -> CheckResult:
    """Check a reader's ``central_difference(f, x, h)`` estimate of f'(x)."""
    name = "central_difference"
    require_callable("fn", fn)

    def f(t: float) -> float:
        return math.exp(3.0 * t)

    x, h = 0.5, 1e-3
    got, problem = call_answer(name, fn, f, x, h)
    if problem is not None:
        return problem
    answer = got.data if isinstance(got, Value) else got
    tol = tolerances(answer, 0.0, 1e-9)[1]  # a float32 answer holds fewer digits
    got = as_number(answer)
    if got is None:
        return failed(name, f"return a float, got {type(answer).__name__}",
                      "f returns floats, so arithmetic on its results gives a float.")
    want = (f(x + h) - f(x - h)) / (2 * h)
    if _close(got, want, tol):
        other, problem = call_answer(name, fn, f, x, 0.1)
        if problem is not None:
            return problem
        other = as_number(other.data if isinstance(other, Value) else other)
        if other is not None and _close(other, got, tol):
            return failed(name, "your result does not change with h",
                          "use the step h you are given, not a fixed one.")
        return passed(name, "a two-sided difference with the step you were given.")
    if _close(got, (f(x + h) - f(x)) / h, tol) or _close(got, (f(x) - f(x - h)) / h, tol):
        return failed(name, "this is a one-sided (forward or backward) difference",
                      "a one-sided difference is off by about h/2 f''(x); "
                      "step to both sides of x.")
    if _close(got, 2 * want, tol):
        return failed(name, "your estimate is twice the derivative",
                      "the two points you compare are 2h apart.")
    if _close(got, want / 2, tol):
        return failed(name, "your estimate is half the derivative",
                      "the two points you compare are 2h apart, not 4h.")
    return failed(name, f"for f(t) = exp(3t) at x = {x}, h = {h} you return {got:.6g}, "
                  f"but f'(x) is about {3 * math.exp(1.5):.6g}",
                  "evaluate f on both sides of x and divide by the distance between "
                  "the two points.")
