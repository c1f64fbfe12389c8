"""From the perceptron to the multilayer perceptron.

``Perceptron`` is Rosenblatt's learning rule written out by hand. ``MLP`` builds
a stack of linear layers with a nonlinearity between them. ``train_digits_mlp``
is the one recipe that trains the book's MLP on the handwritten digits; the
chapter and the tests both call it, so the accuracy the chapter reports is the
accuracy the tests check. ``ParallelMLP`` trains several small MLPs of
the same shape at once, for experiments repeated over seeds. Chapter:
*Multilayer perceptrons*.
"""

from __future__ import annotations

import numbers
from functools import partial
from typing import Callable, NamedTuple, Sequence

import torch
from torch import nn

from .._args import (check_binary, check_bool, check_float, check_int, check_labels, check_shape,
                     check_tensor)
from ..data import load_digits
from ..runtime import seed_everything
from ..train import History, accuracy, evaluate, fit


class Perceptron:
    """Rosenblatt's perceptron: a linear threshold unit and its mistake-driven rule.

    Labels are 0 and 1; inside, they are mapped to -1 and +1 so that one rule
    covers both kinds of mistake: when ``t (w.x + b) <= 0`` the example is on
    the wrong side (or on the boundary) and ``w += lr t x``, ``b += lr t``.
    Chapter: *Multilayer perceptrons*.
    """

    def __init__(self, n_features: int, *, dtype: torch.dtype = torch.float32):
        n_features = _check_perceptron(n_features, dtype)
        self.w = torch.zeros(n_features, dtype=dtype)
        self.b = torch.zeros((), dtype=dtype)

    def decision_function(self, X: torch.Tensor) -> torch.Tensor:
        """The score ``X w + b``; its sign is the predicted class."""
        return _check_inputs(self, X) @ self.w + self.b

    def predict(self, X: torch.Tensor) -> torch.Tensor:
        """Class labels 0 or 1 (int64): 1 where the score is positive."""
        return (self.decision_function(X) > 0).long()

    def fit(self, X: torch.Tensor, y: torch.Tensor, *, epochs: int = 10, lr: float = 1.0,
            shuffle: bool = False, seed: int = 0) -> list[int]:
        """Sweep over the data ``epochs`` times, updating on every mistake.

        Returns the number of mistakes in each epoch. Stops early after an
        epoch without mistakes: the data are then separated and no rule will
        change the weights again.
        """
        X, epochs, lr, shuffle, generator = _check_fit(self, X, y, epochs, lr, shuffle, seed)
        t = (2 * y - 1).to(self.w.dtype)          # labels 0/1 -> -1/+1
        mistakes = []
        for _ in range(epochs):
            order = torch.randperm(len(X), generator=generator) if shuffle else \
                torch.arange(len(X))
            count = 0
            for i in order.tolist():
                if t[i] * (X[i] @ self.w + self.b) <= 0:
                    self.w += lr * t[i] * X[i]
                    self.b += lr * t[i]
                    count += 1
            mistakes.append(count)
            if count == 0:
                break
        return mistakes


def _check_perceptron(n_features: int, dtype: torch.dtype) -> int:
    """Check ``Perceptron``'s arguments; return ``n_features`` as an int."""
    n_features = check_int("n_features", n_features, minimum=1)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype must be a floating torch.dtype, got {dtype!r}")
    return n_features


def _check_inputs(perceptron: Perceptron, X: torch.Tensor) -> torch.Tensor:
    """Check ``X`` has one column per weight; return it in the weights' dtype."""
    check_tensor("X", X, ndim=2, floating=True, finite=True)
    if X.shape[1] != len(perceptron.w):
        raise ValueError(f"X must have {len(perceptron.w)} columns, got shape "
                         f"{tuple(X.shape)}")
    return X.to(perceptron.w.dtype)


def _check_fit(perceptron: Perceptron, X: torch.Tensor, y: torch.Tensor, epochs: int,
               lr: float, shuffle: bool, seed: int):
    """Check ``Perceptron.fit``'s arguments; return them converted, with a generator."""
    X = _check_inputs(perceptron, X)
    check_binary("y", y)
    if len(y) != len(X):
        raise ValueError(f"y must have one label per row of X: {len(y)} labels "
                         f"for {len(X)} rows")
    epochs = check_int("epochs", epochs, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, strict_min=True)
    shuffle = check_bool("shuffle", shuffle)
    generator = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
    return X, epochs, lr, shuffle, generator


ACTIVATION_MODULES: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU,
    "leaky_relu": nn.LeakyReLU, "elu": nn.ELU, "silu": nn.SiLU, "softplus": nn.Softplus,
    "identity": nn.Identity,
}


