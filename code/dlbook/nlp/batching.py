"""Padding sequences of different lengths into one tensor, masks, and batches.

Explained in the chapter *Text representation*.
"""

from __future__ import annotations

from typing import Iterator, NamedTuple

import torch

from .._args import check_bool, check_generator, check_int, check_sequence, check_tensor


class PaddedBatch(NamedTuple):
    """Sequences padded to one length: ``ids`` of shape ``(B, T)``, the true
    ``lengths`` ``(B,)``, and ``mask`` ``(B, T)``, True where a token is real."""

    ids: torch.Tensor
    lengths: torch.Tensor
    mask: torch.Tensor


def lengths_to_mask(lengths: torch.Tensor, max_length: int | None = None) -> torch.Tensor:
    """A ``(B, T)`` boolean mask, True at position ``t < lengths[b]``.
    Chapter: *Text representation*."""
    check_tensor("lengths", lengths, ndim=1, integer=True)
    if lengths.numel() and int(lengths.min()) < 0:
        raise ValueError("lengths must be >= 0")
    longest = int(lengths.max()) if lengths.numel() else 0
    T = longest if max_length is None else check_int("max_length", max_length, minimum=0)
    if longest > T:
        raise ValueError(f"lengths must be <= max_length = {T}, got {longest}")
    return torch.arange(T) < lengths.unsqueeze(1)


def pad_sequences(sequences: list[list[int]], pad_id: int = 0,
                  min_length: int = 0) -> PaddedBatch:
    """Put ``B`` id sequences into one ``(B, T)`` tensor, filling the end of the
    shorter ones with ``pad_id``; ``T`` is the longest length (at least
    ``min_length``). Chapter: *Text representation*."""
    seqs = [_ids("sequences", s) for s in check_sequence("sequences", sequences)]
    pad_id = check_int("pad_id", pad_id)
    min_length = check_int("min_length", min_length, minimum=0)
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)
    T = max(int(lengths.max()), min_length)
    ids = torch.full((len(seqs), T), pad_id, dtype=torch.long)
    for b, s in enumerate(seqs):
        ids[b, :len(s)] = s
    return PaddedBatch(ids, lengths, lengths_to_mask(lengths, T))


def iterate_batches(sequences: list[list[int]], labels: torch.Tensor | None = None, *,
                    batch_size: int = 32, shuffle: bool = False,
                    generator: torch.Generator | None = None, pad_id: int = 0,
                    min_length: int = 0
                    ) -> Iterator[tuple[PaddedBatch, torch.Tensor | None]]:
    """Yield ``(PaddedBatch, labels)`` for consecutive batches of ``batch_size``
    sequences, in a random order with ``shuffle`` (drawn from ``generator``).
    Each batch is padded only to its own longest sequence. Chapter: *Text
    representation*."""
    seqs = check_sequence("sequences", sequences)
    for s in seqs:
        _ids("sequences", s)
    if labels is not None:
        check_tensor("labels", labels, ndim=(1, 2))
        if len(labels) != len(seqs):
            raise ValueError(f"labels must have one entry per sequence: {len(seqs)} "
                             f"sequences, {len(labels)} labels")
    batch_size = check_int("batch_size", batch_size, minimum=1)
    shuffle = check_bool("shuffle", shuffle)
    check_generator("generator", generator)
    pad_id = check_int("pad_id", pad_id)
    min_length = check_int("min_length", min_length, minimum=0)
    order = (torch.randperm(len(seqs), generator=generator) if shuffle
             else torch.arange(len(seqs)))

    def batches():
        for start in range(0, len(seqs), batch_size):
            index = order[start:start + batch_size]
            batch = pad_sequences([seqs[i] for i in index.tolist()], pad_id, min_length)
            yield batch, (None if labels is None else labels[index])
    return batches()


def _ids(name: str, seq: object) -> torch.Tensor:
    if isinstance(seq, torch.Tensor):
        if seq.ndim != 1 or seq.is_floating_point() or seq.dtype == torch.bool:
            raise ValueError(f"{name} must hold 1-D integer tensors or lists of ints, got "
                             f"shape {tuple(seq.shape)} and dtype {seq.dtype}")
        return seq.long()
    seq = check_sequence(name, seq, nonempty=False)
    return torch.tensor([check_int(name, i) for i in seq], dtype=torch.long)
