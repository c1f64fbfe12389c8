"""The vision transformer (Dosovitskiy et al., 2021): an image cut into patches,
each patch a token, a learned class token in front, learned position vectors, and
the transformer's encoder blocks; the class token's final vector is classified.

Chapter: *Vision transformers, CLIP and captioning* (``book/transformers/vit-clip.md``).
"""

from __future__ import annotations

import torch
from torch import nn

from .._args import check_float, check_int, check_tensor
from .blocks import EncoderBlock
from .positional import LearnedEncoding


def patchify(images: torch.Tensor, patch_size: int) -> torch.Tensor:
    """Cut images (B, C, H, W) into (B, N, C·p·p) patches of p × p pixels, in raster
    order (left to right, then top to bottom), N = (H/p)(W/p); each patch is
    flattened channel by channel. Chapter: *Vision transformers, CLIP and captioning*."""
    p = _check_patches(images, patch_size)
    B, C, H, W = images.shape
    x = images.reshape(B, C, H // p, p, W // p, p)         # (B, C, rows, p, cols, p)
    x = x.permute(0, 2, 4, 1, 3, 5)                         # (B, rows, cols, C, p, p)
    return x.reshape(B, (H // p) * (W // p), C * p * p)


def unpatchify(patches: torch.Tensor, patch_size: int, height: int, width: int
               ) -> torch.Tensor:
    """The inverse of :func:`patchify`: (B, N, C·p·p) patches back to images
    (B, C, height, width). Chapter: *Vision transformers, CLIP and captioning*."""
    check_tensor("patches", patches, ndim=3)
    p = check_int("patch_size", patch_size, minimum=1)
    rows, cols = check_int("height", height, minimum=p) // p, check_int("width", width, minimum=p) // p
    if rows * p != height or cols * p != width or patches.shape[1] != rows * cols \
            or patches.shape[2] % (p * p):
        raise ValueError(f"patches of shape {tuple(patches.shape)} do not tile a "
                         f"{height} x {width} image with patch_size = {p}")
    B, C = patches.shape[0], patches.shape[2] // (p * p)
    x = patches.reshape(B, rows, cols, C, p, p).permute(0, 3, 1, 4, 2, 5)
    return x.reshape(B, C, height, width)


class ViT(nn.Module):
    """A vision transformer for images (B, in_channels, image_size, image_size).

    ``encode`` returns the final vectors of the class token and of every patch,
    (B, 1 + N, d_model); ``forward`` returns the class token's vector through
    ``head``: class scores (B, n_classes), or the vector itself (B, d_model)
    when ``n_classes`` is None (an image encoder for CLIP or a captioner).
    Chapter: *Vision transformers, CLIP and captioning*.
    """

    def __init__(self, image_size: int, patch_size: int, in_channels: int = 1,
                 n_classes: int | None = 10, *, d_model: int = 32, n_heads: int = 2,
                 n_layers: int = 2, d_ff: int = 64, dropout: float = 0.0) -> None:
        super().__init__()
        self.image_size = check_int("image_size", image_size, minimum=1)
        self.patch_size = check_int("patch_size", patch_size, minimum=1, maximum=image_size)
        if image_size % patch_size:
            raise ValueError(f"patch_size ({patch_size}) must divide image_size ({image_size})")
        self.in_channels = check_int("in_channels", in_channels, minimum=1)
        n_patches = (image_size // patch_size) ** 2
        d_model = check_int("d_model", d_model, minimum=1)
        self.patch_embedding = nn.Linear(in_channels * patch_size ** 2, d_model)
        self.class_token = nn.Parameter(torch.zeros(1, 1, d_model))
        self.positions = LearnedEncoding(d_model, 1 + n_patches)
        self.blocks = nn.ModuleList(
            EncoderBlock(d_model, n_heads, d_ff, dropout=dropout)
            for _ in range(check_int("n_layers", n_layers, minimum=1)))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Identity() if n_classes is None else \
            nn.Linear(d_model, check_int("n_classes", n_classes, minimum=1))
        check_float("dropout", dropout, minimum=0.0, maximum=1.0)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """(B, C, S, S) images → (B, 1 + N, d_model): class token first, then patches."""
        _check_images(images, self.in_channels, self.image_size)
        tokens = self.patch_embedding(patchify(images, self.patch_size))  # (B, N, d)
        cls = self.class_token.expand(len(images), -1, -1)                # (B, 1, d)
        x = self.positions(torch.cat([cls, tokens], dim=1))               # + E_pos
        for block in self.blocks:
            x = block(x)
        return self.norm(x)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.encode(images)[:, 0])                      # class token


def _check_patches(images, patch_size) -> int:
    check_tensor("images", images, ndim=4)
    p = check_int("patch_size", patch_size, minimum=1)
    H, W = images.shape[2:]
    if H % p or W % p:
        raise ValueError(f"patch_size ({p}) must divide the image's height and width, "
                         f"got images of shape {tuple(images.shape)}")
    return p


def _check_images(images, channels: int, size: int) -> None:
    check_tensor("images", images, ndim=4, floating=True)
    if tuple(images.shape[1:]) != (channels, size, size):
        raise ValueError(f"images must have shape (B, {channels}, {size}, {size}), got "
                         f"{tuple(images.shape)}")
