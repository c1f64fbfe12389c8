"""A scalar reverse-mode automatic differentiation engine, built from scratch.

A :class:`Value` holds one number and remembers the operation and the
operands that produced it, so a computation leaves its computational graph
behind. ``backward()`` on the result visits that graph in reverse
topological order and applies the chain rule at every node: afterwards
each Value's ``grad`` is the derivative of the result with respect to it.
:class:`Neuron`, :class:`Layer` and :class:`MLP` build a small neural
network out of Values, :func:`draw_graph` draws a graph with matplotlib,
and :func:`gradient_check` compares the engine's gradients with central
finite differences.

The design follows Andrej Karpathy's micrograd. Chapter: *Backpropagation*.
"""

from __future__ import annotations

import math
import numbers
import random
from dataclasses import dataclass
from typing import Callable, Sequence

from .._args import check_bool, check_choice, check_float, check_int, check_sequence


def _noop(grad: float) -> None:
    """The backward step of a leaf: nothing feeds it, nothing to pass on."""


def _lift(other: object, name: str = "other") -> "Value":
    """Turn a Python number into a constant leaf; leave a Value alone."""
    if isinstance(other, Value):
        return other
    if type(other) is not float and (isinstance(other, bool) or
                                     not isinstance(other, numbers.Real)):
        raise TypeError(f"{name} must be a Value or a real number, got "
                        f"{type(other).__name__}")
    if other != other:
        raise ValueError(f"{name} must not be NaN")
    return Value(float(other))


