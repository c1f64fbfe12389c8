"""The exercise checks of *Word vectors*: right answers pass, typical mistakes fail."""

import torch
import torch.nn.functional as F

from dlbook.checks.word2vec import check_ppmi, check_sgns_loss, check_skipgram_pairs


def pairs_right(ids, window):
    return [(ids[t], ids[t + j]) for t in range(len(ids))
            for j in range(-window, window + 1) if j != 0 and 0 <= t + j < len(ids)]


def test_skipgram_pairs():
    assert check_skipgram_pairs(pairs_right).passed
    assert check_skipgram_pairs(lambda ids, w: torch.tensor(pairs_right(ids, w)[::-1])
                                .reshape(-1, 2)).passed
    with_self = check_skipgram_pairs(lambda ids, w: pairs_right(ids, w) + [(i, i) for i in ids])
    assert not with_self.passed and "itself" in with_self.message
    right_only = check_skipgram_pairs(lambda ids, w: [(ids[t], ids[t + j]) for t in range(len(ids))
                                                      for j in range(1, w + 1) if t + j < len(ids)])
    assert not right_only.passed and "after it" in right_only.message
    off_by_one = check_skipgram_pairs(lambda ids, w: [(ids[t], ids[t + j])
                                                      for t in range(len(ids) - 1)
                                                      for j in range(-w, w + 1)
                                                      if j and 0 <= t + j < len(ids)])
    assert not off_by_one.passed and "missing" in off_by_one.message
    assert not check_skipgram_pairs(lambda ids, w: "pairs").passed


def loss_right(v, u, n):
    return (-F.logsigmoid((u * v).sum(-1))
            - F.logsigmoid(-torch.einsum("bkd,bd->bk", n, v)).sum(-1)).mean()


def loss_naive(v, u, n):  # log of a sigmoid that rounds to 0
    return (-torch.log(torch.sigmoid((u * v).sum(-1)))
            - torch.log(torch.sigmoid(-torch.einsum("bkd,bd->bk", n, v))).sum(-1)).mean()


def loss_mean_noise(v, u, n):
    return (-F.logsigmoid((u * v).sum(-1))
            - F.logsigmoid(-torch.einsum("bkd,bd->bk", n, v)).mean(-1)).mean()


def test_sgns_loss():
    assert check_sgns_loss(loss_right).passed
    assert check_sgns_loss(lambda v, u, n: loss_right(v, u, n).item()).passed
    naive = check_sgns_loss(loss_naive)
    assert not naive.passed and "underflows" in naive.hint
    mean_noise = check_sgns_loss(loss_mean_noise)
    assert not mean_noise.passed and "average over the K" in mean_noise.message
    assert not check_sgns_loss(lambda v, u, n: loss_right(v, u, n) + 1).passed


def ppmi_right(X):
    p = X / X.sum()
    pmi = torch.log(p / (p.sum(1, keepdim=True) * p.sum(0, keepdim=True)))
    return torch.nan_to_num(pmi, nan=0.0).clamp(min=0)


def ppmi_inf(X):  # never-seen pairs left at -inf
    p = X / X.sum()
    return torch.log(p / (p.sum(1, keepdim=True) * p.sum(0, keepdim=True))).clamp(min=0) \
        .masked_fill(X == 0, float("-inf"))


def ppmi_negative(X):
    p = X / X.sum()
    pmi = torch.log(p / (p.sum(1, keepdim=True) * p.sum(0, keepdim=True)))
    return torch.where(X > 0, pmi, torch.zeros_like(pmi))


def ppmi_swapped(X):
    p = X / X.sum()
    pmi = torch.log(p / (p.sum(0, keepdim=True).T * p.sum(1, keepdim=True).T))
    return torch.nan_to_num(pmi, nan=0.0, neginf=0.0).clamp(min=0)


def test_ppmi():
    assert check_ppmi(ppmi_right).passed
    assert check_ppmi(lambda X: ppmi_right(X).tolist()).passed
    result = check_ppmi(ppmi_inf)
    assert not result.passed and "infinite" in result.message
    result = check_ppmi(ppmi_negative)
    assert not result.passed and "negative" in result.message
    result = check_ppmi(ppmi_swapped)
    assert not result.passed and "swapped" in result.message
