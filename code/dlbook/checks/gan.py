"""Checks for the code exercises of the chapter *Generative adversarial networks*.

Each check runs the reader's function on inputs built to expose one typical
mistake at a time, without printing the expected values.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from . import CheckResult, call_for_number, failed, passed, require_callable


def _logits(n: int, seed: int, scale: float = 3.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return scale * torch.randn(n, 1, generator=g, dtype=torch.float64)


def check_discriminator_loss(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
                             ) -> CheckResult:
    """Check ``fn(real_logits, fake_logits)``: the discriminator's loss
    ``-mean log D(x) - mean log(1 - D(G(z)))`` from logits, finite for any finite
    logits. Chapter: *Generative adversarial networks*.
    """
    name = "discriminator_loss"
    require_callable("fn", fn)
    cases = (("moderate logits", _logits(6, 0), _logits(4, 1)),
             ("confident logits (up to 120 in size)",
              torch.tensor([[120.0], [-30.0], [2.0]], dtype=torch.float64),
              torch.tensor([[-120.0], [40.0]], dtype=torch.float64)))
    for what, real, fake in cases:
        got, problem = call_for_number(name, fn, real.clone(), fake.clone())
        if problem is not None:
            return problem
        want = float(F.softplus(-real).mean() + F.softplus(fake).mean())
        if got != got or abs(got) == float("inf"):
            return failed(name, f"on {what} your loss is {got}",
                          "log(sigmoid(a)) underflows for confident logits; write "
                          "-log sigmoid(a) as softplus(-a).")
        if abs(got - want) <= 1e-5 * max(1.0, abs(want)):
            continue
        variants = {
            "you swap the labels (real as 0, generated as 1)":
                float(F.softplus(real).mean() + F.softplus(-fake).mean()),
            "you sum over the batch instead of taking the mean":
                float(F.softplus(-real).sum() + F.softplus(fake).sum()),
            "your loss has the wrong sign (that is V itself, which D maximises)":
                -want,
            "you leave out the term of the generated samples":
                float(F.softplus(-real).mean()),
            "you average over real and generated samples together":
                float(torch.cat([F.softplus(-real), F.softplus(fake)]).mean()),
        }
        for mistake, value in variants.items():
            if abs(got - value) <= 1e-5 * max(1.0, abs(value)):
                return failed(name, f"on {what} {mistake}",
                              "each expectation is the mean over its own batch.")
        return failed(name, f"on {what} the loss has the wrong value",
                      "D(x) = sigmoid(logit); the loss is -mean log D(real) "
                      "- mean log(1 - D(fake)).")
    return passed(name, "your loss matches, and stays finite for confident logits.")
