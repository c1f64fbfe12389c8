"""Checks for the code exercises of the chapter *BERT and T5*.

Each check calls the reader's function on inputs that expose the usual
mistakes and says what is wrong, with a hint, without giving the answer away.
"""

from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F

from . import CheckResult, call_for_number, failed, passed, require_callable

IGNORE = -100


def _case(B: int, L: int, V: int, share: float, seed: int):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(B, L, V, generator=g, dtype=torch.float64) * 3
    targets = torch.randint(V, (B, L), generator=g)
    skip = torch.rand(B, L, generator=g) >= share
    skip[0, 0] = False                              # at least one chosen position
    return logits, targets.masked_fill(skip, IGNORE)


def check_mlm_loss(fn: Callable[[torch.Tensor, torch.Tensor], float]) -> CheckResult:
    """Check ``fn(logits, targets)``: the masked-language-model loss, the mean
    cross-entropy over the positions whose target is not -100, for ``logits`` of
    shape (B, L, V) and ``targets`` of shape (B, L). Chapter: *BERT and T5*.
    """
    name = "mlm_loss"
    require_callable("fn", fn)
    cases = [("a batch with 15% of the positions chosen", _case(8, 12, 30, 0.15, 0)),
             ("rows with different numbers of chosen positions", _case(3, 20, 10, 0.3, 1)),
             ("one chosen position", _case(2, 4, 5, 0.0, 2))]
    for what, (logits, targets) in cases:
        value, problem = call_for_number(name, fn, logits.clone(), targets.clone())
        if problem is not None:
            return problem
        chosen = targets != IGNORE
        nll = F.cross_entropy(logits.transpose(1, 2), targets.clamp(min=0), reduction="none")
        want = nll[chosen].mean().item()
        if math.isclose(value, want, rel_tol=1e-5, abs_tol=1e-8):
            continue
        mistakes = {
            "you divide by every position, not by the chosen ones":
                (nll[chosen].sum().item() / targets.numel(),
                 "the mean is over the chosen positions only: divide by their number."),
            "you average the loss of each sequence, then the sequences":
                (torch.stack([nll[b][chosen[b]].mean() for b in range(len(targets))
                              if chosen[b].any()]).mean().item(),
                 "every chosen position weighs the same, whichever sequence holds it."),
            "you include the positions that were not chosen":
                (nll.mean().item(), "leave out the positions whose target is -100."),
            "you return the sum, not the mean":
                (nll[chosen].sum().item(), "divide by the number of chosen positions."),
        }
        for mistake, (wrong, hint) in mistakes.items():
            if math.isclose(value, wrong, rel_tol=1e-5) and not math.isclose(
                    wrong, want, rel_tol=1e-5):
                return failed(name, f"on {what} {mistake}", hint)
        return failed(name, f"on {what} your loss is {value:.4f}, not the mean "
                      "cross-entropy over the chosen positions",
                      "select the chosen positions, then F.cross_entropy(logits[chosen], "
                      "targets[chosen]).")
    return passed(name, "your loss counts the masked positions only, each once.")
