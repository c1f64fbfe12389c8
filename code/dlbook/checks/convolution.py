"""Checks for the code exercises of the chapter *Convolution*.

Each check runs the reader's function on inputs chosen to expose one typical
mistake at a time (a forgotten dilation, an off-by-one in the output size, a
kernel that is not flipped, the channel axes of the weight swapped) and says
which one it found, without printing the expected values.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from . import (CheckResult, as_int, as_tensor, call_answer, compare_tensors, failed, passed,
               require_callable, tolerances)


def _tolerances(want: torch.Tensor) -> dict[str, float]:
    """What a right answer that adds up in float32 can reach, whatever dtype it returns."""
    atol, rtol = tolerances(torch.zeros((), dtype=torch.float32), 1e-8, 1e-6,
                            float(want.abs().max()))
    return dict(atol=atol, rtol=rtol)


def _wrong_shape(got, want: torch.Tensor) -> bool:
    got = as_tensor(got)
    return isinstance(got, torch.Tensor) and got.shape != want.shape


def _size(n: int, k: int, s: int, p: int, d: int) -> int:
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


# Groups of (size, kernel_size, stride, padding, dilation), each exercising one
# more ingredient of the formula than the groups before it, with the hint for a
# mistake first seen there.
_SIZE_CASES = [
    ("with stride 1, no padding and no dilation", [(5, 3, 1, 0, 1), (8, 1, 1, 0, 1),
                                                   (28, 5, 1, 0, 1), (4, 4, 1, 0, 1)],
     "slide a kernel of size k over n pixels by hand: how many positions fit?"),
    ("with padding", [(5, 3, 1, 1, 1), (28, 5, 1, 2, 1), (7, 3, 1, 2, 1)],
     "padding p adds p pixels on *each* side of the input."),
    ("with a stride that divides evenly", [(7, 3, 2, 0, 1), (9, 3, 3, 0, 1),
                                           (32, 2, 2, 0, 1)],
     "with stride s only every s-th position is kept: divide the number of "
     "extra positions by s, then count the first one."),
    ("with a stride that does not divide evenly", [(8, 3, 2, 0, 1), (10, 3, 3, 1, 1),
                                                  (6, 2, 4, 0, 1)],
     "a window that would stick out past the border is dropped: round down (floor)."),
    ("with dilation", [(7, 3, 1, 0, 2), (9, 3, 2, 1, 3), (16, 2, 1, 0, 4)],
     "a kernel of size k with dilation d spans d * (k - 1) + 1 input pixels."),
]


def check_output_size(fn: Callable) -> CheckResult:
    """Check ``fn(size, kernel_size, stride, padding, dilation) -> int``."""
    name = "check_output_size"
    require_callable("fn", fn)
    for label, cases, hint in _SIZE_CASES:
        for case in cases:
            got, problem = call_answer(name, fn, *case)
            if problem is not None:
                return problem
            if isinstance(got, torch.Tensor) and got.numel() == 1:
                got = got.item()
            got = as_int(got) if as_int(got) is not None else got
            if isinstance(got, float):
                if float(got).is_integer() and int(got) == _size(*case):
                    return failed(name, "your function returns a float; an output size "
                                  "is a whole number of pixels",
                                  "use integer (floor) division //.")
                return failed(name, f"the size is wrong {label}, and not a whole number",
                              "use integer (floor) division //.")
            if not isinstance(got, int) or isinstance(got, bool):
                return failed(name, f"your function should return an int, got "
                              f"{type(got).__name__}")
            want = _size(*case)
            if got != want:
                off = " (off by one)" if abs(got - want) == 1 else ""
                return failed(name, f"the size is wrong {label}{off}: for size, "
                              f"kernel_size, stride, padding, dilation = {case}",
                              hint)
    return passed(name, "your formula agrees with PyTorch on every case.")


def _true_conv(image: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    return F.conv2d(image[None, None], kernel.flip(0, 1)[None, None])[0, 0]


def check_convolve2d(fn: Callable) -> CheckResult:
    """Check ``fn(image, kernel)``: the true 2-D convolution, "valid" size, of 2-D tensors."""
    name = "check_convolve2d"
    require_callable("fn", fn)
    g = torch.Generator().manual_seed(0)
    cases = [(torch.randn(6, 7, generator=g, dtype=torch.float64),
              torch.randn(3, 3, generator=g, dtype=torch.float64)),
             (torch.randn(5, 8, generator=g, dtype=torch.float64),
              torch.randn(2, 4, generator=g, dtype=torch.float64)),
             (torch.randn(4, 4, generator=g, dtype=torch.float64),
              torch.randn(1, 1, generator=g, dtype=torch.float64))]
    for image, kernel in cases:
        got, problem = call_answer(name, fn, image.clone(), kernel.clone())
        if problem is not None:
            return problem
        want = _true_conv(image, kernel)
        tol = _tolerances(want)
        if isinstance(got, torch.Tensor) and got.shape == want.shape:
            got = got.to(want.dtype)
            near = lambda other: torch.allclose(got, other, **tol)  # noqa: E731
            k = kernel[None, None]
            if not near(want):
                if near(F.conv2d(image[None, None], k)[0, 0]):
                    return failed(name, "you computed a cross-correlation: the kernel is "
                                  "not flipped", "in a convolution, kernel entry (u, v) "
                                  "multiplies the input at (i - u, j - v).")
                if near(F.conv2d(image[None, None], k.flip(2))[0, 0]) or near(
                        F.conv2d(image[None, None], k.flip(3))[0, 0]):
                    return failed(name, "the kernel is flipped along one axis only",
                                  "a convolution flips the kernel along both axes "
                                  "(a rotation by 180 degrees).")
                if kernel.shape[0] == kernel.shape[1] and near(
                        F.conv2d(image[None, None], k.transpose(2, 3))[0, 0]):
                    return failed(name, "you transposed the kernel instead of flipping it",
                                  "a transpose mirrors across the diagonal; a "
                                  "convolution rotates the kernel by 180 degrees.")
        problem = compare_tensors(name, got, want, **tol, what="the convolution")
        if problem is not None:
            if _wrong_shape(got, want):
                return failed(name, problem.message, "a 'valid' convolution of an "
                              "(H, W) image with a (kh, kw) kernel is (H - kh + 1, "
                              "W - kw + 1).")
            return failed(name, problem.message, "work out one output pixel by hand "
                          "from the formula and compare it with your function's.")
    return passed(name, "your function computes a true convolution.")


def _ref_conv(x, w, stride=1, padding=0, dilation=1):
    return F.conv2d(x, w, stride=stride, padding=padding, dilation=dilation)


def check_conv2d(fn: Callable) -> CheckResult:
    """Check ``fn(x, weight, stride, padding, dilation)`` against ``F.conv2d`` (no bias)."""
    name = "check_conv2d"
    require_callable("fn", fn)
    g = torch.Generator().manual_seed(1)

    def rand(*shape):
        return torch.randn(*shape, generator=g, dtype=torch.float64)

    cases = [
        ("for one channel in and out", rand(1, 1, 6, 7), rand(1, 1, 3, 2), {}),
        ("with 3 input and 3 output channels", rand(2, 3, 6, 6), rand(3, 3, 3, 3), {}),
        ("with 2 input and 4 output channels", rand(2, 2, 5, 6), rand(4, 2, 2, 3), {}),
        ("with stride 2", rand(1, 2, 7, 8), rand(3, 2, 3, 3), dict(stride=2)),
        ("with padding 1", rand(1, 2, 5, 5), rand(3, 2, 3, 3), dict(padding=1)),
        ("with dilation 2", rand(1, 2, 9, 8), rand(3, 2, 3, 3), dict(dilation=2)),
        ("with stride 2, padding 2 and dilation 2", rand(2, 3, 9, 10), rand(2, 3, 3, 2),
         dict(stride=2, padding=2, dilation=2)),
    ]
    hints = {
        "with stride 2": "output pixel (i, j) starts reading at input (i * stride, "
                         "j * stride).",
        "with padding 1": "pad the input with zeros on all four sides before sliding "
                          "the kernel.",
        "with dilation 2": "kernel tap (u, v) reads the input dilation * u rows and "
                           "dilation * v columns away from the window's corner.",
    }
    for label, x, w, kwargs in cases:
        got, problem = call_answer(name, fn, x.clone(), w.clone(), **{
            "stride": 1, "padding": 0, "dilation": 1, **kwargs})
        if problem is not None:
            return problem
        want = _ref_conv(x, w, **kwargs)
        tol = _tolerances(want)
        if isinstance(got, torch.Tensor) and got.shape == want.shape and not torch.allclose(
                got.to(want.dtype), want, **tol):
            got64 = got.to(want.dtype)
            if torch.allclose(got64, _ref_conv(x, w.flip(2, 3), **kwargs), **tol):
                return failed(name, f"your layer flips the kernel ({label})",
                              "a convolution layer computes a cross-correlation: kernel "
                              "entry (u, v) multiplies the input at (i + u, j + v).")
            if w.shape[0] == w.shape[1] and torch.allclose(
                    got64, _ref_conv(x, w.transpose(0, 1), **kwargs), **tol):
                return failed(name, f"the channel axes of the weight are swapped ({label})",
                              "weight has shape (C_out, C_in, kh, kw): output channel o "
                              "uses weight[o], summed over the input channels.")
        if isinstance(got, torch.Tensor) and got.shape != want.shape and "dilation" in str(
                kwargs) and got.shape == _ref_conv(x, w, stride=kwargs.get("stride", 1),
                                                   padding=kwargs.get("padding", 0)).shape:
            return failed(name, f"the output has the size of an undilated kernel ({label})",
                          hints["with dilation 2"])
        problem = compare_tensors(name, got, want, **tol, what=f"the output {label}")
        if problem is not None:
            hint = hints.get(label, "write out the formula for one output pixel and "
                                    "compare it with your loop.")
            if _wrong_shape(got, want) and "channels" in label:
                hint = "the output is (N, C_out, H_out, W_out) with C_out = weight.shape[0]."
            return failed(name, problem.message, hint)
    return passed(name, "your layer agrees with torch.nn.functional.conv2d.")
