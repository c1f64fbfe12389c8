"""The harness of the contract test (``tests/test_contract.py``) and its example tables.

Every public function and class of ``dlbook`` has an :class:`Example` here: a
valid call, written as the arguments it takes. The test calls it, then calls it
again with one argument at a time replaced by a bad value of every kind that
fits that argument (see :func:`bad_values`), and requires a ``TypeError`` or
``ValueError`` raised by dlbook's own code whose message names the argument,
unless the example lists that kind of value as accepted, with the reason. It also
calls the function with the same values in other reasonable forms (NumPy scalars
for numbers), which must be accepted.

One file of examples per part of the book (``core.py``, ``fundamentals.py``,
``training.py``, ``cnn.py``, and a new one for each new part), each defining
``EXAMPLES``, a dict from the public name (``"dlbook.cnn.conv.conv2d_loop"``) to
its :class:`Example`. The test collects every module of this folder, so a new part
adds its own file and touches nothing shared.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import math
import numbers
import os
import pkgutil
import re
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

import numpy as np
import torch
from torch import nn

import dlbook

DLBOOK_DIR = os.path.dirname(os.path.abspath(dlbook.__file__))

# The kinds of bad value, as the prefixes of their labels.
KINDS = {
    "type": "wrong type",
    "shape": "wrong shape",
    "length": "mismatched lengths",
    "empty": "empty",
    "nan": "NaN",
    "inf": "infinity",
    "dtype": "wrong dtype",
    "range": "out of range",
    "bool": "bool given as a string",
    "element": "a bad element in a sequence",
}


class Propagates(str):
    """An accepted NaN whose result must show it: the call returns, with a NaN inside."""


PROPAGATES = Propagates("elementwise arithmetic: a NaN in gives a NaN out, as in torch")


INFINITE = "infinities follow IEEE arithmetic into the result, as in torch"
ANY_SHAPE = "elementwise: a tensor of any shape, empty included, is a valid input"


def propagates(*names: str, reason: str = PROPAGATES) -> dict[str, dict[str, str]]:
    """``accept`` entries for arguments whose NaN flows into the result (checked),
    and whose infinities follow IEEE arithmetic."""
    return {name: {"nan": Propagates(reason), "inf": INFINITE} for name in names}


def elementwise(*names: str, reason: str = PROPAGATES) -> dict[str, dict[str, str]]:
    """``accept`` entries for arguments of any shape whose NaN flows into the result."""
    return {name: {**propagates(name, reason=reason)[name], "shape": ANY_SHAPE,
                   "empty": ANY_SHAPE} for name in names}


def merge(*accepts: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """Several ``accept`` tables in one; later entries win."""
    merged: dict[str, dict[str, str]] = {}
    for accept in accepts:
        for name, entries in accept.items():
            merged.setdefault(name, {}).update(entries)
    return merged


@dataclass
class Example:
    """A valid call of one public name and what may be done to it.

    ``args`` maps parameter names to valid values (or is a function that returns
    such a dict, for arguments that cannot be deep-copied); each call gets fresh
    copies. Parameters left out keep their defaults, and those defaults are fuzzed
    too unless they are ``None``. ``accept`` maps a parameter to the labels (or
    kinds, or ``"*"``) of bad values it accepts, each with the reason. ``bad`` adds
    bad values of the example's own (an out-of-range number, say) per parameter:
    ``{"p": {"range:above-1": 1.5}}``. For classes, ``methods`` holds one Example
    per method to fuzz on a fresh instance (every ``nn.Module`` needs
    ``"forward"``). ``record`` marks a plain data record (a NamedTuple) whose
    fields are stored as given, with the reason. ``fuzz`` lists the parameters to
    fuzz when not all of them should be (an expensive call); ``forms=False``
    skips the other-forms calls.
    """

    args: Mapping[str, Any] | Callable[[], Mapping[str, Any]] = field(default_factory=dict)
    accept: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    bad: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    methods: Mapping[str, "Example"] = field(default_factory=dict)
    record: str | None = None
    fuzz: tuple[str, ...] | None = None
    forms: bool = True

    def fresh_args(self) -> dict[str, Any]:
        if callable(self.args):
            return dict(self.args())
        return copy.deepcopy(dict(self.args))


# ---------------------------------------------------------------------------
# The public names
# ---------------------------------------------------------------------------

def public_names() -> dict[str, Any]:
    """Every public function and class of dlbook, by qualified name.

    Public: in a module whose path has no part starting with ``_``, a name without
    a leading underscore, defined in that module (not imported into it).
    """
    found = {}
    for info in pkgutil.walk_packages(dlbook.__path__, "dlbook."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                found[f"{module.__name__}.{name}"] = obj
    return found


def collect_examples() -> dict[str, Example]:
    """The examples of every file in this folder, merged; a name twice is an error."""
    examples: dict[str, Example] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name, example in getattr(module, "EXAMPLES", {}).items():
            if name in examples:
                raise ValueError(f"{name} has an example in two files of tests/contract")
            examples[name] = example
    return examples


# ---------------------------------------------------------------------------
# Bad values and other forms of good ones
# ---------------------------------------------------------------------------

def _with_first(t: torch.Tensor, value) -> torch.Tensor:
    t = t.detach().clone()
    t.view(-1)[0] = value
    return t


def _drop_one(t: torch.Tensor, dim: int) -> torch.Tensor:
    if t.shape[dim] > 1:
        return t.detach().narrow(dim, 0, t.shape[dim] - 1).clone()
    return torch.cat([t.detach(), t.detach()], dim)


def _is_function(value) -> bool:
    return callable(value) and not isinstance(value, (nn.Module, type, torch.Tensor))


def bad_values(value: Any, *, default_is_none: bool,
               others: list[torch.Tensor] = ()) -> Iterator[tuple[str, Any]]:
    """``(label, bad value)`` pairs for an argument whose valid value is ``value``.

    ``others`` are the other tensor arguments of the call: a tensor's first or last
    dimension is changed when another argument has a dimension of the same size,
    to try mismatched lengths.
    """
    none = [] if default_is_none else [("type:None", None)]
    if isinstance(value, (bool, np.bool_)):
        yield from [("bool:str", "False"), *none]
    elif isinstance(value, numbers.Integral):
        yield from [("type:str", str(value)), ("type:float", int(value) + 0.5),
                    ("type:bool", True), *none,
                    ("range:negative", -1 if value >= 0 else int(value) - 10**6)]
    elif isinstance(value, numbers.Real):
        yield from [("type:str", str(value)), ("type:bool", True), *none,
                    ("nan", math.nan), ("inf", math.inf),
                    ("range:negative", -1.0 - abs(float(value)))]
    elif isinstance(value, str):
        yield from [("type:int", 1), *none, ("range:choice", "no-such-" + value)]
    elif isinstance(value, torch.Tensor):
        yield from [("type:str", "tensor"), *none]
        if value.numel() <= 10_000:
            yield "type:list", value.tolist()
        yield "type:ndarray", value.detach().cpu().numpy()
        yield "shape:extra-dim", value.detach().unsqueeze(0).clone()
        if value.ndim >= 1:
            yield "shape:fewer-dims", (value.detach().reshape(-1) if value.ndim > 1
                                       else value.detach()[0].clone())
        sizes = {s for t in others for s in t.shape if s > 1}
        if value.ndim >= 1 and value.shape[0] in sizes:
            yield "length:first-dim", _drop_one(value, 0)
        if value.ndim >= 2 and value.shape[-1] in sizes:
            yield "length:last-dim", _drop_one(value, value.ndim - 1)
        if value.ndim >= 1 and value.shape[0] > 0:
            yield "empty", value.detach()[:0].clone()
        if value.numel() == 0:
            return
        if value.is_floating_point():
            yield "nan", _with_first(value, math.nan)
            yield "inf", _with_first(value, math.inf)
            yield "dtype:int", value.detach().long()
        elif value.dtype == torch.bool:
            yield "dtype:int", value.detach().long() * 2
        else:
            yield "dtype:float", value.detach().double() + 0.5
            yield "range:negative", _with_first(value, -1)
            yield "range:huge", _with_first(value, 10**6)
    elif isinstance(value, np.ndarray):
        yield from [("type:str", "array"), *none]
        if value.ndim >= 1 and len(value):
            yield "empty", value[:0]
    elif isinstance(value, (list, tuple)):
        yield from [("type:str", "sequence"), *none]
        if value:
            yield "empty", type(value)() if type(value) in (list, tuple) else []
            for label, element in bad_values(value[0], default_is_none=True,
                                             others=[v for v in value[1:]
                                                     if isinstance(v, torch.Tensor)]):
                changed = [element, *value[1:]]
                yield "element:" + label, (tuple(changed) if isinstance(value, tuple)
                                           else changed)
    elif isinstance(value, torch.Generator):
        yield from [("type:int", 0), ("type:str", "generator")]
    elif isinstance(value, torch.dtype):
        yield from [("type:str", "float32")]
    elif isinstance(value, (nn.Module, dict)) or _is_function(value) or value is not None:
        yield from [("type:str", "not this"), *none]


def other_forms(value: Any) -> Iterator[tuple[str, Any]]:
    """Other forms of a good value that must be accepted as it is."""
    if isinstance(value, bool):
        yield "numpy bool", np.bool_(value)
    elif isinstance(value, numbers.Integral) and not isinstance(value, np.integer):
        yield "numpy int64", np.int64(value)
    elif isinstance(value, float):
        yield "numpy float32", np.float32(value)
        if value.is_integer():
            yield "int", int(value)


# ---------------------------------------------------------------------------
# Running one name
# ---------------------------------------------------------------------------

@dataclass
class Report:
    """What fuzzing one public name found."""

    name: str
    tried: int = 0
    propagated: int = 0  # accepted NaNs seen in the result
    accepted: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _accepted(accept: Mapping[str, Mapping[str, str]], arg: str, label: str) -> str | None:
    entries = accept.get(arg, {})
    parts = label.split(":")
    for key in [":".join(parts[:i]) for i in range(len(parts), 0, -1)] + ["*"]:
        if key in entries:
            return entries[key]
    return None


def _raised_by_dlbook(err: BaseException) -> bool:
    frames = traceback.extract_tb(err.__traceback__)
    return bool(frames) and os.path.abspath(frames[-1].filename).startswith(DLBOOK_DIR)


def _contains_nan(value, depth: int = 0) -> bool:
    if depth > 4:
        return False
    if isinstance(value, torch.Tensor):
        return value.is_floating_point() and bool(torch.isnan(value.detach()).any())
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, (list, tuple)):
        return any(_contains_nan(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return any(_contains_nan(v, depth + 1) for v in value.values())
    if hasattr(value, "__dict__") and not isinstance(value, (nn.Module, type)):
        return _contains_nan(vars(value), depth + 1)
    return False


def _parameters(fn: Callable) -> dict[str, inspect.Parameter]:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}
    return {k: p for k, p in params.items()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and k != "self"}


def _fuzz(report: Report, what: str, call: Callable[[dict], Any], fn: Callable,
          example: Example) -> None:
    """Fuzz one callable: ``call(kwargs)`` calls it, ``fn`` gives its signature."""
    import matplotlib.pyplot as plt

    params = _parameters(fn)
    try:
        call(example.fresh_args())
    except Exception as err:  # the example itself must be valid
        report.problems.append(f"{what}: the example call raised {type(err).__name__}: {err}")
        return
    finally:
        plt.close("all")
    base = example.fresh_args()
    names = list(base)
    for k, p in params.items():
        if k not in base and p.default is not p.empty and p.default is not None:
            names.append(k)
    if example.fuzz is not None:
        names = [k for k in names if k in example.fuzz]
    for arg in names:
        default = params[arg].default if arg in params else inspect.Parameter.empty
        valid = base[arg] if arg in base else default
        tensors = [v for k, v in base.items() if k != arg and isinstance(v, torch.Tensor)]
        candidates = list(bad_values(valid, default_is_none=default is None,
                                     others=tensors))
        candidates += list(example.bad.get(arg, {}).items())
        for label, bad in candidates:
            report.tried += 1
            args = example.fresh_args()
            args[arg] = bad
            where = f"{what}({arg}=<{label}>)"
            reason = _accepted(example.accept, arg, label)
            try:
                out = call(args)
            except Exception as err:
                if reason is not None and not isinstance(reason, Propagates):
                    # Accepted: whatever the reader's own code (a model, a loss)
                    # then makes of the value is not dlbook's to check.
                    report.accepted.append(f"{where}: {reason}")
                    continue
                if not isinstance(err, (TypeError, ValueError)):
                    report.problems.append(f"{where}: {type(err).__name__}: {err}")
                    continue
                named = re.search(rf"(?<![A-Za-z0-9_]){re.escape(arg)}(?![A-Za-z0-9_])",
                                  str(err))
                if not _raised_by_dlbook(err):
                    report.problems.append(f"{where}: {type(err).__name__} from outside "
                                           f"dlbook: {err}")
                elif not named:
                    report.problems.append(f"{where}: the message does not name "
                                           f"{arg!r}: {err}")
                continue
            finally:
                plt.close("all")
            if reason is None:
                report.problems.append(f"{where}: accepted without a reason")
            elif (isinstance(reason, Propagates) and label.split(":")[-1] == "nan"
                  and not _contains_nan(out)):
                report.problems.append(f"{where}: accepted as propagating NaN, but the "
                                       "result has no NaN")
            else:
                report.propagated += isinstance(reason, Propagates)
                report.accepted.append(f"{where}: {reason}")
        if not example.forms:
            continue
        for form, good in other_forms(valid):
            args = example.fresh_args()
            args[arg] = good
            try:
                call(args)
            except Exception as err:
                report.problems.append(f"{what}({arg}=<{form}>): a good value in "
                                       f"another form raised {type(err).__name__}: {err}")
            finally:
                plt.close("all")


def _call(fn: Callable, args: dict) -> Any:
    return fn(**args)


def run_example(name: str, obj: Any, example: Example) -> Report:
    """Fuzz ``obj`` (and the methods its example lists) as its example says."""
    report = Report(name)
    if example.record is not None:
        report.accepted.append(f"{name}: {example.record}")
        return report
    _fuzz(report, name.rsplit(".", 1)[1], lambda a: _call(obj, a), obj, example)
    for method, method_example in example.methods.items():
        def call(a, method=method):
            instance = obj(**example.fresh_args())
            if method == "forward":
                return instance(**a)
            return getattr(instance, method)(**a)
        _fuzz(report, f"{name.rsplit('.', 1)[1]}.{method}", call,
              getattr(obj, method), method_example)
    return report


def needs_forward(obj: Any) -> bool:
    """Whether ``obj`` is a dlbook module class, whose forward must be fuzzed."""
    return inspect.isclass(obj) and issubclass(obj, nn.Module)


def checks_in(*modules: str) -> dict[str, Example]:
    """Examples for every ``check_*`` of the given ``dlbook.checks`` modules.

    A check takes the reader's function; the example passes one that answers
    ``None`` (a wrong answer, and a valid call: the check reports it). What checks
    do with right and wrong answers is tested in ``tests/checks``.
    """
    examples = {}
    for module_name in modules:
        module = importlib.import_module(module_name)
        for name, fn in vars(module).items():
            if name.startswith("check_") and inspect.isfunction(fn) \
                    and fn.__module__ == module_name:
                first = next(iter(inspect.signature(fn).parameters))
                examples[f"{module_name}.{name}"] = Example({first: _answers_none})
    return examples


def _answers_none(*args, **kwargs) -> None:
    """A reader's function that returns nothing."""
