"""BERT: a transformer encoder pretrained by masked-language modelling, then
fine-tuned with a classification head on its first position; and T5's span
corruption, the text-to-text version of the same objective.

Chapter: *BERT and T5* (``book/transformers/bert.md``).

Devlin et al. (2019) pretrain an encoder by hiding 15% of the tokens of each
text and asking it to restore them (:func:`mask_tokens`, :func:`mlm_loss`);
the first position of every input holds a special token ([CLS]) whose output
vector a small head turns into a class (:class:`BertClassifier`). Raffel et al.
(2020) replace whole spans by sentinel tokens and make the model write the
spans out (:func:`span_corrupt`, undone by :func:`span_fill`).
"""

from __future__ import annotations

from typing import Sequence, TypeVar

import torch
import torch.nn.functional as F
from torch import nn

from .._args import (check_float, check_generator, check_int, check_module, check_sequence,
                     check_tensor)
from .blocks import EncoderBlock
from .positional import LearnedEncoding

IGNORE = -100  # the target of a position the loss skips (F.cross_entropy's ignore_index)
T = TypeVar("T")


class BertEncoder(nn.Module):
    """Token embeddings plus learned position embeddings, ``n_layers`` pre-norm
    :class:`~dlbook.transformers.blocks.EncoderBlock`\\ s and a final layer norm.

    ``forward(ids)`` takes a (B, L) tensor of token ids and returns one vector per
    position, (B, L, d_model). Positions holding ``pad_id`` are masked out as
    keys, so they never change the vectors of the real tokens.
    Chapter: *BERT and T5*."""

    def __init__(self, vocab_size: int, *, d_model: int = 64, n_heads: int = 4,
                 n_layers: int = 2, d_ff: int = 128, max_length: int = 64,
                 dropout: float = 0.1, pad_id: int = 0) -> None:
        super().__init__()
        self.vocab_size = check_int("vocab_size", vocab_size, minimum=2)
        self.pad_id = check_int("pad_id", pad_id, minimum=0, maximum=vocab_size - 1)
        self.dropout = check_float("dropout", dropout, minimum=0.0, maximum=1.0)
        d_model = check_int("d_model", d_model, minimum=1)
        self.token_embedding = nn.Embedding(vocab_size, d_model)
        self.position = LearnedEncoding(d_model, max_length)
        self.blocks = nn.ModuleList(
            EncoderBlock(d_model, n_heads, d_ff, dropout=dropout)
            for _ in range(check_int("n_layers", n_layers, minimum=1)))
        self.norm = nn.LayerNorm(d_model)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        _check_ids("ids", ids, self.vocab_size)
        real = ids != self.pad_id                       # (B, L), True at real tokens
        h = F.dropout(self.position(self.token_embedding(ids)), self.dropout, self.training)
        for block in self.blocks:
            h = block(h, key_padding_mask=real)
        return self.norm(h)

    @property
    def attention_weights(self) -> list[torch.Tensor]:
        """The attention weights of the last forward pass, one (B, H, L, L) tensor
        per layer."""
        return [block.attention_weights for block in self.blocks]


class MaskedLanguageModel(nn.Module):
    """An encoder and BERT's prediction head (dense, GELU, layer norm, then one
    logit per vocabulary entry at every position): ``forward(ids)`` returns
    (B, L, vocab_size) logits. Chapter: *BERT and T5*."""

    def __init__(self, encoder: BertEncoder) -> None:
        super().__init__()
        self.encoder = check_module("encoder", encoder)
        d_model = encoder.token_embedding.embedding_dim
        self.transform = nn.Sequential(nn.Linear(d_model, d_model), nn.GELU(),
                                       nn.LayerNorm(d_model))
        self.decoder = nn.Linear(d_model, encoder.vocab_size)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.transform(self.encoder(ids)))


