"""Architecture diagrams drawn from the modules themselves.

:func:`describe_module` walks an ``nn.Module`` and lists what a diagram shows:
one :class:`Layer` box per layer, with its hyperparameters and the shape of
its output, and a :class:`Branches` entry where the module splits into
parallel paths that are then concatenated (Inception) or added (a residual
block). :func:`draw_module` draws that list with matplotlib: boxes top to
bottom, arrows between them, branches side by side. Because both read the
module and push an example input through it, a diagram cannot drift from the
code that builds the network. Chapters: *LeNet*, *Architectures*.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence, Union

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from torch import nn

from .._args import check_int, check_module, check_sequence
from .architectures import InceptionBlock, ResidualBlock


class Layer(NamedTuple):
    """One box of a diagram: what the layer does, what follows it in place, its output shape.

    ``label`` names the layer with its hyperparameters (``"conv 5×5, 1→16, pad 2"``);
    ``extras`` are the element-wise layers folded into the box (batch norm,
    activations, dropout); ``shape`` is the output shape of one example after
    them. ``modules`` are the layers the box stands for. Chapters: *LeNet*,
    *Architectures*.
    """

    label: str
    extras: tuple[str, ...]
    shape: tuple[int, ...]
    modules: tuple[nn.Module, ...]


class Branches(NamedTuple):
    """Parallel paths from one input, merged by ``"concatenate"`` or ``"add"``.

    ``paths`` holds one tuple of :class:`Layer` per branch (an empty tuple is
    the identity); ``shape`` is the shape after the merge. Chapters: *LeNet*,
    *Architectures*.
    """

    paths: tuple[tuple[Layer, ...], ...]
    merge: str
    shape: tuple[int, ...]


_Step = Union[Layer, Branches]

# Element-wise layers: drawn inside the box of the layer before them.
_FOLDED = (nn.BatchNorm1d, nn.BatchNorm2d, nn.ReLU, nn.Tanh, nn.Sigmoid, nn.GELU,
           nn.Dropout)


def _size(v) -> str:
    v = v if isinstance(v, tuple) else (v, v)
    return f"{v[0]}×{v[1]}"


def layer_label(module: nn.Module) -> str:
    """A short description of one layer with its hyperparameters, for a diagram box.

    Chapters: *LeNet*, *Architectures*.
    """
    check_module("module", module)
    m = module
    if isinstance(m, nn.Conv2d):
        text = f"conv {_size(m.kernel_size)}, {m.in_channels}→{m.out_channels}"
        if m.stride != (1, 1):
            text += f", stride {m.stride[0]}"
        if m.padding not in ((0, 0), "valid"):
            text += f", pad {m.padding[0]}"
        return text
    if isinstance(m, nn.Linear):
        return f"linear {m.in_features}→{m.out_features}"
    if isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
        text = f"{'max' if isinstance(m, nn.MaxPool2d) else 'avg'} pool {_size(m.kernel_size)}"
        stride = m.stride if isinstance(m.stride, tuple) else (m.stride, m.stride)
        kernel = m.kernel_size if isinstance(m.kernel_size, tuple) else (m.kernel_size,) * 2
        if stride != kernel:
            text += f", stride {stride[0]}"
        if m.padding not in (0, (0, 0)):
            text += f", pad {m.padding if isinstance(m.padding, int) else m.padding[0]}"
        return text
    if isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
        kind = "avg" if isinstance(m, nn.AdaptiveAvgPool2d) else "max"
        return (f"global {kind} pool" if m.output_size in (1, (1, 1))
                else f"adaptive {kind} pool to {_size(m.output_size)}")
    if isinstance(m, nn.Upsample):
        return f"upsample ×{m.scale_factor:g} ({m.mode})"
    if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
        return "batch norm"
    if isinstance(m, nn.Dropout):
        return f"dropout {m.p:g}"
    if isinstance(m, nn.Identity):
        return "identity"
    return {nn.ReLU: "ReLU", nn.Flatten: "flatten"}.get(type(m), type(m).__name__)


def _leaves(module: nn.Module) -> list[nn.Module]:
    return [m for m in module.modules() if not any(True for _ in m.children())]


def _chain(modules: Sequence[nn.Module | str], shapes: dict) -> tuple[Layer, ...]:
    """Boxes for layers applied one after the other; strings are functional layers."""
    boxes: list[Layer] = []
    for m in modules:
        if isinstance(m, str):  # a function in forward, such as torch.relu
            label, shape, mods = m, None, ()
        else:
            label, shape, mods = layer_label(m), shapes[id(m)], (m,)
        if boxes and (isinstance(m, str) or isinstance(m, _FOLDED)):
            last = boxes[-1]
            boxes[-1] = Layer(last.label, last.extras + (label,),
                              shape or last.shape, last.modules + mods)
        else:
            boxes.append(Layer(label, (), shape, mods))
    return tuple(boxes)


def _steps(module: nn.Module, shapes: dict) -> list[_Step]:
    if isinstance(module, InceptionBlock):
        branches = (module.branch1, module.branch3, module.branch5, module.branch_pool)
        return [Branches(tuple(_chain(_leaves(b), shapes) for b in branches),
                         "concatenate", shapes[id(module)])]
    if isinstance(module, ResidualBlock):
        main = [module.conv1, module.bn1, "ReLU", module.conv2, module.bn2]
        if not module.residual:
            return [*_chain(main + ["ReLU"], shapes)]
        skip = [m for m in _leaves(module.shortcut) if not isinstance(m, nn.Identity)]
        added = Branches((_chain(main, shapes), _chain(skip, shapes)), "add",
                         shapes[id(module)])
        return [added, Layer("ReLU", (), shapes[id(module)], ())]
    children = list(module.children())
    if not children:
        return list(_chain([module], shapes))
    steps: list[_Step] = []
    for child in children:  # other modules: their children, in the order registered
        for step in _steps(child, shapes):
            if (isinstance(step, Layer) and steps and isinstance(steps[-1], Layer)
                    and len(step.modules) == 1 and isinstance(step.modules[0], _FOLDED)):
                last = steps[-1]
                steps[-1] = Layer(last.label, last.extras + (step.label,), step.shape,
                                  last.modules + step.modules)
            else:
                steps.append(step)
    return steps


def _step_modules(steps: Sequence[_Step]) -> list[nn.Module]:
    out: list[nn.Module] = []
    for step in steps:
        if isinstance(step, Layer):
            out += step.modules
        else:
            for path in step.paths:
                out += _step_modules(path)
    return out


def describe_module(module: nn.Module, input_shape: Sequence[int]) -> list[_Step]:
    """The boxes and branches of ``module``'s diagram, in the order data flows.

    One example of ``input_shape`` (without the batch dimension) goes through
    the module in evaluation mode, and forward hooks record every layer's
    output shape and the order the layers run in. :class:`InceptionBlock` and
    :class:`ResidualBlock` become :class:`Branches`; any other module is the
    chain of its children in the order they were registered, and a module
    whose forward runs its layers in another order raises ``ValueError``
    rather than give a wrong picture. Element-wise layers (batch norm, ReLU,
    dropout) are folded into the box before them. Chapters: *LeNet*,
    *Architectures*.
    """
    check_module("module", module)
    shape = tuple(check_int("input_shape", s, minimum=1)
                  for s in check_sequence("input_shape", input_shape))
    if not shape:
        raise ValueError("input_shape must hold at least one size, got ()")
    shapes: dict[int, tuple[int, ...]] = {}
    ran: list[nn.Module] = []

    def record(m, inputs, out):
        shapes[id(m)] = tuple(out.shape[1:])
        if not any(True for _ in m.children()):
            ran.append(m)

    handles = [m.register_forward_hook(record) for m in module.modules()]
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            module(torch.zeros(1, *shape))
    finally:
        for h in handles:
            h.remove()
        module.train(was_training)
    try:
        steps = _steps(module, shapes)
    except KeyError:  # a layer without a recorded output never ran
        raise ValueError(f"module: it holds a layer its forward does not run "
                         f"({type(module).__name__})") from None
    drawn = [m for m in _step_modules(steps) if not isinstance(m, nn.Identity)]
    ran = [m for m in ran if not isinstance(m, nn.Identity)]
    if [id(m) for m in drawn] != [id(m) for m in ran]:
        raise ValueError(f"module: its forward runs its layers in an order the diagram "
                         f"cannot show ({type(module).__name__})")
    return steps


# ---------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------

_W, _GAP_X, _GAP_Y, _LINE = 1.9, 0.2, 0.22, 0.15  # inches


def _shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(str(s) for s in shape)


def _box_height(layer: Layer) -> float:
    return _LINE * (2 + bool(layer.extras)) + 0.08


def _path_height(path: Sequence[Layer]) -> float:
    return sum(_box_height(b) + _GAP_Y for b in path)


def _width(steps: Sequence[_Step]) -> int:
    return max(len(s.paths) if isinstance(s, Branches) else 1 for s in steps)


def _arrow(ax, start, end, colour="0.3"):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=8,
                                 color=colour, lw=0.8, shrinkA=0, shrinkB=0))


def _draw_box(ax, layer: Layer, x: float, top: float, colours) -> float:
    h = _box_height(layer)
    kind = type(layer.modules[0]).__name__ if layer.modules else ""
    face = colours.get(kind, "white")
    ax.add_patch(FancyBboxPatch((x - _W / 2, top - h), _W, h, facecolor=face,
                                edgecolor="0.25", lw=0.8,
                                boxstyle="round,pad=0,rounding_size=0.05"))
    lines = [layer.label] + ([", ".join(layer.extras)] if layer.extras else [])
    for k, text in enumerate(lines):
        ax.text(x, top - 0.04 - _LINE * (k + 0.5), text, ha="center", va="center",
                fontsize=7, color="black" if k == 0 else "0.25")
    ax.text(x, top - h + 0.04 + _LINE * 0.5, _shape_text(layer.shape), ha="center",
            va="center", fontsize=6.5, color="0.4", style="italic")
    return top - h


def draw_module(module: nn.Module, input_shape: Sequence[int], *,
                title: str | None = None, ax: plt.Axes | None = None) -> plt.Figure:
    """Draw the diagram of ``module`` (see :func:`describe_module`) and return the figure.

    Boxes run from the input at the top to the output at the bottom, each with
    its layer, the element-wise layers folded into it and its output shape
    (channels × height × width, in italics). Branches stand side by side and
    meet at a "concatenate" box or a "+" circle; an identity branch is a bare
    line. Convolutions are blue, pooling orange, linear layers green. The
    figure gets the size the drawing needs, or it goes into ``ax`` (drawn to
    scale, with equal aspect). Chapters: *LeNet*, *Architectures*.
    """
    steps = describe_module(module, input_shape)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string or None, got {type(title).__name__}")
    if ax is not None and not isinstance(ax, plt.Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    colours = {"Conv2d": "#cfe2f3", "MaxPool2d": "#fce5cd", "AvgPool2d": "#fce5cd",
               "AdaptiveAvgPool2d": "#fce5cd", "AdaptiveMaxPool2d": "#fce5cd",
               "Linear": "#d9ead3"}
    cols = _width(steps)
    width = cols * _W + (cols - 1) * _GAP_X + 0.2
    own = ax is None
    fig, ax = plt.subplots() if own else (ax.figure, ax)
    ax.set_axis_off()
    ax.text(0, -0.12, f"input {_shape_text(tuple(input_shape))}", ha="center",
            va="center", fontsize=7, color="0.25", style="italic")
    y = -0.22
    for step in steps:
        if isinstance(step, Layer):
            _arrow(ax, (0, y), (0, y - _GAP_Y))
            y = _draw_box(ax, step, 0.0, y - _GAP_Y, colours)
            continue
        k = len(step.paths)
        xs = [(i - (k - 1) / 2) * (_W + _GAP_X) for i in range(k)]
        split = y - 0.1
        ax.plot([0, 0], [y, split], color="0.3", lw=0.8)
        ax.plot([xs[0], xs[-1]], [split, split], color="0.3", lw=0.8)
        bottom = split - max(_path_height(p) for p in step.paths) - 0.1
        for x, path in zip(xs, step.paths):
            top = split
            for layer in path:
                _arrow(ax, (x, top), (x, top - _GAP_Y))
                top = _draw_box(ax, layer, x, top - _GAP_Y, colours)
            if not path:
                ax.text(x + 0.06, (split + bottom) / 2, "identity", ha="left",
                        va="center", fontsize=7, color="0.25")
            ax.plot([x, x], [top, bottom], color="0.3", lw=0.8)
        ax.plot([xs[0], xs[-1]], [bottom, bottom], color="0.3", lw=0.8)
        if step.merge == "add":
            r = 0.13
            _arrow(ax, (0, bottom), (0, bottom - 0.12))
            ax.add_patch(Circle((0, bottom - 0.12 - r), r, facecolor="white",
                                edgecolor="0.25", lw=0.8))
            ax.text(0, bottom - 0.12 - r, "+", ha="center", va="center", fontsize=10)
            ax.text(r + 0.08, bottom - 0.12 - r, f"add: {_shape_text(step.shape)}",
                    ha="left", va="center", fontsize=6.5, color="0.4", style="italic")
            y = bottom - 0.12 - 2 * r
        else:
            merged = Layer("concatenate channels", (), step.shape, ())
            _arrow(ax, (0, bottom), (0, bottom - 0.12))
            y = _draw_box(ax, merged, 0.0, bottom - 0.12, {})
    height = -y + 0.08
    ax.set_xlim(-width / 2, width / 2)
    ax.set_ylim(-height, 0)
    if not own:
        ax.set_aspect("equal")
        if title:
            ax.set_title(title, fontsize=9)
        return fig
    top_room = 0.3 if title else 0.0
    fig.set_size_inches(width, height + top_room)
    ax.set_position((0, 0, 1, height / (height + top_room)))
    if title:
        fig.suptitle(title, fontsize=9, y=1 - 0.04 / (height + top_room), va="top")
    return fig
