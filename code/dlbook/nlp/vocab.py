"""Vocabularies: tokens to integer ids and back, with special and unknown tokens.

Explained in the chapter *Text representation*.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

import torch

from .._args import check_bool, check_int, check_sequence

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
SPECIALS = (PAD, UNK, BOS, EOS)


def _check_tokens(name: str, value: object, *, nonempty: bool = False) -> list[str]:
    tokens = check_sequence(name, value, nonempty=nonempty)
    for t in tokens:
        if not isinstance(t, str):
            raise TypeError(f"{name} must hold strings, got a {type(t).__name__}")
    return tokens


class Vocab:
    """A vocabulary built from the tokens of a training text.

    Ids 0 to 3 are the special tokens ``<pad>``, ``<unk>``, ``<bos>`` and
    ``<eos>``; then come the tokens seen at least ``min_freq`` times, most
    frequent first (ties in alphabetical order). A token outside the vocabulary
    encodes as ``<unk>``. Chapter: *Text representation*.
    """

    def __init__(self, tokens: list[str], min_freq: int = 1) -> None:
        tokens = _check_tokens("tokens", tokens)
        self.min_freq = check_int("min_freq", min_freq, minimum=1)
        self.counts = Counter(tokens)
        kept = sorted((t for t, c in self.counts.items()
                       if c >= self.min_freq and t not in SPECIALS),
                      key=lambda t: (-self.counts[t], t))
        self.itos: list[str] = [*SPECIALS, *kept]            # id -> token
        self.stoi = {t: i for i, t in enumerate(self.itos)}  # token -> id
        self.pad_id, self.unk_id, self.bos_id, self.eos_id = range(4)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: object) -> bool:
        return token in self.stoi

    def __repr__(self) -> str:
        return f"Vocab({len(self)} tokens, min_freq={self.min_freq})"

    def encode(self, tokens: list[str], add_bos: bool = False,
               add_eos: bool = False) -> list[int]:
        """The ids of ``tokens``, unknown ones as ``<unk>``; optionally framed by
        ``<bos>`` and ``<eos>``."""
        tokens = _check_tokens("tokens", tokens)
        add_bos, add_eos = check_bool("add_bos", add_bos), check_bool("add_eos", add_eos)
        ids = [self.stoi.get(t, self.unk_id) for t in tokens]
        return [self.bos_id] * add_bos + ids + [self.eos_id] * add_eos

    def decode(self, ids: list[int] | torch.Tensor, skip_specials: bool = True) -> list[str]:
        """The tokens of ``ids``; ``<pad>``, ``<bos>`` and ``<eos>`` are left out
        with ``skip_specials`` (``<unk>`` is kept: it stands for a token)."""
        if isinstance(ids, torch.Tensor):
            if ids.ndim != 1 or ids.is_floating_point():
                raise ValueError(f"ids must be a 1-D integer tensor, got shape "
                                 f"{tuple(ids.shape)} and dtype {ids.dtype}")
            ids = ids.tolist()
        ids = check_sequence("ids", ids, nonempty=False)
        ids = [check_int("ids", i, minimum=0, maximum=len(self) - 1) for i in ids]
        skip_specials = check_bool("skip_specials", skip_specials)
        skip = {self.pad_id, self.bos_id, self.eos_id} if skip_specials else set()
        return [self.itos[i] for i in ids if i not in skip]


def one_hot(ids: torch.Tensor, vocab_size: int) -> torch.Tensor:
    """One row per id: a float vector of length ``vocab_size`` with a 1 at the id.
    Chapter: *Text representation*."""
    vocab_size = check_int("vocab_size", vocab_size, minimum=1)
    _check_ids("ids", ids, vocab_size)
    return (ids.unsqueeze(-1) == torch.arange(vocab_size)).float()


def bag_of_words(sequences: list[list[int]], vocab_size: int) -> torch.Tensor:
    """An ``(N, vocab_size)`` matrix of counts: row ``n`` counts how often each id
    occurs in ``sequences[n]``, in any order. Chapter: *Text representation*."""
    sequences = check_sequence("sequences", sequences, nonempty=False)
    vocab_size = check_int("vocab_size", vocab_size, minimum=1)
    seqs = [_check_ids("sequences", _as_id_tensor("sequences", s), vocab_size)
            for s in sequences]
    counts = torch.zeros(len(seqs), vocab_size)
    if seqs:
        rows = torch.repeat_interleave(torch.arange(len(seqs)),
                                       torch.tensor([len(s) for s in seqs]))
        ids = torch.cat([s.reshape(-1) for s in seqs]).long()
        counts.index_put_((rows, ids), torch.ones(len(ids)), accumulate=True)
    return counts


def _as_id_tensor(name: str, seq: object) -> torch.Tensor:
    if isinstance(seq, torch.Tensor):
        if seq.ndim != 1:
            raise ValueError(f"{name} must hold 1-D tensors of ids, got shape "
                             f"{tuple(seq.shape)}")
        return seq
    seq = check_sequence(name, seq, nonempty=False)
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in seq):
        seq = [check_int(name, i) for i in seq]
    return torch.tensor(seq, dtype=torch.long)


def _check_ids(name: str, ids: object, vocab_size: int) -> torch.Tensor:
    if not isinstance(ids, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of ids, got {type(ids).__name__}")
    if ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer ids, got dtype {ids.dtype}")
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= vocab_size):
        raise ValueError(f"{name} must hold ids in 0..{vocab_size - 1}, got values from "
                         f"{int(ids.min())} to {int(ids.max())}")
    return ids


def build_vocab(texts: Iterable[list[str]], min_freq: int = 1) -> Vocab:
    """A :class:`Vocab` from already tokenised texts (a list of token lists).
    Chapter: *Text representation*."""
    texts = check_sequence("texts", texts, nonempty=False)
    tokens: list[str] = []
    for t in texts:
        tokens += _check_tokens("texts", t)
    return Vocab(tokens, min_freq=min_freq)
