"""Logistic and softmax regression, and the recipe that trains one.

Both models are one linear layer that outputs *logits* (unnormalised
scores); the losses in :mod:`dlbook.fundamentals.losses` turn logits into probabilities
inside the loss, where it can be done stably. :func:`train_softmax_regression`
is the one recipe that the chapter and the tests share.
Chapter: *Softmax regression*.
"""

from __future__ import annotations

import torch
from torch import nn

from .._args import check_float, check_int, check_shape
from ..data import Splits, load_digits
from .losses import cross_entropy
from ..runtime import seed_everything
from ..train import History, accuracy, fit


class LogisticRegression(nn.Module):
    """Binary classifier ``p(y=1 | x) = sigmoid(w . x + b)``.

    ``forward`` returns the logit ``w . x + b``, shape ``(N,)``, to be used
    with ``binary_cross_entropy_with_logits``. Chapter: *Softmax regression*.
    """

    def __init__(self, in_features: int):
        super().__init__()
        d = check_int("in_features", in_features, minimum=1)
        self.linear = nn.Linear(d, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_shape("x", x, ("N", self.linear.in_features), dtype=self.linear.weight.dtype)
        return self.linear(x).squeeze(-1)


class SoftmaxRegression(nn.Module):
    """Multiclass linear classifier: ``p(y | x) = softmax(W x + b)``.

    ``forward`` returns the ``(N, num_classes)`` logits ``W x + b``, to be
    used with ``cross_entropy``. Chapter: *Softmax regression*.
    """

    def __init__(self, in_features: int, num_classes: int):
        super().__init__()
        d = check_int("in_features", in_features, minimum=1)
        k = check_int("num_classes", num_classes, minimum=2)
        self.linear = nn.Linear(d, k)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_shape("x", x, ("N", self.linear.in_features), dtype=self.linear.weight.dtype,
                    hint="flatten images first")
        return self.linear(x)


def train_softmax_regression(
        data: Splits | None = None, *, lr: float = 1.0,
        batch_size: int = 32, epochs: int = 40, seed: int = 0,
        device: str | None = "cpu", verbose: bool = True,
) -> tuple[SoftmaxRegression, History]:
    """Train softmax regression with minibatch SGD (default: on the digits).

    ``data`` holds flattened images and labels; it defaults to
    ``load_digits(flatten=True)``. The loss is the book's own
    ``cross_entropy``; accuracy is measured on the training and validation
    parts after every epoch. The test part is not touched: evaluating on it
    is the caller's last step. ``device=None`` uses a GPU when there is one
    (the book trains on the CPU so that its numbers are reproducible).
    Chapter: *Softmax regression*.
    """
    data = data if data is not None else load_digits(flatten=True)
    if not isinstance(data, Splits):
        raise TypeError("data must be a dlbook.data.Splits, got "
                        f"{type(data).__name__}")
    lr = check_float("lr", lr, minimum=0.0, strict_min=True)
    seed_everything(seed)
    X, y = data.train
    model = SoftmaxRegression(X.shape[1], int(y.max()) + 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    history = fit(model, data.train, loss_fn=cross_entropy,
                  optimizer=optimizer, epochs=epochs, batch_size=batch_size,
                  val_data=data.val, metrics={"accuracy": accuracy},
                  seed=seed, device=device, verbose=verbose)
    return model, history
