"""Contract examples for Part VI, ``dlbook.generative``, and its chapters' checks."""

import torch
from torch import nn

from . import INFINITE, Example, Propagates, checks_in, elementwise, merge, propagates

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
