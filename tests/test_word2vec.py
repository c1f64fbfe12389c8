"""Skip-gram with negative sampling, PPMI and the evaluation of word vectors."""

import math

import pytest
import torch
import torch.nn.functional as F

from dlbook.nlp.word2vec import (SkipGram, context_auc, cooccurrence_matrix,
                                 cosine_similarity_matrix, keep_probabilities, log_sigmoid,
                                 nearest_neighbours, noise_distribution, ppmi, sgns_loss,
                                 skipgram_pairs, subsample, svd_embeddings)


# --- pairs --------------------------------------------------------------------

def test_pairs_of_a_tiny_sentence_exactly():
    ids = torch.tensor([10, 11, 12, 13])
    assert skipgram_pairs(ids, 1).tolist() == [[11, 10], [12, 11], [13, 12],
                                               [10, 11], [11, 12], [12, 13]]
    got = sorted(map(tuple, skipgram_pairs(ids, 2).tolist()))
    want = sorted((ids[t].item(), ids[t + j].item()) for t in range(4)
                  for j in (-2, -1, 1, 2) if 0 <= t + j < 4)
    assert got == want and len(got) == 2 * 2 * 4 - 2 * 3


def test_pairs_never_cross_a_segment():
    ids = torch.tensor([1, 2, 3, 4, 5])
    segments = torch.tensor([0, 0, 1, 1, 1])
    pairs = sorted(map(tuple, skipgram_pairs(ids, 2, segments).tolist()))
    assert pairs == sorted([(1, 2), (2, 1), (3, 4), (4, 3), (3, 5), (5, 3), (4, 5), (5, 4)])


def test_pairs_of_a_window_wider_than_the_text():
    assert skipgram_pairs(torch.tensor([7]), 3).shape == (0, 2)
    assert len(skipgram_pairs(torch.tensor([1, 2, 3]), 10)) == 6


# --- subsampling and noise ------------------------------------------------------

def test_keep_probabilities_follow_the_formula():
    counts = torch.tensor([900.0, 90.0, 9.0, 1.0])
    keep = keep_probabilities(counts, threshold=0.01)
    f = counts / counts.sum()
    assert torch.allclose(keep, torch.sqrt(0.01 / f).clamp(max=1).double())
    assert keep[-1] == 1.0 and keep[0] < keep[1] < 1


def test_subsample_keeps_the_expected_fraction():
    g = torch.Generator().manual_seed(0)
    ids = torch.zeros(20000, dtype=torch.long)
    mask = subsample(ids, torch.tensor([0.3]), g)
    assert abs(mask.double().mean().item() - 0.3) < 0.02


def test_noise_distribution_is_counts_to_the_three_quarters():
    counts = torch.tensor([16.0, 1.0, 0.0])
    p = noise_distribution(counts)
    assert torch.allclose(p, torch.tensor([8.0, 1.0, 0.0], dtype=torch.float64) / 9)


# --- the loss -----------------------------------------------------------------

def test_log_sigmoid_matches_pytorch_and_never_overflows():
    x = torch.tensor([-1000.0, -30.0, -1.0, 0.0, 2.0, 50.0, 1000.0], dtype=torch.float64,
                     requires_grad=True)
    got = log_sigmoid(x)
    assert torch.allclose(got, F.logsigmoid(x))
    (g,) = torch.autograd.grad(got.sum(), x)
    (want,) = torch.autograd.grad(F.logsigmoid(x).sum(), x)
    assert torch.allclose(g, want)


