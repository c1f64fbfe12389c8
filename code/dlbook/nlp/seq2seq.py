"""An encoder-decoder GRU with additive attention, greedy decoding and beam search,
and the task it is trained on: numbers written out in Portuguese words.

Explained in the chapter *Sequence to sequence with attention*; the chapter *The
transformer* trains its model on the same task and split.

The encoder is PyTorch's bidirectional ``nn.GRU``, which runs the whole padded
batch in one call; the decoder steps one token at a time with ``nn.GRUCell``.
Both compute the GRU equations of the chapter *Recurrent neural networks*, whose
own ``GRU`` is tested equal to PyTorch's; they are used here for speed only.
"""

from __future__ import annotations

import random

import torch
from num2words import num2words
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .._args import check_bool, check_float, check_int, check_tensor
from .vocab import Vocab, build_vocab


def number_pair(n: int) -> tuple[list[str], list[str]]:
    """A number's digits (the source) and its words in European Portuguese from
    ``num2words`` (the target). Chapter: *Sequence to sequence with attention*."""
    n = check_int("n", n, minimum=0)
    return list(str(n)), num2words(n, lang="pt").split()


def numbers_task(seed: int = 0) -> tuple[dict[str, list[int]], Vocab, Vocab,
                                         dict[str, list[tuple[list[int], list[int]]]]]:
    """The numbers-to-words task: every number below 1,000 and 4,000 random numbers
    of four and five digits, shuffled and cut into 3,800 training, 600 validation
    and 600 test numbers, and 300 numbers of six digits (``"long"``). Returns the
    numbers of each split, the digit vocabulary, the word vocabulary (built from the
    training targets) and the encoded (source ids, target ids ending in ``<eos>``)
    pairs of each split. Chapter: *Sequence to sequence with attention*."""
    rng = random.Random(check_int("seed", seed))
    numbers = list(range(1000)) + rng.sample(range(1000, 100_000), 4000)
    rng.shuffle(numbers)
    split = {"train": numbers[:3800], "val": numbers[3800:4400], "test": numbers[4400:],
             "long": rng.sample(range(100_000, 1_000_000), 300)}
    src_vocab = build_vocab([list("0123456789")])
    tgt_vocab = build_vocab([number_pair(n)[1] for n in split["train"]])
    data = {k: [(src_vocab.encode(digits), tgt_vocab.encode(words, add_eos=True))
                for digits, words in map(number_pair, ns)] for k, ns in split.items()}
    return split, src_vocab, tgt_vocab, data


