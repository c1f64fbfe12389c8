"""Argument checks shared by the public functions of dlbook.

Each check raises ``TypeError`` or ``ValueError`` with a message that names the
argument and what was expected, so that a reader sees their own mistake rather
than a stack trace from deep inside torch.
"""

from __future__ import annotations

import numbers
from typing import Any, Iterable

import numpy as np
import torch


def _name_type(value: Any) -> str:
    return type(value).__name__


def check_int(name: str, value: Any, *, minimum: int | None = None,
              maximum: int | None = None) -> int:
    """Return ``value`` as an int after checking it is an integer in range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_name_type(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_float(name: str, value: Any, *, minimum: float | None = None,
                maximum: float | None = None, strict_min: bool = False,
                strict_max: bool = False) -> float:
    """Return ``value`` as a float after checking it is a real number in range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_name_type(value)}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if minimum is not None:
        if (strict_min and value <= minimum) or (not strict_min and value < minimum):
            op = ">" if strict_min else ">="
            raise ValueError(f"{name} must be {op} {minimum}, got {value}")
    if maximum is not None:
        if (strict_max and value >= maximum) or (not strict_max and value > maximum):
            op = "<" if strict_max else "<="
            raise ValueError(f"{name} must be {op} {maximum}, got {value}")
    return value


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """Check that ``value`` is one of ``choices``."""
    choices = tuple(choices)
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {listed}; got {value!r}")
    return value


def check_tensor(name: str, value: Any, *, ndim: int | Iterable[int] | None = None,
                 floating: bool = False) -> torch.Tensor:
    """Check that ``value`` is a tensor with the expected rank (and float dtype)."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {_name_type(value)}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if value.ndim not in allowed:
            want = " or ".join(str(d) for d in allowed)
            raise ValueError(
                f"{name} must have {want} dimensions, got shape {tuple(value.shape)}")
    if floating and not value.is_floating_point():
        raise TypeError(f"{name} must have a floating-point dtype, got {value.dtype}")
    return value


def check_same_length(name_a: str, a: Any, name_b: str, b: Any) -> None:
    """Check that two sequences or tensors have the same first dimension."""
    if len(a) != len(b):
        raise ValueError(
            f"{name_a} and {name_b} must have the same length, got {len(a)} and {len(b)}")
