"""The exercise checks of the chapter *Architectures* pass right answers and catch wrong ones."""

from __future__ import annotations

import torch
from torch import nn

from dlbook.checks.architectures import (check_conv_macs, check_conv_params,
                                         check_residual_block)

# --- parameters -----------------------------------------------------------------


def params_right(c_in, c_out, k, bias=True):
    return (k * k * c_in + int(bias)) * c_out


def test_conv_params_passes_the_formula_and_torch():
    assert check_conv_params(params_right)
    assert check_conv_params(lambda c_in, c_out, k, bias=True: sum(
        p.numel() for p in nn.Conv2d(c_in, c_out, k, bias=bias).parameters()))


def test_conv_params_catches_forgotten_bias():
    result = check_conv_params(lambda c_in, c_out, k, bias=True: k * k * c_in * c_out)
    assert not result and "biases" in result.message and "output channel" in result.hint


def test_conv_params_catches_forgotten_input_channels():
    result = check_conv_params(lambda c_in, c_out, k, bias=True: (k * k + int(bias)) * c_out)
    assert not result and "input channels" in result.message


def test_conv_params_catches_k_instead_of_k_squared():
    result = check_conv_params(lambda c_in, c_out, k, bias=True: (k * c_in + int(bias)) * c_out)
    assert not result and "kernel size" in result.message and "k * k" in result.hint


def test_conv_params_catches_ignored_bias_flag_and_wrong_types():
    result = check_conv_params(lambda c_in, c_out, k, bias=True: (k * k * c_in + 1) * c_out)
    assert not result and "bias=False" in result.message
    result = check_conv_params(lambda c_in, c_out, k, bias=True: 1.5)
    assert not result and "int" in result.message


# --- MACs -----------------------------------------------------------------------


def macs_right(c_in, c_out, k, h, w, stride=1, padding=0):
    ho = (h + 2 * padding - k) // stride + 1
    wo = (w + 2 * padding - k) // stride + 1
    return k * k * c_in * c_out * ho * wo


def test_conv_macs_passes_the_formula():
    assert check_conv_macs(macs_right)


def test_conv_macs_catches_input_size_used_for_output():
    result = check_conv_macs(lambda c_in, c_out, k, h, w, stride=1, padding=0:
                             k * k * c_in * c_out * h * w)
    assert not result and "input" in result.message and "output size" in result.hint


def test_conv_macs_catches_forgotten_stride():
    result = check_conv_macs(lambda c_in, c_out, k, h, w, stride=1, padding=0:
                             macs_right(c_in, c_out, k, h, w, 1, padding))
    assert not result and "stride" in result.message


def test_conv_macs_catches_forgotten_padding():
    result = check_conv_macs(lambda c_in, c_out, k, h, w, stride=1, padding=0:
                             macs_right(c_in, c_out, k, h, w, stride, 0))
    assert not result and "padding" in result.message


def test_conv_macs_catches_parameter_count_and_missing_input_channels():
    result = check_conv_macs(lambda c_in, c_out, k, h, w, stride=1, padding=0:
                             k * k * c_in * c_out)
    assert not result and "does not grow" in result.message
    result = check_conv_macs(lambda c_in, c_out, k, h, w, stride=1, padding=0:
                             macs_right(1, c_out, k, h, w, stride, padding))
    assert not result and "dot product" in result.message


# --- residual block -------------------------------------------------------------


class GoodBlock(nn.Module):
    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.skip = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.skip = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False),
                                      nn.BatchNorm2d(c_out))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out)) + self.skip(x))


class NoProjection(GoodBlock):
    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out)) + x)


class ProjectionWithoutStride(GoodBlock):
    def __init__(self, c_in, c_out, stride):
        super().__init__(c_in, c_out, stride)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()


class NoSkip(GoodBlock):
    def forward(self, x):
        return torch.relu(self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x))))))


class InPlace(GoodBlock):
    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        skip = self.skip(x)
        skip += self.bn2(self.conv2(out))  # the identity skip is x itself
        return torch.relu(skip)


def test_residual_block_passes_a_right_block_and_the_package_block():
    from dlbook.cnn.architectures import ResidualBlock

    assert check_residual_block(GoodBlock)
    assert check_residual_block(lambda c_in, c_out, s: ResidualBlock(c_in, c_out, s))


def test_residual_block_catches_a_skip_path_without_projection():
    result = check_residual_block(NoProjection)
    assert not result and "skip path" in result.message and "1x1" in result.hint


def test_residual_block_catches_a_projection_without_stride():
    result = check_residual_block(ProjectionWithoutStride)
    assert not result and "skip path" in result.message


def test_residual_block_catches_a_missing_skip():
    result = check_residual_block(NoSkip)
    assert not result and "does not reach the output" in result.message


def test_residual_block_catches_in_place_changes_and_non_modules():
    result = check_residual_block(InPlace)
    assert not result and "in place" in result.message
    result = check_residual_block(lambda c_in, c_out, s: "block")
    assert not result and "nn.Module" in result.message
