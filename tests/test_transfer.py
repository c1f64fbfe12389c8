"""Trunks, freezing and multi-task heads of *Augmentation and transfer learning*."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dlbook.cnn.architectures import conv2d_params, count_parameters
from dlbook.train import predict
from dlbook.cnn.transfer import ConvTrunk, MultiTaskNet, freeze


@pytest.mark.parametrize("size, stride", [(8, 1), (16, 2), (32, 2), (17, 1)])
def test_trunk_maps_images_of_any_size_to_features(size, stride):
    trunk = ConvTrunk(3, (4, 8, 6), stride=stride)
    assert trunk.out_features == 6
    assert trunk(torch.rand(2, 3, size, size)).shape == (2, 6)


def test_trunk_parameters_by_hand():
    trunk = ConvTrunk(1, (4, 8))
    convs = conv2d_params(1, 4, 3, bias=False) + conv2d_params(4, 8, 3, bias=False)
    assert count_parameters(trunk) == convs + 2 * (4 + 8)  # batch norm scale and shift


def test_trunk_stride_halves_the_first_feature_map():
    trunk = ConvTrunk(3, (4, 8), stride=2)
    x = torch.rand(1, 3, 16, 16)
    assert trunk[0](x).shape == (1, 4, 8, 8)


def test_freeze_stops_gradients_and_updates():
    torch.manual_seed(0)
    trunk = ConvTrunk(1, (4, 8))
    head = nn.Linear(8, 3)
    model = nn.Sequential(freeze(trunk), head)
    before = [p.clone() for p in trunk.parameters()]
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    loss = F.cross_entropy(model(torch.rand(4, 1, 8, 8)), torch.tensor([0, 1, 2, 0]))
    loss.backward()
    optimizer.step()
    assert all(p.grad is None for p in trunk.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, trunk.parameters()))
    assert head.weight.grad is not None
    assert count_parameters(model, trainable_only=True) == 8 * 3 + 3


def test_frozen_features_from_predict_are_fixed():
    trunk = freeze(ConvTrunk(1, (4, 8)))
    x = torch.rand(6, 1, 8, 8)
    a, b = predict(trunk, x), predict(trunk, x)
    assert torch.equal(a, b)


def test_multitask_net_concatenates_and_splits_heads():
    torch.manual_seed(0)
    trunk = ConvTrunk(3, (4, 8))
    net = MultiTaskNet(trunk, trunk.out_features, [4, 2])
    x = torch.rand(5, 3, 16, 16)
    out = net(x)
    assert out.shape == (5, 6)
    classes, centres = net.split(out)
    features = trunk(x)
    assert torch.allclose(classes, net.heads[0](features))
    assert torch.allclose(centres, net.heads[1](features))


def test_multitask_gradients_reach_the_shared_trunk_from_both_heads():
    torch.manual_seed(0)
    trunk = ConvTrunk(3, (4, 8))
    net = MultiTaskNet(trunk, trunk.out_features, [4, 2])
    x = torch.rand(5, 3, 16, 16)
    grads = []
    for head in range(2):
        net.zero_grad()
        net.split(net(x))[head].sum().backward()
        grads.append(trunk[0].weight.grad.clone())
        # only the head of this task receives a gradient
        assert net.heads[1 - head].weight.grad is None or torch.all(
            net.heads[1 - head].weight.grad == 0)
    assert all(g.abs().sum() > 0 for g in grads)
    assert not torch.allclose(grads[0], grads[1])


@pytest.mark.parametrize("call, name", [
    (lambda: ConvTrunk(0), "in_channels"),
    (lambda: ConvTrunk(3, ()), "widths"),
    (lambda: ConvTrunk(3, (4, 0)), "widths"),
    (lambda: ConvTrunk(3, stride=0), "stride"),
    (lambda: MultiTaskNet(nn.Identity(), 0, [2]), "feature_dim"),
    (lambda: MultiTaskNet(nn.Identity(), 4, []), "out_dims"),
    (lambda: MultiTaskNet(nn.Identity(), 4, [2, 0]), "out_dims"),
    (lambda: MultiTaskNet(nn.Identity(), 4, [2]).split(torch.zeros(3, 5)), "out"),
])
def test_bad_arguments_raise_value_error_naming_them(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_bad_types_raise_type_error():
    with pytest.raises(TypeError, match="module"):
        freeze("trunk")
    with pytest.raises(TypeError, match="trunk"):
        MultiTaskNet("trunk", 4, [2])
