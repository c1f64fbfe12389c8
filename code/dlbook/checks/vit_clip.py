"""Checks for the code exercises of the chapter *Vision transformers, CLIP and
captioning*."""

from __future__ import annotations

from collections import Counter
from typing import Callable

import torch
import torch.nn.functional as F

from . import CheckResult, as_int, as_number, call_answer, failed, passed, require_callable


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-5 + 1e-4 * abs(b)


def _loss(u, v, tau, *, normalise=True, both=True, divide=True, mean=True):
    if normalise:
        u, v = F.normalize(u, dim=1), F.normalize(v, dim=1)
    s = u @ v.T / tau if divide else u @ v.T * tau
    target = torch.arange(len(s))
    reduction = "mean" if mean else "sum"
    rows = F.cross_entropy(s, target, reduction=reduction)
    if not both:
        return float(rows)
    return float((rows + F.cross_entropy(s.T, target, reduction=reduction)) / 2)


def check_clip_loss(fn: Callable) -> CheckResult:
    """Check ``fn(image_embeddings, text_embeddings, temperature)``: CLIP's symmetric
    contrastive loss of B matching pairs, one number."""
    name = "check_clip_loss"
    require_callable("fn", fn)
    g = torch.Generator().manual_seed(0)
    u = torch.randn(6, 4, generator=g, dtype=torch.float64) * 2
    v = u + 1.5 * torch.randn(6, 4, generator=g, dtype=torch.float64)
    v[2], v[4] = v[4].clone(), v[2].clone()    # two texts swapped: not symmetric
    for tau in (0.5, 0.1):
        got, problem = call_answer(name, fn, u.clone(), v.clone(), tau)
        if problem is not None:
            return problem
        if isinstance(got, torch.Tensor) and got.numel() != 1:
            return failed(name, f"the loss should be one number, got a tensor of shape "
                          f"{tuple(got.shape)}", "average over the batch.")
        if as_number(got) is None:
            return failed(name, f"the loss should be a number, got {type(got).__name__}")
        got, want = as_number(got), _loss(u, v, tau)
        if _close(got, want):
            continue
        mistakes = [
            (_loss(u, v, tau, both=False), "only the image-to-text direction is there",
             "average it with the cross-entropy of the columns (text to image)."),
            (float(F.cross_entropy((F.normalize(u, dim=1) @ F.normalize(v, dim=1).T
                                    / tau).T, torch.arange(6))),
             "only the text-to-image direction is there",
             "average it with the cross-entropy of the rows (image to text)."),
            (_loss(u, v, tau, normalise=False), "the embeddings are not normalised",
             "CLIP's similarity is a cosine: divide each row by its norm first."),
            (_loss(u, v, tau, divide=False), "the similarities are multiplied by the "
             "temperature", "divide by the temperature: a small one sharpens the softmax."),
            (_loss(u, v, tau, mean=False), "the loss is summed over the batch",
             "take the mean over the B pairs."),
            (2 * want, "the two directions are added, not averaged", "divide by 2."),
        ]
        for value, message, hint in mistakes:
            if _close(got, value):
                return failed(name, f"with temperature {tau}: {message}", hint)
        return failed(name, f"with temperature {tau} your loss differs from the expected "
                      f"value by {abs(got - want):.3g}")
    return passed(name, "both directions, the cosines and the temperature are right.")


def _precision(hyp, refs, n):
    grams = lambda t: Counter(tuple(t[i:i + n]) for i in range(len(t) - n + 1))  # noqa: E731
    counts, most = grams(hyp), Counter()
    for ref in refs:
        most |= grams(ref)
    return sum(min(k, most[g]) for g, k in counts.items()), sum(counts.values())


def check_modified_precision(fn: Callable) -> CheckResult:
    """Check ``fn(hypothesis, references, n) -> (matched, total)``: BLEU's clipped
    n-gram counts of one tokenised hypothesis against several references."""
    name = "check_modified_precision"
    require_callable("fn", fn)
    cases = [
        ("the the the the the the the", ["the cat is on the mat",
                                         "there is a cat on the mat"], 1),
        ("the cat the cat on the mat", ["the cat is on the mat",
                                        "there is a cat on the mat"], 2),
        ("a red circle above a red circle", ["a red circle above a blue square"], 1),
        ("a red circle above a blue square", ["a red circle above a blue square"], 4),
        ("a b", ["a b c"], 3),
    ]
    for hyp, refs, n in cases:
        hyp, refs = hyp.split(), [r.split() for r in refs]
        got, problem = call_answer(name, fn, list(hyp), [list(r) for r in refs], n)
        if problem is not None:
            return problem
        if not isinstance(got, (tuple, list)) or len(got) != 2 \
                or as_int(got[0]) is None or as_int(got[1]) is None:
            return failed(name, f"return a pair of whole numbers (matched, total), got "
                          f"{type(got).__name__} {got!r}")
        matched, total = as_int(got[0]), as_int(got[1])
        want_m, want_t = _precision(hyp, refs, n)
        case = f"for {' '.join(hyp)!r} with n = {n}"
        if total != want_t:
            return failed(name, f"the total {case} is {total}, not {want_t}",
                          "a sequence of L tokens has L - n + 1 n-grams.")
        if matched == want_t and want_m < want_t and all(
                tuple(hyp[i:i + n]) in {tuple(r[j:j + n]) for r in refs
                                        for j in range(len(r) - n + 1)}
                for i in range(len(hyp) - n + 1)):
            return failed(name, f"the counts are not clipped {case}",
                          "count each n-gram at most as often as a reference has it.")
        if matched == sum(min(k, sum(_grams_in(r, n)[g] for r in refs))
                          for g, k in Counter(_grams_of(hyp, n)).items()) != want_m:
            return failed(name, f"the clip adds up the references' counts {case}",
                          "clip by the largest count in any one reference.")
        if matched != want_m:
            return failed(name, f"{matched} matched {case}, expected {want_m}")
    return passed(name, "clipped counts and totals are right.")


def _grams_of(tokens, n):
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def _grams_in(tokens, n):
    return Counter(_grams_of(tokens, n))
