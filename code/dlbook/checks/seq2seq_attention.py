"""Checks for the code exercises of the chapter *Sequence to sequence with attention*.

Each check runs the reader's function on inputs built to expose one typical
mistake at a time, without printing the expected values.
"""

from __future__ import annotations

import math
from typing import Callable

import torch

from . import (CheckResult, as_tensor, call_answer, call_for_number, compare_tensors,
               failed, passed, require_callable)


def _scores(seed: int, scale: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    scores = scale * torch.randn(3, 5, generator=g, dtype=torch.float64)
    lengths = torch.tensor([5, 3, 1])
    return scores, torch.arange(5) < lengths.unsqueeze(1)


def check_attention_weights(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
                            ) -> CheckResult:
    """Check ``fn(scores, mask)``: the attention weights of scores ``(B, S)``, a
    softmax over the positions where the boolean ``mask`` ``(B, S)`` is True,
    zero elsewhere. Chapter: *Sequence to sequence with attention*.
    """
    name = "attention_weights"
    require_callable("fn", fn)
    for what, (scores, mask) in (("random scores", _scores(0)),
                                 ("scores in the hundreds", _scores(1, scale=300.0))):
        want = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=1)
        got, problem = call_answer(name, fn, scores.clone(), mask.clone())
        if problem is not None:
            return problem
        got_t = as_tensor(got)
        if isinstance(got_t, torch.Tensor) and got_t.shape == want.shape:
            got_d = got_t.detach().double()
            if not bool(torch.isfinite(got_d).all()):
                return failed(name, f"on {what} some weights are not finite",
                              "use torch.softmax, which subtracts the largest score "
                              "before exponentiating.")
            if torch.allclose(got_d, torch.softmax(scores, 1)):
                return failed(name, f"on {what} the padded positions get weight",
                              "set their scores to -inf before the softmax.")
            if torch.allclose(got_d, torch.softmax(scores, 1) * mask):
                return failed(name, f"on {what} the real weights do not sum to 1",
                              "mask the scores before the softmax, not the weights after.")
            masked = scores.masked_fill(~mask, float("-inf"))
            if torch.allclose(got_d, torch.softmax(masked, 0).nan_to_num(0.0)):
                return failed(name, f"on {what} you normalise over the batch",
                              "the softmax runs over the positions, dim=1.")
        problem = compare_tensors(name, got, want, atol=1e-6, what=f"the weights on {what}")
        if problem is not None:
            return problem
    return passed(name, "right: padding gets weight 0 and the rest sums to 1.")


def check_beam_score(fn: Callable[[torch.Tensor, float], float]) -> CheckResult:
    """Check ``fn(log_probs, length_penalty)``: the length-normalised score of a
    finished output whose tokens got the log-probabilities ``log_probs`` (1-D),
    their sum divided by the length to the power ``length_penalty``.
    Chapter: *Sequence to sequence with attention*.
    """
    name = "beam_score"
    require_callable("fn", fn)
    g = torch.Generator().manual_seed(0)
    lp = -torch.rand(7, generator=g, dtype=torch.float64) * 3
    long = -torch.rand(2000, generator=g, dtype=torch.float64) * 3
    for what, log_probs, gamma in (("7 tokens, length_penalty 0", lp, 0.0),
                                   ("7 tokens, length_penalty 1", lp, 1.0),
                                   ("7 tokens, length_penalty 0.6", lp, 0.6),
                                   ("2,000 tokens, length_penalty 1", long, 1.0)):
        value, problem = call_for_number(name, fn, log_probs.clone(), gamma)
        if problem is not None:
            return problem
        want = float(log_probs.sum()) / len(log_probs) ** gamma
        if math.isclose(value, want, rel_tol=1e-6, abs_tol=1e-9):
            continue
        if not math.isfinite(value) or value == 0.0:
            return failed(name, f"on {what} the score is {value}",
                          "sum the log-probabilities; a product of probabilities "
                          "underflows.")
        if math.isclose(value, float(log_probs.sum()) * len(log_probs) ** gamma,
                        rel_tol=1e-6):
            return failed(name, f"on {what} you multiply by the length's power",
                          "divide by length ** length_penalty.")
        if gamma != 1.0 and math.isclose(value, float(log_probs.mean()), rel_tol=1e-6):
            return failed(name, f"on {what} you ignore length_penalty",
                          "divide by length ** length_penalty, not by the length.")
        return failed(name, f"wrong value on {what}",
                      "sum the log-probabilities and divide by length ** length_penalty.")
    return passed(name, "right, for every length penalty.")
