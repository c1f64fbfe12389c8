"""A convolutional network for text classification (Kim, 2014).

Embed each token, slide one-dimensional convolutions of several widths along the
sequence, keep each filter's largest response anywhere in the sequence (max over
time), and classify the pooled vector with a linear layer. Padding never counts:
a window made only of padding is left out of the maximum. Chapter: *Text
representation*.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .._args import check_float, check_int, check_sequence, check_tensor


class TextCNN(nn.Module):
    """Kim's convolutional text classifier over token ids ``(B, T)``.

    ``embed_dim``-dimensional embeddings, ``channels`` filters for each width in
    ``widths`` (wide convolutions: every window that overlaps the sequence),
    ReLU, max over time, dropout, and a linear layer to ``num_classes`` logits.
    Positions holding ``pad_id`` are padding. Chapter: *Text representation*.
    """

    def __init__(self, vocab_size: int, num_classes: int = 2, embed_dim: int = 32,
                 widths: tuple[int, ...] = (2, 3, 4), channels: int = 64,
                 dropout: float = 0.5, pad_id: int = 0) -> None:
        super().__init__()
        self.vocab_size = check_int("vocab_size", vocab_size, minimum=1)
        num_classes = check_int("num_classes", num_classes, minimum=2)
        embed_dim = check_int("embed_dim", embed_dim, minimum=1)
        self.widths = [check_int("widths", w, minimum=1) for w in check_sequence("widths", widths)]
        channels = check_int("channels", channels, minimum=1)
        dropout = check_float("dropout", dropout, minimum=0.0, maximum=1.0, strict_max=True)
        self.pad_id = check_int("pad_id", pad_id, minimum=0, maximum=vocab_size - 1)
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_id)
        self.convs = nn.ModuleList(nn.Conv1d(embed_dim, channels, w, padding=w - 1)
                                   for w in self.widths)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(channels * len(self.widths), num_classes)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Logits ``(B, num_classes)`` for token ids ``(B, T)``."""
        self._check_ids(ids)
        real = (ids != self.pad_id).float().unsqueeze(1)         # (B, 1, T)
        x = self.embed(ids).transpose(1, 2)                      # (B, E, T)
        pooled = []
        for w, conv in zip(self.widths, self.convs):
            h = torch.relu(conv(x))                              # (B, C, T + w - 1)
            # A window counts if it covers at least one real token.
            covers = F.conv1d(real, torch.ones(1, 1, w, device=ids.device), padding=w - 1) > 0
            h = h.masked_fill(~covers, 0.0)                      # ReLU output is >= 0
            pooled.append(h.max(dim=2).values)                   # (B, C)
        return self.out(self.dropout(torch.cat(pooled, dim=1)))

    def _check_ids(self, ids: torch.Tensor) -> None:
        check_tensor("ids", ids, ndim=2, integer=True)
        if ids.shape[1] == 0:
            raise ValueError("ids must have at least one position, got shape "
                             f"{tuple(ids.shape)}")
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= self.vocab_size):
            raise ValueError(f"ids must be in 0..{self.vocab_size - 1}, got values from "
                             f"{int(ids.min())} to {int(ids.max())}")
