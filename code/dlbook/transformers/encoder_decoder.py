"""The encoder-decoder transformer of Vaswani et al. (2017), assembled from the
blocks of :mod:`dlbook.transformers.blocks`, its greedy decoding, and the
learning-rate schedule with warm-up of the paper.

Chapter: *The transformer* (``book/transformers/transformer.md``).

Token embeddings (scaled by sqrt(d_model)) plus sinusoidal positions feed a stack
of encoder blocks; the decoder stack reads the target shifted right, attends
causally to itself and to the encoder's output, and a linear layer (tied to the
target embedding or not) gives the logits of the next token. Decoding runs the
decoder on the whole prefix at every step (no key-value cache: that is the GPT
chapter's subject).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .._args import check_bool, check_int
from ..nlp.seq2seq import _check_src, _check_tgt, _until_eos  # the same checks as Part IV's
from .blocks import DecoderBlock, EncoderBlock
from .positional import SinusoidalEncoding


class Transformer(nn.Module):
    """An encoder-decoder transformer for sequence-to-sequence tasks.

    ``forward(src, tgt_in)`` takes source ids ``(B, S)`` padded at the end with
    ``pad_id`` and the target shifted right ``(B, T)`` (starting with ``<bos>``),
    and returns the logits ``(B, T, tgt_vocab_size)`` of the next target tokens.
    ``norm_first`` chooses pre-norm (True) or the paper's post-norm blocks; a
    pre-norm stack ends with a layer norm of its own. ``tie_embeddings`` makes the
    output layer reuse the target embedding matrix. Chapter: *The transformer*.
    """

    def __init__(self, src_vocab_size: int, tgt_vocab_size: int, *, d_model: int = 64,
                 n_heads: int = 4, d_ff: int = 128, n_encoder_layers: int = 2,
                 n_decoder_layers: int = 2, dropout: float = 0.0, norm_first: bool = True,
                 tie_embeddings: bool = True, max_length: int = 64, pad_id: int = 0,
                 bos_id: int = 2, eos_id: int = 3) -> None:
        super().__init__()
        self.src_vocab_size = check_int("src_vocab_size", src_vocab_size, minimum=1)
        self.tgt_vocab_size = check_int("tgt_vocab_size", tgt_vocab_size, minimum=2)
        self.d_model = check_int("d_model", d_model, minimum=2)
        self.norm_first = check_bool("norm_first", norm_first)
        self.pad_id = check_int("pad_id", pad_id, minimum=0, maximum=src_vocab_size - 1)
        self.bos_id = check_int("bos_id", bos_id, minimum=0, maximum=tgt_vocab_size - 1)
        self.eos_id = check_int("eos_id", eos_id, minimum=0, maximum=tgt_vocab_size - 1)
        n_enc = check_int("n_encoder_layers", n_encoder_layers, minimum=1)
        n_dec = check_int("n_decoder_layers", n_decoder_layers, minimum=1)
        block = dict(n_heads=n_heads, d_ff=d_ff, dropout=dropout, norm_first=norm_first)
        self.src_embedding = nn.Embedding(src_vocab_size, d_model)
        self.tgt_embedding = nn.Embedding(tgt_vocab_size, d_model)
        self.position = SinusoidalEncoding(d_model, max_length)
        self.encoder = nn.ModuleList(EncoderBlock(d_model, **block) for _ in range(n_enc))
        self.decoder = nn.ModuleList(DecoderBlock(d_model, **block) for _ in range(n_dec))
        final_norm = nn.LayerNorm if norm_first else nn.Identity   # pre-norm's last norm
        self.encoder_norm, self.decoder_norm = final_norm(d_model), final_norm(d_model)
        self.output = nn.Linear(d_model, tgt_vocab_size, bias=False)
        if check_bool("tie_embeddings", tie_embeddings):
            self.output.weight = self.tgt_embedding.weight
        for embedding in (self.src_embedding, self.tgt_embedding):
            nn.init.normal_(embedding.weight, std=d_model ** -0.5)

    def embed(self, ids: torch.Tensor, embedding: nn.Embedding) -> torch.Tensor:
        """Token embeddings times sqrt(d_model), plus the sinusoidal positions."""
        return self.position(embedding(ids) * math.sqrt(self.d_model))

    def encode(self, src: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The encoder's output ``(B, S, d_model)`` and the source mask ``(B, S)``,
        True at real tokens."""
        src_mask = _check_src(src, self.src_vocab_size, self.pad_id)
        x = self.embed(src, self.src_embedding)
        for block in self.encoder:
            x = block(x, key_padding_mask=src_mask)
        return self.encoder_norm(x), src_mask

    def decode(self, tgt_in: torch.Tensor, memory: torch.Tensor,
               src_mask: torch.Tensor) -> torch.Tensor:
        """The logits ``(B, T, tgt_vocab_size)`` of the next token at every position of
        ``tgt_in``, given the encoder's output. Self-attention is causal, so padding
        at the end of ``tgt_in`` is seen only by padding positions: no target mask."""
        _check_tgt(tgt_in, self.tgt_vocab_size, len(memory))
        y = self.embed(tgt_in, self.tgt_embedding)
        for block in self.decoder:
            y = block(y, memory, memory_padding_mask=src_mask)
        return self.output(self.decoder_norm(y))

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        memory, src_mask = self.encode(src)
        return self.decode(tgt_in, memory, src_mask)


@torch.no_grad()
def greedy_decode(model: Transformer, src: torch.Tensor,
                  max_length: int = 30) -> list[list[int]]:
    """Decode a batch of sources ``(B, S)`` by appending the most probable next token
    to every output, until each has produced ``<eos>`` (left out) or ``max_length``
    tokens. The encoder runs once; the decoder reruns on the whole prefix at each
    step. Returns the token ids of every output. Chapter: *The transformer*.
    """
    if not isinstance(model, Transformer):
        raise TypeError(f"model must be a Transformer, got {type(model).__name__}")
    max_length = check_int("max_length", max_length, minimum=1)
    memory, src_mask = model.encode(src)
    y = torch.full((len(src), 1), model.bos_id, dtype=torch.long)   # <bos>
    done = torch.zeros(len(src), dtype=torch.bool)
    for _ in range(max_length):
        logits = model.decode(y, memory, src_mask)[:, -1]           # last position only
        next_token = logits.argmax(-1)                              # argmax p(y_t | y_<t, x)
        y = torch.cat([y, next_token[:, None]], dim=1)
        done |= next_token == model.eos_id
        if done.all():
            break
    return [_until_eos(row[1:], model.eos_id) for row in y.tolist()]


def warmup_schedule(step: int, d_model: int, warmup_steps: int) -> float:
    """The learning rate of Vaswani et al. at ``step`` (counted from 1):
    d_model^-1/2 · min(step^-1/2, step · warmup_steps^-3/2), a linear rise for
    ``warmup_steps`` steps, then a decay as one over the square root of the step.
    Chapter: *The transformer*."""
    step = check_int("step", step, minimum=1)
    d_model = check_int("d_model", d_model, minimum=1)
    warmup_steps = check_int("warmup_steps", warmup_steps, minimum=1)
    return d_model ** -0.5 * min(step ** -0.5, step * warmup_steps ** -1.5)
