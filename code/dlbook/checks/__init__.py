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

import inspect
import numbers
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from .._args import check_float, check_tensor


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

    So does a change the function makes to its inputs (tensors, lists, modules):
    a function that updates its argument in place changes its caller's data.
    Returns ``(value, None)``, or ``(None, failed result)``: test the second item
    with ``is not None``, since a failed result is falsy.
    """
    before = [_snapshot(a) for a in (*args, *kwargs.values())]
    try:
        value = fn(*args, **kwargs)
    except Exception as err:  # the reader's code may raise anything
        return None, failed(check, f"your function raised {type(err).__name__}: {err}",
                            "run it on a small input by hand and read the traceback.")
    changed = [i for i, (arg, old) in enumerate(zip((*args, *kwargs.values()), before))
               if not _unchanged(arg, old)]
    if changed:
        return None, _changed_inputs(check, fn, changed, args, kwargs)
    return value, None


def _snapshot(value: Any) -> Any:
    """A copy of what a function could change in place: tensors, lists, modules."""
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, nn.Module):
        return {k: v.detach().clone() for k, v in value.state_dict().items()}
    if isinstance(value, list):
        return [_snapshot(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_snapshot(v) for v in value)
    return value if isinstance(value, (numbers.Number, str, type(None))) else None


def _unchanged(value: Any, old: Any) -> bool:
    if isinstance(value, torch.Tensor):
        return value.shape == old.shape and bool(torch.equal(value.detach(), old))
    if isinstance(value, nn.Module):
        now = value.state_dict()
        return now.keys() == old.keys() and all(
            now[k].shape == v.shape and torch.equal(now[k], v) for k, v in old.items())
    if isinstance(value, (list, tuple)):
        return len(value) == len(old) and all(_unchanged(v, o) for v, o in zip(value, old))
    if isinstance(value, (numbers.Number, str, type(None))):
        return value == old or (value != value and old != old)
    return True  # not something this check can see into


def _changed_inputs(check: str, fn: Callable, changed: list[int], args, kwargs
                    ) -> CheckResult:
    values = (*args, *kwargs.values())
    try:  # the reader's own names for the arguments, if the signature tells them
        names = list(inspect.signature(fn).bind(*args, **kwargs).arguments)
    except (TypeError, ValueError):
        names = [f"number {i + 1}" for i in range(len(values))]
    name = " and ".join(names[i] if i < len(names) else f"number {i + 1}" for i in changed)
    arg = values[changed[0]]
    if isinstance(arg, nn.Module) or (isinstance(arg, list) and any(
            isinstance(a, nn.Module) for a in arg)):
        return failed(check, f"your function changed the original model (its input "
                      f"{name}) in place", "work on a copy (copy.deepcopy) or build "
                      "new tensors, and leave the original as it was.")
    if isinstance(arg, list):
        return failed(check, f"your function changed its input {name} in place",
                      "read the list; work on a copy (sorted(...), list(...)) rather "
                      "than sorting or changing it.")
    return failed(check, f"your function changed its input {name} in place",
                  "compute new tensors (x - m, x * mask) instead of updating the "
                  "input (x -= m, x.add_(...), x[...] = 0).")


def as_tensor(value: Any) -> Any:
    """The reader's answer as a tensor when it is one in another form.

    A NumPy array, a NumPy or Python number or a (nested) list of numbers becomes
    a tensor (float64 for floats, as NumPy keeps them); anything else comes back
    as it is, for the check to report.
    """
    if isinstance(value, torch.Tensor) or isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple, numbers.Number, np.ndarray, np.number)):
        try:
            array = np.asarray(value)
        except (ValueError, TypeError):  # ragged or not numbers
            return value
        if array.dtype.kind in "biuf":
            return torch.from_numpy(array.copy())
    return value


def call_for_number(check: str, fn: Callable, *args, **kwargs
                    ) -> tuple[float | None, CheckResult | None]:
    """:func:`call_answer` for a function that must return one number: returns
    ``(the number as a float, None)``, or ``(None, failed result)``."""
    got, problem = call_answer(check, fn, *args, **kwargs)
    if problem is not None:
        return None, problem
    value = as_number(got)
    if value is None:
        return None, failed(check, f"return one number, got {type(got).__name__}",
                            "a Python float or a tensor with one element.")
    return value, None


def as_number(value: Any) -> float | None:
    """The reader's answer as a float when it is one number in any form, else None.

    A Python or NumPy number, or a tensor or array with one element.
    """
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1 and value.dtype != torch.bool:
        return float(value.item())
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        return float(value.item())
    return None


def as_int(value: Any) -> int | None:
    """The reader's answer as an int when it is one whole count in an integer type
    (a Python or NumPy integer, an integer tensor with one element), else None."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not (
            value.is_floating_point() or value.is_complex() or value.dtype == torch.bool):
        return int(value.item())
    return None


