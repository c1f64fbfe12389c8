"""A LeNet-style convolutional network for the 8x8 handwritten digits.

The network follows the layout of LeNet-5 (LeCun et al., 1998): two stages of
convolution, nonlinearity and pooling, then three fully connected layers. It
upsamples the 8x8 digits to 16x16 first, so that its 5x5 kernels see parts of
strokes rather than whole digits. ``train_lenet_digits`` is the one training
recipe the chapter and the tests use. Chapter: *LeNet*.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from .._args import (check_float, check_int, check_same_length, check_sequence,
                     check_shape, check_tensor)
from ..data import load_digits
from ..runtime import seed_everything
from ..train import History, accuracy, evaluate, fit


class LeNet(nn.Module):
    """LeNet-style classifier for ``(N, 1, 8, 8)`` digit images.

    ``features``: upsample to 16x16, then two blocks of 5x5 convolution,
    ReLU and 2x2 max pooling (``channels`` filters each; the first pads by
    2 to keep 16x16). ``classifier``: flatten, ``hidden`` fully connected
    layers with ReLU and dropout, and a linear layer to ``classes`` scores.
    Chapter: *LeNet*.
    """

    def __init__(self, channels: tuple[int, int] = (16, 32),
                 hidden: tuple[int, int] = (120, 84), classes: int = 10,
                 dropout: float = 0.3):
        super().__init__()
        channels, hidden = check_sequence("channels", channels), check_sequence("hidden", hidden)
        if len(channels) != 2 or len(hidden) != 2:
            raise ValueError(f"channels and hidden must be pairs, got "
                             f"{channels!r} and {hidden!r}")
        c1, c2 = (check_int("channels", c, minimum=1) for c in channels)
        h1, h2 = (check_int("hidden", h, minimum=1) for h in hidden)
        classes = check_int("classes", classes, minimum=2)
        dropout = check_float("dropout", dropout, minimum=0.0, maximum=1.0,
                              strict_max=True)
        self.features = nn.Sequential(
            nn.Upsample(scale_factor=2, mode="bilinear",
                        align_corners=False),        # 8x8 -> 16x16
            nn.Conv2d(1, c1, 5, padding=2), nn.ReLU(),      # C1: c1 x 16x16
            nn.MaxPool2d(2),                                # S2: c1 x 8x8
            nn.Conv2d(c1, c2, 5), nn.ReLU(),                # C3: c2 x 4x4
            nn.MaxPool2d(2),                                # S4: c2 x 2x2
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(c2 * 2 * 2, h1), nn.ReLU(), nn.Dropout(dropout),  # C5
            nn.Linear(h1, h2), nn.ReLU(), nn.Dropout(dropout),          # F6
            nn.Linear(h2, classes),                                    # output
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_shape("x", x, ("N", 1, 8, 8), dtype=self.features[1].weight.dtype)  # digits
        return self.classifier(self.features(x))


def random_affine(x: torch.Tensor, generator: torch.Generator, *,
                  rotation: float = 10.0, scale: float = 0.1,
                  shift: float = 1.0) -> torch.Tensor:
    """Rotate, scale and shift each image of a batch by a random small amount.

    ``x`` is ``(N, C, H, W)``. Each image gets its own rotation (uniform in
    +-``rotation`` degrees), scale factor (1 +- ``scale``) and shift
    (+-``shift`` pixels along each axis), drawn from ``generator``; pixels
    that come from outside the image are 0. Chapter: *LeNet*.
    """
    check_tensor("x", x, ndim=4, floating=True, nonempty=True)
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got "
                        f"{type(generator).__name__}")
    rotation = check_float("rotation", rotation, minimum=0.0)
    scale = check_float("scale", scale, minimum=0.0, maximum=1.0,
                        strict_max=True)
    shift = check_float("shift", shift, minimum=0.0)
    n, _, h, w = x.shape

    def uniform(*shape):
        return 2 * torch.rand(*shape, generator=generator) - 1  # in [-1, 1)

    angle = uniform(n) * math.radians(rotation)
    factor = 1 + uniform(n) * scale
    # affine_grid maps output to input coordinates in [-1, 1]: one pixel
    # is 2 / size of that range.
    offset = uniform(n, 2) * shift * torch.tensor([2 / w, 2 / h])
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = torch.cos(angle) / factor
    theta[:, 0, 1] = -torch.sin(angle) / factor
    theta[:, 1, 0] = torch.sin(angle) / factor
    theta[:, 1, 1] = torch.cos(angle) / factor
    theta[:, :, 2] = offset
    grid = F.affine_grid(theta.to(x), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")


def augmented_loader(X: torch.Tensor, y: torch.Tensor, *, batch_size: int = 64,
                     seed: int = 0, **augment) -> DataLoader:
    """Shuffled minibatches of ``(X, y)``, augmented by :func:`random_affine`.

    ``augment`` is passed to :func:`random_affine`. The shuffling and the
    transformations are seeded, so an epoch-by-epoch rerun is identical.
    Chapter: *LeNet*.
    """
    check_tensor("X", X, ndim=4, floating=True, nonempty=True)
    check_tensor("y", y)
    check_same_length("X", X, "y", y)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    random_affine(X[:1], torch.Generator(), **augment)  # check augment now, not later
    generator = torch.Generator().manual_seed(seed + 1)

    def collate(batch):
        images = torch.stack([image for image, _ in batch])
        labels = torch.stack([label for _, label in batch])
        return random_affine(images, generator, **augment), labels

    return DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=True,
                      generator=torch.Generator().manual_seed(seed),
                      collate_fn=collate)


class LeNetResult(NamedTuple):
    """What :func:`train_lenet_digits` returns."""

    model: LeNet
    history: History
    test_accuracy: float


def train_lenet_digits(seed: int = 0, *, epochs: int = 40,
                       verbose: bool = False) -> LeNetResult:
    """The book's LeNet recipe on the digits; returns model, history, accuracy.

    Trains :class:`LeNet` on the training and validation splits of
    :func:`dlbook.data.load_digits` (the validation split served to choose
    this recipe) with random affine augmentation, Adam and a one-cycle
    learning-rate schedule, on one CPU thread, and measures accuracy on the
    test split. Deterministic for a given ``seed``. Chapter: *LeNet*.
    """
    seed = check_int("seed", seed, minimum=0)
    epochs = check_int("epochs", epochs, minimum=1)
    digits = load_digits()
    X = torch.cat([digits.train.X, digits.val.X])
    y = torch.cat([digits.train.y, digits.val.y])
    seed_everything(seed)
    model = LeNet()
    loader = augmented_loader(X, y, batch_size=64, seed=seed, rotation=10.0,
                              scale=0.1, shift=1.0)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=3e-3, total_steps=epochs * len(loader))
    # One thread: as fast for a network this small, and the same rounding,
    # hence the same result, on every machine.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        history = fit(model, loader, loss_fn=nn.CrossEntropyLoss(),
                      optimizer=optimizer, epochs=epochs,
                      metrics={"accuracy": accuracy}, scheduler=scheduler,
                      scheduler_step="batch", device="cpu", seed=seed,
                      verbose=verbose)
    finally:
        torch.set_num_threads(threads)
    test = evaluate(model, digits.test, nn.CrossEntropyLoss(),
                    metrics={"accuracy": accuracy})
    return LeNetResult(model, history, test["accuracy"])
