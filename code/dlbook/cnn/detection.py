"""Object detection from scratch: box overlap, a single-shot grid detector, NMS and mAP.

Boxes are ``(x0, y0, x1, y1)`` in pixels with ``x1`` and ``y1`` exclusive (the
convention of :func:`dlbook.shapes.make_shapes`), so a box's width is
``x1 - x0``, with no "+1". The detector follows YOLO (Redmon et al., 2016): an
``S x S`` grid over the image, where every cell predicts whether an object's
centre falls in it, where in the cell that centre lies, the object's size and
its class. Chapter: *Detection and segmentation*.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._args import (check_binary, check_choice, check_float, check_int, check_labels, check_sequence,
                     check_shape, check_tensor)

# One cell of the grid target holds: objectness, x and y offset of the centre in
# the cell, square roots of width and height as fractions of the image, class.
TARGET_FIELDS = ("objectness", "x", "y", "sqrt_w", "sqrt_h", "class")


def _check_boxes(name: str, boxes: torch.Tensor) -> torch.Tensor:
    check_tensor(name, boxes, ndim=2, floating=True)
    if boxes.shape[1] != 4:
        raise ValueError(f"{name} must have shape (N, 4) as (x0, y0, x1, y1), got "
                         f"{tuple(boxes.shape)}")
    if not torch.isfinite(boxes).all():
        raise ValueError(f"{name} must be finite")
    if (boxes[:, 2] < boxes[:, 0]).any() or (boxes[:, 3] < boxes[:, 1]).any():
        raise ValueError(f"{name} must satisfy x1 >= x0 and y1 >= y0 in every row")
    return boxes


def _check_scores(name: str, scores: torch.Tensor, boxes_name: str, n: int) -> None:
    check_tensor(name, scores, ndim=1, floating=True, finite=True)
    if len(scores) != n:
        raise ValueError(f"{name} must have one entry per box of {boxes_name}: "
                         f"{len(scores)} for {n}")


def box_area(boxes: torch.Tensor) -> torch.Tensor:
    """Areas of ``(N, 4)`` boxes ``(x0, y0, x1, y1)``. Chapter: *Detection and segmentation*."""
    _check_boxes("boxes", boxes)
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def box_iou(boxes_a: torch.Tensor, boxes_b: torch.Tensor) -> torch.Tensor:
    """Intersection over union of every box in ``boxes_a`` with every box in ``boxes_b``.

    ``boxes_a`` is ``(N, 4)``, ``boxes_b`` is ``(M, 4)``, both ``(x0, y0, x1, y1)``;
    the result is ``(N, M)``. Two boxes of zero area have IoU 0.
    Chapter: *Detection and segmentation*.
    """
    _check_boxes("boxes_a", boxes_a)
    _check_boxes("boxes_b", boxes_b)
    a, b = boxes_a[:, None, :], boxes_b[None, :, :]
    # Clamp width and height separately: two negative overlaps would multiply
    # to a positive "intersection" for boxes that are apart in both directions.
    w = (torch.minimum(a[..., 2], b[..., 2]) - torch.maximum(a[..., 0], b[..., 0])).clamp(min=0)
    h = (torch.minimum(a[..., 3], b[..., 3]) - torch.maximum(a[..., 1], b[..., 1])).clamp(min=0)
    inter = w * h
    union = box_area(boxes_a)[:, None] + box_area(boxes_b)[None, :] - inter
    return torch.where(union > 0, inter / union.clamp(min=torch.finfo(union.dtype).tiny),
                       torch.zeros_like(union))


def nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float = 0.5,
        classes: torch.Tensor | None = None) -> torch.Tensor:
    """Greedy non-maximum suppression; returns the indices kept, best score first.

    Repeatedly keep the highest-scoring remaining box and drop every remaining
    box whose IoU with it is above ``iou_threshold``. With ``classes``, boxes
    only suppress boxes of their own class (per-class NMS). Same semantics as
    ``torchvision.ops.nms`` and ``batched_nms``. Chapter: *Detection and segmentation*.
    """
    _check_boxes("boxes", boxes)
    _check_scores("scores", scores, "boxes", len(boxes))
    iou_threshold = check_float("iou_threshold", iou_threshold, minimum=0.0, maximum=1.0)
    if classes is not None:
        check_labels("classes", classes)
        if len(classes) != len(boxes):
            raise ValueError(f"classes must have one entry per box: {len(classes)} "
                             f"classes for {len(boxes)} boxes")
    order = torch.argsort(scores, descending=True, stable=True)
    iou = box_iou(boxes, boxes)
    if classes is not None:  # boxes of different classes never suppress each other
        iou = iou * (classes[:, None] == classes[None, :])
    suppressed = torch.zeros(len(boxes), dtype=torch.bool)
    keep = []
    for i in order.tolist():
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= iou[i] > iou_threshold
    return torch.tensor(keep, dtype=torch.int64)


def match_detections(pred_boxes: torch.Tensor, pred_scores: torch.Tensor,
                     true_boxes: torch.Tensor, iou_threshold: float = 0.5) -> torch.Tensor:
    """Mark each prediction of one class in one image as a true or false positive.

    Predictions are taken best score first; each is compared with the
    ground-truth box it overlaps most, and is a true positive when that IoU is
    at least ``iou_threshold`` and no better-scored prediction has claimed that
    box. A second detection of an already matched object is a false positive
    (PASCAL VOC rules). Returns a bool tensor, one entry per prediction, in the
    input order. Chapter: *Detection and segmentation*.
    """
    _check_boxes("pred_boxes", pred_boxes)
    _check_boxes("true_boxes", true_boxes)
    _check_scores("pred_scores", pred_scores, "pred_boxes", len(pred_boxes))
    iou_threshold = check_float("iou_threshold", iou_threshold, minimum=0.0, maximum=1.0)
    tp = torch.zeros(len(pred_boxes), dtype=torch.bool)
    if len(true_boxes) == 0 or len(pred_boxes) == 0:
        return tp
    iou = box_iou(pred_boxes, true_boxes)
    taken = torch.zeros(len(true_boxes), dtype=torch.bool)
    for i in torch.argsort(pred_scores, descending=True, stable=True).tolist():
        best = int(iou[i].argmax())
        if iou[i, best] >= iou_threshold and not taken[best]:
            tp[i] = taken[best] = True
    return tp


def precision_recall(scores: torch.Tensor, is_tp: torch.Tensor,
                     num_true: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Precision and recall after each detection, taken in order of decreasing score.

    ``scores`` and ``is_tp`` hold one entry per detection (of one class, over
    all images); ``num_true`` is the number of ground-truth objects of that
    class. Chapter: *Detection and segmentation*.
    """
    check_tensor("scores", scores, ndim=1, floating=True, finite=True)
    check_binary("is_tp", is_tp)
    if len(is_tp) != len(scores):
        raise ValueError(f"is_tp must have one entry per score, got {len(is_tp)} "
                         f"for {len(scores)} scores")
    num_true = check_int("num_true", num_true, minimum=0)
    if int(is_tp.sum()) > num_true:
        raise ValueError(f"is_tp has {int(is_tp.sum())} true positives but num_true "
                         f"is only {num_true}")
    order = torch.argsort(scores, descending=True, stable=True)
    tp = is_tp[order].double().cumsum(0)
    ranks = torch.arange(1, len(scores) + 1, dtype=torch.float64)
    recall = tp / num_true if num_true > 0 else torch.zeros_like(tp)
    return tp / ranks, recall


