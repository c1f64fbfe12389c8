"""The checks of the chapter *Detection and segmentation* pass right answers and
name the usual mistakes."""

import torch

from dlbook.checks.detection_segmentation import check_box_iou, check_mean_iou, check_nms


# ---------------------------------------------------------------- IoU answers

def iou_right(a, b):
    a, b = a[:, None], b[None]
    w = (torch.minimum(a[..., 2], b[..., 2]) - torch.maximum(a[..., 0], b[..., 0])).clamp(min=0)
    h = (torch.minimum(a[..., 3], b[..., 3]) - torch.maximum(a[..., 1], b[..., 1])).clamp(min=0)
    inter = w * h
    area = lambda x: (x[..., 2] - x[..., 0]) * (x[..., 3] - x[..., 1])  # noqa: E731
    return inter / (area(a) + area(b) - inter)


def iou_no_clamp(a, b):
    a, b = a[:, None], b[None]
    w = torch.minimum(a[..., 2], b[..., 2]) - torch.maximum(a[..., 0], b[..., 0])
    h = torch.minimum(a[..., 3], b[..., 3]) - torch.maximum(a[..., 1], b[..., 1])
    inter = w * h
    area = lambda x: (x[..., 2] - x[..., 0]) * (x[..., 3] - x[..., 1])  # noqa: E731
    return inter / (area(a) + area(b) - inter)


def iou_plus_one(a, b):
    a, b = a[:, None], b[None]
    w = torch.minimum(a[..., 2], b[..., 2]) - torch.maximum(a[..., 0], b[..., 0]) + 1
    h = torch.minimum(a[..., 3], b[..., 3]) - torch.maximum(a[..., 1], b[..., 1]) + 1
    inter = w.clamp(min=0) * h.clamp(min=0)
    area = lambda x: (x[..., 2] - x[..., 0] + 1) * (x[..., 3] - x[..., 1] + 1)  # noqa: E731
    return inter / (area(a) + area(b) - inter)


def iou_sum_union(a, b):
    a, b = a[:, None], b[None]
    w = (torch.minimum(a[..., 2], b[..., 2]) - torch.maximum(a[..., 0], b[..., 0])).clamp(min=0)
    h = (torch.minimum(a[..., 3], b[..., 3]) - torch.maximum(a[..., 1], b[..., 1])).clamp(min=0)
    area = lambda x: (x[..., 2] - x[..., 0]) * (x[..., 3] - x[..., 1])  # noqa: E731
    return w * h / (area(a) + area(b))


def iou_elementwise(a, b):
    return torch.ones(len(a))


def test_check_box_iou():
    assert check_box_iou(iou_right).passed
    result = check_box_iou(iou_no_clamp)
    assert not result and "far apart" in result.message and "clamp" in result.hint
    result = check_box_iou(iou_plus_one)
    assert not result and "one pixel" in result.message
    result = check_box_iou(iou_sum_union)
    assert not result and "0.5 instead of 1" in result.message
    result = check_box_iou(iou_elementwise)
    assert not result and "shape" in result.message
    result = check_box_iou(lambda a, b: 1 / 0)
    assert not result and "ZeroDivisionError" in result.message


# ---------------------------------------------------------------- NMS answers

def _nms(boxes, scores, classes, threshold, *, sort=True, per_class=True, strict=True,
         suppressed_suppress=False):
    order = torch.argsort(scores, descending=True).tolist() if sort else list(range(len(boxes)))
    keep, dead = [], set()
    for pos, i in enumerate(order):
        if i in dead and not suppressed_suppress:
            continue
        if i not in dead:
            keep.append(i)
        for j in order[pos + 1:]:
            if per_class and classes[j] != classes[i]:
                continue
            iou = float(iou_right(boxes[i:i + 1], boxes[j:j + 1]))
            if iou > threshold or (not strict and iou == threshold):
                dead.add(j)
    return torch.tensor(keep)


def test_check_nms():
    assert check_nms(_nms).passed
    assert check_nms(lambda *a: _nms(*a).tolist()[::-1]).passed  # any order, lists too
    result = check_nms(lambda *a: _nms(*a, sort=False))
    assert not result and "decreasing score" in result.hint
    result = check_nms(lambda *a: _nms(*a, per_class=False))
    assert not result and "another class" in result.message
    result = check_nms(lambda *a: _nms(*a, suppressed_suppress=True))
    assert not result and "already suppressed" in result.message
    result = check_nms(lambda *a: _nms(*a, strict=False))
    assert not result and "equals the threshold" in result.message
    result = check_nms(lambda *a: torch.tensor([0, 0]))
    assert not result and "more than once" in result.message


# ---------------------------------------------------------------- mean IoU answers

def miou_right(pred, target, k):
    ious = []
    for c in range(k):
        inter = ((pred == c) & (target == c)).sum()
        union = ((pred == c) | (target == c)).sum()
        if union > 0:
            ious.append(float(inter) / float(union))
    return sum(ious) / len(ious)


def miou_zero_for_absent(pred, target, k):
    total = 0.0
    for c in range(k):
        union = ((pred == c) | (target == c)).sum()
        total += float(((pred == c) & (target == c)).sum()) / float(union) if union else 0.0
    return total / k


def miou_per_image(pred, target, k):
    return sum(miou_right(p, t, k) for p, t in zip(pred, target)) / len(pred)


def test_check_mean_iou():
    assert check_mean_iou(miou_right).passed
    result = check_mean_iou(miou_zero_for_absent)
    assert not result and "pulls the mean down" in result.message
    result = check_mean_iou(miou_per_image)
    assert not result and "image by image" in result.message
    result = check_mean_iou(lambda p, t, k: (p == t).float().mean())
    assert not result and "pixel accuracy" in result.message
