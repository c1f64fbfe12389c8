"""One measure of sample quality for every generative model of the digits.

FID's recipe (Heusel et al., 2017) with the book's own network in place of
Inception: a small convolutional classifier, trained once on the training digits,
maps each image to a 32-number feature vector; the Fréchet distance between two
Gaussians fitted to the features of generated and of held-out real digits measures
how far the samples are from real ones, in what they look like to a digit reader.
The classifier's confidence on the samples says whether they look like any digit
at all. Chapters: *Autoencoders*, *Variational autoencoders*, *GANs*, *Diffusion*.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from .._args import check_choice, check_int, check_tensor
from ..data import load_digits

#: Samples each model draws for its score: the size of the held-out splits, so that
#: samples and real digits weigh the same and every family is measured alike.
N_SAMPLES = 269

FEATURES = 32


class DigitReader(nn.Module):
    """The yardstick's classifier: two convolutions, then 32 features, then 10 logits."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.features = nn.Sequential(nn.Flatten(), nn.Linear(32 * 4 * 4, FEATURES), nn.ReLU())
        self.head = nn.Linear(FEATURES, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _as_images("x", x, minimum=1)
        return self.head(self.features(self.conv(x)))


class Score(NamedTuple):
    """A set of samples on the yardstick."""

    fd: float            # Fréchet distance to the reference digits' features
    confidence: float    # the reader's mean top-class probability on the samples


_READER: list[DigitReader] = []


def digit_reader() -> DigitReader:
    """The classifier behind the yardstick, trained once per process (a few seconds).

    Trained on the training split of :func:`dlbook.data.load_digits` with a fixed
    seed, so every chapter measures with the same network.
    """
    if not _READER:
        _READER.append(_trained_reader())
    return _READER[0]


def _trained_reader() -> DigitReader:
    splits = load_digits()
    generator = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    model = DigitReader()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    X, y = splits.train
    with torch.enable_grad():  # the first call may come from inside torch.no_grad()
        _train_reader(model, optimizer, X, y, generator)
    return model.eval().requires_grad_(False)


def _train_reader(model, optimizer, X, y, generator) -> None:
    for _ in range(30):
        for idx in torch.randperm(len(y), generator=generator).split(64):
            optimizer.zero_grad()
            F.cross_entropy(model(X[idx]), y[idx]).backward()
            optimizer.step()


def _as_images(name: str, images, minimum: int = 2 * FEATURES) -> torch.Tensor:
    images = check_tensor(name, images, floating=True, finite=True)
    if images.shape[1:] == (64,):
        images = images.reshape(-1, 1, 8, 8)
    if images.ndim != 4 or images.shape[1:] != (1, 8, 8):
        raise ValueError(f"{name} must have shape (N, 1, 8, 8) or (N, 64), "
                         f"got {tuple(images.shape)}")
    if len(images) < minimum:
        raise ValueError(f"{name} needs at least {minimum} images (a covariance of "
                         f"{FEATURES} features needs many), got {len(images)}")
    return images.float()


def digit_features(images: torch.Tensor) -> torch.Tensor:
    """The reader's 32 features of each image: ``(N, 32)`` from ``(N, 1, 8, 8)``."""
    images = _as_images("images", images)
    reader = digit_reader()
    with torch.no_grad():
        return reader.features(reader.conv(images))


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two sets of feature rows.

    ``|mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2))``, computed in float64;
    the trace of the matrix square root is the sum of the square roots of the
    eigenvalues of ``S_a^(1/2) S_b S_a^(1/2)``, which is symmetric.
    """
    a = check_tensor("a", a, ndim=2, floating=True, finite=True).double()
    b = check_tensor("b", b, ndim=2, floating=True, finite=True).double()
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"a and b must have the same number of features, got "
                         f"{a.shape[1]} and {b.shape[1]}")
    if len(a) < 2 or len(b) < 2:
        raise ValueError(f"a and b need at least 2 rows each, got {len(a)} and {len(b)}")
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = torch.cov(a.T), torch.cov(b.T)
    root_a = _sqrt_psd(cov_a)
    cross = torch.linalg.eigvalsh(root_a @ cov_b @ root_a).clamp(min=0).sqrt().sum()
    distance = (mu_a - mu_b).square().sum() + cov_a.trace() + cov_b.trace() - 2 * cross
    return max(float(distance), 0.0)  # rounding can leave -1e-6 for equal sets


def _sqrt_psd(matrix: torch.Tensor) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(matrix)
    return vectors @ torch.diag(values.clamp(min=0).sqrt()) @ vectors.T


def classify(images: torch.Tensor) -> torch.Tensor:
    """The reader's digit for each image (int64 labels)."""
    images = _as_images("images", images, minimum=1)
    with torch.no_grad():
        return digit_reader()(images).argmax(1)


@lru_cache(maxsize=2)
def _reference_features(split: str) -> torch.Tensor:
    return digit_features(getattr(load_digits(), split).X)


def score(samples: torch.Tensor, *, split: str = "test") -> Score:
    """Samples on the yardstick, against the real digits of ``split``.

    Use ``split="val"`` for choices (a step count, a guidance weight) and
    ``split="test"`` once, for the reported figure. Draw :data:`N_SAMPLES` samples:
    the distance of a finite sample shrinks as it grows, so only equal sizes compare.
    Pixels are on the scale of :func:`dlbook.data.load_digits`, 0 to 1.
    """
    split = check_choice("split", split, ("val", "test"))
    samples = _as_images("samples", samples)
    with torch.no_grad():
        reader = digit_reader()
        feats = reader.features(reader.conv(samples))
        confidence = F.softmax(reader.head(feats), dim=1).amax(1).mean()
    return Score(frechet_distance(feats, _reference_features(split)), float(confidence))


def floor(*, split: str = "test", seed: int = 0) -> Score:
    """The score of real training digits: the best a model of the digits can expect.

    :data:`N_SAMPLES` training digits drawn without replacement with ``seed``, on
    the yardstick against ``split``: the distance that comes from finite samples and
    from the difference between two sets of real digits, not from a model.
    """
    seed = check_int("seed", seed, minimum=0)
    X = load_digits().train.X
    idx = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))[:N_SAMPLES]
    return score(X[idx], split=split)
