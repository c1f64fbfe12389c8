"""Scaled dot-product attention, multi-head attention, and their masks.

Chapter: *Self-attention* (``book/transformers/self-attention.md``).

One convention for every mask in the book: a boolean tensor that is True where
attention is allowed ("query i may look at key j"), the convention of
``torch.nn.functional.scaled_dot_product_attention``. (``nn.MultiheadAttention``'s
``key_padding_mask`` uses the opposite one: True there means *ignore*.)

Shapes are batch first: a sequence batch is (B, L, d_model); per-head tensors
are (B, H, L, d_head); attention weights are (B, H, L_queries, L_keys).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .._args import check_bool, check_float, check_int, check_tensor


def scaled_dot_product_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                                 mask: torch.Tensor | None = None, *,
                                 scale: float | None = None
                                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """softmax(q kᵀ · scale) v, with ``scale = 1/sqrt(d_k)`` unless given.

    ``q`` is (..., L_q, d_k), ``k`` is (..., L_k, d_k), ``v`` is (..., L_k, d_v).
    ``mask`` (boolean, True = may attend) has shape (L_q, L_k), or (1, L_k) for
    every query alike, preceded by leading dimensions of size 1 or equal to ``q``'s:
    a key-padding mask (B, L_k) goes in as ``mask[:, None, None, :]``. Shapes are
    matched from the right, so a (B, L_k) mask passed as it is, with B = L_q, is
    read as (L_q, L_k) without an error. Returns the output (..., L_q, d_v) and the
    attention weights (..., L_q, L_k).
    Chapter: *Self-attention*."""
    scale = _check_attention(q, k, v, mask, scale)
    scores = q @ k.transpose(-2, -1) * scale
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights


def causal_mask(n_queries: int, n_keys: int | None = None) -> torch.Tensor:
    """The (n_queries, n_keys) mask that lets each query see its own position and
    the ones before it. With fewer queries than keys, the queries are the *last*
    positions (decoding with a key-value cache: query i sits at position
    n_keys - n_queries + i). Chapter: *Self-attention*."""
    n_queries = check_int("n_queries", n_queries, minimum=1)
    n_keys = n_queries if n_keys is None else check_int("n_keys", n_keys, minimum=n_queries)
    return torch.ones(n_queries, n_keys, dtype=torch.bool).tril(diagonal=n_keys - n_queries)


def split_heads(x: torch.Tensor, n_heads: int) -> torch.Tensor:
    """(B, L, H·d_head) → (B, H, L, d_head). Chapter: *Self-attention*."""
    check_tensor("x", x, ndim=3)
    n_heads = check_int("n_heads", n_heads, minimum=1)
    B, L, D = x.shape
    if D % n_heads:
        raise ValueError(f"x's last dimension ({D}) must be divisible by n_heads ({n_heads})")
    return x.view(B, L, n_heads, D // n_heads).transpose(1, 2)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(B, H, L, d_head) → (B, L, H·d_head), the inverse of :func:`split_heads`.
    Chapter: *Self-attention*."""
    check_tensor("x", x, ndim=4)
    B, H, L, d = x.shape
    return x.transpose(1, 2).reshape(B, L, H * d)


class MultiHeadAttention(nn.Module):
    """Multi-head attention (Vaswani et al., 2017): project queries, keys and values,
    attend in ``n_heads`` subspaces of size d_model / n_heads, concatenate, project.

    ``forward(query, key=None, value=None, *, key_padding_mask=None,
    attn_mask=None, causal=False)``: ``key`` and ``value`` default to ``query``
    (self-attention). ``key_padding_mask`` (B, L_k) is True at real tokens;
    ``attn_mask`` (L_q, L_k) or (B, L_q, L_k) is True where attending is allowed;
    ``causal`` adds :func:`causal_mask`. With ``rotary=True`` queries and keys are
    rotated by their positions (:func:`dlbook.transformers.positional.rotary`;
    self-attention only). Returns the output (B, L_q, d_model) and the weights
    (B, H, L_q, L_k). Chapter: *Self-attention*."""

    def __init__(self, d_model: int, n_heads: int, *, dropout: float = 0.0,
                 bias: bool = True, rotary: bool = False) -> None:
        super().__init__()
        d_model, n_heads = check_int("d_model", d_model, minimum=1), check_int(
            "n_heads", n_heads, minimum=1)
        if d_model % n_heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by n_heads ({n_heads})")
        self.d_model, self.n_heads = d_model, n_heads
        self.dropout = check_float("dropout", dropout, minimum=0.0, maximum=1.0)
        self.rotary = check_bool("rotary", rotary)
        bias = check_bool("bias", bias)
        if self.rotary and (d_model // n_heads) % 2:
            raise ValueError(f"rotary=True needs an even head size, got {d_model // n_heads}")
        self.q_proj = nn.Linear(d_model, d_model, bias=bias)
        self.k_proj = nn.Linear(d_model, d_model, bias=bias)
        self.v_proj = nn.Linear(d_model, d_model, bias=bias)
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)

    def forward(self, query: torch.Tensor, key: torch.Tensor | None = None,
                value: torch.Tensor | None = None, *,
                key_padding_mask: torch.Tensor | None = None,
                attn_mask: torch.Tensor | None = None, causal: bool = False
                ) -> tuple[torch.Tensor, torch.Tensor]:
        key = query if key is None else key
        value = key if value is None else value
        mask = _combine_masks(query, key, value, self.d_model, key_padding_mask,
                              attn_mask, causal, self.rotary)
        q = split_heads(self.q_proj(query), self.n_heads)
        k = split_heads(self.k_proj(key), self.n_heads)
        v = split_heads(self.v_proj(value), self.n_heads)
        if self.rotary:
            from .positional import rotary
            L_q, L_k = q.shape[-2], k.shape[-2]
            q, k = rotary(q, torch.arange(L_k - L_q, L_k)), rotary(k, torch.arange(L_k))
        out, weights = scaled_dot_product_attention(q, k, v, mask)
        if self.training and self.dropout:
            # dropout on the weights, as in the original transformer, for the output only;
            # the returned weights stay the ones the softmax gave
            out = F.dropout(weights, self.dropout) @ v
        return self.out_proj(merge_heads(out)), weights


