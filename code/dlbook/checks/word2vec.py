"""Checks for the code exercises of the chapter *Word vectors* (``word2vec``).

Each check calls the reader's function on inputs that expose the usual
mistakes and says what is wrong, with a hint, without giving the answer away.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Callable

import torch
import torch.nn.functional as F

from . import (CheckResult, as_int, as_number, as_tensor, call_answer, compare_tensors, failed,
               passed, require_callable)


def _pairs(ids: list[int], window: int, offsets=None) -> Counter:
    offsets = offsets or [j for j in range(-window, window + 1) if j != 0]
    return Counter((ids[t], ids[t + j]) for t in range(len(ids)) for j in offsets
                   if 0 <= t + j < len(ids))


def _as_pairs(got) -> Counter | None:
    """The reader's pairs as a multiset of (int, int), or None if they are not pairs."""
    if type(got).__module__ == "numpy":                   # a NumPy array of pairs
        got = torch.as_tensor(got)
    if isinstance(got, torch.Tensor):
        if got.ndim != 2 or got.shape[1:] != (2,) or got.is_floating_point():
            return None
        got = got.tolist()
    if not isinstance(got, (list, tuple)):
        return None
    out = Counter()
    for pair in got:
        if isinstance(pair, torch.Tensor):
            pair = pair.tolist() if pair.ndim == 1 else None
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            return None
        a, b = as_int(pair[0]), as_int(pair[1])
        if a is None or b is None:
            return None
        out[(a, b)] += 1
    return out


def check_skipgram_pairs(fn: Callable[[list[int], int], list]) -> CheckResult:
    """Check a reader's ``skipgram_pairs(ids, window)``: every (centre, context)
    pair of the list of token ids ``ids`` whose positions differ by 1 to
    ``window``, in any order, as a list of pairs or a ``(P, 2)`` integer tensor."""
    name = "skipgram_pairs"
    require_callable("fn", fn)
    cases = [("the sentence [3, 1, 4, 1, 5] with window 1", [3, 1, 4, 1, 5], 1),
             ("the sentence [3, 1, 4, 1, 5, 9, 2] with window 2", [3, 1, 4, 1, 5, 9, 2], 2),
             ("the sentence [7, 8] with window 3 (wider than the sentence)", [7, 8], 3)]
    for what, ids, window in cases:
        got, problem = call_answer(name, fn, list(ids), window)
        if problem is not None:
            return problem
        pairs = _as_pairs(got)
        if pairs is None:
            return failed(name, f"on {what} your function returned a "
                          f"{type(got).__name__} that is not a list of (centre, context) "
                          "pairs of ids", "return e.g. [(3, 1), (1, 3), ...].")
        want = _pairs(ids, window)
        if pairs == want:
            continue
        if pairs == want + Counter((i, i) for i in ids):
            return failed(name, f"on {what} every word is paired with itself",
                          "the offset j runs over -window..window but skips 0.")
        if pairs == _pairs(ids, window, list(range(1, window + 1))):
            return failed(name, f"on {what} you pair each word only with the words "
                          "after it", "the window reaches to both sides of the centre.")
        if pairs == _pairs(ids, window - 1) and window > 1:
            return failed(name, f"on {what} the window is one word too narrow",
                          "offsets run from 1 to window inclusive.")
        if sum(pairs.values()) < sum(want.values()) and not pairs - want:
            return failed(name, f"on {what} {sum(want.values()) - sum(pairs.values())} "
                          "pair(s) are missing", "check the bounds at both ends of the "
                          "sentence: 0 <= t + j < len(ids).")
        return failed(name, f"on {what} the pairs are wrong: expected "
                      f"{sum(want.values())} pairs such as {sorted(want)[:3]}",
                      "pair ids[t] with ids[t + j] for every 1 <= |j| <= window.")
    return passed(name, "every pair, on both sides, up to the sentence's ends.")


def _sgns_reference(v, u, n):
    pos = (u * v).sum(-1)
    neg = torch.einsum("bkd,bd->bk", n, v)
    return (-F.logsigmoid(pos) - F.logsigmoid(-neg).sum(-1)).mean()


