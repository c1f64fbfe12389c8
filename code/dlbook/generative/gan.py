"""Generative adversarial networks: the losses, the two players, and a mixture of
Gaussians in the plane whose modes can be counted.

The discriminator's and the generator's losses are written on logits, with
``softplus`` (``log(1 + e^a)``), which is what ``binary_cross_entropy_with_logits``
computes and stays finite where ``log(sigmoid(a))`` would underflow. Chapter:
*Generative adversarial networks*.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from .._args import (check_bool, check_float, check_generator, check_int, check_module,
                     check_same_shape, check_shape, check_tensor)

# ---------------------------------------------------------------------------
# The losses
# ---------------------------------------------------------------------------


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """``-[log D(x) + log(1 - D(G(z)))]``, each term averaged over its batch.

    ``D = sigmoid(logit)``, so ``-log D = softplus(-logit)`` and
    ``-log(1 - D) = softplus(logit)``. Chapter: *Generative adversarial networks*.
    """
    _check_logits("real_logits", real_logits)
    _check_logits("fake_logits", fake_logits)
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss(fake_logits: torch.Tensor, *, saturating: bool = False) -> torch.Tensor:
    """The generator's loss on the discriminator's logits for its samples.

    Non-saturating (the default): ``-log D(G(z))``, large when the discriminator
    rejects the samples. Saturating (the minimax game as written):
    ``log(1 - D(G(z)))``, whose gradient vanishes exactly then.
    Chapter: *Generative adversarial networks*.
    """
    _check_logits("fake_logits", fake_logits)
    saturating = check_bool("saturating", saturating)
    if saturating:
        return -F.softplus(fake_logits).mean()    # log(1 - D) = -softplus(logit)
    return F.softplus(-fake_logits).mean()        # -log D = softplus(-logit)


def r1_penalty(discriminator: nn.Module, real: torch.Tensor) -> torch.Tensor:
    """``mean ||grad_x D(x)||^2`` over real samples: the R1 gradient penalty.

    ``real`` holds samples along its last dimension (``(batch, 2)``, or
    ``(copies, batch, 2)`` for stacked networks); the squared norm is taken over
    that dimension and averaged over the others. The gradient is of the
    discriminator's logit with respect to its input, kept in
    the graph (``create_graph=True``) so that the penalty can be minimised. Add
    ``gamma / 2`` times it to the discriminator's loss.
    Chapter: *Generative adversarial networks*.
    """
    check_module("discriminator", discriminator)
    real = check_tensor("real", real, floating=True, nonempty=True, finite=True)
    real = real.detach().requires_grad_(True)
    logits = discriminator(real)
    (grad,) = torch.autograd.grad(logits.sum(), real, create_graph=True)
    return grad.square().sum(-1).mean()


def _check_logits(name: str, logits) -> None:
    check_tensor(name, logits, floating=True, nonempty=True)


# ---------------------------------------------------------------------------
# The game on known densities
# ---------------------------------------------------------------------------


def optimal_discriminator(p_data: torch.Tensor, p_model: torch.Tensor) -> torch.Tensor:
    """``p_data / (p_data + p_model)``, pointwise: the best reply to a fixed generator.

    Where both densities are 0 the discriminator's value does not matter; 1/2 is
    returned. Chapter: *Generative adversarial networks*.
    """
    p_data, p_model = _check_densities(p_data, p_model)
    total = p_data + p_model
    return torch.where(total > 0, p_data / total.clamp(min=torch.finfo(total.dtype).tiny),
                       torch.full_like(total, 0.5))


def js_divergence(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """Jensen-Shannon divergence, in nats, between two discrete distributions.

    ``p`` and ``q`` hold the probabilities of the same outcomes (each sums to 1, for
    instance a density times a grid's spacing): ``KL(p || m) / 2 + KL(q || m) / 2``
    with ``m = (p + q) / 2``; it lies between 0 and ``log 2``.
    Chapter: *Generative adversarial networks*.
    """
    p, q = _check_densities(p, q, names=("p", "q"))
    for name, dist in (("p", p), ("q", q)):
        if abs(float(dist.sum()) - 1) > 1e-4:
            raise ValueError(f"{name} must sum to 1 (probabilities), got {float(dist.sum()):.6g}")
    m = (p + q) / 2
    return 0.5 * _kl(p, m) + 0.5 * _kl(q, m)


def _kl(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    terms = p * (p / q).log()
    return torch.where(p > 0, terms, torch.zeros_like(terms)).sum()  # 0 log 0 = 0


def _check_densities(a, b, names=("p_data", "p_model")):
    for name, value in zip(names, (a, b)):
        check_tensor(name, value, floating=True, nonempty=True, finite=True)
        if bool((value < 0).any()):
            raise ValueError(f"{name} must be non-negative (a density), got a negative value")
    check_same_shape(names[0], a, names[1], b)
    return a, b


# ---------------------------------------------------------------------------
# A mixture of Gaussians in the plane, and how much of it a model covers
# ---------------------------------------------------------------------------


def ring_modes(modes: int = 8, radius: float = 2.0) -> torch.Tensor:
    """The centres of ``modes`` Gaussians evenly spaced on a circle: ``(modes, 2)``.

    Chapter: *Generative adversarial networks*.
    """
    modes = check_int("modes", modes, minimum=1)
    radius = check_float("radius", radius, minimum=0.0, strict_min=True)
    angles = 2 * math.pi * torch.arange(modes) / modes
    return radius * torch.stack([angles.cos(), angles.sin()], dim=1)


def sample_mixture(centres: torch.Tensor, std: float, n: int, *,
                   generator: torch.Generator | None = None) -> torch.Tensor:
    """``n`` points from an equal-weight mixture of Gaussians with the given centres
    and standard deviation ``std`` along each axis: ``(n, 2)``.
    Chapter: *Generative adversarial networks*.
    """
    centres = _check_centres(centres)
    std = check_float("std", std, minimum=0.0, strict_min=True)
    n = check_int("n", n, minimum=1)
    check_generator("generator", generator)
    which = torch.randint(len(centres), (n,), generator=generator)
    return centres[which] + std * torch.randn(n, 2, generator=generator)


class Coverage(NamedTuple):
    """How much of a mixture a set of samples covers."""

    covered: int             # modes with at least min_count high-quality samples
    high_quality: float      # share of samples within 3 std of their nearest centre
    counts: torch.Tensor     # high-quality samples per mode


def mode_coverage(samples: torch.Tensor, centres: torch.Tensor, std: float, *,
                  min_count: int = 20) -> Coverage:
    """Count the modes a generator's samples hit, and the share of good samples.

    A sample is of high quality when it lies within ``3 * std`` of its nearest
    centre; a mode is covered when at least ``min_count`` high-quality samples fall
    on it. Chapter: *Generative adversarial networks*.
    """
    samples = check_shape("samples", samples, ("N", 2))
    check_tensor("samples", samples, nonempty=True, finite=True)
    centres = _check_centres(centres)
    std = check_float("std", std, minimum=0.0, strict_min=True)
    min_count = check_int("min_count", min_count, minimum=1)
    distance, nearest = torch.cdist(samples, centres.to(samples.dtype)).min(dim=1)
    good = distance < 3 * std
    counts = torch.bincount(nearest[good], minlength=len(centres))
    return Coverage(int((counts >= min_count).sum()), float(good.float().mean()), counts)


def _check_centres(centres) -> torch.Tensor:
    centres = check_shape("centres", centres, ("M", 2))
    return check_tensor("centres", centres, nonempty=True, finite=True)


# ---------------------------------------------------------------------------
# The players in the plane: several independent copies trained side by side
# ---------------------------------------------------------------------------


class StackedLinear(nn.Module):
    """``copies`` independent linear layers applied at once to ``(copies, batch, in)``.

    Copy ``k`` computes ``x[k] @ weight[k] + bias[k]``, initialised as
    ``nn.Linear`` would be; one batched matrix product trains several seeds in
    a fraction of the time of as many separate runs.
    Chapter: *Generative adversarial networks*.
    """

    def __init__(self, copies: int, in_features: int, out_features: int) -> None:
        super().__init__()
        copies = check_int("copies", copies, minimum=1)
        in_features = check_int("in_features", in_features, minimum=1)
        out_features = check_int("out_features", out_features, minimum=1)
        layers = [nn.Linear(in_features, out_features) for _ in range(copies)]
        self.weight = nn.Parameter(torch.stack([layer.weight.detach().T for layer in layers]))
        self.bias = nn.Parameter(torch.stack([layer.bias.detach()[None] for layer in layers]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        copies, features = self.weight.shape[:2]
        check_shape("x", x, (copies, "batch", features), dtype=self.weight.dtype)
        return torch.baddbmm(self.bias, x, self.weight)


def _stacked_mlp(copies: int, sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [StackedLinear(copies, a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


class ToyGenerator(nn.Module):
    """Noise ``(copies, batch, latent_dim)`` to points ``(copies, batch, 2)``: an MLP
    with two hidden layers, one independent network per copy.
    Chapter: *Generative adversarial networks*.
    """

    def __init__(self, latent_dim: int = 2, hidden: int = 64, copies: int = 1) -> None:
        super().__init__()
        latent_dim = check_int("latent_dim", latent_dim, minimum=1)
        hidden = check_int("hidden", hidden, minimum=1)
        self.copies = check_int("copies", copies, minimum=1)
        self.latent_dim = latent_dim
        self.net = _stacked_mlp(self.copies, [latent_dim, hidden, hidden, 2])

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        check_shape("z", z, (self.copies, "batch", self.latent_dim))
        return self.net(z)


class ToyDiscriminator(nn.Module):
    """Points ``(copies, batch, 2)`` to logits ``(copies, batch, 1)``: an MLP with two
    hidden layers, one independent network per copy.
    Chapter: *Generative adversarial networks*.
    """

    def __init__(self, hidden: int = 64, copies: int = 1) -> None:
        super().__init__()
        hidden = check_int("hidden", hidden, minimum=1)
        copies = check_int("copies", copies, minimum=1)
        self.net = _stacked_mlp(copies, [2, hidden, hidden, 1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


# ---------------------------------------------------------------------------
# The players on the digits
# ---------------------------------------------------------------------------


class DigitGenerator(nn.Module):
    """Noise ``(batch, latent_dim)`` to 8x8 digits ``(batch, 1, 8, 8)``, pixels 0 to 1.

    DCGAN's pattern at the digits' size: a linear layer to a 4x4 map of ``width``
    channels, then a doubling of the resolution and two convolutions, with batch
    normalisation and ReLU between, and a sigmoid at the end.
    Chapter: *Generative adversarial networks*.
    """

    def __init__(self, latent_dim: int = 16, width: int = 32) -> None:
        super().__init__()
        self.latent_dim = check_int("latent_dim", latent_dim, minimum=1)
        self.width = check_int("width", width, minimum=1)
        self.project = nn.Sequential(nn.Linear(self.latent_dim, self.width * 16),
                                     nn.BatchNorm1d(self.width * 16), nn.ReLU())
        self.upsample = nn.Sequential(
            nn.Upsample(scale_factor=2),                                     # 4x4 -> 8x8
            nn.Conv2d(self.width, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 1, 3, padding=1), nn.Sigmoid())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        check_shape("z", z, ("batch", self.latent_dim))
        return self.upsample(self.project(z).view(-1, self.width, 4, 4))


class DigitDiscriminator(nn.Module):
    """8x8 digits ``(batch, 1, 8, 8)`` to logits ``(batch, 1)``: two convolutions
    with leaky ReLU (the second with stride 2), then a linear layer; no batch
    normalisation, so that each image is judged on its own.
    Chapter: *Generative adversarial networks*.
    """

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.LeakyReLU(0.2),        # 8x8 -> 4x4
            nn.Flatten(), nn.Linear(32 * 4 * 4, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_shape("x", x, ("batch", 1, 8, 8))
        return self.net(x)
