"""Checks for the exercises of the chapter *Detection and segmentation*.

Each check runs the reader's function on inputs that expose a usual mistake
and says which one it found, without giving the answer away::

    from dlbook.checks.detection_segmentation import check_box_iou
    check_box_iou(my_box_iou)
"""

from __future__ import annotations

from typing import Callable

import torch

from ..cnn.detection import box_iou, nms
from ..cnn.segmentation import pixel_iou
from . import (CheckResult, as_number, as_tensor, call_answer, compare_tensors, failed, passed,
               require_callable)

T = torch.tensor


def _iou_variant(a: torch.Tensor, b: torch.Tensor, *, plus_one: bool = False,
                 clamp: bool = True, union: str = "right") -> torch.Tensor:
    """IoU computed with one of the usual mistakes, to name the reader's."""
    extra = 1.0 if plus_one else 0.0
    a, b = a[:, None, :], b[None, :, :]
    w = torch.minimum(a[..., 2], b[..., 2]) - torch.maximum(a[..., 0], b[..., 0]) + extra
    h = torch.minimum(a[..., 3], b[..., 3]) - torch.maximum(a[..., 1], b[..., 1]) + extra
    inter = w.clamp(min=0) * h.clamp(min=0) if clamp else w * h
    area_a = (a[..., 2] - a[..., 0] + extra) * (a[..., 3] - a[..., 1] + extra)
    area_b = (b[..., 2] - b[..., 0] + extra) * (b[..., 3] - b[..., 1] + extra)
    total = {"right": area_a + area_b - inter, "sum": area_a + area_b,
             "max": torch.maximum(area_a, area_b)}[union]
    return inter / total


def check_box_iou(fn: Callable) -> CheckResult:
    """Check a reader's ``box_iou(boxes_a, boxes_b)``: ``(N, 4)`` and ``(M, 4)`` to ``(N, M)``."""
    name = "box_iou"
    require_callable("fn", fn)
    a = T([[0.0, 0, 4, 4], [10, 10, 14, 18]])
    b = T([[2.0, 2, 6, 6], [0, 0, 4, 4], [30, 30, 33, 31]])
    got, problem = call_answer(name, fn, a, b)
    if problem is not None:
        return problem
    got = as_tensor(got)
    if isinstance(got, torch.Tensor) and got.shape != (2, 3):
        return failed(name, f"for 2 and 3 boxes the result has shape {tuple(got.shape)}, "
                      "expected (2, 3)", "compare every box of the first set with every "
                      "box of the second: index with [:, None] and [None, :] to broadcast.")
    want = box_iou(a, b)
    if not isinstance(got, torch.Tensor):
        return compare_tensors(name, got, want)
    got = got.detach().double()
    if abs(got[0, 1] - 1) > 1e-5:
        if abs(got[0, 1] - 0.5) < 1e-5:
            return failed(name, "two identical boxes get IoU 0.5 instead of 1",
                          "the union counts the overlap twice: subtract the "
                          "intersection from the sum of the two areas.")
        return failed(name, "two identical boxes do not get IoU 1", "")
    far, problem = call_answer(name, fn, T([[0.0, 0, 2, 2]]), T([[5.0, 5, 8, 9]]))
    if problem is not None:
        return problem
    far = as_tensor(far)
    if not isinstance(far, torch.Tensor) or far.numel() != 1:
        return failed(name, "one box against one box should give a (1, 1) tensor", "")
    if float(far) != 0.0:
        return failed(name, f"two boxes far apart get IoU {float(far):.3g}, expected 0",
                      "when boxes do not overlap, the 'width' and 'height' of the "
                      "overlap come out negative, and two negatives multiply to a "
                      "positive area: clamp each of them at zero.")
    side, problem = call_answer(name, fn, T([[0.0, 0, 2, 2]]), T([[0.0, 5, 2, 7]]))
    if problem is not None:
        return problem
    side = as_tensor(side)
    if as_number(side) is None:
        return failed(name, "one box against one box should give a (1, 1) tensor", "")
    if as_number(side) != 0.0:
        return failed(name, f"boxes apart in one direction get IoU {as_number(side):.3g}, "
                      "expected 0", "clamp the overlap's width and height at zero.")
    for variant, message, hint in (
            (dict(plus_one=True), "your IoU adds one pixel to every width and height",
             "in this book boxes have continuous coordinates with x1 exclusive, so a "
             "box is x1 - x0 wide, with no '+ 1'."),
            (dict(union="sum"), "your union is the sum of the two areas",
             "the overlap belongs to both boxes: subtract it once."),
            (dict(union="max"), "your union is the larger of the two areas",
             "the union is area(A) + area(B) - area(A and B).")):
        if torch.allclose(got, _iou_variant(a, b, **variant).double(), atol=1e-5) and \
                not torch.allclose(got, want.double(), atol=1e-5):
            return failed(name, message, hint)
    wrong = compare_tensors(name, got, want.double(), atol=1e-5)
    if wrong is not None:
        return wrong
    g = torch.Generator().manual_seed(0)
    corners = torch.rand(20, 2, generator=g) * 40
    boxes = torch.cat([corners, corners + 1 + torch.rand(20, 2, generator=g) * 20], 1)
    got, problem = call_answer(name, fn, boxes[:8], boxes[8:])
    if problem is not None:
        return problem
    wrong = compare_tensors(name, got, box_iou(boxes[:8], boxes[8:]), atol=1e-5,
                            what="the IoU of random boxes")
    if wrong is not None:
        return wrong
    return passed(name, "identical, overlapping, touching and disjoint boxes all come "
                  "out right.")