def average_precision(scores: torch.Tensor, is_tp: torch.Tensor, num_true: int) -> float:
    """Area under the interpolated precision-recall curve (VOC, all points).

    Precision is first made monotone (each point takes the largest precision at
    any higher recall), then summed over the recall steps. AP is 0 when there is
    nothing to find or nothing was found right. Chapter: *Detection and segmentation*.
    """
    precision, recall = precision_recall(scores, is_tp, num_true)
    if num_true == 0 or len(scores) == 0:
        return 0.0
    r = torch.cat([torch.zeros(1, dtype=torch.float64), recall])
    p = torch.cat([precision, torch.zeros(1, dtype=torch.float64)])
    p = torch.flip(torch.cummax(torch.flip(p, [0]), 0).values, [0])  # envelope
    return float(((r[1:] - r[:-1]) * p[:-1]).sum())


def mean_average_precision(pred_boxes: list[torch.Tensor], pred_scores: list[torch.Tensor],
                           pred_classes: list[torch.Tensor], true_boxes: list[torch.Tensor],
                           true_classes: list[torch.Tensor], num_classes: int,
                           iou_threshold: float = 0.5) -> tuple[float, torch.Tensor]:
    """Mean over classes of the average precision, with one list entry per image.

    Returns the mAP and the ``(num_classes,)`` APs; a class with no ground-truth
    object in any image gets NaN and is left out of the mean.
    Chapter: *Detection and segmentation*.
    """
    num_classes = check_int("num_classes", num_classes, minimum=1)
    iou_threshold = check_float("iou_threshold", iou_threshold, minimum=0.0, maximum=1.0)
    _check_images_detections(pred_boxes, pred_scores, pred_classes, true_boxes,
                             true_classes, num_classes)
    aps = torch.full((num_classes,), float("nan"), dtype=torch.float64)
    for c in range(num_classes):
        scores, hits, num_true = [], [], 0
        for pb, ps, pc, tb, tc in zip(pred_boxes, pred_scores, pred_classes,
                                      true_boxes, true_classes):
            mine, theirs = pc == c, tc == c
            num_true += int(theirs.sum())
            scores.append(ps[mine])
            hits.append(match_detections(pb[mine], ps[mine], tb[theirs], iou_threshold))
        if num_true > 0:
            aps[c] = average_precision(torch.cat(scores).double(), torch.cat(hits),
                                       num_true)
    present = ~torch.isnan(aps)
    return (float(aps[present].mean()) if present.any() else 0.0), aps


