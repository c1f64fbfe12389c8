"""The exercise checks of *Augmentation and transfer learning* pass right answers and
catch wrong ones."""

from __future__ import annotations

import torch

from dlbook.checks.augmentation_transfer import check_hflip_with_boxes, check_mixup

# --- horizontal flip with boxes -------------------------------------------------


def flip_right(images, boxes):
    w = images.shape[-1]
    new = boxes.clone()
    new[:, 0], new[:, 2] = w - boxes[:, 2], w - boxes[:, 0]
    return images.flip(-1), new


def test_hflip_passes_a_right_answer():
    assert check_hflip_with_boxes(flip_right)


def test_hflip_catches_the_wrong_axis():
    result = check_hflip_with_boxes(lambda im, b: (im.flip(-2), flip_right(im, b)[1]))
    assert not result and "height" in result.message and "last" in result.hint
    result = check_hflip_with_boxes(lambda im, b: (im.flip(1), flip_right(im, b)[1]))
    assert not result and "channels" in result.message


def test_hflip_catches_unswapped_corners():
    def unswapped(images, boxes):
        w = images.shape[-1]
        new = boxes.clone()
        new[:, 0], new[:, 2] = w - boxes[:, 0], w - boxes[:, 2]
        return images.flip(-1), new

    result = check_hflip_with_boxes(unswapped)
    assert not result and "x0 > x1" in result.message and "swap" in result.hint


def test_hflip_catches_off_by_one_and_height():
    def off_by_one(images, boxes):
        w = images.shape[-1]
        new = boxes.clone()
        new[:, 0], new[:, 2] = w - 1 - boxes[:, 2], w - 1 - boxes[:, 0]
        return images.flip(-1), new

    result = check_hflip_with_boxes(off_by_one)
    assert not result and "off by one" in result.message and "exclusive" in result.hint

    def height(images, boxes):
        h = images.shape[-2]
        new = boxes.clone()
        new[:, 0], new[:, 2] = h - boxes[:, 2], h - boxes[:, 0]
        return images.flip(-1), new

    result = check_hflip_with_boxes(height)
    assert not result and "height" in result.message


def test_hflip_catches_unmoved_boxes_changed_y_and_in_place():
    result = check_hflip_with_boxes(lambda im, b: (im.flip(-1), b))
    assert not result and "did not move" in result.message

    def moves_y(images, boxes):
        im, new = flip_right(images, boxes)
        new[:, [1, 3]] = images.shape[-2] - boxes[:, [3, 1]]
        return im, new

    result = check_hflip_with_boxes(moves_y)
    assert not result and "y coordinates" in result.message

    def in_place(images, boxes):
        flipped, new = flip_right(images, boxes)
        images.copy_(flipped)
        return images, new

    result = check_hflip_with_boxes(in_place)
    assert not result and "in place" in result.message
    result = check_hflip_with_boxes(lambda im, b: im.flip(-1))
    assert not result and "pair" in result.message


# --- mixup ----------------------------------------------------------------------


def mixup_right(x, y, lam, perm):
    return lam * x + (1 - lam) * x[perm], lam * y + (1 - lam) * y[perm]


def test_mixup_passes_a_right_answer():
    assert check_mixup(mixup_right)


def test_mixup_catches_unmixed_labels_and_class_indices():
    result = check_mixup(lambda x, y, lam, perm: (mixup_right(x, y, lam, perm)[0], y))
    assert not result and "not mixed" in result.message
    result = check_mixup(lambda x, y, lam, perm: (mixup_right(x, y, lam, perm)[0],
                                                  y.argmax(1)))
    assert not result and "class indices" in result.message


def test_mixup_catches_swapped_weights():
    result = check_mixup(lambda x, y, lam, perm: ((1 - lam) * x + lam * x[perm],
                                                  (1 - lam) * y + lam * y[perm]))
    assert not result and "swapped" in result.message
    result = check_mixup(lambda x, y, lam, perm: (mixup_right(x, y, lam, perm)[0],
                                                  (1 - lam) * y + lam * y[perm]))
    assert not result and "other weights" in result.message


def test_mixup_catches_wrong_partners_and_in_place():
    def inverse(x, y, lam, perm):
        inv = torch.argsort(perm)
        return lam * x + (1 - lam) * x[inv], lam * y + (1 - lam) * y[inv]

    result = check_mixup(inverse)
    assert not result and "partners" in result.message

    def in_place(x, y, lam, perm):
        x_mix, y_mix = mixup_right(x, y, lam, perm)
        x.mul_(lam)
        return x_mix, y_mix

    result = check_mixup(in_place)
    assert not result and "in place" in result.message
