"""Tests of dlbook.cnn.detection: IoU, NMS, AP/mAP, grid encoding, the detector and its loss."""

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook.cnn.detection import (GridDetector, average_precision, box_area, box_iou,
                              decode_grid, decode_predictions, detection_loss,
                              encode_grid, match_detections, mean_average_precision, nms,
                              precision_recall)
from dlbook.shapes import make_shapes

T = torch.tensor


def boxes_strategy(min_size=1, max_size=6):
    coord = st.floats(-50, 50, allow_nan=False, width=32)
    side = st.floats(0.5, 30, allow_nan=False, width=32)
    box = st.tuples(coord, coord, side, side).map(lambda b: [b[0], b[1], b[0] + b[2],
                                                              b[1] + b[3]])
    return st.lists(box, min_size=min_size, max_size=max_size).map(
        lambda bs: torch.tensor(bs, dtype=torch.float64))


# ---------------------------------------------------------------- IoU

def test_iou_hand_cases():
    a = T([[0.0, 0, 2, 2]])
    assert box_iou(a, T([[5.0, 5, 7, 7]])).item() == 0  # disjoint in both directions
    assert box_iou(a, T([[0.0, 5, 2, 7]])).item() == 0  # disjoint in one direction
    assert box_iou(a, T([[2.0, 0, 4, 2]])).item() == 0  # touching edges share no area
    assert box_iou(a, a.clone()).item() == 1
    # shifted by half a width: intersection 2, union 4 + 4 - 2 = 6
    assert box_iou(a, T([[1.0, 0, 3, 2]])).item() == pytest.approx(1 / 3)
    # half of the box inside the other: 8 / 16
    assert box_iou(T([[0.0, 0, 4, 4]]), T([[0.0, 0, 2, 4]])).item() == pytest.approx(0.5)
    # diagonal shift by 1 in both directions: 1 / 7 (no "+1" pixel convention)
    assert box_iou(a, T([[1.0, 1, 3, 3]])).item() == pytest.approx(1 / 7)


def test_iou_shape_and_empty():
    a, b = torch.rand(3, 2) * 10, torch.rand(5, 2) * 10
    A = torch.cat([a, a + 1 + torch.rand(3, 2)], 1)
    B = torch.cat([b, b + 1 + torch.rand(5, 2)], 1)
    assert box_iou(A, B).shape == (3, 5)
    assert box_iou(A[:0], B).shape == (0, 5)
    zero = T([[1.0, 1, 1, 1]])
    assert box_iou(zero, zero).item() == 0  # zero-area boxes do not overlap
    assert torch.allclose(box_area(A), (A[:, 2] - A[:, 0]) * (A[:, 3] - A[:, 1]))


@settings(max_examples=60, deadline=None)
@given(boxes_strategy(), boxes_strategy(), st.floats(-100, 100), st.floats(-100, 100))
def test_iou_properties(a, b, dx, dy):
    iou = box_iou(a, b)
    assert ((iou >= 0) & (iou <= 1 + 1e-12)).all()
    assert torch.allclose(iou, box_iou(b, a).T)
    shift = torch.tensor([dx, dy, dx, dy], dtype=torch.float64)
    assert torch.allclose(box_iou(a + shift, b + shift), iou, atol=1e-9)
    assert torch.allclose(box_iou(a * 3, b * 3), iou, atol=1e-9)
    assert torch.allclose(box_iou(a, a).diagonal(), torch.ones(len(a), dtype=a.dtype))


def test_iou_bad_inputs():
    good = T([[0.0, 0, 1, 1]])
    with pytest.raises(ValueError, match="boxes_a"):
        box_iou(T([[2.0, 0, 1, 1]]), good)  # x1 < x0
    with pytest.raises(ValueError, match="boxes_b"):
        box_iou(good, T([[0.0, 2, 1, 1]]))  # y1 < y0
    with pytest.raises(ValueError, match="boxes_b"):
        box_iou(good, T([[0.0, 0, 1]]))
    with pytest.raises(ValueError, match="boxes_a"):
        box_iou(T([0.0, 0, 1, 1]), good)
    with pytest.raises(TypeError, match="boxes_a"):
        box_iou([[0, 0, 1, 1]], good)
    with pytest.raises(ValueError, match="boxes_a"):
        box_iou(T([[0.0, 0, float("nan"), 1]]), good)


# ---------------------------------------------------------------- NMS

def reference_nms(boxes, scores, threshold, classes=None):
    """Straightforward greedy NMS, torchvision's semantics, written as plainly as possible."""
    remaining = sorted(range(len(boxes)), key=lambda i: -float(scores[i]))
    keep = []
    while remaining:
        best = remaining.pop(0)
        keep.append(best)
        remaining = [i for i in remaining
                     if (classes is not None and classes[i] != classes[best])
                     or box_iou(boxes[best:best + 1], boxes[i:i + 1]).item() <= threshold]
    return keep


