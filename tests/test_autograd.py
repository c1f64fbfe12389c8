"""The scalar autograd engine against torch.autograd and finite differences.

The property tests generate random straight-line programs: each step applies a
random operation to earlier results, chosen at random, so the same leaf or
sub-expression often feeds several later operations. Values and gradients
must agree with PyTorch in float64.
"""

import math

import matplotlib.pyplot as plt
import pytest
import torch
from hypothesis import assume, given, settings, strategies as st

from dlbook.fundamentals.autograd import (MLP, Layer, Neuron, Value, draw_graph, gradient_check,
                             numerical_gradient)

# name: (Value version, torch version); each takes operands a, b and a constant c.
OPS = {
    "add": (lambda a, b, c: a + b, lambda a, b, c: a + b),
    "sub": (lambda a, b, c: a - b, lambda a, b, c: a - b),
    "mul": (lambda a, b, c: a * b, lambda a, b, c: a * b),
    "div": (lambda a, b, c: a / (b * b + 0.5), lambda a, b, c: a / (b * b + 0.5)),
    "neg": (lambda a, b, c: -a, lambda a, b, c: -a),
    "exp": (lambda a, b, c: a.exp(), lambda a, b, c: a.exp()),
    "log": (lambda a, b, c: (a * a + 0.5).log(), lambda a, b, c: (a * a + 0.5).log()),
    "tanh": (lambda a, b, c: a.tanh(), lambda a, b, c: a.tanh()),
    "relu": (lambda a, b, c: a.relu(), lambda a, b, c: a.relu()),
    "sigmoid": (lambda a, b, c: a.sigmoid(), lambda a, b, c: a.sigmoid()),
    "pow_int": (lambda a, b, c: a ** 2 if c < 1 else a ** 3,
                lambda a, b, c: a ** 2 if c < 1 else a ** 3),
    "pow_real": (lambda a, b, c: (a * a + 0.5) ** c, lambda a, b, c: (a * a + 0.5) ** c),
    "pow_value": (lambda a, b, c: (a * a + 0.5) ** b, lambda a, b, c: (a * a + 0.5) ** b),
    "radd": (lambda a, b, c: c + a, lambda a, b, c: c + a),
    "rsub": (lambda a, b, c: c - a, lambda a, b, c: c - a),
    "rmul": (lambda a, b, c: c * a, lambda a, b, c: c * a),
    "rdiv": (lambda a, b, c: c / (a * a + 0.5), lambda a, b, c: c / (a * a + 0.5)),
    "rpow": (lambda a, b, c: 2.0 ** a, lambda a, b, c: 2.0 ** a),
    "const_right": (lambda a, b, c: a * c - c, lambda a, b, c: a * c - c),
}
SMOOTH = [name for name in OPS if name != "relu"]
CONSTANTS = [-1.5, 0.5, 2.0, 3.0]


@st.composite
def programs(draw, ops=tuple(OPS)):
    n = draw(st.integers(1, 3))
    leaves = draw(st.lists(st.floats(-2, 2, allow_nan=False), min_size=n, max_size=n))
    steps = draw(st.lists(st.tuples(st.sampled_from(ops), st.integers(0, 50),
                                    st.integers(0, 50), st.sampled_from(CONSTANTS)),
                          min_size=1, max_size=10))
    return leaves, steps


def run(program, leaves, engine):
    """Evaluate the program on ``leaves`` with the Value (0) or torch (1) version."""
    pool = list(leaves)
    for name, i, j, c in program:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        pool.append(OPS[name][engine](a, b, c))
    return pool[-1]


def run_value(program, xs):
    """Run with Values; reject programs whose numbers blow up."""
    leaves = [Value(x) for x in xs]
    try:
        out = run(program, leaves, 0)
    except (OverflowError, ZeroDivisionError):
        assume(False)
    assume(all(abs(v.data) < 1e6 for v in out.topological_order()))
    return leaves, out


@settings(max_examples=300, deadline=None)
@given(programs())
def test_random_programs_match_torch(program_and_leaves):
    xs, program = program_and_leaves
    leaves, out = run_value(program, xs)
    out.backward()
    t_leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    t_out = run(program, t_leaves, 1)
    assert math.isclose(out.data, t_out.item(), rel_tol=1e-10, abs_tol=1e-12)
    if t_out.requires_grad:
        t_grads = torch.autograd.grad(t_out, t_leaves, allow_unused=True)
    else:  # the output is a leaf itself
        t_grads = [None] * len(t_leaves)
    for leaf, t_leaf, t_grad in zip(leaves, t_leaves, t_grads):
        want = 0.0 if t_grad is None else t_grad.item()
        if t_out is t_leaf:
            want = 1.0
        assert math.isclose(leaf.grad, want, rel_tol=1e-8, abs_tol=1e-10), \
            (program, xs, leaf.grad, want)


