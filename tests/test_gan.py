"""The GAN's losses against PyTorch's binary cross-entropy, the optimal discriminator
on known densities, the coverage count on hand-made samples, and bad input."""

import math

import pytest
import torch
import torch.nn.functional as F

from dlbook.generative.gan import (DigitDiscriminator, DigitGenerator, StackedLinear,
                                   ToyDiscriminator, ToyGenerator, discriminator_loss,
                                   generator_loss, js_divergence, mode_coverage,
                                   optimal_discriminator, r1_penalty, ring_modes,
                                   sample_mixture)


def _logits(seed, n=7):
    g = torch.Generator().manual_seed(seed)
    return (4 * torch.randn(n, 1, generator=g, dtype=torch.float64)).requires_grad_(True)


def _grads(loss, *inputs):
    return torch.autograd.grad(loss, inputs)


def test_discriminator_loss_is_binary_cross_entropy_in_values_and_gradients():
    real, fake = _logits(0), _logits(1, n=5)
    ours = discriminator_loss(real, fake)
    theirs = (F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
              + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))
    assert torch.allclose(ours, theirs, atol=1e-12)
    for a, b in zip(_grads(ours, real, fake), _grads(theirs, real, fake)):
        assert torch.allclose(a, b, atol=1e-12)


def test_generator_losses_in_values_and_gradients():
    fake = _logits(2)
    non_saturating = generator_loss(fake)
    theirs = F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))
    assert torch.allclose(non_saturating, theirs, atol=1e-12)
    assert torch.allclose(*_grads(non_saturating, fake), *_grads(theirs, fake), atol=1e-12)
    saturating = generator_loss(fake, saturating=True)       # log(1 - D) = -BCE(., 0)
    theirs = -F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))
    assert torch.allclose(saturating, theirs, atol=1e-12)
    assert torch.allclose(*_grads(saturating, fake), *_grads(theirs, fake), atol=1e-12)


def test_saturating_gradient_vanishes_where_the_discriminator_wins():
    fake = torch.tensor([[-12.0]], dtype=torch.float64, requires_grad=True)  # D = 6e-6
    (g_sat,) = _grads(generator_loss(fake, saturating=True), fake)
    (g_ns,) = _grads(generator_loss(fake), fake)
    assert abs(g_sat.item()) < 1e-5 and abs(g_ns.item() + 1) < 1e-5


def test_losses_stay_finite_on_confident_logits():
    big = torch.tensor([[80.0], [-80.0]])
    assert torch.isfinite(discriminator_loss(big, big))
    assert torch.isfinite(generator_loss(big)) and torch.isfinite(generator_loss(big, saturating=True))


def test_optimal_discriminator_on_two_gaussians_gives_the_jensen_shannon_value():
    x = torch.linspace(-12, 12, 24001, dtype=torch.float64)
    dx = x[1] - x[0]
    p = torch.distributions.Normal(0.0, 1.0).log_prob(x).exp()
    q = torch.distributions.Normal(1.5, 2.0).log_prob(x).exp()
    d_star = optimal_discriminator(p, q)
    assert torch.allclose(d_star, p / (p + q))

    def value(d):  # V(D, G) = E_p log D + E_q log(1 - D), on the grid
        return ((p * d.log() + q * (1 - d).log()) * dx).sum()

    jsd = js_divergence(p * dx, q * dx)
    assert abs(value(d_star) - (-math.log(4) + 2 * jsd)) < 1e-6
    for bump in (0.05, -0.05):                     # any other discriminator does worse
        assert value((d_star + bump * torch.sin(x)).clamp(1e-9, 1 - 1e-9)) < value(d_star)
    assert optimal_discriminator(p, p).sub(0.5).abs().max() < 1e-12
    assert js_divergence(p * dx, p * dx).abs() < 1e-12


def test_optimal_discriminator_where_both_densities_vanish():
    assert optimal_discriminator(torch.tensor([0.0, 1.0]), torch.tensor([0.0, 0.0])).tolist() \
        == [0.5, 1.0]


def test_js_divergence_of_disjoint_supports_is_log_2():
    p, q = torch.tensor([0.5, 0.5, 0.0, 0.0]), torch.tensor([0.0, 0.0, 0.3, 0.7])
    assert abs(js_divergence(p, q).item() - math.log(2)) < 1e-6


