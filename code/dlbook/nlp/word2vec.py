"""Word vectors: skip-gram with negative sampling, and PPMI with a truncated SVD.

Explained in the chapter *Word vectors* (``word2vec``). Skip-gram with negative
sampling (SGNS) follows Mikolov et al. (2013a, b): every word predicts the words
around it, against a few noise words drawn from the unigram distribution raised
to the power 3/4, and very frequent words are thinned out before the windows are
cut. The count-based alternative follows Levy and Goldberg (2014): positive
pointwise mutual information of a co-occurrence matrix, factorised by a truncated
singular value decomposition.
"""

from __future__ import annotations

import torch
from torch import nn

from .._args import check_float, check_generator, check_int, check_tensor


def _check_ids(name: str, ids: object, vocab_size: int | None = None) -> torch.Tensor:
    ids = check_tensor(name, ids, ndim=1, integer=True)
    if ids.numel() and int(ids.min()) < 0:
        raise ValueError(f"{name} must hold ids >= 0, got {int(ids.min())}")
    if vocab_size is not None and ids.numel() and int(ids.max()) >= vocab_size:
        raise ValueError(f"{name} must hold ids below vocab_size={vocab_size}, got "
                         f"{int(ids.max())}")
    return ids


def _check_counts(name: str, counts: object, ndim: int) -> torch.Tensor:
    counts = check_tensor(name, counts, ndim=ndim, nonempty=True, finite=True)
    if bool((counts < 0).any()):
        raise ValueError(f"{name} must hold counts >= 0, got a negative value")
    if not bool((counts > 0).any()):
        raise ValueError(f"{name} must hold at least one positive count")
    return counts.double()


def _check_segments(ids: torch.Tensor, segments: object) -> torch.Tensor:
    if segments is None:
        return torch.zeros_like(ids)
    segments = check_tensor("segments", segments, ndim=1, integer=True)
    if segments.shape != ids.shape:
        raise ValueError(f"segments must have the shape of ids {tuple(ids.shape)}, got "
                         f"{tuple(segments.shape)}")
    return segments


# --- the training pairs --------------------------------------------------------

def skipgram_pairs(ids: torch.Tensor, window: int,
                   segments: torch.Tensor | None = None) -> torch.Tensor:
    """Every (centre, context) pair of a text: an ``(P, 2)`` tensor of token ids.

    The context of position ``t`` is every position ``t + j`` with
    ``1 <= |j| <= window``. With ``segments`` (one segment number per token,
    such as the paragraph it belongs to), a window never reaches across a
    segment's edge. Pairs come ordered by offset ``j`` (``-window`` first), then
    by position. Chapter: *Word vectors*.
    """
    ids = _check_ids("ids", ids)
    window = check_int("window", window, minimum=1)
    segments = _check_segments(ids, segments)
    pairs = []
    for j in [*range(-window, 0), *range(1, window + 1)]:
        t = torch.arange(len(ids))
        t = t[(t + j >= 0) & (t + j < len(ids))]             # centres with a context at t + j
        same = segments[t] == segments[t + j]
        pairs.append(torch.stack([ids[t[same]], ids[t[same] + j]], dim=1))
    return torch.cat(pairs).long() if pairs else torch.zeros(0, 2, dtype=torch.long)


def keep_probabilities(counts: torch.Tensor, threshold: float = 1e-4) -> torch.Tensor:
    """The chance to keep each occurrence of a word when subsampling frequent words:
    ``min(1, sqrt(threshold / f))`` for a word of relative frequency ``f``
    (Mikolov et al., 2013b). Words never seen get 1. Chapter: *Word vectors*."""
    counts = _check_counts("counts", counts, ndim=1)
    threshold = check_float("threshold", threshold, minimum=0.0, strict_min=True)
    f = counts / counts.sum()
    return torch.sqrt(threshold / f.clamp_min(1e-300)).clamp(max=1.0)


def subsample(ids: torch.Tensor, keep: torch.Tensor,
              generator: torch.Generator | None = None) -> torch.Tensor:
    """A boolean mask over ``ids``: each token kept with probability ``keep[id]``.
    Chapter: *Word vectors*."""
    keep = check_tensor("keep", keep, ndim=1, floating=True, nonempty=True, finite=True)
    ids = _check_ids("ids", ids, len(keep))
    generator = check_generator("generator", generator)
    return torch.rand(len(ids), generator=generator, dtype=keep.dtype) < keep[ids]


def noise_distribution(counts: torch.Tensor, power: float = 0.75) -> torch.Tensor:
    """The distribution noise words are drawn from: the unigram counts raised to
    ``power`` and normalised (Mikolov et al., 2013b). Chapter: *Word vectors*."""
    counts = _check_counts("counts", counts, ndim=1)
    power = check_float("power", power, minimum=0.0)
    weights = torch.where(counts > 0, counts ** power, torch.zeros_like(counts))
    return weights / weights.sum()


