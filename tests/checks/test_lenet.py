"""The exercise checks of the chapter *LeNet* pass right answers and catch wrong ones."""

from __future__ import annotations

import torch
from torch import nn

from dlbook.checks.lenet import check_conv_params, check_random_shift


def conv_params(c_in, c_out, kernel_size, bias=True):
    return sum(p.numel() for p in nn.Conv2d(c_in, c_out, kernel_size,
                                            bias=bias).parameters())


def test_conv_params_passes_the_count_of_nn_conv2d():
    assert check_conv_params(conv_params)


def test_conv_params_catches_typical_mistakes():
    no_bias = check_conv_params(lambda c_in, c_out, k, bias=True: c_out * c_in * k * k)
    assert not no_bias and "biases are missing" in no_bias.message
    no_cin = check_conv_params(lambda c_in, c_out, k, bias=True: c_out * (k * k + bias))
    assert not no_cin and "input channels" in no_cin.message
    linear_k = check_conv_params(lambda c_in, c_out, k, bias=True:
                                 c_out * (c_in * k + bias))
    assert not linear_k and "k x k" in linear_k.message
    per_channel = check_conv_params(lambda c_in, c_out, k, bias=True:
                                    c_out * c_in * (k * k + bias))
    assert not per_channel and "once per input channel" in per_channel.message


def random_shift(x, max_shift, generator):
    n, _, h, w = x.shape
    offsets = torch.randint(-max_shift, max_shift + 1, (n, 2), generator=generator)
    padded = torch.nn.functional.pad(x, (max_shift,) * 4)
    out = torch.empty_like(x)
    for i, (dy, dx) in enumerate(offsets.tolist()):
        top, left = max_shift - dy, max_shift - dx
        out[i] = padded[i, :, top:top + h, left:left + w]
    return out


def test_random_shift_passes_a_correct_answer():
    assert check_random_shift(random_shift)


def test_random_shift_catches_wrap_around():
    def rolled(x, max_shift, generator):
        offsets = torch.randint(-max_shift, max_shift + 1, (len(x), 2),
                                generator=generator)
        return torch.stack([img.roll((dy, dx), (-2, -1))
                            for img, (dy, dx) in zip(x, offsets.tolist())])

    result = check_random_shift(rolled)
    assert not result and "wrap-around" in result.message


def test_random_shift_catches_one_offset_for_the_batch():
    def same(x, max_shift, generator):
        dy, dx = torch.randint(-max_shift, max_shift + 1, (2,),
                               generator=generator).tolist()
        return _shift_all(x, dy, dx, max_shift)

    result = check_random_shift(same)
    assert not result and "same offset" in result.message


def _shift_all(x, dy, dx, m):
    padded = torch.nn.functional.pad(x, (m,) * 4)
    h, w = x.shape[-2:]
    return padded[:, :, m - dy:m - dy + h, m - dx:m - dx + w].clone()


def test_random_shift_catches_exclusive_upper_bound_and_global_rng():
    def exclusive(x, max_shift, generator):
        offsets = torch.randint(-max_shift, max_shift, (len(x), 2), generator=generator)
        return torch.cat([_shift_all(img[None], dy, dx, max_shift)
                          for img, (dy, dx) in zip(x, offsets.tolist())])

    result = check_random_shift(exclusive)
    assert not result and "never reach" in result.message

    def global_rng(x, max_shift, generator):
        offsets = torch.randint(-max_shift, max_shift + 1, (len(x), 2))
        return torch.cat([_shift_all(img[None], dy, dx, max_shift)
                          for img, (dy, dx) in zip(x, offsets.tolist())])

    torch.manual_seed(0)
    result = check_random_shift(global_rng)
    assert not result and "generator" in result.hint


def test_random_shift_catches_in_place_changes():
    def in_place(x, max_shift, generator):
        x.mul_(1.0)
        x[:, :, 0] = 0.0
        return random_shift(x, max_shift, generator)

    result = check_random_shift(in_place)
    assert not result and "in place" in result.message