def _check_images_detections(pred_boxes, pred_scores, pred_classes, true_boxes,
                             true_classes, num_classes: int) -> None:
    """The per-image lists of :func:`mean_average_precision`, entry by entry."""
    lists = {"pred_boxes": pred_boxes, "pred_scores": pred_scores,
             "pred_classes": pred_classes, "true_boxes": true_boxes,
             "true_classes": true_classes}
    for name, value in lists.items():
        check_sequence(name, value, nonempty=False)
        if len(value) != len(pred_boxes):
            raise ValueError(f"{name} must have one entry per image: {len(value)} "
                             f"entries, {len(pred_boxes)} in pred_boxes")
    for i, (pb, ps, pc, tb, tc) in enumerate(zip(*lists.values())):
        _check_boxes(f"pred_boxes[{i}]", pb)
        _check_boxes(f"true_boxes[{i}]", tb)
        _check_scores(f"pred_scores[{i}]", ps, f"pred_boxes[{i}]", len(pb))
        for name, labels, boxes in (("pred", pc, pb), ("true", tc, tb)):
            if len(check_labels(f"{name}_classes[{i}]", labels, num_classes)) != len(boxes):
                raise ValueError(f"{name}_classes[{i}] must have one entry per box of "
                                 f"{name}_boxes[{i}], got {len(labels)} for {len(boxes)}")


def encode_grid(boxes: list[torch.Tensor], classes: list[torch.Tensor], *,
                image_size: int, grid: int) -> torch.Tensor:
    """Turn each image's boxes and classes into a ``(grid, grid, 6)`` target.

    The cell that holds a box's centre gets objectness 1, the centre's offset
    inside the cell (in [0, 1)), the square roots of the box's width and height
    as fractions of ``image_size``, and the class. Other cells are all zero. If
    two centres fall in one cell, the first box wins (``make_shapes`` lists the
    largest first). Returns ``(N, grid, grid, 6)``; the fields are ``TARGET_FIELDS``.
    Chapter: *Detection and segmentation*.
    """
    image_size, grid = _check_annotations(boxes, classes, image_size, grid)
    cell = image_size / grid
    target = torch.zeros(len(boxes), grid, grid, 6)
    for n, (b, c) in enumerate(zip(boxes, classes)):
        for (x0, y0, x1, y1), k in zip(b.tolist(), c.tolist()):
            cx, cy = (x0 + x1) / 2 / cell, (y0 + y1) / 2 / cell  # the centre, in cells
            i, j = min(int(cy), grid - 1), min(int(cx), grid - 1)  # its cell: row, column
            if target[n, i, j, 0] == 1:  # taken by an earlier box
                continue
            target[n, i, j] = torch.tensor([1.0, cx - j, cy - i,
                                            ((x1 - x0) / image_size) ** 0.5,
                                            ((y1 - y0) / image_size) ** 0.5, float(k)])
    return target


