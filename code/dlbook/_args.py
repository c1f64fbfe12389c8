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
                strict_max: bool = False, finite: bool = True) -> float:
    """Return ``value`` as a float after checking it is a real number in range.

    With ``finite=False`` an infinity is allowed (NaN never is).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_name_type(value)}")
    value = float(value)
    if np.isnan(value) or (finite and not np.isfinite(value)):
        raise ValueError(f"{name} must be {'finite' if finite else 'a number'}, got {value}")
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
    if not any(type(value) is type(c) and value == c for c in choices):
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {listed}; got {value!r}")
    return value


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` as a bool after checking it is one (a string is not)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_pair(name: str, value: Any, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints as (height, width), each >= ``minimum``."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        return (check_int(name, value[0], minimum=minimum),
                check_int(name, value[1], minimum=minimum))
    value = check_int(name, value, minimum=minimum)
    return value, value


def _is_integer(t: torch.Tensor) -> bool:
    return not (t.is_floating_point() or t.is_complex() or t.dtype == torch.bool)


def check_tensor(name: str, value: Any, *, ndim: int | Iterable[int] | None = None,
                 floating: bool = False, integer: bool = False, nonempty: bool = False,
                 finite: bool = False) -> torch.Tensor:
    """Check that ``value`` is a tensor with the expected rank and kind of dtype.

    ``floating`` or ``integer`` ask for that kind of dtype, ``nonempty`` for at
    least one element, and ``finite`` for no NaN or infinity among the values.
    """
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
    if integer and not _is_integer(value):
        raise TypeError(f"{name} must have an integer dtype, got {value.dtype}")
    if nonempty and value.numel() == 0:
        raise ValueError(f"{name} must not be empty, got shape {tuple(value.shape)}")
    if finite and value.is_floating_point() and not bool(torch.isfinite(value).all()):
        raise ValueError(f"{name} must be finite, got NaN or infinite values")
    return value


def check_shape(name: str, value: Any, shape: tuple[int | str, ...], *,
                dtype: torch.dtype | None = None, hint: str = "") -> torch.Tensor:
    """Check a model's input: a float tensor of ``shape``, where a string stands for
    any size (``("N", 3)`` is any number of rows of 3 features), of the model's
    ``dtype`` if given. ``hint`` ends the message of a wrong shape."""
    check_tensor(name, value, floating=True)
    if value.ndim != len(shape) or any(
            isinstance(want, int) and got != want for got, want in zip(value.shape, shape)):
        want = ", ".join(str(d) for d in shape)
        raise ValueError(f"{name} must have shape ({want}), got {tuple(value.shape)}"
                         + (f"; {hint}" if hint else ""))
    if dtype is not None and value.dtype != dtype:
        raise TypeError(f"{name} must have the model's dtype {dtype}, got {value.dtype} "
                        f"(convert one of them with .to())")
    return value


def check_labels(name: str, value: Any, num_classes: int | None = None, *,
                 ndim: int | Iterable[int] | None = 1) -> torch.Tensor:
    """Check that ``value`` holds integer class labels in ``0..num_classes - 1``."""
    check_tensor(name, value, ndim=ndim, integer=True)
    if value.numel() and (int(value.min()) < 0 or (
            num_classes is not None and int(value.max()) >= num_classes)):
        within = f"0..{num_classes - 1}" if num_classes is not None else "0 or more"
        raise ValueError(f"{name} must hold class labels in {within}, got values from "
                         f"{int(value.min())} to {int(value.max())}")
    return value


def check_binary(name: str, value: Any, *, ndim: int | None = 1) -> torch.Tensor:
    """Check that ``value`` is a tensor of 0s and 1s (or of bools): a yes or no each."""
    check_tensor(name, value, ndim=ndim)
    if not bool(((value == 0) | (value == 1)).all()):
        raise ValueError(f"{name} must hold only 0 and 1 (or False and True)")
    return value


def check_module(name: str, value: Any) -> Any:
    """Check that ``value`` is a ``torch.nn.Module``."""
    if not isinstance(value, torch.nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module, got {_name_type(value)}")
    return value


def check_callable(name: str, value: Any) -> Any:
    """Check that ``value`` can be called (a function, a module, a partial...)."""
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {_name_type(value)}")
    return value


def check_generator(name: str, value: Any) -> torch.Generator | None:
    """Check that ``value`` is a ``torch.Generator`` or None."""
    if value is not None and not isinstance(value, torch.Generator):
        raise TypeError(f"{name} must be a torch.Generator or None, got "
                        f"{_name_type(value)}")
    return value


def check_same_length(name_a: str, a: Any, name_b: str, b: Any) -> None:
    """Check that two sequences or tensors have the same first dimension."""
    for name, value in ((name_a, a), (name_b, b)):
        if isinstance(value, torch.Tensor) and value.ndim == 0:
            raise ValueError(f"{name} must have one entry per example, got a scalar")
    if len(a) != len(b):
        raise ValueError(
            f"{name_a} and {name_b} must have the same length, got {len(a)} and {len(b)}")


def check_same_shape(name_a: str, a: torch.Tensor, name_b: str, b: torch.Tensor) -> None:
    """Check that two tensors have the same shape (no broadcasting between them)."""
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, got "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")


def check_sequence(name: str, value: Any, *, nonempty: bool = True) -> list:
    """Return ``value`` as a list after checking it is a sequence (not a string)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list or a tuple, got {_name_type(value)}")
    if nonempty and not value:
        raise ValueError(f"{name} must not be empty")
    return list(value)


def check_device(name: str, value: Any) -> torch.device:
    """Return ``value`` (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"`` or a
    ``torch.device``) as a ``torch.device``, after checking that it is available."""
    if isinstance(value, torch.device):
        value = str(value)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a device name such as 'cpu' or 'cuda', got "
                        f"{_name_type(value)}")
    kind, _, index = value.partition(":")
    check_choice(name, kind, ("cpu", "cuda", "mps"))
    if index and not index.isdigit():
        raise ValueError(f"{name} must be 'cuda' or 'cuda:<number>', got {value!r}")
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"{name}={value!r} but no CUDA device is available")
    if kind == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"{name}={value!r} but Apple's MPS backend is not available")
    return torch.device(value)


def check_tensor_list(name: str, value: Any, *, floating: bool = False) -> list[torch.Tensor]:
    """Return a tensor, or an iterable of them (``model.parameters()``), as a non-empty
    list of tensors."""
    if isinstance(value, torch.Tensor):
        value = [value]
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a tensor or an iterable of tensors, got "
                        f"{_name_type(value)}")
    value = list(value)
    if not value:
        raise ValueError(f"{name} must not be empty")
    for t in value:
        check_tensor(name, t, floating=floating)
    return value
