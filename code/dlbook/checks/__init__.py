"""Checks a reader runs on their own answer to a code exercise.

Each chapter with code exercises has a module here named after the chapter
(``dlbook.checks.tensors``, ``dlbook.checks.linear_regression``, ...). A check
calls the reader's function on inputs chosen to expose the usual mistakes
(a wrong axis, a missing numerical stabilisation, a wrong shape) and returns a
:class:`CheckResult` that says "pass", or what is wrong with a hint, without
revealing the solution::

    from dlbook.checks.tensors import check_normalize_rows
    check_normalize_rows(my_normalize_rows)

This module holds what the chapter modules share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import torch


@dataclass(frozen=True)
class CheckResult:
    """The verdict of a check: ``passed``, and a message for the reader."""

    name: str
    passed: bool
    message: str = ""
    hint: str = ""

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        if self.passed:
            return f"PASS {self.name}: {self.message or 'your answer is right.'}"
        text = f"FAIL {self.name}: {self.message}"
        return text + (f"\n  Hint: {self.hint}" if self.hint else "")

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        if self.passed:
            return f"✅ **{self.name}** passes. {self.message}"
        hint = f"<br>💡 *Hint:* {self.hint}" if self.hint else ""
        return f"❌ **{self.name}** is not right yet: {self.message}{hint}"


def passed(name: str, message: str = "") -> CheckResult:
    return CheckResult(name, True, message)


def failed(name: str, message: str, hint: str = "") -> CheckResult:
    return CheckResult(name, False, message, hint)


def require_callable(name: str, fn: Any) -> None:
    """Raise ``TypeError`` unless the reader passed a function to check."""
    if not callable(fn):
        raise TypeError(f"{name} must be a function (pass your function itself, "
                        f"not its result), got {type(fn).__name__}")


def call_answer(check: str, fn: Callable, *args, **kwargs) -> tuple[Any, CheckResult | None]:
    """Call the reader's function; a raised exception becomes a failed result.

    Returns ``(value, None)``, or ``(None, failed result)``: test the second item
    with ``is not None``, since a failed result is falsy.
    """
    try:
        return fn(*args, **kwargs), None
    except Exception as err:  # the reader's code may raise anything
        return None, failed(check, f"your function raised {type(err).__name__}: {err}",
                            "run it on a small input by hand and read the traceback.")


def compare_tensors(check: str, got: Any, want: torch.Tensor, *, atol: float = 1e-5,
                    rtol: float = 1e-4, what: str = "the result") -> CheckResult | None:
    """Compare the reader's output with the reference; None when they agree.

    A failed :class:`CheckResult` is falsy, so test the result with
    ``is not None``, never with ``if problem:``.

    The failures say what differs (type, shape, non-finite values, values)
    without printing the reference values themselves.
    """
    if not isinstance(got, torch.Tensor):
        return failed(check, f"{what} should be a torch.Tensor, got {type(got).__name__}",
                      "return a tensor, not a list, a NumPy array or a number.")
    if got.shape != want.shape:
        hint = "check which axis you reduce over, and keepdim."
        if got.numel() == want.numel():
            hint = "the number of elements is right; check the order of the axes."
        return failed(check, f"{what} has shape {tuple(got.shape)}, expected "
                      f"{tuple(want.shape)}", hint)
    got = got.detach().to(want.dtype)
    if not torch.isfinite(got).all() and torch.isfinite(want).all():
        return failed(check, f"{what} contains inf or NaN on an input where the "
                      "answer is finite", "large inputs overflow exp(); subtract "
                      "the maximum first.")
    if not torch.allclose(got, want, atol=atol, rtol=rtol):
        err = (got - want).abs().max().item()
        return failed(check, f"{what} has the right shape but wrong values "
                      f"(largest error {err:.3g})", "")
    return None