def tolerances(got: Any, atol: float, rtol: float, scale: float = 1.0) -> tuple[float, float]:
    """``atol`` and ``rtol`` widened to what the reader's dtype can resolve.

    A right answer computed in float32 differs from a float64 reference by a few
    hundred float32 roundings; ``scale`` is the size of the values compared.
    """
    atol = check_float("atol", atol, minimum=0.0)
    rtol = check_float("rtol", rtol, minimum=0.0)
    scale = check_float("scale", scale, minimum=0.0)
    dtype = got.dtype if isinstance(got, (torch.Tensor, np.ndarray, np.number)) else None
    if dtype is None:
        return atol, rtol
    if isinstance(dtype, np.dtype) or isinstance(dtype, type):
        dtype = torch.from_numpy(np.zeros(1, dtype=dtype)).dtype
    if not dtype.is_floating_point:
        return atol, rtol
    eps = min(1000 * torch.finfo(dtype).eps, 1e-2)
    return max(atol, eps * max(1.0, scale)), max(rtol, eps)


def close(got: Any, want: torch.Tensor, *, atol: float = 1e-6, rtol: float = 1e-5) -> bool:
    """Whether the reader's ``got`` (in any form) has ``want``'s shape and values,
    within tolerances that fit ``got``'s dtype."""
    check_tensor("want", want)
    got = as_tensor(got)
    if not isinstance(got, torch.Tensor) or got.shape != want.shape:
        return False
    scale = float(want.detach().abs().max()) if want.numel() else 1.0
    atol, rtol = tolerances(got, atol, rtol, scale if np.isfinite(scale) else 1.0)
    return bool(torch.allclose(got.detach().to(want.dtype), want, atol=atol, rtol=rtol,
                               equal_nan=True))



def named_mistake(check: str, got: Any, mistakes: dict[str, tuple[Any, str]], *,
                  atol: float, where: str = "", want: torch.Tensor | None = None
                  ) -> CheckResult | None:
    """The failed result for the first of ``mistakes`` the reader's answer makes.

    ``mistakes`` maps a description ("you leave out the discount") to the value that
    mistake gives on this input and a hint. With ``want``, a mistake that gives the
    right answer on this input is skipped, since it cannot be told apart. None when
    the answer matches no mistake.
    """
    if not isinstance(mistakes, dict):
        raise TypeError(f"mistakes must be a dict, got {type(mistakes).__name__}")
    atol = check_float("atol", atol, minimum=0.0)
    for mistake, (value, hint) in mistakes.items():
        if want is not None and close(value, want, atol=atol):
            continue
        if close(got, value, atol=atol):
            return failed(check, f"{where}{mistake}", hint)
    return None

def compare_tensors(check: str, got: Any, want: torch.Tensor, *, atol: float = 1e-5,
                    rtol: float = 1e-4, what: str = "the result") -> CheckResult | None:
    """Compare the reader's output with the reference; None when they agree.

    A failed :class:`CheckResult` is falsy, so test the result with
    ``is not None``, never with ``if problem:``.

    The failures say what differs (type, shape, non-finite values, values)
    without printing the reference values themselves. An answer that is a NumPy
    array, a number or a list of numbers is compared as the tensor it stands for,
    with tolerances that fit its dtype.
    """
    check_tensor("want", want)
    atol = check_float("atol", atol, minimum=0.0)
    rtol = check_float("rtol", rtol, minimum=0.0)
    got = as_tensor(got)
    if not isinstance(got, torch.Tensor):
        return failed(check, f"{what} should be a torch.Tensor, got {type(got).__name__}",
                      "return a tensor (or numbers), not None or another object.")
    if got.shape != want.shape:
        hint = "check which axis you reduce over, and keepdim."
        if got.numel() == want.numel():
            hint = "the number of elements is right; check the order of the axes."
        return failed(check, f"{what} has shape {tuple(got.shape)}, expected "
                      f"{tuple(want.shape)}", hint)
    if not torch.isfinite(got).all() and torch.isfinite(want).all():
        return failed(check, f"{what} contains inf or NaN on an input where the "
                      "answer is finite", "large inputs overflow exp(); subtract "
                      "the maximum first.")
    if not close(got, want, atol=atol, rtol=rtol):
        err = (got.detach().to(want.dtype) - want).abs().max().item()
        return failed(check, f"{what} has the right shape but wrong values "
                      f"(largest error {err:.3g})", "")
    return None
