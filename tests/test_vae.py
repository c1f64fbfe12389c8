"""The VAE: the Gaussian KL against torch.distributions, the reparameterised sample's
moments, and the ELBO against an exact log-likelihood computed by quadrature."""

import math

import pytest
import torch
from torch.distributions import Normal, kl_divergence

from dlbook.generative.vae import VAE, elbo_terms, gaussian_kl, reparameterize, vae_loss


def _randn(*shape, seed):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed),
                       dtype=torch.float64)


@pytest.mark.parametrize("with_prior", [False, True])
def test_gaussian_kl_matches_torch_distributions_in_values_and_gradients(with_prior):
    mu, logvar = _randn(7, 5, seed=0).requires_grad_(), _randn(7, 5, seed=1).requires_grad_()
    prior_mu = _randn(7, 5, seed=2).requires_grad_() if with_prior else torch.zeros(7, 5,
                                                                                   dtype=torch.float64)
    prior_logvar = _randn(7, 5, seed=3).requires_grad_() if with_prior else torch.zeros(
        7, 5, dtype=torch.float64)
    ours = gaussian_kl(mu, logvar, prior_mu, prior_logvar) if with_prior else gaussian_kl(mu, logvar)
    theirs = kl_divergence(Normal(mu, (0.5 * logvar).exp()),
                           Normal(prior_mu, (0.5 * prior_logvar).exp())).sum(-1)
    assert ours.shape == (7,)
    torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)
    inputs = [t for t in (mu, logvar, prior_mu, prior_logvar) if t.requires_grad]
    probe = _randn(7, seed=4)
    g_ours = torch.autograd.grad((probe * ours).sum(), inputs)
    g_theirs = torch.autograd.grad((probe * theirs).sum(), inputs)
    for a, b in zip(g_ours, g_theirs):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def test_gaussian_kl_is_zero_only_at_the_prior():
    zeros = torch.zeros(3, 4)
    assert torch.equal(gaussian_kl(zeros, zeros), torch.zeros(3))
    assert (gaussian_kl(zeros + 0.1, zeros) > 0).all()
    assert (gaussian_kl(zeros, zeros - 0.1) > 0).all()


def test_reparameterised_sample_has_the_right_mean_and_variance():
    mu = torch.tensor([[-1.0, 0.0, 2.5]], dtype=torch.float64).expand(200_000, 3)
    logvar = torch.tensor([[0.0, -2.0, 1.0]], dtype=torch.float64).expand(200_000, 3)
    z = reparameterize(mu, logvar, generator=torch.Generator().manual_seed(0))
    var = logvar[0].exp()
    se = (var / len(z)).sqrt()
    assert ((z.mean(0) - mu[0]).abs() < 5 * se).all()
    assert ((z.var(0) / var - 1).abs() < 5 * math.sqrt(2 / len(z))).all()