def _activation_factory(activation) -> Callable[[], nn.Module]:
    if isinstance(activation, str):
        if activation not in ACTIVATION_MODULES:
            known = ", ".join(ACTIVATION_MODULES)
            raise ValueError(f"activation must be one of {known}; got {activation!r}")
        return ACTIVATION_MODULES[activation]
    if isinstance(activation, nn.Module) or not callable(activation):
        raise TypeError("activation must be a name or a function that returns a new "
                        f"nn.Module (such as nn.ReLU), got {type(activation).__name__}")
    return activation


class MLP(nn.Module):
    """A multilayer perceptron: ``Linear -> activation (-> Dropout)`` repeated, then ``Linear``.

    ``sizes`` lists the widths from input to output, so ``MLP([64, 128, 10])``
    has one hidden layer of 128 units. ``activation`` is a name from
    ``ACTIVATION_MODULES`` or a class (any callable) that returns a new module,
    such as ``nn.Tanh`` or ``dlbook.training.activations.GELU``. ``dropout`` (a
    probability) adds dropout after every hidden activation. The output layer
    has no activation: it returns logits. Chapter: *Multilayer perceptrons*.
    """

    def __init__(self, sizes: Sequence[int], activation="relu", dropout: float = 0.0):
        super().__init__()
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
            raise TypeError(f"sizes must be a sequence of ints, got {type(sizes).__name__}")
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least an input and an output width, "
                             f"got {list(sizes)}")
        self.sizes = [check_int(f"sizes[{i}]", s, minimum=1) for i, s in enumerate(sizes)]
        make_activation = _activation_factory(activation)
        dropout = check_float("dropout", dropout, minimum=0.0, maximum=1.0, strict_max=True)
        layers: list[nn.Module] = []
        for i, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            layers.append(nn.Linear(n_in, n_out))
            if i < len(self.sizes) - 2:  # every layer but the output one
                layers.append(make_activation())
                if dropout > 0:
                    layers.append(nn.Dropout(dropout))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_shape("x", x, ("N", self.sizes[0]), dtype=self.linears[0].weight.dtype)
        return self.layers(x)

    @property
    def linears(self) -> list[nn.Linear]:
        """The linear layers, from input to output."""
        return [m for m in self.layers if isinstance(m, nn.Linear)]


