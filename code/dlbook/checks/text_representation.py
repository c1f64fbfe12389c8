"""Checks for the code exercises of the chapter *Text representation*.

Each check calls the reader's function on inputs that expose the usual
mistakes and says what is wrong, with a hint, without giving the answer away.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from . import (CheckResult, as_int, as_tensor, call_answer, compare_tensors, failed, passed,
               require_callable)


def _pair_counts(words: dict[tuple, int], pairs_once: bool = False
                 ) -> dict[tuple[int, int], int]:
    # With pairs_once, each key of words is already a word's tuple of pairs, and a
    # pair counts once per word (the mistake the check names).
    counts: dict[tuple[int, int], int] = {}
    for word, n in words.items():
        for pair in (set(word) if pairs_once else zip(word, word[1:])):
            counts[pair] = counts.get(pair, 0) + n
    return counts


def check_most_frequent_pair(fn: Callable[[dict], tuple[int, int]]) -> CheckResult:
    """Check a reader's ``most_frequent_pair(words)``: the adjacent pair of token
    ids that occurs most often in ``words``, a dict from a word (a tuple of ids)
    to how many times that word occurs in the text, returned as a tuple ``(a, b)``.
    """
    name = "most_frequent_pair"
    require_callable("fn", fn)
    cases = [
        ("a word that holds its pair twice and occurs 4 times",
         {(5, 6, 7, 5, 6): 4, (1, 2): 1, (1, 2, 9): 1, (3, 1, 2): 1}),
        ("words whose frequencies decide", {(1, 2): 1, (3, 4): 7, (1, 2, 3): 2}),
        ("one word", {(4, 4, 2): 1}),
    ]
    for what, words in cases:
        counts = _pair_counts(words)
        got, problem = call_answer(name, fn, dict(words))
        if problem is not None:
            return problem
        if isinstance(got, (torch.Tensor, np.ndarray)) and got.shape == (2,):
            got = tuple(got.tolist())
        if not isinstance(got, (tuple, list)) or len(got) != 2 \
                or any(as_int(v) is None for v in got):
            return failed(name, f"on {what} your function returned a "
                          f"{type(got).__name__}, not a pair of two token ids",
                          "return a tuple (a, b) of the two ids, e.g. (5, 6).")
        pair = (as_int(got[0]), as_int(got[1]))
        best = max(counts.values())
        if counts.get(pair, 0) == best:
            continue
        if pair not in counts:
            return failed(name, f"on {what} the pair {pair} never occurs in a word",
                          "pairs are neighbours inside one word: word[i], word[i + 1].")
        unweighted = _pair_counts({w: 1 for w in words})
        if unweighted.get(pair) == max(unweighted.values()):
            return failed(name, f"on {what} {pair} is the most frequent pair if every "
                          "word counts once", "each word occurs words[word] times in the "
                          "text: add that many to each of its pairs.")
        once = _pair_counts({tuple(zip(w, w[1:])): n for w, n in words.items()},
                            pairs_once=True)
        if once.get(pair) == max(once.values()):
            return failed(name, f"on {what} {pair} is the most frequent pair if a pair "
                          "counts once per word", "a pair can occur twice in one word "
                          "(5, 6, 7, 5, 6): count every occurrence, not every word.")
        return failed(name, f"on {what} {pair} occurs {counts[pair]} times, but another "
                      f"pair occurs {best} times", "count every adjacent pair of every "
                      "word, weighted by the word's frequency, then take the largest.")
    return passed(name, "your function finds the pair BPE merges next.")


def check_padding(fn: Callable[[list, int], tuple]) -> CheckResult:
    """Check a reader's ``pad(sequences, pad_id)``: it returns ``(ids, mask)``, a
    ``(B, T)`` tensor of the sequences filled at the end with ``pad_id`` to the
    longest length ``T``, and a ``(B, T)`` mask, True where a token is real.
    """
    name = "pad"
    require_callable("fn", fn)
    cases = [("[[5, 6, 7], [8], [9, 10]] with pad_id=0", [[5, 6, 7], [8], [9, 10]], 0),
             ("[[5, 6], [7]] with pad_id=99", [[5, 6], [7]], 99),
             ("[[0, 3], [], [4]] with pad_id=1 (one sequence is empty)",
              [[0, 3], [], [4]], 1)]
    for what, seqs, pad_id in cases:
        T = max(len(s) for s in seqs)
        want_ids = torch.full((len(seqs), T), pad_id, dtype=torch.long)
        want_mask = torch.zeros(len(seqs), T, dtype=torch.bool)
        for b, s in enumerate(seqs):
            want_ids[b, :len(s)] = torch.tensor(s, dtype=torch.long)
            want_mask[b, :len(s)] = True
        got, problem = call_answer(name, fn, [list(s) for s in seqs], pad_id)
        if problem is not None:
            return problem
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return failed(name, f"on {what} your function returned a "
                          f"{type(got).__name__}, not a pair (ids, mask)",
                          "return two tensors: return ids, mask.")
        ids, mask = as_tensor(got[0]), as_tensor(got[1])
        problem = compare_tensors(name, ids, want_ids.double(), what=f"ids on {what}")
        if problem is not None:
            if isinstance(ids, torch.Tensor) and ids.shape == want_ids.shape \
                    and torch.equal(ids[want_mask].long(), want_ids[want_mask]):
                return failed(name, f"on {what} the real tokens are right but the "
                              "padding is not pad_id", "fill the tensor with pad_id "
                              "first (torch.full), then copy each sequence in.")
            return problem
        if isinstance(mask, torch.Tensor) and mask.dtype != torch.bool and mask.shape == \
                want_mask.shape and bool(((mask == 0) | (mask == 1)).all()):
            mask = mask.bool()
        problem = compare_tensors(name, mask, want_mask.double(), what=f"the mask on {what}")
        if problem is not None:
            return problem
    return passed(name, "your padding and mask are right, for any pad_id.")


def _activations(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    h = torch.randn(3, 4, 6, generator=g, dtype=torch.float64)
    lengths = torch.tensor([6, 2, 4])
    mask = torch.arange(6) < lengths[:, None]
    h[1] -= 5.0                                   # every real value of row 1 is < 0
    h = torch.where(mask[:, None, :], h, torch.full_like(h, 10.0))  # loud padding
    return h, mask


def check_masked_max_pool(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
                          ) -> CheckResult:
    """Check a reader's ``masked_max_pool(h, mask)``: for activations ``h`` of shape
    ``(B, C, T)`` and a ``(B, T)`` mask, True at real positions, the maximum of
    each channel over the real positions only, shape ``(B, C)``.
    """
    name = "masked_max_pool"
    require_callable("fn", fn)
    for seed in (0, 1):
        h, mask = _activations(seed)
        want = h.masked_fill(~mask[:, None, :], float("-inf")).max(dim=2).values
        got, problem = call_answer(name, fn, h.clone(), mask.clone())
        if problem is not None:
            return problem
        got_t = as_tensor(got)
        if isinstance(got_t, torch.Tensor) and got_t.shape == want.shape:
            got_d = got_t.detach().double()
            if torch.allclose(got_d, h.max(dim=2).values):
                return failed(name, "your maximum includes the padded positions",
                              "set the padded positions to -inf before taking the max.")
            zero = h.masked_fill(~mask[:, None, :], 0.0).max(dim=2).values
            if torch.allclose(got_d, zero):
                return failed(name, "you fill the padding with 0, so a channel whose "
                              "real values are all negative returns 0",
                              "fill with -inf (float('-inf')), not 0.")
        problem = compare_tensors(name, got, want, what="the pooled activations")
        if problem is not None:
            return problem
    return passed(name, "your pooling ignores padding, whatever its values.")