def _combine_masks(query, key, value, d_model, key_padding_mask, attn_mask, causal,
                   rotary) -> torch.Tensor | None:
    """One (B or 1, 1, L_q, L_k) mask from the three ways of giving one."""
    for name, x in (("query", query), ("key", key), ("value", value)):
        check_tensor(name, x, ndim=3, floating=True)
        if x.shape[-1] != d_model:
            raise ValueError(f"{name} must have shape (B, L, {d_model}), got {tuple(x.shape)}")
    if key.shape[:2] != value.shape[:2] or key.shape[0] != query.shape[0]:
        raise ValueError(f"query, key and value must share the batch size and key and value "
                         f"the length, got {tuple(query.shape)}, {tuple(key.shape)}, "
                         f"{tuple(value.shape)}")
    if rotary and key is not query and key.shape[1] < query.shape[1]:
        raise ValueError("rotary=True is for self-attention: key must be at least as long "
                         "as query")
    B, L_q, L_k = query.shape[0], query.shape[1], key.shape[1]
    causal = check_bool("causal", causal)
    mask = None
    if key_padding_mask is not None:
        _check_bool_mask("key_padding_mask", key_padding_mask, [(B, L_k)])
        mask = key_padding_mask[:, None, None, :]
    if attn_mask is not None:
        _check_bool_mask("attn_mask", attn_mask, [(L_q, L_k), (B, L_q, L_k)])
        extra = attn_mask if attn_mask.ndim == 2 else attn_mask[:, None]
        mask = extra if mask is None else mask & extra
    if causal:
        if L_k < L_q:
            raise ValueError(f"causal=True needs at least as many keys as queries, got "
                             f"{L_k} keys for {L_q} queries")
        extra = causal_mask(L_q, L_k).to(query.device)
        mask = extra if mask is None else mask & extra
    return mask


def _check_bool_mask(name: str, mask, shapes: list[tuple[int, ...]]) -> None:
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        raise TypeError(f"{name} must be a boolean tensor (True = may attend), got "
                        f"{getattr(mask, 'dtype', type(mask).__name__)}")
    if tuple(mask.shape) not in shapes:
        want = " or ".join(str(s) for s in shapes)
        raise ValueError(f"{name} must have shape {want}, got {tuple(mask.shape)}")


def _check_attention(q, k, v, mask, scale) -> float:
    for name, x in (("q", q), ("k", k), ("v", v)):
        check_tensor(name, x, ndim=range(2, 9), floating=True)
    if k.shape[-1] != q.shape[-1]:
        raise ValueError(f"q and k must have the same last dimension, got "
                         f"{tuple(q.shape)} and {tuple(k.shape)}")
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(f"k and v must have the same length (dimension -2), got "
                         f"{tuple(k.shape)} and {tuple(v.shape)}")
    if not (q.shape[:-2] == k.shape[:-2] == v.shape[:-2]):
        raise ValueError(f"q, k and v must have the same leading dimensions, got "
                         f"{tuple(q.shape)}, {tuple(k.shape)}, {tuple(v.shape)}")
    if mask is not None:
        if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
            raise TypeError("mask must be a boolean tensor (True = may attend), got "
                            f"{getattr(mask, 'dtype', type(mask).__name__)}")
        L_q, L_k, lead = q.shape[-2], k.shape[-2], q.shape[:-2]
        if (mask.ndim < 2 or mask.ndim > q.ndim or mask.shape[-1] != L_k
                or mask.shape[-2] not in (1, L_q)
                or any(m not in (1, s) for m, s in zip(mask.shape[:-2][::-1], lead[::-1]))):
            raise ValueError(f"mask must have shape (L_q, L_k) = ({L_q}, {L_k}), with L_q "
                             f"possibly 1, after leading dimensions of size 1 or equal to "
                             f"q's {tuple(lead)}; got {tuple(mask.shape)} (a key-padding mask "
                             f"(B, L_k) is passed as mask[:, None, None, :])")
        if not bool(mask.any(dim=-1).all()):
            raise ValueError("mask leaves a query with no key to attend to (its softmax "
                             "would be NaN)")
    if scale is None:
        return 1.0 / math.sqrt(q.shape[-1])
    return check_float("scale", scale, minimum=0.0, strict_min=True)
