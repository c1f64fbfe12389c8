"""Contract examples for Part I, ``dlbook.fundamentals``, and its chapters' checks."""

import random

import torch

from dlbook.data import Split, Splits
from dlbook.fundamentals.autograd import Value

from . import ANY_SHAPE, Example, checks_in, elementwise, merge, propagates

RECORD = "a plain record: its fields are stored as given"
ANY_REAL = "any real number is a valid value here"
NO_ROWS = "zero rows give a result with zero rows"
IS_FLOAT = "a Value holds a Python float, infinities included, as arithmetic makes them"


def _g(seed=0):
    return torch.Generator().manual_seed(seed)


def _xy(n=8, d=2, seed=0):
    X = torch.randn(n, d, generator=_g(seed))
    return X, X @ torch.tensor([1.0, -2.0])[:d] + 0.5


def _splits():
    X = torch.randn(30, 4, generator=_g())
    y = torch.arange(30) % 3
    return Splits(Split(X[:18], y[:18]), Split(X[18:24], y[18:24]), Split(X[24:], y[24:]))


ALONG_DIM = "any shape: the function works along dim, and a NaN there gives NaN"
NEGATIVE_DIM = {"dim": {"range:negative": "a negative dim counts from the last axis"}}


def _rows(features):
    """A model's forward on a batch of rows."""
    return Example(dict(x=torch.randn(4, features)),
                   accept=merge(propagates("x"), {"x": {"empty": NO_ROWS}}))


def _inputs(values):
    """The inputs of a unit made of Values."""
    return Example(dict(x=list(values)),
                   accept={"x": {"element:inf": IS_FLOAT, "element:range": ANY_REAL}})


def _graph():
    a, b = Value(2.0, label="a"), Value(-1.0, label="b")
    out = (a * b + a).tanh()
    out.backward()
    return dict(root=out, show_grad=True, max_nodes=20, digits=3)


