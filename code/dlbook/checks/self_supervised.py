"""Checks for the exercises of the chapter *Self-supervised learning*.

Each check runs the reader's function on inputs that expose a usual mistake
and says which one it found, without giving the answer away::

    from dlbook.checks.self_supervised import check_nt_xent
    check_nt_xent(my_nt_xent)
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from ..transformers.contrastive import nt_xent
from . import CheckResult, call_for_number, failed, named_mistake, passed, require_callable


def _one_way(z1: torch.Tensor, z2: torch.Tensor, tau: float) -> torch.Tensor:
    """CLIP's loss in one direction: anchors of z1 against candidates of z2 only."""
    logits = F.normalize(z1, dim=1) @ F.normalize(z2, dim=1).T / tau
    return F.cross_entropy(logits, torch.arange(len(z1)))


def _nt_xent_variant(z1, z2, tau, *, normalize=True, drop_self=True) -> torch.Tensor:
    n = len(z1)
    z = torch.cat([z1, z2])
    z = F.normalize(z, dim=1) if normalize else z
    logits = z @ z.T / tau
    if drop_self:
        logits = logits.masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
    return F.cross_entropy(logits, torch.cat([torch.arange(n, 2 * n), torch.arange(n)]))


def check_nt_xent(fn: Callable) -> CheckResult:
    """Check a reader's ``nt_xent(z1, z2, temperature)``, the mean over all 2N anchors."""
    name = "nt_xent"
    require_callable("fn", fn)
    g = torch.Generator().manual_seed(0)
    z1 = torch.randn(6, 4, generator=g, dtype=torch.float64)
    z2 = z1 + 0.5 * torch.randn(6, 4, generator=g, dtype=torch.float64)
    z1, z2 = 1.7 * z1, 0.6 * z2  # lengths that are not 1
    for tau in (0.5, 0.2):
        got, problem = call_for_number(name, fn, z1, z2, tau)
        if problem is not None:
            return problem
        want = nt_xent(z1, z2, tau)
        if abs(got - float(want)) <= 1e-5 + 1e-4 * abs(float(want)):
            continue
        mistake = named_mistake(name, torch.tensor(got, dtype=torch.float64), {
            "your loss changes with the lengths of the vectors": (
                _nt_xent_variant(z1, z2, tau, normalize=False),
                "compare by cosine similarity: normalise every row to unit length first."),
            "each view counts its similarity with itself among the candidates": (
                _nt_xent_variant(z1, z2, tau, drop_self=False),
                "leave k = i out of the denominator, for example with a -inf logit."),
            "only the views of z1 are anchors, and only z2 are candidates": (
                _one_way(z1, z2, tau),
                "every one of the 2N views is an anchor, and its candidates are all "
                "the 2N - 1 other views, from both batches."),
            f"your loss is {2 * len(z1)} times too large": (
                2 * len(z1) * want, "average over the 2N anchors instead of summing."),
            "your loss ignores the temperature": (
                nt_xent(z1, z2, 1.0), "divide the similarities by the temperature."),
        }, atol=1e-5, want=want)
        if mistake is not None:
            return mistake
        return failed(name, f"with temperature {tau}, your loss is {got:.4f}, which is "
                      "not the NT-Xent loss", "follow the equation: cosine similarities "
                      "over tau, k != i in the denominator, the partner i + N (mod 2N).")
    return passed(name, "your NT-Xent loss agrees with dlbook's on two temperatures.")


def _uniformity(z: torch.Tensor, t: float) -> torch.Tensor:
    z = F.normalize(z, dim=1)
    return torch.log(torch.exp(-t * torch.pdist(z) ** 2).mean())


def check_uniformity(fn: Callable) -> CheckResult:
    """Check a reader's ``uniformity(z, t)``: log of the mean Gaussian potential over pairs."""
    name = "uniformity"
    require_callable("fn", fn)
    g = torch.Generator().manual_seed(0)
    z = 2.5 * torch.randn(7, 3, generator=g, dtype=torch.float64)
    for t in (2.0, 0.5):
        got, problem = call_for_number(name, fn, z, t)
        if problem is not None:
            return problem
        want = _uniformity(z, t)
        if abs(got - float(want)) <= 1e-5 + 1e-4 * abs(float(want)):
            continue
        u = F.normalize(z, dim=1)
        all_pairs = torch.exp(-t * torch.cdist(u, u) ** 2)
        raw = torch.exp(-t * torch.pdist(z) ** 2)
        mistake = named_mistake(name, torch.tensor(got, dtype=torch.float64), {
            "your pairs include each row with itself": (
                all_pairs.mean().log(), "use only pairs of distinct rows, i < j."),
            "your distances are not squared": (
                torch.exp(-t * torch.pdist(u)).mean().log(),
                "the potential is exp(-t times the squared distance)."),
            "your rows are not normalised": (
                raw.mean().log(), "put every row on the unit sphere first."),
            "your answer is the mean without the log": (
                want.exp(), "take the log of the mean."),
        }, atol=1e-5, want=want)
        if mistake is not None:
            return mistake
        return failed(name, f"with t = {t}, your uniformity is {got:.4f}, which is wrong",
                      "normalise, square the distances of pairs i < j, average "
                      "exp(-t d^2), take the log.")
    return passed(name, "your uniformity agrees with the definition at two values of t.")