def test_gradient_flows_through_the_reparameterised_sample():
    mu = torch.zeros(4, 2, dtype=torch.float64, requires_grad=True)
    logvar = torch.full((4, 2), 0.3, dtype=torch.float64, requires_grad=True)
    z = reparameterize(mu, logvar, generator=torch.Generator().manual_seed(1))
    eps = torch.randn(4, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    g_mu, g_logvar = torch.autograd.grad(z.sum(), [mu, logvar])
    torch.testing.assert_close(g_mu, torch.ones_like(mu))                      # dz/dmu = 1
    torch.testing.assert_close(g_logvar, 0.5 * (0.5 * logvar.detach()).exp() * eps)


def _tiny_vae():
    torch.manual_seed(0)
    model = VAE(latent_dim=1, hidden=4, input_dim=3).double()
    with torch.no_grad():  # weights large enough that the posterior is far from the prior
        for p in model.parameters():
            p.mul_(3)
    return model


def _log_normal(z, mu, var):
    return -0.5 * (math.log(2 * math.pi) + torch.log(var) + (z - mu) ** 2 / var)


def test_elbo_is_below_the_exact_log_likelihood_by_the_kl_to_the_posterior():
    """On one latent dimension the evidence is an integral we can compute on a grid."""
    model, x = _tiny_vae(), torch.tensor([[1.0, 0.0, 1.0]], dtype=torch.float64)
    z = torch.linspace(-12, 12, 24_001, dtype=torch.float64)[:, None]
    with torch.no_grad():
        logits = model.decode(z)
        log_lik = -torch.nn.functional.binary_cross_entropy_with_logits(
            logits, x.expand_as(logits), reduction="none").sum(1)             # log p(x|z)
        log_joint = log_lik + _log_normal(z[:, 0], torch.tensor(0.0), torch.tensor(1.0))
        log_evidence = torch.logsumexp(log_joint, 0) + math.log(z[1, 0] - z[0, 0])
        mu, logvar = model.encode(x)
        log_q = _log_normal(z[:, 0], mu[0, 0], logvar[0, 0].exp())
        dz = float(z[1, 0] - z[0, 0])
        elbo = (log_q.exp() * log_lik).sum() * dz - gaussian_kl(mu, logvar)[0]
        log_posterior = log_joint - log_evidence
        kl_to_posterior = (log_q.exp() * (log_q - log_posterior)).sum() * dz
        # the one-sample estimate of elbo_terms is unbiased
        terms = elbo_terms(model, x.expand(100_000, 3),
                           generator=torch.Generator().manual_seed(0))
    estimate = terms.log_likelihood - terms.kl
    assert elbo < log_evidence - 0.01                        # a strict bound here
    assert float(log_evidence - elbo) == pytest.approx(float(kl_to_posterior), abs=1e-6)
    assert float(estimate.mean()) == pytest.approx(float(elbo),
                                                   abs=5 * float(estimate.std()) / 316)


def test_vae_loss_is_the_negative_mean_elbo_at_beta_one():
    model, x = VAE(latent_dim=2, hidden=8), torch.rand(5, 64, generator=torch.Generator().manual_seed(0))
    terms = elbo_terms(model, x, generator=torch.Generator().manual_seed(3))
    loss = vae_loss(model, x, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(loss, -(terms.log_likelihood - terms.kl).mean())
    loss2 = vae_loss(model, x, beta=2.0, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(loss2, -(terms.log_likelihood - 2 * terms.kl).mean())


def test_conditional_vae_uses_the_label_and_samples_have_pixels_in_unit_range():
    model = VAE(latent_dim=2, hidden=8, num_classes=10)
    z = torch.zeros(2, 2)
    assert not torch.allclose(model.decode(z, torch.tensor([0, 0])),
                              model.decode(z, torch.tensor([3, 3])))
    images = model.sample(6, torch.arange(6), generator=torch.Generator().manual_seed(0))
    assert images.shape == (6, 64) and images.min() >= 0 and images.max() <= 1


@pytest.mark.parametrize("call, words", [
    (lambda: VAE()(torch.rand(3, 65)), "x must have 64 pixels"),
    (lambda: VAE(num_classes=10).encode(torch.rand(3, 64)), "y must be given"),
    (lambda: VAE().encode(torch.rand(3, 64), torch.tensor([1, 2, 3])), "y must be None"),
    (lambda: VAE(num_classes=10).encode(torch.rand(3, 64), torch.tensor([1, 2, 10])), "y must"),
    (lambda: elbo_terms(VAE(), torch.rand(3, 64) * 16), "pixels in [0, 1]"),
    (lambda: gaussian_kl(torch.zeros(3, 2), torch.zeros(3, 4)), "logvar must have the shape"),
    (lambda: VAE().decode(torch.zeros(3, 5)), "z must have shape"),
    (lambda: vae_loss(VAE(), torch.rand(3, 64), beta=-1.0), "beta"),
])
def test_bad_input_raises_a_clear_error(call, words):
    with pytest.raises(ValueError, match=None) as err:
        call()
    assert words in str(err.value)


def test_a_model_that_is_not_a_vae_raises_a_type_error():
    with pytest.raises(TypeError, match="model must be a dlbook VAE"):
        elbo_terms(torch.nn.Linear(64, 64), torch.rand(3, 64))
