"""Image captioning: an image encoder turns an image into a sequence of vectors
(a vision transformer's class and patch tokens), and a transformer decoder writes
the caption one word at a time, attending to its own earlier words (causal
self-attention) and to the image's vectors (cross-attention), as in "Show, attend
and tell" (Xu et al., 2015) with the transformer's blocks. Captions are scored by
exact match and by BLEU (Papineni et al., 2002), written here from scratch.

Chapter: *Vision transformers, CLIP and captioning* (``book/transformers/vit-clip.md``).
"""

from __future__ import annotations

import math
from collections import Counter

import torch
from torch import nn

from .._args import check_int, check_module, check_sequence, check_tensor
from .blocks import DecoderBlock
from .positional import LearnedEncoding


class Captioner(nn.Module):
    """An image encoder with an ``encode(images) -> (B, L, d_model)`` method (such as
    :class:`~dlbook.transformers.vit.ViT`) and a decoder: token embeddings, learned
    positions, ``n_layers`` decoder blocks, a layer norm and a linear layer to the
    vocabulary. ``forward(images, tokens)`` returns the next-token logits
    (B, T, vocab_size) for the input tokens (B, T); ``pad_id`` marks padding.
    Chapter: *Vision transformers, CLIP and captioning*."""

    def __init__(self, image_encoder: nn.Module, vocab_size: int, max_length: int, *,
                 d_model: int = 32, n_heads: int = 2, n_layers: int = 1, d_ff: int = 64,
                 pad_id: int = 0) -> None:
        super().__init__()
        self.image_encoder = check_module("image_encoder", image_encoder)
        if not callable(getattr(image_encoder, "encode", None)):
            raise TypeError("image_encoder must have an encode(images) method")
        self.embedding = nn.Embedding(check_int("vocab_size", vocab_size, minimum=2),
                                      check_int("d_model", d_model, minimum=1))
        self.positions = LearnedEncoding(d_model, max_length)
        self.blocks = nn.ModuleList(DecoderBlock(d_model, n_heads, d_ff)
                                    for _ in range(check_int("n_layers", n_layers, minimum=1)))
        self.norm = nn.LayerNorm(d_model)
        self.output = nn.Linear(d_model, vocab_size)
        self.pad_id = check_int("pad_id", pad_id, minimum=0, maximum=vocab_size - 1)

    def decode(self, memory: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """Next-token logits (B, T, V) for tokens (B, T), given the image's vectors."""
        _check_tokens(tokens, self.embedding.num_embeddings, self.positions.max_length)
        x = self.positions(self.embedding(tokens))
        for block in self.blocks:
            x = block(x, memory, key_padding_mask=tokens != self.pad_id)
        return self.output(self.norm(x))

    def forward(self, images: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        check_tensor("images", images)
        check_tensor("tokens", tokens, ndim=2)
        if len(images) != len(tokens):
            raise ValueError(f"images and tokens must hold the same number of captions, "
                             f"got {len(images)} and {len(tokens)}")
        return self.decode(self.image_encoder.encode(images), tokens)


@torch.no_grad()
def greedy_caption(model: Captioner, images: torch.Tensor, bos_id: int, eos_id: int,
                   max_length: int) -> list[list[int]]:
    """Write a caption for each image by taking the most likely word at every step,
    from ``bos_id`` until ``eos_id`` or ``max_length`` words; returns the ids of
    each caption, without BOS and EOS. Chapter: *Vision transformers, CLIP and
    captioning*."""
    if not isinstance(model, Captioner):
        raise TypeError(f"model must be a Captioner, got {type(model).__name__}")
    V = model.embedding.num_embeddings
    bos_id = check_int("bos_id", bos_id, minimum=0, maximum=V - 1)
    eos_id = check_int("eos_id", eos_id, minimum=0, maximum=V - 1)
    max_length = check_int("max_length", max_length, minimum=1,
                           maximum=model.positions.max_length - 1)
    memory = model.image_encoder.encode(images)                  # encode the image once
    tokens = torch.full((len(images), 1), bos_id, dtype=torch.long)
    for _ in range(max_length):
        next_word = model.decode(memory, tokens)[:, -1].argmax(dim=-1)
        tokens = torch.cat([tokens, next_word[:, None]], dim=1)
        if bool((tokens == eos_id).any(dim=1).all()):
            break
    captions = []
    for row in tokens[:, 1:].tolist():
        captions.append(row[:row.index(eos_id)] if eos_id in row else row)
    return captions


def ngrams(tokens: list, n: int) -> Counter:
    """The counts of the n-grams (tuples of n consecutive tokens) of a sequence.
    Chapter: *Vision transformers, CLIP and captioning*."""
    tokens = check_sequence("tokens", tokens, nonempty=False)
    n = check_int("n", n, minimum=1)
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def corpus_bleu(hypotheses: list[list], references: list[list[list]],
                max_n: int = 4) -> float:
    """Corpus-level BLEU (Papineni et al., 2002) of tokenised ``hypotheses``, each
    with a list of one or more tokenised ``references``: the brevity penalty times
    the geometric mean of the modified (clipped) n-gram precisions, n = 1..max_n,
    each summed over the whole corpus. No smoothing: 0 when some order has no match.
    Chapter: *Vision transformers, CLIP and captioning*."""
    hypotheses, references, max_n = _check_bleu(hypotheses, references, max_n)
    matched, total = [0] * max_n, [0] * max_n
    c, r = 0, 0                               # hypothesis and reference lengths
    for hyp, refs in zip(hypotheses, references):
        c += len(hyp)
        r += min((abs(len(ref) - len(hyp)), len(ref)) for ref in refs)[1]  # closest
        for n in range(1, max_n + 1):
            counts = ngrams(hyp, n)
            most = Counter()                  # the most times any reference has it
            for ref in refs:
                most |= ngrams(ref, n)
            matched[n - 1] += sum(min(k, most[g]) for g, k in counts.items())
            total[n - 1] += sum(counts.values())
    if c == 0 or min(matched) == 0:
        return 0.0
    log_precision = sum(math.log(m / t) for m, t in zip(matched, total)) / max_n
    brevity_penalty = 1.0 if c > r else math.exp(1 - r / c)
    return brevity_penalty * math.exp(log_precision)


def _check_tokens(tokens, vocab_size: int, max_length: int) -> None:
    check_tensor("tokens", tokens, ndim=2, integer=True, nonempty=True)
    if tokens.shape[1] > max_length:
        raise ValueError(f"tokens are {tokens.shape[1]} long, longer than max_length "
                         f"= {max_length}")
    if bool((tokens < 0).any()) or bool((tokens >= vocab_size).any()):
        raise ValueError(f"tokens must lie in 0..{vocab_size - 1}")


def _check_bleu(hypotheses, references, max_n):
    hypotheses = check_sequence("hypotheses", hypotheses)
    references = check_sequence("references", references)
    if len(hypotheses) != len(references):
        raise ValueError(f"hypotheses and references must have the same length, got "
                         f"{len(hypotheses)} and {len(references)}")
    hypotheses = [check_sequence("hypotheses", h, nonempty=False) for h in hypotheses]
    references = [[check_sequence("references", ref, nonempty=False) for ref in
                   check_sequence("references", refs)] for refs in references]
    return hypotheses, references, check_int("max_n", max_n, minimum=1)