def check_sgns_loss(fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
                    ) -> CheckResult:
    """Check a reader's ``sgns_loss(center, context, noise)``: the mean over the
    batch of ``-log sigmoid(u_o . v) - sum_k log sigmoid(-u_k . v)`` for centre
    vectors ``(B, d)``, context vectors ``(B, d)`` and noise vectors ``(B, K, d)``."""
    name = "sgns_loss"
    require_callable("fn", fn)
    g = torch.Generator().manual_seed(0)
    small = [torch.randn(*s, generator=g, dtype=torch.float64) for s in ((4, 3), (4, 3), (4, 5, 3))]
    large = [30 * t for t in small]
    for what, (v, u, n) in [("small random vectors (B=4, K=5, d=3)", small),
                            ("vectors whose dot products reach the hundreds", large)]:
        got, problem = call_answer(name, fn, v.clone(), u.clone(), n.clone())
        if problem is not None:
            return problem
        value = as_number(got)
        want = _sgns_reference(v, u, n).item()
        if value is None:
            return failed(name, f"on {what} your function returned a "
                          f"{type(got).__name__}, not one number", "average over the "
                          "batch: return a scalar tensor.")
        if math.isclose(value, want, rel_tol=1e-4, abs_tol=1e-6):
            continue
        if not math.isfinite(value):
            return failed(name, f"on {what} the loss is {value}", "log(sigmoid(x)) "
                          "underflows to log(0) for very negative x; compute log sigmoid "
                          "without taking the log of a number that rounds to 0.")
        pos = (u * v).sum(-1)
        neg = torch.einsum("bkd,bd->bk", n, v)
        wrong = {"the noise scores enter without their minus sign":
                 (-F.logsigmoid(pos) - F.logsigmoid(neg).sum(-1)).mean(),
                 "you average over the K noise words instead of summing them":
                 (-F.logsigmoid(pos) - F.logsigmoid(-neg).mean(-1)).mean(),
                 "you sum over the batch instead of averaging":
                 (-F.logsigmoid(pos) - F.logsigmoid(-neg).sum(-1)).sum()}
        for mistake, w in wrong.items():
            if math.isclose(value, w.item(), rel_tol=1e-4):
                return failed(name, f"on {what} {mistake}", "compare with the loss "
                              "of the chapter, term by term.")
        return failed(name, f"on {what} the loss is {value:.6g}, expected {want:.6g}",
                      "one term -log sigmoid(u_o . v) for the real pair, K terms "
                      "-log sigmoid(-u_k . v) for the noise, averaged over the batch.")
    return passed(name, "right values, and finite for large dot products.")


def _ppmi_reference(X: torch.Tensor, swapped: bool = False) -> torch.Tensor:
    p = X / X.sum()
    rows, cols = p.sum(1, keepdim=True), p.sum(0, keepdim=True)
    if swapped:  # the mistake: P(w) from the columns, P(c) from the rows
        rows, cols = cols.T, rows.T
    pmi = torch.log(p / (rows * cols))
    return torch.nan_to_num(pmi, nan=0.0, neginf=0.0).clamp(min=0)


def check_ppmi(fn: Callable[[torch.Tensor], torch.Tensor]) -> CheckResult:
    """Check a reader's ``ppmi(counts)``: positive pointwise mutual information of a
    matrix of co-occurrence counts, 0 where a pair never occurs."""
    name = "ppmi"
    require_callable("fn", fn)
    cases = [("the counts [[2, 1], [0, 1]] (a zero count, not symmetric)",
              torch.tensor([[2.0, 1.0], [0.0, 1.0]], dtype=torch.float64)),
             ("a 4x4 matrix of counts with zeros",
              torch.tensor([[0, 3, 1, 0], [3, 0, 2, 1], [1, 2, 0, 4], [0, 5, 4, 0]],
                           dtype=torch.float64))]
    for what, X in cases:
        got, problem = call_answer(name, fn, X.clone())
        if problem is not None:
            return problem
        got = as_tensor(got)
        want = _ppmi_reference(X)
        if isinstance(got, torch.Tensor) and got.shape == want.shape:
            g = got.detach().double()
            if bool(torch.isnan(g).any() | torch.isinf(g).any()):
                return failed(name, f"on {what} some entries are NaN or infinite",
                              "a pair that never occurs has log 0 = -inf: set it to 0.")
            if bool((g < 0).any()):
                return failed(name, f"on {what} some entries are negative",
                              "PPMI keeps only the positive part: max(0, PMI).")
            if torch.allclose(g, _ppmi_reference(X, swapped=True), atol=1e-6) and \
                    not torch.allclose(g, want, atol=1e-6):
                return failed(name, f"on {what} the row and column marginals are swapped",
                              "P(w) sums a row (over contexts), P(c) a column.")
        problem = compare_tensors(name, got, want, atol=1e-6, what=f"the result on {what}")
        if problem is not None:
            return problem
    return passed(name, "right values, zero for pairs never seen, never negative.")
