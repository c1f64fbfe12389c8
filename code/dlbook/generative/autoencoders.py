"""Autoencoders: a network that squeezes its input through a small code and back.

An encoder ``f`` maps a digit to a code of a few numbers and a decoder ``g`` maps
the code back to a digit; both are trained to make ``g(f(x))`` close to ``x``
(Hinton and Salakhutdinov, 2006). With linear maps and the squared error, the
best code spans the same subspace as principal component analysis (Baldi and
Hornik, 1989), which :func:`pca` and :func:`principal_angles` measure. A denoising
autoencoder sees a corrupted digit and must return the clean one (Vincent et al.,
2008): :func:`add_noise` and the ``noise`` of :func:`train_autoencoder`. Decoding
codes drawn by :func:`sample_codes` turns an autoencoder into a (poor) sampler.
Chapter: *Autoencoders*.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .._args import (check_bool, check_choice, check_float, check_generator, check_int,
                     check_module, check_sequence, check_shape, check_tensor)


def _layers(widths: list[int]) -> list[nn.Module]:
    """Linear layers through ``widths``, a ReLU between two of them, none after the last."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers += [nn.Linear(a, b)] + ([nn.ReLU()] if i < len(widths) - 2 else [])
    return layers


class Autoencoder(nn.Module):
    """Encoder ``in_features -> *hidden -> latent``, decoder back the same way.

    ReLU between the layers; a sigmoid on the output keeps pixels in 0..1. With
    ``hidden=()`` and ``sigmoid=False`` both maps are linear: the linear autoencoder,
    whose decoder weight ``decoder[0].weight`` has one column per code unit.
    Chapter: *Autoencoders*.
    """

    def __init__(self, in_features: int = 64, latent: int = 8,
                 hidden: Sequence[int] = (128,), *, sigmoid: bool = True) -> None:
        super().__init__()
        self.in_features, self.latent, hidden, sigmoid = _check_sizes(
            in_features, latent, hidden, sigmoid)
        widths = [in_features, *hidden, latent]
        self.encoder = nn.Sequential(*_layers(widths))
        output = [nn.Sigmoid()] if sigmoid else []
        self.decoder = nn.Sequential(*_layers(widths[::-1]), *output)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The code ``f(x)``: ``(N, latent)`` from ``(N, in_features)``."""
        return self.encoder(check_shape("x", x, ("N", self.in_features)))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """The reconstruction ``g(z)``: ``(N, in_features)`` from ``(N, latent)``."""
        return self.decoder(check_shape("z", z, ("N", self.latent)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


def _check_sizes(in_features, latent, hidden, sigmoid):
    hidden = [check_int(f"hidden[{i}]", h, minimum=1)
              for i, h in enumerate(check_sequence("hidden", hidden, nonempty=False))]
    return (check_int("in_features", in_features, minimum=1),
            check_int("latent", latent, minimum=1), hidden, check_bool("sigmoid", sigmoid))


def add_noise(x: torch.Tensor, std: float, *,
              generator: torch.Generator | None = None) -> torch.Tensor:
    """``x`` plus Gaussian noise of standard deviation ``std``, clipped to pixels in 0..1.

    The corruption a denoising autoencoder learns to undo. Chapter: *Autoencoders*.
    """
    x = check_tensor("x", x, floating=True, finite=True)
    std = check_float("std", std, minimum=0.0)
    generator = check_generator("generator", generator)
    noise = torch.randn(x.shape, generator=generator, dtype=x.dtype)
    return (x + std * noise).clamp(0.0, 1.0)


def train_autoencoder(model: nn.Module, X: torch.Tensor, *, epochs: int,
                      lr: float = 1e-3, batch_size: int = 64, noise: float = 0.0,
                      X_val: torch.Tensor | None = None,
                      optimizer: torch.optim.Optimizer | None = None,
                      seed: int = 0) -> dict[str, list[float]]:
    """Train ``model`` to reconstruct the rows of ``X``; return each epoch's losses.

    Adam (or the given ``optimizer``, to continue an earlier run; ``lr`` is then
    unused) on minibatches of the mean squared error between ``model(x_in)`` and
    the clean ``x``, where ``x_in`` is ``x`` itself, or with ``noise > 0`` a fresh
    corruption ``add_noise(x, noise)``: a denoising autoencoder. Returns the
    training loss (``"train"``) and the error on ``X_val`` (``"val"``, empty
    without ``X_val``) of every epoch.
    Chapter: *Autoencoders*.
    """
    epochs, batch_size, noise, optimizer, generator = _check_training(
        model, X, epochs, lr, batch_size, noise, X_val, optimizer, seed)
    history: dict[str, list[float]] = {"train": [], "val": []}
    for _ in range(epochs):
        total = 0.0
        for idx in torch.randperm(len(X), generator=generator).split(batch_size):
            x = X[idx]
            x_in = add_noise(x, noise, generator=generator) if noise > 0 else x
            loss = F.mse_loss(model(x_in), x)          # the clean digit is the target
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        history["train"].append(total / len(X))
        if X_val is not None:
            history["val"].append(reconstruction_error(model, X_val))
    return history


def _check_training(model, X, epochs, lr, batch_size, noise, X_val, optimizer, seed):
    check_module("model", model)
    _check_rows("X", X, model)
    if X_val is not None:
        _check_rows("X_val", X_val, model)
    lr = check_float("lr", lr, minimum=0.0, strict_min=True)
    if optimizer is not None and not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer or None, got "
                        f"{type(optimizer).__name__}")
    seed = check_int("seed", seed, minimum=0)
    return (check_int("epochs", epochs, minimum=1),
            check_int("batch_size", batch_size, minimum=1),
            check_float("noise", noise, minimum=0.0),
            optimizer or torch.optim.Adam(model.parameters(), lr=lr),
            torch.Generator().manual_seed(seed))


def _check_rows(name: str, X, model: nn.Module) -> torch.Tensor:
    """Rows of pixels, as many columns as the model reads (when it says how many)."""
    check_tensor(name, X, ndim=2, floating=True, nonempty=True, finite=True)
    width = getattr(model, "in_features", X.shape[1])
    if X.shape[1] != width:
        raise ValueError(f"{name} must have {width} columns (the model's in_features), "
                         f"got shape {tuple(X.shape)}")
    return X


def reconstruction_error(model: nn.Module, X: torch.Tensor,
                         X_in: torch.Tensor | None = None) -> float:
    """Mean squared error per pixel between ``model(X_in)`` and ``X`` (``X_in`` defaults
    to ``X``; pass corrupted inputs to measure denoising). Chapter: *Autoencoders*."""
    check_module("model", model)
    X = _check_rows("X", X, model)
    X_in = X if X_in is None else _check_rows("X_in", X_in, model)
    if X_in.shape != X.shape:
        raise ValueError(f"X_in must have the shape of X, {tuple(X.shape)}, "
                         f"got {tuple(X_in.shape)}")
    with torch.no_grad():
        return F.mse_loss(model(X_in), X).item()


class PCA(NamedTuple):
    """Principal components of a data set: its mean ``(d,)``, the top ``k`` directions
    as orthonormal rows ``(k, d)``, and the variance along each ``(k,)``."""

    mean: torch.Tensor
    components: torch.Tensor
    variances: torch.Tensor


def pca(X: torch.Tensor, k: int) -> PCA:
    """The top ``k`` principal components of the rows of ``X`` ``(N, d)``.

    From the singular value decomposition of the centred data ``X - mean = U S V^T``:
    the components are the first ``k`` rows of ``V^T``, the variances ``S^2 / (N - 1)``.
    Reconstruct with ``mean + (X - mean) @ C.T @ C``. Chapter: *Autoencoders*.
    """
    X = check_tensor("X", X, ndim=2, floating=True, finite=True)
    if len(X) < 2 or X.shape[1] < 1:
        raise ValueError(f"X needs at least 2 rows and 1 column, got shape {tuple(X.shape)}")
    k = check_int("k", k, minimum=1, maximum=min(X.shape))
    mean = X.mean(0)
    _, S, Vt = torch.linalg.svd(X - mean, full_matrices=False)
    return PCA(mean, Vt[:k], S[:k] ** 2 / (len(X) - 1))


def principal_angles(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """Principal angles, in radians (float64) and ascending, between the column spaces of
    ``A`` ``(d, k)`` and ``B`` ``(d, m)``: ``min(k, m)`` of them.

    With orthonormal bases ``Q_A`` and ``Q_B`` of the two spaces, the cosines of the
    angles are the singular values of ``Q_A^T Q_B``; all angles are zero exactly when
    one space contains the other. Chapter: *Autoencoders*.
    """
    A, B = _check_bases(A, B)
    Q_A, Q_B = torch.linalg.qr(A).Q, torch.linalg.qr(B).Q
    cosines = torch.linalg.svdvals(Q_A.T @ Q_B)          # descending
    return torch.arccos(cosines.clamp(-1.0, 1.0))        # so the angles ascend


def _check_bases(A, B):
    """Two matrices of column vectors of one space, as float64 without gradients."""
    A, B = (check_tensor(name, M, ndim=2, floating=True, nonempty=True, finite=True)
            for name, M in (("A", A), ("B", B)))
    if A.shape[0] != B.shape[0]:
        raise ValueError(f"A and B must have the same number of rows, got "
                         f"{A.shape[0]} and {B.shape[0]}")
    return A.detach().double(), B.detach().double()


def sample_codes(codes: torch.Tensor, n: int, *, kind: str = "gaussian",
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """``n`` new codes that imitate ``codes`` ``(N, k)``, the codes of real digits.

    ``kind="gaussian"``: from the Gaussian with the codes' mean and covariance;
    ``kind="box"``: uniformly in the smallest box around them. Decoding them is
    sampling from a plain autoencoder. Chapter: *Autoencoders*.
    """
    codes, n, kind, generator = _check_codes(codes, n, kind, generator)
    k = codes.shape[1]
    if kind == "box":
        low, high = codes.amin(0), codes.amax(0)
        return low + (high - low) * torch.rand(n, k, generator=generator, dtype=codes.dtype)
    mean, cov = codes.mean(0), torch.cov(codes.T).reshape(k, k)
    L = torch.linalg.cholesky(cov + 1e-6 * torch.eye(k, dtype=cov.dtype))  # cov = L L^T
    eps = torch.randn(n, k, generator=generator, dtype=codes.dtype)
    return mean + eps @ L.T


def _check_codes(codes, n, kind, generator):
    codes = check_tensor("codes", codes, ndim=2, floating=True, finite=True)
    if len(codes) <= codes.shape[1]:
        raise ValueError(f"codes needs more rows than columns for a covariance, got "
                         f"shape {tuple(codes.shape)}")
    return (codes, check_int("n", n, minimum=1),
            check_choice("kind", kind, ("gaussian", "box")),
            check_generator("generator", generator))
