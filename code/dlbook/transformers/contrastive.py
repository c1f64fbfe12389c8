"""Contrastive self-supervision: SimCLR's NT-Xent loss, views of digits, linear probes.

SimCLR (Chen et al., 2020) learns a representation without labels: two random
views of each image go through one encoder and a projection head, and the
NT-Xent loss asks each view to pick its partner out of all the other views in
the batch. The representation is then judged by a *linear probe*: a logistic
regression trained on the frozen features with few labels. The encoder is
:class:`dlbook.cnn.metric_learning.EmbeddingNet` (``features`` is the encoder,
``head`` the projection head). Chapter: *Self-supervised learning*.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .._args import check_float, check_generator, check_int, check_same_length, check_tensor
from ..cnn.augment import cutout, gaussian_noise
from ..cnn.lenet import random_affine


def _check_pair(z1, z2) -> None:
    for name, z in (("z1", z1), ("z2", z2)):
        check_tensor(name, z, ndim=2, floating=True, finite=True)
    if z1.shape != z2.shape:
        raise ValueError(f"z1 and z2 must have the same shape, got {tuple(z1.shape)} "
                         f"and {tuple(z2.shape)}")
    if len(z1) < 2:
        raise ValueError(f"z1 must hold at least 2 rows (a view needs negatives), "
                         f"got {len(z1)}")


def nt_xent(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.5) -> torch.Tensor:
    """SimCLR's normalised temperature-scaled cross-entropy, averaged over all 2N views.

    ``z1[i]`` and ``z2[i]`` are the projections ``(N, D)`` of two views of image
    ``i``. Each of the 2N views is an anchor whose positive is its partner and
    whose negatives are the other 2N - 2 views. Chapter: *Self-supervised learning*.
    """
    _check_pair(z1, z2)
    temperature = check_float("temperature", temperature, minimum=0.0, strict_min=True)
    n = len(z1)
    z = F.normalize(torch.cat([z1, z2]), dim=1)        # 2N unit vectors
    logits = z @ z.T / temperature                     # s_ij / tau
    logits = logits.masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z.device),
                                float("-inf"))         # k != i
    partner = torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(z.device)
    return F.cross_entropy(logits, partner)            # -log softmax at the partner


def digit_views(x: torch.Tensor, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """One random view of each digit image ``(N, 1, H, W)`` in [0, 1], for SimCLR.

    A small random rotation, scaling and shift (:func:`dlbook.cnn.lenet.random_affine`),
    a 3x3 cutout with probability one half, and Gaussian noise of standard
    deviation 0.1. Chapter: *Self-supervised learning*.
    """
    check_tensor("x", x, ndim=4, floating=True, nonempty=True)
    generator = check_generator("generator", generator) or torch.Generator().manual_seed(0)
    x = random_affine(x, generator, rotation=20.0, scale=0.15, shift=1.0)
    x = cutout(x, 3, p=0.5, generator=generator)
    return gaussian_noise(x, 0.1, generator=generator)


def few_labels(labels: torch.Tensor, per_class: int, *, seed: int = 0) -> torch.Tensor:
    """Indices of ``per_class`` examples of every class in ``labels``, drawn at random.

    The draw is seeded, sorted by class, and raises if a class has fewer than
    ``per_class`` examples. Chapter: *Self-supervised learning*.
    """
    labels = check_tensor("labels", labels, ndim=1, integer=True, nonempty=True)
    per_class = check_int("per_class", per_class, minimum=1)
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    chosen = []
    for c in torch.unique(labels).tolist():
        members = torch.nonzero(labels == c).flatten().cpu().numpy()
        if len(members) < per_class:
            raise ValueError(f"per_class must be at most {len(members)}, the size of "
                             f"class {c}, got {per_class}")
        chosen.append(rng.choice(members, per_class, replace=False))
    return torch.from_numpy(np.concatenate(chosen))


def _check_probe(train_features, train_labels, eval_features, eval_labels, c) -> float:
    for name, value, labels in (("train", train_features, train_labels),
                                ("eval", eval_features, eval_labels)):
        check_tensor(f"{name}_features", value, ndim=2, floating=True, nonempty=True,
                     finite=True)
        check_tensor(f"{name}_labels", labels, ndim=1, integer=True)
        check_same_length(f"{name}_features", value, f"{name}_labels", labels)
    if train_features.shape[1] != eval_features.shape[1]:
        raise ValueError(f"eval_features must have {train_features.shape[1]} columns like "
                         f"train_features, got {eval_features.shape[1]}")
    if len(torch.unique(train_labels)) < 2:
        raise ValueError("train_labels must hold at least two classes")
    return check_float("c", c, minimum=0.0, strict_min=True)


def linear_probe(train_features: torch.Tensor, train_labels: torch.Tensor,
                 eval_features: torch.Tensor, eval_labels: torch.Tensor, *,
                 c: float = 1.0) -> float:
    """Accuracy on the evaluation set of a logistic regression on frozen features.

    The probe is scikit-learn's multinomial logistic regression with inverse
    L2 strength ``c``; the features are not changed. Chapter: *Self-supervised learning*.
    """
    c = _check_probe(train_features, train_labels, eval_features, eval_labels, c)
    from sklearn.linear_model import LogisticRegression

    probe = LogisticRegression(C=c, max_iter=2000)
    probe.fit(train_features.detach().cpu().double().numpy(), train_labels.cpu().numpy())
    return float(probe.score(eval_features.detach().cpu().double().numpy(),
                             eval_labels.cpu().numpy()))
