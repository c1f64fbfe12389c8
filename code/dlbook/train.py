"""The training loop every chapter from *Softmax regression* on uses.

``fit`` trains a model with minibatches for a number of epochs, measures the
loss and any metrics on validation data after every epoch, can stop early and
restore the best weights, and returns a :class:`History` that plots itself.
It is plain PyTorch: read it top to bottom, or copy it into your own project.
Explained in the chapters *Softmax regression* and *Practical training*.
"""

from __future__ import annotations

import copy
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import torch
from torch import nn
from torch.utils.data import (BatchSampler, DataLoader, Dataset, RandomSampler,
                              SequentialSampler, TensorDataset)

from ._args import (check_bool, check_callable, check_choice, check_device, check_float,
                    check_int, check_labels, check_module, check_same_length, check_tensor)
from .runtime import choose_device

Metric = Callable[[torch.Tensor, torch.Tensor], torch.Tensor | float]


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Fraction of rows whose largest logit is at the true class (NaN if a row has NaN)."""
    check_tensor("logits", logits, ndim=2, nonempty=True)
    check_labels("y", y, logits.shape[1])
    check_same_length("logits", logits, "y", y)
    correct = (logits.argmax(dim=1) == y).float()
    # A row with a NaN has no largest logit: it counts as NaN, not as a guess.
    return torch.where(logits.isnan().any(dim=1), torch.nan, correct).mean()


def make_loader(data, batch_size: int = 64, *, shuffle: bool = False,
                seed: int = 0) -> DataLoader:
    """A ``DataLoader`` from a ``DataLoader``, a ``Dataset`` or a pair ``(X, y)``.

    For a pair of tensors, each minibatch is taken by indexing the tensors with a
    list of indices, rather than by collating examples one at a time: the same
    batches in the same order as ``DataLoader(..., shuffle=shuffle)``, many times
    faster when the model is small.
    """
    return _loader(data, batch_size, shuffle, seed, "data")


def _loader(data, batch_size: int, shuffle: bool, seed: int, name: str) -> DataLoader:
    """:func:`make_loader`, naming the argument ``data`` came from in its errors."""
    batch_size = check_int("batch_size", batch_size, minimum=1)
    shuffle = check_bool("shuffle", shuffle)
    seed = check_int("seed", seed, minimum=0)
    if isinstance(data, DataLoader):
        return data
    generator = torch.Generator().manual_seed(seed) if shuffle else None
    if isinstance(data, (tuple, list)) and len(data) == 2 and all(
            isinstance(t, torch.Tensor) and t.ndim > 0 for t in data):
        if len(data[0]) != len(data[1]) or len(data[0]) == 0:
            raise ValueError(f"{name} must be (X, y) with one target per example, got "
                             f"{len(data[0])} inputs and {len(data[1])} targets")
        dataset = TensorDataset(*data)
        order = (RandomSampler(dataset, generator=generator) if shuffle
                 else SequentialSampler(dataset))
        # The loader draws from the generator too, as a plain shuffling one does.
        return DataLoader(dataset, batch_size=None, generator=generator,
                          sampler=BatchSampler(order, batch_size, drop_last=False))
    if not isinstance(data, Dataset):
        raise TypeError(f"{name} must be a DataLoader, a Dataset or a pair (X, y) of "
                        f"tensors, got {type(data).__name__}")
    return DataLoader(data, batch_size=batch_size, shuffle=shuffle, generator=generator)


@dataclass
class History:
    """What ``fit`` measured: one dict of numbers per epoch."""

    records: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    seconds: float = 0.0

    def __getitem__(self, key: str) -> list[float]:
        if not self.records or key not in self.records[0]:
            known = ", ".join(self.records[0]) if self.records else "nothing yet"
            raise KeyError(f"{key!r} was not measured; measured: {known}")
        return [r[key] for r in self.records]

    def __len__(self) -> int:
        return len(self.records)

    @property
    def last(self) -> dict[str, float]:
        return self.records[-1] if self.records else {}

    def summary(self) -> str:
        """One line: epochs, time, the last epoch's numbers and, with early stopping,
        the best epoch's (whose weights ``fit`` restores by default)."""
        def numbers(record):
            return ", ".join(f"{k} {v:.4g}" for k, v in record.items() if k != "epoch")

        line = f"{len(self)} epochs in {self.seconds:.1f} s: {numbers(self.last)}"
        if self.best_epoch is None:
            return line
        best = next(r for r in self.records if r["epoch"] == self.best_epoch)
        return f"{line}; best epoch {self.best_epoch}: {numbers(best)}"

    __repr__ = summary

    def plot(self, metrics: Sequence[str] | None = None, axes=None):
        """Training and validation curves, one panel per quantity; returns the figure."""
        import matplotlib.pyplot as plt

        names = metrics or sorted({k.split("_", 1)[1] for k in self.last if "_" in k},
                                  key=lambda n: (n != "loss", n))
        if axes is None:
            _, axes = plt.subplots(1, len(names), figsize=(3.4 * len(names), 3.0),
                                   squeeze=False)
            axes = axes[0]
        for ax, name in zip(axes, names):
            for split, style in (("train", "-"), ("val", "--")):
                key = f"{split}_{name}"
                if key in self.last:
                    ax.plot(self["epoch"], self[key], style, label=split)
            if self.best_epoch:
                ax.axvline(self.best_epoch, color="grey", lw=0.8, ls=":")
            ax.set_xlabel("epoch")
            ax.set_title(name)
            ax.legend()
        return axes[0].figure


