"""Checks for the code exercises of the chapter *Augmentation and transfer learning*.

Each check runs the reader's function on inputs chosen to expose one typical
mistake at a time (the wrong axis flipped, box corners reflected but not
swapped, an off-by-one with exclusive coordinates, labels mixed with other
weights than the images) and says which one it found, without printing the
expected values.
"""

from __future__ import annotations

from typing import Callable

import torch

from . import (CheckResult, as_tensor, call_answer, compare_tensors, failed, passed,
               require_callable)


def _pair_result(name: str, got) -> tuple[tuple | None, CheckResult | None]:
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return None, failed(name, f"your function should return a pair (images, boxes), got "
                            f"{type(got).__name__}", "return two tensors: the flipped "
                            "images and the moved boxes.")
    return tuple(got), None


# ---------------------------------------------------------------------------
# Horizontal flip with boxes
# ---------------------------------------------------------------------------


def _scene(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Images 10 high and 16 wide (not square), each with one bright box on noise."""
    n, h, w = 4, 10, 16
    images = 0.3 * torch.rand(n, 3, h, w, generator=gen)
    boxes = torch.tensor([[1.0, 2.0, 6.0, 5.0], [9.0, 0.0, 16.0, 4.0],
                          [0.0, 3.0, 3.0, 10.0], [5.0, 4.0, 12.0, 9.0]])
    for img, (x0, y0, x1, y1) in zip(images, boxes.long()):
        img[:, y0:y1, x0:x1] = 0.9
    return images, boxes


def check_hflip_with_boxes(fn: Callable) -> CheckResult:
    """Check ``fn(images, boxes) -> (images, boxes)``.

    ``images`` is ``(N, C, H, W)``; ``boxes`` is ``(N, 4)`` in pixels as
    ``(x0, y0, x1, y1)`` with ``x1`` and ``y1`` exclusive. The answer mirrors
    every image left to right and moves every box with it.
    """
    name = "check_hflip_with_boxes"
    require_callable("fn", fn)
    images, boxes = _scene(torch.Generator().manual_seed(0))
    w = images.shape[-1]
    got, problem = call_answer(name, fn, images.clone(), boxes.clone())
    if problem is not None:
        return problem
    got, problem = _pair_result(name, got)
    if problem is not None:
        return problem
    got_images, got_boxes = (as_tensor(t) for t in got)
    if isinstance(got_images, torch.Tensor) and got_images.shape == images.shape:
        for dims, axis in (((2,), "the height (rows)"), ((1,), "the channels"),
                           ((0,), "the batch"), ((2, 3), "both height and width")):
            if torch.equal(got_images, images.flip(dims)):
                return failed(name, f"your images are flipped along {axis}",
                              "a horizontal flip reverses the width axis only, the last "
                              "axis of (N, C, H, W).")
        if torch.equal(got_images, images):
            return failed(name, "your images are not flipped")
    problem = compare_tensors(name, got_images, images.flip(-1), what="the flipped images")
    if problem is not None:
        return problem
    want = torch.stack([w - boxes[:, 2], boxes[:, 1], w - boxes[:, 0], boxes[:, 3]], 1)
    if isinstance(got_boxes, torch.Tensor) and got_boxes.shape == boxes.shape:
        got_boxes = got_boxes.to(boxes.dtype)
        if torch.equal(got_boxes, boxes):
            return failed(name, "your boxes did not move with the images",
                          "each box's x coordinates must be reflected too.")
        if not torch.equal(got_boxes[:, [1, 3]], boxes[:, [1, 3]]):
            return failed(name, "your boxes' y coordinates changed",
                          "a horizontal flip moves things left and right only.")
        if torch.equal(got_boxes[:, [0, 2]], w - boxes[:, [0, 2]]):
            return failed(name, "your boxes have x0 > x1: the reflected left edge became "
                          "the right edge", "after reflecting, swap x0 and x1.")
        if torch.equal(got_boxes[:, [0, 2]], w - 1 - boxes[:, [2, 0]]):
            return failed(name, "your boxes are off by one pixel",
                          "x1 is exclusive: a box that starts at column 0 and ends at "
                          "column w (exclusive) covers the whole width and must stay "
                          "where it is.")
        if torch.equal(got_boxes[:, [0, 2]], images.shape[-2] - boxes[:, [2, 0]]):
            return failed(name, "your boxes are reflected with the image height",
                          "x runs along the width: reflect with W, the last size of "
                          "the images.")
    problem = compare_tensors(name, got_boxes, want, what="the moved boxes")
    if problem is not None:
        return problem
    return passed(name, "your images and boxes flip together.")


# ---------------------------------------------------------------------------
# Mixup
# ---------------------------------------------------------------------------


def check_mixup(fn: Callable) -> CheckResult:
    """Check ``fn(x, y, lam, perm) -> (x_mixed, y_mixed)``.

    ``x`` is a batch ``(N, ...)``, ``y`` one-hot (or soft) labels ``(N, K)``,
    ``lam`` a number in [0, 1] and ``perm`` a permutation of ``range(N)``:
    example ``i`` is mixed with example ``perm[i]``, with weight ``lam`` on
    example ``i``.
    """
    name = "check_mixup"
    require_callable("fn", fn)
    gen = torch.Generator().manual_seed(0)
    n, k = 6, 4
    x = torch.rand(n, 3, 5, 5, generator=gen, dtype=torch.float64)
    y = torch.nn.functional.one_hot(torch.tensor([0, 1, 2, 3, 1, 0]), k).double()
    perm = torch.tensor([3, 0, 4, 5, 1, 2])  # no fixed points, not its own inverse
    lam = 0.7
    got, problem = call_answer(name, fn, x.clone(), y.clone(), lam, perm.clone())
    if problem is not None:
        return problem
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return failed(name, f"your function should return a pair (x_mixed, y_mixed), got "
                      f"{type(got).__name__}")
    x_got, y_got = (as_tensor(t) for t in got)
    inverse = torch.argsort(perm)
    if isinstance(x_got, torch.Tensor) and x_got.shape == x.shape:
        x_got64 = x_got.double()
        if torch.allclose(x_got64, (1 - lam) * x + lam * x[perm]):
            return failed(name, "your images are mixed with the weights swapped",
                          "lam is the weight of example i itself, 1 - lam that of its "
                          "partner perm[i].")
        if torch.allclose(x_got64, lam * x + (1 - lam) * x[inverse]):
            return failed(name, "your images are paired with the wrong partners",
                          "example i is mixed with x[perm[i]], which is x[perm] row by row.")
    problem = compare_tensors(name, x_got, lam * x + (1 - lam) * x[perm],
                              what="the mixed images")
    if problem is not None:
        return problem
    if isinstance(y_got, torch.Tensor) and y_got.shape == y.shape:
        y_got64 = y_got.double()
        if torch.equal(y_got64, y):
            return failed(name, "your labels are not mixed",
                          "a mixed image shows two examples: its label must be the same "
                          "mixture of their labels.")
        if torch.allclose(y_got64, (1 - lam) * y + lam * y[perm]):
            return failed(name, "your labels are mixed with other weights than the images",
                          "use lam for example i and 1 - lam for perm[i], as for x.")
    elif isinstance(y_got, torch.Tensor) and y_got.shape == y.shape[:1]:
        return failed(name, "your labels are class indices, not mixtures",
                      "mix the one-hot label vectors, which gives soft labels.")
    problem = compare_tensors(name, y_got, lam * y + (1 - lam) * y[perm],
                              what="the mixed labels")
    if problem is not None:
        return problem
    return passed(name, "images and labels are mixed with the same weights and partners.")
