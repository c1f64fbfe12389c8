"""Checks for the code exercises of the chapter *Self-attention*.

Each check calls the reader's function on inputs that expose the usual
mistakes and says what is wrong, with a hint, without printing the answer.
"""

from __future__ import annotations

import math
from typing import Callable

import torch

from . import (CheckResult, as_tensor, call_answer, compare_tensors, failed, named_mistake,
               passed, require_callable)


def check_causal_mask(fn: Callable[[int], torch.Tensor]) -> CheckResult:
    """Check ``fn(n)``: the (n, n) boolean causal mask, True where query i may attend
    to key j, that is j ≤ i. Chapter: *Self-attention*."""
    name = "causal"
    require_callable("fn", fn)
    for n in (4, 7, 1):
        got, problem = call_answer(name, fn, n)
        if problem is not None:
            return problem
        got = as_tensor(got)
        want = torch.ones(n, n, dtype=torch.bool).tril()
        if not isinstance(got, torch.Tensor):
            return failed(name, f"for n={n} your function returned a {type(got).__name__}, "
                          "not a tensor", "return a boolean torch.Tensor of shape (n, n).")
        if got.shape != want.shape:
            return failed(name, f"for n={n} the mask has shape {tuple(got.shape)}, "
                          f"expected ({n}, {n})", "one row per query, one column per key.")
        if got.dtype != torch.bool:
            if bool(((got == 0) | (got == 1)).all()) and torch.equal(got.bool(), want):
                return failed(name, f"for n={n} the pattern is right but the mask is "
                              f"{got.dtype}, not boolean",
                              "use dtype=torch.bool: masked_fill(~mask, ...) needs booleans.")
            return failed(name, f"for n={n} the mask is {got.dtype}, not boolean, and its "
                          "values are wrong", "build it from torch.ones(n, n, "
                          "dtype=torch.bool).")
        if n > 1:
            mistakes = {"True above the diagonal: each query sees the future and not its "
                        "past": want.T,
                        "the diagonal is False: a query may not attend to its own position":
                        want.tril(-1),
                        "True where attending is *forbidden*: the opposite convention":
                        ~want}
            for mistake, value in mistakes.items():
                if torch.equal(got, value):
                    return failed(name, f"for n={n}: {mistake}",
                                  "query i (row) may attend to keys j ≤ i (columns): tril.")
        if not torch.equal(got, want):
            return failed(name, f"for n={n} the mask has wrong values",
                          "query i (row) may attend to keys j ≤ i (columns): tril.")
    return passed(name, "right: each query sees itself and the positions before it.")


def _attention_inputs(B: int, L: int, lengths: list[int], seed: int):
    g = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(B, 2, L, 4, generator=g, dtype=torch.float64) for _ in range(3))
    return 2 * q, 2 * k, v, torch.tensor(lengths)


def _attend(q, k, v, mask, scale, zero_after=None):
    scores = q @ k.transpose(-2, -1) * scale
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if zero_after is not None:
        weights = weights * zero_after
    return weights @ v


def check_padded_attention(fn: Callable[..., torch.Tensor]) -> CheckResult:
    """Check ``fn(q, k, v, lengths)``: scaled dot-product attention of ``q``, ``k``,
    ``v`` (B, H, L, d) in which no query attends to a key at or after ``lengths[b]``
    (the padding of sequence b). Chapter: *Self-attention*."""
    name = "padded_attention"
    require_callable("fn", fn)
    cases = [("a batch of 5 sequences of length 5 (B = L)", 5, 5, [5, 3, 4, 2, 1], 1),
             ("a batch of 3 sequences of length 6", 3, 6, [6, 4, 2], 0)]
    for what, B, L, lengths, seed in cases:
        q, k, v, lens = _attention_inputs(B, L, lengths, seed)
        real = torch.arange(L) < lens[:, None]                       # (B, L_k)
        scale = 1 / math.sqrt(q.shape[-1])
        want = _attend(q, k, v, real[:, None, None, :], scale)
        got, problem = call_answer(name, fn, q.clone(), k.clone(), v.clone(), lens.clone())
        if problem is not None:
            return problem
        mistakes = {
            "padding keys get weight: there is no mask": (
                _attend(q, k, v, None, scale), "set the scores of padding keys to -inf "
                "before the softmax."),
            "the scores are not scaled by 1/sqrt(d)": (
                _attend(q, k, v, real[:, None, None, :], 1.0), "divide q kᵀ by "
                "sqrt(q.shape[-1])."),
            "the scores are divided by d, not sqrt(d)": (
                _attend(q, k, v, real[:, None, None, :], 1 / q.shape[-1]), "divide by "
                "the square root of the head size."),
            "the weights are zeroed after the softmax, so they no longer sum to 1": (
                _attend(q, k, v, None, scale, zero_after=real[:, None, None, :]),
                "mask the scores with -inf before the softmax instead."),
            "the mask is on the query axis, not the key axis": (
                _attend(q, k, v, real[:, None, :, None], scale), "the padding mask says "
                "which *keys* are real: reshape it to (B, 1, 1, L)."),
        }
        if B == L:
            mistakes["the (B, L) mask broadcasts as (1, 1, B, L): query i gets the padding "
                     "of sequence i"] = (
                _attend(q, k, v, real, scale), "reshape the mask to (B, 1, 1, L) before "
                "masked_fill; broadcasting aligns the last dimensions.")
        problem = named_mistake(name, got, mistakes, atol=1e-6, where=f"on {what}: ",
                                want=want)
        if problem is not None:
            return problem
        problem = compare_tensors(name, got, want, atol=1e-6, what=f"the output on {what}")
        if problem is not None:
            return problem
    return passed(name, "right: padding keys get no weight, and the scale is 1/sqrt(d).")