class Value:
    """One scalar node of a computational graph: its ``data`` and ``grad``.

    ``children`` are the Values this one was computed from and ``op`` names
    the operation; the operators fill both in, so a reader writes only
    ``Value(2.0)`` or ``Value(2.0, label="x")``. Arithmetic with Python
    numbers works on either side (``2 * x``, ``x - 1``, ``1 / x``,
    ``2 ** x``). ``_backward(grad)`` is the node's local chain-rule step:
    given ``grad``, the derivative of the final output with respect to this
    node, it adds this node's share to the ``grad`` of each child.
    Chapter: *Backpropagation*.
    """

    __slots__ = ("data", "grad", "label", "_prev", "_op", "_backward")

    def __init__(self, data: float, children: Sequence["Value"] = (),
                 op: str = "", label: str = ""):
        # A fast path for floats: a training step creates many Values.
        if type(data) is not float:
            if isinstance(data, bool) or not isinstance(data, numbers.Real):
                raise TypeError("data must be a real number, got "
                                f"{type(data).__name__}")
            data = float(data)
        if data != data:
            raise ValueError("data must not be NaN")
        if type(children) is not tuple:
            children = tuple(check_sequence("children", children, nonempty=False))
        for child in children:
            if not isinstance(child, Value):
                raise TypeError("children must be Values, got "
                                f"{type(child).__name__}")
        if type(op) is not str:
            raise TypeError(f"op must be a str, got {type(op).__name__}")
        if type(label) is not str:
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        self.data = data
        self.grad = 0.0
        self.label = label
        self._prev = children
        self._op = op
        self._backward: Callable[[float], None] = _noop

    def __repr__(self) -> str:
        name = f"{self.label}: " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    @property
    def children(self) -> tuple["Value", ...]:
        """The Values this one was computed from (empty for a leaf)."""
        return self._prev

    @property
    def op(self) -> str:
        """The operation that produced this Value ('' for a leaf)."""
        return self._op

    # --- two operands ----------------------------------------------------

    def __add__(self, other: "Value | float") -> "Value":
        other = _lift(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward(grad: float) -> None:
            # d(a + b)/da = 1 and d(a + b)/db = 1
            self.grad += grad
            other.grad += grad

        out._backward = _backward
        return out

    def __sub__(self, other: "Value | float") -> "Value":
        other = _lift(other)
        out = Value(self.data - other.data, (self, other), "-")

        def _backward(grad: float) -> None:
            self.grad += grad
            other.grad -= grad

        out._backward = _backward
        return out

    def __mul__(self, other: "Value | float") -> "Value":
        other = _lift(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward(grad: float) -> None:
            # d(ab)/da = b and d(ab)/db = a
            self.grad += other.data * grad
            other.grad += self.data * grad

        out._backward = _backward
        return out

    def __truediv__(self, other: "Value | float") -> "Value":
        other = _lift(other)
        if other.data == 0.0:
            raise ZeroDivisionError("cannot divide by a Value whose data is 0")
        out = Value(self.data / other.data, (self, other), "/")

        def _backward(grad: float) -> None:
            # d(a/b)/da = 1/b and d(a/b)/db = -a/b**2
            self.grad += grad / other.data
            other.grad -= self.data / other.data ** 2 * grad

        out._backward = _backward
        return out

    def __pow__(self, exponent: "Value | float") -> "Value":
        if isinstance(exponent, Value):
            # a ** b = exp(b log a), defined for a > 0 only
            return (exponent * self.log()).exp()
        if isinstance(exponent, bool) or not isinstance(exponent,
                                                        numbers.Real):
            raise TypeError("exponent must be a Value or a real number, got "
                            f"{type(exponent).__name__}")
        p = float(exponent)
        x = self.data
        if x < 0 and not p.is_integer():
            raise ValueError(f"a negative Value ({x:g}) has no real power "
                             f"{p:g}")
        if x == 0 and p < 0:
            raise ZeroDivisionError("0 cannot be raised to the negative "
                                    f"power {p:g}")
        out = Value(x ** p, (self,), f"**{p:g}")

        def _backward(grad: float) -> None:
            # d(x**p)/dx = p x**(p-1), infinite at x = 0 when 0 < p < 1
            if p == 0:
                local = 0.0
            elif x == 0 and p < 1:
                local = math.inf
            else:
                local = p * x ** (p - 1)
            self.grad += local * grad

        out._backward = _backward
        return out

    def __neg__(self) -> "Value":
        out = Value(-self.data, (self,), "neg")

        def _backward(grad: float) -> None:
            self.grad -= grad

        out._backward = _backward
        return out

    # Python numbers on the left: 2 + x, 2 - x, 2 * x, 2 / x, 2 ** x.
    def __radd__(self, other: float) -> "Value":
        return _lift(other) + self

    def __rsub__(self, other: float) -> "Value":
        return _lift(other) - self

    def __rmul__(self, other: float) -> "Value":
        return _lift(other) * self

    def __rtruediv__(self, other: float) -> "Value":
        return _lift(other) / self

    def __rpow__(self, base: float) -> "Value":
        return _lift(base, "base") ** self

    # --- one operand -----------------------------------------------------

    def exp(self) -> "Value":
        """e to the power of this Value."""
        e = math.exp(self.data)
        out = Value(e, (self,), "exp")

        def _backward(grad: float) -> None:
            self.grad += e * grad  # d(e**x)/dx = e**x

        out._backward = _backward
        return out

    def log(self) -> "Value":
        """The natural logarithm; raises ``ValueError`` unless data > 0."""
        if self.data <= 0:
            raise ValueError("log needs a positive Value, got "
                             f"data={self.data:g}")
        out = Value(math.log(self.data), (self,), "log")

        def _backward(grad: float) -> None:
            self.grad += grad / self.data  # d(log x)/dx = 1/x

        out._backward = _backward
        return out

    def tanh(self) -> "Value":
        """The hyperbolic tangent."""
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward(grad: float) -> None:
            self.grad += (1.0 - t * t) * grad  # d(tanh x)/dx = 1 - tanh²x

        out._backward = _backward
        return out

    def relu(self) -> "Value":
        """max(0, x); its derivative at 0 is taken to be 0, as in PyTorch."""
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward(grad: float) -> None:
            self.grad += (self.data > 0) * grad

        out._backward = _backward
        return out

    def sigmoid(self) -> "Value":
        """The logistic function 1 / (1 + e**-x), computed without overflow."""
        x = self.data
        if x >= 0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            s = e / (1.0 + e)
        out = Value(s, (self,), "sigmoid")

        def _backward(grad: float) -> None:
            self.grad += s * (1.0 - s) * grad

        out._backward = _backward
        return out

    # --- the backward pass -----------------------------------------------

    def topological_order(self) -> list["Value"]:
        """Every Value this one depends on, each after all of its children.

        A depth-first search that appends a node once all its children are
        done; written with a stack rather than recursion, so that deep
        graphs do not hit Python's recursion limit.
        """
        order: list[Value] = []
        seen: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))  # comes back after its children
            stack.extend((child, False) for child in node._prev
                         if id(child) not in seen)
        return order

    def backward(self, grad: float = 1.0) -> None:
        """Set the ``grad`` of every Value this one depends on.

        Afterwards ``v.grad`` is d(self)/d(v). ``grad`` seeds the output (1:
        the derivative of a number with respect to itself). The gradients
        of intermediate nodes are computed afresh on every call; those of
        leaves (inputs and parameters) accumulate across calls, as in
        PyTorch, so reset them between training steps.
        Chapter: *Backpropagation*.
        """
        grad = check_float("grad", grad)
        order = self.topological_order()
        for node in order:
            if node._prev:
                node.grad = 0.0
        self.grad += grad
        for node in reversed(order):  # the output first, the leaves last
            node._backward(node.grad)


