"""Data augmentation written on batched image tensors.

Every function takes a batch ``x`` of shape ``(N, C, H, W)`` with float values
in [0, 1] and returns a new batch of the same shape, dtype and range; random
ones draw one set of parameters per image from an optional
``torch.Generator``, so that a seeded generator gives the same result every
time. :class:`Compose` chains transforms and :class:`Augment` turns one into a
layer that is active only while the model trains. No torchvision needed.
Chapter: *Augmentation and transfer learning*.
"""

from __future__ import annotations

import inspect
import math
from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .._args import (check_bool, check_callable, check_choice, check_float, check_generator,
                     check_int, check_sequence, check_tensor)

Transform = Callable[..., torch.Tensor]

# ITU-R BT.601 weights: how much red, green and blue contribute to perceived brightness.
_LUMA = (0.299, 0.587, 0.114)


def _images(x) -> torch.Tensor:
    return check_tensor("x", x, ndim=4, floating=True, nonempty=True)


def _generator(generator) -> torch.Generator | None:
    return check_generator("generator", generator)


def _apply(transform: Transform, x: torch.Tensor,
           generator: torch.Generator | None) -> torch.Tensor:
    """``transform(x)``, passing ``generator`` if it takes one (a flip does not)."""
    try:
        params = inspect.signature(transform).parameters.values()
    except (TypeError, ValueError):  # no signature to read: pass the generator
        params = [inspect.Parameter("generator", inspect.Parameter.KEYWORD_ONLY)]
    if any(p.name == "generator" or p.kind is p.VAR_KEYWORD for p in params):
        return transform(x, generator=generator)
    return transform(x)


def _uniform(n: int, low: float, high: float, generator, like: torch.Tensor) -> torch.Tensor:
    """``n`` uniform draws in [low, high), made on the generator's device, moved to ``like``'s."""
    device = generator.device if generator is not None else None
    u = torch.rand(n, generator=generator, device=device)
    return (low + (high - low) * u).to(device=like.device, dtype=like.dtype)


def _coin(n: int, p: float, generator, like: torch.Tensor) -> torch.Tensor:
    """A boolean per image, True with probability ``p``, shaped to broadcast over (C, H, W)."""
    return (_uniform(n, 0.0, 1.0, generator, like) < p).view(n, 1, 1, 1)


def hflip(x: torch.Tensor) -> torch.Tensor:
    """Mirror every image left to right (reverse the width axis).

    Chapter: *Augmentation and transfer learning*.
    """
    return _images(x).flip(-1)


def vflip(x: torch.Tensor) -> torch.Tensor:
    """Mirror every image top to bottom (reverse the height axis).

    Chapter: *Augmentation and transfer learning*.
    """
    return _images(x).flip(-2)