class ParallelMLP(nn.Module):
    """``n_models`` independent MLPs of the same shape, trained side by side.

    Layer ``l`` keeps all the models' weights in one ``(n_models, in, out)``
    tensor, and ``torch.baddbmm`` applies them in one call, so training five
    seeds costs little more than training one when the networks are small.
    The input ``(N, in)`` is shared; the output is ``(n_models, N, out)``. Each
    model starts as ``nn.Linear`` would start it, and :meth:`member` returns
    model ``k`` as an ordinary :class:`MLP`. Train with the sum of the models'
    losses (:func:`parallel_cross_entropy`): the gradient of each model's
    weights is then its own loss's gradient. ``dropout`` is one rate for all
    models or one per model, applied after every hidden activation with masks
    drawn independently for each model. Chapter: *Multilayer perceptrons*.
    """

    def __init__(self, n_models: int, sizes: Sequence[int], activation="relu",
                 dropout: float | Sequence[float] = 0.0):
        super().__init__()
        self.n_models = check_int("n_models", n_models, minimum=1)
        self.register_buffer("dropout", _per_model("dropout", dropout, self.n_models,
                                                   maximum=1.0))
        # MLP validates the sizes and activation and provides nn.Linear's initialisation
        members = [MLP(sizes, activation) for _ in range(self.n_models)]
        self.sizes = members[0].sizes
        self._make_activation = _activation_factory(activation)
        self.activation = self._make_activation()
        self.weights = nn.ParameterList(
            nn.Parameter(torch.stack([m.linears[i].weight.detach().T for m in members]))
            for i in range(len(self.sizes) - 1))
        self.biases = nn.ParameterList(
            nn.Parameter(torch.stack([m.linears[i].bias.detach() for m in members])[:, None])
            for i in range(len(self.sizes) - 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_shape("x", x, ("N", self.sizes[0]), dtype=self.weights[0].dtype)
        h = x.expand(self.n_models, *x.shape)
        last = len(self.weights) - 1
        for i, (W, b) in enumerate(zip(self.weights, self.biases)):
            h = torch.baddbmm(b, h, W)  # b + h @ W for every model at once
            if i < last:
                h = self.activation(h)
                if self.training and bool(self.dropout.any()):
                    p = self.dropout[:, None, None].to(h.dtype)  # each model's own rate
                    h = h * (torch.rand_like(h) >= p) / (1 - p)
        return h

    def member(self, k: int) -> MLP:
        """Model ``k`` as a stand-alone :class:`MLP` with a copy of its weights."""
        k = check_int("k", k, minimum=0, maximum=self.n_models - 1)
        model = MLP(self.sizes, self._make_activation, dropout=float(self.dropout[k]))
        with torch.no_grad():
            for layer, W, b in zip(model.linears, self.weights, self.biases):
                layer.weight.copy_(W[k].T)
                layer.bias.copy_(b[k, 0])
        return model


def parallel_cross_entropy(logits: torch.Tensor, y: torch.Tensor,
                           label_smoothing: float | Sequence[float] = 0.0) -> torch.Tensor:
    """The sum over models of each model's mean cross-entropy; ``logits`` is ``(K, N, C)``.

    ``label_smoothing`` is one value for all models or one per model: model
    ``k``'s loss is ``(1 - e_k)`` times the cross-entropy plus ``e_k`` times the
    mean of ``-log p`` over the classes, as in ``F.cross_entropy``.
    Chapter: *Multilayer perceptrons*.
    """
    check_tensor("logits", logits, ndim=3, floating=True, nonempty=True)
    K, N, C = logits.shape
    check_labels("y", y, C)
    if y.shape != (N,):
        raise ValueError(f"y must have shape ({N},) to match logits, got {tuple(y.shape)}")
    eps = _per_model("label_smoothing", label_smoothing, K, maximum=1.0, strict=False)
    log_p = torch.log_softmax(logits, dim=-1)                                 # (K, N, C)
    nll = -log_p.gather(-1, y.expand(K, N)[..., None]).squeeze(-1).mean(-1)  # (K,)
    uniform = -log_p.mean(dim=-1).mean(dim=-1)                                # (K,)
    return ((1 - eps.to(logits.dtype)) * nll + eps.to(logits.dtype) * uniform).sum()


def _per_model(name: str, value, n_models: int, *, maximum: float,
               strict: bool = True) -> torch.Tensor:
    """One number in [0, maximum) (or [0, maximum]) per model, from one or a sequence."""
    values = [value] * n_models if isinstance(value, numbers.Real) and not isinstance(
        value, bool) else value
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a number or a sequence of {n_models} numbers, "
                        f"got {type(value).__name__}")
    if len(values) != n_models:
        raise ValueError(f"{name} must give one value per model ({n_models}), "
                         f"got {len(values)}")
    return torch.tensor([check_float(f"{name}[{k}]" if len(values) > 1 else name, v,
                                     minimum=0.0, maximum=maximum, strict_max=strict)
                         for k, v in enumerate(values)], dtype=torch.float64)


class DigitsMLP(NamedTuple):
    """What :func:`train_digits_mlp` returns."""

    model: MLP
    history: History
    val_accuracy: float
    test_accuracy: float


DIGITS_MLP_HIDDEN = (512,)


def train_digits_mlp(seed: int = 0, *, dropout: float = 0.0, label_smoothing: float = 0.1,
                     epochs: int = 40, device: str | None = "cpu",
                     verbose: bool = False) -> DigitsMLP:
    """Train the book's MLP on the 8x8 digits; measure it on validation and test data.

    64 pixels -> 512 hidden ReLU units -> 10 classes, trained for ``epochs``
    epochs on cross-entropy with ``label_smoothing`` by Adam (learning rate
    1e-3, weight decay 1e-4) in minibatches of 32, with ``dropout`` after the
    hidden layer; the last weights are kept. The defaults are the ones the
    chapter chooses on the validation split. ``seed`` fixes the initial
    weights, the dropout masks and the order of the minibatches; the data split
    is always the book's (``load_digits(seed=0)``). ``device=None`` uses a GPU
    when there is one; the book trains on the CPU so that its numbers are
    reproducible. Chapter: *Multilayer perceptrons*.
    """
    seed = check_int("seed", seed, minimum=0)
    epochs = check_int("epochs", epochs, minimum=1)
    label_smoothing = check_float("label_smoothing", label_smoothing, minimum=0.0,
                                  maximum=1.0)
    seed_everything(seed)
    data = load_digits(flatten=True)
    model = MLP([64, *DIGITS_MLP_HIDDEN, 10], activation="relu", dropout=dropout)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    history = fit(model, data.train, batch_size=32,
                  loss_fn=partial(nn.functional.cross_entropy,
                                  label_smoothing=label_smoothing),
                  optimizer=optimizer, epochs=epochs, val_data=data.val,
                  metrics={"accuracy": accuracy}, seed=seed, device=device,
                  verbose=verbose)
    val, test = (evaluate(model, split, nn.functional.cross_entropy,
                          metrics={"accuracy": accuracy})
                 for split in (data.val, data.test))
    return DigitsMLP(model, history, val["accuracy"], test["accuracy"])