def _check_annotations(boxes, classes, image_size: int, grid: int) -> tuple[int, int]:
    """The arguments of :func:`encode_grid`: boxes inside the image, integer classes."""
    image_size = check_int("image_size", image_size, minimum=1)
    grid = check_int("grid", grid, minimum=1, maximum=image_size)
    check_sequence("boxes", boxes, nonempty=False)
    check_sequence("classes", classes, nonempty=False)
    if len(boxes) != len(classes):
        raise ValueError(f"classes must have one entry per image: {len(classes)} for "
                         f"{len(boxes)} images in boxes")
    for n, (b, c) in enumerate(zip(boxes, classes)):
        _check_boxes(f"boxes[{n}]", b)
        if len(b) and (b.min() < 0 or b.max() > image_size):
            raise ValueError(f"boxes[{n}] must lie inside the image, in [0, {image_size}]")
        if len(check_labels(f"classes[{n}]", c)) != len(b):
            raise ValueError(f"classes[{n}] must have one entry per box in boxes[{n}]")
    return image_size, grid


def _cells_to_boxes(xy: torch.Tensor, sqrt_wh: torch.Tensor, image_size: int) -> torch.Tensor:
    """``(..., S, S, 2)`` cell offsets and root sizes to ``(..., S, S, 4)`` pixel boxes."""
    grid = xy.shape[-2]
    cell = image_size / grid
    rows, cols = torch.meshgrid(torch.arange(grid), torch.arange(grid), indexing="ij")
    cx = (cols + xy[..., 0]) * cell
    cy = (rows + xy[..., 1]) * cell
    w, h = sqrt_wh[..., 0] ** 2 * image_size, sqrt_wh[..., 1] ** 2 * image_size
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=-1)


