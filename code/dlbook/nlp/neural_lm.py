"""The neural probabilistic language model of Bengio et al. (2003).

Each of the ``context_size`` previous tokens is looked up in a table of learned
embeddings; the embeddings, concatenated, go through one tanh hidden layer,
and a linear layer gives the logits of the next token. :func:`context_windows`
cuts sequences into (context, next token) training pairs. Explained in the
chapter *Language models*.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from .._args import check_bool, check_float, check_generator, check_int, check_sequence, check_tensor


class NeuralLM(nn.Module):
    """``logits = b + U tanh(a + H x)`` (+ ``W x`` with ``direct``), where ``x``
    concatenates the embeddings ``C[w]`` of the ``context_size`` previous tokens.

    ``forward(context)`` takes ids of shape ``(N, context_size)``, oldest first,
    and returns ``(N, vocab_size)`` logits of the next token. With ``dropout``
    (a probability) the hidden layer is dropped out during training.
    Chapter: *Language models*.
    """

    def __init__(self, vocab_size: int, context_size: int, embedding_dim: int = 16,
                 hidden_size: int = 128, direct: bool = False, dropout: float = 0.0) -> None:
        super().__init__()
        self.vocab_size = check_int("vocab_size", vocab_size, minimum=2)
        self.context_size = check_int("context_size", context_size, minimum=1)
        inputs = context_size * check_int("embedding_dim", embedding_dim, minimum=1)
        hidden_size = check_int("hidden_size", hidden_size, minimum=1)
        self.embedding = nn.Embedding(vocab_size, embedding_dim)        # C
        self.hidden = nn.Linear(inputs, hidden_size)                    # H, a
        self.dropout = nn.Dropout(check_float("dropout", dropout, minimum=0.0, maximum=1.0,
                                              strict_max=True))
        self.output = nn.Linear(hidden_size, vocab_size)                # U, b
        self.direct = (nn.Linear(inputs, vocab_size, bias=False)        # W
                       if check_bool("direct", direct) else None)

    def forward(self, context: torch.Tensor) -> torch.Tensor:
        _check_context(context, self.context_size, self.vocab_size)
        x = self.embedding(context).flatten(1)     # (N, context_size * embedding_dim)
        logits = self.output(self.dropout(torch.tanh(self.hidden(x))))
        if self.direct is not None:
            logits = logits + self.direct(x)
        return logits

    @torch.no_grad()
    def sample(self, bos: int, eos: int, generator: torch.Generator | None = None,
               max_length: int = 30) -> list[int]:
        """Draw one sequence, starting from a context of ``bos`` ids, until ``eos``
        (left out) or ``max_length`` tokens."""
        bos = check_int("bos", bos, minimum=0, maximum=self.vocab_size - 1)
        eos = check_int("eos", eos, minimum=0, maximum=self.vocab_size - 1)
        check_generator("generator", generator)
        max_length = check_int("max_length", max_length, minimum=1)
        was_training = self.training
        self.eval()
        context, out = [bos] * self.context_size, []
        while len(out) < max_length:
            probs = torch.softmax(self(torch.tensor([context[-self.context_size:]])), -1)
            w = int(torch.multinomial(probs[0], 1, generator=generator))
            if w == eos:
                break
            out.append(w)
            context.append(w)
        self.train(was_training)
        return out


def _check_context(context: torch.Tensor, context_size: int, vocab_size: int) -> None:
    check_tensor("context", context, ndim=2, integer=True)
    if context.shape[1] != context_size:
        raise ValueError(f"context must have shape (N, {context_size}), got "
                         f"{tuple(context.shape)}")
    if context.numel() and (int(context.min()) < 0 or int(context.max()) >= vocab_size):
        raise ValueError(f"context must hold ids in 0..{vocab_size - 1}")


def context_windows(sequences: Sequence[Sequence[int]], context_size: int, *, bos: int,
                    eos: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Every (context, next token) pair of ``sequences`` (lists of ids without
    boundaries): ``X`` of shape ``(N, context_size)``, the start padded with
    ``bos``, and ``y`` of shape ``(N,)``, which ends each sequence with ``eos``.
    Chapter: *Language models*.
    """
    sequences = check_sequence("sequences", sequences)
    context_size = check_int("context_size", context_size, minimum=1)
    bos, eos = check_int("bos", bos, minimum=0), check_int("eos", eos, minimum=0)
    X, y = [], []
    for seq in sequences:
        seq = [check_int("sequences", i, minimum=0) for i in check_sequence(
            "sequences", seq, nonempty=False)]
        padded = [bos] * context_size + seq + [eos]
        for t in range(context_size, len(padded)):
            X.append(padded[t - context_size:t])
            y.append(padded[t])
    return torch.tensor(X, dtype=torch.long), torch.tensor(y, dtype=torch.long)
