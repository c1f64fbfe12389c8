"""Semantic segmentation: a small U-Net and the pixel metrics that judge it.

The U-Net (Ronneberger et al., 2015) is a fully convolutional network with a
contracting path that sees context and an expanding path that puts detail
back, with skip connections carrying each resolution's features across.
Chapter: *Detection and segmentation*.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .._args import check_int, check_labels, check_same_shape, check_shape, check_tensor


def _conv_block(c_in: int, c_out: int, convs: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for k in range(convs):
        layers += [nn.Conv2d(c_in if k == 0 else c_out, c_out, 3, padding=1, bias=False),
                   nn.BatchNorm2d(c_out), nn.ReLU()]
    return nn.Sequential(*layers)


class UNet(nn.Module):
    """A U-Net with ``depth`` down- and up-sampling stages, ``width`` channels at the top.

    Every block has ``convs`` 3x3 convolutions (two in the original), each
    followed by batch normalisation and a ReLU. Channels double at every stage
    down and halve at every stage up. The output
    is ``(N, num_classes, H, W)`` class logits for every pixel, for any input size:
    the input is padded with zeros to a multiple of ``2 ** depth``, so that every
    pooling halves it exactly, and the output is cropped back.
    Chapter: *Detection and segmentation*.
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 2, *, width: int = 16,
                 depth: int = 2, convs: int = 2):
        super().__init__()
        in_channels = check_int("in_channels", in_channels, minimum=1)
        self.num_classes = check_int("num_classes", num_classes, minimum=1)
        width = check_int("width", width, minimum=1)
        self.depth = check_int("depth", depth, minimum=0, maximum=6)
        convs = check_int("convs", convs, minimum=1)
        chans = [width * 2 ** k for k in range(depth + 1)]
        self.down = nn.ModuleList([_conv_block(in_channels, chans[0], convs)] +
                                  [_conv_block(chans[k], chans[k + 1], convs)
                                   for k in range(depth)])
        self.up = nn.ModuleList([nn.ConvTranspose2d(chans[k + 1], chans[k], 2, stride=2)
                                 for k in reversed(range(depth))])
        self.merge = nn.ModuleList([_conv_block(2 * chans[k], chans[k], convs)
                                    for k in reversed(range(depth))])
        self.head = nn.Conv2d(chans[0], self.num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        first = self.down[0][0]  # the first convolution
        check_shape("x", x, ("N", first.in_channels, "H", "W"), dtype=first.weight.dtype)
        h, w = x.shape[-2:]
        m = 2 ** self.depth
        x = F.pad(x, (0, -w % m, 0, -h % m))  # up to a multiple of 2 ** depth
        skips = []
        for k, block in enumerate(self.down):
            if k > 0:
                x = F.max_pool2d(x, 2)
            x = block(x)
            skips.append(x)
        skips.pop()  # the bottom of the U feeds the first upsampling directly
        for up, merge in zip(self.up, self.merge):
            x = merge(torch.cat([skips.pop(), up(x)], dim=1))
        return self.head(x)[..., :h, :w]


def _check_labels(pred: torch.Tensor, target: torch.Tensor, num_classes: int) -> int:
    """Label maps of one shape (take argmax over the class axis of logits first)."""
    num_classes = check_int("num_classes", num_classes, minimum=1)
    check_labels("pred", pred, num_classes, ndim=None)
    check_labels("target", target, num_classes, ndim=None)
    check_same_shape("pred", pred, "target", target)
    return num_classes


def confusion_matrix(pred: torch.Tensor, target: torch.Tensor,
                     num_classes: int) -> torch.Tensor:
    """Pixel counts: row = true class, column = predicted class.

    Chapter: *Detection and segmentation*.
    """
    num_classes = _check_labels(pred, target, num_classes)
    index = target.reshape(-1).long() * num_classes + pred.reshape(-1).long()
    return torch.bincount(index, minlength=num_classes ** 2).reshape(num_classes,
                                                                    num_classes)


def pixel_iou(pred: torch.Tensor, target: torch.Tensor, num_classes: int) -> torch.Tensor:
    """IoU of the predicted and true pixel sets of each class, over all images at once.

    ``pred`` and ``target`` hold class labels of the same shape. A class that is
    neither present nor predicted gets NaN. Chapter: *Detection and segmentation*.
    """
    cm = confusion_matrix(pred, target, num_classes).double()
    tp = cm.diag()
    union = cm.sum(0) + cm.sum(1) - tp  # predicted + true - both
    return torch.where(union > 0, tp / union.clamp(min=1), torch.full_like(tp, float("nan")))


def mean_iou(pred: torch.Tensor, target: torch.Tensor, num_classes: int) -> float:
    """Mean of :func:`pixel_iou` over the classes that occur (NaNs left out).

    Chapter: *Detection and segmentation*.
    """
    iou = pixel_iou(pred, target, num_classes)
    present = ~torch.isnan(iou)
    return float(iou[present].mean()) if present.any() else float("nan")


def pixel_accuracy(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Fraction of pixels whose predicted label is right. Chapter: *Detection and segmentation*."""
    check_labels("pred", pred, ndim=None)
    check_labels("target", target, ndim=None)
    check_same_shape("pred", pred, "target", target)
    if pred.numel() == 0:
        raise ValueError("pred and target must not be empty")
    return float((pred == target).double().mean())


def draw_unet(ax, model: UNet, *, size: int):
    """Draw ``model``'s architecture as a U on a matplotlib axis, for ``size``-pixel inputs.

    Each feature map is a box labelled with its channels and side; the
    contracting path runs down the left, the expanding path up the right, with
    max pooling (down arrows), 2x2 transposed convolutions (up arrows) and the
    skip connections that concatenate the two paths at every resolution.
    Returns ``ax``. Chapter: *Detection and segmentation*.
    """
    from matplotlib.patches import FancyArrowPatch, Rectangle

    from ..plot import PALETTE

    size = _check_drawing(ax, model, size)
    depth = model.depth
    chans = [block[-3].out_channels for block in model.down]  # each block's last conv
    sides = [-(-size // 2 ** depth) * 2 ** (depth - k) for k in range(depth + 1)]
    colours = {"pool": PALETTE[3], "up": PALETTE[2], "skip": "0.45", "conv": PALETTE[0]}

    def box(x: float, level: int, c: int, colour: str) -> tuple[float, float]:
        """A feature map at ``level`` (0 = full resolution); returns its centre."""
        height = 0.45 + 0.55 * sides[level] / sides[0]
        width = 0.25 + 0.35 * c / chans[-1]
        ax.add_patch(Rectangle((x - width / 2, -level - height / 2), width, height,
                               facecolor=colour, alpha=0.25, edgecolor=colour))
        ax.text(x, -level, f"{c}\n{sides[level]}²", ha="center", va="center", fontsize=7)
        return x, -level

    def arrow(start, end, colour: str, style: str = "-", shrink: float = 14) -> None:
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=8,
                                     color=colour, linestyle=style, shrinkA=14,
                                     shrinkB=shrink))

    x_in = box(-1.0, 0, model.down[0][0].in_channels, "0.6")
    down = [box(float(k), k, c, colours["conv"]) for k, c in enumerate(chans)]
    arrow(x_in, down[0], colours["conv"])
    for k in range(depth):
        arrow(down[k], down[k + 1], colours["pool"])
    last = down[-1]
    for k in reversed(range(depth)):
        x = 2.0 * depth - k
        up = box(x - 0.45, k, chans[k], colours["up"])
        arrow(last, up, colours["up"])
        arrow(down[k], (up[0] - 0.2, up[1]), colours["skip"], "--", shrink=0)
        last = box(x + 0.2, k, chans[k], colours["conv"])
        arrow(up, last, colours["conv"])
    out = box(2.0 * depth + 1.2, 0, model.num_classes, "0.6")
    arrow(last, out, "0.3")
    for x, text in ((x_in[0], "input"), (out[0], "logits"), (depth / 2, "encoder"),
                    (1.5 * depth + 0.5, "decoder")):
        ax.text(x, 0.62, text, ha="center", fontsize=8)
    for name, colour, text in (
            ("conv", colours["conv"], f"{len(model.down[0]) // 3} x (3x3 conv, BN, ReLU)"),
            ("pool", colours["pool"], "2x2 max pool, then the convs"),
            ("up", colours["up"], "2x2 transposed conv, stride 2"),
            ("skip", colours["skip"], "skip: copy and concatenate")):
        ax.plot([], [], color=colour, lw=2, ls="--" if name == "skip" else "-", label=text)
    ax.plot([], [], color="0.3", lw=2, label="1x1 conv to class logits")
    ax.legend(loc="lower right", fontsize=7, frameon=False)
    ax.set_xlim(-1.6, 2.0 * depth + 1.8)
    ax.set_ylim(-depth - 0.8, 0.8)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def _check_drawing(ax, model, size) -> int:
    """The arguments of :func:`draw_unet`; returns ``size``."""
    if not callable(getattr(ax, "add_patch", None)):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    if not isinstance(model, UNet):
        raise TypeError(f"model must be a UNet, got {type(model).__name__}")
    return check_int("size", size, minimum=1)
