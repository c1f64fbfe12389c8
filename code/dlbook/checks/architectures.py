"""Checks for the code exercises of the chapter *Architectures*.

Each check runs the reader's answer on cases chosen to expose one typical
mistake at a time (a forgotten bias or input channel, the input size used
where the output size belongs, a skip path whose shape does not match the
main path) and says which one it found, without printing the expected values.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import nn

from . import CheckResult, as_int, as_number, call_answer, failed, passed, require_callable


def _as_int(name: str, got: Any) -> tuple[int | None, CheckResult | None]:
    number = as_number(got)
    if as_int(got) is None and (number is None or not number.is_integer()):
        return None, failed(name, f"your function should return an int, got "
                            f"{type(got).__name__}", "a count is a whole number.")
    return int(number), None


# ---------------------------------------------------------------------------
# Parameters of a convolution
# ---------------------------------------------------------------------------

# (in_channels, out_channels, kernel_size, bias): channel counts and kernel sizes
# all differ, so that each mistake gives a different number.
_PARAM_CASES = [(2, 8, 3, True), (16, 32, 5, True), (7, 5, 2, True), (64, 128, 3, True),
                (6, 4, 1, True), (16, 32, 5, False), (2, 8, 3, False)]


def check_conv_params(fn: Callable) -> CheckResult:
    """Check ``fn(in_channels, out_channels, kernel_size, bias=True) -> int``.

    The answer is the number of parameters of ``nn.Conv2d`` with a square kernel.
    """
    name = "check_conv_params"
    require_callable("fn", fn)
    for c_in, c_out, k, bias in _PARAM_CASES:
        got, problem = call_answer(name, fn, c_in, c_out, k, bias=bias)
        if problem is not None:
            return problem
        got, problem = _as_int(name, got)
        if problem is not None:
            return problem
        weights = k * k * c_in * c_out
        want = weights + (c_out if bias else 0)
        if got == want:
            continue
        case = f"for in_channels={c_in}, out_channels={c_out}, kernel_size={k}, bias={bias}"
        if bias and got == weights:
            return failed(name, f"the count is short by exactly the biases {case}",
                          "every output channel (every filter) has one bias.")
        if not bias and got == weights + c_out:
            return failed(name, f"you counted biases although bias=False {case}",
                          "with bias=False the layer has weights only.")
        if bias and got in (weights + c_in, weights + c_in * c_out, 2 * weights):
            return failed(name, f"the number of biases is wrong {case}",
                          "there is one bias per filter, that is per output channel.")
        if got in (k * k * c_out + (c_out if bias else 0), k * k * c_out,
                   k * k * c_in + (1 if bias else 0)):
            return failed(name, f"the input channels or the output channels are missing "
                          f"{case}", "each of the out_channels filters is a k x k x "
                          "in_channels block of weights.")
        if got in ((k * c_in + 1) * c_out, k * c_in * c_out, (2 * k * c_in + 1) * c_out):
            return failed(name, f"the kernel size enters the count in the wrong way {case}",
                          "a k x k kernel has k * k positions.")
        return failed(name, f"the count is wrong {case}",
                      "count the weights of one filter, add its bias, then multiply by "
                      "the number of filters.")
    return passed(name, "your count agrees with nn.Conv2d on every case.")


# ---------------------------------------------------------------------------
# Multiply-accumulates of a convolution
# ---------------------------------------------------------------------------


def _out(n: int, k: int, s: int, p: int) -> int:
    return (n + 2 * p - k) // s + 1


# (in_channels, out_channels, kernel_size, height, width, stride, padding)
_MAC_CASES = [
    ("with stride 1 and no padding", [(3, 8, 3, 10, 12, 1, 0), (4, 6, 5, 9, 9, 1, 0)]),
    ("with padding", [(3, 8, 3, 10, 12, 1, 1), (2, 5, 5, 7, 11, 1, 2)]),
    ("with stride 2", [(3, 8, 3, 16, 12, 2, 1), (4, 4, 3, 15, 9, 2, 0),
                       (5, 7, 1, 9, 13, 2, 0)]),
    ("with stride 3", [(2, 3, 3, 14, 17, 3, 1)]),
]


def check_conv_macs(fn: Callable) -> CheckResult:
    """Check ``fn(in_channels, out_channels, kernel_size, height, width, stride=1,
    padding=0) -> int``: multiply-accumulates of ``nn.Conv2d`` on one image."""
    name = "check_conv_macs"
    require_callable("fn", fn)
    for label, cases in _MAC_CASES:
        for c_in, c_out, k, h, w, s, p in cases:
            got, problem = call_answer(name, fn, c_in, c_out, k, h, w, stride=s, padding=p)
            if problem is not None:
                return problem
            got, problem = _as_int(name, got)
            if problem is not None:
                return problem
            per_output = k * k * c_in
            ho, wo = _out(h, k, s, p), _out(w, k, s, p)
            want = per_output * c_out * ho * wo
            if got == want:
                continue
            case = (f"{label}: in_channels={c_in}, out_channels={c_out}, kernel_size={k}, "
                    f"height={h}, width={w}, stride={s}, padding={p}")
            if got == per_output * c_out * h * w:
                return failed(name, f"you counted one dot product per *input* pixel {case}",
                              "the layer computes one dot product per output pixel and "
                              "output channel; work out the output size first.")
            if got == per_output * c_out:
                return failed(name, f"your count does not grow with the image {case}",
                              "that is the number of weights; every output pixel reuses "
                              "them.")
            if got == per_output * c_out * _out(h, k, 1, p) * _out(w, k, 1, p):
                return failed(name, f"the stride is not taken into account {case}",
                              "a stride s keeps only every s-th window in each direction.")
            if got == per_output * c_out * _out(h, k, s, 0) * _out(w, k, s, 0):
                return failed(name, f"the padding is not taken into account {case}",
                              "padding p adds p pixels on each side before the windows "
                              "are counted.")
            if got in (k * k * c_out * ho * wo, k * c_in * c_out * ho * wo):
                return failed(name, f"the length of one dot product is wrong {case}",
                              "one output value needs k * k * in_channels products.")
            if any(got == per_output * c_out * a * b for a in (ho - 1, ho, ho + 1)
                   for b in (wo - 1, wo, wo + 1)):
                return failed(name, f"the output size is off by one {case}",
                              "count by hand how many windows fit in a small example.")
            return failed(name, f"the count is wrong {case}",
                          "MACs = (length of one dot product) x (number of outputs).")
    return passed(name, "your count agrees with the formula on every case.")


# ---------------------------------------------------------------------------
# A residual block
# ---------------------------------------------------------------------------

# (in_channels, out_channels, stride): the identity case first, then the cases
# that need a projection on the skip path.
_BLOCK_CASES = [(8, 8, 1), (8, 16, 1), (8, 16, 2), (16, 8, 2), (6, 6, 2)]


def check_residual_block(make_block: Callable) -> CheckResult:
    """Check ``make_block(in_channels, out_channels, stride) -> nn.Module``.

    The block maps ``(N, in_channels, H, W)`` to
    ``(N, out_channels, ceil(H / stride), ceil(W / stride))`` and adds its input
    (through a projection where the shape changes) to the output of its main
    path.
    """
    name = "check_residual_block"
    require_callable("make_block", make_block)
    gen = torch.Generator().manual_seed(0)
    for c_in, c_out, stride in _BLOCK_CASES:
        case = f"in_channels={c_in}, out_channels={c_out}, stride={stride}"
        block, problem = call_answer(name, make_block, c_in, c_out, stride)
        if problem is not None:
            return problem
        if not isinstance(block, nn.Module):
            return failed(name, f"make_block should return an nn.Module, got "
                          f"{type(block).__name__}", "return an instance of your block.")
        x = torch.randn(2, c_in, 8, 8, generator=gen)
        original = x.clone()
        try:
            out = block(x)
        except RuntimeError as err:
            if "size" in str(err) or "match" in str(err) or "shape" in str(err):
                return failed(name, f"adding the two paths fails for {case}: the skip "
                              "path has a different shape from the main path",
                              "when the channels or the resolution change, the skip path "
                              "needs a 1x1 convolution with the same stride.")
            return failed(name, f"your block raised RuntimeError for {case}: {err}")
        except Exception as err:  # the reader's code may raise anything
            return failed(name, f"your block raised {type(err).__name__} for {case}: {err}")
        if not torch.equal(x, original):
            return failed(name, f"your block changed its input in place for {case}",
                          "an in-place ReLU or += on x overwrites the input that the "
                          "skip path still needs.")
        want = (2, c_out, -(-8 // stride), -(-8 // stride))
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != want:
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            return failed(name, f"the output has shape {shape} for {case}, expected {want}",
                          "the first convolution of the main path and the projection "
                          "on the skip path both use the stride.")
    # With every weight at zero, the main path outputs zeros and only the skip
    # path is left: an identity block must then pass its input through.
    block = make_block(8, 8, 1)
    block.eval()
    with torch.no_grad():
        for p in block.parameters():
            p.zero_()
        x = torch.randn(2, 8, 8, 8, generator=gen)
        out = block(x.clone())
    if not (torch.allclose(out, x, atol=1e-5) or torch.allclose(out, torch.relu(x),
                                                               atol=1e-5)):
        if out.abs().max() < 1e-6:
            return failed(name, "with all its weights at zero your block outputs zeros: "
                          "the input does not reach the output through a skip path",
                          "add the block's input to the output of the main path; when "
                          "the shape is kept, the skip path is the identity (no layer).")
        return failed(name, "with all its weights at zero your block should return its "
                      "input (or its ReLU) when the shape is kept, and it does not",
                      "when in_channels == out_channels and stride == 1, the skip path is "
                      "the identity.")
    return passed(name, "your block has the right shapes and a working skip path.")