def _show_progress(progress: bool | None) -> bool:
    if progress is not None:
        return progress
    # The book's build sets DLBOOK_PROGRESS=0 so that rendered pages stay clean.
    return os.environ.get("DLBOOK_PROGRESS", "1") != "0"


@torch.no_grad()
def evaluate(model: nn.Module, data, loss_fn: Callable, *,
             metrics: Mapping[str, Metric] | None = None, batch_size: int = 256,
             device: torch.device | str | None = None) -> dict[str, float]:
    """Average loss and metrics of ``model`` over ``data``, in eval mode."""
    check_module("model", model)
    check_callable("loss_fn", loss_fn)
    metrics = _check_metrics(metrics)
    device = check_device("device", device) if device is not None else _device_of(model)
    loader = make_loader(data, batch_size)
    was_training = model.training
    model.eval()
    totals: dict[str, float] = {}
    count = 0
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        out = model(X)
        n = len(y)
        totals["loss"] = totals.get("loss", 0.0) + float(loss_fn(out, y)) * n
        for name, metric in metrics.items():
            totals[name] = totals.get(name, 0.0) + float(metric(out, y)) * n
        count += n
    model.train(was_training)
    if count == 0:
        raise ValueError("data is empty")
    return {k: v / count for k, v in totals.items()}


@torch.no_grad()
def predict(model: nn.Module, X: torch.Tensor, *, batch_size: int = 512) -> torch.Tensor:
    """The model's outputs for ``X``, computed in eval mode, on the CPU."""
    check_module("model", model)
    check_tensor("X", X)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    device = _device_of(model)
    was_training = model.training
    model.eval()
    # At least one batch, so that zero rows give a zero-row output.
    out = torch.cat([model(X[i:i + batch_size].to(device)).cpu()
                     for i in range(0, max(len(X), 1), batch_size)])
    model.train(was_training)
    return out


def fit(model: nn.Module, train_data, *, loss_fn: Callable, optimizer,
        epochs: int, batch_size: int = 64, val_data=None,
        metrics: Mapping[str, Metric] | None = None, scheduler=None,
        scheduler_step: str = "epoch", patience: int | None = None,
        restore_best: bool = True, clip_grad_norm: float | None = None,
        device: torch.device | str | None = None, seed: int = 0,
        progress: bool | None = None, verbose: bool = True) -> History:
    """Train ``model`` with minibatch gradient descent and return its :class:`History`.

    ``train_data`` and ``val_data`` are pairs ``(X, y)``, ``Dataset``\\ s or
    ``DataLoader``\\ s. ``optimizer`` is any object with ``zero_grad()`` and
    ``step()`` (``torch.optim`` or the book's own optimisers). After every epoch
    the loss and ``metrics`` are measured on the training data (averaged over the
    epoch's minibatches) and on ``val_data``. With ``patience``, training stops
    when the validation loss has not improved for that many epochs, and with
    ``restore_best`` the weights of the best epoch are put back.
    ``scheduler.step()`` is called after every epoch, or after every minibatch
    with ``scheduler_step="batch"``. A progress bar shows for interactive
    readers; ``verbose`` prints one summary line at the end.
    Chapters: *Softmax regression*, *Practical training*.
    """
    epochs, clip_grad_norm, metrics, device, stopper = _check_fit_args(
        model, loss_fn, optimizer, epochs, scheduler, scheduler_step, patience,
        val_data, restore_best, verbose, progress, clip_grad_norm, metrics, device)
    loader, val_loader = _fit_loaders(train_data, val_data, batch_size, seed)
    model.to(device)
    history, bar = History(), _Progress(epochs, progress)
    start = time.perf_counter()
    for epoch in bar:
        model.train()
        totals = _Totals(metrics)
        for X, y in loader:
            X, y = X.to(device), y.to(device)
            out = model(X)
            loss = loss_fn(out, y)
            optimizer.zero_grad()
            loss.backward()
            if clip_grad_norm is not None:
                nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
            optimizer.step()
            if scheduler is not None and scheduler_step == "batch":
                scheduler.step()
            totals.add(loss, out, y)
        if scheduler is not None and scheduler_step == "epoch":
            scheduler.step()
        record = {"epoch": epoch, **totals.means("train_")}
        if val_loader is not None:
            val = evaluate(model, val_loader, loss_fn, metrics=metrics, device=device)
            record.update({f"val_{k}": v for k, v in val.items()})
        history.records.append(record)
        bar.show(record)
        if stopper is not None and stopper.should_stop(record, model, history):
            break
    bar.close()
    if stopper is not None:
        stopper.restore(model)
    history.seconds = time.perf_counter() - start
    if verbose:
        print(history.summary())
    return history


