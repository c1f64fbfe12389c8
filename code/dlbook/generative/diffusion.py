"""Denoising diffusion: the noise schedule, the forward process, a denoiser, and the
DDPM and DDIM samplers with classifier-free guidance.

The forward process adds Gaussian noise in ``T`` steps; its marginal at step ``t``
has a closed form, :func:`q_sample`. A network learns to predict the noise that was
added (:func:`denoising_loss`), and a sampler runs the process backwards, from pure
noise to data: :func:`ddpm_sample` one step at a time with fresh noise at each,
:func:`ddim_sample` on a shorter grid of steps, deterministically when ``eta = 0``.
Time steps are numbered as in the chapter: ``t = 0`` is the data, ``t = T`` is
(almost) pure noise, and ``schedule.alpha_bars[t]`` is
:math:`\\bar\\alpha_t = \\prod_{s \\le t} (1 - \\beta_s)`, with ``alpha_bars[0] = 1``.
Chapter: *Diffusion models*.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .._args import (check_bool, check_float, check_generator, check_int, check_labels,
                     check_module, check_tensor)


class NoiseSchedule:
    """The variances :math:`\\beta_1, \\dots, \\beta_T` of the forward process, and
    what the chapter derives from them.

    ``betas`` is a 1-D tensor of the ``T`` variances, each in (0, 1). Stored with an
    entry for ``t = 0`` in front (``betas[0] = 0``), so that ``betas[t]``,
    ``alphas[t]`` and ``alpha_bars[t]`` are indexed by the step ``t`` itself.
    Chapter: *Diffusion models*.
    """

    def __init__(self, betas: torch.Tensor) -> None:
        betas = check_tensor("betas", betas, ndim=1, floating=True, nonempty=True, finite=True)
        if bool((betas <= 0).any() or (betas >= 1).any()):
            raise ValueError("betas must lie strictly between 0 and 1")
        self.betas = torch.cat([betas.new_zeros(1), betas]).double()
        self.alphas = 1 - self.betas
        self.alpha_bars = torch.cumprod(self.alphas, dim=0)

    @property
    def T(self) -> int:
        """The number of noising steps."""
        return len(self.betas) - 1

    def posterior_variance(self, t: int) -> float:
        """:math:`\\tilde\\beta_t`, the variance of :math:`q(x_{t-1} \\mid x_t, x_0)`."""
        t = self._step("t", t)
        return float(self.betas[t] * (1 - self.alpha_bars[t - 1]) / (1 - self.alpha_bars[t]))

    def _step(self, name: str, t, minimum: int = 1) -> int:
        return check_int(name, t, minimum=minimum, maximum=self.T)

    def __repr__(self) -> str:
        return f"NoiseSchedule(T={self.T})"


def linear_schedule(T: int, beta_start: float | None = None,
                    beta_end: float | None = None) -> NoiseSchedule:
    """Ho et al.'s linear schedule, :math:`\\beta_t` evenly spaced from ``beta_start``
    to ``beta_end``; by default their values for ``T = 1000`` (1e-4 to 0.02), scaled by
    ``1000 / T`` so that a shorter process still ends in noise.
    Chapter: *Diffusion models*.
    """
    T = check_int("T", T, minimum=1)
    scale = 1000 / T
    beta_start = check_float("beta_start", 1e-4 * scale if beta_start is None else beta_start,
                             minimum=0, maximum=1, strict_min=True, strict_max=True)
    beta_end = check_float("beta_end", min(0.02 * scale, 0.999) if beta_end is None
                           else beta_end, minimum=0, maximum=1, strict_min=True,
                           strict_max=True)
    return NoiseSchedule(torch.linspace(beta_start, beta_end, T, dtype=torch.float64))


def q_sample(x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor,
             schedule: NoiseSchedule) -> torch.Tensor:
    """Draw :math:`x_t \\sim q(x_t \\mid x_0)` in one step, from the closed form
    :math:`x_t = \\sqrt{\\bar\\alpha_t}\\, x_0 + \\sqrt{1 - \\bar\\alpha_t}\\, \\epsilon`.

    ``x0`` and ``noise`` have the same shape ``(N, ...)``; ``t`` holds one step in
    ``0..T`` per row. Chapter: *Diffusion models*.
    """
    _check_forward(x0, t, noise, schedule)
    alpha_bar = _per_row(schedule.alpha_bars[t], x0)
    return alpha_bar.sqrt() * x0 + (1 - alpha_bar).sqrt() * noise


def _per_row(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """One number per row of ``like``, shaped to broadcast over its other axes."""
    return values.to(like.dtype).reshape(-1, *[1] * (like.ndim - 1))


def _check_forward(x0, t, noise, schedule) -> None:
    check_tensor("x0", x0, floating=True, nonempty=True, finite=True)
    check_tensor("noise", noise, floating=True, finite=True)
    check_tensor("t", t, ndim=1, integer=True)
    _check_schedule(schedule)
    if noise.shape != x0.shape:
        raise ValueError(f"noise must have x0's shape {tuple(x0.shape)}, got "
                         f"{tuple(noise.shape)}")
    if len(t) != len(x0):
        raise ValueError(f"t must hold one step per row of x0 ({len(x0)}), got {len(t)}")
    if len(t) and (int(t.min()) < 0 or int(t.max()) > schedule.T):
        raise ValueError(f"t must hold steps in 0..{schedule.T}, got values from "
                         f"{int(t.min())} to {int(t.max())}")


def _check_schedule(schedule) -> NoiseSchedule:
    if not isinstance(schedule, NoiseSchedule):
        raise TypeError(f"schedule must be a NoiseSchedule, got {type(schedule).__name__}")
    return schedule


# ---------------------------------------------------------------------------
# The denoiser
# ---------------------------------------------------------------------------

def time_embedding(t: torch.Tensor, size: int) -> torch.Tensor:
    """Sinusoidal features of the step: ``(N, size)`` from ``(N,)``, sines and cosines
    of ``t`` at frequencies from 1 down to 1/1000, as a transformer embeds positions.
    Chapter: *Diffusion models*.
    """
    t = check_tensor("t", t, ndim=1)
    size = check_int("size", size, minimum=2)
    if size % 2:
        raise ValueError(f"size must be even (a sine and a cosine per frequency), got {size}")
    freqs = torch.exp(-math.log(1000.0) * torch.arange(size // 2) / (size // 2))
    angles = t.float()[:, None] * freqs[None]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class Denoiser(nn.Module):
    """A residual MLP that predicts the noise :math:`\\epsilon` in :math:`x_t`.

    Takes ``x`` of shape ``(N, dim)``, the steps ``t`` ``(N,)`` and, with
    ``num_classes > 0``, class ``labels`` ``(N,)``. The step's sinusoidal embedding
    (and the label's learned one) are added to the hidden vector before every block.
    Label ``num_classes`` (:attr:`null_label`), or ``labels=None``, means "no label":
    one network serves conditional and unconditional predictions, as classifier-free
    guidance needs. Chapter: *Diffusion models*.
    """

    def __init__(self, dim: int, hidden: int = 128, blocks: int = 2,
                 num_classes: int = 0) -> None:
        super().__init__()
        self.dim = check_int("dim", dim, minimum=1)
        hidden = check_int("hidden", hidden, minimum=2)
        blocks = check_int("blocks", blocks, minimum=1)
        self.num_classes = check_int("num_classes", num_classes, minimum=0)
        self.embed_size = hidden + hidden % 2
        self.inp = nn.Linear(dim, hidden)
        self.time = nn.Sequential(nn.Linear(self.embed_size, hidden), nn.SiLU(),
                                  nn.Linear(hidden, hidden))
        self.label = nn.Embedding(num_classes + 1, hidden) if num_classes else None
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(),
                          nn.Linear(hidden, hidden)) for _ in range(blocks))
        self.out = nn.Sequential(nn.SiLU(), nn.Linear(hidden, dim))

    @property
    def null_label(self) -> int:
        """The label that stands for "no label"."""
        return self.num_classes

    def forward(self, x: torch.Tensor, t: torch.Tensor,
                labels: torch.Tensor | None = None) -> torch.Tensor:
        x, t, labels = self._check_inputs(x, t, labels)
        condition = self.time(time_embedding(t, self.embed_size))
        if self.label is not None:
            condition = condition + self.label(labels)
        h = self.inp(x)
        for block in self.blocks:
            h = h + block(h + condition)
        return self.out(h)

    def _check_inputs(self, x, t, labels):
        check_tensor("x", x, ndim=2, floating=True, finite=True)
        if x.shape[1] != self.dim:
            raise ValueError(f"x must have shape (N, {self.dim}), got {tuple(x.shape)}")
        check_labels("t", t)
        if len(t) != len(x):
            raise ValueError(f"t must hold one step per row of x ({len(x)}), got {len(t)}")
        if labels is None:
            return x, t, torch.full_like(t, self.null_label) if self.label else None
        if not self.num_classes:
            raise ValueError("labels were given to a Denoiser built with num_classes=0")
        check_labels("labels", labels, self.num_classes + 1)
        if len(labels) != len(x):
            raise ValueError(f"labels must hold one label per row of x ({len(x)}), "
                             f"got {len(labels)}")
        return x, t, labels


def denoising_loss(model: nn.Module, x0: torch.Tensor, schedule: NoiseSchedule, *,
                   labels: torch.Tensor | None = None, drop_labels: float = 0.0,
                   generator: torch.Generator | None = None) -> torch.Tensor:
    """Ho et al.'s simplified objective: the mean squared error of the predicted noise,
    at a step ``t`` drawn uniformly from ``1..T`` for each example.

    With ``labels``, each is replaced by ``model.null_label`` with probability
    ``drop_labels``, so that the model also learns the unconditional prediction.
    Chapter: *Diffusion models*.
    """
    _check_loss_args(model, x0, schedule, labels, drop_labels, generator)
    n = len(x0)
    t = torch.randint(1, schedule.T + 1, (n,), generator=generator)
    noise = torch.randn(x0.shape, generator=generator, dtype=x0.dtype)
    x_t = q_sample(x0, t, noise, schedule)
    if labels is not None:
        dropped = torch.rand(n, generator=generator) < drop_labels
        labels = torch.where(dropped, model.null_label, labels)
    return F.mse_loss(model(x_t, t, labels), noise)


def _check_loss_args(model, x0, schedule, labels, drop_labels, generator) -> None:
    check_module("model", model)
    check_tensor("x0", x0, ndim=2, floating=True, nonempty=True, finite=True)
    _check_schedule(schedule)
    check_float("drop_labels", drop_labels, minimum=0, maximum=1)
    check_generator("generator", generator)
    if labels is not None:
        check_labels("labels", labels)
        if len(labels) != len(x0):
            raise ValueError(f"labels must hold one label per row of x0 ({len(x0)}), "
                             f"got {len(labels)}")
        if not hasattr(model, "null_label"):
            raise TypeError("model must have a null_label to be trained with labels")


# ---------------------------------------------------------------------------
# Guidance and one reverse step
# ---------------------------------------------------------------------------

def guided_noise(model: nn.Module, x: torch.Tensor, t: torch.Tensor,
                 labels: torch.Tensor | None = None, weight: float = 0.0) -> torch.Tensor:
    """The noise estimate, with classifier-free guidance of strength ``weight``:
    :math:`(1 + w)\\, \\epsilon(x_t, y) - w\\, \\epsilon(x_t, \\varnothing)`.

    ``weight = 0`` is the plain conditional estimate; ``labels=None`` the
    unconditional one. Chapter: *Diffusion models*.
    """
    weight = _check_guidance_args(model, x, t, labels, weight)
    if labels is None:
        return model(x, t)
    if weight == 0:
        return model(x, t, labels)
    null = torch.full_like(labels, model.null_label)
    both = model(torch.cat([x, x]), torch.cat([t, t]), torch.cat([labels, null]))
    conditional, unconditional = both.chunk(2)
    return (1 + weight) * conditional - weight * unconditional


def _check_guidance_args(model, x, t, labels, weight) -> float:
    check_module("model", model)
    check_tensor("x", x, floating=True, nonempty=True)
    check_labels("t", t)
    if len(t) != len(x):
        raise ValueError(f"t must hold one step per row of x ({len(x)}), got {len(t)}")
    if labels is not None:
        check_labels("labels", labels)
        if len(labels) != len(x):
            raise ValueError(f"labels must hold one label per row of x ({len(x)}), "
                             f"got {len(labels)}")
    return check_float("weight", weight, minimum=0)


def ddpm_moments(x_t: torch.Tensor, eps: torch.Tensor, t: int,
                 schedule: NoiseSchedule) -> tuple[torch.Tensor, float]:
    """Mean and standard deviation of DDPM's reverse step :math:`p(x_{t-1} \\mid x_t)`:
    :math:`\\frac{1}{\\sqrt{\\alpha_t}}\\big(x_t - \\frac{\\beta_t}{\\sqrt{1 - \\bar\\alpha_t}}
    \\epsilon\\big)` and :math:`\\sqrt{\\tilde\\beta_t}`. Chapter: *Diffusion models*.
    """
    t = _check_step(x_t, eps, t, schedule)
    beta, alpha, alpha_bar = schedule.betas[t], schedule.alphas[t], schedule.alpha_bars[t]
    mean = (x_t - beta / (1 - alpha_bar).sqrt() * eps) / alpha.sqrt()
    return mean.to(x_t.dtype), math.sqrt(schedule.posterior_variance(t))


def ddim_moments(x_t: torch.Tensor, eps: torch.Tensor, t: int, t_prev: int,
                 schedule: NoiseSchedule, eta: float = 0.0) -> tuple[torch.Tensor, float]:
    """Mean and standard deviation of DDIM's step from ``t`` to ``t_prev < t``.

    The clean estimate :math:`\\hat x_0 = (x_t - \\sqrt{1 - \\bar\\alpha_t}\\,\\epsilon)
    / \\sqrt{\\bar\\alpha_t}` is moved to the noise level of ``t_prev``, keeping the
    predicted noise as the direction; ``eta`` scales the fresh noise, from 0
    (deterministic) to 1 (DDPM's variance when ``t_prev = t - 1``).
    Chapter: *Diffusion models*.
    """
    t, t_prev, eta = _check_ddim_step(x_t, eps, t, t_prev, schedule, eta)
    alpha_bar, alpha_bar_prev = schedule.alpha_bars[t], schedule.alpha_bars[t_prev]
    x0_hat = (x_t - (1 - alpha_bar).sqrt() * eps) / alpha_bar.sqrt()
    var = eta ** 2 * (1 - alpha_bar_prev) / (1 - alpha_bar) * (1 - alpha_bar / alpha_bar_prev)
    mean = alpha_bar_prev.sqrt() * x0_hat + (1 - alpha_bar_prev - var).sqrt() * eps
    return mean.to(x_t.dtype), math.sqrt(float(var))


def _check_ddim_step(x_t, eps, t, t_prev, schedule, eta) -> tuple[int, int, float]:
    t = _check_step(x_t, eps, t, schedule)
    return (t, check_int("t_prev", t_prev, minimum=0, maximum=t - 1),
            check_float("eta", eta, minimum=0, maximum=1))


def _check_step(x_t, eps, t, schedule) -> int:
    check_tensor("x_t", x_t, floating=True, finite=True)
    check_tensor("eps", eps, floating=True, finite=True)
    if eps.shape != x_t.shape:
        raise ValueError(f"eps must have x_t's shape {tuple(x_t.shape)}, got "
                         f"{tuple(eps.shape)}")
    return _check_schedule(schedule)._step("t", t)


# ---------------------------------------------------------------------------
# The samplers
# ---------------------------------------------------------------------------

@torch.no_grad()
def ddpm_sample(model: nn.Module, n: int, schedule: NoiseSchedule, *,
                labels: torch.Tensor | None = None, guidance: float = 0.0,
                generator: torch.Generator | None = None,
                history: bool = False) -> torch.Tensor:
    """Ancestral sampling: ``n`` draws of :math:`x_T` from the standard normal, then
    ``T`` reverse steps, each with fresh noise. Returns ``(n, model.dim)``, or with
    ``history`` every state :math:`x_T, \\dots, x_0` as ``(T + 1, n, model.dim)``.
    Chapter: *Diffusion models*.
    """
    x = _start(model, n, schedule, labels, guidance, generator, history)
    path = [x]
    for t in range(schedule.T, 0, -1):
        eps = guided_noise(model, x, torch.full((n,), t), labels, guidance)
        mean, std = ddpm_moments(x, eps, t, schedule)
        x = mean + std * torch.randn(x.shape, generator=generator)
        path.append(x)
    return torch.stack(path) if history else x


@torch.no_grad()
def ddim_sample(model: nn.Module, n: int, schedule: NoiseSchedule, steps: int, *,
                eta: float = 0.0, labels: torch.Tensor | None = None,
                guidance: float = 0.0, generator: torch.Generator | None = None,
                history: bool = False) -> torch.Tensor:
    """DDIM sampling on ``steps`` reverse steps, evenly spaced from ``T`` down to 0.
    With ``eta = 0`` each step is deterministic: the randomness is all in
    :math:`x_T`. Returns as :func:`ddpm_sample`, ``history`` with ``steps + 1`` states.
    Chapter: *Diffusion models*.
    """
    x = _start(model, n, schedule, labels, guidance, generator, history)
    steps = check_int("steps", steps, minimum=1, maximum=schedule.T)
    times = torch.linspace(schedule.T, 0, steps + 1).round().long().tolist()
    path = [x]
    for t, t_prev in zip(times[:-1], times[1:]):
        eps = guided_noise(model, x, torch.full((n,), t), labels, guidance)
        mean, std = ddim_moments(x, eps, t, t_prev, schedule, eta)
        x = mean + std * torch.randn(x.shape, generator=generator) if std else mean
        path.append(x)
    return torch.stack(path) if history else x


def _start(model, n, schedule, labels, guidance, generator, history) -> torch.Tensor:
    """Check a sampler's arguments; return :math:`x_T`, ``n`` standard normal rows."""
    check_module("model", model)
    n = check_int("n", n, minimum=1)
    _check_schedule(schedule)
    check_float("guidance", guidance, minimum=0)
    check_generator("generator", generator)
    check_bool("history", history)
    if not isinstance(getattr(model, "dim", None), int):
        raise TypeError("model must have an int attribute dim, the size of a sample")
    if labels is not None:
        check_labels("labels", labels)
        if len(labels) != n:
            raise ValueError(f"labels must hold n={n} labels, got {len(labels)}")
    return torch.randn(n, model.dim, generator=generator)
