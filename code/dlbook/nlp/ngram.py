"""n-gram language models: counts of what followed each context, smoothed.

:class:`NGramLM` counts, in training sequences of token ids, how often each
token followed each context of the ``order - 1`` tokens before it (the start
padded with ``bos``, the end marked with ``eos``), and turns the counts into
probabilities with add-k smoothing or with interpolated Kneser-Ney smoothing.
Explained in the chapter *Language models*.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from .._args import check_choice, check_float, check_generator, check_int, check_sequence

SMOOTHINGS = ("add-k", "kneser-ney")


class NGramLM:
    """A language model of order ``n``: ``p(w | the n - 1 tokens before it)``.

    With ``smoothing="add-k"``, every count of the full context gets ``k``
    added, ``p(w | h) = (c(h, w) + k) / (c(h) + k V)``; an unseen context gives
    the uniform distribution. With ``smoothing="kneser-ney"`` (interpolated
    Kneser-Ney), ``discount`` is taken off every seen count and the mass freed
    goes to the model of order ``n - 1``, down to the uniform distribution; the
    lower orders count in how many different contexts a token was seen, not how
    often. Probabilities are over all ``vocab_size`` ids. Chapter: *Language
    models*.
    """

    def __init__(self, order: int, vocab_size: int, *, bos: int, eos: int,
                 smoothing: str = "kneser-ney", k: float = 1.0,
                 discount: float = 0.75) -> None:
        self.n = check_int("order", order, minimum=1)
        self.V = check_int("vocab_size", vocab_size, minimum=2)
        self.bos = check_int("bos", bos, minimum=0, maximum=self.V - 1)
        self.eos = check_int("eos", eos, minimum=0, maximum=self.V - 1)
        self.smoothing = check_choice("smoothing", smoothing, SMOOTHINGS)
        self.k = check_float("k", k, minimum=0.0, strict_min=True)
        self.d = check_float("discount", discount, minimum=0.0, maximum=1.0,
                             strict_min=True, strict_max=True)
        self.counts: list[dict[tuple[int, ...], np.ndarray]] = []
        self._cache: dict[tuple[int, ...], torch.Tensor] = {}

    def __repr__(self) -> str:
        what = f"k={self.k}" if self.smoothing == "add-k" else f"discount={self.d}"
        return f"NGramLM(order={self.n}, vocab_size={self.V}, {self.smoothing}, {what})"

    def fit(self, sequences: Sequence[Sequence[int]]) -> "NGramLM":
        """Count every n-gram of ``sequences`` (lists of ids without boundaries)."""
        sequences = _check_sequences(sequences, self.V)
        n, V = self.n, self.V
        # counts[m][h][w]: how often w followed the m - 1 tokens h (m = 1 .. n).
        counts = [{} for _ in range(n + 1)]
        for seq in sequences:
            padded = [self.bos] * (n - 1) + seq + [self.eos]
            for t in range(n - 1, len(padded)):
                for m in range(1, n + 1):
                    h = tuple(padded[t - m + 1:t])
                    counts[m].setdefault(h, np.zeros(V))[padded[t]] += 1
        if self.smoothing == "kneser-ney":
            # A lower order counts the *different* tokens seen before (h, w):
            # N1+(. h w), the number of contexts that w continues.
            for m in range(1, n):
                counts[m] = {}
                for g, c in counts[m + 1].items():
                    counts[m].setdefault(g[1:], np.zeros(V))[:] += c > 0
        self.counts = counts
        self._cache = {}
        return self

    def probs(self, context: Sequence[int]) -> torch.Tensor:
        """The distribution ``(vocab_size,)`` of the token after ``context`` (the
        ids so far, without ``bos``; only the last ``n - 1`` are used)."""
        return self._next(_check_ids("context", context, self.V))

    def _next(self, context: list[int]) -> torch.Tensor:
        if not self.counts:
            raise ValueError("the model has no counts yet: call fit(sequences) first")
        h = tuple([self.bos] * (self.n - 1) + context)[len(context):]  # last n - 1
        if h not in self._cache:
            self._cache[h] = torch.from_numpy(self._probs(h))
        return self._cache[h]

    def _probs(self, h: tuple[int, ...]) -> np.ndarray:
        n, V, k, d = self.n, self.V, self.k, self.d
        p = np.full(V, 1.0 / V)                               # order 0: uniform
        orders = range(1, n + 1) if self.smoothing == "kneser-ney" else [n]
        for m in orders:                                      # unigram up to n-gram
            c = self.counts[m].get(h[n - m:])                 # the last m - 1 tokens
            if c is None:                                     # unseen context:
                continue                                      # keep the lower order
            total = c.sum()
            if self.smoothing == "add-k":
                p = (c + k) / (total + k * V)
            else:
                freed = d * (c > 0).sum() / total             # mass the discount frees
                p = np.maximum(c - d, 0) / total + freed * p
        return p

    def log_probs(self, sequence: Sequence[int]) -> torch.Tensor:
        """The log-probability of each token of ``sequence`` and of the ``eos``
        that ends it, given the tokens before: ``len(sequence) + 1`` numbers."""
        sequence = _check_ids("sequence", sequence, self.V)
        targets = sequence + [self.eos]
        return torch.stack([self._next(sequence[:t])[w] for t, w in enumerate(targets)]
                           ).log()

    def sample(self, generator: torch.Generator | None = None,
               max_length: int = 30) -> list[int]:
        """Draw one sequence, token by token, until ``eos`` (left out) or
        ``max_length`` tokens."""
        check_generator("generator", generator)
        max_length = check_int("max_length", max_length, minimum=1)
        out: list[int] = []
        while len(out) < max_length:
            w = int(torch.multinomial(self._next(out), 1, generator=generator))
            if w == self.eos:
                break
            out.append(w)
        return out


def _check_ids(name: str, ids: Sequence[int], vocab_size: int) -> list[int]:
    ids = check_sequence(name, ids, nonempty=False)
    return [check_int(name, i, minimum=0, maximum=vocab_size - 1) for i in ids]


def _check_sequences(sequences: Sequence[Sequence[int]], vocab_size: int) -> list[list[int]]:
    sequences = check_sequence("sequences", sequences)
    return [_check_ids("sequences", s, vocab_size) for s in sequences]
