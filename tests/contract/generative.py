"""Contract examples for Part VI, ``dlbook.generative``, and its chapters' checks."""

import torch
from torch import nn

from . import ANY_SHAPE, INFINITE, Example, Propagates, checks_in, elementwise, merge, propagates

def _BATCH(name):
    """A network's input: NaN flows through its layers, and an empty batch is one."""
    return merge(propagates(name, reason=Propagates("a NaN input flows through the "
                                                    "network's layers into its output")),
                 {name: {"empty": "no rows: an empty batch gives an empty output"}})


def _small_autoencoder():
    torch.manual_seed(0)
    from dlbook.generative.autoencoders import Autoencoder
    return Autoencoder(6, 2, hidden=(4,))
def VAE_EXAMPLE():
    from dlbook.generative.vae import VAE
    return VAE(latent_dim=2, hidden=8)


def _digits():
    return torch.rand(80, 1, 8, 8, generator=torch.Generator().manual_seed(0))


def _diffusion_model(num_classes=2):
    from dlbook.generative.diffusion import Denoiser
    torch.manual_seed(0)
    return Denoiser(3, hidden=8, blocks=1, num_classes=num_classes)


def _schedule():
    from dlbook.generative.diffusion import linear_schedule
    return linear_schedule(10)


def _step_args(**extra):
    g = torch.Generator().manual_seed(0)
    return lambda: dict(x_t=torch.randn(4, 3, generator=g), eps=torch.randn(4, 3, generator=g),
                        t=5, schedule=_schedule(), **extra)


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
    # --- autoencoders ------------------------------------------------------------
    "dlbook.generative.autoencoders.Autoencoder": Example(
        dict(in_features=12, latent=3, hidden=(8,)),
        accept={"hidden": {"empty": "no hidden layers: the linear autoencoder's one layer "
                                    "each way"}},
        methods={"forward": Example(lambda: dict(x=torch.rand(4, 12)), accept=_BATCH("x")),
                 "encode": Example(lambda: dict(x=torch.rand(4, 12)), accept=_BATCH("x")),
                 "decode": Example(lambda: dict(z=torch.randn(4, 3)), accept=_BATCH("z"))}),
    "dlbook.generative.autoencoders.add_noise": Example(
        lambda: dict(x=torch.rand(4, 6), std=0.2),
        accept={"x": {"shape": "elementwise: a tensor of any shape is a valid input",
                      "empty": "elementwise: an empty tensor gives an empty result"}}),
    "dlbook.generative.autoencoders.train_autoencoder": Example(
        lambda: dict(model=_small_autoencoder(), X=torch.rand(10, 6), epochs=1,
                     X_val=torch.rand(4, 6), optimizer=None, noise=0.1)),
    "dlbook.generative.autoencoders.reconstruction_error": Example(
        lambda: dict(model=_small_autoencoder(), X=torch.rand(5, 6), X_in=torch.rand(5, 6))),
    "dlbook.generative.autoencoders.PCA": Example(record="a plain record: its fields are stored as given"),
    "dlbook.generative.autoencoders.pca": Example(lambda: dict(X=torch.rand(10, 4), k=2)),
    "dlbook.generative.autoencoders.principal_angles": Example(
        lambda: dict(A=torch.randn(6, 2), B=torch.randn(6, 3))),
    "dlbook.generative.autoencoders.sample_codes": Example(
        lambda: dict(codes=torch.randn(20, 2), n=5, kind="box")),
    **checks_in("dlbook.checks.autoencoders"),
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
    # --- gan -----------------------------------------------------------------------
    "dlbook.generative.gan.discriminator_loss": Example(
        lambda: dict(real_logits=torch.randn(4, 1), fake_logits=torch.randn(3, 1)),
        accept=elementwise("real_logits", "fake_logits",
                           reason="a mean of elementwise softplus: a NaN in gives a NaN out")),
    "dlbook.generative.gan.generator_loss": Example(
        lambda: dict(fake_logits=torch.randn(4, 1)),
        accept=elementwise("fake_logits",
                           reason="a mean of elementwise softplus: a NaN in gives a NaN out")),
    "dlbook.generative.gan.r1_penalty": Example(
        lambda: dict(discriminator=nn.Linear(2, 1), real=torch.randn(5, 2)),
        accept={"real": {"shape": "any shape whose last dimension the discriminator reads"}}),
    "dlbook.generative.gan.optimal_discriminator": Example(
        lambda: dict(p_data=torch.rand(6), p_model=torch.rand(6)),
        accept={n: {"shape": ANY_SHAPE} for n in ("p_data", "p_model")}),
    "dlbook.generative.gan.js_divergence": Example(
        lambda: dict(p=torch.tensor([0.2, 0.8, 0.0]), q=torch.tensor([0.5, 0.25, 0.25])),
        accept={n: {"shape": "probabilities of outcomes in any arrangement"}
                for n in ("p", "q")}),
    "dlbook.generative.gan.ring_modes": Example(),
    "dlbook.generative.gan.sample_mixture": Example(
        lambda: dict(centres=torch.tensor([[0.0, 1.0], [1.0, 0.0]]), std=0.1, n=5)),
    "dlbook.generative.gan.Coverage": Example(
        record="a plain record: its fields are stored as given"),
    "dlbook.generative.gan.mode_coverage": Example(
        lambda: dict(samples=torch.randn(30, 2), centres=torch.tensor([[0.0, 1.0], [1.0, 0.0]]),
                     std=0.5),
        accept={"centres": {"length": "a mixture may have any number of modes"}}),
    "dlbook.generative.gan.StackedLinear": Example(
        dict(copies=2, in_features=3, out_features=4),
        methods={"forward": Example(lambda: dict(x=torch.randn(2, 5, 3)),
                                    accept=propagates("x"))}),
    "dlbook.generative.gan.ToyGenerator": Example(
        dict(copies=2),
        methods={"forward": Example(lambda: dict(z=torch.randn(2, 5, 2)),
                                    accept=propagates("z"))}),
    "dlbook.generative.gan.ToyDiscriminator": Example(
        dict(copies=2),
        methods={"forward": Example(lambda: dict(x=torch.randn(2, 5, 2)),
                                    accept=propagates("x"))}),
    "dlbook.generative.gan.DigitGenerator": Example(
        methods={"forward": Example(lambda: dict(z=torch.randn(3, 16)), accept=merge(
            propagates("z"), {"z": {"empty": "no noise rows give no images, as in torch"}}))}),
    "dlbook.generative.gan.DigitDiscriminator": Example(
        methods={"forward": Example(lambda: dict(x=torch.rand(3, 1, 8, 8)), accept=merge(
            propagates("x"), {"x": {"empty": "no images give no logits, as in torch"}}))}),
    # --- diffusion --------------------------------------------------------------
    "dlbook.generative.diffusion.NoiseSchedule": Example(
        dict(betas=torch.linspace(0.01, 0.2, 10, dtype=torch.float64)),
        methods={"posterior_variance": Example(dict(t=3))}),
    "dlbook.generative.diffusion.linear_schedule": Example(dict(T=20)),
    "dlbook.generative.diffusion.q_sample": Example(
        lambda: dict(x0=torch.randn(4, 3), t=torch.tensor([0, 1, 5, 10]),
                     noise=torch.randn(4, 3), schedule=_schedule()),
        accept=propagates("noise")),
    "dlbook.generative.diffusion.time_embedding": Example(
        dict(t=torch.tensor([0, 3, 7]), size=6),
        accept={"t": {"nan": Propagates("a NaN step gives NaN features"), "inf": INFINITE,
                      "empty": "no steps, no rows", "dtype": "steps may be ints or floats",
                      "range": "sines and cosines are defined for every step"}}),
    "dlbook.generative.diffusion.Denoiser": Example(
        dict(dim=3, hidden=8, blocks=1, num_classes=2),
        methods={"forward": Example(dict(x=torch.randn(4, 3), t=torch.tensor([1, 2, 3, 4]),
                                         labels=torch.tensor([0, 1, 2, 1])),
                                    accept={"t": {"range:huge": "the embedding is defined "
                                                  "for every step; T is the sampler's"}})}),
    "dlbook.generative.diffusion.denoising_loss": Example(
        lambda: dict(model=_diffusion_model(), x0=torch.randn(6, 3), schedule=_schedule(),
                     labels=torch.tensor([0, 1, 0, 1, 0, 1]), drop_labels=0.2,
                     generator=torch.Generator().manual_seed(0))),
    "dlbook.generative.diffusion.guided_noise": Example(
        lambda: dict(model=_diffusion_model(), x=torch.randn(4, 3),
                     t=torch.tensor([1, 2, 3, 4]), labels=torch.tensor([0, 1, 0, 1]),
                     weight=1.5),
        accept={"t": {"range:huge": "the model's embedding is defined for every step"}}),
    "dlbook.generative.diffusion.ddpm_moments": Example(_step_args()),
    "dlbook.generative.diffusion.ddim_moments": Example(_step_args(t_prev=2, eta=0.5)),
    "dlbook.generative.diffusion.ddpm_sample": Example(
        lambda: dict(model=_diffusion_model(), n=4, schedule=_schedule(),
                     labels=torch.tensor([0, 1, 0, 1]), guidance=1.0,
                     generator=torch.Generator().manual_seed(0), history=False)),
    "dlbook.generative.diffusion.ddim_sample": Example(
        lambda: dict(model=_diffusion_model(), n=4, schedule=_schedule(), steps=3, eta=0.5,
                     labels=torch.tensor([0, 1, 0, 1]), guidance=1.0,
                     generator=torch.Generator().manual_seed(0), history=False)),
    **checks_in("dlbook.checks.diffusion"),
}

EXAMPLES.update(checks_in("dlbook.checks.gan"))
