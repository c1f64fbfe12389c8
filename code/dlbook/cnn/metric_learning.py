"""Metric learning: embeddings in which distance means similarity.

A siamese network applies one embedding network, with one set of weights, to
both images of a pair (Bromley et al., 1993). The contrastive loss pulls
matching pairs together and pushes other pairs at least a margin apart
(Chopra, Hadsell and LeCun, 2005; Hadsell, Chopra and LeCun, 2006); the triplet
loss asks an anchor to be closer to a positive than to a negative by a margin
(Schroff, Kalenichenko and Philbin, 2015), and batch-hard mining picks the
triplets that still teach something (Hermans, Beyer and Leibe, 2017).
Chapter: *Siamese networks and metric learning*.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._args import (check_binary, check_bool, check_float, check_int, check_same_length,
                     check_shape, check_tensor)


def _check_embeddings(name: str, z: torch.Tensor, finite: bool = False) -> torch.Tensor:
    return check_tensor(name, z, ndim=2, floating=True, finite=finite)


def _check_ids(name: str, labels: torch.Tensor) -> torch.Tensor:
    """Class ids, compared for equality only: integers of any value."""
    return check_tensor(name, labels, ndim=1, integer=True)


def _check_same_batch(**tensors: torch.Tensor) -> None:
    (first, a), *rest = tensors.items()
    for name, t in rest:
        if len(t) != len(a):
            raise ValueError(f"{name} must have one row per row of {first}: got batch "
                             f"sizes {len(t)} and {len(a)}")


def pairwise_distances(x: torch.Tensor, y: torch.Tensor | None = None, *,
                       squared: bool = False) -> torch.Tensor:
    """Euclidean distances between the rows of ``x`` ``(N, D)`` and of ``y`` ``(M, D)``.

    Returns ``(N, M)``; ``y`` defaults to ``x``. With ``squared``, squared
    distances. Chapter: *Siamese networks and metric learning*.
    """
    _check_embeddings("x", x)
    y = x if y is None else _check_embeddings("y", y)
    squared = check_bool("squared", squared)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must have the same embedding size, got {x.shape[1]} "
                         f"and {y.shape[1]}")
    # Differences rather than |x|^2 + |y|^2 - 2 x.y: exact zeros on the diagonal
    # and no cancellation; the batches in this book are small enough for it.
    d2 = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
    if squared:
        return d2
    # sqrt has an infinite slope at 0 (every diagonal entry): take it only where
    # d2 > 0, so that coinciding points get distance 0 and gradient 0, not NaN.
    # (Testing d2 <= 0 rather than d2 > 0 lets a NaN through as NaN.)
    zero = d2 <= 0
    return torch.where(zero, 0.0, torch.where(zero, 1.0, d2).sqrt())


def contrastive_loss(z1: torch.Tensor, z2: torch.Tensor, same: torch.Tensor,
                     margin: float = 1.0) -> torch.Tensor:
    """Mean over pairs of ``same * d**2 / 2 + (1 - same) * max(0, margin - d)**2 / 2``.

    ``z1`` and ``z2`` are ``(P, D)`` embeddings of the two sides of ``P`` pairs,
    ``same`` is ``(P,)`` with 1 for a matching pair and 0 otherwise, and ``d`` is
    the Euclidean distance within a pair. Chapter: *Siamese networks and metric
    learning*.
    """
    _check_embeddings("z1", z1)
    _check_embeddings("z2", z2)
    check_binary("same", same)
    _check_same_batch(z1=z1, z2=z2, same=same)
    if z1.shape[1] != z2.shape[1]:
        raise ValueError(f"z1 and z2 must have the same embedding size, got "
                         f"{z1.shape[1]} and {z2.shape[1]}")
    margin = check_float("margin", margin, minimum=0.0)
    same = same.to(z1.dtype)
    d = torch.linalg.vector_norm(z1 - z2, dim=1)
    return 0.5 * (same * d ** 2 + (1 - same) * (margin - d).clamp(min=0) ** 2).mean()


def triplet_loss(anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor,
                 margin: float = 1.0, *, squared: bool = False,
                 eps: float = 1e-6) -> torch.Tensor:
    """Mean over triplets of ``max(0, d(a, p) - d(a, n) + margin)``.

    ``d`` is the Euclidean distance (squared with ``squared``, as in FaceNet).
    As in ``torch.nn.TripletMarginLoss``, ``eps`` is added to the difference
    vectors, which keeps the gradient finite when two embeddings coincide.
    Chapter: *Siamese networks and metric learning*.
    """
    for name, t in (("anchor", anchor), ("positive", positive), ("negative", negative)):
        _check_embeddings(name, t)
    _check_same_batch(anchor=anchor, positive=positive, negative=negative)
    if not anchor.shape == positive.shape == negative.shape:
        raise ValueError("anchor, positive and negative must have the same shape, got "
                         f"{tuple(anchor.shape)}, {tuple(positive.shape)} and "
                         f"{tuple(negative.shape)}")
    margin = check_float("margin", margin, minimum=0.0)
    eps, squared = check_float("eps", eps, minimum=0.0), check_bool("squared", squared)
    d_ap = torch.linalg.vector_norm(anchor - positive + eps, dim=1)
    d_an = torch.linalg.vector_norm(anchor - negative + eps, dim=1)
    if squared:
        d_ap, d_an = d_ap ** 2, d_an ** 2
    return (d_ap - d_an + margin).clamp(min=0).mean()


def batch_hard_mining(embeddings: torch.Tensor,
                      labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """For every anchor, the index of its hardest positive and its hardest negative.

    The hardest positive is the farthest other example with the same label; the
    hardest negative is the closest example with a different label. An anchor
    without any positive or any negative in the batch gets index -1 there.
    Chapter: *Siamese networks and metric learning*.
    """
    _check_embeddings("embeddings", embeddings, finite=True)
    _check_ids("labels", labels)
    _check_same_batch(embeddings=embeddings, labels=labels)
    with torch.no_grad():  # the choice of triplets is not differentiated
        d = pairwise_distances(embeddings)
        same = labels[:, None] == labels[None, :]
        eye = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
        pos_mask, neg_mask = same & ~eye, ~same
        pos = d.masked_fill(~pos_mask, -1.0).argmax(dim=1)
        neg = d.masked_fill(~neg_mask, float("inf")).argmin(dim=1)
        pos[~pos_mask.any(dim=1)] = -1
        neg[~neg_mask.any(dim=1)] = -1
    return pos, neg


def batch_hard_triplet_loss(embeddings: torch.Tensor, labels: torch.Tensor,
                            margin: float = 0.5, *, squared: bool = False) -> torch.Tensor:
    """Triplet loss over the batch-hard triplets of a labelled batch of embeddings.

    Every example with at least one positive and one negative in the batch is
    an anchor once. Its signature ``(embeddings, labels)`` fits ``fit``'s
    ``loss_fn(model(X), y)``. Chapter: *Siamese networks and metric learning*.
    """
    margin = check_float("margin", margin, minimum=0.0)
    pos, neg = batch_hard_mining(embeddings, labels)
    ok = (pos >= 0) & (neg >= 0)
    if not ok.any():
        raise ValueError("labels must give some example both a positive and a negative "
                         "in the batch (at least two classes, one with two examples)")
    return triplet_loss(embeddings[ok], embeddings[pos[ok]], embeddings[neg[ok]], margin,
                        squared=squared)


def sample_pairs(labels: torch.Tensor, n_pairs: int, *,
                 seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Draw ``n_pairs`` index pairs, exactly half of them matching, the same for a seed.

    Returns ``(i, j, same)``: int64 indices into ``labels`` and a float tensor
    with 1 where ``labels[i] == labels[j]``. A matching pair never pairs an
    example with itself. ``n_pairs`` must be even. Chapter: *Siamese networks
    and metric learning*.
    """
    _check_ids("labels", labels)
    n_pairs = check_int("n_pairs", n_pairs, minimum=2)
    if n_pairs % 2:
        raise ValueError(f"n_pairs must be even (half matching, half not), got {n_pairs}")
    seed = check_int("seed", seed, minimum=0)
    y = labels.cpu().numpy()
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2 or counts.max() < 2:
        raise ValueError("labels must hold at least two classes and a class with two "
                         "examples")
    rng = np.random.default_rng(seed)
    members = {c: np.flatnonzero(y == c) for c in classes}
    # Matching pairs start from an example of a class that has a partner.
    pairable = np.flatnonzero(np.isin(y, classes[counts >= 2]))
    half = n_pairs // 2
    i = np.empty(n_pairs, np.int64)
    j = np.empty(n_pairs, np.int64)
    i[:half] = rng.choice(pairable, half)
    for k in range(half):
        others = members[y[i[k]]]
        others = others[others != i[k]]
        j[k] = others[rng.integers(len(others))]
    i[half:] = rng.integers(len(y), size=n_pairs - half)
    for k in range(half, n_pairs):
        others = np.flatnonzero(y != y[i[k]])
        j[k] = others[rng.integers(len(others))]
    order = rng.permutation(n_pairs)  # interleave matching and other pairs
    i, j = torch.from_numpy(i[order]), torch.from_numpy(j[order])
    return i, j, (labels[i] == labels[j]).float()