# --- the model and its loss ---------------------------------------------------

def log_sigmoid(x: torch.Tensor) -> torch.Tensor:
    """``log(1 / (1 + exp(-x)))`` without overflow: ``x - log(1 + exp(x))`` for
    ``x < 0`` and ``-log(1 + exp(-x))`` otherwise, so that no exponential of a
    large positive number is taken. Chapter: *Word vectors*."""
    x = check_tensor("x", x, floating=True)
    neg, pos = x.clamp(max=0), x.clamp(min=0)
    return torch.where(x < 0, neg - torch.log1p(torch.exp(neg)), -torch.log1p(torch.exp(-pos)))


def sgns_loss(center: torch.Tensor, context: torch.Tensor,
              noise: torch.Tensor) -> torch.Tensor:
    """The skip-gram negative-sampling loss, averaged over a batch of pairs.

    ``center`` ``(B, d)`` holds the centre words' vectors v, ``context`` ``(B, d)``
    the true context words' vectors u_o, and ``noise`` ``(B, K, d)`` the vectors
    u_k of K noise words per pair. Each pair costs
    ``-log sigmoid(u_o . v) - sum_k log sigmoid(-u_k . v)``. Chapter: *Word vectors*.
    """
    center, context, noise = _check_sgns_args(center, context, noise)
    positive = (context * center).sum(-1)                       # u_o . v, shape (B,)
    negative = (noise @ center.unsqueeze(-1)).squeeze(-1)       # u_k . v, shape (B, K)
    loss = -log_sigmoid(positive) - log_sigmoid(-negative).sum(-1)
    return loss.mean()


def _check_sgns_args(center, context, noise):
    center = check_tensor("center", center, ndim=2, floating=True, nonempty=True)
    context = check_tensor("context", context, ndim=2, floating=True)
    noise = check_tensor("noise", noise, ndim=3, floating=True)
    if context.shape != center.shape:
        raise ValueError(f"context must have the shape of center {tuple(center.shape)}, "
                         f"got {tuple(context.shape)}")
    if noise.shape[0] != center.shape[0] or noise.shape[2] != center.shape[1]:
        raise ValueError(f"noise must have shape ({center.shape[0]}, K, "
                         f"{center.shape[1]}), got {tuple(noise.shape)}")
    return center, context, noise


class SkipGram(nn.Module):
    """Two tables of word vectors: ``center`` (v, the word vectors we keep) and
    ``context`` (u, a word's vector when it is the one being predicted).

    ``forward(centers, contexts, noise)`` takes the ids of B centre words, of
    their B context words and of ``(B, K)`` noise words and returns the SGNS loss.
    Following word2vec, v starts small and random and u starts at zero.
    Chapter: *Word vectors*.
    """

    def __init__(self, vocab_size: int, dim: int) -> None:
        super().__init__()
        self.vocab_size = check_int("vocab_size", vocab_size, minimum=1)
        self.dim = check_int("dim", dim, minimum=1)
        self.center = nn.Embedding(vocab_size, dim)
        self.context = nn.Embedding(vocab_size, dim)
        nn.init.uniform_(self.center.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.context.weight)

    def forward(self, centers: torch.Tensor, contexts: torch.Tensor,
                noise: torch.Tensor) -> torch.Tensor:
        _check_batch(centers, contexts, noise, self.vocab_size)
        return sgns_loss(self.center(centers), self.context(contexts), self.context(noise))


def _check_batch(centers, contexts, noise, vocab_size):
    _check_ids("centers", centers, vocab_size)
    _check_ids("contexts", contexts, vocab_size)
    noise = check_tensor("noise", noise, ndim=2, integer=True)
    _check_ids("noise", noise.reshape(-1), vocab_size)
    if len(contexts) != len(centers) or len(noise) != len(centers):
        raise ValueError(f"centers, contexts and noise must have the same number of "
                         f"rows, got {len(centers)}, {len(contexts)} and {len(noise)}")


# --- counts: co-occurrence, PPMI and SVD -------------------------------------

def cooccurrence_matrix(pairs: torch.Tensor, vocab_size: int) -> torch.Tensor:
    """The ``(V, V)`` matrix whose entry ``(w, c)`` counts the pairs ``(w, c)``
    (for instance those of :func:`skipgram_pairs`). Chapter: *Word vectors*."""
    vocab_size = check_int("vocab_size", vocab_size, minimum=1)
    pairs = check_tensor("pairs", pairs, ndim=2, integer=True)
    if pairs.shape[1] != 2:
        raise ValueError(f"pairs must have shape (P, 2), got {tuple(pairs.shape)}")
    _check_ids("pairs", pairs.reshape(-1), vocab_size)
    counts = torch.zeros(vocab_size, vocab_size, dtype=torch.float64)
    counts.index_put_((pairs[:, 0], pairs[:, 1]), torch.ones(len(pairs), dtype=torch.float64),
                      accumulate=True)
    return counts


