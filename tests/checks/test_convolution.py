"""The exercise checks of the chapter *Convolution* pass right answers and catch wrong ones."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from dlbook.checks.convolution import check_conv2d, check_convolve2d, check_output_size


# --- output size ------------------------------------------------------------

def size_right(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def test_output_size_passes_the_formula():
    assert check_output_size(size_right)


def test_output_size_catches_forgotten_dilation():
    result = check_output_size(lambda n, k, s, p, d: (n + 2 * p - k) // s + 1)
    assert not result and "dilation" in result.message and "spans" in result.hint


def test_output_size_catches_off_by_one():
    result = check_output_size(lambda n, k, s, p, d: (n + 2 * p - d * (k - 1) - 1) // s)
    assert not result and "off by one" in result.message


def test_output_size_catches_single_sided_padding():
    result = check_output_size(lambda n, k, s, p, d: (n + p - d * (k - 1) - 1) // s + 1)
    assert not result and "padding" in result.message and "each" in result.hint


def test_output_size_catches_ceil_and_float():
    ceil = check_output_size(lambda n, k, s, p, d: math.ceil(
        (n + 2 * p - d * (k - 1) - 1) / s) + 1)
    assert not ceil and "does not divide" in ceil.message and "floor" in ceil.hint
    real = check_output_size(lambda n, k, s, p, d: (n + 2 * p - d * (k - 1) - 1) / s + 1)
    assert not real and "float" in real.message


# --- true convolution -------------------------------------------------------

def convolve_right(image, kernel):
    kh, kw = kernel.shape
    flipped = kernel.flip(0, 1)
    out = torch.empty(image.shape[0] - kh + 1, image.shape[1] - kw + 1, dtype=image.dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (image[i:i + kh, j:j + kw] * flipped).sum()
    return out


def correlate(image, kernel):
    return F.conv2d(image[None, None], kernel[None, None])[0, 0]


def test_convolve2d_passes_a_loop():
    assert check_convolve2d(convolve_right)


def test_convolve2d_catches_cross_correlation():
    result = check_convolve2d(correlate)
    assert not result and "cross-correlation" in result.message


def test_convolve2d_catches_a_flip_along_one_axis():
    result = check_convolve2d(lambda im, k: correlate(im, k.flip(0)))
    assert not result and "one axis" in result.message


def test_convolve2d_catches_a_transpose():
    result = check_convolve2d(lambda im, k: correlate(im, k.T.contiguous()))
    assert not result and "transposed" in result.message


def test_convolve2d_catches_in_place_flip_and_same_padding():
    def in_place(im, k):
        k.copy_(k.flip(0, 1))
        return correlate(im, k)

    assert "in place" in check_convolve2d(in_place).message
    same = check_convolve2d(lambda im, k: F.conv2d(im[None, None], k.flip(0, 1)[None, None],
                                                  padding="same")[0, 0])
    assert not same and "shape" in same.message


# --- conv2d by kernel taps --------------------------------------------------

def conv2d_right(x, weight, stride=1, padding=0, dilation=1):
    n, c, h, w = x.shape
    o, _, kh, kw = weight.shape
    xp = F.pad(x, (padding,) * 4)
    h_out = (h + 2 * padding - dilation * (kh - 1) - 1) // stride + 1
    w_out = (w + 2 * padding - dilation * (kw - 1) - 1) // stride + 1
    out = x.new_zeros(n, o, h_out, w_out)
    for u in range(kh):
        for v in range(kw):
            r, s = u * dilation, v * dilation
            patch = xp[:, :, r:r + stride * (h_out - 1) + 1:stride,
                       s:s + stride * (w_out - 1) + 1:stride]
            out += torch.einsum("nchw,oc->nohw", patch, weight[:, :, u, v])
    return out


def test_conv2d_passes_a_correct_layer():
    assert check_conv2d(conv2d_right)


def test_conv2d_catches_forgotten_dilation():
    result = check_conv2d(lambda x, w, stride=1, padding=0, dilation=1: conv2d_right(
        x, w, stride, padding, 1))
    assert not result and "dilation" in result.message + result.hint


def test_conv2d_catches_swapped_channels():
    result = check_conv2d(lambda x, w, stride=1, padding=0, dilation=1: conv2d_right(
        x, w.transpose(0, 1), stride, padding, dilation))
    assert not result and "swapped" in result.message


def test_conv2d_catches_a_flipped_kernel():
    result = check_conv2d(lambda x, w, stride=1, padding=0, dilation=1: conv2d_right(
        x, w.flip(2, 3), stride, padding, dilation))
    assert not result and "flips" in result.message


def test_conv2d_catches_ignored_stride_and_padding():
    no_stride = check_conv2d(lambda x, w, stride=1, padding=0, dilation=1: conv2d_right(
        x, w, 1, padding, dilation))
    assert not no_stride and "stride" in no_stride.message
    no_pad = check_conv2d(lambda x, w, stride=1, padding=0, dilation=1: conv2d_right(
        x, w, stride, 0, dilation))
    assert not no_pad and "padding" in no_pad.message
