"""The checks of the chapter *Siamese networks and metric learning* pass right
answers and name the usual mistakes."""

import torch

from dlbook.checks.siamese import (check_contrastive_loss, check_hardest_negative,
                                   check_triplet_loss)


def triplet(a, p, n, margin, *, squared=False, hinge=True, reduce="mean"):
    d_ap, d_an = (a - p).norm(dim=1), (a - n).norm(dim=1)
    if squared:
        d_ap, d_an = d_ap ** 2, d_an ** 2
    terms = d_ap - d_an + margin
    terms = terms.clamp(min=0) if hinge else terms
    return terms.mean() if reduce == "mean" else terms.sum()


def test_check_triplet_loss():
    assert check_triplet_loss(triplet).passed
    assert check_triplet_loss(lambda *a: float(triplet(*a))).passed
    result = check_triplet_loss(lambda *a: triplet(*a, hinge=False))
    assert not result and "negative loss" in result.message and "hinge" in result.hint
    result = check_triplet_loss(lambda *a: triplet(*a, squared=True))
    assert not result and "squared" in result.message
    result = check_triplet_loss(lambda *a: triplet(*a, reduce="sum"))
    assert not result and "summing" in result.hint
    result = check_triplet_loss(lambda a, p, n, m: triplet(a, n, p, m))
    assert not result
    result = check_triplet_loss(lambda a, p, n, m: (a - p).norm(dim=1) - (a - n).norm(dim=1))
    assert not result and "one number" in result.message


def contrastive(z1, z2, same, margin, *, half=True, swap=False, hinge=True, squared_margin=False):
    same = 1 - same if swap else same
    d = (z1 - z2).norm(dim=1)
    push = margin - d ** 2 if squared_margin else margin - d
    push = push.clamp(min=0) if hinge else push
    push = push if squared_margin else push ** 2
    loss = (same * d ** 2 + (1 - same) * push).mean()
    return loss / 2 if half else loss


def test_check_contrastive_loss():
    assert check_contrastive_loss(contrastive).passed
    result = check_contrastive_loss(lambda *a: contrastive(*a, half=False))
    assert not result and "1/2" in result.hint
    result = check_contrastive_loss(lambda *a: contrastive(*a, swap=True))
    assert not result and "swapped" in result.message
    result = check_contrastive_loss(lambda *a: contrastive(*a, hinge=False))
    assert not result and "still pushed" in result.message
    result = check_contrastive_loss(lambda *a: contrastive(*a, squared_margin=True))
    assert not result and "squared distance" in result.message


def hardest(z, y, *, mask_same=True, farthest=False):
    d = torch.cdist(z, z)
    if mask_same:
        d = d.masked_fill(y[:, None] == y[None, :], -float("inf") if farthest else float("inf"))
    return d.argmax(1) if farthest else d.argmin(1)


def test_check_hardest_negative():
    assert check_hardest_negative(hardest).passed
    result = check_hardest_negative(lambda z, y: hardest(z, y, mask_same=False))
    assert not result and "own negative" in result.message
    result = check_hardest_negative(lambda z, y: hardest(z, y, farthest=True))
    assert not result and "farthest" in result.message

    def masks_only_self(z, y):
        d = torch.cdist(z, z) + torch.diag(torch.full((len(z),), float("inf")))
        return d.argmin(1)

    result = check_hardest_negative(masks_only_self)
    assert not result and "own label" in result.message
