"""Datasets that need no download: bundled with a pip package or generated from a seed.

Explained in the chapters *Tensors* (images as arrays), *Linear regression* and
*Softmax regression* (train, validation and test splits).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch

from ._args import check_bool, check_choice, check_float, check_int


class Split(NamedTuple):
    """Inputs ``X`` and targets ``y`` of one part of a dataset."""

    X: torch.Tensor
    y: torch.Tensor


class Splits(NamedTuple):
    """A dataset cut into training, validation and test parts."""

    train: Split
    val: Split
    test: Split


def split_indices(n: int, val_fraction: float = 0.15, test_fraction: float = 0.15,
                  seed: int = 0, stratify: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle ``range(n)`` and cut it into train, validation and test indices.

    With ``stratify`` (one label per example), every part keeps the label
    proportions of the whole, which matters for small datasets. The cut is
    deterministic for a given ``seed``. Chapter: *Softmax regression*.
    """
    n = check_int("n", n, minimum=3)
    val_fraction = check_float("val_fraction", val_fraction, minimum=0.0, maximum=1.0,
                               strict_max=True)
    test_fraction = check_float("test_fraction", test_fraction, minimum=0.0,
                                maximum=1.0, strict_max=True)
    if val_fraction + test_fraction >= 1.0:
        raise ValueError("val_fraction + test_fraction must be < 1, got "
                         f"{val_fraction} + {test_fraction}")
    seed = check_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    if stratify is None:
        groups = [rng.permutation(n)]
    else:
        stratify = np.asarray(stratify)
        if stratify.shape != (n,):
            raise ValueError(f"stratify must have shape ({n},), got {stratify.shape}")
        groups = [rng.permutation(np.flatnonzero(stratify == c))
                  for c in np.unique(stratify)]
    parts: tuple[list, list, list] = ([], [], [])
    for idx in groups:
        n_test = int(round(test_fraction * len(idx)))
        n_val = int(round(val_fraction * len(idx)))
        parts[2].append(idx[:n_test])
        parts[1].append(idx[n_test:n_test + n_val])
        parts[0].append(idx[n_test + n_val:])
    # Shuffle again so that classes are interleaved inside each part.
    return tuple(rng.permutation(np.concatenate(p)) for p in parts)  # type: ignore


def load_digits(*, flatten: bool = False, val_fraction: float = 0.15,
                test_fraction: float = 0.15, seed: int = 0) -> Splits:
    """Scikit-learn's handwritten digits (1,797 grey 8x8 images, classes 0-9).

    Pixel values are scaled from 0..16 to [0, 1]. Images come as ``(N, 1, 8, 8)``
    float tensors, or ``(N, 64)`` with ``flatten=True``; labels as int64. The
    split is stratified by class and the same for a given ``seed``.
    Chapters: *Tensors*, *Softmax regression*.
    """
    from sklearn.datasets import load_digits as _sk_load_digits

    flatten = check_bool("flatten", flatten)
    bunch = _sk_load_digits()
    X = torch.tensor(bunch.images / 16.0, dtype=torch.float32).unsqueeze(1)
    if flatten:
        X = X.reshape(len(X), -1)
    y = torch.tensor(bunch.target, dtype=torch.int64)
    tr, va, te = split_indices(len(y), val_fraction, test_fraction, seed,
                               stratify=bunch.target)
    return Splits(*(Split(X[torch.as_tensor(i)], y[torch.as_tensor(i)])
                    for i in (tr, va, te)))


def load_diabetes(*, val_fraction: float = 0.15, test_fraction: float = 0.15,
                  seed: int = 0, standardize: bool = True) -> tuple[Splits, list[str]]:
    """Scikit-learn's diabetes regression data: 442 patients, 10 features.

    The target is a measure of disease progression one year after baseline.
    With ``standardize``, features and target are standardised with the mean
    and standard deviation of the *training* part only, so that nothing leaks
    from validation or test data. Returns the splits and the feature names.
    Chapter: *Linear regression*.
    """
    from sklearn.datasets import load_diabetes as _sk_load_diabetes

    standardize = check_bool("standardize", standardize)
    bunch = _sk_load_diabetes(scaled=False)
    X = torch.tensor(bunch.data, dtype=torch.float32)
    y = torch.tensor(bunch.target, dtype=torch.float32)
    tr, va, te = (torch.as_tensor(i) for i in
                  split_indices(len(y), val_fraction, test_fraction, seed))
    if standardize:
        mu, sd = X[tr].mean(0), X[tr].std(0)
        X = (X - mu) / sd
        y = (y - y[tr].mean()) / y[tr].std()
    return Splits(*(Split(X[i], y[i]) for i in (tr, va, te))), list(bunch.feature_names)


def load_sample_photo(name: str = "china") -> torch.Tensor:
    """One of scikit-learn's two bundled photographs as a ``(3, H, W)`` tensor in [0, 1].

    ``name`` is ``"china"`` (a temple) or ``"flower"``. Chapters: *Tensors*,
    *Convolution*.
    """
    from sklearn.datasets import load_sample_image

    check_choice("name", name, ("china", "flower"))
    array = load_sample_image(f"{name}.jpg")  # (H, W, 3) uint8
    return torch.from_numpy(array.copy()).permute(2, 0, 1).float() / 255.0


TOY2D_KINDS = ("moons", "circles", "xor", "spirals", "blobs")


def make_toy2d(kind: str, n: int = 200, *, noise: float = 0.1, seed: int = 0,
               classes: int = 2) -> Split:
    """Points in the plane with class labels, for drawing decision boundaries.

    ``kind`` is one of ``"moons"``, ``"circles"``, ``"xor"``, ``"spirals"`` or
    ``"blobs"``; ``classes`` is used by ``"spirals"`` and ``"blobs"`` (the others
    have two). ``X`` is a float32 ``(n, 2)`` tensor, ``y`` an int64 ``(n,)`` tensor.
    Chapters: *Softmax regression*, *Multilayer perceptrons*.
    """
    check_choice("kind", kind, TOY2D_KINDS)
    n = check_int("n", n, minimum=2)
    noise = check_float("noise", noise, minimum=0.0)
    seed = check_int("seed", seed, minimum=0)
    classes = check_int("classes", classes, minimum=2)
    rng = np.random.default_rng(seed)
    if kind == "moons":
        y = rng.integers(0, 2, n)
        t = rng.uniform(0, math.pi, n)
        X = np.where(y[:, None] == 0,
                     np.stack([np.cos(t), np.sin(t)], 1),
                     np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1))
    elif kind == "circles":
        y = rng.integers(0, 2, n)
        t = rng.uniform(0, 2 * math.pi, n)
        r = np.where(y == 0, 1.0, 0.5)
        X = np.stack([r * np.cos(t), r * np.sin(t)], 1)
    elif kind == "xor":
        X = rng.uniform(-1, 1, (n, 2))
        y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.int64)
    elif kind == "spirals":
        y = rng.integers(0, classes, n)
        r = rng.uniform(0.05, 1, n)
        t = y * 2 * math.pi / classes + 3.0 * r
        X = np.stack([r * np.sin(t), r * np.cos(t)], 1)
    else:  # blobs
        y = rng.integers(0, classes, n)
        angles = 2 * math.pi * np.arange(classes) / classes
        centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], 1)
        X = centres[y] + rng.normal(0, 0.5, (n, 2))
    X = X + rng.normal(0, noise, X.shape)
    return Split(torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.int64))