EXAMPLES = {
    # --- autograd --------------------------------------------------------------
    "dlbook.fundamentals.autograd.Value": Example(
        dict(data=2.0, children=(), op="", label="x"),
        accept={"op": {"range": "any text names the operation"},
                "label": {"range": "any text is a label"},
                "data": {"inf": IS_FLOAT, "range": ANY_REAL}},
        methods={"backward": Example(dict(grad=1.0), accept={"grad": {"range": ANY_REAL}})}),
    "dlbook.fundamentals.autograd.Neuron": Example(
        lambda: dict(nin=3, activation="relu", rng=random.Random(0)),
        methods={"__call__": _inputs([1.0, 2.0, 3.0])}),
    "dlbook.fundamentals.autograd.Layer": Example(
        lambda: dict(nin=3, nout=2, activation="tanh", rng=random.Random(0)),
        methods={"__call__": _inputs([1.0, 2.0, 3.0])}),
    "dlbook.fundamentals.autograd.MLP": Example(
        dict(nin=2, sizes=[3, 1], activation="tanh", seed=0),
        methods={"__call__": _inputs([1.0, 2.0])}),
    "dlbook.fundamentals.autograd.numerical_gradient": Example(
        dict(fn=lambda a, b: a * b + b, inputs=[1.0, 2.0], eps=1e-6),
        accept={"inputs": {"element:range": ANY_REAL}}),
    "dlbook.fundamentals.autograd.GradientCheck": Example(record=RECORD),
    "dlbook.fundamentals.autograd.gradient_check": Example(
        dict(fn=lambda a, b: (a * b).tanh(), inputs=[0.5, -1.0], eps=1e-6, tolerance=1e-6),
        accept={"inputs": {"element:range": ANY_REAL}}),
    "dlbook.fundamentals.autograd.draw_graph": Example(_graph),
    # --- linear regression -----------------------------------------------------
    "dlbook.fundamentals.linear.add_bias_column": Example(
        dict(X=_xy()[0]), accept=merge(propagates("X"), {"X": {"empty": NO_ROWS}})),
    "dlbook.fundamentals.linear.mse": Example(
        dict(pred=_xy()[1] + 0.1, y=_xy()[1]), accept=propagates("pred", "y")),
    "dlbook.fundamentals.linear.least_squares": Example(
        dict(X=_xy()[0], y=_xy()[1], method="solve")),
    "dlbook.fundamentals.linear.mse_gradient": Example(
        dict(X=_xy()[0], y=_xy()[1], w=torch.zeros(2), b=torch.tensor(0.0)),
        accept=propagates("w", "b")),
    "dlbook.fundamentals.linear.GDResult": Example(record=RECORD),
    "dlbook.fundamentals.linear.gradient_descent": Example(
        dict(X=_xy()[0], y=_xy()[1], lr=0.1, steps=3, w0=torch.zeros(2), b0=0.0),
        accept={"b0": {"range:negative": "any starting bias is a valid start"},
                **propagates("w0")}),
    "dlbook.fundamentals.linear.mse_grid": Example(
        dict(x=_xy(d=1)[0][:, 0], y=_xy(d=1)[1], ws=torch.linspace(-1, 1, 3),
             bs=torch.linspace(-1, 1, 4)),
        accept=merge(propagates("x", "y", "ws", "bs"),
                     {k: {"empty": "an empty grid gives an empty table of losses"}
                      for k in ("ws", "bs")})),
    "dlbook.fundamentals.linear.r2_score": Example(dict(pred=_xy()[1] + 0.1, y=_xy()[1]),
                                                   accept=propagates("pred", "y")),
    # --- softmax regression ----------------------------------------------------
    "dlbook.fundamentals.linear_models.LogisticRegression": Example(
        dict(in_features=3), methods={"forward": _rows(3)}),
    "dlbook.fundamentals.linear_models.SoftmaxRegression": Example(
        dict(in_features=3, num_classes=4),
        methods={"forward": _rows(3)}),
    "dlbook.fundamentals.linear_models.train_softmax_regression": Example(
        lambda: dict(data=_splits(), lr=0.5, batch_size=8, epochs=1, seed=0, device="cpu",
                     verbose=False),
        accept={"device": {"type:None": "None picks a GPU when there is one"}}),
    "dlbook.fundamentals.losses.logsumexp": Example(
        dict(x=torch.randn(3, 4), dim=1, keepdim=False),
        accept=merge(elementwise("x", reason=ALONG_DIM), NEGATIVE_DIM)),
    "dlbook.fundamentals.losses.log_softmax": Example(
        dict(logits=torch.randn(3, 4), dim=-1),
        accept=merge(elementwise("logits", reason=ALONG_DIM), NEGATIVE_DIM)),
    "dlbook.fundamentals.losses.softmax": Example(
        dict(logits=torch.randn(3, 4), dim=0),
        accept=merge(elementwise("logits", reason=ALONG_DIM), NEGATIVE_DIM)),
    "dlbook.fundamentals.losses.cross_entropy": Example(
        dict(logits=torch.randn(3, 4), targets=torch.tensor([0, 3, 1])),
        accept=propagates("logits")),
    "dlbook.fundamentals.losses.binary_cross_entropy_with_logits": Example(
        dict(logits=torch.randn(4), targets=torch.tensor([0.0, 1.0, 1.0, 0.5])),
        accept=merge(propagates("logits"),
                     {"targets": {"dtype": "integer 0s and 1s are probabilities too"}})),
    "dlbook.fundamentals.metrics.confusion_matrix": Example(
        dict(y_true=torch.tensor([0, 1, 2, 2]), y_pred=torch.tensor([0, 2, 2, 1]),
             num_classes=3),
        accept={k: {"type:list": "labels may come as a list or an array",
                    "type:ndarray": "labels may come as a list or an array"}
                for k in ("y_true", "y_pred")}),
    # --- multilayer perceptrons ------------------------------------------------
    "dlbook.fundamentals.mlp.Perceptron": Example(
        dict(n_features=2, dtype=torch.float64),
        methods={
            "decision_function": Example(dict(X=torch.randn(5, 2)),
                                         accept={"X": {"empty": NO_ROWS}}),
            "predict": Example(dict(X=torch.randn(5, 2)), accept={"X": {"empty": NO_ROWS}}),
            "fit": Example(dict(X=torch.randn(6, 2, generator=_g()),
                                y=torch.tensor([0, 1, 1, 0, 1, 0]), epochs=2, lr=1.0,
                                shuffle=True, seed=0)),
        }),
    "dlbook.fundamentals.mlp.MLP": Example(
        dict(sizes=[3, 4, 2], activation="tanh", dropout=0.1),
        methods={"forward": _rows(3)}),
    "dlbook.fundamentals.mlp.ParallelMLP": Example(
        dict(n_models=2, sizes=[3, 4, 2], activation="relu", dropout=[0.0, 0.2]),
        methods={"forward": _rows(3), "member": Example(dict(k=1))}),
    "dlbook.fundamentals.mlp.parallel_cross_entropy": Example(
        dict(logits=torch.randn(2, 5, 3), y=torch.tensor([0, 1, 2, 0, 1]),
             label_smoothing=0.1),
        accept=propagates("logits")),
    "dlbook.fundamentals.mlp.DigitsMLP": Example(record=RECORD),
    "dlbook.fundamentals.mlp.train_digits_mlp": Example(
        dict(seed=0, dropout=0.1, label_smoothing=0.1, epochs=1, device="cpu",
             verbose=False),
        accept={"device": {"type:None": "None picks a GPU when there is one"}}),
    # --- backpropagation in matrix form ---------------------------------------
    "dlbook.fundamentals.matrix_backprop.linear_backward": Example(
        dict(dY=torch.randn(4, 2), X=torch.randn(4, 3), W=torch.randn(2, 3)),
        accept=merge(propagates("dY", "X", "W"),
                     {"dY": {"empty": NO_ROWS}, "X": {"empty": NO_ROWS}})),
    "dlbook.fundamentals.matrix_backprop.softmax_cross_entropy_backward": Example(
        dict(Z=torch.randn(3, 4), y=torch.tensor([0, 3, 1])),
        accept=propagates("Z")),
}

EXAMPLES.update(checks_in(*(f"dlbook.checks.{chapter}" for chapter in (
    "tensors", "linear_regression", "softmax_regression", "backpropagation", "mlp"))))
