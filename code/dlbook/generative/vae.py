"""The variational autoencoder: a Gaussian encoder, a Bernoulli decoder, and the ELBO.

The encoder maps a digit to the mean and log-variance of a diagonal Gaussian
``q(z | x)``; a code drawn from it by the reparameterisation trick is decoded to
the logits of one Bernoulli distribution per pixel. Training maximises the
evidence lower bound, the expected log-likelihood of the digit minus the KL
divergence from ``q(z | x)`` to the prior ``N(0, I)``, in closed form. With
``num_classes`` the same network is a conditional VAE: the label, one-hot, is
given to the encoder and to the decoder. Chapter: *Variational autoencoders*.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from .._args import check_float, check_generator, check_int, check_labels, check_same_length, \
    check_tensor


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor, prior_mu: torch.Tensor | None = None,
                prior_logvar: torch.Tensor | None = None) -> torch.Tensor:
    """KL divergence between diagonal Gaussians, summed over the last dimension.

    ``KL(N(mu, exp(logvar)) || N(prior_mu, exp(prior_logvar)))``, one value per row;
    the prior defaults to the standard normal ``N(0, I)``.
    Chapter: *Variational autoencoders*.
    """
    mu, logvar, prior_mu, prior_logvar = _check_gaussians(mu, logvar, prior_mu, prior_logvar)
    var, prior_var = logvar.exp(), prior_logvar.exp()
    kl = 0.5 * (prior_logvar - logvar + (var + (mu - prior_mu) ** 2) / prior_var - 1)
    return kl.sum(-1)


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, *,
                   generator: torch.Generator | None = None) -> torch.Tensor:
    """A draw from ``N(mu, exp(logvar))`` written as ``mu + sigma * eps``, ``eps ~ N(0, I)``.

    The randomness sits in ``eps``, which does not depend on the parameters, so
    gradients flow to ``mu`` and ``logvar``. Chapter: *Variational autoencoders*.
    """
    mu, logvar = _check_draw(mu, logvar, generator)
    eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)
    return mu + torch.exp(0.5 * logvar) * eps


class VAE(nn.Module):
    """A VAE for 8x8 digits (or any ``input_dim`` pixels in [0, 1]).

    Encoder: pixels (and, with ``num_classes``, the one-hot label) to ``hidden``
    ReLU units to the mean and log-variance of ``q(z | x)``. Decoder: the code (and
    the label) to ``hidden`` ReLU units to one logit per pixel.
    Chapter: *Variational autoencoders*.
    """

    def __init__(self, latent_dim: int = 8, hidden: int = 256, *, input_dim: int = 64,
                 num_classes: int = 0) -> None:
        super().__init__()
        self.latent_dim = check_int("latent_dim", latent_dim, minimum=1)
        self.input_dim = check_int("input_dim", input_dim, minimum=1)
        self.num_classes = check_int("num_classes", num_classes, minimum=0)
        hidden = check_int("hidden", hidden, minimum=1)
        self.encoder = nn.Sequential(nn.Linear(input_dim + num_classes, hidden), nn.ReLU(),
                                     nn.Linear(hidden, 2 * latent_dim))
        self.decoder = nn.Sequential(nn.Linear(latent_dim + num_classes, hidden), nn.ReLU(),
                                     nn.Linear(hidden, input_dim))

    def encode(self, x: torch.Tensor, y: torch.Tensor | None = None
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """The mean and log-variance of ``q(z | x)``, each ``(N, latent_dim)``."""
        x, y = self._check_pixels(x, y)
        mu, logvar = self.encoder(self._with_label(x, y)).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """The logits of ``p(x | z)``, one per pixel: ``(N, input_dim)``."""
        z, y = self._check_codes(z, y)
        return self.decoder(self._with_label(z, y))

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None, *,
                generator: torch.Generator | None = None
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Encode, draw one code, decode: returns ``(logits, mu, logvar)``."""
        mu, logvar = self.encode(x, y)
        z = reparameterize(mu, logvar, generator=generator)
        return self.decode(z, y), mu, logvar

    @torch.no_grad()
    def sample(self, n: int, y: torch.Tensor | None = None, *,
               generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` digits from the prior: ``z ~ N(0, I)``, decoded to pixel means in [0, 1]."""
        n = check_int("n", n, minimum=1)
        check_generator("generator", generator)
        p = next(self.parameters())
        z = torch.randn(n, self.latent_dim, generator=generator, dtype=p.dtype)
        return torch.sigmoid(self.decode(z, y))

    # --- argument checks, out of the way of the model ---------------------------
    def _with_label(self, h: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        if not self.num_classes:
            return h
        return torch.cat([h, F.one_hot(y, self.num_classes).to(h.dtype)], dim=1)

    def _check_label(self, name: str, rows: torch.Tensor, y) -> torch.Tensor | None:
        if not self.num_classes:
            if y is not None:
                raise ValueError("y must be None for a VAE without num_classes")
            return None
        if y is None:
            raise ValueError(f"y must be given: this VAE is conditional on "
                             f"{self.num_classes} classes")
        y = check_labels("y", y, self.num_classes)
        check_same_length("y", y, name, rows)
        return y

    def _check_pixels(self, x, y):
        x = check_tensor("x", x, floating=True, finite=True, nonempty=True)
        x = x.flatten(1) if x.ndim > 1 else x
        if x.ndim != 2 or x.shape[1] != self.input_dim:
            raise ValueError(f"x must have {self.input_dim} pixels per row, "
                             f"got shape {tuple(x.shape)}")
        return x, self._check_label("x", x, y)

    def _check_codes(self, z, y):
        z = check_tensor("z", z, ndim=2, floating=True, finite=True, nonempty=True)
        if z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (N, {self.latent_dim}), got {tuple(z.shape)}")
        return z, self._check_label("z", z, y)


class ELBOTerms(NamedTuple):
    """The two terms of the evidence lower bound, one value per digit, in nats."""

    log_likelihood: torch.Tensor   # log p(x | z) at one reparameterised z ~ q(z | x)
    kl: torch.Tensor               # KL(q(z | x) || p(z)), in closed form


def elbo_terms(model: VAE, x: torch.Tensor, y: torch.Tensor | None = None, *,
               generator: torch.Generator | None = None) -> ELBOTerms:
    """A one-sample estimate of the ELBO's two terms for each digit of ``x``.

    The Bernoulli log-likelihood of the pixels ``x`` (in [0, 1]) under the decoder's
    logits at one code drawn from ``q(z | x)``, and the KL from ``q(z | x)`` to
    ``N(0, I)``. The ELBO is ``log_likelihood - kl``. Chapter: *Variational autoencoders*.
    """
    _check_model(model)
    x = _check_unit_pixels(x)
    logits, mu, logvar = model(x, y, generator=generator)
    log_likelihood = -F.binary_cross_entropy_with_logits(
        logits, x.flatten(1), reduction="none").sum(1)
    return ELBOTerms(log_likelihood, gaussian_kl(mu, logvar))


def vae_loss(model: VAE, x: torch.Tensor, y: torch.Tensor | None = None, *,
             beta: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """The loss to minimise: ``-(log_likelihood - beta * kl)``, averaged over the batch.

    ``beta = 1`` is the negative ELBO; ``beta != 1`` is the beta-VAE's objective.
    Chapter: *Variational autoencoders*.
    """
    beta = check_float("beta", beta, minimum=0.0)
    terms = elbo_terms(model, x, y, generator=generator)
    return -(terms.log_likelihood - beta * terms.kl).mean()


def _check_model(model) -> None:
    if not isinstance(model, VAE):
        raise TypeError(f"model must be a dlbook VAE, got {type(model).__name__}")


def _check_unit_pixels(x) -> torch.Tensor:
    x = check_tensor("x", x, floating=True, finite=True, nonempty=True)
    if x.numel() and (float(x.min()) < 0 or float(x.max()) > 1):
        raise ValueError("x must hold pixels in [0, 1] (a Bernoulli decoder's targets), "
                         f"got values from {float(x.min()):.3g} to {float(x.max()):.3g}")
    return x


def _check_gaussians(mu, logvar, prior_mu, prior_logvar):
    mu = check_tensor("mu", mu, floating=True, nonempty=True)
    logvar = check_tensor("logvar", logvar, floating=True, nonempty=True)
    prior_mu = torch.zeros_like(mu) if prior_mu is None else check_tensor(
        "prior_mu", prior_mu, floating=True)
    prior_logvar = torch.zeros_like(mu) if prior_logvar is None else check_tensor(
        "prior_logvar", prior_logvar, floating=True)
    for name, t in (("logvar", logvar), ("prior_mu", prior_mu), ("prior_logvar", prior_logvar)):
        if t.shape != mu.shape:
            raise ValueError(f"{name} must have the shape of mu, {tuple(mu.shape)}, "
                             f"got {tuple(t.shape)}")
    if mu.ndim == 0:
        raise ValueError("mu must have at least one dimension (the latent one), got a scalar")
    return mu, logvar, prior_mu, prior_logvar


def _check_draw(mu, logvar, generator):
    mu, logvar, _, _ = _check_gaussians(mu, logvar, None, None)
    check_generator("generator", generator)
    return mu, logvar