def test_nms_hand_case():
    boxes = T([[0.0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 9]])
    scores = T([0.8, 0.9, 0.7, 0.6])
    # box 1 wins; box 0 overlaps it with IoU 81/119 > 0.5; box 3 overlaps box 1 with
    # IoU 72/118 > 0.5; box 2 is far away
    assert nms(boxes, scores, 0.5).tolist() == [1, 2]
    # with a looser threshold box 0 and box 3 survive box 1, then box 3 falls to box 0
    assert nms(boxes, scores, 0.7).tolist() == [1, 0, 2]
    assert nms(boxes, scores, 1.0).tolist() == [1, 0, 2, 3]  # nothing suppressed
    assert nms(boxes, scores, 0.0).tolist() == [1, 2]  # any overlap suppresses


def test_nms_per_class_and_empty():
    boxes = T([[0.0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 10, 10]])
    scores = T([0.9, 0.8, 0.7])
    classes = T([0, 1, 0])
    assert nms(boxes, scores, 0.5).tolist() == [0]
    assert nms(boxes, scores, 0.5, classes=classes).tolist() == [0, 1]
    assert nms(boxes[:0], scores[:0], 0.5).tolist() == []


@settings(max_examples=60, deadline=None)
@given(boxes_strategy(1, 12), st.floats(0.0, 1.0), st.integers(0, 2**31 - 1))
def test_nms_invariants(boxes, threshold, seed):
    g = torch.Generator().manual_seed(seed)
    scores = torch.rand(len(boxes), generator=g, dtype=torch.float64)
    classes = torch.randint(0, 3, (len(boxes),), generator=g)
    keep = nms(boxes, scores, threshold)
    assert keep.tolist() == reference_nms(boxes, scores, threshold)
    assert int(keep[0]) == int(scores.argmax())  # the top box always survives
    assert (scores[keep][:-1] >= scores[keep][1:]).all()  # best first
    iou = box_iou(boxes[keep], boxes[keep])
    assert (iou.triu(1) <= threshold + 1e-12).all()  # survivors pairwise below
    # every suppressed box overlaps a better kept box above the threshold
    dropped = sorted(set(range(len(boxes))) - set(keep.tolist()))
    for i in dropped:
        assert (box_iou(boxes[i:i + 1], boxes[keep])[0] > threshold).any()
    per_class = nms(boxes, scores, threshold, classes=classes)
    assert per_class.tolist() == reference_nms(boxes, scores, threshold, classes.tolist())
    merged = torch.cat([torch.nonzero(classes == c).flatten()[
        nms(boxes[classes == c], scores[classes == c], threshold)] for c in range(3)])
    assert sorted(merged.tolist()) == sorted(per_class.tolist())


def test_nms_bad_inputs():
    boxes, scores = T([[0.0, 0, 1, 1]]), T([0.5])
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="iou_threshold"):
            nms(boxes, scores, bad)
    with pytest.raises(ValueError, match="scores"):
        nms(boxes, T([0.5, 0.2]), 0.5)
    with pytest.raises(ValueError, match="classes"):
        nms(boxes, scores, 0.5, classes=T([0, 1]))
    with pytest.raises(ValueError, match="boxes"):
        nms(T([[1.0, 0, 0, 1]]), scores, 0.5)


# ---------------------------------------------------------------- AP and mAP

def test_match_detections_counts_duplicates_as_false_positives():
    truth = T([[0.0, 0, 10, 10]])
    preds = T([[0.0, 0, 10, 10], [0.0, 0, 10, 9], [50, 50, 60, 60]])
    tp = match_detections(preds, T([0.5, 0.9, 0.8]), truth, 0.5)
    assert tp.tolist() == [False, True, False]  # the better-scored duplicate wins


def test_average_precision_hand_case():
    # ranks:      1     2     3     4      with 3 objects to find
    # hit:        yes   no    yes   no
    # precision:  1     1/2   2/3   1/2
    # recall:     1/3   1/3   2/3   2/3
    # interpolated precision at the two recall steps: 1 and 2/3
    scores, tp = T([0.9, 0.8, 0.7, 0.6]), T([True, False, True, False])
    precision, recall = precision_recall(scores, tp, 3)
    assert torch.allclose(precision, T([1, 1 / 2, 2 / 3, 1 / 2], dtype=torch.float64))
    assert torch.allclose(recall, T([1 / 3, 1 / 3, 2 / 3, 2 / 3], dtype=torch.float64))
    assert average_precision(scores, tp, 3) == pytest.approx(1 / 3 + 1 / 3 * 2 / 3)
    # input order does not matter, only the scores
    perm = T([2, 0, 3, 1])
    assert average_precision(scores[perm], tp[perm], 3) == pytest.approx(5 / 9)
    # the envelope: a late hit raises the precision of earlier recall levels
    assert average_precision(T([0.9, 0.8, 0.7]), T([False, True, True]), 2) == \
        pytest.approx(2 / 3)


