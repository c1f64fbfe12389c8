"""Attribution methods (dlbook.cnn.attribution): exact cases, completeness, bad inputs."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from dlbook.cnn.attribution import (class_scores, completeness_gap, gradient_x_input,
                                ig_nodes, integrated_gradients, mask_fraction, occlusion,
                                saliency, smoothgrad)


class Linear(nn.Module):
    """score_c(x) = sum(W[c] * x) + b[c] on images (N, C, H, W)."""

    def __init__(self, shape, classes=3, seed=0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.W = nn.Parameter(torch.randn(classes, *shape, generator=g, dtype=torch.float64))
        self.b = nn.Parameter(torch.randn(classes, generator=g, dtype=torch.float64))

    def forward(self, x):
        return torch.einsum("nchw,kchw->nk", x, self.W) + self.b


def small_cnn(seed=0, act=nn.Softplus, pool=nn.AvgPool2d):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), act(), pool(2),
                         nn.Conv2d(4, 4, 3, padding=1), act(), nn.Flatten(),
                         nn.Linear(4 * 4 * 4, 3)).double()


def images(n=3, c=2, size=8, seed=1):
    return torch.rand(n, c, size, size, generator=torch.Generator().manual_seed(seed),
                      dtype=torch.float64)


def test_saliency_of_a_linear_model_is_its_weight():
    model, x = Linear((2, 5, 4)), images(4, 2, 5)[..., :4]
    target = torch.tensor([0, 2, 1, 2])
    assert torch.allclose(saliency(model, x, target), model.W.detach()[target])
    assert torch.allclose(gradient_x_input(model, x, target), model.W.detach()[target] * x)
    assert torch.allclose(saliency(model, x, 1), model.W.detach()[[1, 1, 1, 1]])


def test_saliency_matches_autograd_on_a_cnn():
    model, x = small_cnn(), images()
    xr = x.clone().requires_grad_(True)
    model(xr)[:, 2].sum().backward()
    assert torch.allclose(saliency(model, x, 2), xr.grad)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 1000), st.sampled_from(["left", "right", "midpoint", "trapezoid"]),
       st.integers(1, 7))
def test_ig_is_exact_for_a_linear_model(seed, method, steps):
    model = Linear((2, 6, 6), seed=seed)
    x, x0 = images(2, 2, 6, seed), images(2, 2, 6, seed + 1)
    attr = integrated_gradients(model, x, torch.tensor([1, 0]), baseline=x0, steps=steps,
                                method=method, batch_size=3)
    assert torch.allclose(attr, model.W.detach()[[1, 0]] * (x - x0), atol=1e-12)


def test_ig_completeness_on_a_small_cnn():
    model, x = small_cnn(), images()
    target = torch.tensor([0, 1, 2])
    gaps = []
    for steps in (4, 16, 64, 256):
        attr = integrated_gradients(model, x, target, steps=steps, batch_size=50)
        gaps.append(completeness_gap(model, x, target, attr).abs().max().item())
    assert gaps[-1] < 1e-4 * (1 + class_scores(model, x, target).abs().max().item())
    assert gaps[-1] < gaps[0]
    # The trapezoid rule converges like 1/steps^2 when the network is smooth.
    assert gaps[2] < gaps[1] / 8


def test_ig_with_a_nonzero_baseline_and_relu_network():
    model, x = small_cnn(1, act=nn.ReLU, pool=nn.MaxPool2d), images(2)
    baseline = torch.full((1, 2, 1, 1), 0.5, dtype=torch.float64)
    attr = integrated_gradients(model, x, 1, baseline=baseline, steps=512)
    assert completeness_gap(model, x, 1, attr, baseline=baseline).abs().max() < 2e-3
    # batching does not change the result
    attr_small = integrated_gradients(model, x, 1, baseline=baseline, steps=512,
                                      batch_size=7)
    assert torch.allclose(attr, attr_small, atol=1e-12)
    # at the baseline itself every attribution is zero
    same = integrated_gradients(model, baseline.expand_as(x).clone(), 1, baseline=baseline)
    assert torch.equal(same, torch.zeros_like(same))


def test_ig_nodes():
    for method in ("left", "right", "midpoint", "trapezoid"):
        alphas, weights = ig_nodes(5, method)
        assert weights.sum().item() == pytest.approx(1.0)
        assert alphas.min() >= 0 and alphas.max() <= 1
    assert torch.allclose(ig_nodes(4, "left")[0], torch.tensor([0, .25, .5, .75],
                                                               dtype=torch.float64))
    assert torch.allclose(ig_nodes(2, "trapezoid")[1], torch.tensor([.25, .5, .25],
                                                                    dtype=torch.float64))


def test_occlusion_of_a_linear_model_by_hand():
    model = Linear((1, 4, 4))
    x = images(2, 1, 4)
    target = torch.tensor([2, 0])
    contrib = model.W.detach()[target][:, 0] * x[:, 0]      # (N, 4, 4)
    # 1x1 windows with zero fill: the drop at each pixel is its own w * x.
    assert torch.allclose(occlusion(model, x, target, window=1), contrib)
    # 2x2 windows, stride 2: every pixel gets the sum over its block.
    blocks = contrib.reshape(2, 2, 2, 2, 2).sum((2, 4))
    want = blocks.repeat_interleave(2, 1).repeat_interleave(2, 2)
    assert torch.allclose(occlusion(model, x, target, window=2), want)
    # with fill equal to the input nothing changes
    assert torch.equal(occlusion(model, x, target, window=2, fill=x),
                       torch.zeros(2, 4, 4, dtype=torch.float64))


def test_occlusion_overlapping_windows_average():
    # score = x[0, 0, 1, 1]: only windows that cover pixel (1, 1) change it.
    class Pick(nn.Module):
        def __init__(self):
            super().__init__()
            self.dummy = nn.Parameter(torch.zeros(1))

        def forward(self, x):
            return torch.stack([x[:, 0, 1, 1], -x[:, 0, 1, 1]], 1)

    x = torch.ones(1, 1, 3, 3, dtype=torch.float64)
    got = occlusion(Pick(), x, 0, window=2, stride=1)  # four windows, all cover (1, 1)
    assert torch.allclose(got, torch.ones(1, 3, 3, dtype=torch.float64))
    got = occlusion(Pick(), torch.ones(1, 1, 5, 5, dtype=torch.float64), 0, window=3,
                    stride=2)  # border windows are added so every pixel is covered
    assert torch.isfinite(got).all()


def test_smoothgrad_of_a_linear_model_is_its_weight():
    model, x = Linear((2, 4, 4)), images(2, 2, 4)
    got = smoothgrad(model, x, 1, samples=3, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(got, model.W.detach()[[1, 1]])


def test_model_mode_is_restored():
    model = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(32, 3)).double()
    model.train()
    x = images(2, 2, 4)
    a, b = saliency(model, x, 0), saliency(model, x, 0)
    assert torch.equal(a, b)  # dropout off while explaining
    assert model.training


def test_mask_fraction():
    maps = torch.zeros(2, 4, 4)
    maps[0, :2] = 1.0
    maps[1] = -1.0
    masks = torch.zeros(2, 4, 4, dtype=torch.int64)
    masks[:, :2] = 3
    assert torch.allclose(mask_fraction(maps, masks), torch.tensor([1.0, 0.5]))
    with pytest.raises(ValueError, match="masks"):
        mask_fraction(maps, masks[:, :2])


def test_bad_inputs():
    model, x = small_cnn(), images()
    with pytest.raises(TypeError, match="model"):
        saliency(lambda t: t, x, 0)
    with pytest.raises(TypeError, match="x"):
        saliency(model, x.numpy(), 0)
    with pytest.raises(ValueError, match="target"):
        saliency(model, x, 3)
    with pytest.raises(ValueError, match="target"):
        saliency(model, x, -1)
    with pytest.raises(ValueError, match="target"):
        saliency(model, x, torch.tensor([0, 1]))
    with pytest.raises(TypeError, match="target"):
        saliency(model, x, torch.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="steps"):
        integrated_gradients(model, x, 0, steps=0)
    with pytest.raises(ValueError, match="method"):
        integrated_gradients(model, x, 0, method="simpson")
    with pytest.raises(ValueError, match="baseline"):
        integrated_gradients(model, x, 0, baseline=torch.zeros(3, 2, 4, 4,
                                                               dtype=torch.float64))
    with pytest.raises(ValueError, match="batch_size"):
        integrated_gradients(model, x, 0, batch_size=0)
    with pytest.raises(ValueError, match="window"):
        occlusion(model, x, 0, window=9)
    with pytest.raises(ValueError, match="stride"):
        occlusion(model, x, 0, window=2, stride=0)
    with pytest.raises(ValueError, match="x"):
        occlusion(model, x[:, 0], 0)
    with pytest.raises(ValueError, match="attributions"):
        completeness_gap(model, x, 0, x[:1])
    with pytest.raises(ValueError, match="samples"):
        smoothgrad(model, x, 0, samples=0)
