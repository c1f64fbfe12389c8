"""Reproducibility and devices: seed every generator, pick where tensors live.

Explained in the chapter *Tensors* (section on devices).
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch

from ._args import check_device, check_int


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python's, NumPy's and PyTorch's generators (CPU and GPU) with ``seed``.

    Returns a fresh ``torch.Generator`` seeded the same way, for code that wants
    its own stream (for example a ``DataLoader``'s shuffling).
    """
    seed = check_int("seed", seed, minimum=0, maximum=2**32 - 1)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return torch.Generator().manual_seed(seed)


def choose_device(prefer: str | None = None) -> torch.device:
    """The device to compute on: ``prefer`` if given, else CUDA, then Apple's MPS, then CPU.

    The environment variable ``DLBOOK_DEVICE`` overrides the automatic choice,
    so a reader can force ``cpu`` to reproduce the book's numbers exactly.
    """
    if prefer is not None:
        return check_device("prefer", prefer)
    if os.environ.get("DLBOOK_DEVICE"):
        return check_device("DLBOOK_DEVICE", os.environ["DLBOOK_DEVICE"])
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
