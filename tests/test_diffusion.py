"""Diffusion (chapter *Diffusion models*): the forward process has the closed-form
marginal it claims, DDIM with eta = 1 is DDPM's step, both samplers land exactly on
a point mass given its exact denoiser, and bad input raises a clear error."""

import math

import pytest
import torch
from torch import nn

from dlbook.generative.diffusion import (Denoiser, NoiseSchedule, ddim_moments, ddim_sample,
                                         ddpm_moments, ddpm_sample, denoising_loss,
                                         guided_noise, linear_schedule, q_sample,
                                         time_embedding)


def test_linear_schedule_has_ho_et_al_values_at_1000_steps():
    s = linear_schedule(1000)
    assert s.T == 1000
    assert s.betas[0] == 0 and s.alpha_bars[0] == 1
    assert math.isclose(s.betas[1], 1e-4) and math.isclose(s.betas[1000], 0.02)
    short = linear_schedule(100)   # scaled by 10: the same total noise in fewer steps
    assert math.isclose(short.betas[1], 1e-3) and math.isclose(short.betas[100], 0.2)
    assert torch.allclose(s.alpha_bars[1:], torch.cumprod(1 - s.betas[1:], 0))


@pytest.mark.parametrize("t", [1, 10, 50, 100])
def test_closed_form_marginal_is_the_marginal_of_the_step_by_step_chain(t):
    """Run the one-step process x_s = sqrt(1 - beta_s) x_{s-1} + sqrt(beta_s) eps t
    times on many copies of three points; the mean and variance measured agree with
    sqrt(alpha_bar_t) x0 and 1 - alpha_bar_t, and so do those of q_sample's draws."""
    s = linear_schedule(100)
    n = 40_000
    x0 = torch.tensor([-1.0, 0.3, 2.0], dtype=torch.float64).repeat(n, 1)
    g = torch.Generator().manual_seed(t)
    x = x0.clone()
    for step in range(1, t + 1):
        x = (1 - s.betas[step]).sqrt() * x + s.betas[step].sqrt() * torch.randn(
            x.shape, generator=g, dtype=torch.float64)
    closed = q_sample(x0, torch.full((n,), t), torch.randn(x0.shape, generator=g,
                                                            dtype=torch.float64), s)
    mean, var = s.alpha_bars[t].sqrt() * x0[0], 1 - s.alpha_bars[t]
    for draws in (x, closed):
        se_mean = (var / n).sqrt()
        assert (draws.mean(0) - mean).abs().max() < 5 * se_mean
        se_var = var * math.sqrt(2 / n)
        assert (draws.var(0) - var).abs().max() < 5 * se_var
        # independent coordinates: the noise is isotropic
        assert abs(torch.corrcoef(draws.T)[0, 1]) < 5 / math.sqrt(n)


def test_q_sample_at_step_zero_is_the_data():
    s = linear_schedule(10)
    x0 = torch.randn(4, 3)
    assert torch.equal(q_sample(x0, torch.zeros(4, dtype=torch.long), torch.randn(4, 3), s), x0)


def test_ddim_with_eta_one_is_ddpms_step_exactly():
    """Same mean and the same standard deviation, at every step of the schedule."""
    s = linear_schedule(100)
    g = torch.Generator().manual_seed(0)
    for t in range(1, s.T + 1):
        x_t = torch.randn(5, 3, generator=g, dtype=torch.float64)
        eps = torch.randn(5, 3, generator=g, dtype=torch.float64)
        mean_p, std_p = ddpm_moments(x_t, eps, t, s)
        mean_i, std_i = ddim_moments(x_t, eps, t, t - 1, s, eta=1.0)
        assert torch.allclose(mean_p, mean_i, rtol=0, atol=1e-12)
        assert math.isclose(std_p, std_i, rel_tol=1e-12, abs_tol=1e-15)
        assert math.isclose(std_p ** 2, s.posterior_variance(t), rel_tol=1e-12,
                            abs_tol=1e-15)


def test_ddim_eta_zero_is_deterministic_and_keeps_the_noise_direction():
    s = linear_schedule(50)
    x_t, eps = torch.randn(4, 2, dtype=torch.float64), torch.randn(4, 2, dtype=torch.float64)
    mean, std = ddim_moments(x_t, eps, 30, 10, s, eta=0.0)
    assert std == 0
    x0_hat = (x_t - (1 - s.alpha_bars[30]).sqrt() * eps) / s.alpha_bars[30].sqrt()
    want = s.alpha_bars[10].sqrt() * x0_hat + (1 - s.alpha_bars[10]).sqrt() * eps
    assert torch.allclose(mean, want, atol=1e-12)


class PointMassDenoiser(nn.Module):
    """The exact noise predictor when all the data is one point ``mu``: x_t is then
    sqrt(alpha_bar_t) mu + sqrt(1 - alpha_bar_t) eps, so eps is known from x_t."""

    def __init__(self, mu, schedule):
        super().__init__()
        self.mu, self.schedule, self.dim = mu, schedule, len(mu)

    def forward(self, x, t, labels=None):
        a = self.schedule.alpha_bars[t].float()[:, None]
        return (x - a.sqrt() * self.mu) / (1 - a).sqrt()


@pytest.mark.parametrize("steps", [1, 3, 20])
def test_samplers_land_on_a_point_mass_with_its_exact_denoiser(steps):
    s = linear_schedule(20, 1e-3, 0.2)   # alpha_bar_T = 0.13: float32 can undo it
    mu = torch.tensor([0.7, -1.5, 2.0])
    model = PointMassDenoiser(mu, s)
    g = torch.Generator().manual_seed(steps)
    for x in (ddim_sample(model, 50, s, steps, generator=g),
              ddim_sample(model, 50, s, steps, eta=1.0, generator=g),
              ddpm_sample(model, 50, s, generator=g)):
        assert torch.allclose(x, mu.expand(50, 3), atol=1e-4)


