"""Position encodings: sinusoidal (Vaswani et al., 2017), learned, and rotary
(Su et al., 2021).

Chapter: *Self-attention* (``book/transformers/self-attention.md``).

Attention itself is blind to order: permuting the keys and values permutes
nothing in the output. The first two encodings add a vector per position to the
token embeddings; rotary encoding instead rotates queries and keys so that their
dot product depends on the *difference* of their positions.
"""

from __future__ import annotations

import torch
from torch import nn

from .._args import check_float, check_int, check_tensor


def sinusoidal_encoding(length: int, d_model: int, base: float = 10000.0) -> torch.Tensor:
    """The (length, d_model) table PE[p, 2i] = sin(p / base^(2i/d_model)),
    PE[p, 2i+1] = cos(p / base^(2i/d_model)). Chapter: *Self-attention*."""
    length = check_int("length", length, minimum=0)
    d_model = _check_even("d_model", d_model)
    base = check_float("base", base, minimum=1.0, strict_min=True)
    position = torch.arange(length, dtype=torch.float32)[:, None]
    frequency = base ** (-torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)
    table = torch.empty(length, d_model)
    table[:, 0::2] = torch.sin(position * frequency)
    table[:, 1::2] = torch.cos(position * frequency)
    return table


class SinusoidalEncoding(nn.Module):
    """Adds :func:`sinusoidal_encoding` to a batch (B, L, d_model), L ≤ max_length.
    Nothing is learned. Chapter: *Self-attention*."""

    def __init__(self, d_model: int, max_length: int) -> None:
        super().__init__()
        self.max_length = check_int("max_length", max_length, minimum=1)
        self.register_buffer("table", sinusoidal_encoding(self.max_length, d_model),
                             persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_sequence_batch(x, self.table.shape[1], self.max_length)
        return x + self.table[:x.shape[1]]


class LearnedEncoding(nn.Module):
    """Adds a learned vector per position (GPT, BERT, ViT) to a batch (B, L, d_model),
    L ≤ max_length. Chapter: *Self-attention*."""

    def __init__(self, d_model: int, max_length: int) -> None:
        super().__init__()
        d_model = check_int("d_model", d_model, minimum=1)
        self.max_length = check_int("max_length", max_length, minimum=1)
        self.table = nn.Parameter(0.02 * torch.randn(self.max_length, d_model))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_sequence_batch(x, self.table.shape[1], self.max_length)
        return x + self.table[:x.shape[1]]


def rotary(x: torch.Tensor, positions: torch.Tensor | None = None,
           base: float = 10000.0) -> torch.Tensor:
    """Rotate each pair of features (x[..., 2i], x[..., 2i+1]) of the vector at
    position p by the angle p·θ_i, θ_i = base^(-2i/d). ``x`` is (..., L, d) with d
    even; ``positions`` (L,) defaults to 0..L-1. Rotary position embedding (Su et
    al., 2021): the dot product of a rotated query at m and a rotated key at n
    depends on their positions only through n - m. Chapter: *Self-attention*."""
    check_tensor("x", x, ndim=range(2, 9), floating=True)
    d = _check_even("x's last dimension", x.shape[-1])
    base = check_float("base", base, minimum=1.0, strict_min=True)
    L = x.shape[-2]
    if positions is None:
        positions = torch.arange(L, device=x.device)
    check_tensor("positions", positions, ndim=1)
    if len(positions) != L:
        raise ValueError(f"positions must have one entry per position of x ({L}), got "
                         f"{len(positions)}")
    theta = base ** (-torch.arange(0, d, 2, dtype=torch.float32, device=x.device) / d)
    angle = positions.to(torch.float32)[:, None] * theta           # (L, d/2)
    cos, sin = torch.cos(angle).to(x.dtype), torch.sin(angle).to(x.dtype)
    even, odd = x[..., 0::2], x[..., 1::2]
    rotated = torch.stack((even * cos - odd * sin, even * sin + odd * cos), dim=-1)
    return rotated.flatten(-2)


def _check_even(name: str, value) -> int:
    value = check_int(name, value, minimum=2)
    if value % 2:
        raise ValueError(f"{name} must be even (features come in sine-cosine pairs), "
                         f"got {value}")
    return value


def _check_sequence_batch(x, d_model: int, max_length: int) -> None:
    check_tensor("x", x, ndim=3, floating=True)
    if x.shape[2] != d_model:
        raise ValueError(f"x must have shape (B, L, {d_model}), got {tuple(x.shape)}")
    if x.shape[1] > max_length:
        raise ValueError(f"x is {x.shape[1]} positions long, longer than max_length "
                         f"= {max_length}")
