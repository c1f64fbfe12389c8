"""Checks for the code exercises of the chapter *LeNet*."""

from __future__ import annotations

from typing import Callable

import torch

from . import CheckResult, as_int, as_tensor, call_answer, failed, passed, require_callable


def _params(c_in: int, c_out: int, k: int, bias: bool) -> int:
    return c_out * c_in * k * k + (c_out if bias else 0)


def check_conv_params(fn: Callable) -> CheckResult:
    """Check ``fn(c_in, c_out, kernel_size, bias=True) -> int``.

    The number of learnable numbers in a ``nn.Conv2d`` with a square kernel.
    """
    name = "check_conv_params"
    require_callable("fn", fn)
    cases = [(1, 6, 5, True), (6, 16, 5, True), (3, 64, 3, False),
             (16, 32, 1, True), (4, 2, 7, False)]
    for c_in, c_out, k, bias in cases:
        got, problem = call_answer(name, fn, c_in, c_out, k, bias=bias)
        if problem is not None:
            return problem
        if as_int(got) is None:
            return failed(name, f"your function should return an int, got "
                          f"{type(got).__name__}", "a count is a whole number.")
        got = as_int(got)
        want = _params(c_in, c_out, k, bias)
        if got == want:
            continue
        case = f"(c_in={c_in}, c_out={c_out}, kernel_size={k}, bias={bias})"
        if bias and got == want - c_out:
            return failed(name, f"the biases are missing for {case}",
                          "every output channel has one bias.")
        if not bias and got == want + c_out:
            return failed(name, f"you count biases when bias=False {case}")
        if got == c_out * (k * k + bias):
            return failed(name, f"the count ignores the input channels {case}",
                          "each filter has a k x k slice for every input "
                          "channel.")
        if got == c_out * (c_in * k + bias):
            return failed(name, f"the kernel is counted as k, not k x k {case}")
        if bias and got == c_out * c_in * (k * k + 1):
            return failed(name, f"the biases are counted once per input "
                          f"channel {case}", "a filter sums over all input "
                          "channels and then adds one bias.")
        return failed(name, f"wrong count for {case}", "count the weight "
                      "tensor's entries, then add the bias vector's.")
    return passed(name, "your count matches nn.Conv2d.")


def _shift(x: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """x shifted down by dy and right by dx, zeros where nothing comes in."""
    out = torch.zeros_like(x)
    h, w = x.shape[-2:]
    out[..., max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        x[..., max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def _find_shift(out: torch.Tensor, x: torch.Tensor, reach: int):
    for dy in range(-reach, reach + 1):
        for dx in range(-reach, reach + 1):
            if torch.equal(out, _shift(x, dy, dx)):
                return dy, dx
    return None


def _same(got, want: torch.Tensor) -> bool:
    got = as_tensor(got)
    return isinstance(got, torch.Tensor) and got.shape == want.shape and bool(
        torch.equal(got.to(want.dtype), want))


def check_random_shift(fn: Callable) -> CheckResult:
    """Check ``fn(x, max_shift, generator)``: shift each image by a random offset.

    Every image of ``x`` (``(N, C, H, W)``) must be moved by its own random
    whole number of pixels, from ``-max_shift`` to ``max_shift`` along each
    axis, with zeros where nothing comes in, using only ``generator``.
    """
    name = "check_random_shift"
    require_callable("fn", fn)
    n, m = 200, 2
    # Distinct positive values: a shifted copy is recognised exactly.
    x = torch.arange(1.0, n * 2 * 8 * 8 + 1).reshape(n, 2, 8, 8)
    out, problem = call_answer(name, fn, x.clone(), m, torch.Generator().manual_seed(0))
    if problem is not None:
        return problem
    out = as_tensor(out)
    if not isinstance(out, torch.Tensor) or out.shape != x.shape:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        return failed(name, f"the result should be a tensor of shape "
                      f"{tuple(x.shape)}, got {shape}",
                      "shift within the image: the size does not change.")
    shifts = []
    for i in range(n):
        found = _find_shift(out[i], x[i], m + 2)
        if found is None:
            rolled = any(torch.equal(out[i], x[i].roll((dy, dx), (-2, -1)))
                         for dy in range(-m, m + 1) for dx in range(-m, m + 1))
            if rolled:
                return failed(name, "pixels that leave one side come back on "
                              "the other (wrap-around)", "torch.roll wraps; "
                              "fill the uncovered border with zeros instead.")
            if _find_shift(out[i, :1], x[i, :1], m + 2) is not None:
                return failed(name, "the channels of one image are shifted "
                              "differently", "draw one offset per image, and "
                              "use it for all its channels.")
            return failed(name, f"image {i} of the result is not a shifted "
                          "copy of the input image", "move the whole image by "
                          "a whole number of pixels; fill with zeros.")
        shifts.append(found)
    offsets = torch.tensor(shifts)
    if offsets.abs().max() > m:
        return failed(name, f"some images move by more than max_shift={m} "
                      "pixels")
    if len(set(shifts)) == 1:
        return failed(name, "every image gets the same offset",
                      "draw a separate offset for each image of the batch.")
    if not ((offsets == m).any() and (offsets == -m).any()):
        return failed(name, f"with max_shift={m} the offsets never reach "
                      f"{-m} or {m}", "torch.randint(low, high) excludes high.")
    if (offsets[:, 0] == offsets[:, 1]).all():
        return failed(name, "the vertical and horizontal offsets are always "
                      "equal", "draw them separately.")
    zero, problem = call_answer(name, fn, x.clone(), 0,
                                torch.Generator().manual_seed(0))
    if problem is not None:
        return problem
    if not _same(zero, x):
        return failed(name, "with max_shift=0 the images should not change")
    torch.manual_seed(123)
    again, problem = call_answer(name, fn, x.clone(), m,
                                 torch.Generator().manual_seed(0))
    if problem is not None:
        return problem
    if not _same(again, out):
        return failed(name, "the same generator seed gives different shifts",
                      "pass generator=generator to every torch.randint / "
                      "torch.rand call, so that the global seed plays no part.")
    return passed(name, "each image moves by its own random offset, with zero "
                  "fill.")