# --- a small neural network made of Values ------------------------------

ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")


def _check_rng(rng: random.Random | None) -> random.Random:
    if rng is None:
        return random.Random(0)
    if not isinstance(rng, random.Random):
        raise TypeError(f"rng must be a random.Random, got {type(rng).__name__}")
    return rng


def _check_inputs(x: Sequence[Value | float], n: int) -> list[Value]:
    """The inputs of a unit as Values, after checking there are ``n`` of them."""
    x = check_sequence("x", x, nonempty=False)
    if len(x) != n:
        raise ValueError(f"x must have {n} entries, got {len(x)}")
    return [_lift(xi, "x") for xi in x]


class Neuron:
    """One unit, ``activation(w . x + b)``, with ``nin`` weights and a bias.

    Weights and bias start uniform in [-1/sqrt(nin), 1/sqrt(nin)], the
    range ``torch.nn.Linear`` uses. Chapter: *Backpropagation*.
    """

    def __init__(self, nin: int, *, activation: str = "tanh",
                 rng: random.Random | None = None):
        nin = check_int("nin", nin, minimum=1)
        self.activation = check_choice("activation", activation, ACTIVATIONS)
        rng = _check_rng(rng)
        bound = 1.0 / math.sqrt(nin)
        self.w = [Value(rng.uniform(-bound, bound), label=f"w{i}")
                  for i in range(nin)]
        self.b = Value(rng.uniform(-bound, bound), label="b")

    def __call__(self, x: Sequence[Value | float]) -> Value:
        x = _check_inputs(x, len(self.w))
        z = self.b
        for wi, xi in zip(self.w, x):
            z = z + wi * xi
        if self.activation == "linear":
            return z
        return getattr(z, self.activation)()

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, activation={self.activation!r})"


class Layer:
    """``nout`` neurons reading the same ``nin`` inputs.

    Chapter: *Backpropagation*.
    """

    def __init__(self, nin: int, nout: int, *, activation: str = "tanh",
                 rng: random.Random | None = None):
        nout = check_int("nout", nout, minimum=1)
        rng = _check_rng(rng)
        self.neurons = [Neuron(nin, activation=activation, rng=rng)
                        for _ in range(nout)]

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        return [neuron(x) for neuron in self.neurons]

    def parameters(self) -> list[Value]:
        return [p for neuron in self.neurons for p in neuron.parameters()]

    def __repr__(self) -> str:
        return f"Layer([{', '.join(map(repr, self.neurons))}])"


