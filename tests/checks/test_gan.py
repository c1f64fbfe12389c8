"""The exercise check of *Generative adversarial networks* passes right answers and
diagnoses wrong ones."""

import pytest
import torch
import torch.nn.functional as F

from dlbook.checks.gan import check_discriminator_loss


def right(real, fake):
    return F.softplus(-real).mean() + F.softplus(fake).mean()


@pytest.mark.parametrize("answer, words", [
    (right, None),
    (lambda r, f: F.binary_cross_entropy_with_logits(r, torch.ones_like(r))
     + F.binary_cross_entropy_with_logits(f, torch.zeros_like(f)), None),
    (lambda r, f: float(right(r.float(), f.float())), None),
    (lambda r, f: -torch.log(torch.sigmoid(r)).mean() - torch.log(1 - torch.sigmoid(f)).mean(),
     "softplus"),
    (lambda r, f: F.softplus(r).mean() + F.softplus(-f).mean(), "swap the labels"),
    (lambda r, f: F.softplus(-r).sum() + F.softplus(f).sum(), "sum over the batch"),
    (lambda r, f: -right(r, f), "wrong sign"),
    (lambda r, f: F.softplus(-r).mean(), "leave out the term"),
    (lambda r, f: torch.cat([F.softplus(-r), F.softplus(f)]).mean(), "together"),
    (lambda r, f: right(r, f) + 0.1, "wrong value"),
])
def test_discriminator_loss_check(answer, words):
    result = check_discriminator_loss(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in str(result), result