def ppmi(counts: torch.Tensor) -> torch.Tensor:
    """Positive pointwise mutual information of a co-occurrence matrix:
    ``max(0, log(P(w, c) / (P(w) P(c))))``, and 0 where a pair never occurs
    (Levy and Goldberg, 2014). Chapter: *Word vectors*."""
    counts = _check_counts("counts", counts, ndim=2)
    p_wc = counts / counts.sum()
    p_w = p_wc.sum(1, keepdim=True)                 # row marginals, (V, 1)
    p_c = p_wc.sum(0, keepdim=True)                 # column marginals, (1, V)
    pmi = torch.log(p_wc / (p_w * p_c))             # -inf where a pair never occurs
    return torch.nan_to_num(pmi, nan=0.0).clamp(min=0.0)


def svd_embeddings(matrix: torch.Tensor, dim: int) -> torch.Tensor:
    """Word vectors from a truncated SVD ``M ~ U_d S_d V_d^T``: the rows of
    ``U_d S_d^(1/2)`` (Levy et al., 2015). Chapter: *Word vectors*."""
    matrix = check_tensor("matrix", matrix, ndim=2, floating=True, nonempty=True,
                          finite=True)
    dim = check_int("dim", dim, minimum=1, maximum=min(matrix.shape))
    U, S, _ = torch.linalg.svd(matrix, full_matrices=False)
    return U[:, :dim] * S[:dim].sqrt()


# --- using and judging the vectors ------------------------------------------

def cosine_similarity_matrix(vectors: torch.Tensor) -> torch.Tensor:
    """The ``(V, V)`` matrix of cosine similarities between the rows of ``vectors``
    (a row of zeros has similarity 0 with everything). Chapter: *Word vectors*."""
    vectors = check_tensor("vectors", vectors, ndim=2, floating=True, nonempty=True,
                           finite=True)
    unit = vectors / vectors.norm(dim=1, keepdim=True).clamp_min(1e-12)
    return unit @ unit.T


def nearest_neighbours(vectors: torch.Tensor, word: int, k: int = 5) -> list[int]:
    """The ids of the ``k`` rows most cosine-similar to row ``word``, the word
    itself left out, most similar first. Chapter: *Word vectors*."""
    vectors = check_tensor("vectors", vectors, ndim=2, floating=True, nonempty=True,
                           finite=True)
    word = check_int("word", word, minimum=0, maximum=len(vectors) - 1)
    k = check_int("k", k, minimum=1, maximum=len(vectors) - 1)
    unit = vectors / vectors.norm(dim=1, keepdim=True).clamp_min(1e-12)
    sims = unit @ unit[word]
    sims[word] = -float("inf")
    return sims.topk(k).indices.tolist()


def context_auc(vectors: torch.Tensor, pairs: torch.Tensor, noise: torch.Tensor) -> float:
    """How often a word's true context word is more similar to it than a noise word.

    ``pairs`` ``(P, 2)`` holds (centre, context) ids and ``noise`` ``(P,)`` one
    noise id per pair; the score of a pair is the cosine similarity of the two
    words' vectors. Returns the fraction of pairs whose context beats the noise
    word, ties counting one half: an area under the ROC curve of the score as a
    detector of true contexts, compared pair by pair; 0.5 for vectors that know
    nothing.
    Chapter: *Word vectors*.
    """
    _check_auc_args(vectors, pairs, noise)
    unit = vectors / vectors.norm(dim=1, keepdim=True).clamp_min(1e-12)
    true_score = (unit[pairs[:, 0]] * unit[pairs[:, 1]]).sum(1)
    noise_score = (unit[pairs[:, 0]] * unit[noise]).sum(1)
    wins = (true_score > noise_score).double() + 0.5 * (true_score == noise_score).double()
    return wins.mean().item()


def _check_auc_args(vectors, pairs, noise):
    vectors = check_tensor("vectors", vectors, ndim=2, floating=True, nonempty=True,
                           finite=True)
    pairs = check_tensor("pairs", pairs, ndim=2, integer=True, nonempty=True)
    if pairs.shape[1] != 2:
        raise ValueError(f"pairs must have shape (P, 2), got {tuple(pairs.shape)}")
    _check_ids("pairs", pairs.reshape(-1), len(vectors))
    noise = _check_ids("noise", noise, len(vectors))
    if len(noise) != len(pairs):
        raise ValueError(f"noise must hold one id per row of pairs, got {len(noise)} ids "
                         f"for {len(pairs)} pairs")