def _as_index_set(check: str, got) -> tuple[set[int] | None, CheckResult | None]:
    if isinstance(got, torch.Tensor):
        got = got.flatten().tolist()
    try:
        values = [int(v) for v in got]
    except (TypeError, ValueError):
        return None, failed(check, "the result should be the indices of the kept boxes "
                            f"(a tensor or a list of ints), got {type(got).__name__}", "")
    if len(set(values)) != len(values):
        return None, failed(check, "the result lists a box more than once",
                            "each kept box appears once.")
    return set(values), None


def check_nms(fn: Callable) -> CheckResult:
    """Check a reader's per-class ``nms(boxes, scores, classes, iou_threshold)``.

    The function returns the indices of the boxes it keeps, in any order.
    """
    name = "nms"
    require_callable("fn", fn)

    def run(boxes, scores, classes, threshold):
        got, problem = call_answer(name, fn, T(boxes), T(scores), T(classes), threshold)
        if problem is not None:
            return None, problem
        return _as_index_set(name, got)

    # The best box comes last in the input.
    kept, problem = run([[0.0, 0, 10, 10], [20, 20, 30, 30], [1, 1, 11, 11]],
                        [0.6, 0.7, 0.9], [0, 0, 0], 0.5)
    if problem is not None:
        return problem
    if kept == {0, 1}:
        return failed(name, "a lower-scoring box suppressed a better one that overlaps it",
                      "visit the boxes in order of decreasing score, not in the order "
                      "they are given.")
    if kept != {1, 2}:
        return failed(name, "three boxes, two of which overlap, do not come out right",
                      "keep the best box, drop the boxes that overlap it, repeat.")
    # Two overlapping boxes of different classes both survive.
    kept, problem = run([[0.0, 0, 10, 10], [1, 1, 11, 11]], [0.9, 0.8], [0, 1], 0.5)
    if problem is not None:
        return problem
    if kept == {0}:
        return failed(name, "a box suppressed an overlapping box of another class",
                      "a cat and a dog may stand in the same place: only compare boxes "
                      "of the same class.")
    if kept != {0, 1}:
        return failed(name, "two overlapping boxes of different classes should both "
                      "be kept", "")
    # A chain: A overlaps B, B overlaps C, A and C are apart.
    kept, problem = run([[0.0, 0, 10, 10], [4, 0, 14, 10], [8, 0, 18, 10]],
                        [0.9, 0.8, 0.7], [0, 0, 0], 0.3)
    if problem is not None:
        return problem
    if kept == {0}:
        return failed(name, "a box that was already suppressed went on to suppress "
                      "another box", "only the boxes you keep may suppress others.")
    if kept != {0, 2}:
        return failed(name, "a chain of three overlapping boxes does not come out right",
                      "keep the best remaining box, then drop what overlaps it.")
    # IoU exactly at the threshold: 50 / 100 when sharing half of a 10 x 10 box
    kept, problem = run([[0.0, 0, 10, 10], [0, 0, 10, 5]], [0.9, 0.8], [0, 0], 0.5)
    if problem is not None:
        return problem
    if kept == {0}:
        return failed(name, "a box whose IoU equals the threshold was suppressed",
                      "suppress only when the IoU is strictly above the threshold.")
    g = torch.Generator().manual_seed(1)
    for trial in range(5):
        corners = torch.rand(25, 2, generator=g) * 50
        boxes = torch.cat([corners, corners + 5 + torch.rand(25, 2, generator=g) * 20], 1)
        scores = torch.rand(25, generator=g)
        classes = torch.randint(0, 3, (25,), generator=g)
        threshold = [0.1, 0.3, 0.5, 0.7, 0.9][trial]
        kept, problem = run(boxes.tolist(), scores.tolist(), classes.tolist(), threshold)
        if problem is not None:
            return problem
        want = set(nms(boxes, scores, threshold, classes=classes).tolist())
        if kept != want:
            return failed(name, f"on 25 random boxes with threshold {threshold} you keep "
                          f"{len(kept)} boxes, expected {len(want)}", "")
    return passed(name, "order by score, per-class suppression and chains of "
                  "overlaps are all right.")


