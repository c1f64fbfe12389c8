"""Augmentations of the chapter *Augmentation and transfer learning*."""

from __future__ import annotations

from functools import partial

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from dlbook.cnn.augment import (Augment, Compose, color_jitter, cutout, gaussian_noise,
                            grayscale, hflip, random_crop, random_hflip, random_rotation,
                            random_vflip, rotate, vflip)

RANDOM = {
    "random_hflip": random_hflip,
    "random_vflip": random_vflip,
    "random_crop": partial(random_crop, padding=3),
    "random_rotation": partial(random_rotation, max_degrees=30),
    "gaussian_noise": partial(gaussian_noise, std=0.2),
    "color_jitter": partial(color_jitter, brightness=0.5, contrast=0.5, saturation=0.5),
    "cutout": partial(cutout, size=5),
    "compose": Compose([random_hflip, partial(random_crop, padding=2), color_jitter]),
}
DETERMINISTIC = {"hflip": hflip, "vflip": vflip, "rotate": partial(rotate, degrees=20.0),
                 "grayscale": grayscale}


def images(n=6, c=3, h=9, w=11, dtype=torch.float32, seed=0):
    return torch.rand(n, c, h, w, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


# --- every transform ------------------------------------------------------------

@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("name", list(RANDOM) + list(DETERMINISTIC))
def test_shape_dtype_and_range_are_kept(name, channels, dtype):
    x = images(c=channels, dtype=dtype)
    fn = RANDOM.get(name) or DETERMINISTIC[name]
    out = fn(x, generator=gen()) if name in RANDOM else fn(x)
    assert out.shape == x.shape and out.dtype == x.dtype
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert torch.equal(x, images(c=channels, dtype=dtype))  # the input is not modified


@pytest.mark.parametrize("name", list(RANDOM))
def test_seeded_generator_makes_it_deterministic(name):
    x = images(n=16)
    a, b = RANDOM[name](x, generator=gen(3)), RANDOM[name](x, generator=gen(3))
    assert torch.equal(a, b)
    c = RANDOM[name](x, generator=gen(4))
    assert not torch.equal(a, c)  # 16 images: different seeds differ somewhere


@pytest.mark.parametrize("name", list(RANDOM))
def test_transforms_use_the_global_generator_without_one(name):
    torch.manual_seed(5)
    a = RANDOM[name](images())
    torch.manual_seed(5)
    assert torch.equal(a, RANDOM[name](images()))


# --- flips ----------------------------------------------------------------------

@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 4), c=st.integers(1, 3), h=st.integers(1, 7), w=st.integers(1, 7))
def test_flips_are_involutions_that_reverse_one_axis(n, c, h, w):
    x = torch.rand(n, c, h, w)
    assert torch.equal(hflip(hflip(x)), x) and torch.equal(vflip(vflip(x)), x)
    assert torch.equal(hflip(x)[..., 0], x[..., -1])
    assert torch.equal(vflip(x)[..., 0, :], x[..., -1, :])
    assert torch.equal(hflip(x), torch.flip(x, dims=[3]))
    assert torch.equal(vflip(x), torch.flip(x, dims=[2]))


def test_random_flips_with_probability_zero_and_one():
    x = images()
    assert torch.equal(random_hflip(x, p=0.0), x)
    assert torch.equal(random_hflip(x, p=1.0), hflip(x))
    assert torch.equal(random_vflip(x, p=1.0), vflip(x))


def test_random_hflip_flips_each_image_whole_or_not_at_all():
    x = images(n=64)
    out = random_hflip(x, generator=gen(1))
    flipped = (out == hflip(x)).flatten(1).all(1)
    kept = (out == x).flatten(1).all(1)
    assert torch.all(flipped | kept)
    assert 10 < int(flipped.sum()) < 54  # about half


# --- crops ----------------------------------------------------------------------

def test_crop_without_padding_at_full_size_is_identity():
    x = images()
    assert torch.equal(random_crop(x, padding=0, generator=gen()), x)


def test_crop_is_a_window_of_the_padded_image():
    x = images(n=20)
    out = random_crop(x, padding=2, fill=0.5, generator=gen(2))
    padded = nn.functional.pad(x, (2, 2, 2, 2), value=0.5)
    for i in range(len(x)):
        windows = [(dy, dx) for dy in range(5) for dx in range(5)
                   if torch.equal(out[i], padded[i, :, dy:dy + 9, dx:dx + 11])]
        assert windows, f"image {i} is not a window"


