"""Tests of dlbook.cnn.segmentation: the U-Net and the pixel metrics."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook.cnn.segmentation import UNet, confusion_matrix, mean_iou, pixel_accuracy, pixel_iou

T = torch.tensor


@pytest.mark.parametrize("size", [(32, 32), (48, 48), (37, 50), (17, 23), (8, 8)])
@pytest.mark.parametrize("depth", [0, 1, 2, 3])
def test_unet_output_shape(size, depth):
    torch.manual_seed(0)
    model = UNet(3, 5, width=4, depth=depth, convs=1).eval()
    out = model(torch.rand(2, 3, *size))
    assert out.shape == (2, 5, *size)


def test_unet_learns_through_every_parameter():
    torch.manual_seed(0)
    model = UNet(1, 3, width=4, depth=2)
    out = model(torch.rand(2, 1, 12, 12))
    torch.nn.functional.cross_entropy(out, torch.randint(0, 3, (2, 12, 12))).backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all()
               for p in model.parameters())
    assert len(model.down) == 3 and len(model.up) == 2 and len(model.merge) == 2


def test_unet_bad_arguments():
    with pytest.raises(ValueError, match="depth"):
        UNet(3, 2, depth=-1)
    with pytest.raises(ValueError, match="width"):
        UNet(3, 2, width=0)
    with pytest.raises(TypeError, match="num_classes"):
        UNet(3, 2.5)


def test_iou_hand_case():
    pred = T([[0, 0], [1, 1]])
    target = T([[0, 1], [1, 1]])
    # class 0: 1 pixel in both, 2 predicted, 1 true -> union 2 -> 1/2
    # class 1: 2 pixels in both, 2 predicted, 3 true -> union 3 -> 2/3
    iou = pixel_iou(pred, target, 3)
    assert iou[0].item() == pytest.approx(0.5) and iou[1].item() == pytest.approx(2 / 3)
    assert math.isnan(iou[2])  # class 2 nowhere: no verdict
    assert mean_iou(pred, target, 3) == pytest.approx((0.5 + 2 / 3) / 2)
    assert pixel_accuracy(pred, target) == pytest.approx(0.75)
    # a class predicted but absent scores 0, not NaN
    assert pixel_iou(T([2, 1]), T([1, 1]), 3).tolist()[2] == 0.0
    assert mean_iou(target, target, 3) == 1.0


def test_iou_pools_pixels_over_images():
    # IoU is computed over all images at once, not averaged per image
    pred = T([[1, 1, 1, 1], [0, 0, 0, 1]])
    target = T([[1, 1, 1, 1], [0, 0, 0, 0]])
    # class 1: 4 both, 5 predicted, 4 true -> 4/5 (per-image mean would give (1 + 0)/2)
    assert pixel_iou(pred, target, 2)[1].item() == pytest.approx(0.8)


@pytest.mark.filterwarnings("ignore:A single label")
@settings(max_examples=25, deadline=None)
@given(st.integers(1, 5), st.integers(1, 40), st.integers(0, 2**31 - 1))
def test_confusion_matrix_agrees_with_sklearn(k, n, seed):
    from sklearn.metrics import confusion_matrix as sk_confusion, jaccard_score

    g = torch.Generator().manual_seed(seed)
    pred, target = torch.randint(0, k, (2, n, 3), generator=g)
    cm = confusion_matrix(pred, target, k)
    want = sk_confusion(target.flatten().numpy(), pred.flatten().numpy(), labels=range(k))
    assert np.array_equal(cm.numpy(), want)
    iou = pixel_iou(pred, target, k)
    present = ~torch.isnan(iou)
    sk = jaccard_score(target.flatten().numpy(), pred.flatten().numpy(),
                       labels=np.arange(k)[present.numpy()], average=None, zero_division=0)
    assert np.allclose(iou[present].numpy(), sk)
    assert ((iou[present] >= 0) & (iou[present] <= 1)).all()


def test_metric_bad_inputs():
    with pytest.raises(ValueError, match="pred and target"):
        pixel_iou(T([0, 1]), T([0, 1, 1]), 2)
    with pytest.raises(TypeError, match="pred"):
        mean_iou(torch.rand(2, 3), T([[0, 1, 1], [0, 0, 0]]), 2)
    with pytest.raises(ValueError, match="target"):
        confusion_matrix(T([0, 1]), T([0, 5]), 2)
    with pytest.raises(ValueError, match="num_classes"):
        pixel_iou(T([0]), T([0]), 0)
    with pytest.raises(ValueError, match="pred and target"):
        pixel_accuracy(T([0, 1]), T([0]))


def test_draw_unet_draws_one_box_per_feature_map():
    import matplotlib.pyplot as plt

    from dlbook.cnn.segmentation import draw_unet

    fig, ax = plt.subplots()
    assert draw_unet(ax, UNet(3, 5, width=4, depth=2), size=48) is ax
    # input, 3 encoder maps, 2 x (upsampled, merged) decoder maps, logits
    assert len(ax.patches) - sum(type(p).__name__ == "FancyArrowPatch"
                                 for p in ax.patches) == 1 + 3 + 4 + 1
    labels = [t.get_text() for t in ax.texts]
    assert "16\n12²" in labels and "5\n48²" in labels
    plt.close(fig)
    with pytest.raises(TypeError, match="model"):
        draw_unet(plt.subplots()[1], torch.nn.Conv2d(1, 1, 1), size=8)