def test_average_precision_extremes():
    assert average_precision(T([0.9, 0.1]), T([True, True]), 2) == 1.0
    assert average_precision(T([0.9, 0.1]), T([False, False]), 2) == 0.0
    assert average_precision(T([0.9]), T([True]), 2) == 0.5  # half the objects found
    assert average_precision(T([]), T([], dtype=torch.bool), 3) == 0.0
    with pytest.raises(ValueError, match="num_true"):
        average_precision(T([0.9, 0.8]), T([True, True]), 1)
    with pytest.raises(ValueError, match="is_tp"):
        precision_recall(T([0.9, 0.8]), T([True]), 1)


def test_mean_average_precision_perfect_none_and_missing_class():
    scenes = make_shapes(12, size=32, max_shapes=3, seed=3)
    scores = [torch.linspace(1, 0.5, len(b)) for b in scenes.boxes]
    mAP, aps = mean_average_precision(list(scenes.boxes), scores, list(scenes.classes),
                                      list(scenes.boxes), list(scenes.classes), 5)
    assert mAP == 1.0
    assert math.isnan(aps[4])  # no object of class 4 anywhere: left out of the mean
    wrong = [(c + 1) % 4 for c in scenes.classes]
    assert mean_average_precision(list(scenes.boxes), scores, wrong, list(scenes.boxes),
                                  list(scenes.classes), 4)[0] == 0.0
    shifted = [b + 40 for b in scenes.boxes]
    assert mean_average_precision(shifted, scores, list(scenes.classes),
                                  list(scenes.boxes), list(scenes.classes), 4)[0] == 0.0
    with pytest.raises(ValueError, match="pred_scores"):
        mean_average_precision(list(scenes.boxes), scores[:-1], list(scenes.classes),
                               list(scenes.boxes), list(scenes.classes), 4)
    with pytest.raises(ValueError, match="iou_threshold"):
        mean_average_precision(list(scenes.boxes), scores, list(scenes.classes),
                               list(scenes.boxes), list(scenes.classes), 4, 1.5)


def test_mean_average_precision_hand_case():
    # one class, two images, three objects; detections ranked hit, miss, hit
    truth = [T([[0.0, 0, 10, 10], [20, 20, 30, 30]]), T([[0.0, 0, 8, 8]])]
    preds = [T([[0.0, 0, 10, 10], [40, 40, 50, 50]]), T([[0.0, 0, 8, 8]])]
    scores = [T([0.9, 0.8]), T([0.7])]
    pred_classes = [torch.zeros(2, dtype=torch.long), torch.zeros(1, dtype=torch.long)]
    true_classes = [torch.zeros(2, dtype=torch.long), torch.zeros(1, dtype=torch.long)]
    mAP, _ = mean_average_precision(preds, scores, pred_classes, truth, true_classes, 1)
    assert mAP == pytest.approx(1 / 3 + 1 / 3 * 2 / 3)


# ---------------------------------------------------------------- grid encoding

def test_encode_decode_round_trip():
    scenes = make_shapes(40, size=48, max_shapes=3, seed=5)
    target = encode_grid(scenes.boxes, scenes.classes, image_size=48, grid=6)
    assert target.shape == (40, 6, 6, 6)
    boxes, classes = decode_grid(target, image_size=48)
    for b, c, tb, tc in zip(boxes, classes, scenes.boxes, scenes.classes):
        # cells come out in row-major order: compare as sets of rows
        order = torch.argsort(tb[:, 0] * 1000 + tb[:, 1])
        got = torch.argsort(b[:, 0] * 1000 + b[:, 1])
        assert torch.allclose(b[got], tb[order], atol=1e-4)
        assert torch.equal(c[got], tc[order])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 60), st.floats(0, 60), st.floats(1, 30),
                          st.floats(1, 30), st.integers(0, 3)), min_size=1, max_size=1),
       st.sampled_from([1, 2, 4, 8]))
def test_encode_decode_round_trip_any_box(rows, grid):
    x0, y0, w, h, k = rows[0]
    box = T([[x0, y0, min(x0 + w, 64.0), min(y0 + h, 64.0)]])
    target = encode_grid([box], [T([k])], image_size=64, grid=grid)
    assert ((target[..., 1:3] >= 0) & (target[..., 1:3] < 1 + 1e-6)).all()
    boxes, classes = decode_grid(target, image_size=64)
    assert torch.allclose(boxes[0], box, atol=1e-3)
    assert classes[0].tolist() == [k]