def test_crop_to_a_smaller_size():
    out = random_crop(images(h=10, w=10), padding=0, size=6, generator=gen())
    assert out.shape == (6, 3, 6, 6)


# --- rotations ------------------------------------------------------------------

def test_rotation_by_zero_is_identity():
    x = images(h=12, w=7)
    assert torch.allclose(rotate(x, 0.0), x, atol=1e-6)
    assert torch.allclose(random_rotation(x, max_degrees=0.0, generator=gen()), x, atol=1e-6)


def test_rotation_by_90_matches_rot90_counter_clockwise():
    x = images(h=8, w=8, dtype=torch.float64)
    assert torch.allclose(rotate(x, 90.0), torch.rot90(x, 1, dims=(2, 3)), atol=1e-9)
    assert torch.allclose(rotate(x, -90.0), torch.rot90(x, -1, dims=(2, 3)), atol=1e-9)


def test_rotation_gradients_match_rot90():
    x = images(h=8, w=8, dtype=torch.float64).requires_grad_()
    weights = torch.rand(x.shape, dtype=torch.float64)
    (rotate(x, 90.0) * weights).sum().backward()
    ours = x.grad.clone()
    x.grad = None
    (torch.rot90(x, 1, dims=(2, 3)) * weights).sum().backward()
    assert torch.allclose(ours, x.grad, atol=1e-9)


def test_rotation_by_180_flips_both_axes_also_for_non_square_images():
    x = images(h=6, w=10, dtype=torch.float64)
    assert torch.allclose(rotate(x, 180.0), x.flip(2, 3), atol=1e-9)


def test_rotation_takes_one_angle_per_image():
    x = images(n=2, h=8, w=8, dtype=torch.float64)
    out = rotate(x, torch.tensor([0.0, 90.0]))
    assert torch.allclose(out[0], x[0], atol=1e-9)
    assert torch.allclose(out[1], torch.rot90(x[1], 1, dims=(1, 2)), atol=1e-9)


def test_rotation_angles_stay_within_the_limit():
    x = torch.zeros(200, 1, 21, 21)
    x[:, :, 10, 16:] = 1.0  # a bar from the centre to the right edge
    out = random_rotation(x, max_degrees=30, generator=gen())
    ys, xs = torch.meshgrid(torch.arange(21.0) - 10, torch.arange(21.0) - 10, indexing="ij")
    w = out[:, 0]
    cy = (w * ys).sum((1, 2)) / w.sum((1, 2))
    cx = (w * xs).sum((1, 2)) / w.sum((1, 2))
    angles = torch.rad2deg(torch.atan2(-cy, cx))  # rows grow downwards
    assert angles.abs().max() <= 31
    assert angles.max() > 20 and angles.min() < -20


# --- noise and colour -------------------------------------------------------------

@pytest.mark.parametrize("std", [0.01, 0.05, 0.1])
def test_noise_has_the_requested_standard_deviation(std):
    x = torch.full((8, 3, 32, 32), 0.5)
    diff = gaussian_noise(x, std=std, generator=gen()) - x
    assert abs(diff.mean().item()) < 0.05 * std
    assert abs(diff.std().item() / std - 1) < 0.03


def test_noise_without_clipping_may_leave_the_range():
    x = torch.full((4, 1, 8, 8), 0.5)
    out = gaussian_noise(x, std=1.0, clip=False, generator=gen())
    assert out.max() > 1 or out.min() < 0
    assert torch.equal(gaussian_noise(x, std=0.0, generator=gen()), x)


def test_color_jitter_with_zero_strength_is_identity():
    x = images()
    out = color_jitter(x, brightness=0, contrast=0, saturation=0, generator=gen())
    assert torch.allclose(out, x, atol=1e-6)


def test_saturation_zero_gives_grey_and_grey_images_are_unchanged_by_it():
    x = images(dtype=torch.float64)
    grey = grayscale(x)
    assert torch.allclose(grey[:, 0], 0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2])
    one = images(c=1)
    assert torch.equal(grayscale(one), one)
    # A single grey channel has no saturation to change.
    out = color_jitter(one, brightness=0, contrast=0, saturation=1.0, generator=gen())
    assert torch.allclose(out, one, atol=1e-6)