@settings(max_examples=100, deadline=None)
@given(programs(ops=tuple(SMOOTH)))
def test_random_programs_match_finite_differences(program_and_leaves):
    xs, program = program_and_leaves
    run_value(program, xs)  # rejects programs that blow up
    check = gradient_check(lambda *leaves: run(program, leaves, 0) * 1.0, xs,
                           eps=1e-6, tolerance=1e-5)
    assert check.passed, check


@settings(max_examples=50, deadline=None)
@given(programs())
def test_second_backward_doubles_leaf_gradients(program_and_leaves):
    xs, program = program_and_leaves
    leaves, out = run_value(program, xs)
    out.backward()
    first = [leaf.grad for leaf in leaves]
    inner = {id(n): n.grad for n in out.topological_order() if n.children}
    out.backward()
    for leaf, g in zip(leaves, first):
        assert math.isclose(leaf.grad, 2 * g, rel_tol=1e-12, abs_tol=1e-300)
    # intermediate nodes are recomputed, not accumulated
    for n in out.topological_order():
        if n.children:
            assert n.grad == inner[id(n)]


def test_shared_subexpression_accumulates():
    x = Value(3.0)
    y = x * x + x  # x feeds three edges
    y.backward()
    assert x.grad == 2 * 3.0 + 1
    a = Value(2.0)
    s = a.tanh()  # one node, used by two later operations
    z = s * s + s.exp()
    z.backward()
    t = math.tanh(2.0)
    assert math.isclose(a.grad, (2 * t + math.exp(t)) * (1 - t * t))


def test_hand_worked_chain_rule():
    w, x, b = Value(0.8), Value(1.5), Value(-0.4)
    h = (w * x + b).tanh()
    loss = (h - 1.0) ** 2
    loss.backward()
    z = 0.8 * 1.5 - 0.4
    dh = 2 * (math.tanh(z) - 1)
    dz = dh * (1 - math.tanh(z) ** 2)
    assert math.isclose(w.grad, dz * 1.5) and math.isclose(b.grad, dz)
    assert math.isclose(x.grad, dz * 0.8)


def test_operations_with_numbers_on_either_side():
    x = Value(2.0)
    for expr, want in [(x + 1, 3), (1 + x, 3), (x - 1, 1), (1 - x, -1), (x * 3, 6),
                       (3 * x, 6), (x / 4, 0.5), (4 / x, 2), (x ** 3, 8), (3 ** x, 9),
                       (-x, -2)]:
        assert math.isclose(expr.data, want)


def test_relu_and_power_edge_cases_match_torch():
    for fn in (lambda v: v.relu(), lambda v: v ** 0.5, lambda v: v ** 2, lambda v: v ** 0):
        x = Value(0.0)
        fn(x).backward()
        t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
        out = fn(t)
        (g,) = torch.autograd.grad(out, t) if out.requires_grad else (torch.tensor(0.0),)
        assert x.grad == g.item()


def test_sigmoid_is_stable_for_large_inputs():
    for z in (-800.0, 800.0):
        x = Value(z)
        s = x.sigmoid()
        s.backward()
        assert math.isfinite(s.data) and math.isfinite(x.grad)


def test_deep_graphs_do_not_hit_the_recursion_limit():
    x = Value(1.0)
    total = Value(0.0)
    for _ in range(5000):
        total = total + x
    total.backward()
    assert x.grad == 5000


def test_mlp_matches_torch():
    net = MLP(3, [4, 4, 2], activation="tanh", seed=1)
    x = [0.5, -1.0, 2.0]
    out = net(x)
    loss = out[0] * out[1] + out[0].sigmoid()
    net.zero_grad()
    loss.backward()

    layers = []
    for layer in net.layers:
        lin = torch.nn.Linear(len(layer.neurons[0].w), len(layer.neurons)).double()
        with torch.no_grad():
            lin.weight.copy_(torch.tensor([[w.data for w in n.w] for n in layer.neurons],
                                            dtype=torch.float64))
            lin.bias.copy_(torch.tensor([n.b.data for n in layer.neurons],
                                          dtype=torch.float64))
        layers.append(lin)
    h = torch.tensor(x, dtype=torch.float64)
    for i, lin in enumerate(layers):
        h = lin(h)
        if i < len(layers) - 1:
            h = torch.tanh(h)
    t_loss = h[0] * h[1] + torch.sigmoid(h[0])
    t_loss.backward()
    assert math.isclose(loss.data, t_loss.item(), rel_tol=1e-12)
    for layer, lin in zip(net.layers, layers):
        got_w = torch.tensor([[w.grad for w in n.w] for n in layer.neurons],
                             dtype=torch.float64)
        got_b = torch.tensor([n.b.grad for n in layer.neurons], dtype=torch.float64)
        assert torch.allclose(got_w, lin.weight.grad, rtol=1e-10, atol=1e-12)
        assert torch.allclose(got_b, lin.bias.grad, rtol=1e-10, atol=1e-12)