def decode_grid(target: torch.Tensor, *, image_size: int
                ) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Invert :func:`encode_grid`: the boxes and classes of every image's occupied cells.

    Chapter: *Detection and segmentation*.
    """
    check_tensor("target", target, ndim=4, floating=True, finite=True)
    if target.shape[-1] != 6 or target.shape[1] != target.shape[2]:
        raise ValueError(f"target must have shape (N, S, S, 6), got {tuple(target.shape)}")
    image_size = check_int("image_size", image_size, minimum=1)
    all_boxes = _cells_to_boxes(target[..., 1:3], target[..., 3:5], image_size)
    boxes, classes = [], []
    for t, b in zip(target, all_boxes):
        occupied = t[..., 0] > 0.5
        boxes.append(b[occupied])
        classes.append(t[..., 5][occupied].long())
    return boxes, classes


class GridDetector(nn.Module):
    """A small single-shot detector: a convolutional backbone and a 1x1 prediction head.

    A strided convolution and ``downsamples - 1`` max-pooling stages shrink the
    image by ``2 ** downsamples``, so a 48-pixel image with 3 stages gives a
    6 x 6 grid. The output is
    ``(N, S, S, 5 + num_classes)`` raw scores: objectness logit, x and y logits
    (a sigmoid puts the centre inside the cell), width and height logits (a
    sigmoid gives the square root of the size as a fraction of the image) and
    class logits. Chapter: *Detection and segmentation*.
    """

    def __init__(self, num_classes: int, *, in_channels: int = 3, width: int = 16,
                 downsamples: int = 3):
        super().__init__()
        self.num_classes = check_int("num_classes", num_classes, minimum=1)
        in_channels = check_int("in_channels", in_channels, minimum=1)
        width = check_int("width", width, minimum=1)
        downsamples = check_int("downsamples", downsamples, minimum=1, maximum=6)

        def conv(c_in: int, c_out: int, stride: int = 1) -> list[nn.Module]:
            return [nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
                    nn.BatchNorm2d(c_out), nn.ReLU()]

        # The first stage halves the image with a strided convolution, which is
        # cheaper than convolving at full resolution and then pooling.
        layers = conv(in_channels, width, stride=2)
        channels = width
        for stage in range(1, downsamples):
            out = width * 2 ** min(stage, 2)
            layers += conv(channels, out) + [nn.MaxPool2d(2)]
            channels = out
        layers += conv(channels, channels) + conv(channels, channels)
        self.backbone = nn.Sequential(*layers)
        self.head = nn.Conv2d(channels, 5 + self.num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        first = self.backbone[0]  # the first convolution
        check_shape("x", x, ("N", first.in_channels, "H", "W"), dtype=first.weight.dtype)
        return self.head(self.backbone(x)).permute(0, 2, 3, 1)


def detection_loss(output: torch.Tensor, target: torch.Tensor, *,
                   box_weight: float = 5.0) -> torch.Tensor:
    """Objectness BCE on every cell plus box regression and class CE on occupied cells.

    ``output`` is a :class:`GridDetector`'s ``(N, S, S, 5 + C)``, ``target`` an
    :func:`encode_grid` ``(N, S, S, 6)``. Terms are summed over cells and averaged
    over images; ``box_weight`` scales the squared error of the box. Chapter:
    *Detection and segmentation*.
    """
    check_tensor("output", output, ndim=4, floating=True)
    _check_grid_target(target, output)
    box_weight = check_float("box_weight", box_weight, minimum=0.0)
    n = len(output)
    obj = target[..., 0]
    occupied = obj > 0.5
    loss_obj = F.binary_cross_entropy_with_logits(output[..., 0], obj, reduction="sum")
    box = torch.sigmoid(output[..., 1:5][occupied])
    loss_box = ((box - target[..., 1:5][occupied]) ** 2).sum()
    loss_cls = F.cross_entropy(output[..., 5:][occupied], target[..., 5][occupied].long(),
                               reduction="sum")
    return (loss_obj + box_weight * loss_box + loss_cls) / n


def _check_grid_target(target: torch.Tensor, output: torch.Tensor) -> None:
    """An :func:`encode_grid` target that fits ``output``, with valid fields."""
    check_tensor("target", target, ndim=4, floating=True, finite=True)
    if output.shape[:3] != target.shape[:3] or target.shape[-1] != 6 \
            or output.shape[-1] < 6:
        raise ValueError(f"output (N, S, S, 5 + C) and target (N, S, S, 6) do not fit: "
                         f"{tuple(output.shape)} and {tuple(target.shape)}")
    obj, cls = target[..., 0], target[..., 5][target[..., 0] > 0.5]
    if not bool(((obj == 0) | (obj == 1)).all()):
        raise ValueError("target's objectness (field 0) must be 0 or 1")
    if not bool(((cls == cls.round()) & (cls >= 0) & (cls < output.shape[-1] - 5)).all()):
        raise ValueError(f"target's classes (field 5) must be class indices in "
                         f"0..{output.shape[-1] - 6} for this output")


@torch.no_grad()
def decode_predictions(output: torch.Tensor, *, image_size: int,
                       score_threshold: float = 0.05, iou_threshold: float | None = 0.5
                       ) -> tuple[list[torch.Tensor], list[torch.Tensor], list[torch.Tensor]]:
    """Boxes, scores and classes a :class:`GridDetector`'s output predicts, per image.

    A cell's score is its objectness probability times its top class
    probability; cells below ``score_threshold`` are dropped, and per-class
    :func:`nms` with ``iou_threshold`` removes duplicates (``None`` skips it).
    Chapter: *Detection and segmentation*.
    """
    check_tensor("output", output, ndim=4, floating=True, finite=True)
    if output.shape[1] != output.shape[2] or output.shape[-1] < 6:
        raise ValueError(f"output must have shape (N, S, S, 5 + C), got "
                         f"{tuple(output.shape)}")
    image_size = check_int("image_size", image_size, minimum=1)
    score_threshold = check_float("score_threshold", score_threshold, minimum=0.0,
                                  maximum=1.0)
    if iou_threshold is not None:
        iou_threshold = check_float("iou_threshold", iou_threshold, minimum=0.0,
                                    maximum=1.0)
    out = output.detach().float().cpu()
    boxes = _cells_to_boxes(torch.sigmoid(out[..., 1:3]), torch.sigmoid(out[..., 3:5]),
                            image_size).clamp(0, image_size)
    class_prob, cls = torch.softmax(out[..., 5:], dim=-1).max(dim=-1)
    scores = torch.sigmoid(out[..., 0]) * class_prob
    result: tuple[list, list, list] = ([], [], [])
    for b, s, c in zip(boxes, scores, cls):
        keep = s > score_threshold
        b, s, c = b[keep], s[keep], c[keep]
        if iou_threshold is not None and len(s):
            kept = nms(b, s, iou_threshold, classes=c)
            b, s, c = b[kept], s[kept], c[kept]
        for part, value in zip(result, (b, s, c)):
            part.append(value)
    return result


def draw_boxes(ax, boxes: torch.Tensor, classes: torch.Tensor | None = None,
               scores: torch.Tensor | None = None, *, class_names=None, class_colors=None,
               color: str = "#E69F00", linestyle: str = "-", linewidth: float = 1.5,
               fontsize: float = 7):
    """Draw ``(N, 4)`` boxes on a matplotlib axis, labelled with class and score.

    With ``class_colors`` (one colour per class) and ``classes``, each box takes
    its class's colour; otherwise all boxes are drawn in ``color``.
    Chapter: *Detection and segmentation*.
    """
    from matplotlib.patches import Rectangle

    classes, scores = _check_drawing(ax, boxes, classes, scores, class_names, class_colors,
                                     color, linestyle, linewidth, fontsize)
    for k, (x0, y0, x1, y1) in enumerate(boxes.tolist()):
        c = int(classes[k]) if classes is not None else None
        edge = class_colors[c] if class_colors is not None and c is not None else color
        # Pixel (i, j) covers [j, j + 1) x [i, i + 1), and imshow centres it on (j, i).
        ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False,
                               edgecolor=edge, linestyle=linestyle, linewidth=linewidth))
        text = []
        if c is not None:
            text.append(str(class_names[c]) if class_names is not None else str(c))
        if scores is not None:
            text.append(f"{float(scores[k]):.2f}")
        if text:
            ax.text(x0 - 0.5, y0 - 1.0, " ".join(text), color="white", fontsize=fontsize,
                    va="bottom", ha="left", clip_on=True,
                    bbox=dict(facecolor=edge, edgecolor="none", pad=0.8, alpha=0.9))
    return ax


def _numbers(name: str, value) -> torch.Tensor:
    """A tensor, array or list of numbers as a 1-d tensor."""
    if not isinstance(value, (torch.Tensor, np.ndarray, list, tuple)):
        raise TypeError(f"{name} must be a tensor or a list of numbers, got "
                        f"{type(value).__name__}")
    try:
        return check_tensor(name, torch.as_tensor(value), ndim=1)
    except (TypeError, RuntimeError) as err:
        raise TypeError(f"{name} must hold numbers: {err}") from None


def _check_drawing(ax, boxes, classes, scores, class_names, class_colors, color, linestyle,
                   linewidth, fontsize):
    """The arguments of :func:`draw_boxes`; returns classes and scores as tensors."""
    from matplotlib.colors import is_color_like
    from matplotlib.lines import lineStyles

    if not callable(getattr(ax, "add_patch", None)):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    _check_boxes("boxes", boxes)
    if classes is not None:
        classes = check_labels("classes", _numbers("classes", classes))
        for name, table in (("class_names", class_names), ("class_colors", class_colors)):
            if table is not None and len(classes) and int(classes.max()) >= len(
                    check_sequence(name, table)):
                raise ValueError(f"{name} must have an entry for every class in classes, "
                                 f"up to {int(classes.max())}")
    if scores is not None:
        scores = _numbers("scores", scores)
    for name, values in (("classes", classes), ("scores", scores)):
        if values is not None and len(values) != len(boxes):
            raise ValueError(f"{name} must have one entry per box: {len(values)} for "
                             f"{len(boxes)} boxes")
    for name, colors in (("color", [color]), ("class_colors", class_colors or [])):
        if not all(is_color_like(c) for c in colors):
            raise ValueError(f"{name} must be matplotlib colours, got {colors!r}")
    check_choice("linestyle", linestyle, [*lineStyles, "solid", "dashed", "dashdot", "dotted"])
    check_float("linewidth", linewidth, minimum=0.0)
    check_float("fontsize", fontsize, minimum=0.0, strict_min=True)
    return classes, scores
