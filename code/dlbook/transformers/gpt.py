"""A GPT: a decoder-only transformer language model, a key-value cache for fast
generation, and sampling with temperature, top-k and nucleus (top-p) filtering.

Chapter: *A GPT from scratch* (``book/transformers/gpt.md``).

:class:`GPT` embeds tokens, adds a learned vector per position, runs a stack of
pre-norm blocks (the core's :class:`~dlbook.transformers.blocks.EncoderBlock`
with ``causal=True``), normalises, and maps every position to the logits of the
next token. :class:`KVCache` keeps, for every layer, the keys and values of the
positions already read, so that :meth:`GPT.forward_with_cache` reads only the new
tokens and attends them to everything before. :func:`generate` writes text token
by token, with or without the cache; :func:`next_token_probs` turns one step's
logits into the distribution it samples from.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .._args import check_bool, check_float, check_generator, check_int, check_tensor
from .attention import causal_mask, merge_heads, scaled_dot_product_attention, split_heads
from .blocks import EncoderBlock
from .positional import LearnedEncoding, rotary


class GPT(nn.Module):
    """A decoder-only language model (Radford et al., 2018, 2019).

    ``forward(ids)``: token ids (B, L), L ≤ ``context``, give logits (B, L,
    vocab_size); the logits at position t are the model's distribution of token
    t + 1, computed from tokens 0..t only. ``d_ff`` defaults to 4 · d_model; with
    ``tie_weights`` the output layer reuses the token embedding's matrix. With
    ``rotary`` the blocks also rotate queries and keys by their positions (the core's
    rotary attention), which lets a small model learn to look a few characters back
    much sooner than through the learned positions alone.
    Chapter: *A GPT from scratch*."""

    def __init__(self, vocab_size: int, *, context: int = 128, d_model: int = 64,
                 n_heads: int = 4, n_layers: int = 2, d_ff: int | None = None,
                 dropout: float = 0.0, tie_weights: bool = True,
                 rotary: bool = False) -> None:
        super().__init__()
        self.vocab_size = check_int("vocab_size", vocab_size, minimum=2)
        self.context = check_int("context", context, minimum=1)
        n_layers = check_int("n_layers", n_layers, minimum=1)
        d_ff = 4 * d_model if d_ff is None else d_ff
        self.token_embedding = nn.Embedding(vocab_size, check_int("d_model", d_model,
                                                                  minimum=1))
        self.position = LearnedEncoding(d_model, context)
        self.blocks = nn.ModuleList(
            EncoderBlock(d_model, n_heads, d_ff, dropout=dropout, norm_first=True,
                         rotary=check_bool("rotary", rotary))
            for _ in range(n_layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size, bias=False)
        self.apply(_init_weights)
        if check_bool("tie_weights", tie_weights):
            self.head.weight = self.token_embedding.weight

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        _check_ids(ids, self.vocab_size, self.context)
        x = self.position(self.token_embedding(ids))    # (B, L, d_model)
        for block in self.blocks:
            x = block(x, causal=True)                     # position t sees 0..t
        return self.head(self.norm(x))                    # (B, L, vocab_size)

    def new_cache(self, batch_size: int) -> "KVCache":
        """An empty key-value cache for ``batch_size`` sequences of up to ``context``
        tokens."""
        attention = self.blocks[0].attention
        return KVCache(len(self.blocks), batch_size, attention.n_heads,
                       attention.d_model // attention.n_heads, self.context,
                       dtype=self.token_embedding.weight.dtype)

    def forward_with_cache(self, ids: torch.Tensor, cache: "KVCache") -> torch.Tensor:
        """The logits (B, L_new, vocab_size) of the new tokens ``ids`` (B, L_new), which
        follow the ``cache.length`` tokens whose keys and values ``cache`` holds; their
        keys and values are added to it. Equal to the last L_new positions of
        ``forward`` on the whole sequence."""
        start = _check_cached_call(self, ids, cache)
        x = self.token_embedding(ids) + self.position.table[start:start + ids.shape[1]]
        for layer, block in enumerate(self.blocks):
            x = x + _attend_with_cache(block.attention, block.norm1(x), cache, layer, start)
            x = x + block.feed_forward(block.norm2(x))
        cache.length += ids.shape[1]
        return self.head(self.norm(x))


def _attend_with_cache(attention: nn.Module, h: torch.Tensor, cache: "KVCache",
                       layer: int, start: int) -> torch.Tensor:
    """Causal self-attention of the new positions ``h`` (from ``start`` on) to the
    cached ones and themselves, with ``attention``'s own projections."""
    q = split_heads(attention.q_proj(h), attention.n_heads)   # (B, H, L_new, d_head)
    k = split_heads(attention.k_proj(h), attention.n_heads)
    v = split_heads(attention.v_proj(h), attention.n_heads)
    if attention.rotary:                                      # rotate at their positions
        positions = torch.arange(start, start + h.shape[1])
        q, k = rotary(q, positions), rotary(k, positions)
    keys, values = cache.append(layer, k, v)                  # (B, H, L_old + L_new, d_head)
    mask = causal_mask(q.shape[-2], keys.shape[-2])           # new query i sees keys ≤ its place
    out, _ = scaled_dot_product_attention(q, keys, values, mask)
    return attention.out_proj(merge_heads(out))


