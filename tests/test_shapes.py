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
