"""Blocks and small networks of the chapter *Architectures*, and the cost counters."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from dlbook.cnn.architectures import (InceptionBlock, ResidualBlock, SmallResNet, alexnet_small,
                                  conv2d_macs, conv2d_params, conv_bn_relu, count_macs,
                                  count_parameters, inception_small, layer_costs, plain_net,
                                  vgg_block, vgg_small)
from dlbook.cnn.conv import conv_output_size


def numel(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# --- parameter and MAC formulas -------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(c_in=st.integers(1, 12), c_out=st.integers(1, 12), kh=st.integers(1, 5),
       kw=st.integers(1, 5), bias=st.booleans(), groups=st.sampled_from([1, 2, 3]))
def test_conv2d_params_matches_torch(c_in, c_out, kh, kw, bias, groups):
    c_in, c_out = c_in * groups, c_out * groups
    layer = nn.Conv2d(c_in, c_out, (kh, kw), bias=bias, groups=groups)
    assert conv2d_params(c_in, c_out, (kh, kw), bias=bias, groups=groups) == numel(layer)


def test_conv2d_params_by_hand():
    # 64 filters, each 3x3 over 32 input channels, plus one bias each.
    assert conv2d_params(32, 64, 3) == 3 * 3 * 32 * 64 + 64 == 18496
    assert conv2d_params(32, 64, 3, bias=False) == 18432
    assert conv2d_params(192, 16, 1) == 192 * 16 + 16


def test_conv2d_macs_by_hand():
    # A 3x3 convolution from 3 to 8 channels on a 32x32 image with padding 1:
    # 8 * 32 * 32 outputs, each a dot product of length 3 * 3 * 3 = 27.
    assert conv2d_macs(3, 8, 3, 32, 32) == 27 * 8 * 1024 == 221184
    assert count_macs(nn.Conv2d(3, 8, 3, padding=1), (3, 32, 32)) == 221184
    # Stride 2 halves each side: a quarter of the outputs.
    assert count_macs(nn.Conv2d(3, 8, 3, stride=2, padding=1), (3, 32, 32)) == 221184 // 4
    # Grouped: each output sees in_channels / groups inputs.
    assert count_macs(nn.Conv2d(4, 8, 3, padding=1, groups=2), (4, 5, 5)) == 9 * 2 * 8 * 25


@settings(max_examples=30, deadline=None)
@given(c_in=st.integers(1, 6), c_out=st.integers(1, 6), k=st.integers(1, 5),
       stride=st.integers(1, 3), padding=st.integers(0, 2), size=st.integers(5, 12))
def test_count_macs_of_a_conv_layer_follows_the_formula(c_in, c_out, k, stride, padding, size):
    layer = nn.Conv2d(c_in, c_out, k, stride=stride, padding=padding)
    h = conv_output_size(size, k, stride, padding)
    assert count_macs(layer, (c_in, size, size)) == k * k * c_in * c_out * h * h


def test_count_macs_of_linear_and_model():
    assert count_macs(nn.Sequential(nn.Flatten(), nn.Linear(12, 5)), (3, 2, 2)) == 60
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(4 * 3 * 3, 10))
    want = conv2d_macs(1, 4, 3, 6, 6) + 36 * 10
    assert count_macs(model, (1, 8, 8)) == want


def test_layer_costs_cover_every_parameter_and_leave_the_model_alone():
    for model in (alexnet_small(), vgg_small(), inception_small(), SmallResNet(8, width=4)):
        model.train()
        before = {k: v.clone() for k, v in model.state_dict().items()}
        rows = layer_costs(model, (3, 16, 16))
        assert sum(r.params for r in rows) == count_parameters(model) == numel(model)
        assert model.training
        for k, v in model.state_dict().items():  # batch-norm statistics untouched
            assert torch.equal(v, before[k]), k


def test_count_parameters_trainable_only():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    model[0].requires_grad_(False)
    assert count_parameters(model) == 16 + 10
    assert count_parameters(model, trainable_only=True) == 10


# --- blocks ---------------------------------------------------------------------

def test_vgg_block_shape_and_parameters():
    block = vgg_block(3, 8, 2, batch_norm=False)
    assert block(torch.rand(2, 3, 16, 16)).shape == (2, 8, 8, 8)
    assert numel(block) == conv2d_params(3, 8, 3) + conv2d_params(8, 8, 3)
    bn = vgg_block(3, 8, 2)
    assert numel(bn) == conv2d_params(3, 8, 3, bias=False) + conv2d_params(
        8, 8, 3, bias=False) + 2 * 2 * 8


def test_inception_block_shape_and_parameters():
    block = InceptionBlock(16, 8, (4, 8), (2, 4), 4)
    assert block.out_channels == 24
    assert block(torch.rand(2, 16, 8, 8)).shape == (2, 24, 8, 8)
    convs = (16 * 8) + (16 * 4 + 9 * 4 * 8) + (16 * 2 + 25 * 2 * 4) + (16 * 4)
    bns = 2 * (8 + 4 + 8 + 2 + 4 + 4)
    assert numel(block) == convs + bns


def test_residual_block_shapes_and_parameters():
    same = ResidualBlock(16, 16)
    assert same(torch.rand(2, 16, 8, 8)).shape == (2, 16, 8, 8)
    assert isinstance(same.shortcut, nn.Identity)
    assert numel(same) == 2 * 9 * 16 * 16 + 2 * 2 * 16
    down = ResidualBlock(16, 32, stride=2)
    assert down(torch.rand(2, 16, 8, 8)).shape == (2, 32, 4, 4)
    # Two 3x3 convolutions, two batch norms, and the 1x1 projection with its batch norm.
    assert numel(down) == 9 * 16 * 32 + 9 * 32 * 32 + 2 * 2 * 32 + 16 * 32 + 2 * 32
    plain = ResidualBlock(16, 32, stride=2, residual=False)
    assert numel(plain) == numel(down) - 16 * 32 - 2 * 32


@pytest.mark.parametrize("train", [True, False])
def test_zero_initialised_residual_block_is_relu_at_init(train):
    torch.manual_seed(0)
    block = ResidualBlock(8, 8, zero_init=True).train(train)
    x = torch.randn(4, 8, 6, 6)
    assert torch.allclose(block(x), torch.relu(x), atol=1e-6)
    ordinary = ResidualBlock(8, 8).train(train)
    assert not torch.allclose(ordinary(x), torch.relu(x), atol=1e-3)


def test_residual_block_gradient_reaches_the_input_through_the_shortcut():
    block = ResidualBlock(4, 4, zero_init=True)
    x = (torch.rand(2, 4, 5, 5) + 0.1).requires_grad_()  # positive: relu passes it
    block(x).sum().backward()
    assert torch.allclose(x.grad, torch.ones_like(x))


def test_conv_bn_relu_has_no_conv_bias():
    layer = conv_bn_relu(3, 8, 3, stride=2)
    assert layer[0].bias is None
    assert layer(torch.rand(2, 3, 8, 8)).shape == (2, 8, 4, 4)


# --- networks -------------------------------------------------------------------

@pytest.mark.parametrize("make", [alexnet_small, vgg_small, inception_small,
                                  lambda **kw: SmallResNet(8, **kw),
                                  lambda **kw: plain_net(14, **kw)])
def test_networks_classify_images(make):
    model = make(num_classes=5, in_channels=1, width=4)
    out = model(torch.rand(2, 1, 16, 16))
    assert out.shape == (2, 5)
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize("depth", [8, 14, 20, 26])
def test_resnet_depth_counts_weighted_layers(depth):
    for model in (SmallResNet(depth, width=4), plain_net(depth, width=4)):
        convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
        main = [c for c in convs if c.kernel_size == (3, 3)]
        linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
        assert len(main) + len(linears) == depth


def test_resnet_and_plain_net_parameters_differ_by_the_projections():
    res, plain = SmallResNet(20, width=8), plain_net(20, width=8)
    # Two projections: 8 -> 16 and 16 -> 32 channels, each a 1x1 conv and a batch norm.
    assert numel(res) - numel(plain) == (8 * 16 + 2 * 16) + (16 * 32 + 2 * 32)
    assert count_macs(res, (3, 32, 32)) > count_macs(plain, (3, 32, 32))


def test_stem_stride_quarters_the_compute():
    full = count_macs(SmallResNet(8, width=8), (3, 32, 32))
    half = count_macs(SmallResNet(8, width=8, stem_stride=2), (3, 32, 32))
    assert 0.2 < half / full < 0.3


# --- bad inputs -----------------------------------------------------------------

@pytest.mark.parametrize("call, name", [
    (lambda: conv2d_params(0, 4, 3), "in_channels"),
    (lambda: conv2d_params(4, -1, 3), "out_channels"),
    (lambda: conv2d_params(4, 4, 0), "kernel_size"),
    (lambda: conv2d_params(4, 6, 3, groups=4), "groups"),
    (lambda: conv2d_macs(4, 4, 3, 0, 4), "out_height"),
    (lambda: vgg_block(3, 0, 2), "out_channels"),
    (lambda: vgg_block(3, 8, 0), "num_convs"),
    (lambda: InceptionBlock(0, 4, (2, 4), (2, 4), 4), "in_channels"),
    (lambda: InceptionBlock(8, 4, (2,), (2, 4), 4), "c3"),
    (lambda: InceptionBlock(8, 4, (2, 4), (2, 0), 4), "c5"),
    (lambda: ResidualBlock(0, 8), "in_channels"),
    (lambda: ResidualBlock(8, 0), "out_channels"),
    (lambda: ResidualBlock(8, 8, stride=0), "stride"),
    (lambda: SmallResNet(10), "depth"),
    (lambda: SmallResNet(2), "depth"),
    (lambda: SmallResNet(8, width=0), "width"),
    (lambda: plain_net(21), "depth"),
    (lambda: SmallResNet(8, stem_stride=0), "stem_stride"),
    (lambda: alexnet_small(dropout=1.0), "dropout"),
    (lambda: vgg_small(convs=()), "convs"),
    (lambda: layer_costs(nn.Linear(2, 2), (2,)), "input_shape"),
])
def test_bad_arguments_raise_value_error_naming_them(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_bad_types_raise_type_error():
    with pytest.raises(TypeError, match="in_channels"):
        conv2d_params(2.5, 4, 3)
    with pytest.raises(TypeError, match="model"):
        count_parameters("not a model")
    with pytest.raises(TypeError, match="residual"):
        plain_net(8, residual=True)