def check_mean_iou(fn: Callable) -> CheckResult:
    """Check a reader's ``mean_iou(pred, target, num_classes)`` of label maps."""
    name = "mean_iou"
    require_callable("fn", fn)

    def run(pred, target, k):
        got, problem = call_answer(name, fn, pred, target, k)
        if problem is not None:
            return None, problem
        if as_number(got) is None:
            return None, failed(name, "the result should be a number (a float or a "
                                f"one-element tensor), got {type(got).__name__}", "")
        return as_number(got), None

    pred = T([[[0, 0], [1, 1]], [[2, 2], [0, 0]]])
    target = T([[[0, 1], [1, 1]], [[2, 0], [0, 0]]])
    got, problem = run(pred, target, 4)  # class 3 nowhere
    if problem is not None:
        return problem
    iou = pixel_iou(pred, target, 4)
    want = float(iou[~torch.isnan(iou)].mean())
    if abs(got - want) < 1e-6:
        pass
    elif abs(got - float(torch.nan_to_num(iou, 0.0).mean())) < 1e-6:
        return failed(name, "a class that is neither present nor predicted pulls the "
                      "mean down", "such a class has no IoU (0 / 0): leave it out of "
                      "the mean.")
    elif abs(got - float(torch.nan_to_num(iou, 1.0).mean())) < 1e-6:
        return failed(name, "a class that is neither present nor predicted counts as "
                      "a perfect 1", "such a class has no IoU (0 / 0): leave it out of "
                      "the mean.")
    elif abs(got - float((pred == target).double().mean())) < 1e-6:
        return failed(name, "you computed the pixel accuracy",
                      "IoU is per class: pixels in both / pixels in either.")
    else:
        per_image = [pixel_iou(p, t, 4) for p, t in zip(pred, target)]
        per_image_mean = float(torch.stack([v[~torch.isnan(v)].mean()
                                            for v in per_image]).mean())
        if abs(got - per_image_mean) < 1e-6:
            return failed(name, "you average the IoU image by image",
                          "count the pixels of each class over all images first, then "
                          "divide: small images with few pixels should not weigh as "
                          "much as the rest.")
        return failed(name, f"on a small hand case the mean IoU is off by "
                      f"{abs(got - want):.3g}", "for each class: pixels labelled c in "
                      "both maps / pixels labelled c in either map.")
    g = torch.Generator().manual_seed(2)
    pred, target = torch.randint(0, 5, (2, 3, 16, 16), generator=g)
    got, problem = run(pred, target, 5)
    if problem is not None:
        return problem
    want = float(pixel_iou(pred, target, 5).nanmean())
    if abs(got - want) > 1e-6:
        return failed(name, f"on random label maps the mean IoU is off by "
                      f"{abs(got - want):.3g}", "")
    return passed(name, "absent classes are left out and pixels pooled over images.")
