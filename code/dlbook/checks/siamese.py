"""Checks for the exercises of the chapter *Siamese networks and metric learning*.

Each check runs the reader's function on inputs that expose a usual mistake
and says which one it found, without giving the answer away::

    from dlbook.checks.siamese import check_triplet_loss
    check_triplet_loss(my_triplet_loss)
"""

from __future__ import annotations

from typing import Callable

import torch

from ..cnn.metric_learning import batch_hard_mining, contrastive_loss, triplet_loss
from . import CheckResult, as_number, as_tensor, call_answer, failed, passed, require_callable

T = torch.tensor


def _number(check: str, got) -> tuple[float | None, CheckResult | None]:
    if isinstance(got, torch.Tensor) and got.numel() != 1:
        return None, failed(check, f"the loss should be one number, got a tensor of shape "
                            f"{tuple(got.shape)}", "average over the batch.")
    if as_number(got) is None:
        return None, failed(check, "the loss should be a number or a one-element tensor, "
                            f"got {type(got).__name__}", "")
    return as_number(got), None


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-5 + 1e-4 * abs(b)


def check_triplet_loss(fn: Callable) -> CheckResult:
    """Check a reader's ``triplet_loss(anchor, positive, negative, margin)`` (plain distances)."""
    name = "triplet_loss"
    require_callable("fn", fn)

    def run(a, p, n, margin):
        got, problem = call_answer(name, fn, a, p, n, margin)
        if problem is not None:
            return None, problem
        return _number(name, got)

    # Easy triplets: every negative is far beyond the margin; the loss must be 0.
    a, p, n = T([[0.0, 0.0], [1.0, 1.0]]), T([[0.0, 1.0], [1.0, 2.0]]), T([[5.0, 0.0],
                                                                          [1.0, 9.0]])
    got, problem = run(a, p, n, 1.0)
    if problem is not None:
        return problem
    if got < -1e-6:
        return failed(name, "easy triplets, already separated by more than the margin, "
                      "give a negative loss", "a triplet that is already right should "
                      "cost nothing: clip each term at zero (the hinge).")
    if got > 1e-5:
        return failed(name, "easy triplets, already separated by more than the margin, "
                      "give a positive loss", "check the sign: d(a, p) - d(a, n) + margin.")
    g = torch.Generator().manual_seed(0)
    a, p, n = (torch.randn(16, 5, generator=g) for _ in range(3))
    for margin in (0.5, 2.0):
        got, problem = run(a, p, n, margin)
        if problem is not None:
            return problem
        want = float(triplet_loss(a, p, n, margin, eps=0.0))
        if _close(got, want):
            continue
        if _close(got, float(triplet_loss(a, p, n, margin, squared=True, eps=0.0))):
            return failed(name, "your loss uses squared distances",
                          "the equation uses the Euclidean distance itself: take the "
                          "square root of the sum of squares.")
        if _close(got, 16 * want):
            return failed(name, "your loss is 16 times too large on a batch of 16",
                          "average over the triplets instead of summing.")
        if _close(got, float(triplet_loss(a, n, p, margin, eps=0.0))):
            return failed(name, "the roles of the positive and the negative are swapped",
                          "the anchor should be closer to the positive.")
        if _close(got, float((torch.norm(a - p, dim=1) - torch.norm(a - n, dim=1)
                              + margin).mean())):
            return failed(name, "your loss is not clipped at zero",
                          "triplets that already satisfy the margin should contribute "
                          "nothing: clip each term at zero before averaging.")
        if _close(got, float((torch.norm(a - p, dim=1) - torch.norm(a - n, dim=1)
                              - margin).clamp(min=0).mean())):
            return failed(name, "the margin enters with the wrong sign",
                          "the negative must be farther than the positive by at least "
                          "the margin.")
        return failed(name, f"with margin {margin} your loss differs from the expected "
                      f"value by {abs(got - want):.3g}", "")
    return passed(name, "hinge, distances, margin and averaging are all right.")