def test_mlp_learns_xor():
    data = [([0.0, 0.0], 0), ([0.0, 1.0], 1), ([1.0, 0.0], 1), ([1.0, 1.0], 0)]
    net = MLP(2, [4, 1], seed=0)
    for _ in range(300):
        loss = sum(((1 + net(x).exp()).log() - y * net(x)) for x, y in data) / len(data)
        net.zero_grad()
        loss.backward()
        for p in net.parameters():
            p.data -= 1.0 * p.grad
    assert loss.data < 0.1
    assert [int(net(x).data > 0) for x, _ in data] == [0, 1, 1, 0]


def test_parameter_counts_and_reproducible_init():
    assert len(Neuron(3).parameters()) == 4
    assert len(Layer(3, 5).parameters()) == 20
    assert len(MLP(2, [8, 8, 1]).parameters()) == 24 + 72 + 9
    a, b = MLP(2, [3, 1], seed=4), MLP(2, [3, 1], seed=4)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]


def test_numerical_gradient_is_central():
    # For a cubic, the central difference is exact up to eps**2 * f''' / 6 = eps**2.
    grads = numerical_gradient(lambda x: x ** 3, [2.0], eps=1e-3)
    assert abs(grads[0] - 12.0 - 1e-6) < 1e-9


def test_draw_graph_draws_every_node():
    x, w = Value(1.5, label="x"), Value(-0.5, label="w")
    y = (x * w + x * x).tanh()  # x used three times, twice by one product
    y.backward()
    ax = draw_graph(y)
    nodes = y.topological_order()
    n_edges = sum(len(n.children) for n in nodes)
    # one box per Value, one arrow (an annotation) per edge
    assert len(ax.texts) == len(nodes) + n_edges
    ax.figure.canvas.draw()  # arrows are placed at draw time
    plt.close(ax.figure)


@pytest.mark.parametrize("make, error, match", [
    (lambda: Value("a"), TypeError, "data"),
    (lambda: Value(True), TypeError, "data"),
    (lambda: Value(float("nan")), ValueError, "NaN"),
    (lambda: Value(1.0, (1.0,)), TypeError, "children"),
    (lambda: Value(1.0, label=3), TypeError, "label"),
    (lambda: Value(0.0).log(), ValueError, "log"),
    (lambda: Value(-1.0).log(), ValueError, "log"),
    (lambda: Value(2.0) + "a", TypeError, "other"),
    (lambda: "a" * Value(2.0), TypeError, "other"),
    (lambda: Value(2.0) ** "a", TypeError, "exponent"),
    (lambda: Value(-2.0) ** 0.5, ValueError, "negative"),
    (lambda: (-2.0) ** Value(1.0), ValueError, "log"),
    (lambda: Value(0.0) ** -1, ZeroDivisionError, "negative power"),
    (lambda: Value(1.0) / Value(0.0), ZeroDivisionError, "divide"),
    (lambda: Value(1.0).backward(grad="1"), TypeError, "grad"),
    (lambda: Value(1.0).backward(grad=torch.ones(3)), TypeError, "grad"),
    (lambda: Value(1.0).backward(grad=math.inf), ValueError, "grad"),
    (lambda: MLP(2, []), TypeError, "sizes"),
    (lambda: MLP(2, [0]), ValueError, "sizes"),
    (lambda: Neuron(0), ValueError, "nin"),
    (lambda: Neuron(2, activation="swish"), ValueError, "activation"),
    (lambda: Neuron(2)([1.0]), ValueError, "x"),
    (lambda: draw_graph(3.0), TypeError, "root"),
    (lambda: draw_graph(sum(Value(i) for i in range(1, 50))), ValueError, "max_nodes"),
    (lambda: gradient_check(lambda x: 2.0, [1.0]), TypeError, "fn"),
    (lambda: gradient_check(3, [1.0]), TypeError, "fn"),
    (lambda: numerical_gradient(lambda x: x, [1.0], eps=0.0), ValueError, "eps"),
    (lambda: numerical_gradient(lambda x: x, ["a"]), TypeError, "inputs"),
])
def test_bad_inputs(make, error, match):
    with pytest.raises(error, match=match):
        make()