def test_mode_coverage_on_hand_made_samples():
    centres = ring_modes(4, radius=2.0)            # (2, 0), (0, 2), (-2, 0), (0, -2)
    std = 0.1
    near_0 = centres[0] + torch.tensor([[0.05, 0.0]]).repeat(30, 1)   # 0.5 std away
    near_1 = centres[1] + torch.tensor([[0.0, 0.2]]).repeat(5, 1)     # too few
    off = centres[2] + torch.tensor([[0.35, 0.0]]).repeat(15, 1)      # 3.5 std: not good
    cov = mode_coverage(torch.cat([near_0, near_1, off]), centres, std, min_count=5)
    assert cov.counts.tolist() == [30, 5, 0, 0]
    assert cov.covered == 2
    assert cov.high_quality == pytest.approx(35 / 50)
    assert mode_coverage(torch.cat([near_0, near_1]), centres, std, min_count=10).covered == 1


def test_samples_of_the_mixture_cover_every_mode():
    centres = ring_modes(8)
    x = sample_mixture(centres, 0.02, 4000, generator=torch.Generator().manual_seed(0))
    cov = mode_coverage(x, centres, 0.02)
    assert cov.covered == 8 and cov.high_quality > 0.98  # 3 std holds 98.9% in 2-D


def test_r1_penalty_of_a_linear_discriminator():
    layer = torch.nn.Linear(2, 1)
    penalty = r1_penalty(layer, torch.randn(10, 2))
    assert torch.allclose(penalty, layer.weight.square().sum())
    penalty.backward()                              # it can be minimised
    assert torch.allclose(layer.weight.grad, 2 * layer.weight)


def test_stacked_copies_are_independent_linear_layers():
    torch.manual_seed(0)
    layer = StackedLinear(3, 4, 5)
    x = torch.randn(3, 6, 4)
    for k in range(3):
        assert torch.allclose(layer(x)[k], x[k] @ layer.weight[k] + layer.bias[k], atol=1e-6)
    out = layer(x)
    out[1].sum().backward()                         # copy 1's output moves copy 1 only
    assert layer.weight.grad[0].abs().sum() == 0 and layer.weight.grad[2].abs().sum() == 0


def test_network_shapes():
    assert ToyGenerator(copies=3)(torch.randn(3, 5, 2)).shape == (3, 5, 2)
    assert ToyDiscriminator(copies=3)(torch.randn(3, 5, 2)).shape == (3, 5, 1)
    images = DigitGenerator()(torch.randn(4, 16))
    assert images.shape == (4, 1, 8, 8) and images.min() >= 0 and images.max() <= 1
    assert DigitDiscriminator()(images).shape == (4, 1)


@pytest.mark.parametrize("call, error, words", [
    (lambda: discriminator_loss([1.0], torch.zeros(2)), TypeError, "real_logits"),
    (lambda: generator_loss(torch.zeros(2), saturating="no"), TypeError, "saturating"),
    (lambda: generator_loss(torch.zeros(0)), ValueError, "fake_logits"),
    (lambda: optimal_discriminator(torch.tensor([-1.0]), torch.tensor([1.0])), ValueError,
     "p_data"),
    (lambda: optimal_discriminator(torch.ones(2), torch.ones(3)), ValueError, "p_model"),
    (lambda: js_divergence(torch.tensor([0.5, 0.4]), torch.tensor([0.5, 0.5])), ValueError,
     "p must sum to 1"),
    (lambda: mode_coverage(torch.zeros(5, 3), ring_modes(), 0.1), ValueError, "samples"),
    (lambda: mode_coverage(torch.zeros(5, 2), ring_modes(), 0.0), ValueError, "std"),
    (lambda: ring_modes(0), ValueError, "modes"),
    (lambda: sample_mixture(ring_modes(), 0.1, 10, generator=0), TypeError, "generator"),
    (lambda: ToyDiscriminator(copies=2)(torch.zeros(3, 4, 2)), ValueError, "x"),
    (lambda: DigitGenerator()(torch.zeros(4, 8)), ValueError, "z"),
])
def test_bad_input_raises_a_clear_error(call, error, words):
    with pytest.raises(error, match=words):
        call()
