"""The exercise checks of *Variational autoencoders* pass right answers and diagnose
wrong ones."""

import pytest
import torch

from dlbook.checks.vae import check_gaussian_kl, check_reparameterize


def kl_right(mu, logvar):
    return 0.5 * (mu ** 2 + logvar.exp() - logvar - 1).sum(-1)


@pytest.mark.parametrize("answer, words", [
    (kl_right, None),
    (lambda m, l: torch.distributions.kl_divergence(
        torch.distributions.Normal(m, (l / 2).exp()),
        torch.distributions.Normal(0.0, 1.0)).sum(-1), None),
    (lambda m, l: 0.5 * (m ** 2 + (2 * l).exp() - 2 * l - 1).sum(-1), "log of the standard"),
    (lambda m, l: 0.5 * (m ** 2 + l.exp() - l).sum(-1), "-1"),
    (lambda m, l: 0.5 * (m ** 2 + l.exp() + l - 1).sum(-1), "wrong sign"),
    (lambda m, l: 0.5 * (m ** 2 + l.exp() - l - 1).mean(-1), "average"),
    (lambda m, l: (m ** 2 + l.exp() - l - 1).sum(-1), "1/2"),
    (lambda m, l: 0.5 * (m ** 2 + l.exp() - l - 1).sum(), "one number"),
])
def test_kl_check(answer, words):
    result = check_gaussian_kl(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in result.message


def sample_right(mu, logvar, eps):
    return mu + torch.exp(0.5 * logvar) * eps


@pytest.mark.parametrize("answer, words", [
    (sample_right, None),
    (lambda m, l, e: m + (l / 2).exp() * e.float(), None),
    (lambda m, l, e: m + l.exp() * e, "variance"),
    (lambda m, l, e: m + l * e, "logvar itself"),
    (lambda m, l, e: (0.5 * l).exp() * e, "leave out mu"),
    (lambda m, l, e: (m + (0.5 * l).exp() * e).detach(), "no gradient"),
    (lambda m, l, e: m + (0.5 * l.detach()).exp() * e, "logvar is wrong"),
])
def test_reparameterize_check(answer, words):
    result = check_reparameterize(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in result.message
