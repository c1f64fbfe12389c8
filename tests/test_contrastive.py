"""Tests for dlbook.transformers.contrastive (chapter: Self-supervised learning)."""

import math

import pytest
import torch

from dlbook.cnn.metric_learning import EmbeddingNet
from dlbook.transformers.contrastive import digit_views, few_labels, linear_probe, nt_xent


def nt_xent_direct(z1, z2, temperature):
    """Equation by equation: a loop over the 2N anchors, cosine similarity written out."""
    views = list(z1) + list(z2)
    n = len(z1)

    def sim(u, v):
        return (u @ v) / (u.norm() * v.norm())

    total = 0.0
    for i, anchor in enumerate(views):
        partner = (i + n) % (2 * n)
        numerator = torch.exp(sim(anchor, views[partner]) / temperature)
        denominator = sum(torch.exp(sim(anchor, views[k]) / temperature)
                          for k in range(2 * n) if k != i)
        total = total - torch.log(numerator / denominator)
    return total / (2 * n)


@pytest.mark.parametrize("n, d, temperature", [(2, 3, 1.0), (5, 4, 0.5), (7, 16, 0.1)])
def test_nt_xent_matches_the_direct_formula_in_values_and_gradients(n, d, temperature):
    g = torch.Generator().manual_seed(n)
    z1 = torch.randn(n, d, generator=g, dtype=torch.float64, requires_grad=True)
    z2 = torch.randn(n, d, generator=g, dtype=torch.float64, requires_grad=True)
    got = nt_xent(z1, z2, temperature)
    want = nt_xent_direct(z1, z2, temperature)
    torch.testing.assert_close(got, want)
    got_grads = torch.autograd.grad(got, (z1, z2))
    want_grads = torch.autograd.grad(want, (z1, z2))
    for a, b in zip(got_grads, want_grads):
        torch.testing.assert_close(a, b)


def test_nt_xent_is_symmetric_in_the_two_views_and_ignores_length():
    g = torch.Generator().manual_seed(0)
    z1, z2 = torch.randn(6, 5, generator=g), torch.randn(6, 5, generator=g)
    torch.testing.assert_close(nt_xent(z1, z2), nt_xent(z2, z1))
    torch.testing.assert_close(nt_xent(3 * z1, 0.5 * z2), nt_xent(z1, z2))


def test_aligned_orthogonal_pairs_have_the_exact_loss_that_falls_to_zero_with_temperature():
    n = 4
    z = torch.eye(n, dtype=torch.float64)  # views agree, different images orthogonal
    losses = []
    for temperature in (1.0, 0.5, 0.2, 0.05):
        loss = float(nt_xent(z, z.clone(), temperature))
        # positive similarity 1, the 2N - 2 negatives 0
        assert loss == pytest.approx(math.log(1 + (2 * n - 2) * math.exp(-1 / temperature)))
        losses.append(loss)
    assert losses == sorted(losses, reverse=True) and losses[-1] < 1e-6


def test_swapped_partners_cost_more_than_true_partners():
    z = torch.eye(4)
    assert nt_xent(z, z) < nt_xent(z, z.roll(1, dims=0))


@pytest.mark.parametrize("z1, z2, temperature, match", [
    (torch.randn(3, 4), torch.randn(3, 5), 0.5, "same shape"),
    (torch.randn(1, 4), torch.randn(1, 4), 0.5, "at least 2"),
    (torch.randn(3), torch.randn(3), 0.5, "dimensions"),
    (torch.randn(3, 4), torch.randn(3, 4), 0.0, "temperature"),
    (torch.ones(3, 4, dtype=torch.int64), torch.ones(3, 4, dtype=torch.int64), 0.5, "z1"),
])
def test_nt_xent_rejects_bad_input(z1, z2, temperature, match):
    with pytest.raises((TypeError, ValueError), match=match):
        nt_xent(z1, z2, temperature)


def test_digit_views_are_seeded_random_and_stay_in_range():
    x = torch.rand(5, 1, 8, 8)
    a = digit_views(x, generator=torch.Generator().manual_seed(1))
    b = digit_views(x, generator=torch.Generator().manual_seed(1))
    c = digit_views(x, generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(a, b)
    assert not torch.equal(a, c) and a.shape == x.shape
    assert a.min() >= 0 and a.max() <= 1


def test_few_labels_draws_per_class_without_repeats():
    labels = torch.arange(30) % 3
    idx = few_labels(labels, 4, seed=1)
    assert len(idx) == 12 and len(set(idx.tolist())) == 12
    assert torch.bincount(labels[idx]).tolist() == [4, 4, 4]
    torch.testing.assert_close(idx, few_labels(labels, 4, seed=1))
    with pytest.raises(ValueError, match="per_class"):
        few_labels(labels, 11)


def test_linear_probe_separates_separable_features_and_not_random_labels():
    g = torch.Generator().manual_seed(0)
    y = torch.arange(60) % 3
    X = torch.nn.functional.one_hot(y, 3).float() * 5 + 0.1 * torch.randn(60, 3, generator=g)
    assert linear_probe(X[:30], y[:30], X[30:], y[30:]) == 1.0
    # labels unrelated to the features: held-out accuracy stays near chance (1/3)
    noise = torch.randn(300, 5, generator=g)
    shuffled = torch.randint(0, 3, (300,), generator=g)
    assert linear_probe(noise[:150], shuffled[:150], noise[150:], shuffled[150:]) < 0.5


def test_linear_probe_uses_its_l2_strength():
    # separable, but three of four examples are class 0: a strong penalty (small c)
    # shrinks the weight until the probe predicts the majority class everywhere
    y = (torch.arange(40) % 4 == 0).long()
    X = (y.float() - 0.5).unsqueeze(1)
    assert linear_probe(X, y, X, y, c=1e-4) == 0.75
    assert linear_probe(X, y, X, y, c=100.0) == 1.0


@pytest.mark.parametrize("args, kwargs, match", [
    ((torch.randn(4, 3), torch.arange(4) % 2, torch.randn(4, 2), torch.arange(4) % 2), {},
     "eval_features"),
    ((torch.randn(4, 3), torch.zeros(4, dtype=torch.long), torch.randn(4, 3),
      torch.arange(4) % 2), {}, "two classes"),
    ((torch.randn(4, 3), torch.arange(3) % 2, torch.randn(4, 3), torch.arange(4) % 2), {},
     "train_features"),
    ((torch.randn(4, 3), torch.arange(4) % 2, torch.randn(4, 3), torch.arange(4) % 2),
     {"c": 0.0}, "c"),
])
def test_linear_probe_rejects_bad_input(args, kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        linear_probe(*args, **kwargs)


def test_an_embedding_net_trains_on_nt_xent():
    torch.manual_seed(0)
    net = EmbeddingNet(8, width=4, normalize=False)
    g = torch.Generator().manual_seed(0)
    x = torch.rand(16, 1, 8, 8, generator=g)
    v1, v2 = digit_views(x, generator=g), digit_views(x, generator=g)
    opt = torch.optim.Adam(net.parameters(), 1e-2)
    with torch.no_grad():
        before = float(nt_xent(net(v1), net(v2)))
    for _ in range(30):
        loss = nt_xent(net(v1), net(v2))
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        assert float(nt_xent(net(v1), net(v2))) < before - 0.5
