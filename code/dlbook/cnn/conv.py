"""Convolution and pooling from scratch, and the arithmetic of receptive fields.

Two versions of the same 2-D convolution layer: ``conv2d_loop`` visits every
output pixel in a Python loop and is the formula written out, and
``conv2d_im2col`` gathers every input patch into a column (``unfold``,
"im2col") and does the whole layer with one matrix product, which is how fast
libraries did it for years. Both agree with ``torch.nn.functional.conv2d`` in
values and gradients; like it, they compute a cross-correlation (the kernel is
not flipped). ``conv_transpose2d`` is the adjoint of a convolution, the map that
its backward pass applies to the gradient, and a layer that upsamples.
Chapter: *Convolution*.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .._args import check_float, check_int, check_sequence, check_tensor
from .._args import check_pair as _pair

IntPair = int | tuple[int, int]


def conv_output_size(size: int, kernel_size: int, stride: int = 1,
                     padding: int = 0, dilation: int = 1) -> int:
    """Output length of a convolution or pooling along one axis.

    ``(size + 2 padding - dilation (kernel_size - 1) - 1) // stride + 1``;
    raises ``ValueError`` when the dilated kernel does not fit in the
    padded input. Chapter: *Convolution*.
    """
    size = check_int("size", size, minimum=1)
    kernel_size = check_int("kernel_size", kernel_size, minimum=1)
    stride = check_int("stride", stride, minimum=1)
    padding = check_int("padding", padding, minimum=0)
    dilation = check_int("dilation", dilation, minimum=1)
    span = dilation * (kernel_size - 1) + 1  # input pixels the kernel spans
    if span > size + 2 * padding:
        raise ValueError(
            f"kernel_size {kernel_size} with dilation {dilation} spans "
            f"{span} pixels, more than the padded input "
            f"({size} + 2 * {padding})")
    return (size + 2 * padding - span) // stride + 1


def _output_shape(name: str, height: int, width: int,
                  kernel: tuple[int, int], stride: tuple[int, int],
                  padding: tuple[int, int],
                  dilation: tuple[int, int]) -> tuple[int, int]:
    out = []
    for axis, size, k, s, p, d in zip(("height", "width"), (height, width),
                                      kernel, stride, padding, dilation):
        span = d * (k - 1) + 1
        if span > size + 2 * p:
            raise ValueError(
                f"{name} is larger than the padded input in {axis}: the "
                f"kernel spans {span} pixels (kernel {k}, dilation {d}), "
                f"the padded input has {size + 2 * p}")
        out.append((size + 2 * p - span) // s + 1)
    return out[0], out[1]


def unfold(x: torch.Tensor, kernel_size: IntPair, stride: IntPair = 1,
           padding: IntPair = 0, dilation: IntPair = 1,
           pad_value: float = 0.0) -> torch.Tensor:
    """im2col: every patch a kernel sees, as one column of a matrix.

    ``x`` is ``(N, C, H, W)``; the result is ``(N, C * kh * kw, L)`` with
    ``L`` the number of output positions, ordered like
    ``torch.nn.functional.unfold`` (channel slowest, then kernel row, then
    kernel column). ``pad_value`` fills the border (``-inf`` for max
    pooling). Chapter: *Convolution*.
    """
    check_tensor("x", x, ndim=4, floating=True)
    kh, kw = _pair("kernel_size", kernel_size, 1)
    sh, sw = _pair("stride", stride, 1)
    ph, pw = _pair("padding", padding, 0)
    dh, dw = _pair("dilation", dilation, 1)
    n, c, h, w = x.shape
    h_out, w_out = _output_shape("kernel_size", h, w, (kh, kw), (sh, sw),
                                 (ph, pw), (dh, dw))
    pad_value = check_float("pad_value", pad_value, finite=False)  # -inf for max pooling
    xp = F.pad(x, (pw, pw, ph, ph), value=pad_value)
    # Padded-input row read by kernel row u for output row i: u dh + i sh.
    rows = (torch.arange(kh) * dh)[:, None] + torch.arange(h_out) * sh
    cols = (torch.arange(kw) * dw)[:, None] + torch.arange(w_out) * sw
    # One gather builds all patches: (N, C, kh, kw, H_out, W_out).
    patches = xp[:, :, rows[:, None, :, None], cols[None, :, None, :]]
    return patches.reshape(n, c * kh * kw, h_out * w_out)


def _check_tensors(x: torch.Tensor, weight: torch.Tensor, groups: int) -> int:
    """``x`` and ``weight`` 4-D floating tensors of one dtype; returns ``groups``."""
    check_tensor("x", x, ndim=4, floating=True)
    check_tensor("weight", weight, ndim=4, floating=True)
    if x.dtype != weight.dtype:
        raise TypeError(f"x and weight must have the same dtype, got "
                        f"{x.dtype} and {weight.dtype}")
    return check_int("groups", groups, minimum=1)


def _check_bias(bias: torch.Tensor | None, c_out: int) -> None:
    if bias is not None:
        check_tensor("bias", bias, ndim=1, floating=True)
        if len(bias) != c_out:
            raise ValueError(
                f"bias must have one entry per output channel of weight ({c_out}), "
                f"got shape {tuple(bias.shape)}")


def _check_conv(x: torch.Tensor, weight: torch.Tensor,
                bias: torch.Tensor | None, groups: int) -> int:
    groups = _check_tensors(x, weight, groups)
    c_in, c_out = x.shape[1], weight.shape[0]
    if c_in % groups or c_out % groups:
        raise ValueError(
            f"groups must divide the input channels of x ({c_in}) and the "
            f"output channels of weight ({c_out}), got groups={groups}")
    if weight.shape[1] * groups != c_in:
        raise ValueError(
            f"weight of shape {tuple(weight.shape)} expects "
            f"{weight.shape[1] * groups} input channels "
            f"(weight.shape[1] * groups), but x has {c_in} channels")
    _check_bias(bias, c_out)
    return groups


def conv2d_loop(x: torch.Tensor, weight: torch.Tensor,
                bias: torch.Tensor | None = None, stride: IntPair = 1,
                padding: IntPair = 0, dilation: IntPair = 1,
                groups: int = 1) -> torch.Tensor:
    """2-D convolution (cross-correlation) by a loop over output pixels.

    ``x`` is ``(N, C_in, H, W)``, ``weight`` is
    ``(C_out, C_in / groups, kh, kw)``, ``bias`` is ``(C_out,)`` or None:
    the arguments and result of ``torch.nn.functional.conv2d``. Slow on
    purpose: the formula, one output pixel at a time.
    Chapter: *Convolution*.
    """
    groups = _check_conv(x, weight, bias, groups)
    sh, sw = _pair("stride", stride, 1)
    ph, pw = _pair("padding", padding, 0)
    dh, dw = _pair("dilation", dilation, 1)
    n, c_in, h, w = x.shape
    c_out, c_group, kh, kw = weight.shape
    h_out, w_out = _output_shape("weight", h, w, (kh, kw), (sh, sw),
                                 (ph, pw), (dh, dw))
    xp = F.pad(x, (pw, pw, ph, ph))
    xg = xp.reshape(n, groups, c_group, h + 2 * ph, w + 2 * pw)
    wg = weight.reshape(groups, c_out // groups, c_group, kh, kw)
    rows = []
    for i in range(h_out):
        row = []
        for j in range(w_out):
            top, left = i * sh, j * sw
            # The patch output (i, j) sees: (N, groups, C_in/groups, kh, kw)
            patch = xg[..., top:top + dh * (kh - 1) + 1:dh,
                       left:left + dw * (kw - 1) + 1:dw]
            # Times each filter of its group, summed over channels and taps.
            row.append(torch.einsum("ngcuv,gocuv->ngo", patch, wg))
        rows.append(torch.stack(row, dim=-1))
    out = torch.stack(rows, dim=-2).reshape(n, c_out, h_out, w_out)
    return out if bias is None else out + bias.view(1, -1, 1, 1)


def conv2d_im2col(x: torch.Tensor, weight: torch.Tensor,
                  bias: torch.Tensor | None = None, stride: IntPair = 1,
                  padding: IntPair = 0, dilation: IntPair = 1,
                  groups: int = 1) -> torch.Tensor:
    """2-D convolution (cross-correlation) as im2col and a matrix product.

    Same arguments and result as :func:`conv2d_loop` and
    ``torch.nn.functional.conv2d``. Chapter: *Convolution*.
    """
    groups = _check_conv(x, weight, bias, groups)
    n, c_in, h, w = x.shape
    c_out, c_group, kh, kw = weight.shape
    h_out, w_out = _output_shape(
        "weight", h, w, (kh, kw), _pair("stride", stride, 1),
        _pair("padding", padding, 0), _pair("dilation", dilation, 1))
    cols = unfold(x, (kh, kw), stride, padding, dilation)  # (N, C kh kw, L)
    cols = cols.reshape(n, groups, c_group * kh * kw, h_out * w_out)
    filters = weight.reshape(groups, c_out // groups, c_group * kh * kw)
    out = filters @ cols               # (N, groups, C_out / groups, L)
    out = out.reshape(n, c_out, h_out, w_out)
    return out if bias is None else out + bias.view(1, -1, 1, 1)


def conv_transpose2d(x: torch.Tensor, weight: torch.Tensor,
                     bias: torch.Tensor | None = None, stride: IntPair = 1,
                     padding: IntPair = 0, output_padding: IntPair = 0,
                     groups: int = 1, dilation: IntPair = 1) -> torch.Tensor:
    """2-D transposed convolution: every input pixel adds a kernel-weighted copy.

    The adjoint of :func:`conv2d_loop` with respect to its input: input pixel
    ``(i, j)`` times tap ``(u, v)`` of the kernel lands on output pixel
    ``(s i + d u - p, s j + d v - p)``, and the copies add up. ``x`` is
    ``(N, C_in, H, W)``, ``weight`` is ``(C_in, C_out / groups, kh, kw)``: the
    arguments, argument order and result of
    ``torch.nn.functional.conv_transpose2d``. Chapter: *Convolution*.
    """
    groups, (sh, sw), (ph, pw), (dh, dw), (h_out, w_out) = _check_conv_transpose(
        x, weight, bias, stride, padding, output_padding, groups, dilation)
    n, c_in, h, w = x.shape
    _, c_group_out, kh, kw = weight.shape
    xg = x.reshape(n, groups, c_in // groups, h, w)
    wg = weight.reshape(groups, c_in // groups, c_group_out, kh, kw)
    # The uncropped output: the last copy ends at s (H - 1) + d (kh - 1).
    full = x.new_zeros(n, groups, c_group_out, ph + h_out + ph, pw + w_out + pw)
    for u in range(kh):
        for v in range(kw):
            # Every input pixel times tap (u, v), mixed over the group's channels...
            copy = torch.einsum("ngchw,gco->ngohw", xg, wg[..., u, v])
            # ...lands s pixels apart, shifted by d u rows and d v columns.
            full[..., u * dh:u * dh + sh * (h - 1) + 1:sh,
                 v * dw:v * dw + sw * (w - 1) + 1:sw] += copy
    out = full[..., ph:ph + h_out, pw:pw + w_out].reshape(n, -1, h_out, w_out)
    return out if bias is None else out + bias.view(1, -1, 1, 1)


def _check_conv_transpose(x, weight, bias, stride, padding, output_padding, groups,
                          dilation):
    """The arguments of :func:`conv_transpose2d`; returns them as pairs, and the output size."""
    groups = _check_tensors(x, weight, groups)
    if weight.shape[0] != x.shape[1] or x.shape[1] % groups:
        raise ValueError(f"weight (C_in, C_out / groups, kh, kw) must have one row per "
                         f"channel of x ({x.shape[1]}), divisible by groups={groups}; "
                         f"got weight of shape {tuple(weight.shape)}")
    _check_bias(bias, weight.shape[1] * groups)
    stride, padding = _pair("stride", stride, 1), _pair("padding", padding, 0)
    extra, dilation = _pair("output_padding", output_padding, 0), _pair("dilation", dilation, 1)
    size = []
    for axis in range(2):
        if extra[axis] >= max(stride[axis], dilation[axis]):
            raise ValueError(f"output_padding must be smaller than stride or dilation, "
                             f"got {extra} with stride {stride} and dilation {dilation}")
        k, length = weight.shape[2 + axis], x.shape[2 + axis]
        out = (length - 1) * stride[axis] - 2 * padding[axis] \
            + dilation[axis] * (k - 1) + extra[axis] + 1
        if out < 1:
            raise ValueError(f"padding {padding} crops the whole output (size {out})")
        size.append(out)
    return groups, stride, padding, dilation, tuple(size)


def _pool_args(x: torch.Tensor, kernel_size: IntPair,
               stride: IntPair | None, padding: IntPair):
    check_tensor("x", x, ndim=4, floating=True)
    kernel = _pair("kernel_size", kernel_size, 1)
    stride = kernel if stride is None else _pair("stride", stride, 1)
    padding = _pair("padding", padding, 0)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        # Wider padding would let a window see only padding.
        raise ValueError(f"padding must be at most half the kernel size "
                         f"{kernel}, got {padding}")
    return kernel, stride, padding


def max_pool2d(x: torch.Tensor, kernel_size: IntPair,
               stride: IntPair | None = None, padding: IntPair = 0,
               dilation: IntPair = 1) -> torch.Tensor:
    """Max pooling of each channel; ``stride`` defaults to ``kernel_size``.

    Matches ``torch.nn.functional.max_pool2d`` (the border is padded with
    ``-inf``, so padding never wins the maximum; a dilated window that sees
    only padding gives ``-inf``). Chapter: *Convolution*.
    """
    kernel, stride, padding = _pool_args(x, kernel_size, stride, padding)
    dilation = _pair("dilation", dilation, 1)
    n, c, h, w = x.shape
    h_out, w_out = _output_shape("kernel_size", h, w, kernel, stride,
                                 padding, dilation)
    # Each channel on its own: (N C, kh kw, L), then the max of each column.
    cols = unfold(x.reshape(n * c, 1, h, w), kernel, stride, padding,
                  dilation, pad_value=-math.inf)
    return cols.max(dim=1).values.reshape(n, c, h_out, w_out)


def avg_pool2d(x: torch.Tensor, kernel_size: IntPair,
               stride: IntPair | None = None,
               padding: IntPair = 0) -> torch.Tensor:
    """Average pooling of each channel; ``stride`` defaults to ``kernel_size``.

    Matches ``torch.nn.functional.avg_pool2d`` with its default
    ``count_include_pad=True``: padded zeros count in the average.
    Chapter: *Convolution*.
    """
    kernel, stride, padding = _pool_args(x, kernel_size, stride, padding)
    n, c, h, w = x.shape
    h_out, w_out = _output_shape("kernel_size", h, w, kernel, stride,
                                 padding, (1, 1))
    cols = unfold(x.reshape(n * c, 1, h, w), kernel, stride, padding)
    return cols.mean(dim=1).reshape(n, c, h_out, w_out)


def _kernel_stride_dilation(index: int, layer) -> tuple[int, int, int]:
    """``layers[index]`` of :func:`receptive_field`, checked, dilation 1 if not given."""
    if not isinstance(layer, Sequence) or len(layer) not in (2, 3):
        raise ValueError(f"layers[{index}] must be (kernel_size, stride"
                         f"[, dilation]), got {layer!r}")
    names = ("kernel_size", "stride", "dilation")
    k, s, d = (check_int(f"layers[{index}] {names[i]}", v, minimum=1)
               for i, v in enumerate((*layer, 1)[:3]))
    return k, s, d


def receptive_field(layers: Sequence[Sequence[int]]) -> list[tuple[int, int]]:
    """Receptive field size and jump after each layer of a stack.

    ``layers`` lists ``(kernel_size, stride)`` or
    ``(kernel_size, stride, dilation)`` for each convolution or pooling
    layer, input first. A layer widens the field by
    ``dilation * (kernel_size - 1)`` times the current jump (the distance
    in input pixels between neighbouring units) and multiplies the jump by
    its stride. Returns ``[(size, jump), ...]``, one pair per layer.
    Chapter: *Convolution*.
    """
    size, jump, out = 1, 1, []
    for index, layer in enumerate(check_sequence("layers", layers, nonempty=False)):
        k, s, d = _kernel_stride_dilation(index, layer)
        size += d * (k - 1) * jump
        jump *= s
        out.append((size, jump))
    return out


def gradient_receptive_field(model: nn.Module, in_channels: int,
                             size: int) -> torch.Tensor:
    """Where one output pixel looks: ``|d y_centre / d x|`` summed over channels.

    Feeds a ``(1, in_channels, size, size)`` input through ``model`` (which
    must return feature maps ``(1, C, H', W')``), takes the gradient of the
    centre output pixel (summed over output channels) with respect to the
    input, and returns its absolute value as a ``(size, size)`` map. The
    nonzero region is the receptive field; how the values fall off shows
    the effective receptive field. Chapter: *Convolution*.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got "
                        f"{type(model).__name__}")
    in_channels = check_int("in_channels", in_channels, minimum=1)
    size = check_int("size", size, minimum=1)
    param = next(model.parameters(), None)
    dtype = param.dtype if param is not None else torch.float32
    x = torch.zeros(1, in_channels, size, size, dtype=dtype,
                    requires_grad=True)
    y = model(x)
    if y.ndim != 4:
        raise ValueError(f"model must return (1, C, H, W) feature maps, got "
                         f"shape {tuple(y.shape)}")
    y[0, :, y.shape[2] // 2, y.shape[3] // 2].sum().backward()
    return x.grad[0].abs().sum(0)


def gaussian_kernel(size: int = 5, sigma: float = 1.0) -> torch.Tensor:
    """A normalised ``(size, size)`` Gaussian blur kernel.

    Chapter: *Convolution*.
    """
    size = check_int("size", size, minimum=1)
    sigma = check_float("sigma", sigma, minimum=0.0, strict_min=True)
    t = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    # exp(-t^2 / 2 sigma^2), normalised to sum to 1: a softmax, which stays exact
    # for a tiny sigma, where every exp() alone would round to 0.
    g = torch.softmax(-t ** 2 / (2 * sigma ** 2), dim=0)
    return g[:, None] * g[None, :]  # separable: outer product of 1-D ones


def classic_kernels() -> dict[str, torch.Tensor]:
    """Hand-designed image filters, as 2-D float tensors, by name.

    Box blur, Gaussian blur, sharpen, Sobel x and y (horizontal and
    vertical intensity changes) and the Laplacian (second derivative: edges
    in every direction). Written for cross-correlation, as ``conv2d``
    applies them. Chapter: *Convolution*.
    """
    return {
        "box blur": torch.full((5, 5), 1 / 25),
        "Gaussian blur": gaussian_kernel(5, 1.0),
        "sharpen": torch.tensor([[0., -1, 0], [-1, 5, -1], [0, -1, 0]]),
        "Sobel x": torch.tensor([[-1., 0, 1], [-2, 0, 2], [-1, 0, 1]]),
        "Sobel y": torch.tensor([[-1., -2, -1], [0, 0, 0], [1, 2, 1]]),
        "Laplacian": torch.tensor([[0., 1, 0], [1, -4, 1], [0, 1, 0]]),
    }