def _vectors(B=4, K=3, d=5, scale=1.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [(scale * torch.randn(*shape, generator=g, dtype=torch.float64)).requires_grad_()
            for shape in ((B, d), (B, d), (B, K, d))]


def test_sgns_loss_equals_a_direct_computation():
    v, u, n = _vectors()
    want = 0.0
    for b in range(4):
        want -= math.log(1 / (1 + math.exp(-float((u[b] @ v[b]).detach()))))
        for k in range(3):
            want -= math.log(1 / (1 + math.exp(float((n[b, k] @ v[b]).detach()))))
    assert math.isclose(sgns_loss(v, u, n).item(), want / 4, rel_tol=1e-12)


@pytest.mark.parametrize("scale", [0.1, 1.0, 30.0])
def test_sgns_loss_and_gradients_match_logsigmoid(scale):
    v, u, n = _vectors(scale=scale, seed=1)
    ours = sgns_loss(v, u, n)
    grads = torch.autograd.grad(ours, (v, u, n))
    ref = (-F.logsigmoid((u * v).sum(-1))
           - F.logsigmoid(-torch.einsum("bkd,bd->bk", n, v)).sum(-1)).mean()
    ref_grads = torch.autograd.grad(ref, (v, u, n))
    assert torch.isfinite(ours) and torch.allclose(ours, ref)
    for a, b in zip(grads, ref_grads):
        assert torch.allclose(a, b)


def test_gradient_formula_of_the_chapter():
    v, u, n = _vectors(B=1, K=4, d=6, seed=2)
    gv, gu, gn = torch.autograd.grad(sgns_loss(v, u, n), (v, u, n))
    s_o = (u[0] @ v[0]).detach()
    s_k = (n[0] @ v[0]).detach()
    want_v = -(1 - torch.sigmoid(s_o)) * u[0] + (torch.sigmoid(s_k)[:, None] * n[0]).sum(0)
    assert torch.allclose(gv[0], want_v.detach())
    assert torch.allclose(gu[0], (-(1 - torch.sigmoid(s_o)) * v[0]).detach())
    assert torch.allclose(gn[0], (torch.sigmoid(s_k)[:, None] * v[0]).detach())


def test_skipgram_looks_up_both_tables():
    torch.manual_seed(0)
    model = SkipGram(10, 4)
    torch.nn.init.normal_(model.context.weight)
    c, o, n = torch.tensor([1, 2]), torch.tensor([3, 4]), torch.tensor([[5, 6], [7, 8]])
    want = sgns_loss(model.center(c), model.context(o), model.context(n))
    assert torch.allclose(model(c, o, n), want)
    assert torch.all(SkipGram(10, 4).context.weight == 0)


def test_skipgram_learns_which_words_go_together():
    torch.manual_seed(0)
    # words 0-4 only ever occur next to each other, and so do words 5-9
    g = torch.Generator().manual_seed(0)
    text = torch.cat([torch.randint(0, 5, (200,), generator=g) if i % 2 == 0
                      else torch.randint(5, 10, (200,), generator=g) for i in range(10)])
    segments = torch.arange(10).repeat_interleave(200)
    pairs = skipgram_pairs(text, 2, segments)
    model = SkipGram(10, 8)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    noise_p = noise_distribution(torch.bincount(text, minlength=10).double())
    for _ in range(100):
        noise = torch.multinomial(noise_p, len(pairs) * 2, replacement=True,
                                  generator=g).view(-1, 2)
        loss = model(pairs[:, 0], pairs[:, 1], noise)
        opt.zero_grad()
        loss.backward()
        opt.step()
    sims = cosine_similarity_matrix(model.center.weight.detach())
    same = torch.zeros(10, 10, dtype=torch.bool)
    same[:5, :5] = same[5:, 5:] = True
    assert sims[same].mean() > sims[~same].mean() + 0.5


# --- counts ---------------------------------------------------------------------

def test_cooccurrence_counts_pairs():
    X = cooccurrence_matrix(torch.tensor([[0, 1], [0, 1], [1, 0], [2, 2]]), 3)
    assert X.tolist() == [[0, 2, 0], [1, 0, 0], [0, 0, 1]]


def test_ppmi_of_a_hand_computed_matrix():
    X = torch.tensor([[2.0, 1.0], [0.0, 1.0]])
    # total 4; row sums 3, 1; column sums 2, 2
    want = torch.tensor([[math.log(2 * 4 / (3 * 2)), 0.0],     # log(4/3); log(2/3) < 0
                         [0.0, math.log(1 * 4 / (1 * 2))]],    # count 0; log 2
                        dtype=torch.float64)
    assert torch.allclose(ppmi(X), want)
    assert torch.allclose(ppmi(torch.tensor([[2.0, 0.0], [0.0, 2.0]])),
                          math.log(2) * torch.eye(2, dtype=torch.float64))


def test_svd_embeddings_reconstruct_a_symmetric_psd_matrix():
    A = torch.randn(6, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    M = A @ A.T
    E = svd_embeddings(M, 3)
    assert E.shape == (6, 3) and torch.allclose(E @ E.T, M, atol=1e-10)


# --- using the vectors ------------------------------------------------------------

def test_nearest_neighbours_by_cosine():
    vectors = torch.tensor([[1.0, 0.0], [10.0, 1.0], [0.0, 1.0], [-1.0, 0.0]])
    assert nearest_neighbours(vectors, 0, k=3) == [1, 2, 3]
    assert torch.allclose(cosine_similarity_matrix(vectors).diagonal(), torch.ones(4))


def test_context_auc_counts_wins_and_half_ties():
    vectors = torch.tensor([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0]])
    pairs = torch.tensor([[0, 1], [0, 2], [0, 1]])
    noise = torch.tensor([2, 1, 1])
    assert context_auc(vectors, pairs, noise) == pytest.approx((1 + 0 + 0.5) / 3)


# --- bad input ------------------------------------------------------------------

def test_bad_input_raises_naming_the_argument():
    with pytest.raises(ValueError, match="window"):
        skipgram_pairs(torch.tensor([1, 2]), 0)
    with pytest.raises(TypeError, match="ids"):
        skipgram_pairs(torch.tensor([1.0, 2.0]), 1)
    with pytest.raises(ValueError, match="segments"):
        skipgram_pairs(torch.tensor([1, 2]), 1, torch.tensor([0]))
    with pytest.raises(ValueError, match="counts"):
        ppmi(torch.tensor([[1.0, -1.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="noise"):
        sgns_loss(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(2, 4, 2))
    with pytest.raises(ValueError, match="contexts"):
        SkipGram(5, 2)(torch.tensor([1]), torch.tensor([9]), torch.tensor([[1]]))
    with pytest.raises(ValueError, match="dim"):
        svd_embeddings(torch.eye(3), 4)