def _check_fit_args(model, loss_fn, optimizer, epochs, scheduler, scheduler_step,
                    patience, val_data, restore_best, verbose, progress,
                    clip_grad_norm, metrics, device):
    """Check ``fit``'s arguments; return the converted ones and the early stopper."""
    check_module("model", model)
    check_callable("loss_fn", loss_fn)
    _check_methods("optimizer", optimizer, "zero_grad", "step")
    epochs = check_int("epochs", epochs, minimum=1)
    if scheduler is not None:
        _check_methods("scheduler", scheduler, "step")
    check_choice("scheduler_step", scheduler_step, ("epoch", "batch"))
    if patience is not None:
        patience = check_int("patience", patience, minimum=1)
        if val_data is None:
            raise ValueError("patience needs val_data to monitor the validation loss")
    restore_best = check_bool("restore_best", restore_best)
    check_bool("verbose", verbose)
    if progress is not None:
        check_bool("progress", progress)
    if clip_grad_norm is not None:
        clip_grad_norm = check_float("clip_grad_norm", clip_grad_norm, minimum=0.0,
                                     strict_min=True)
    metrics = _check_metrics(metrics)
    device = choose_device() if device is None else check_device("device", device)
    stopper = None if patience is None else _EarlyStopping(patience, restore_best)
    return epochs, clip_grad_norm, metrics, device, stopper


def _fit_loaders(train_data, val_data, batch_size: int, seed: int):
    """The shuffled training loader and the validation loader (or None) of ``fit``."""
    loader = _loader(train_data, batch_size, True, seed, "train_data")
    if val_data is not None:
        val_data = _loader(val_data, 256, False, 0, "val_data")
    if len(loader) == 0:
        raise ValueError("train_data must hold at least one example")
    return loader, val_data


class _Totals:
    """Sums of the loss and metrics over an epoch's minibatches, weighted by size."""

    def __init__(self, metrics: Mapping[str, Metric]):
        self.metrics, self.sums, self.count = metrics, {}, 0

    def add(self, loss: torch.Tensor, out: torch.Tensor, y: torch.Tensor) -> None:
        n = len(y)
        self.sums["loss"] = self.sums.get("loss", 0.0) + loss.item() * n
        with torch.no_grad():
            for name, metric in self.metrics.items():
                self.sums[name] = self.sums.get(name, 0.0) + float(metric(out, y)) * n
        self.count += n

    def means(self, prefix: str) -> dict[str, float]:
        return {f"{prefix}{k}": v / self.count for k, v in self.sums.items()}


class _Progress:
    """The epochs of ``fit``, with a progress bar for interactive readers."""

    def __init__(self, epochs: int, progress: bool | None):
        self.epochs, self.bar = range(1, epochs + 1), None
        if _show_progress(progress):
            from tqdm.auto import tqdm

            self.bar = tqdm(self.epochs, desc="training", leave=False, file=sys.stdout)

    def __iter__(self):
        return iter(self.bar if self.bar is not None else self.epochs)

    def show(self, record: dict[str, float]) -> None:
        if self.bar is not None:
            self.bar.set_postfix({k: f"{v:.3g}" for k, v in record.items()
                                  if k != "epoch"})

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class _EarlyStopping:
    """Stop when the validation loss has not improved for ``patience`` epochs."""

    def __init__(self, patience: int, restore_best: bool):
        self.patience, self.restore_best = patience, restore_best
        self.best_loss, self.best_state, self.waited = float("inf"), None, 0

    def should_stop(self, record: dict[str, float], model: nn.Module,
                    history: History) -> bool:
        if record["val_loss"] < self.best_loss:
            self.best_loss, self.waited = record["val_loss"], 0
            history.best_epoch = record["epoch"]
            if self.restore_best:
                self.best_state = copy.deepcopy(model.state_dict())
            return False
        self.waited += 1
        if self.waited >= self.patience:
            history.stopped_early = True
            return True
        return False

    def restore(self, model: nn.Module) -> None:
        if self.best_state is not None:
            model.load_state_dict(self.best_state)


def _device_of(model: nn.Module) -> torch.device:
    return next(model.parameters(), torch.empty(0)).device


def _check_metrics(metrics) -> dict[str, Metric]:
    if metrics is None:
        return {}
    if not isinstance(metrics, Mapping) or not all(callable(m) for m in metrics.values()):
        raise TypeError("metrics must be a dict from names to functions of (output, y), "
                        f"got {metrics!r}")
    return dict(metrics)


def _check_methods(name: str, value, *methods: str) -> None:
    if not all(callable(getattr(value, m, None)) for m in methods):
        raise TypeError(f"{name} must have {' and '.join(m + '()' for m in methods)}, "
                        f"got {type(value).__name__}")
