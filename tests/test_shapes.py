import pytest
import torch
from hypothesis import given, settings, strategies as st

from dlbook.shapes import SHAPE_CLASSES, make_shapes


def test_shapes_are_deterministic_for_a_seed():
    a, b = make_shapes(20, max_shapes=3, seed=4), make_shapes(20, max_shapes=3, seed=4)
    assert torch.equal(a.images, b.images) and torch.equal(a.masks, b.masks)
    assert all(torch.equal(x, y) for x, y in zip(a.boxes, b.boxes))
    assert not torch.equal(a.images, make_shapes(20, max_shapes=3, seed=5).images)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), size=st.sampled_from([16, 32, 48]),
       max_shapes=st.integers(1, 4))
def test_boxes_masks_and_classes_agree(seed, size, max_shapes):
    s = make_shapes(6, size=size, max_shapes=max_shapes, seed=seed)
    assert s.images.shape == (6, 3, size, size)
    assert 0.0 <= s.images.min() and s.images.max() <= 1.0
    for i in range(6):
        boxes, classes = s.boxes[i], s.classes[i]
        assert len(boxes) == len(classes) >= 1
        ids = [v for v in torch.unique(s.instances[i]).tolist() if v > 0]
        assert len(ids) == len(boxes)
        for box, cls, inst in zip(boxes, classes, ids):
            rows, cols = torch.nonzero(s.instances[i] == inst, as_tuple=True)
            # the box is the tight box of the instance's pixels
            assert box.tolist() == [cols.min().item(), rows.min().item(),
                                    cols.max().item() + 1, rows.max().item() + 1]
            # the semantic mask gives those pixels the instance's class
            assert torch.all(s.masks[i][rows, cols] == cls + 1)
        assert torch.equal(s.masks[i] == 0, s.instances[i] == 0)
        assert 0 <= s.labels[i] < len(SHAPE_CLASSES)


@pytest.mark.parametrize("kwargs, match", [
    ({"n": 0}, "n"), ({"n": 2, "size": 8}, "size"), ({"n": 2, "max_shapes": 0}, "max_shapes"),
    ({"n": 2, "min_scale": 0.6}, "min_scale"),
    ({"n": 2, "min_scale": 0.3, "max_scale": 0.2}, "max_scale"),
    ({"n": 2, "noise": -0.1}, "noise"), ({"n": 2, "seed": -3}, "seed"),
])
def test_make_shapes_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_shapes(**kwargs)


# --- captioned scenes ----------------------------------------------------------------

from dlbook.shapes import (COLOUR_NAMES, RELATIONS, make_captioned_scenes,  # noqa: E402
                           scene_caption, scene_combos)


def test_scene_combos_are_all_distinct_object_pairs():
    combos = scene_combos()
    n_objects = len(COLOUR_NAMES) * len(SHAPE_CLASSES)
    assert combos.shape == (n_objects * (n_objects - 1) * len(RELATIONS), 5)
    assert len({tuple(c) for c in combos.tolist()}) == len(combos)
    assert not any(c[:2] == c[3:] for c in combos.tolist())


def test_caption_reads_the_combo():
    assert scene_caption(torch.tensor([0, 0, 0, 2, 1])) == "a red circle above a blue square"
    assert scene_caption(torch.tensor([3, 3, 1, 1, 2])) == \
        "a yellow cross to the left of a green triangle"


def test_captioned_scenes_put_each_shape_where_its_caption_says():
    combos = scene_combos()[::7]
    s = make_captioned_scenes(combos, size=32, noise=0.0, seed=3)
    assert s.images.shape == (len(combos), 3, 32, 32)
    assert s.captions == [scene_caption(c) for c in combos]
    assert torch.equal(s.images, make_captioned_scenes(combos, size=32, noise=0.0,
                                                       seed=3).images)
    for image, (c1, _, rel, c2, _) in zip(s.images, combos.tolist()):
        # the colour channel that is brightest picks out each shape's pixels
        def centre(c):
            rgb = torch.tensor([[0.95, 0.15, 0.10], [0.10, 0.80, 0.15],
                                [0.20, 0.35, 1.00], [0.95, 0.90, 0.10]])[c]
            near = ((image - rgb[:, None, None]).abs() < 0.1).all(0)
            rows, cols = torch.nonzero(near, as_tuple=True)
            return rows.float().mean(), cols.float().mean()
        if c1 == c2:
            continue
        (y1, x1), (y2, x2) = centre(c1), centre(c2)
        assert (y1 < y2) if rel == 0 else (x1 < x2)


def test_captioned_scenes_reject_bad_combos():
    with pytest.raises(TypeError, match="combos"):
        make_captioned_scenes([[0, 0, 0, 1, 1]])
    with pytest.raises(ValueError, match="combos"):
        make_captioned_scenes(torch.tensor([[0, 0, 2, 1, 1]]))
    with pytest.raises(ValueError, match="combos"):
        make_captioned_scenes(torch.zeros(2, 4, dtype=torch.long))
