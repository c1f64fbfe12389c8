"""Architecture diagrams of the chapters *LeNet* and *Architectures*, read from the modules."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from torch import nn  # noqa: E402

from dlbook.cnn.architectures import (InceptionBlock, ResidualBlock, SmallResNet,  # noqa: E402
                                      inception_small, vgg_block)
from dlbook.cnn.diagrams import Branches, Layer, describe_module, draw_module, layer_label  # noqa: E402
from dlbook.cnn.diagrams import _step_modules as drawn  # noqa: E402  (the layers, in order)
from dlbook.cnn.lenet import LeNet  # noqa: E402


def leaves(module):
    return [m for m in module.modules() if not list(m.children())]


def test_lenet_lists_its_layers_in_order_with_shapes():
    model = LeNet()
    steps = describe_module(model, (1, 8, 8))
    assert all(isinstance(s, Layer) for s in steps)
    assert drawn(steps) == leaves(model)  # every layer once, in the order they run
    assert [s.label for s in steps] == [
        "upsample ×2 (bilinear)", "conv 5×5, 1→16, pad 2", "max pool 2×2",
        "conv 5×5, 16→32", "max pool 2×2", "flatten", "linear 128→120",
        "linear 120→84", "linear 84→10"]
    assert steps[1].extras == ("ReLU",)
    assert steps[6].extras == ("ReLU", "dropout 0.3")
    assert [s.shape for s in steps] == [(1, 16, 16), (16, 16, 16), (16, 8, 8), (32, 4, 4),
                                        (32, 2, 2), (128,), (120,), (84,), (10,)]


def test_vgg_block_folds_batch_norm_and_relu_into_each_convolution():
    steps = describe_module(vgg_block(3, 8, 2), (3, 16, 16))
    assert [s.label for s in steps] == ["conv 3×3, 3→8, pad 1", "conv 3×3, 8→8, pad 1",
                                        "max pool 2×2"]
    assert steps[0].extras == ("batch norm", "ReLU")
    assert steps[-1].shape == (8, 8, 8)


def test_inception_block_is_four_branches_concatenated():
    block = InceptionBlock(16, c1=16, c3=(8, 16), c5=(4, 8), pool_proj=8)
    (step,) = describe_module(block, (16, 8, 8))
    assert isinstance(step, Branches) and step.merge == "concatenate"
    assert [[layer.label for layer in path] for path in step.paths] == [
        ["conv 1×1, 16→16"], ["conv 1×1, 16→8", "conv 3×3, 8→16, pad 1"],
        ["conv 1×1, 16→4", "conv 5×5, 4→8, pad 2"],
        ["max pool 3×3, stride 1, pad 1", "conv 1×1, 16→8"]]
    # the merged channels are the sum of the branches' last channels
    assert step.shape == (block.out_channels, 8, 8)
    assert sum(path[-1].shape[0] for path in step.paths) == block.out_channels


def test_residual_block_adds_identity_or_projection_then_relu():
    added, relu = describe_module(ResidualBlock(8, 8), (8, 6, 6))
    assert isinstance(added, Branches) and added.merge == "add"
    main, skip = added.paths
    assert [layer.extras for layer in main] == [("batch norm", "ReLU"), ("batch norm",)]
    assert skip == ()  # the identity
    assert relu.label == "ReLU" and relu.shape == (8, 6, 6)
    (projected, _) = describe_module(ResidualBlock(8, 16, stride=2), (8, 6, 6))
    assert [layer.label for layer in projected.paths[1]] == ["conv 1×1, 8→16, stride 2"]
    assert projected.shape == (16, 3, 3)
    plain = describe_module(ResidualBlock(8, 8, residual=False), (8, 6, 6))
    assert all(isinstance(s, Layer) for s in plain) and plain[-1].extras[-1] == "ReLU"


def test_whole_networks_keep_every_layer():
    for model, shape in ((SmallResNet(8, width=4), (3, 16, 16)),
                         (inception_small(width=8), (3, 16, 16))):
        assert drawn(describe_module(model, shape)) == [
            m for m in leaves(model) if not isinstance(m, nn.Identity)]


def test_layer_labels():
    assert layer_label(nn.Conv2d(3, 8, (3, 5), stride=2)) == "conv 3×5, 3→8, stride 2"
    assert layer_label(nn.AdaptiveAvgPool2d(1)) == "global avg pool"
    assert layer_label(nn.AdaptiveMaxPool2d(4)) == "adaptive max pool to 4×4"
    assert layer_label(nn.GELU()) == "GELU"


def test_draw_module_returns_a_figure_with_one_box_per_layer():
    fig = draw_module(LeNet(), (1, 8, 8), title="LeNet")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.index("conv 5×5, 1→16, pad 2") < texts.index("linear 84→10")
    assert "input 1×8×8" in texts
    plt.close(fig)
    fig = draw_module(ResidualBlock(4, 4), (4, 5, 5))
    assert "+" in [t.get_text() for t in fig.axes[0].texts]
    plt.close(fig)


class Reversed(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(3, 3), nn.Linear(3, 3)

    def forward(self, x):
        return self.a(self.b(x))


class Unused(Reversed):
    def forward(self, x):
        return self.a(x)  # b is registered but never called


def test_bad_input_raises():
    with pytest.raises(TypeError, match="module"):
        describe_module("LeNet", (1, 8, 8))
    with pytest.raises(ValueError, match="input_shape"):
        describe_module(LeNet(), (1, 0, 8))
    with pytest.raises(ValueError, match="module"):  # forward order differs from the drawing
        describe_module(Reversed(), (3,))
    with pytest.raises(ValueError, match="does not run"):
        describe_module(Unused(), (3,))
    with pytest.raises(TypeError, match="title"):
        draw_module(LeNet(), (1, 8, 8), title=3)


def test_draw_module_into_given_axes():
    fig, axes = plt.subplots(1, 2)
    assert draw_module(ResidualBlock(4, 4), (4, 5, 5), ax=axes[1], title="block") is fig
    assert axes[1].get_title() == "block" and axes[1].texts and not axes[0].texts
    with pytest.raises(TypeError, match="ax"):
        draw_module(ResidualBlock(4, 4), (4, 5, 5), ax=fig)
    plt.close(fig)
