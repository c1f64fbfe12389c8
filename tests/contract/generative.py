"""Contract examples for Part VI, ``dlbook.generative``, and its chapters' checks."""

import torch
from torch import nn

from . import INFINITE, Example, Propagates, checks_in, elementwise, merge, propagates

def VAE_EXAMPLE():
    from dlbook.generative.vae import VAE
    return VAE(latent_dim=2, hidden=8)


def _digits():
    return torch.rand(80, 1, 8, 8, generator=torch.Generator().manual_seed(0))


EXAMPLES = {
    # --- yardstick --------------------------------------------------------------
    "dlbook.generative.yardstick.DigitReader": Example(
        methods={"forward": Example(dict(x=torch.rand(2, 1, 8, 8)))}),
    "dlbook.generative.yardstick.Score": Example(record="a plain record: its fields are stored as given"),
    "dlbook.generative.yardstick.digit_reader": Example(),
    "dlbook.generative.yardstick.digit_features": Example(lambda: dict(images=_digits())),
    "dlbook.generative.yardstick.classify": Example(lambda: dict(images=_digits())),
    "dlbook.generative.yardstick.frechet_distance": Example(
        lambda: dict(a=torch.rand(10, 3), b=torch.rand(12, 3))),
    "dlbook.generative.yardstick.score": Example(lambda: dict(samples=_digits())),
    "dlbook.generative.yardstick.floor": Example(),
    # --- vae ---------------------------------------------------------------------
    "dlbook.generative.vae.gaussian_kl": Example(
        lambda: dict(mu=torch.randn(3, 2), logvar=torch.randn(3, 2),
                     prior_mu=torch.randn(3, 2), prior_logvar=torch.randn(3, 2)),
        accept=propagates("mu", "logvar", "prior_mu", "prior_logvar")),
    "dlbook.generative.vae.reparameterize": Example(
        lambda: dict(mu=torch.randn(3, 2), logvar=torch.randn(3, 2),
                     generator=torch.Generator().manual_seed(0)),
        accept=propagates("mu", "logvar")),
    "dlbook.generative.vae.VAE": Example(
        dict(latent_dim=2, hidden=8, input_dim=64, num_classes=10),
        methods={"forward": Example(lambda: dict(x=torch.rand(3, 64),
                                                 y=torch.tensor([0, 5, 9]))),
                 "encode": Example(lambda: dict(x=torch.rand(3, 64),
                                                y=torch.tensor([0, 5, 9]))),
                 "decode": Example(lambda: dict(z=torch.randn(3, 2),
                                                y=torch.tensor([0, 5, 9]))),
                 "sample": Example(lambda: dict(n=3, y=torch.tensor([0, 5, 9]),
                                                generator=torch.Generator().manual_seed(0)))}),
    "dlbook.generative.vae.ELBOTerms": Example(record="a plain record: its fields are stored as given"),
    "dlbook.generative.vae.elbo_terms": Example(
        lambda: dict(model=VAE_EXAMPLE(), x=torch.rand(3, 64))),
    "dlbook.generative.vae.vae_loss": Example(
        lambda: dict(model=VAE_EXAMPLE(), x=torch.rand(3, 64), beta=0.5)),
    **checks_in("dlbook.checks.vae"),
}
