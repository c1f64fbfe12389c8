"""The building blocks of classic convolutional networks, at a size a laptop can train.

AlexNet's ReLU-and-dropout network, VGG's stacks of 3x3 convolutions,
Inception's parallel branches with 1x1 bottlenecks and ResNet's residual
blocks, each written as a small ``nn.Module``, plus the bookkeeping that
compares them: parameter counts and multiply-accumulates (MACs) per image,
computed from formulas and by walking a model with forward hooks.
Chapter: *Architectures*.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import torch
from torch import nn

from .._args import (check_bool, check_float, check_int, check_module, check_pair,
                     check_sequence, check_shape)

# ---------------------------------------------------------------------------
# Counting what a layer costs
# ---------------------------------------------------------------------------


def conv2d_params(in_channels: int, out_channels: int, kernel_size: int | Sequence[int],
                  *, bias: bool = True, groups: int = 1) -> int:
    """Number of parameters of a 2-D convolution: ``(k_h k_w C_in / groups + 1) C_out``.

    Every one of the ``out_channels`` filters has one weight per kernel position
    and input channel it sees, plus one bias. Chapter: *Architectures*.
    """
    c_in = check_int("in_channels", in_channels, minimum=1)
    c_out = check_int("out_channels", out_channels, minimum=1)
    kh, kw = check_pair("kernel_size", kernel_size, 1)
    groups = check_int("groups", groups, minimum=1)
    if c_in % groups or c_out % groups:
        raise ValueError(f"groups must divide in_channels and out_channels, got "
                         f"groups={groups}, in_channels={c_in}, out_channels={c_out}")
    return (kh * kw * (c_in // groups) + int(check_bool("bias", bias))) * c_out


def conv2d_macs(in_channels: int, out_channels: int, kernel_size: int | Sequence[int],
                out_height: int, out_width: int, *, groups: int = 1) -> int:
    """Multiply-accumulates of one 2-D convolution on one image.

    Each of the ``C_out * H_out * W_out`` outputs is a dot product of length
    ``k_h k_w C_in / groups``, so the count is their product (biases are
    additions, not counted). Chapter: *Architectures*.
    """
    c_in = check_int("in_channels", in_channels, minimum=1)
    c_out = check_int("out_channels", out_channels, minimum=1)
    kh, kw = check_pair("kernel_size", kernel_size, 1)
    h = check_int("out_height", out_height, minimum=1)
    w = check_int("out_width", out_width, minimum=1)
    groups = check_int("groups", groups, minimum=1)
    if c_in % groups or c_out % groups:
        raise ValueError(f"groups must divide in_channels and out_channels, got "
                         f"groups={groups}, in_channels={c_in}, out_channels={c_out}")
    return kh * kw * (c_in // groups) * c_out * h * w


def count_parameters(model: nn.Module, *, trainable_only: bool = False) -> int:
    """Total number of scalar parameters of ``model`` (optionally only trainable ones).

    Chapter: *Architectures*.
    """
    check_module("model", model)
    trainable_only = check_bool("trainable_only", trainable_only)
    return sum(p.numel() for p in model.parameters()
               if p.requires_grad or not trainable_only)


class LayerCost(NamedTuple):
    """One row of :func:`layer_costs`: a leaf layer, its output shape, parameters and MACs."""

    name: str
    kind: str
    out_shape: tuple[int, ...]
    params: int
    macs: int


def _layer_macs(module: nn.Module, out: torch.Tensor) -> int:
    # Only convolutions and linear layers multiply by weights; normalisation,
    # activations and pooling cost a few operations per value, which we leave out.
    if isinstance(module, nn.Conv2d):
        _, _, h, w = out.shape
        return conv2d_macs(module.in_channels, module.out_channels, module.kernel_size,
                           h, w, groups=module.groups)
    if isinstance(module, nn.Linear):
        rows = out[0].numel() // module.out_features  # extra leading dims repeat the layer
        return module.in_features * module.out_features * rows
    return 0


def layer_costs(model: nn.Module, input_shape: Sequence[int]) -> list[LayerCost]:
    """Run one image of ``input_shape`` (C, H, W) through ``model`` and cost every leaf layer.

    Forward hooks record each leaf module's output shape; MACs are counted for
    ``nn.Conv2d`` and ``nn.Linear`` (the layers that multiply by weights) and
    are per image. Parameters are each layer's own. Chapter: *Architectures*.
    """
    check_module("model", model)
    shape = tuple(check_int("input_shape", s, minimum=1)
                  for s in check_sequence("input_shape", input_shape))
    if len(shape) != 3:
        raise ValueError(f"input_shape must be three positive ints (C, H, W), got {shape}")
    rows: list[LayerCost] = []
    handles = []

    def hook(name):
        def record(module, inputs, out):
            params = sum(p.numel() for p in module.parameters(recurse=False))
            rows.append(LayerCost(name, type(module).__name__, tuple(out.shape[1:]),
                                  params, _layer_macs(module, out)))
        return record

    for name, module in model.named_modules():
        if not any(True for _ in module.children()):
            handles.append(module.register_forward_hook(hook(name)))
    was_training = model.training
    model.eval()  # batch norm must not update its running statistics here
    try:
        device = next(model.parameters()).device
    except StopIteration:
        device = torch.device("cpu")
    try:
        with torch.no_grad():
            model(torch.zeros(1, *shape, device=device))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return rows


def count_macs(model: nn.Module, input_shape: Sequence[int]) -> int:
    """Multiply-accumulates ``model`` spends on one image of ``input_shape`` (C, H, W).

    Chapter: *Architectures*.
    """
    return sum(row.macs for row in layer_costs(model, input_shape))


# ---------------------------------------------------------------------------
# Blocks
# ---------------------------------------------------------------------------


def conv_bn_relu(in_channels: int, out_channels: int, kernel_size: int = 3,
                 stride: int = 1) -> nn.Sequential:
    """Convolution (no bias: batch norm's shift replaces it), batch norm, ReLU.

    Padding keeps the size for odd kernels at stride 1. Chapter: *Architectures*.
    """
    c_in = check_int("in_channels", in_channels, minimum=1)
    c_out = check_int("out_channels", out_channels, minimum=1)
    k = check_int("kernel_size", kernel_size, minimum=1)
    s = check_int("stride", stride, minimum=1)
    return nn.Sequential(nn.Conv2d(c_in, c_out, k, stride=s, padding=k // 2, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


def vgg_block(in_channels: int, out_channels: int, num_convs: int, *,
              batch_norm: bool = True) -> nn.Sequential:
    """VGG's unit: ``num_convs`` 3x3 convolutions with ReLU, then 2x2 max pooling.

    Two stacked 3x3 convolutions see a 5x5 window with fewer parameters than one
    5x5 convolution, and apply two nonlinearities instead of one. With
    ``batch_norm`` each convolution is followed by batch normalisation (VGG
    itself predates it). Chapter: *Architectures*.
    """
    c_in = check_int("in_channels", in_channels, minimum=1)
    c_out = check_int("out_channels", out_channels, minimum=1)
    n = check_int("num_convs", num_convs, minimum=1)
    batch_norm = check_bool("batch_norm", batch_norm)
    layers: list[nn.Module] = []
    for i in range(n):
        if batch_norm:
            layers += list(conv_bn_relu(c_in if i == 0 else c_out, c_out, 3))
        else:
            layers += [nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1),
                       nn.ReLU(inplace=True)]
    layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


class InceptionBlock(nn.Module):
    """GoogLeNet's Inception module: four parallel branches, concatenated on channels.

    Branches: a 1x1 convolution (``c1`` channels); a 1x1 bottleneck to
    ``c3[0]`` channels then a 3x3 convolution to ``c3[1]``; a 1x1 bottleneck
    to ``c5[0]`` then a 5x5 convolution to ``c5[1]``; 3x3 max pooling then a
    1x1 projection to ``pool_proj``. Every branch keeps the spatial size, so the
    output has ``c1 + c3[1] + c5[1] + pool_proj`` channels. Each convolution is
    followed by batch norm and ReLU. Chapter: *Architectures*.
    """

    def __init__(self, in_channels: int, c1: int, c3: tuple[int, int],
                 c5: tuple[int, int], pool_proj: int):
        super().__init__()
        c_in = check_int("in_channels", in_channels, minimum=1)
        c1 = check_int("c1", c1, minimum=1)
        c3 = _channel_pair("c3", c3)
        c5 = _channel_pair("c5", c5)
        pool_proj = check_int("pool_proj", pool_proj, minimum=1)
        self.branch1 = conv_bn_relu(c_in, c1, 1)
        self.branch3 = nn.Sequential(conv_bn_relu(c_in, c3[0], 1),
                                     conv_bn_relu(c3[0], c3[1], 3))
        self.branch5 = nn.Sequential(conv_bn_relu(c_in, c5[0], 1),
                                     conv_bn_relu(c5[0], c5[1], 5))
        self.branch_pool = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1),
                                         conv_bn_relu(c_in, pool_proj, 1))
        self.out_channels = c1 + c3[1] + c5[1] + pool_proj

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_images(x, self.branch1[0])
        return torch.cat([self.branch1(x), self.branch3(x), self.branch5(x),
                          self.branch_pool(x)], dim=1)


def _check_images(x: torch.Tensor, first: nn.Conv2d) -> None:
    """Check a batch of images for a network whose first convolution is ``first``."""
    check_shape("x", x, ("N", first.in_channels, "H", "W"), dtype=first.weight.dtype)


def _channel_pair(name: str, value) -> tuple[int, int]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"{name} must be a pair (bottleneck channels, output channels), "
                         f"got {value!r}")
    return (check_int(name, value[0], minimum=1), check_int(name, value[1], minimum=1))


class ResidualBlock(nn.Module):
    """ResNet's basic block: ``y = relu(F(x) + shortcut(x))``.

    ``F`` is 3x3 conv, batch norm, ReLU, 3x3 conv, batch norm; the first
    convolution has ``stride``. The shortcut is the identity when the shape is
    kept, else a strided 1x1 convolution with batch norm (a projection) so that
    the two paths can be added. With ``residual=False`` the shortcut is dropped
    and the block is a plain two-layer stack with the same layers, for fair
    comparisons. With ``zero_init`` the last batch norm's scale starts at 0, so
    that ``F(x) = 0`` and the block computes ``relu(x)`` at initialisation.
    Chapter: *Architectures*.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, *,
                 residual: bool = True, zero_init: bool = False):
        super().__init__()
        c_in = check_int("in_channels", in_channels, minimum=1)
        c_out = check_int("out_channels", out_channels, minimum=1)
        stride = check_int("stride", stride, minimum=1)
        self.residual = check_bool("residual", residual)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut: nn.Module = nn.Identity()
        if self.residual and (stride != 1 or c_in != c_out):
            self.shortcut = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))
        if check_bool("zero_init", zero_init):
            nn.init.zeros_(self.bn2.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_images(x, self.conv1)
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.residual:
            out = out + self.shortcut(x)
        return torch.relu(out)


# ---------------------------------------------------------------------------
# Small networks
# ---------------------------------------------------------------------------


def _head_args(num_classes: int, in_channels: int, width: int) -> tuple[int, int, int]:
    return (check_int("num_classes", num_classes, minimum=1),
            check_int("in_channels", in_channels, minimum=1),
            check_int("width", width, minimum=1))


def alexnet_small(num_classes: int = 4, in_channels: int = 3, *, width: int = 16,
                  hidden: int = 128, dropout: float = 0.5) -> nn.Sequential:
    """AlexNet's recipe at 32x32: a large first kernel, ReLUs, max pooling, and a
    classifier of fully connected layers regularised with dropout.

    No batch norm (AlexNet predates it). Most of the parameters sit in the first
    fully connected layer, as in the original. Chapter: *Architectures*.
    """
    num_classes, c_in, w = _head_args(num_classes, in_channels, width)
    hidden = check_int("hidden", hidden, minimum=1)
    dropout = check_float("dropout", dropout, minimum=0.0, maximum=1.0, strict_max=True)
    return nn.Sequential(
        nn.Conv2d(c_in, w, 5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        nn.Conv2d(w, 2 * w, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        nn.Conv2d(2 * w, 2 * w, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(2 * w, 2 * w, 3, padding=1), nn.ReLU(inplace=True),
        nn.AdaptiveMaxPool2d(4),  # 2x2 max pooling at 32x32; other sizes end 4x4 too
        nn.Flatten(), nn.Dropout(dropout), nn.Linear(2 * w * 16, hidden),
        nn.ReLU(inplace=True), nn.Dropout(dropout), nn.Linear(hidden, num_classes))


def vgg_small(num_classes: int = 4, in_channels: int = 3, *, width: int = 16,
              convs: Sequence[int] = (1, 2, 2)) -> nn.Sequential:
    """A VGG-style network: one :func:`vgg_block` per entry of ``convs``, doubling the
    channels after each, then global average pooling and one linear layer.

    Chapter: *Architectures*.
    """
    num_classes, c_in, w = _head_args(num_classes, in_channels, width)
    if not isinstance(convs, (tuple, list)) or not convs:
        raise ValueError(f"convs must be a non-empty sequence of ints, got {convs!r}")
    layers: list[nn.Module] = []
    c = c_in
    for i, n in enumerate(convs):
        layers.append(vgg_block(c, w * 2 ** i, check_int("convs", n, minimum=1)))
        c = w * 2 ** i
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, num_classes)]
    return nn.Sequential(*layers)


def inception_small(num_classes: int = 4, in_channels: int = 3, *,
                    width: int = 16) -> nn.Sequential:
    """A two-module GoogLeNet: a stem convolution, two :class:`InceptionBlock` s with
    pooling between them, global average pooling and one linear layer.

    Chapter: *Architectures*.
    """
    num_classes, c_in, w = _head_args(num_classes, in_channels, width)
    first = InceptionBlock(w, w, (w // 2 or 1, w), (w // 4 or 1, w // 2 or 1), w // 2 or 1)
    c = first.out_channels
    second = InceptionBlock(c, 2 * w, (w, 2 * w), (w // 2 or 1, w), w)
    return nn.Sequential(conv_bn_relu(c_in, w, 3), nn.MaxPool2d(2), first, nn.MaxPool2d(2),
                         second, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(second.out_channels, num_classes))


class SmallResNet(nn.Module):
    """The CIFAR ResNet of He et al. (2016), narrow: ``depth = 6n + 2`` weighted layers.

    A 3x3 stem convolution with ``width`` channels, three stages of ``n``
    :class:`ResidualBlock` s with ``width``, ``2 width`` and ``4 width``
    channels (the second and third halve the resolution), global average
    pooling and a linear classifier. ``depth`` counts the convolutions and the
    linear layer: 8, 14, 20, 26, 32, 44, 56, ... With ``residual=False`` every
    block loses its shortcut and the network is the *plain* baseline with the
    same layers. ``stem_stride=2`` halves the resolution in the stem, which
    cuts the compute by about four (the book uses it to fit a laptop CPU).
    Chapter: *Architectures*.
    """

    def __init__(self, depth: int = 20, *, width: int = 16, num_classes: int = 4,
                 in_channels: int = 3, residual: bool = True, zero_init: bool = False,
                 stem_stride: int = 1):
        super().__init__()
        depth = check_int("depth", depth, minimum=8)
        if (depth - 2) % 6:
            raise ValueError(f"depth must be 6n + 2 (8, 14, 20, 26, ...), got {depth}")
        num_classes, c_in, w = _head_args(num_classes, in_channels, width)
        n = (depth - 2) // 6
        residual, zero_init = check_bool("residual", residual), check_bool("zero_init", zero_init)
        self.depth, self.residual = depth, residual
        self.stem = conv_bn_relu(c_in, w, 3, check_int("stem_stride", stem_stride, minimum=1))
        blocks: list[nn.Module] = []
        c = w
        for stage in range(3):
            for i in range(n):
                stride = 2 if stage > 0 and i == 0 else 1
                blocks.append(ResidualBlock(c, w * 2 ** stage, stride, residual=residual,
                                            zero_init=zero_init and residual))
                c = w * 2 ** stage
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                  nn.Linear(c, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_images(x, self.stem[0])
        return self.head(self.blocks(self.stem(x)))


def plain_net(depth: int = 20, **kwargs) -> SmallResNet:
    """:class:`SmallResNet` without shortcuts: the same layers, stacked plainly.

    Chapter: *Architectures*.
    """
    if "residual" in kwargs:
        raise TypeError("plain_net has no residual argument; use SmallResNet")
    return SmallResNet(depth, residual=False, **kwargs)