class KVCache:
    """The keys and values every layer of a GPT has computed so far, in buffers
    (n_layers, B, n_heads, max_length, d_head) of which the first ``length``
    positions are filled. Chapter: *A GPT from scratch*."""

    def __init__(self, n_layers: int, batch_size: int, n_heads: int, d_head: int,
                 max_length: int, *, dtype: torch.dtype = torch.float32) -> None:
        shape = tuple(check_int(name, value, minimum=1) for name, value in (
            ("n_layers", n_layers), ("batch_size", batch_size), ("n_heads", n_heads),
            ("max_length", max_length), ("d_head", d_head)))
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise TypeError(f"dtype must be a floating-point torch.dtype, got {dtype!r}")
        self.keys = torch.zeros(shape, dtype=dtype)
        self.values = torch.zeros(shape, dtype=dtype)
        self.length = 0

    @property
    def max_length(self) -> int:
        return self.keys.shape[3]

    def append(self, layer: int, k: torch.Tensor,
               v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Write the new keys and values (B, n_heads, L_new, d_head) of ``layer``
        after the ``length`` cached positions; return all of that layer's keys and
        values so far. (The model advances ``length`` once every layer has
        appended.)"""
        end = _check_append(self, layer, k, v)
        self.keys[layer, :, :, self.length:end] = k
        self.values[layer, :, :, self.length:end] = v
        return self.keys[layer, :, :, :end], self.values[layer, :, :, :end]


def next_token_probs(logits: torch.Tensor, *, temperature: float = 1.0,
                     top_k: int | None = None, top_p: float | None = None) -> torch.Tensor:
    """The distribution (..., V) to draw the next token from, given its ``logits``
    (..., V): softmax(logits / temperature), restricted to the ``top_k`` most likely
    tokens and to the nucleus of mass ``top_p``, renormalised. ``temperature=0``
    puts all the mass on the most likely token (greedy decoding).
    Chapter: *A GPT from scratch*."""
    _check_logits(logits)
    temperature, top_k, top_p = _check_sampling(temperature, top_k, top_p, logits.shape[-1])
    if temperature == 0:
        return F.one_hot(logits.argmax(-1), logits.shape[-1]).to(logits.dtype)
    logits = logits / temperature
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None:
        logits = top_p_filter(logits, top_p)
    return torch.softmax(logits, dim=-1)


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """``logits`` (..., V) with all but the ``k`` largest set to -inf (exactly k
    kept, ties broken by position). Top-k sampling (Fan et al., 2018).
    Chapter: *A GPT from scratch*."""
    _check_logits(logits)
    k = check_int("k", k, minimum=1, maximum=logits.shape[-1])
    kept = logits.topk(k, dim=-1).indices
    return torch.full_like(logits, float("-inf")).scatter(-1, kept, logits.gather(-1, kept))


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """``logits`` (..., V) with -inf outside the nucleus: the smallest set of most
    likely tokens whose probabilities sum to at least ``p``. Nucleus sampling
    (Holtzman et al., 2020). Chapter: *A GPT from scratch*."""
    _check_logits(logits)
    p = check_float("p", p, minimum=0.0, maximum=1.0, strict_min=True)
    probs, order = torch.softmax(logits, dim=-1).sort(dim=-1, descending=True)
    mass_above = probs.cumsum(-1) - probs           # mass of the tokens ranked higher
    keep_sorted = (mass_above < p) | (p == 1.0)     # keep until the mass reaches p
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    return logits.masked_fill(~keep, float("-inf"))


@torch.no_grad()
def generate(model: GPT, prompt: torch.Tensor, n_new: int, *, temperature: float = 1.0,
             top_k: int | None = None, top_p: float | None = None, use_cache: bool = True,
             generator: torch.Generator | None = None) -> torch.Tensor:
    """Continue each row of ``prompt`` (B, L) by ``n_new`` tokens drawn one at a time
    (:func:`next_token_probs`; ``temperature=0`` is greedy); return (B, L + n_new).
    With ``use_cache`` each step reads only the newest token (:class:`KVCache`), and
    L + n_new may not exceed the model's context; without it each step reads the
    whole sequence again, cut to its last ``context`` tokens.
    Chapter: *A GPT from scratch*."""
    _check_generate(model, prompt, n_new, use_cache, generator)
    _check_sampling(temperature, top_k, top_p, model.vocab_size)
    ids = prompt
    if use_cache:
        cache = model.new_cache(prompt.shape[0])
        logits = model.forward_with_cache(prompt, cache)[:, -1]       # read the prompt once
    for step in range(n_new):
        if not use_cache:
            logits = model(ids[:, -model.context:])[:, -1]            # read everything again
        probs = next_token_probs(logits, temperature=temperature, top_k=top_k, top_p=top_p)
        token = torch.multinomial(probs, 1, generator=generator)       # (B, 1)
        ids = torch.cat([ids, token], dim=1)
        if use_cache and step < n_new - 1:
            logits = model.forward_with_cache(token, cache)[:, -1]    # read the new token only
    return ids


# ----------------------------------------------------------------------------------
# Initialisation and argument checks
# ----------------------------------------------------------------------------------

def _init_weights(module: nn.Module) -> None:
    """GPT-2's initialisation: normal(0, 0.02) weights, zero biases."""
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, std=0.02)
    if isinstance(module, nn.Linear) and module.bias is not None:
        nn.init.zeros_(module.bias)