class BertClassifier(nn.Module):
    """An encoder and a linear head on the output vector of the first position
    ([CLS]): ``forward(ids)`` returns (B, num_classes) logits.
    Chapter: *BERT and T5*."""

    def __init__(self, encoder: BertEncoder, num_classes: int, *,
                 dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = check_module("encoder", encoder)
        self.dropout = check_float("dropout", dropout, minimum=0.0, maximum=1.0)
        self.head = nn.Linear(encoder.token_embedding.embedding_dim,
                              check_int("num_classes", num_classes, minimum=2))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        cls = self.encoder(ids)[:, 0]                   # the vector of [CLS]
        return self.head(F.dropout(cls, self.dropout, self.training))


def mask_tokens(ids: torch.Tensor, *, mask_id: int, vocab_size: int,
                special_ids: Sequence[int], rate: float = 0.15,
                generator: torch.Generator | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT's corruption of a batch of token ids (B, L): each token that is not
    special is chosen with probability ``rate``; a chosen token becomes
    ``mask_id`` with probability 0.8, a random ordinary token with probability
    0.1, and stays itself with probability 0.1. Returns the corrupted ids and
    the targets: the original id at chosen positions, :data:`IGNORE` elsewhere.
    Chapter: *BERT and T5*."""
    specials = _check_masking(ids, mask_id, vocab_size, special_ids, rate, generator)
    ordinary = torch.tensor([i for i in range(vocab_size) if i not in specials])

    def uniform():
        return torch.rand(ids.shape, generator=generator)

    chosen = (uniform() < rate) & ~torch.isin(ids, torch.tensor(sorted(specials)))
    action = uniform()                              # one draw decides mask/random/keep
    to_mask = chosen & (action < 0.8)
    to_random = chosen & (action >= 0.8) & (action < 0.9)
    random_ids = ordinary[torch.randint(len(ordinary), ids.shape, generator=generator)]
    inputs = torch.where(to_mask, mask_id, torch.where(to_random, random_ids, ids))
    targets = torch.where(chosen, ids, IGNORE)
    return inputs, targets


def mlm_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The masked-language-model loss: the mean cross-entropy over the chosen
    positions only (``targets != IGNORE``). ``logits`` is (B, L, V), ``targets``
    (B, L). Chapter: *BERT and T5*."""
    _check_mlm(logits, targets)
    chosen = targets != IGNORE
    return F.cross_entropy(logits[chosen], targets[chosen])


def span_corrupt(tokens: Sequence[T], sentinels: Sequence[T], *,
                 noise_density: float = 0.15, mean_span_length: float = 3.0,
                 generator: torch.Generator | None = None) -> tuple[list[T], list[T]]:
    """T5's span corruption of one sequence (Raffel et al., 2020).

    round(noise_density · L) tokens, in about noise_count / mean_span_length
    spans placed at random, are cut out. The input keeps the other tokens with
    the k-th span replaced by ``sentinels[k]``; the target lists each sentinel
    followed by its span, and ends with one more sentinel. Works on ids or on
    strings. Chapter: *BERT and T5*."""
    _check_span_args(tokens, sentinels, noise_density, mean_span_length, generator)
    L = len(tokens)
    n_noise = min(max(round(noise_density * L), 1), L - 1)
    n_spans = min(max(round(n_noise / mean_span_length), 1), L - n_noise)
    if n_spans + 1 > len(sentinels):
        raise ValueError(f"sentinels must hold at least {n_spans + 1} tokens for "
                         f"{n_spans} spans, got {len(sentinels)}")
    noise_lengths = _random_partition(n_noise, n_spans, generator)
    keep_lengths = _random_partition(L - n_noise, n_spans, generator)
    inputs, targets, start = [], [], 0
    for k, (keep, noise) in enumerate(zip(keep_lengths, noise_lengths)):
        inputs += [*tokens[start:start + keep], sentinels[k]]   # kept run, then a sentinel
        targets += [sentinels[k], *tokens[start + keep:start + keep + noise]]
        start += keep + noise
    inputs += tokens[start:]                                    # (empty: spans end the text)
    return inputs, targets + [sentinels[n_spans]]


def span_fill(inputs: Sequence[T], targets: Sequence[T], sentinels: Sequence[T]) -> list[T]:
    """Undo :func:`span_corrupt`: put back in place of each sentinel of ``inputs``
    the tokens that follow the same sentinel in ``targets``. With a model's
    prediction as ``targets``, this writes out its reconstruction.
    Chapter: *BERT and T5*."""
    inputs, targets = check_sequence("inputs", inputs), check_sequence("targets", targets)
    sentinels = check_sequence("sentinels", sentinels)
    marks = set(sentinels)
    spans, current = {}, None
    for t in targets:
        if t in marks:
            current = spans.setdefault(t, [])
        elif current is None:
            raise ValueError("targets must start with one of the sentinels")
        else:
            current.append(t)
    out = []
    for t in inputs:
        out += spans.get(t, []) if t in marks else [t]
    return out


def _random_partition(total: int, parts: int, generator) -> list[int]:
    """``total`` items cut into ``parts`` non-empty runs at random."""
    cuts = (torch.randperm(total - 1, generator=generator)[:parts - 1] + 1).sort().values
    edges = [0, *cuts.tolist(), total]
    return [b - a for a, b in zip(edges, edges[1:])]


def _check_ids(name: str, ids, vocab_size: int) -> None:
    check_tensor(name, ids, ndim=2, integer=True)
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= vocab_size):
        raise ValueError(f"{name} must hold ids in 0..{vocab_size - 1}, got values from "
                         f"{int(ids.min())} to {int(ids.max())}")


def _check_masking(ids, mask_id, vocab_size, special_ids, rate, generator) -> set[int]:
    vocab_size = check_int("vocab_size", vocab_size, minimum=2)
    _check_ids("ids", ids, vocab_size)
    check_int("mask_id", mask_id, minimum=0, maximum=vocab_size - 1)
    specials = {check_int("special_ids", i, minimum=0, maximum=vocab_size - 1)
                for i in check_sequence("special_ids", special_ids, nonempty=False)}
    specials.add(mask_id)
    if len(specials) >= vocab_size:
        raise ValueError("special_ids and mask_id leave no ordinary token to draw")
    check_float("rate", rate, minimum=0.0, maximum=1.0)
    check_generator("generator", generator)
    return specials


def _check_mlm(logits, targets) -> None:
    check_tensor("logits", logits, ndim=3, floating=True)
    check_tensor("targets", targets, ndim=2, integer=True)
    if logits.shape[:2] != targets.shape:
        raise ValueError(f"logits (B, L, V) and targets (B, L) must agree in B and L, got "
                         f"{tuple(logits.shape)} and {tuple(targets.shape)}")
    chosen = targets != IGNORE
    if not bool(chosen.any()):
        raise ValueError("targets choose no position: the loss of nothing is undefined")
    if int(targets[chosen].min()) < 0 or int(targets[chosen].max()) >= logits.shape[2]:
        raise ValueError(f"targets must hold ids in 0..{logits.shape[2] - 1} or IGNORE "
                         f"({IGNORE})")


def _check_span_args(tokens, sentinels, noise_density, mean_span_length, generator) -> None:
    tokens = check_sequence("tokens", tokens)
    if len(tokens) < 2:
        raise ValueError(f"tokens must hold at least 2 tokens (one kept, one cut), got "
                         f"{len(tokens)}")
    sentinels = check_sequence("sentinels", sentinels)
    if set(sentinels) & set(tokens):
        raise ValueError("sentinels must not occur in tokens")
    check_float("noise_density", noise_density, minimum=0.0, maximum=1.0, strict_min=True)
    check_float("mean_span_length", mean_span_length, minimum=1.0)
    check_generator("generator", generator)