def test_encode_first_box_wins_a_shared_cell():
    boxes = [T([[0.0, 0, 10, 10], [1.0, 1, 9, 9]])]
    target = encode_grid(boxes, [T([2, 3])], image_size=48, grid=6)
    assert target[..., 0].sum() == 1 and target[0, 0, 0, 5] == 2


def test_encode_bad_inputs():
    with pytest.raises(ValueError, match="classes"):
        encode_grid([T([[0.0, 0, 4, 4]])], [T([1, 2])], image_size=48, grid=6)
    with pytest.raises(ValueError, match="grid"):
        encode_grid([T([[0.0, 0, 4, 4]])], [T([1])], image_size=48, grid=0)
    with pytest.raises(ValueError, match="boxes"):
        encode_grid([T([[5.0, 0, 4, 4]])], [T([1])], image_size=48, grid=6)
    with pytest.raises(ValueError, match="target"):
        decode_grid(torch.zeros(2, 6, 6, 5), image_size=48)


# ---------------------------------------------------------------- detector and loss

def perfect_logits(target, num_classes):
    """Detector outputs that decode to exactly the boxes of ``target``."""
    out = torch.zeros(*target.shape[:3], 5 + num_classes)
    out[..., 0] = torch.where(target[..., 0] > 0.5, 20.0, -20.0)
    out[..., 1:5] = torch.logit(target[..., 1:5].clamp(1e-6, 1 - 1e-6))
    out[..., 5:] = 20 * F.one_hot(target[..., 5].long(), num_classes)
    return out


def test_detector_shapes():
    for size, downsamples in ((48, 3), (64, 3), (32, 2)):
        model = GridDetector(4, width=4, downsamples=downsamples)
        s = size // 2 ** downsamples
        assert model(torch.rand(2, 3, size, size)).shape == (2, s, s, 9)


def test_decode_predictions_recovers_the_truth():
    scenes = make_shapes(10, size=48, max_shapes=3, seed=7)
    target = encode_grid(scenes.boxes, scenes.classes, image_size=48, grid=6)
    boxes, scores, classes = decode_predictions(perfect_logits(target, 4), image_size=48)
    truth, truth_classes = decode_grid(target, image_size=48)
    for b, s, c, tb, tc in zip(boxes, scores, classes, truth, truth_classes):
        assert (s > 0.99).all()
        assert torch.allclose(box_iou(b, tb).max(1).values, torch.ones(len(b)), atol=1e-3)
        assert sorted(c.tolist()) == sorted(tc.tolist())
    mAP, _ = mean_average_precision(boxes, scores, classes, list(scenes.boxes),
                                    list(scenes.classes), 4)
    assert mAP == pytest.approx(1.0)


def test_detection_loss_hand_computed():
    torch.manual_seed(0)
    scenes = make_shapes(3, size=48, max_shapes=3, seed=2)
    target = encode_grid(scenes.boxes, scenes.classes, image_size=48, grid=6)
    out = torch.randn(3, 6, 6, 9, dtype=torch.float64, requires_grad=True)
    target = target.double()
    loss = detection_loss(out, target, box_weight=2.0)
    expected = 0.0
    for n in range(3):
        for i in range(6):
            for j in range(6):
                o, t = out[n, i, j], target[n, i, j]
                p = torch.sigmoid(o[0])
                expected = expected - (t[0] * torch.log(p) + (1 - t[0]) * torch.log(1 - p))
                if t[0] == 1:
                    expected = expected + 2.0 * ((torch.sigmoid(o[1:5]) - t[1:5]) ** 2).sum()
                    expected = expected - torch.log_softmax(o[5:], 0)[int(t[5])]
    assert torch.allclose(loss, expected / 3)
    g1, = torch.autograd.grad(loss, out)
    g2, = torch.autograd.grad(expected / 3, out)
    assert torch.allclose(g1, g2)
    perfect = detection_loss(perfect_logits(target.float(), 4), target.float())
    assert perfect < 1e-3


def test_detection_loss_bad_inputs():
    with pytest.raises(ValueError, match="output"):
        detection_loss(torch.zeros(2, 6, 6, 9), torch.zeros(2, 5, 5, 6))
    with pytest.raises(ValueError, match="box_weight"):
        detection_loss(torch.zeros(2, 6, 6, 9), torch.zeros(2, 6, 6, 6), box_weight=-1)
    with pytest.raises(ValueError, match="iou_threshold"):
        decode_predictions(torch.zeros(1, 6, 6, 9), image_size=48, iou_threshold=2.0)