class AdditiveAttention(nn.Module):
    """Additive attention (Bahdanau et al., 2015): a score for every key from a
    small network, weights by a softmax over the real keys, and their weighted sum.

    ``forward(query, keys, mask)`` takes a query ``(B, query_size)``, keys
    ``(B, S, key_size)`` and a boolean mask ``(B, S)``, True at real (not padding)
    positions, and returns the context ``(B, key_size)`` and the weights ``(B, S)``.
    Chapter: *Sequence to sequence with attention*.
    """

    def __init__(self, query_size: int, key_size: int, attention_size: int) -> None:
        super().__init__()
        self.W = nn.Linear(check_int("query_size", query_size, minimum=1),
                           check_int("attention_size", attention_size, minimum=1),
                           bias=False)
        self.U = nn.Linear(check_int("key_size", key_size, minimum=1), attention_size)
        self.v = nn.Linear(attention_size, 1, bias=False)

    def forward(self, query: torch.Tensor, keys: torch.Tensor,
                mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        _check_attention(query, keys, mask, self.W.in_features, self.U.in_features)
        # e_j = v^T tanh(W q + U k_j), one score per key
        scores = self.v(torch.tanh(self.W(query).unsqueeze(1) + self.U(keys))).squeeze(2)
        scores = scores.masked_fill(~mask, float("-inf"))   # padding gets weight 0
        weights = torch.softmax(scores, dim=1)              # alpha_j, summing to 1
        context = (weights.unsqueeze(2) * keys).sum(1)      # c = sum_j alpha_j k_j
        return context, weights


class Seq2Seq(nn.Module):
    """An encoder-decoder GRU, with additive attention or without.

    The encoder reads the source ids ``(B, S)`` (padded with ``pad_id``) with a
    bidirectional GRU; the decoder starts from a summary of both directions'
    last states and predicts the target one token at a time. With ``attention``
    the decoder also reads, at every step, a context vector attending over all
    encoder states; without it, the initial state is all it knows of the source.
    ``forward(src, tgt_in)`` is teacher forcing: it feeds the true previous
    tokens ``tgt_in`` ``(B, T)`` (starting with ``<bos>``) and returns the logits
    ``(B, T, tgt_vocab_size)`` of the next tokens. Chapter: *Sequence to sequence
    with attention*.
    """

    def __init__(self, src_vocab_size: int, tgt_vocab_size: int, embedding_dim: int = 32,
                 hidden_size: int = 64, attention: bool = True, pad_id: int = 0,
                 bos_id: int = 2, eos_id: int = 3) -> None:
        super().__init__()
        self.src_vocab_size = check_int("src_vocab_size", src_vocab_size, minimum=1)
        self.tgt_vocab_size = check_int("tgt_vocab_size", tgt_vocab_size, minimum=2)
        E = check_int("embedding_dim", embedding_dim, minimum=1)
        H = check_int("hidden_size", hidden_size, minimum=1)
        self.attention = check_bool("attention", attention)
        self.pad_id = check_int("pad_id", pad_id, minimum=0, maximum=src_vocab_size - 1)
        self.bos_id = check_int("bos_id", bos_id, minimum=0, maximum=tgt_vocab_size - 1)
        self.eos_id = check_int("eos_id", eos_id, minimum=0, maximum=tgt_vocab_size - 1)
        self.src_embedding = nn.Embedding(src_vocab_size, E)
        self.encoder = nn.GRU(E, H, batch_first=True, bidirectional=True)
        self.init_state = nn.Linear(2 * H, H)
        self.tgt_embedding = nn.Embedding(tgt_vocab_size, E)
        context_size = 2 * H if self.attention else 0
        if self.attention:
            self.attend = AdditiveAttention(H, 2 * H, H)
        self.decoder = nn.GRUCell(E + context_size, H)
        self.output = nn.Linear(H + context_size, tgt_vocab_size)

    def encode(self, src: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The encoder states ``(B, S, 2H)``, the source mask ``(B, S)`` and the
        decoder's initial state ``(B, H)``."""
        mask = _check_src(src, self.src_vocab_size, self.pad_id)
        lengths = mask.sum(1)
        packed = pack_padded_sequence(self.src_embedding(src), lengths,
                                      batch_first=True, enforce_sorted=False)
        states, last = self.encoder(packed)           # last: (2, B, H), both directions
        memory, _ = pad_packed_sequence(states, batch_first=True, total_length=src.shape[1])
        s0 = torch.tanh(self.init_state(torch.cat([last[0], last[1]], dim=1)))
        return memory, mask, s0

    def _step(self, y_prev: torch.Tensor, s: torch.Tensor, memory: torch.Tensor,
              mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """One decoder step: the logits of the next token, the new state, and the
        attention weights (None without attention)."""
        x = self.tgt_embedding(y_prev)                     # (B, E)
        if not self.attention:
            s = self.decoder(x, s)                         # s_t = GRU(e(y_{t-1}), s_{t-1})
            return self.output(s), s, None
        c, alpha = self.attend(s, memory, mask)            # c_t from s_{t-1}
        s = self.decoder(torch.cat([x, c], dim=1), s)      # s_t = GRU([e(y_{t-1}); c_t], s_{t-1})
        return self.output(torch.cat([s, c], dim=1)), s, alpha

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        memory, mask, s = self.encode(src)
        _check_tgt(tgt_in, self.tgt_vocab_size, len(src))
        logits = []
        for t in range(tgt_in.shape[1]):                   # teacher forcing: true y_{t-1}
            step_logits, s, _ = self._step(tgt_in[:, t], s, memory, mask)
            logits.append(step_logits)
        return torch.stack(logits, dim=1)


@torch.no_grad()
def greedy_decode(model: Seq2Seq, src: torch.Tensor, max_length: int = 30
                  ) -> tuple[list[list[int]], torch.Tensor]:
    """Decode a batch of sources ``(B, S)`` by taking the most probable token at
    every step, until ``<eos>`` (left out) or ``max_length`` tokens.

    Returns the token ids of every output and the attention weights
    ``(B, max_length, S)`` (zeros after an output ended, and all zeros for a
    model without attention). Chapter: *Sequence to sequence with attention*.
    """
    _check_model(model)
    max_length = check_int("max_length", max_length, minimum=1)
    memory, mask, s = model.encode(src)
    B, S = mask.shape
    y = torch.full((B,), model.bos_id, dtype=torch.long)
    out = torch.zeros(B, max_length, dtype=torch.long)
    weights = torch.zeros(B, max_length, S)
    done = torch.zeros(B, dtype=torch.bool)
    for t in range(max_length):
        logits, s, alpha = model._step(y, s, memory, mask)
        y = logits.argmax(1)                               # y_t = argmax p(y | y_<t, x)
        out[:, t] = y
        if alpha is not None:
            weights[:, t] = alpha * ~done.unsqueeze(1)
        done |= y == model.eos_id
        if done.all():
            break
    return [_until_eos(row, model.eos_id) for row in out.tolist()], weights


@torch.no_grad()
def beam_search(model: Seq2Seq, src: torch.Tensor, beam_width: int = 5,
                max_length: int = 30, length_penalty: float = 0.0
                ) -> list[tuple[list[int], float]]:
    """Beam search for one source sequence ``src`` (1-D ids).

    Keeps the ``beam_width`` most probable partial outputs at every step. A
    hypothesis that emits ``<eos>`` is finished and leaves the beam; the search
    stops when no hypothesis is left, when no live one can beat the best
    finished one any more (log-probabilities only fall as tokens are added), or
    after ``max_length`` tokens (the unfinished ones then count as finished).
    Finished hypotheses are ranked by their log-probability divided by
    ``length ** length_penalty`` (0: no normalisation, 1: per-token average),
    the length counting ``<eos>``. Returns ``(tokens, log_probability)`` pairs,
    best first, tokens without ``<eos>``. Chapter: *Sequence to sequence with
    attention*.
    """
    _check_model(model)
    check_tensor("src", src, ndim=1, integer=True)
    k = check_int("beam_width", beam_width, minimum=1)
    max_length = check_int("max_length", max_length, minimum=1)
    alpha = check_float("length_penalty", length_penalty, minimum=0.0)

    def score(h):                        # log p(y | x) / T ** length_penalty
        return h[1] / len(h[0]) ** alpha

    memory, mask, s = model.encode(src.unsqueeze(0))
    beams = [([], 0.0)]                  # live hypotheses: (tokens, log-probability)
    finished = []
    for t in range(max_length):
        n = len(beams)
        y_prev = torch.tensor([toks[-1] if toks else model.bos_id for toks, _ in beams])
        logits, s, _ = model._step(y_prev, s, memory.expand(n, -1, -1), mask.expand(n, -1))
        # log p(y_1..y_t) = log p(y_1..y_{t-1}) + log p(y_t | y_<t, x), for all n * V
        total = torch.tensor([lp for _, lp in beams]).unsqueeze(1) + logits.log_softmax(1)
        best = total.flatten().topk(min(k, total.numel())).indices.tolist()
        V = total.shape[1]
        keep = []
        for index in best:
            b, token = divmod(index, V)
            hypothesis = (beams[b][0] + [token], float(total[b, token]))
            if token == model.eos_id:
                finished.append(hypothesis)
            else:
                keep.append((b, hypothesis))
        beams = [h for _, h in keep]
        if not beams or (finished and max(map(score, finished)) >=
                         max(lp for _, lp in beams) / max_length ** alpha):
            break                        # no live hypothesis can still win
        s = s[[b for b, _ in keep]]
    else:
        finished += beams                # max_length reached: unfinished ones count
    ranked = sorted(finished, key=score, reverse=True)
    return [(_until_eos(toks, model.eos_id), lp) for toks, lp in ranked]


def _until_eos(tokens: list[int], eos: int) -> list[int]:
    return tokens[:tokens.index(eos)] if eos in tokens else tokens


def _check_model(model: object) -> None:
    if not isinstance(model, Seq2Seq):
        raise TypeError(f"model must be a Seq2Seq, got {type(model).__name__}")


def _check_src(src: torch.Tensor, vocab_size: int, pad_id: int) -> torch.Tensor:
    check_tensor("src", src, ndim=2, integer=True)
    if src.shape[0] == 0 or src.shape[1] == 0:
        raise ValueError(f"src must hold at least one token per row, got shape "
                         f"{tuple(src.shape)}")
    if int(src.min()) < 0 or int(src.max()) >= vocab_size:
        raise ValueError(f"src must hold ids in 0..{vocab_size - 1}")
    mask = src != pad_id
    if not bool(mask[:, 0].all()):
        raise ValueError("src must start every row with a real token (padding at the end)")
    return mask


def _check_tgt(tgt_in: torch.Tensor, vocab_size: int, batch_size: int) -> None:
    check_tensor("tgt_in", tgt_in, ndim=2, integer=True)
    if tgt_in.shape[1] == 0:
        raise ValueError("tgt_in must hold at least one step (<bos>)")
    if tgt_in.shape[0] != batch_size:
        raise ValueError(f"src and tgt_in must have the same number of rows, got "
                         f"{batch_size} and {tgt_in.shape[0]}")
    if tgt_in.numel() and (int(tgt_in.min()) < 0 or int(tgt_in.max()) >= vocab_size):
        raise ValueError(f"tgt_in must hold ids in 0..{vocab_size - 1}")


def _check_attention(query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor,
                     query_size: int, key_size: int) -> None:
    check_tensor("query", query, ndim=2, floating=True)
    check_tensor("keys", keys, ndim=3, floating=True)
    check_tensor("mask", mask, ndim=2)
    if query.shape[1] != query_size or keys.shape[2] != key_size:
        raise ValueError(f"query must be (B, {query_size}) and keys (B, S, {key_size}), "
                         f"got {tuple(query.shape)} and {tuple(keys.shape)}")
    if keys.shape[0] != query.shape[0] or mask.shape != keys.shape[:2]:
        raise ValueError(f"query (B, ...), keys (B, S, ...) and mask (B, S) must agree, "
                         f"got {tuple(query.shape)}, {tuple(keys.shape)}, {tuple(mask.shape)}")
    if mask.dtype != torch.bool or not bool(mask.any(1).all()):
        raise ValueError("mask must be boolean with at least one True (real key) per row")
