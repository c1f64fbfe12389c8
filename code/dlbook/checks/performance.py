"""Checks for the code exercises of the chapter *Performance*.

Each check runs the reader's function on inputs built to expose one typical
mistake at a time, without printing the expected values.
"""

from __future__ import annotations

import copy
from typing import Callable

import torch
from torch import nn

from ..scale.memory import optimizer_state_bytes
from . import CheckResult, as_int, as_number, call_answer, failed, passed, require_callable


def _models() -> dict[str, nn.Module]:
    torch.manual_seed(0)
    return {
        "a float32 MLP": nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3)),
        "a small float32 CNN": nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(),
                                             nn.Linear(4 * 6 * 6, 10)),
        "a float64 MLP": nn.Sequential(nn.Linear(5, 7), nn.Tanh(),
                                       nn.Linear(7, 2)).double(),
    }


def _adam_state_after_one_step(model: nn.Module) -> int:
    model = copy.deepcopy(model)
    optimizer = torch.optim.Adam(model.parameters())
    for p in model.parameters():
        p.grad = torch.ones_like(p)
    optimizer.step()
    return optimizer_state_bytes(optimizer)


def check_adam_state_bytes(fn: Callable[[nn.Module], int]) -> CheckResult:
    """Check ``fn(model)``: the bytes of the state ``torch.optim.Adam`` keeps for
    ``model``'s parameters after its first step. Chapter: *Performance*.
    """
    name = "adam_state_bytes"
    require_callable("fn", fn)
    for what, model in _models().items():
        got, problem = call_answer(name, fn, model)
        if problem is not None:
            return problem
        number = as_number(got)
        if number is None or not number.is_integer():
            return failed(name, f"for {what} return a whole number of bytes, got "
                          f"{got!r}" if number is not None else
                          f"for {what} return a number of bytes, got {type(got).__name__}",
                          "an int: bytes are counted, not measured.")
        got = as_int(got) if as_int(got) is not None else int(number)
        want = _adam_state_after_one_step(model)
        if got == want:
            continue
        params = list(model.parameters())
        moment = sum(p.numel() * p.element_size() for p in params)
        steps = 4 * len(params)
        near_misses = {
            moment + steps: "Adam keeps two moments per parameter: the mean of the "
                            "gradients and the mean of their squares.",
            2 * moment: "Adam also keeps a step count, a float32 number, for every "
                        "parameter tensor.",
            2 * 4 * sum(p.numel() for p in params) + steps:
                "a number takes p.element_size() bytes: 8 in a float64 model, not 4.",
        }
        hint = near_misses.get(got, "count the two moments and the step count of every "
                                    "parameter tensor.")
        return failed(name, f"for {what} you counted {got} bytes, which is "
                      f"{'too many' if got > want else 'too few'}", hint)
    return passed(name, "your counts agree with the state of a real Adam step on every "
                  "model tried.")
