"""Tests of dlbook.cnn.metric_learning against PyTorch's own losses and hand-worked cases."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook.cnn.metric_learning import (EmbeddingNet, SiameseNet, batch_hard_mining,
                                    batch_hard_triplet_loss, best_threshold,
                                    contrastive_loss, one_shot_accuracy, pair_contrastive_loss,
                                    pairwise_distances, sample_pairs, triplet_loss,
                                    verification_accuracy)

T = torch.tensor


# ---------------------------------------------------------------- triplet loss

@settings(max_examples=40, deadline=None)
@given(st.integers(1, 9), st.integers(1, 8), st.floats(0.01, 3.0), st.integers(0, 2**31 - 1))
def test_triplet_loss_matches_torch(n, dim, margin, seed):
    g = torch.Generator().manual_seed(seed)
    a, p, q = (torch.randn(n, dim, generator=g, dtype=torch.float64, requires_grad=True)
               for _ in range(3))
    ours = triplet_loss(a, p, q, margin)
    ref = torch.nn.TripletMarginLoss(margin=margin, p=2)(a, p, q)
    assert torch.allclose(ours, ref, atol=1e-12)
    g_ours = torch.autograd.grad(ours, (a, p, q))
    g_ref = torch.autograd.grad(ref, (a, p, q))
    for x, y in zip(g_ours, g_ref):
        assert torch.allclose(x, y, atol=1e-12)


def test_triplet_loss_hand_case_and_squared():
    a, p, n = T([[0.0, 0.0]]), T([[3.0, 4.0]]), T([[0.0, 6.0]])
    # d(a, p) = 5, d(a, n) = 6
    assert triplet_loss(a, p, n, 2.0, eps=0).item() == pytest.approx(1.0)
    assert triplet_loss(a, p, n, 0.5, eps=0).item() == 0.0  # hinge: already far enough
    assert triplet_loss(a, p, n, 2.0, squared=True, eps=0).item() == pytest.approx(0.0)
    assert triplet_loss(a, p, n, 12.0, squared=True, eps=0).item() == pytest.approx(1.0)


def test_triplet_loss_gradient_is_finite_when_points_coincide():
    a = torch.zeros(2, 3, requires_grad=True)
    triplet_loss(a, a.detach().clone(), torch.ones(2, 3), 5.0).backward()
    assert torch.isfinite(a.grad).all()


# ---------------------------------------------------------------- contrastive loss

def test_contrastive_loss_hand_case():
    z1 = T([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    z2 = T([[3.0, 4.0], [0.3, 0.4], [1.0, 3.0]])
    same = T([1.0, 0.0, 0.0])
    # pair 1 matches, d = 5: 25 / 2. pair 2 differs, d = 0.5: (1 - 0.5)^2 / 2 = 0.125.
    # pair 3 differs, d = 2 > margin: 0.
    assert contrastive_loss(z1, z2, same, 1.0).item() == pytest.approx((12.5 + 0.125) / 3)
    z1.requires_grad_(True)
    contrastive_loss(z1, z2, same, 1.0).backward()
    # d/dz1 of d^2/2 = z1 - z2; of (m - d)^2/2 = (m - d) (z2 - z1) / d
    want = T([[-3.0, -4.0], [0.5 * 0.3 / 0.5, 0.5 * 0.4 / 0.5], [0.0, 0.0]]) / 3
    assert torch.allclose(z1.grad, want)


def test_contrastive_loss_gradcheck():
    g = torch.Generator().manual_seed(0)
    z1 = torch.randn(6, 4, generator=g, dtype=torch.float64, requires_grad=True)
    z2 = torch.randn(6, 4, generator=g, dtype=torch.float64, requires_grad=True)
    same = T([1.0, 0, 1, 0, 0, 1], dtype=torch.float64)
    d = (z1 - z2).norm(dim=1).detach()
    margin = float(d.max()) + 0.5  # every different pair is inside the margin: all terms live
    assert torch.autograd.gradcheck(lambda a, b: contrastive_loss(a, b, same, margin), (z1, z2))
    assert torch.autograd.gradcheck(lambda a, b: contrastive_loss(a, b, same, 0.1), (z1, z2))


def test_contrastive_loss_symmetric_and_through_siamese_net():
    torch.manual_seed(0)
    z1, z2, same = torch.randn(5, 3), torch.randn(5, 3), T([1.0, 0, 0, 1, 0])
    assert torch.allclose(contrastive_loss(z1, z2, same), contrastive_loss(z2, z1, same))
    out = torch.stack([z1, z2], 1)
    assert torch.allclose(pair_contrastive_loss(out, same, 0.7),
                          contrastive_loss(z1, z2, same, 0.7))


# ---------------------------------------------------------------- mining

def test_batch_hard_mining_hand_case():
    # points on a line:   -4   0   1   3   10
    # labels:              0   0   0   1    1
    x = T([[0.0], [1.0], [3.0], [10.0], [-4.0]])
    labels = T([0, 0, 1, 1, 0])
    pos, neg = batch_hard_mining(x, labels)
    # anchor 0 (at 0): positives at 1 and -4 -> farthest is -4 (index 4); closest negative 3
    # anchor 1 (at 1): positives 0 and -4 -> -4; closest negative 3 (index 2)
    # anchor 2 (at 3): only positive 10 (index 3); closest negative 1 (index 1)
    # anchor 3 (at 10): positive 3 (index 2); closest negative 1 (index 1)
    # anchor 4 (at -4): positives 0, 1 -> 1 (index 1); closest negative 3 (index 2)
    assert pos.tolist() == [4, 4, 3, 2, 1]
    assert neg.tolist() == [2, 2, 1, 1, 2]
    lone = batch_hard_mining(T([[0.0], [1.0], [2.0]]), T([0, 0, 1]))
    assert lone[0].tolist() == [1, 0, -1]  # class 1 has no positive in the batch
    assert batch_hard_mining(T([[0.0], [1.0]]), T([0, 0]))[1].tolist() == [-1, -1]


def test_batch_hard_triplet_loss_is_triplet_loss_on_mined_triplets():
    torch.manual_seed(1)
    z = torch.randn(12, 4, dtype=torch.float64, requires_grad=True)
    labels = torch.randint(0, 3, (12,))
    pos, neg = batch_hard_mining(z, labels)
    ok = (pos >= 0) & (neg >= 0)
    want = triplet_loss(z[ok], z[pos[ok]], z[neg[ok]], 0.3)
    got = batch_hard_triplet_loss(z, labels, 0.3)
    assert torch.allclose(got, want)
    assert torch.allclose(*[torch.autograd.grad(v, z, retain_graph=True)[0]
                            for v in (got, want)])
    with pytest.raises(ValueError, match="labels"):
        batch_hard_triplet_loss(z[:3], T([0, 1, 2]))


def test_pairwise_distances():
    torch.manual_seed(0)
    x, y = torch.randn(5, 3, dtype=torch.float64), torch.randn(4, 3, dtype=torch.float64)
    assert torch.allclose(pairwise_distances(x, y), torch.cdist(x, y))
    assert torch.allclose(pairwise_distances(x, squared=True), torch.cdist(x, x) ** 2)
    x.requires_grad_(True)
    pairwise_distances(x).sum().backward()  # zero diagonal: finite gradient
    assert torch.isfinite(x.grad).all()
    with pytest.raises(ValueError, match="embedding size"):
        pairwise_distances(x, torch.randn(2, 2))


# ---------------------------------------------------------------- pairs and evaluation

def test_sample_pairs_is_deterministic_and_balanced():
    labels = torch.arange(40) % 4
    i, j, same = sample_pairs(labels, 200, seed=3)
    i2, j2, same2 = sample_pairs(labels, 200, seed=3)
    assert torch.equal(i, i2) and torch.equal(j, j2) and torch.equal(same, same2)
    assert not torch.equal(i, sample_pairs(labels, 200, seed=4)[0])
    assert same.sum() == 100
    assert torch.equal(same, (labels[i] == labels[j]).float())
    assert (i[same == 1] != j[same == 1]).all()
    with pytest.raises(ValueError, match="n_pairs"):
        sample_pairs(labels, 7)
    with pytest.raises(ValueError, match="labels"):
        sample_pairs(torch.arange(5), 4)


def test_verification_and_threshold():
    d = T([0.1, 0.2, 0.4, 0.5, 0.9])
    same = T([1.0, 1, 0, 1, 0])
    assert verification_accuracy(d, same, 0.3) == pytest.approx(0.8)
    thr = best_threshold(d, same)
    assert verification_accuracy(d, same, thr) == pytest.approx(0.8)
    assert best_threshold(T([0.1, 0.2, 0.8, 0.9]), T([1.0, 1, 0, 0])) == pytest.approx(0.5)
    assert verification_accuracy(T([0.1, 0.9]), T([0.0, 1]), best_threshold(
        T([0.1, 0.9]), T([0.0, 1]))) == 0.5


def test_one_shot_accuracy():
    labels = torch.arange(60) % 5
    perfect = torch.nn.functional.one_hot(labels, 5).float() * 10 + torch.randn(60, 5) * 0.1
    assert one_shot_accuracy(perfect, labels, n_way=5, episodes=50) == 1.0
    noise = torch.randn(60, 5, generator=torch.Generator().manual_seed(0))
    acc = one_shot_accuracy(noise, labels, n_way=5, episodes=400, seed=1)
    assert 0.1 < acc < 0.3  # chance is 1/5
    assert acc == one_shot_accuracy(noise, labels, n_way=5, episodes=400, seed=1)
    with pytest.raises(ValueError, match="n_way"):
        one_shot_accuracy(noise, labels, n_way=6)


# ---------------------------------------------------------------- models

def test_embedding_and_siamese_nets():
    torch.manual_seed(0)
    net = EmbeddingNet(16, width=8)
    x = torch.rand(5, 1, 8, 8)
    z = net(x)
    assert z.shape == (5, 16)
    assert torch.allclose(z.norm(dim=1), torch.ones(5))
    assert net.represent(x).shape == (5, 64)
    siamese = SiameseNet(net)
    pairs = torch.stack([x, x.flip(0)], 1)
    out = siamese(pairs)
    assert out.shape == (5, 2, 16)
    assert torch.allclose(out[:, 1], net(x.flip(0)), atol=1e-6)  # one set of weights
    with pytest.raises(ValueError, match="pairs"):
        siamese(torch.rand(5, 3, 1, 8, 8))


# ---------------------------------------------------------------- bad inputs

def test_bad_inputs_name_the_argument():
    z = torch.randn(4, 3)
    with pytest.raises(ValueError, match="margin"):
        triplet_loss(z, z, z, -0.1)
    with pytest.raises(ValueError, match="margin"):
        contrastive_loss(z, z, torch.ones(4), -1.0)
    with pytest.raises(ValueError, match="margin"):
        batch_hard_triplet_loss(z, T([0, 0, 1, 1]), -0.5)
    with pytest.raises(ValueError, match="positive"):
        triplet_loss(z, z[:3], z)
    with pytest.raises(ValueError, match="negative"):
        triplet_loss(z, z, z[:2])
    with pytest.raises(ValueError, match="z2"):
        contrastive_loss(z, z[:3], torch.ones(4))
    with pytest.raises(ValueError, match="same"):
        contrastive_loss(z, z, torch.ones(3))
    with pytest.raises(ValueError, match="labels"):
        batch_hard_mining(z, T([0, 1]))
    with pytest.raises(ValueError, match="anchor"):
        triplet_loss(torch.randn(4), z, z)
