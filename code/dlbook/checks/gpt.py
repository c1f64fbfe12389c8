"""Checks for the code exercises of the chapter *A GPT from scratch*.

Each check runs the reader's function on inputs built to expose one typical
mistake at a time, without printing the expected values.
"""

from __future__ import annotations

from typing import Callable

import torch

from . import CheckResult, call_answer, compare_tensors, named_mistake, passed, \
    require_callable


def _nucleus(probs: torch.Tensor, keep_sorted) -> torch.Tensor:
    """probs renormalised over the tokens that ``keep_sorted(sorted, mass_above, p)``
    keeps, ranked by probability."""
    sorted_probs, order = probs.sort(descending=True)
    keep = torch.zeros_like(probs, dtype=torch.bool)
    keep[order] = keep_sorted(sorted_probs, sorted_probs.cumsum(0) - sorted_probs)
    kept = probs * keep
    return kept / kept.sum()


def check_nucleus(fn: Callable[[torch.Tensor, float], torch.Tensor]) -> CheckResult:
    """Check ``fn(probs, p)``: the distribution ``probs`` (V,) restricted to its
    nucleus, the smallest set of most likely tokens whose mass is at least ``p``,
    and renormalised. Chapter: *A GPT from scratch*.
    """
    name = "nucleus"
    require_callable("fn", fn)
    probs = torch.tensor([0.125, 0.5, 0.0625, 0.25, 0.0625], dtype=torch.float64)
    for p in (0.75, 0.7, 0.3, 1.0):
        want = _nucleus(probs, lambda s, above: above < p)
        got, problem = call_answer(name, fn, probs.clone(), p)
        if problem is not None:
            return problem
        where = f"with p = {p}: "
        unsorted = probs * ((probs.cumsum(0) - probs) < p)
        mistake = named_mistake(name, got, {
            "you stop before the token that crosses p, so the mass kept is below p": (
                _nucleus(probs, lambda s, above: above + s <= p) if p < 1 else want,
                "keep a token while the mass of the tokens ranked above it is below p."),
            "you drop the token that brings the mass exactly to p": (
                _nucleus(probs, lambda s, above: above + s < p),
                "the nucleus may reach p exactly: its mass must be at least p."),
            "you do not renormalise the kept probabilities": (
                probs * (want > 0),
                "divide the kept probabilities by their sum."),
            "you accumulate the mass in the vocabulary's order, not from the most "
            "likely token down": (unsorted / unsorted.sum(),
                                  "sort the probabilities in decreasing order first."),
        }, atol=1e-9, where=where, want=want)
        if mistake is not None:
            return mistake
        problem = compare_tensors(name, got, want, atol=1e-9, what=f"the result {where}")
        if problem is not None:
            return problem
    return passed(name, "the smallest set of most likely tokens with mass at least p, "
                  "renormalised.")