def small_model(num_classes=0, seed=0):
    torch.manual_seed(seed)
    return Denoiser(3, hidden=16, blocks=1, num_classes=num_classes).eval()


def test_ddim_on_every_step_with_eta_one_draws_what_ddpm_draws():
    s = linear_schedule(15, 1e-3, 0.1)
    model = small_model()
    a = ddpm_sample(model, 8, s, generator=torch.Generator().manual_seed(3), history=True)
    b = ddim_sample(model, 8, s, 15, eta=1.0, generator=torch.Generator().manual_seed(3),
                    history=True)
    assert a.shape == b.shape == (16, 8, 3)
    assert torch.allclose(a, b, rtol=1e-4, atol=1e-5)  # float32 rounding apart


def test_guidance_combines_the_conditional_and_unconditional_estimates():
    model = small_model(num_classes=4)
    x, t = torch.randn(6, 3), torch.randint(1, 10, (6,))
    y = torch.tensor([0, 1, 2, 3, 0, 1])
    cond, uncond = model(x, t, y), model(x, t)
    assert torch.allclose(uncond, model(x, t, torch.full((6,), model.null_label)))
    assert torch.allclose(guided_noise(model, x, t, y, 0.0), cond)
    assert torch.allclose(guided_noise(model, x, t, None, 2.0), uncond)
    assert torch.allclose(guided_noise(model, x, t, y, 2.0), 3 * cond - 2 * uncond, atol=1e-6)


def test_dropping_every_label_trains_the_unconditional_prediction():
    model = small_model(num_classes=4)
    x0, y = torch.randn(10, 3), torch.randint(0, 4, (10,))
    s = linear_schedule(10)
    dropped = denoising_loss(model, x0, s, labels=y, drop_labels=1.0,
                             generator=torch.Generator().manual_seed(0))
    # the same draws of t and noise, no labels: the label draw comes last
    plain = denoising_loss(model, x0, s, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(dropped, plain)
    plain.backward()
    assert all(p.grad is not None for p in model.inp.parameters())


def test_without_dropping_the_loss_uses_the_labels():
    """drop_labels=0 keeps every label: the loss is the conditional prediction's, and
    differs from the unconditional one on the same draws of t and noise."""
    model = small_model(num_classes=4)
    x0, y = torch.randn(10, 3), torch.randint(0, 4, (10,))
    s = linear_schedule(10)
    kept = denoising_loss(model, x0, s, labels=y, drop_labels=0.0,
                          generator=torch.Generator().manual_seed(0))
    g = torch.Generator().manual_seed(0)
    t = torch.randint(1, s.T + 1, (10,), generator=g)
    noise = torch.randn(x0.shape, generator=g)
    x_t = q_sample(x0, t, noise, s)
    assert torch.allclose(kept, ((model(x_t, t, y) - noise) ** 2).mean())
    assert not torch.allclose(kept, ((model(x_t, t) - noise) ** 2).mean())


class StepRecorder(nn.Module):
    """Predicts zero noise and remembers the steps it was asked about."""

    null_label = 0

    def __init__(self):
        super().__init__()
        self.seen = []

    def forward(self, x, t, labels=None):
        self.seen.append(t.clone())
        return torch.zeros_like(x)


def test_the_loss_draws_every_step_from_1_to_T_and_no_other():
    model, s = StepRecorder(), linear_schedule(5)
    denoising_loss(model, torch.randn(2000, 2), s, generator=torch.Generator().manual_seed(0))
    assert set(model.seen[0].tolist()) == {1, 2, 3, 4, 5}


def test_time_embedding_is_sines_then_cosines():
    e = time_embedding(torch.tensor([0, 5]), 8)
    assert e.shape == (2, 8)
    assert torch.equal(e[0], torch.tensor([0.0] * 4 + [1.0] * 4))
    assert math.isclose(float(e[1, 0]), math.sin(5.0), rel_tol=1e-6)


def test_bad_input_raises_a_clear_error():
    s = linear_schedule(10)
    model = small_model(num_classes=2)
    with pytest.raises(ValueError, match="betas"):
        NoiseSchedule(torch.tensor([0.1, 1.0]))
    with pytest.raises(ValueError, match="t must hold steps in 0..10"):
        q_sample(torch.zeros(2, 3), torch.tensor([0, 11]), torch.zeros(2, 3), s)
    with pytest.raises(ValueError, match="noise"):
        q_sample(torch.zeros(2, 3), torch.tensor([0, 1]), torch.zeros(2, 4), s)
    with pytest.raises(ValueError, match="steps"):
        ddim_sample(model, 4, s, 11)
    with pytest.raises(ValueError, match="t_prev"):
        ddim_moments(torch.zeros(2, 3), torch.zeros(2, 3), 5, 5, s)
    with pytest.raises(ValueError, match="x must have shape"):
        model(torch.zeros(2, 4), torch.tensor([1, 2]))
    with pytest.raises(ValueError, match="labels"):
        model(torch.zeros(2, 3), torch.tensor([1, 2]), torch.tensor([0, 3]))
    with pytest.raises(ValueError, match="num_classes=0"):
        small_model()(torch.zeros(2, 3), torch.tensor([1, 2]), torch.tensor([0, 1]))
    with pytest.raises(TypeError, match="schedule"):
        ddpm_sample(model, 4, "linear")
