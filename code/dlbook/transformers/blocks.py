"""The transformer's blocks: the position-wise feed-forward network, the encoder
block (self-attention, then feed-forward) and the decoder block (causal
self-attention, cross-attention to the encoder's output, then feed-forward),
each sublayer wrapped in a residual connection and a layer norm.

Chapter: *The transformer* (``book/transformers/transformer.md``); the GPT, BERT
and ViT chapters stack the same blocks.

``norm_first=False`` is the original post-norm block (Vaswani et al., 2017):
x ← LayerNorm(x + Sublayer(x)). ``norm_first=True`` is the pre-norm block of GPT-2
and most models since (Xiong et al., 2020): x ← x + Sublayer(LayerNorm(x)).
Each block keeps the attention weights of its last forward pass, detached, in
``attention_weights`` (and a decoder block ``cross_attention_weights``), to draw.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .._args import check_bool, check_float, check_int, check_tensor
from .attention import MultiHeadAttention, _check_bool_mask


class FeedForward(nn.Module):
    """Linear(d_model → d_ff), GELU, dropout, Linear(d_ff → d_model), applied to each
    position alone. Chapter: *The transformer*."""

    def __init__(self, d_model: int, d_ff: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.linear1 = nn.Linear(check_int("d_model", d_model, minimum=1),
                                 check_int("d_ff", d_ff, minimum=1))
        self.linear2 = nn.Linear(d_ff, d_model)
        self.dropout = check_float("dropout", dropout, minimum=0.0, maximum=1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_tensor("x", x, ndim=range(1, 9), floating=True)
        if x.shape[-1] != self.linear1.in_features:
            raise ValueError(f"x must have shape (..., {self.linear1.in_features}), "
                             f"got {tuple(x.shape)}")
        return self.linear2(F.dropout(F.gelu(self.linear1(x)), self.dropout, self.training))


class EncoderBlock(nn.Module):
    """Self-attention and a feed-forward network, each with a residual connection
    and a layer norm. ``forward(x, *, key_padding_mask=None, causal=False)``: ``x``
    is (B, L, d_model); ``key_padding_mask`` (B, L) is True at real tokens;
    ``causal=True`` makes it a GPT block. Chapter: *The transformer*."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, *, dropout: float = 0.0,
                 norm_first: bool = True, rotary: bool = False) -> None:
        super().__init__()
        self.attention = MultiHeadAttention(d_model, n_heads, dropout=dropout, rotary=rotary)
        self.feed_forward = FeedForward(d_model, d_ff, dropout)
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.dropout = dropout
        self.norm_first = check_bool("norm_first", norm_first)
        self.attention_weights: torch.Tensor | None = None

    def forward(self, x: torch.Tensor, *, key_padding_mask: torch.Tensor | None = None,
                causal: bool = False) -> torch.Tensor:
        _check_block_input("x", x, self.norm1.normalized_shape[0], key_padding_mask,
                           "key_padding_mask")

        def attend(h):
            out, weights = self.attention(h, key_padding_mask=key_padding_mask,
                                          causal=causal)
            self.attention_weights = weights.detach()
            return self._drop(out)

        if self.norm_first:
            x = x + attend(self.norm1(x))
            return x + self._drop(self.feed_forward(self.norm2(x)))
        x = self.norm1(x + attend(x))
        return self.norm2(x + self._drop(self.feed_forward(x)))

    def _drop(self, x: torch.Tensor) -> torch.Tensor:
        return F.dropout(x, self.dropout, self.training)


class DecoderBlock(nn.Module):
    """Causal self-attention, cross-attention to the encoder's output ``memory``, and
    a feed-forward network, each with a residual connection and a layer norm.
    ``forward(x, memory, *, key_padding_mask=None, memory_padding_mask=None)``:
    ``x`` (B, L_t, d_model), ``memory`` (B, L_s, d_model); the padding masks are True
    at real tokens. Chapter: *The transformer*."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, *, dropout: float = 0.0,
                 norm_first: bool = True) -> None:
        super().__init__()
        self.self_attention = MultiHeadAttention(d_model, n_heads, dropout=dropout)
        self.cross_attention = MultiHeadAttention(d_model, n_heads, dropout=dropout)
        self.feed_forward = FeedForward(d_model, d_ff, dropout)
        self.norm1, self.norm2, self.norm3 = (nn.LayerNorm(d_model) for _ in range(3))
        self.dropout = dropout
        self.norm_first = check_bool("norm_first", norm_first)
        self.attention_weights: torch.Tensor | None = None
        self.cross_attention_weights: torch.Tensor | None = None

    def forward(self, x: torch.Tensor, memory: torch.Tensor, *,
                key_padding_mask: torch.Tensor | None = None,
                memory_padding_mask: torch.Tensor | None = None) -> torch.Tensor:
        d_model = self.norm1.normalized_shape[0]
        _check_block_input("x", x, d_model, key_padding_mask, "key_padding_mask")
        _check_block_input("memory", memory, d_model, memory_padding_mask,
                           "memory_padding_mask")
        if memory.shape[0] != x.shape[0]:
            raise ValueError(f"memory must have x's batch size {x.shape[0]}, got "
                             f"{tuple(memory.shape)}")

        def attend(h):
            out, weights = self.self_attention(h, key_padding_mask=key_padding_mask,
                                               causal=True)
            self.attention_weights = weights.detach()
            return self._drop(out)

        def cross(h):
            out, weights = self.cross_attention(h, memory, memory,
                                                key_padding_mask=memory_padding_mask)
            self.cross_attention_weights = weights.detach()
            return self._drop(out)

        if self.norm_first:
            x = x + attend(self.norm1(x))
            x = x + cross(self.norm2(x))
            return x + self._drop(self.feed_forward(self.norm3(x)))
        x = self.norm1(x + attend(x))
        x = self.norm2(x + cross(x))
        return self.norm3(x + self._drop(self.feed_forward(x)))

    def _drop(self, x: torch.Tensor) -> torch.Tensor:
        return F.dropout(x, self.dropout, self.training)


def _check_block_input(name: str, x, d_model: int, mask, mask_name: str) -> None:
    check_tensor(name, x, ndim=3, floating=True)
    if x.shape[-1] != d_model:
        raise ValueError(f"{name} must have shape (B, L, {d_model}), got {tuple(x.shape)}")
    if mask is not None:
        if isinstance(mask, torch.Tensor) and mask.ndim == 2 and mask.shape[0] != x.shape[0]:
            raise ValueError(f"{name} and {mask_name} must have the same batch size, got "
                             f"{tuple(x.shape)} and {tuple(mask.shape)}")
        _check_bool_mask(mask_name, mask, [tuple(x.shape[:2])])
