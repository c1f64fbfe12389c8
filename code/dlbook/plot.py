"""The book's figure style and the few plots that many chapters share.

Every figure has an opaque white background so that it stays legible when the
site is shown in dark mode. Colours are the Okabe-Ito palette, which readers
with the common forms of colour blindness can tell apart.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import torch

from ._args import (check_bool, check_callable, check_choice, check_float, check_int,
                    check_labels, check_same_length, check_tensor)

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9",
           "#F0E442", "#000000")

HOUSE_STYLE = {
    "figure.figsize": (6.0, 3.6),
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.frameon": False,
    "font.size": 10,
    "image.cmap": "viridis",
    "figure.constrained_layout.use": True,
}


def use_house_style() -> None:
    """Apply the book's matplotlib style to every figure drawn after this call."""
    mpl.rcParams.update(HOUSE_STYLE)


def _as_numpy(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def show_images(images, labels: Sequence | None = None, *, ncols: int = 8,
                cmap: str = "gray_r", size: float = 1.0, title: str | None = None):
    """Draw a grid of images with optional labels under each; returns the figure.

    ``images`` is ``(N, H, W)``, ``(N, 1, H, W)`` or ``(N, 3, H, W)`` (channels
    first, values in [0, 1]), as a tensor or array.
    """
    ncols = check_int("ncols", ncols, minimum=1)
    check_choice("cmap", cmap, plt.colormaps())
    size = check_float("size", size, minimum=0.0, strict_min=True)
    arr = _as_numpy(images)
    if arr.ndim == 4:
        if arr.shape[1] == 1:
            arr = arr[:, 0]
        elif arr.shape[1] == 3:
            arr = arr.transpose(0, 2, 3, 1)
        else:
            raise ValueError(f"images must have 1 or 3 channels, got shape {arr.shape}")
    elif arr.ndim != 3:
        raise ValueError(f"images must have 3 or 4 dimensions, got shape {arr.shape}")
    if labels is not None and len(labels) != len(arr):
        raise ValueError(f"labels must have one entry per image: {len(labels)} labels "
                         f"for {len(arr)} images")
    n = len(arr)
    nrows = max(1, -(-n // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * 1.15),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(arr[i], cmap=cmap if arr.ndim == 3 else None)
            if labels is not None:
                ax.set_title(str(labels[i]), fontsize=8, pad=2)
    if title:
        fig.suptitle(title)
    return fig


def plot_curves(curves: Mapping[str, Sequence[float]], *, xlabel: str = "epoch",
                ylabel: str = "", logy: bool = False, ax=None, title: str | None = None):
    """Draw several named curves (for example training and validation loss)."""
    if not isinstance(curves, Mapping) or not curves:
        raise TypeError("curves must be a non-empty mapping from names to sequences")
    logy = check_bool("logy", logy)
    if ax is None:
        _, ax = plt.subplots()
    for name, values in curves.items():
        values = _as_numpy(values)
        ax.plot(np.arange(1, len(values) + 1), values, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def plot_decision_boundary(predict: Callable[[torch.Tensor], torch.Tensor],
                           X: torch.Tensor, y: torch.Tensor, *, ax=None,
                           resolution: int = 200, margin: float = 0.3,
                           title: str | None = None):
    """Colour the plane by the class ``predict`` gives each point, with the data on top.

    ``predict`` maps an ``(M, 2)`` float tensor to ``(M,)`` class labels.
    """
    check_callable("predict", predict)
    check_tensor("X", X, ndim=2, floating=True, nonempty=True, finite=True)
    if X.shape[1] != 2:
        raise ValueError(f"X must have 2 columns, got shape {tuple(X.shape)}")
    check_labels("y", y, len(PALETTE))  # one colour per class
    check_same_length("X", X, "y", y)
    resolution = check_int("resolution", resolution, minimum=2)
    margin = check_float("margin", margin, minimum=0.0)
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    lo = X.min(0).values - margin
    hi = X.max(0).values + margin
    xs = torch.linspace(float(lo[0]), float(hi[0]), resolution)
    ys = torch.linspace(float(lo[1]), float(hi[1]), resolution)
    gx, gy = torch.meshgrid(xs, ys, indexing="xy")
    with torch.no_grad():
        z = predict(torch.stack([gx.reshape(-1), gy.reshape(-1)], 1))
    z = _as_numpy(z).reshape(resolution, resolution)
    k = int(max(z.max(), int(y.max()))) + 1
    cmap = mpl.colors.ListedColormap(PALETTE[:k])
    ax.contourf(_as_numpy(gx), _as_numpy(gy), z, levels=np.arange(k + 1) - 0.5,
                cmap=cmap, alpha=0.25)
    ax.scatter(_as_numpy(X[:, 0]), _as_numpy(X[:, 1]), c=_as_numpy(y), cmap=cmap,
               vmin=-0.5, vmax=k - 0.5, s=12, edgecolors="white", linewidths=0.4)
    ax.set_aspect("equal")
    ax.grid(False)
    if title:
        ax.set_title(title)
    return ax


def plot_confusion_matrix(confusion, class_names: Sequence[str] | None = None, *,
                          ax=None, title: str | None = None):
    """Draw a confusion matrix (rows: true class, columns: predicted class) with counts."""
    cm = _as_numpy(confusion)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.size == 0:
        raise ValueError(f"confusion must be a square matrix, got shape {cm.shape}")
    if not np.issubdtype(cm.dtype, np.number) or not (np.isfinite(cm) & (cm >= 0)).all():
        raise ValueError("confusion must hold counts (or rates): numbers >= 0")
    k = cm.shape[0]
    names = list(class_names) if class_names is not None else [str(i) for i in range(k)]
    if len(names) != k:
        raise ValueError(f"class_names must have {k} entries, got {len(names)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 4.2))
    ax.imshow(cm, cmap="Blues")
    for i in range(k):
        for j in range(k):
            ax.text(j, i, f"{cm[i, j]:g}", ha="center", va="center", fontsize=7,
                    color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.grid(False)
    if title:
        ax.set_title(title)
    return ax
