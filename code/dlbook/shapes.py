"""Synthetic scenes of coloured shapes, with class labels, boxes and pixel masks.

A seeded generator stands in for a photo dataset with annotations: every scene
holds one or more shapes (circle, square, triangle, cross) at random positions,
scales and rotations, in random colours, on a noisy background. Because the
scenes are drawn, their boxes and masks are exact. Chapters: *Architectures*,
*Augmentation and transfer*, *Detection and segmentation*.

``make_captioned_scenes`` draws scenes of two shapes in named colours, one above or
to the left of the other, each with its caption ("a red circle above a blue
square"). Chapter: *Vision transformers, CLIP and captioning*.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch

from ._args import check_float, check_int

SHAPE_CLASSES = ("circle", "square", "triangle", "cross")


class ShapeScenes(NamedTuple):
    """A batch of scenes and their annotations.

    ``images``: ``(N, 3, S, S)`` floats in [0, 1]. ``labels``: ``(N,)`` class of
    each scene's first (largest) shape. ``boxes``: one ``(k, 4)`` float tensor per
    scene, ``(x0, y0, x1, y1)`` in pixels, the tight box of each shape's visible
    pixels, ``x1`` and ``y1`` exclusive. ``classes``: one ``(k,)`` int64 tensor per
    scene. ``masks``: ``(N, S, S)`` int64, 0 for background and ``1 + class`` for
    shape pixels. ``instances``: ``(N, S, S)`` int64, 0 for background and ``1 + i``
    for the pixels of the scene's shape ``i``.
    """

    images: torch.Tensor
    labels: torch.Tensor
    boxes: list[torch.Tensor]
    classes: list[torch.Tensor]
    masks: torch.Tensor
    instances: torch.Tensor


def _inside(kind: int, u: np.ndarray, v: np.ndarray, r: float) -> np.ndarray:
    """Pixels inside a shape of circumradius ``r`` in its own rotated frame."""
    name = SHAPE_CLASSES[kind]
    if name == "circle":
        return u ** 2 + v ** 2 <= r ** 2
    if name == "square":
        h = r / math.sqrt(2)
        return (np.abs(u) <= h) & (np.abs(v) <= h)
    if name == "triangle":
        inside = np.ones_like(u, dtype=bool)
        for k in range(3):  # three half-planes of an equilateral triangle
            a = math.pi / 2 + 2 * math.pi * k / 3
            inside &= u * math.cos(a) + v * math.sin(a) >= -r / 2
        return inside
    w = r / 3  # cross
    return ((np.abs(u) <= r) & (np.abs(v) <= w)) | ((np.abs(u) <= w) & (np.abs(v) <= r))


def make_shapes(n: int, *, size: int = 32, max_shapes: int = 1,
                min_scale: float = 0.2, max_scale: float = 0.4, noise: float = 0.05,
                seed: int = 0) -> ShapeScenes:
    """Draw ``n`` scenes of ``size`` x ``size`` pixels with 1 to ``max_shapes`` shapes.

    Scale is a shape's circumradius as a fraction of the image size. Shapes in a
    scene overlap little (boxes with IoU below 0.2); a later shape covers an
    earlier one where they do. The same ``seed`` gives the same scenes.
    """
    n = check_int("n", n, minimum=1)
    size = check_int("size", size, minimum=16)
    max_shapes = check_int("max_shapes", max_shapes, minimum=1, maximum=8)
    min_scale = check_float("min_scale", min_scale, minimum=0.05, maximum=0.5)
    max_scale = check_float("max_scale", max_scale, minimum=min_scale, maximum=0.5)
    noise = check_float("noise", noise, minimum=0.0, maximum=0.5)
    seed = check_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:size, 0:size] + 0.5
    images = np.empty((n, 3, size, size), np.float32)
    masks = np.zeros((n, size, size), np.int64)
    instances = np.zeros((n, size, size), np.int64)
    boxes, classes, labels = [], [], np.empty(n, np.int64)
    for i in range(n):
        background = rng.uniform(0.0, 0.35)
        img = background + rng.normal(0, noise, (3, size, size))
        k = rng.integers(1, max_shapes + 1)
        radii = np.sort(rng.uniform(min_scale, max_scale, k) * size)[::-1]
        placed: list[tuple[float, float, float, float]] = []
        scene_classes = []
        for r in radii:
            for _ in range(50):  # rejection sampling of positions that overlap little
                cx, cy = rng.uniform(r, size - r, 2)
                box = (cx - r, cy - r, cx + r, cy + r)
                if all(_box_iou(box, b) < 0.2 for b in placed):
                    break
            else:
                continue
            kind = int(rng.integers(len(SHAPE_CLASSES)))
            angle = rng.uniform(0, 2 * math.pi)
            c, s = math.cos(angle), math.sin(angle)
            u = (xs - cx) * c + (ys - cy) * s
            v = -(xs - cx) * s + (ys - cy) * c
            inside = _inside(kind, u, v, r)
            colour = rng.uniform(0.45, 1.0, 3) * (rng.permutation([1.0, 1.0, 0.3]))
            img[:, inside] = colour[:, None] + rng.normal(0, noise, (3, inside.sum()))
            masks[i][inside] = kind + 1
            instances[i][inside] = len(placed) + 1
            placed.append(box)
            scene_classes.append(kind)
        images[i] = np.clip(img, 0, 1)
        scene_boxes, kept = [], []
        for j, kind in enumerate(scene_classes):
            rows, cols = np.nonzero(instances[i] == j + 1)
            if len(rows) == 0:  # wholly covered by a later shape
                continue
            scene_boxes.append([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1])
            kept.append(kind)
        boxes.append(torch.tensor(scene_boxes, dtype=torch.float32).reshape(-1, 4))
        classes.append(torch.tensor(kept, dtype=torch.int64))
        labels[i] = scene_classes[0]
    return ShapeScenes(torch.from_numpy(images), torch.from_numpy(labels), boxes, classes,
                       torch.from_numpy(masks), torch.from_numpy(instances))


def _box_iou(a, b) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


# --- Captioned two-shape scenes (chapter *Vision transformers, CLIP and captioning*) ----

COLOUR_NAMES = ("red", "green", "blue", "yellow")
_COLOUR_RGB = np.array([[0.95, 0.15, 0.10], [0.10, 0.80, 0.15],
                        [0.20, 0.35, 1.00], [0.95, 0.90, 0.10]], np.float32)
RELATIONS = ("above", "to the left of")


class CaptionedScenes(NamedTuple):
    """Two-shape scenes and their captions.

    ``images``: ``(N, 3, S, S)`` floats in [0, 1]. ``combos``: ``(N, 5)`` int64,
    each row ``(colour1, shape1, relation, colour2, shape2)`` indexing
    :data:`COLOUR_NAMES`, :data:`SHAPE_CLASSES` and :data:`RELATIONS`.
    ``captions``: ``N`` strings such as ``"a red circle above a blue square"``.
    """

    images: torch.Tensor
    combos: torch.Tensor
    captions: list[str]


def scene_combos() -> torch.Tensor:
    """Every ``(colour1, shape1, relation, colour2, shape2)`` whose two objects
    (colour and shape) differ: ``(M, 5)`` int64, in lexicographic order.
    Chapter: *Vision transformers, CLIP and captioning*."""
    objects = [(c, s) for c in range(len(COLOUR_NAMES)) for s in range(len(SHAPE_CLASSES))]
    return torch.tensor([(*a, r, *b) for a in objects for r in range(len(RELATIONS))
                         for b in objects if a != b], dtype=torch.int64)


def scene_caption(combo: torch.Tensor) -> str:
    """The caption of one combo, a tensor ``(colour1, shape1, relation, colour2,
    shape2)``, e.g. ``"a red circle above a blue square"``.
    Chapter: *Vision transformers, CLIP and captioning*."""
    if isinstance(combo, torch.Tensor) and combo.ndim != 1:
        raise ValueError(f"combo must be one row of 5 indices, got shape {tuple(combo.shape)}")
    c1, s1, r, c2, s2 = _check_combos(combo[None] if isinstance(combo, torch.Tensor)
                                      else combo, "combo")[0].tolist()
    return (f"a {COLOUR_NAMES[c1]} {SHAPE_CLASSES[s1]} {RELATIONS[r]} "
            f"a {COLOUR_NAMES[c2]} {SHAPE_CLASSES[s2]}")


def make_captioned_scenes(combos: torch.Tensor, *, size: int = 32, min_scale: float = 0.13,
                          max_scale: float = 0.18, noise: float = 0.05,
                          seed: int = 0) -> CaptionedScenes:
    """Draw one scene for each row of ``combos`` (``(N, 5)``, see :func:`scene_combos`).

    The first shape sits above the second (relation 0) or to its left
    (relation 1): along that axis the two do not overlap, and across it they
    are offset by less than half as much, so the caption is the only right one.
    Shapes are turned by up to 15 degrees and coloured by name with a little
    jitter, on a noisy dark background. Same ``seed``, same scenes.
    Chapter: *Vision transformers, CLIP and captioning*.
    """
    combos = _check_combos(combos, "combos")
    size = check_int("size", size, minimum=16)
    min_scale = check_float("min_scale", min_scale, minimum=0.05, maximum=0.2)
    max_scale = check_float("max_scale", max_scale, minimum=min_scale, maximum=0.2)
    noise = check_float("noise", noise, minimum=0.0, maximum=0.5)
    seed = check_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:size, 0:size] + 0.5
    images = np.empty((len(combos), 3, size, size), np.float32)
    for i, (c1, s1, rel, c2, s2) in enumerate(combos.tolist()):
        img = rng.uniform(0.0, 0.3) + rng.normal(0, noise, (3, size, size))
        r1, r2 = rng.uniform(min_scale, max_scale, 2) * size
        while True:  # rejection sampling of two centres in the relation
            (x1, y1), (x2, y2) = rng.uniform(r1, size - r1, 2), rng.uniform(r2, size - r2, 2)
            along, across = (y2 - y1, x2 - x1) if rel == 0 else (x2 - x1, y2 - y1)
            if along >= r1 + r2 + 1 and abs(across) <= along / 2:
                break
        for colour, kind, r, cx, cy in ((c1, s1, r1, x1, y1), (c2, s2, r2, x2, y2)):
            angle = rng.uniform(-1, 1) * math.radians(15)
            c, s = math.cos(angle), math.sin(angle)
            inside = _inside(kind, (xs - cx) * c + (ys - cy) * s,
                             -(xs - cx) * s + (ys - cy) * c, r)
            rgb = _COLOUR_RGB[colour] + rng.uniform(-0.08, 0.08, 3)
            img[:, inside] = rgb[:, None] + rng.normal(0, noise, (3, inside.sum()))
        images[i] = np.clip(img, 0, 1)
    return CaptionedScenes(torch.from_numpy(images), combos.clone(),
                           [scene_caption(c) for c in combos])


def _check_combos(combos, name: str) -> torch.Tensor:
    if not isinstance(combos, torch.Tensor):
        raise TypeError(f"{name} must be a tensor of (colour1, shape1, relation, colour2, "
                        f"shape2) rows, got {type(combos).__name__}")
    if combos.ndim != 2 or combos.shape[1] != 5 or combos.dtype.is_floating_point \
            or combos.dtype == torch.bool or len(combos) == 0:
        raise ValueError(f"{name} must be a non-empty integer tensor of shape (N, 5), "
                         f"got {combos.dtype} {tuple(combos.shape)}")
    highs = torch.tensor([len(COLOUR_NAMES), len(SHAPE_CLASSES), len(RELATIONS),
                          len(COLOUR_NAMES), len(SHAPE_CLASSES)])
    if bool(((combos < 0) | (combos >= highs)).any()):
        raise ValueError(f"{name}: each row must index (colour < {len(COLOUR_NAMES)}, "
                         f"shape < {len(SHAPE_CLASSES)}, relation < {len(RELATIONS)}, "
                         f"colour, shape)")
    return combos.long()