def _check_ids(ids, vocab_size: int, context: int, name: str = "ids") -> None:
    check_tensor(name, ids, ndim=2, integer=True)
    if ids.shape[1] > context:
        raise ValueError(f"{name} must have at most context = {context} tokens per row, "
                         f"got shape {tuple(ids.shape)}")
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= vocab_size):
        raise ValueError(f"{name} must hold ids in 0..{vocab_size - 1}")


def _check_cached_call(model: GPT, ids, cache) -> int:
    if not isinstance(cache, KVCache):
        raise TypeError(f"cache must be a KVCache (model.new_cache), got "
                        f"{type(cache).__name__}")
    check_tensor("ids", ids, ndim=2, integer=True)
    if ids.shape[1] == 0 or ids.shape[0] != cache.keys.shape[1]:
        raise ValueError(f"ids must have shape ({cache.keys.shape[1]}, L_new ≥ 1) to match "
                         f"the cache, got {tuple(ids.shape)}")
    if cache.keys.shape[0] != len(model.blocks) or cache.max_length != model.context:
        raise ValueError("cache must come from this model's new_cache")
    if cache.length + ids.shape[1] > model.context:
        raise ValueError(f"ids would fill the cache past the model's context "
                         f"({cache.length} + {ids.shape[1]} > {model.context})")
    _check_ids(ids, model.vocab_size, model.context)
    if model.training and any(b.dropout or b.attention.dropout for b in model.blocks):
        raise ValueError("forward_with_cache is for generation: call model.eval() first")
    return cache.length


def _check_append(cache: KVCache, layer, k, v) -> int:
    layer = check_int("layer", layer, minimum=0, maximum=cache.keys.shape[0] - 1)
    _, B, H, L_max, d = cache.keys.shape
    for name, x in (("k", k), ("v", v)):
        check_tensor(name, x, ndim=4, floating=True)
        if x.shape[:2] != (B, H) or x.shape[3] != d or x.shape[2] == 0:
            raise ValueError(f"{name} must have shape ({B}, {H}, L_new, {d}), got "
                             f"{tuple(x.shape)}")
    if k.shape != v.shape:
        raise ValueError(f"k and v must have the same shape, got {tuple(k.shape)} and "
                         f"{tuple(v.shape)}")
    if cache.length + k.shape[2] > L_max:
        raise ValueError(f"k would fill the cache past max_length ({cache.length} + "
                         f"{k.shape[2]} > {L_max})")
    return cache.length + k.shape[2]


def _check_logits(logits) -> None:
    check_tensor("logits", logits, ndim=range(1, 9), floating=True, nonempty=True)
    if bool(torch.isnan(logits).any()) or bool((logits == float("inf")).any()):
        raise ValueError("logits must not hold NaN or +inf (-inf marks excluded tokens)")
    if not bool((logits > float("-inf")).any(dim=-1).all()):
        raise ValueError("logits must leave at least one token above -inf in each row")


def _check_sampling(temperature, top_k, top_p, vocab_size: int):
    temperature = check_float("temperature", temperature, minimum=0.0)
    if top_k is not None:
        top_k = check_int("top_k", top_k, minimum=1, maximum=vocab_size)
    if top_p is not None:
        top_p = check_float("top_p", top_p, minimum=0.0, maximum=1.0, strict_min=True)
    return temperature, top_k, top_p


def _check_generate(model, prompt, n_new, use_cache, generator) -> None:
    if not isinstance(model, GPT):
        raise TypeError(f"model must be a GPT, got {type(model).__name__}")
    check_tensor("prompt", prompt, ndim=2, integer=True)
    if prompt.shape[0] == 0 or prompt.shape[1] == 0:
        raise ValueError(f"prompt must hold at least one token per row and one row, got "
                         f"shape {tuple(prompt.shape)}")
    n_new = check_int("n_new", n_new, minimum=1)
    check_generator("generator", generator)
    if check_bool("use_cache", use_cache) and prompt.shape[1] + n_new > model.context:
        raise ValueError(f"prompt length + n_new must be at most the context "
                         f"({model.context}) with use_cache=True, got {prompt.shape[1]} "
                         f"+ {n_new}")
    _check_ids(prompt[:, -model.context:], model.vocab_size, model.context, "prompt")