class MLP:
    """A multilayer perceptron of Values: ``nin`` inputs, then ``sizes``.

    Hidden layers use ``activation``; the last layer is linear, so that its
    outputs are logits or regression values. Calling the network returns
    one Value when the last layer has one neuron, else a list. ``seed``
    makes the initial weights reproducible. Chapter: *Backpropagation*.
    """

    def __init__(self, nin: int, sizes: Sequence[int], *,
                 activation: str = "tanh", seed: int = 0):
        if (not isinstance(sizes, Sequence) or isinstance(sizes, str)
                or not sizes):
            raise TypeError("sizes must be a non-empty sequence of layer "
                            f"widths, got {sizes!r}")
        check_choice("activation", activation, ACTIVATIONS)
        rng = random.Random(check_int("seed", seed, minimum=0))
        widths = [check_int("nin", nin, minimum=1)]
        widths += [check_int("sizes", s, minimum=1) for s in sizes]
        last = len(sizes) - 1
        self.layers = [
            Layer(a, b, rng=rng,
                  activation=activation if i < last else "linear")
            for i, (a, b) in enumerate(zip(widths[:-1], widths[1:]))]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def zero_grad(self) -> None:
        """Reset the gradients of all parameters before a backward pass."""
        for p in self.parameters():
            p.grad = 0.0

    def __repr__(self) -> str:
        return f"MLP([{', '.join(map(repr, self.layers))}])"


# --- checking gradients -------------------------------------------------

def numerical_gradient(fn: Callable[..., Value | float],
                       inputs: Sequence[float], *,
                       eps: float = 1e-6) -> list[float]:
    """Central differences (f(x + eps) - f(x - eps)) / (2 eps), per input.

    ``fn`` takes one ``Value`` per input and returns a Value (or a number).
    The error of a central difference shrinks like eps**2 until rounding
    errors, which grow like 1/eps, take over. Chapter: *Backpropagation*.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    xs = [check_float("inputs", x) for x in check_sequence("inputs", inputs)]
    eps = check_float("eps", eps, minimum=0.0, strict_min=True)

    def f(values: list[float]) -> float:
        out = fn(*[Value(v) for v in values])
        if isinstance(out, Value):
            return out.data
        return check_float("the result of fn", out)

    grads = []
    for i in range(len(xs)):
        up, down = list(xs), list(xs)
        up[i] += eps
        down[i] -= eps
        grads.append((f(up) - f(down)) / (2 * eps))
    return grads


@dataclass(frozen=True)
class GradientCheck:
    """Backpropagated and numerical gradients, and whether they agree."""

    analytic: list[float]
    numeric: list[float]
    max_error: float
    passed: bool


def gradient_check(fn: Callable[..., Value], inputs: Sequence[float], *,
                   eps: float = 1e-6,
                   tolerance: float = 1e-6) -> GradientCheck:
    """Compare the gradients of ``fn`` at ``inputs`` with central differences.

    The error of each entry is ``|a - n| / max(1, |a|, |n|)``: relative for
    large gradients, absolute for small ones, so that gradients near zero
    do not produce huge relative errors. Chapter: *Backpropagation*.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    tolerance = check_float("tolerance", tolerance, minimum=0.0,
                            strict_min=True)
    leaves = [Value(check_float("inputs", x)) for x in check_sequence("inputs", inputs)]
    out = fn(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"fn must return a Value, got {type(out).__name__}")
    out.backward()
    analytic = [leaf.grad for leaf in leaves]
    numeric = numerical_gradient(fn, [leaf.data for leaf in leaves], eps=eps)
    errors = [abs(a - n) / max(1.0, abs(a), abs(n))
              for a, n in zip(analytic, numeric)]
    worst = max(errors, default=0.0)
    return GradientCheck(analytic, numeric, worst, worst <= tolerance)


# --- drawing a graph ----------------------------------------------------