class EmbeddingNet(nn.Module):
    """A small CNN that maps ``(N, 1, 8, 8)`` digit images to unit-length embeddings.

    ``features``, three convolutions with pooling, gives an ``8 * width``
    representation; ``head``, a two-layer perceptron, projects it to
    ``embedding_dim`` numbers. With ``normalize`` the output lies on the unit
    sphere, as in FaceNet, so distances are bounded by 2. ``represent`` returns
    the unit-length representation before the head.
    Chapter: *Siamese networks and metric learning*.
    """

    def __init__(self, embedding_dim: int = 32, *, width: int = 32, in_channels: int = 1,
                 normalize: bool = True):
        super().__init__()
        embedding_dim = check_int("embedding_dim", embedding_dim, minimum=1)
        width = check_int("width", width, minimum=1)
        in_channels = check_int("in_channels", in_channels, minimum=1)
        self.normalize = check_bool("normalize", normalize)
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, padding=1), nn.ReLU(),
            nn.Conv2d(width, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(2), nn.Flatten())
        self.head = nn.Sequential(nn.Linear(8 * width, 64), nn.ReLU(),
                                  nn.Linear(64, embedding_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.head(self.features(self._check_images(x)))
        return F.normalize(z, dim=1) if self.normalize else z

    def represent(self, x: torch.Tensor) -> torch.Tensor:
        """The representation before the projection head, scaled to unit length."""
        return F.normalize(self.features(self._check_images(x)), dim=1)

    def _check_images(self, x: torch.Tensor) -> torch.Tensor:
        first = self.features[0]  # the first convolution
        return check_shape("x", x, ("N", first.in_channels, "H", "W"),
                           dtype=first.weight.dtype)


class SiameseNet(nn.Module):
    """Embed both images of each pair with one shared network.

    Input ``(P, 2, C, H, W)``, output ``(P, 2, D)``: the same weights see both
    sides, so the two embeddings are comparable. Chapter: *Siamese networks and
    metric learning*.
    """

    def __init__(self, embedding: nn.Module):
        super().__init__()
        if not isinstance(embedding, nn.Module):
            raise TypeError(f"embedding must be an nn.Module, got "
                            f"{type(embedding).__name__}")
        self.embedding = embedding

    def forward(self, pairs: torch.Tensor) -> torch.Tensor:
        check_tensor("pairs", pairs, floating=True, nonempty=True)
        if pairs.ndim < 3 or pairs.shape[1] != 2:
            raise ValueError(f"pairs must have shape (P, 2, ...), got {tuple(pairs.shape)}")
        p = len(pairs)
        z = self.embedding(pairs.flatten(0, 1))  # one batch of 2P images
        return z.reshape(p, 2, -1)


def pair_contrastive_loss(out: torch.Tensor, same: torch.Tensor,
                          margin: float = 1.0) -> torch.Tensor:
    """:func:`contrastive_loss` on a :class:`SiameseNet`'s ``(P, 2, D)`` output.

    Its signature fits ``fit``'s ``loss_fn``. Chapter: *Siamese networks and
    metric learning*.
    """
    check_tensor("out", out, ndim=3, floating=True)
    if out.shape[1] != 2:
        raise ValueError(f"out must have shape (P, 2, D), got {tuple(out.shape)}")
    check_same_length("out", out, "same", check_tensor("same", same))
    return contrastive_loss(out[:, 0], out[:, 1], same, margin)


def verification_accuracy(distances: torch.Tensor, same: torch.Tensor,
                          threshold: float) -> float:
    """Fraction of pairs judged right by "same if the distance is below ``threshold``".

    Chapter: *Siamese networks and metric learning*.
    """
    check_tensor("distances", distances, ndim=1, floating=True, finite=True)
    check_binary("same", same)
    _check_same_batch(distances=distances, same=same)
    threshold = check_float("threshold", threshold)
    return float(((distances < threshold) == same.bool()).double().mean())


def best_threshold(distances: torch.Tensor, same: torch.Tensor) -> float:
    """The distance threshold that classifies these pairs most accurately.

    Candidates are the midpoints between consecutive sorted distances. Choose it
    on pairs you will not report on. Chapter: *Siamese networks and metric learning*.
    """
    check_tensor("distances", distances, ndim=1, floating=True, finite=True)
    check_binary("same", same)
    _check_same_batch(distances=distances, same=same)
    if len(distances) == 0:
        raise ValueError("distances must not be empty")
    d, order = torch.sort(distances.double())
    s = same.bool()[order].double()
    # Threshold after the k smallest distances: those k are called "same".
    correct = torch.cat([torch.zeros(1, dtype=torch.float64), s.cumsum(0)]) + \
        torch.cat([(1 - s).flip(0).cumsum(0).flip(0), torch.zeros(1, dtype=torch.float64)])
    k = int(correct.argmax())
    lo = d[k - 1] if k > 0 else d[0] - 1.0
    hi = d[k] if k < len(d) else d[-1] + 1.0
    return float((lo + hi) / 2)


def one_shot_accuracy(embeddings: torch.Tensor, labels: torch.Tensor, *, n_way: int,
                      episodes: int = 1000, seed: int = 0) -> float:
    """Accuracy of nearest-support classification in ``n_way`` one-shot episodes.

    Each episode draws ``n_way`` classes, one support example and one different
    query example of each, and labels every query with the class of its nearest
    support embedding. Pass raw pixels flattened as ``embeddings`` for the
    pixel baseline. Chapter: *Siamese networks and metric learning*.
    """
    _check_embeddings("embeddings", embeddings, finite=True)
    _check_ids("labels", labels)
    _check_same_batch(embeddings=embeddings, labels=labels)
    classes = torch.unique(labels)
    n_way = check_int("n_way", n_way, minimum=2, maximum=len(classes))
    episodes = check_int("episodes", episodes, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    y = labels.cpu().numpy()
    members = {int(c): np.flatnonzero(y == int(c)) for c in classes}
    eligible = [c for c, m in members.items() if len(m) >= 2]
    if len(eligible) < n_way:
        raise ValueError(f"labels must have {n_way} classes with two examples or more")
    correct = 0
    for _ in range(episodes):
        chosen = rng.choice(eligible, n_way, replace=False)
        picks = np.stack([rng.choice(members[c], 2, replace=False) for c in chosen])
        support, query = embeddings[picks[:, 0]], embeddings[picks[:, 1]]
        nearest = pairwise_distances(query, support).argmin(dim=1)
        correct += int((nearest == torch.arange(n_way, device=nearest.device)).sum())
    return correct / (episodes * n_way)