def random_hflip(x: torch.Tensor, p: float = 0.5, *,
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """Mirror each image left to right with probability ``p``.

    Chapter: *Augmentation and transfer learning*.
    """
    x, generator = _images(x), _generator(generator)
    p = check_float("p", p, minimum=0.0, maximum=1.0)
    return torch.where(_coin(len(x), p, generator, x), x.flip(-1), x)


def random_vflip(x: torch.Tensor, p: float = 0.5, *,
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """Mirror each image top to bottom with probability ``p``.

    Chapter: *Augmentation and transfer learning*.
    """
    x, generator = _images(x), _generator(generator)
    p = check_float("p", p, minimum=0.0, maximum=1.0)
    return torch.where(_coin(len(x), p, generator, x), x.flip(-2), x)


def random_crop(x: torch.Tensor, padding: int = 4, *, size: int | None = None,
                fill: float = 0.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """Pad every side by ``padding`` pixels of value ``fill``, then cut a random window.

    The window is ``size`` x ``size`` (default: the input's own height and
    width), at an offset drawn per image, so the content shifts by up to
    ``padding`` pixels in each direction. With ``padding=0`` and the full size
    there is one window only, and the images come back unchanged.
    Chapter: *Augmentation and transfer learning*.
    """
    x, generator = _images(x), _generator(generator)
    padding = check_int("padding", padding, minimum=0)
    fill = check_float("fill", fill, minimum=0.0, maximum=1.0)
    n, _, h, w = x.shape
    ch, cw = (h, w) if size is None else (check_int("size", size, minimum=1),) * 2
    if ch > h + 2 * padding or cw > w + 2 * padding:
        raise ValueError(f"size must fit in the padded image ({h + 2 * padding}x"
                         f"{w + 2 * padding}), got {size}")
    padded = F.pad(x, (padding,) * 4, value=fill)
    device = generator.device if generator is not None else None
    top = torch.randint(0, h + 2 * padding - ch + 1, (n,), generator=generator,
                        device=device).to(x.device)
    left = torch.randint(0, w + 2 * padding - cw + 1, (n,), generator=generator,
                         device=device).to(x.device)
    # One gather for the whole batch: image i takes rows top[i]..top[i]+ch-1 and
    # columns left[i]..left[i]+cw-1.
    rows = (top[:, None] + torch.arange(ch, device=x.device))[:, :, None]
    cols = (left[:, None] + torch.arange(cw, device=x.device))[:, None, :]
    batch = torch.arange(n, device=x.device)[:, None, None]
    return padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2).contiguous()


def rotate(x: torch.Tensor, degrees: float | torch.Tensor, *,
           padding_mode: str = "zeros") -> torch.Tensor:
    """Rotate every image about its centre by ``degrees`` (counter-clockwise as displayed).

    ``degrees`` is one number or one per image. Each output pixel samples the
    input bilinearly at its rotated position (``affine_grid`` builds the
    positions, ``grid_sample`` reads them); pixels that come from outside the
    image are 0 (``padding_mode="zeros"``) or copy the nearest edge
    (``"border"``). Chapter: *Augmentation and transfer learning*.
    """
    x = _images(x)
    check_choice("padding_mode", padding_mode, ("zeros", "border", "reflection"))
    n, _, h, w = x.shape
    if isinstance(degrees, torch.Tensor):
        if degrees.shape not in ((), (n,)):
            raise ValueError(f"degrees must be a number or have shape ({n},), got "
                             f"{tuple(degrees.shape)}")
        angle = degrees.to(device=x.device, dtype=x.dtype).expand(n)
    else:
        angle = torch.full((n,), check_float("degrees", degrees), dtype=x.dtype,
                           device=x.device)
    angle = angle * (math.pi / 180)
    cos, sin = torch.cos(angle), torch.sin(angle)
    zero = torch.zeros_like(cos)
    # affine_grid maps each output position, in coordinates scaled to [-1, 1] per
    # axis, to the input position it reads; the h/w factors keep the rotation
    # rigid when the image is not square. Rows grow downwards, so this matrix
    # turns the picture counter-clockwise on screen.
    theta = torch.stack([torch.stack([cos, -sin * h / w, zero], 1),
                         torch.stack([sin * w / h, cos, zero], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode=padding_mode,
                         align_corners=False)


def random_rotation(x: torch.Tensor, max_degrees: float = 15.0, *,
                    padding_mode: str = "zeros",
                    generator: torch.Generator | None = None) -> torch.Tensor:
    """Rotate each image by an angle drawn uniformly from ``[-max_degrees, max_degrees]``.

    Chapter: *Augmentation and transfer learning*.
    """
    x, generator = _images(x), _generator(generator)
    max_degrees = check_float("max_degrees", max_degrees, minimum=0.0, maximum=180.0)
    angles = _uniform(len(x), -max_degrees, max_degrees, generator, x)
    return rotate(x, angles, padding_mode=padding_mode)


def gaussian_noise(x: torch.Tensor, std: float = 0.05, *, clip: bool = True,
                   generator: torch.Generator | None = None) -> torch.Tensor:
    """Add independent Gaussian noise of standard deviation ``std`` to every value.

    With ``clip`` the result is clipped to [0, 1] so it stays a valid image.
    Chapter: *Augmentation and transfer learning*.
    """
    x, generator = _images(x), _generator(generator)
    std, clip = check_float("std", std, minimum=0.0), check_bool("clip", clip)
    device = generator.device if generator is not None else None
    noise = torch.randn(x.shape, generator=generator, device=device, dtype=x.dtype)
    out = x + std * noise.to(x.device)
    return out.clamp(0.0, 1.0) if clip else out


def grayscale(x: torch.Tensor) -> torch.Tensor:
    """The luminance of each pixel, repeated on every channel (grey images come back as they are).

    Chapter: *Augmentation and transfer learning*.
    """
    x = _images(x)
    if x.shape[1] != 3:
        return x
    weights = torch.tensor(_LUMA, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    return (x * weights).sum(1, keepdim=True).expand_as(x)


def color_jitter(x: torch.Tensor, brightness: float = 0.2, contrast: float = 0.2,
                 saturation: float = 0.2, *,
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """Scale brightness, contrast and saturation by random factors, one set per image.

    Each factor is drawn from ``[1 - s, 1 + s]`` for strength ``s``.
    Brightness multiplies the image; contrast moves every pixel towards or away
    from the image's mean grey level; saturation moves every pixel towards or
    away from its own grey value (no effect on one-channel images). The result
    is clipped to [0, 1]. Chapter: *Augmentation and transfer learning*.
    """
    x, generator = _images(x), _generator(generator)
    strengths = {name: check_float(name, value, minimum=0.0, maximum=1.0) for name, value
                 in (("brightness", brightness), ("contrast", contrast),
                     ("saturation", saturation))}
    n = len(x)
    b, c, s = (_uniform(n, 1 - v, 1 + v, generator, x).view(n, 1, 1, 1)
               for v in strengths.values())
    out = (x * b).clamp(0.0, 1.0)
    mean = grayscale(out).mean(dim=(1, 2, 3), keepdim=True)
    out = (mean + c * (out - mean)).clamp(0.0, 1.0)
    grey = grayscale(out)
    return (grey + s * (out - grey)).clamp(0.0, 1.0)


def cutout(x: torch.Tensor, size: int = 8, *, p: float = 1.0, fill: float = 0.0,
           generator: torch.Generator | None = None) -> torch.Tensor:
    """Cutout (DeVries and Taylor, 2017): fill a ``size`` x ``size`` square with ``fill``.

    The square's centre is drawn uniformly over the image, so near an edge only
    part of it falls inside, as in the original. Each image is cut with
    probability ``p``. Chapter: *Augmentation and transfer learning*.
    """
    x, generator = _images(x), _generator(generator)
    size = check_int("size", size, minimum=1)
    p = check_float("p", p, minimum=0.0, maximum=1.0)
    fill = check_float("fill", fill, minimum=0.0, maximum=1.0)
    n, _, h, w = x.shape
    device = generator.device if generator is not None else None
    cy = torch.randint(0, h, (n, 1, 1), generator=generator, device=device).to(x.device)
    cx = torch.randint(0, w, (n, 1, 1), generator=generator, device=device).to(x.device)
    rows = torch.arange(h, device=x.device).view(1, h, 1)
    cols = torch.arange(w, device=x.device).view(1, 1, w)
    top, left = cy - size // 2, cx - size // 2
    square = ((rows >= top) & (rows < top + size) & (cols >= left) & (cols < left + size))
    square = square.unsqueeze(1) & _coin(n, p, generator, x)
    return x.masked_fill(square, fill)


class Compose:
    """Apply several transforms in order, passing the same generator to each.

    Every transform is called as ``t(x, generator=generator)``, or ``t(x)`` if
    it takes no generator (a flip); give fixed arguments with
    ``functools.partial``, for example
    ``Compose([random_hflip, partial(random_crop, padding=2)])``.
    Chapter: *Augmentation and transfer learning*.
    """

    def __init__(self, transforms: Sequence[Transform]):
        transforms = check_sequence("transforms", transforms, nonempty=False)
        for i, t in enumerate(transforms):
            check_callable(f"transforms[{i}]", t)
        self.transforms = transforms

    def __call__(self, x: torch.Tensor, *,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        x, generator = _images(x), _generator(generator)
        for t in self.transforms:
            x = _apply(t, x, generator)
        return x

    def __repr__(self) -> str:
        names = ", ".join(getattr(t, "__name__", None) or getattr(
            getattr(t, "func", None), "__name__", repr(t)) for t in self.transforms)
        return f"Compose([{names}])"


class Augment(nn.Module):
    """A layer that augments its input while the model trains and passes it through in eval mode.

    Put it first in a model, ``nn.Sequential(Augment(transform), net)``, and
    every training minibatch gets fresh random transformations on the fly,
    while evaluation and prediction see the images unchanged. The layer owns a
    generator seeded with ``seed``, so a training run is reproducible.
    Chapter: *Augmentation and transfer learning*.
    """

    def __init__(self, transform: Transform, seed: int = 0):
        super().__init__()
        if not callable(transform):
            raise TypeError(f"transform must be callable, got {type(transform).__name__}")
        self.transform = transform
        self.generator = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _images(x)
        if not self.training:
            return x
        return _apply(self.transform, x, self.generator)