def draw_graph(root: Value, *, ax=None, show_grad: bool = True,
               max_nodes: int = 80, digits: int = 3):
    """Draw the graph that produced ``root``: inputs left, output right.

    Each Value is a box with its label, the operation that produced it (in
    parentheses, on an orange box), its data and, with ``show_grad``, its
    grad; arrows run from operands to results. A node's column is its
    longest distance to the output, so every arrow points right. Returns
    the matplotlib Axes. Chapter: *Backpropagation*.
    """
    import matplotlib.pyplot as plt

    if not isinstance(root, Value):
        raise TypeError(f"root must be a Value, got {type(root).__name__}")
    show_grad = check_bool("show_grad", show_grad)
    max_nodes = check_int("max_nodes", max_nodes, minimum=1)
    digits = check_int("digits", digits, minimum=1, maximum=10)
    order = root.topological_order()
    if len(order) > max_nodes:
        raise ValueError(f"the graph has {len(order)} nodes, more than "
                         f"max_nodes={max_nodes}; draw a smaller expression "
                         "or raise max_nodes")

    # Rank = longest path to the root; parents come before their children.
    rank: dict[int, int] = {id(root): 0}
    parents: dict[int, list[Value]] = {id(n): [] for n in order}
    for node in reversed(order):
        for child in node._prev:
            rank[id(child)] = max(rank.get(id(child), 0), rank[id(node)] + 1)
            parents[id(child)].append(node)
    depth = max(rank.values())
    columns: dict[int, list[Value]] = {}
    for node in reversed(order):
        columns.setdefault(rank[id(node)], []).append(node)

    # Fill the columns from the output leftwards, each node near its parents.
    y: dict[int, float] = {}
    for r in range(depth + 1):
        nodes = columns.get(r, [])
        if r > 0:
            nodes.sort(key=lambda n: sum(y[id(p)] for p in parents[id(n)])
                       / len(parents[id(n)]))
        for i, node in enumerate(nodes):
            y[id(node)] = (len(nodes) - 1) / 2 - i
    height = max(len(c) for c in columns.values())

    # Data units are inches, so that text and spacing keep their proportions.
    col_w, row_h = 1.0, 0.62
    if ax is None:
        _, ax = plt.subplots(figsize=(depth * col_w + 0.9, row_h * height))
    ax.set_xlim(-0.45, depth * col_w + 0.45)
    ax.set_ylim(-row_h * height / 2, row_h * height / 2)
    ax.axis("off")
    pos = {key: ((depth - r) * col_w, row_h * y[key])
           for key, r in rank.items()}
    texts = {}
    for node in order:
        head = node.label
        if node._op:  # the operation that produced this Value
            head = f"{head} ({node._op})" if head else f"({node._op})"
        lines = [head] if head else []
        lines.append(f"data {node.data:.{digits}g}")
        if show_grad:
            lines.append(f"grad {node.grad:.{digits}g}")
        texts[id(node)] = ax.text(
            *pos[id(node)], "\n".join(lines), ha="center", va="center",
            fontsize=7, linespacing=1.15, zorder=3,
            bbox=dict(boxstyle="round,pad=0.25",
                      fc="#FBEFD9" if node._op else "white",
                      ec="#E69F00" if node._op else "#0072B2", lw=1.0))
    for node in order:
        for k, child in enumerate(node._prev):
            # The same operand twice (as in x * x): bend the arrows apart.
            uses = [i for i, c in enumerate(node._prev) if c is child]
            bend = 0.0
            if len(uses) > 1:
                bend = 0.5 * (uses.index(k) - (len(uses) - 1) / 2)
            # From the right edge of the operand's text to the left edge of
            # the result's, measured when drawn; the shrinks clear the boxes.
            ax.annotate("", xy=(0, 0.5), xycoords=texts[id(node)],
                        xytext=(1, 0.5), textcoords=texts[id(child)],
                        arrowprops=dict(arrowstyle="-|>", color="#555555",
                                        lw=0.8, shrinkA=3, shrinkB=3,
                                        connectionstyle=f"arc3,rad={bend}"),
                        zorder=2)
    return ax