def check_contrastive_loss(fn: Callable) -> CheckResult:
    """Check a reader's ``contrastive_loss(z1, z2, same, margin)``."""
    name = "contrastive_loss"
    require_callable("fn", fn)
    g = torch.Generator().manual_seed(1)
    z1, z2 = torch.randn(12, 3, generator=g) * 0.6, torch.randn(12, 3, generator=g) * 0.6
    same = T([1.0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0])
    d = torch.norm(z1 - z2, dim=1)
    for margin in (1.0, 1.5):
        got, problem = call_answer(name, fn, z1, z2, same, margin)
        if problem is not None:
            return problem
        got, problem = _number(name, got)
        if problem is not None:
            return problem
        want = float(contrastive_loss(z1, z2, same, margin))
        if _close(got, want):
            continue
        candidates = (
            (2 * want, "your loss is twice the expected value",
             "the equation has a factor 1/2 in front of both terms."),
            (12 * want, "your loss is 12 times too large on 12 pairs",
             "average over the pairs instead of summing."),
            (float(contrastive_loss(z1, z2, 1 - same, margin)),
             "matching and non-matching pairs are swapped",
             "matching pairs (same = 1) are pulled together, the others pushed apart."),
            (float(0.5 * (same * d ** 2 + (1 - same) * (margin - d) ** 2).mean()),
             "pairs that are already farther apart than the margin are still pushed",
             "clip margin - d at zero before squaring."),
            (float(0.5 * (same * d ** 2 + (1 - same) * (margin - d ** 2).clamp(min=0)
                          ).mean()),
             "the margin is compared with the squared distance",
             "the hinge is max(0, margin - d) with the distance d itself, then squared."),
            (float(0.5 * (same * d + (1 - same) * (margin - d).clamp(min=0)).mean()),
             "your terms are not squared", "both terms are squared: d^2 and "
             "max(0, margin - d)^2."),
        )
        for value, message, hint in candidates:
            if _close(got, value):
                return failed(name, message, hint)
        return failed(name, f"with margin {margin} your loss differs from the expected "
                      f"value by {abs(got - want):.3g}", "")
    return passed(name, "both terms, the hinge and the averaging are right.")


def check_hardest_negative(fn: Callable) -> CheckResult:
    """Check a reader's ``hardest_negative(embeddings, labels)``: one index per anchor."""
    name = "hardest_negative"
    require_callable("fn", fn)
    # points on a line:  0   1   3   10  -4   with labels 0 0 1 1 0
    x = T([[0.0], [1.0], [3.0], [10.0], [-4.0]])
    labels = T([0, 0, 1, 1, 0])
    got, problem = call_answer(name, fn, x, labels)
    if problem is not None:
        return problem
    got = as_tensor(got)
    if not isinstance(got, torch.Tensor):
        return failed(name, f"the result should be a tensor of indices, got "
                      f"{type(got).__name__}", "")
    if got.is_floating_point() or bool(((got < 0) | (got >= len(x))).any()):
        return failed(name, f"the result is not indices of the {len(x)} examples "
                      f"(integers from 0 to {len(x) - 1})",
                      "return the argmin (an index), not the distance itself.")
    got = got.flatten().long()
    if got.shape != (5,):
        return failed(name, f"5 anchors should give 5 indices, got shape "
                      f"{tuple(got.shape)}", "take the argmin along one row per anchor.")
    want = batch_hard_mining(x, labels)[1]
    if torch.equal(got, want):
        pass
    elif torch.equal(got, T([4, 4, 3, 2, 1])) or (labels[got] == labels).any():
        if (got == torch.arange(5)).any():
            return failed(name, "an anchor was chosen as its own negative",
                          "its distance to itself is 0: mask out the anchor and every "
                          "example of its class.")
        return failed(name, "some chosen negatives have the anchor's own label",
                      "mask out the examples with the same label before taking the "
                      "minimum (fill them with infinity).")
    elif torch.equal(got, T([3, 3, 4, 4, 3])):
        return failed(name, "you picked the farthest negative",
                      "the hardest negative is the closest one: argmin, not argmax.")
    else:
        return failed(name, "on a small hand case some chosen negatives are wrong", "")
    g = torch.Generator().manual_seed(3)
    z = torch.randn(30, 4, generator=g)
    y = torch.randint(0, 4, (30,), generator=g)
    got, problem = call_answer(name, fn, z, y)
    if problem is not None:
        return problem
    got = as_tensor(got)
    if not isinstance(got, torch.Tensor) or got.numel() != len(y) or not torch.equal(
            got.flatten().long(), batch_hard_mining(z, y)[1]):
        return failed(name, "on 30 random embeddings some chosen negatives are wrong", "")
    return passed(name, "every anchor gets the closest example of another class.")