def test_brightness_scales_all_channels_by_one_factor_per_image():
    x = images(dtype=torch.float64) * 0.5
    out = color_jitter(x, brightness=0.3, contrast=0, saturation=0, generator=gen())
    ratio = out / x
    per_image = ratio.flatten(1)
    assert torch.allclose(per_image, per_image[:, :1].expand_as(per_image))
    assert ((per_image[:, 0] >= 0.7) & (per_image[:, 0] <= 1.3)).all()


# --- cutout ---------------------------------------------------------------------

def test_cutout_fills_at_most_one_square_per_image():
    x = images(n=50, h=16, w=16) * 0.8 + 0.1  # no value equals the fill
    out = cutout(x, size=6, fill=1.0, generator=gen())
    filled = (out == 1.0).all(1)  # the same pixels on every channel
    assert torch.equal((out == 1.0).any(1), filled)
    counts = filled.flatten(1).sum(1)
    assert counts.max() == 36 and counts.min() > 0
    for mask in filled:
        rows, cols = mask.any(1).nonzero(), mask.any(0).nonzero()
        assert mask.sum() == len(rows) * len(cols)  # a rectangle (clipped square)
    untouched = ~filled.unsqueeze(1).expand_as(x)
    assert torch.equal(out[untouched], x[untouched])


def test_cutout_with_probability_zero_is_identity():
    x = images()
    assert torch.equal(cutout(x, p=0.0, generator=gen()), x)


# --- composition and the training-time layer ------------------------------------

def test_compose_applies_in_order():
    x = images()
    both = Compose([lambda t, generator=None: t * 0.5,
                    lambda t, generator=None: t + 0.25])
    assert torch.allclose(both(x), x * 0.5 + 0.25)
    assert "random_hflip" in repr(Compose([random_hflip, partial(random_crop, padding=1)]))


def test_augment_layer_is_active_only_in_training():
    layer = Augment(partial(cutout, size=4), seed=0)
    x = images()
    assert not torch.equal(layer(x), x)
    layer.eval()
    assert layer(x) is x
    a = Augment(random_hflip, seed=7)(images(n=32))
    assert torch.equal(a, Augment(random_hflip, seed=7)(images(n=32)))


# --- bad inputs -----------------------------------------------------------------

@pytest.mark.parametrize("call, name", [
    (lambda: random_hflip(images(), p=1.5), "p"),
    (lambda: random_vflip(images(), p=-0.1), "p"),
    (lambda: cutout(images(), p=2.0), "p"),
    (lambda: hflip(torch.rand(3, 8, 8)), "x"),
    (lambda: random_crop(torch.rand(8, 8)), "x"),
    (lambda: random_rotation(torch.rand(1, 1, 1, 3, 3)), "x"),
    (lambda: gaussian_noise(images(), std=-0.1), "std"),
    (lambda: random_crop(images(), padding=-1), "padding"),
    (lambda: random_crop(images(h=8, w=8), padding=1, size=11), "size"),
    (lambda: random_rotation(images(), max_degrees=-5), "max_degrees"),
    (lambda: rotate(images(), torch.zeros(4)), "degrees"),
    (lambda: rotate(images(), 10.0, padding_mode="wrap"), "padding_mode"),
    (lambda: color_jitter(images(), brightness=-0.2), "brightness"),
    (lambda: color_jitter(images(), contrast=1.5), "contrast"),
    (lambda: color_jitter(images(), saturation=-1), "saturation"),
    (lambda: cutout(images(), size=0), "size"),
])
def test_bad_arguments_raise_value_error_naming_them(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_bad_types_raise_type_error():
    with pytest.raises(TypeError, match="x"):
        hflip(torch.zeros(1, 1, 4, 4, dtype=torch.int64))
    with pytest.raises(TypeError, match="generator"):
        random_hflip(images(), generator=0)
    with pytest.raises(TypeError, match="transforms"):
        Compose([random_hflip, 3])
    with pytest.raises(TypeError, match="transform"):
        Augment("flip")
