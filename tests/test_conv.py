"""From-scratch convolution and pooling (dlbook.cnn.conv) against torch.nn.functional."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn

from dlbook.cnn.conv import (avg_pool2d, classic_kernels, conv2d_im2col, conv2d_loop,
                         conv_transpose2d,
                         conv_output_size, gaussian_kernel, gradient_receptive_field,
                         max_pool2d, receptive_field, unfold)

TOL = dict(atol=1e-10, rtol=1e-9)
FAST = settings(max_examples=40, deadline=None)


@st.composite
def conv_cases(draw, max_extra: int = 4):
    """Random shapes and hyper-parameters with a kernel that fits the padded input."""
    groups = draw(st.integers(1, 2))
    c_in = groups * draw(st.integers(1, 3))
    c_out = groups * draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    spans = (dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)
    h = draw(st.integers(max(1, spans[0] - 2 * padding[0]), spans[0] + max_extra))
    w = draw(st.integers(max(1, spans[1] - 2 * padding[1]), spans[1] + max_extra))
    n = draw(st.integers(1, 2))
    bias = draw(st.booleans())
    seed = draw(st.integers(0, 2**16))
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, c_in, h, w, generator=g, dtype=torch.float64)
    weight = torch.randn(c_out, c_in // groups, kh, kw, generator=g, dtype=torch.float64)
    b = torch.randn(c_out, generator=g, dtype=torch.float64) if bias else None
    return x, weight, b, dict(stride=stride, padding=padding, dilation=dilation,
                              groups=groups)


def _values_and_grads(fn, x, weight, bias, kwargs, upstream_seed=0):
    """Output of fn and gradients of a random linear function of it."""
    leaves = [t.clone().requires_grad_(True) for t in (x, weight) + (
        (bias,) if bias is not None else ())]
    out = fn(leaves[0], leaves[1], leaves[2] if bias is not None else None, **kwargs)
    upstream = torch.randn(out.shape, generator=torch.Generator().manual_seed(upstream_seed),
                           dtype=out.dtype)
    grads = torch.autograd.grad((out * upstream).sum(), leaves)
    return out, grads


def _assert_matches_torch(fn, case, reference=F.conv2d):
    x, weight, bias, kwargs = case
    want, want_grads = _values_and_grads(reference, x, weight, bias, kwargs)
    got, got_grads = _values_and_grads(fn, x, weight, bias, kwargs)
    assert got.shape == want.shape
    assert torch.allclose(got, want, **TOL)
    for g, w in zip(got_grads, want_grads):
        assert torch.allclose(g, w, **TOL)


@FAST
@given(conv_cases(max_extra=3))
def test_conv2d_loop_matches_torch(case):
    _assert_matches_torch(conv2d_loop, case)


@FAST
@given(conv_cases(max_extra=8))
def test_conv2d_im2col_matches_torch(case):
    _assert_matches_torch(conv2d_im2col, case)


@FAST
@given(conv_cases(max_extra=6))
def test_unfold_matches_torch(case):
    x, weight, _, kw = case
    args = dict(stride=kw["stride"], padding=kw["padding"], dilation=kw["dilation"])
    kernel = tuple(weight.shape[2:])
    got = unfold(x, kernel, **args)
    assert torch.allclose(got, F.unfold(x, kernel, **args), **TOL)


@FAST
@given(conv_cases(max_extra=6))
def test_output_size_formula_matches_torch(case):
    x, weight, bias, kw = case
    out = F.conv2d(x, weight, bias, **kw)
    for axis in (0, 1):
        assert out.shape[2 + axis] == conv_output_size(
            x.shape[2 + axis], weight.shape[2 + axis], kw["stride"][axis],
            kw["padding"][axis], kw["dilation"][axis])


@st.composite
def pool_cases(draw, with_dilation: bool):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if with_dilation else (1, 1)
    spans = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    h = draw(st.integers(max(1, spans[0] - 2 * padding[0]), spans[0] + 6))
    w = draw(st.integers(max(1, spans[1] - 2 * padding[1]), spans[1] + 6))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w)
    x = torch.randn(shape, generator=torch.Generator().manual_seed(draw(
        st.integers(0, 2**16))), dtype=torch.float64)
    kwargs = dict(kernel_size=kernel, stride=stride, padding=padding)
    if with_dilation:
        kwargs["dilation"] = dilation
    return x, kwargs


def _pool_check(ours, theirs, x, kwargs):
    xa, xb = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    got, want = ours(xa, **kwargs), theirs(xb, **kwargs)
    # With dilation a window can fall wholly on the padding of a tiny input:
    # its maximum is -inf and which (padding) element gets the gradient is
    # arbitrary, so such cases are skipped.
    assume(torch.isfinite(want).all())
    assert got.shape == want.shape and torch.allclose(got, want, **TOL)
    upstream = torch.randn(got.shape, generator=torch.Generator().manual_seed(1),
                           dtype=got.dtype)
    (ga,), (gb,) = (torch.autograd.grad((o * upstream).sum(), [t])
                    for o, t in ((got, xa), (want, xb)))
    assert torch.allclose(ga, gb, **TOL)


@FAST
@given(pool_cases(with_dilation=True))
def test_max_pool2d_matches_torch(case):
    _pool_check(max_pool2d, F.max_pool2d, *case)


@FAST
@given(pool_cases(with_dilation=False))
def test_avg_pool2d_matches_torch(case):
    _pool_check(avg_pool2d, F.avg_pool2d, *case)


def test_pooling_stride_defaults_to_kernel_size():
    x = torch.randn(2, 3, 8, 6, dtype=torch.float64)
    assert torch.equal(max_pool2d(x, 2), F.max_pool2d(x, 2))
    assert torch.allclose(avg_pool2d(x, (2, 3)), F.avg_pool2d(x, (2, 3)), **TOL)


def test_float32_agrees_too():
    g = torch.Generator().manual_seed(0)
    x, w = torch.randn(2, 3, 10, 10, generator=g), torch.randn(4, 3, 3, 3, generator=g)
    want = F.conv2d(x, w, padding=1)
    for fn in (conv2d_loop, conv2d_im2col):
        assert torch.allclose(fn(x, w, padding=1), want, atol=1e-5)


# --- receptive fields -------------------------------------------------------

def test_receptive_field_formula():
    assert receptive_field([(3, 1)] * 3) == [(3, 1), (5, 1), (7, 1)]
    assert receptive_field([(3, 2), (3, 2)]) == [(3, 2), (7, 4)]
    assert receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)]) == [(3, 1), (7, 1), (15, 1)]
    assert receptive_field([(5, 1), (2, 2), (5, 1), (2, 2)]) == [
        (5, 1), (6, 2), (14, 2), (16, 4)]


@pytest.mark.parametrize("layers", [
    [(3, 1, 1)] * 4, [(3, 2, 1)] * 3, [(3, 1, 1), (3, 1, 2), (3, 1, 4)], [(5, 1, 1), (3, 2, 2)]])
def test_gradient_receptive_field_has_the_formula_size(layers):
    model = nn.Sequential(*[nn.Conv2d(1, 1, k, s, dilation=d, bias=False)
                            for k, s, d in layers]).double()
    for conv in model:
        nn.init.constant_(conv.weight, 1.0)
    size = receptive_field(layers)[-1][0]
    field = gradient_receptive_field(model, 1, size + 12)
    rows = torch.nonzero(field.sum(1)).flatten()
    cols = torch.nonzero(field.sum(0)).flatten()
    assert rows.max() - rows.min() + 1 <= size
    assert cols.max() - cols.min() + 1 <= size
    if all(s == 1 for _, s, _ in layers):  # the centre pixel's field is not cut by the border
        assert rows.max() - rows.min() + 1 == size


def test_classic_kernels():
    kernels = classic_kernels()
    assert {"box blur", "Gaussian blur", "sharpen", "Sobel x", "Sobel y",
            "Laplacian"} <= set(kernels)
    for name in ("box blur", "Gaussian blur", "sharpen"):
        assert kernels[name].sum().item() == pytest.approx(1.0)  # keep mean brightness
    for name in ("Sobel x", "Sobel y", "Laplacian"):
        assert kernels[name].sum().item() == 0.0  # zero on flat regions
    g = gaussian_kernel(7, 1.5)
    assert torch.allclose(g, g.T) and torch.allclose(g, g.flip(0))


# --- bad inputs -------------------------------------------------------------

@pytest.mark.parametrize("fn", [conv2d_loop, conv2d_im2col])
def test_conv_bad_inputs(fn):
    x, w = torch.randn(1, 3, 5, 5), torch.randn(4, 3, 3, 3)
    with pytest.raises(ValueError, match="weight"):
        fn(torch.randn(1, 2, 5, 5), w)  # channel mismatch
    with pytest.raises(ValueError, match="weight"):
        fn(x, torch.randn(4, 3, 7, 7))  # kernel larger than the input
    with pytest.raises(ValueError, match="weight"):
        fn(x, torch.randn(4, 3, 3, 3), dilation=3)  # dilated kernel spans 7 pixels
    fn(x, torch.randn(4, 3, 7, 7), padding=1)  # fits once padded
    with pytest.raises(ValueError, match="stride"):
        fn(x, w, stride=0)
    with pytest.raises(ValueError, match="padding"):
        fn(x, w, padding=-1)
    with pytest.raises(ValueError, match="dilation"):
        fn(x, w, dilation=(1, 0))
    with pytest.raises(ValueError, match="groups"):
        fn(x, w, groups=2)
    with pytest.raises(ValueError, match="bias"):
        fn(x, w, torch.randn(3))
    with pytest.raises(ValueError, match="x"):
        fn(torch.randn(3, 5, 5), w)
    with pytest.raises(TypeError, match="stride"):
        fn(x, w, stride=1.5)
    with pytest.raises(TypeError, match="dtype"):
        fn(x.double(), w)


@pytest.mark.parametrize("fn", [max_pool2d, avg_pool2d])
def test_pool_bad_inputs(fn):
    x = torch.randn(1, 2, 5, 5)
    with pytest.raises(ValueError, match="kernel_size"):
        fn(x, 6)
    with pytest.raises(ValueError, match="stride"):
        fn(x, 2, stride=0)
    with pytest.raises(ValueError, match="padding"):
        fn(x, 2, padding=-1)
    with pytest.raises(ValueError, match="padding"):
        fn(x, 3, padding=2)
    with pytest.raises(ValueError, match="x"):
        fn(torch.randn(5, 5), 2)


def test_output_size_bad_inputs():
    assert conv_output_size(32, 5, 1, 2) == 32
    assert conv_output_size(7, 3, 2, 0, 2) == 2
    with pytest.raises(ValueError, match="kernel_size"):
        conv_output_size(4, 7)
    with pytest.raises(ValueError, match="stride"):
        conv_output_size(4, 3, stride=0)
    with pytest.raises(ValueError, match="padding"):
        conv_output_size(4, 3, padding=-1)
    with pytest.raises(ValueError, match="layers"):
        receptive_field([(3,)])
    with pytest.raises(TypeError, match="model"):
        gradient_receptive_field(lambda t: t, 1, 5)


# --- transposed convolution ---------------------------------------------------------

@st.composite
def conv_transpose_cases(draw):
    """Random shapes and hyper-parameters of a transposed convolution."""
    groups = draw(st.integers(1, 2))
    c_in = groups * draw(st.integers(1, 3))
    c_out = groups * draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    extra = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    h, w, n = draw(st.integers(1, 5)), draw(st.integers(1, 5)), draw(st.integers(1, 2))
    for size, s, p, d, k, e in zip((h, w), stride, padding, dilation, (kh, kw), extra):
        assume((size - 1) * s - 2 * p + d * (k - 1) + e + 1 >= 1)
    g = torch.Generator().manual_seed(draw(st.integers(0, 2**16)))
    x = torch.randn(n, c_in, h, w, generator=g, dtype=torch.float64)
    weight = torch.randn(c_in, c_out // groups, kh, kw, generator=g, dtype=torch.float64)
    bias = torch.randn(c_out, generator=g, dtype=torch.float64) if draw(st.booleans()) else None
    return x, weight, bias, dict(stride=stride, padding=padding, output_padding=extra,
                                 groups=groups, dilation=dilation)


@FAST
@given(conv_transpose_cases())
def test_conv_transpose2d_matches_torch(case):
    _assert_matches_torch(conv_transpose2d, case, reference=F.conv_transpose2d)


@FAST
@given(conv_cases())
def test_conv_transpose2d_is_the_input_gradient_of_conv2d(case):
    """<conv2d(x, W), y> = <x, conv_transpose2d(y, W)>: the adjoint, with the same weight."""
    x, weight, _, kwargs = case
    y = conv2d_loop(x, weight, **kwargs)
    upstream = torch.randn(y.shape, generator=torch.Generator().manual_seed(0),
                           dtype=y.dtype)
    stride, padding = kwargs["stride"], kwargs["padding"]
    # output_padding restores the rows and columns that conv2d's floor division dropped
    extra = tuple((size + 2 * p - d * (k - 1) - 1) % s for size, p, d, k, s in zip(
        x.shape[2:], padding, kwargs["dilation"], weight.shape[2:], stride))
    assume(all(e < max(s, d) for e, s, d in zip(extra, stride, kwargs["dilation"])))
    back = conv_transpose2d(upstream, weight, stride=stride, padding=padding,
                            output_padding=extra, groups=kwargs["groups"],
                            dilation=kwargs["dilation"])
    xg = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad((conv2d_loop(xg, weight, **kwargs) * upstream).sum(), xg)
    assert torch.allclose(back, grad, **TOL)


def test_conv_transpose2d_float32_and_a_known_answer():
    """Stride 2, kernel 3, all ones: interior outputs get 1, 2 or 4 taps (a checkerboard)."""
    out = conv_transpose2d(torch.ones(1, 1, 3, 3), torch.ones(1, 1, 3, 3), stride=2)
    assert out.dtype == torch.float32
    assert out[0, 0, 1:4, 1:4].tolist() == [[1, 2, 1], [2, 4, 2], [1, 2, 1]]
    assert torch.equal(out, F.conv_transpose2d(torch.ones(1, 1, 3, 3),
                                               torch.ones(1, 1, 3, 3), stride=2))


def test_conv_transpose2d_bad_inputs():
    x, w = torch.randn(1, 2, 4, 4), torch.randn(2, 3, 3, 3)
    with pytest.raises(ValueError, match="output_padding"):
        conv_transpose2d(x, w, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="weight"):
        conv_transpose2d(x, torch.randn(3, 3, 3, 3))
    with pytest.raises(ValueError, match="padding"):
        conv_transpose2d(x, w, padding=5)
    with pytest.raises(ValueError, match="bias"):
        conv_transpose2d(x, w, torch.zeros(2))
    with pytest.raises(TypeError, match="dtype"):
        conv_transpose2d(x.double(), w)
