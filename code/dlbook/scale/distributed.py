"""Data-parallel training with ``torch.distributed``: the pieces of a launched script.

A script started by ``torchrun`` on every process calls :func:`setup`, builds the
same model everywhere (:func:`make_model`), reads its share of every global batch
(:func:`shard_loader`), trains (:func:`train`), sends what it measured to rank 0
(:func:`gather_results`) and calls :func:`teardown`. :func:`ring_all_reduce` is the
all-reduce written by hand from ``send`` and ``recv``, and :func:`average_gradients`
uses it to do what ``DistributedDataParallel`` does after a backward pass.
Chapter: *Data-parallel training*.
"""

from __future__ import annotations

import copy
import os
import statistics
import time
from typing import Any

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, Dataset, DistributedSampler, TensorDataset

from .._args import (check_choice, check_int, check_labels, check_module, check_same_length,
                     check_tensor)

ENV_VARS = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


# ---------------------------------------------------------------------------
# The process group
# ---------------------------------------------------------------------------

def setup(backend: str = "gloo", threads: int = 1) -> tuple[int, int]:
    """Join the process group that ``torchrun`` describes in the environment.

    Sets this process's intra-op threads to ``threads`` (one per process, so that
    two processes on two cores do not fight over them) and returns ``(rank,
    world_size)``. In a process that has joined a group already, returns its place
    in it. Chapter: *Data-parallel training*.
    """
    backend = check_choice("backend", backend, ("gloo", "nccl", "mpi"))
    torch.set_num_threads(check_int("threads", threads, minimum=1))
    if not dist.is_initialized():
        missing = [v for v in ENV_VARS if v not in os.environ]
        if missing:
            raise RuntimeError(f"{', '.join(missing)} not set: launch the script with "
                               "torchrun (python -m torch.distributed.run)")
        dist.init_process_group(backend)
    return dist.get_rank(), dist.get_world_size()


def teardown() -> None:
    """Leave the process group, if this process is in one. Chapter: *Data-parallel training*."""
    if dist.is_initialized():
        dist.destroy_process_group()


# ---------------------------------------------------------------------------
# The same model and the same data on every rank
# ---------------------------------------------------------------------------

def make_model(hidden: int = 256, seed: int = 0) -> nn.Module:
    """A multilayer perceptron for the 8x8 digits (64 inputs, 10 classes), its
    weights drawn from ``seed``: every rank that calls it gets the same model.
    The global random state is left as it was. Chapter: *Data-parallel training*.
    """
    hidden = check_int("hidden", hidden, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(nn.Linear(64, hidden), nn.ReLU(),
                             nn.Linear(hidden, hidden), nn.ReLU(),
                             nn.Linear(hidden, 10))


def digits_train() -> TensorDataset:
    """The training split of the handwritten digits, images flattened to 64 values
    (``dlbook.data.load_digits``, seed 0). Chapter: *Data-parallel training*."""
    from ..data import load_digits

    train = load_digits(flatten=True).train
    return TensorDataset(train.X, train.y)


def shard_loader(dataset: Dataset, global_batch: int, rank: int, world_size: int,
                 seed: int = 0) -> DataLoader:
    """This rank's share of every global batch of ``global_batch`` examples.

    A ``DistributedSampler`` shuffles the indices with ``seed`` (and the epoch),
    the same permutation on every rank, and deals them out in turn: rank ``r``
    takes positions ``r, r + world_size, ...``. Batches of
    ``global_batch / world_size`` then make the ``k``-th batches of all ranks
    together the ``k``-th block of ``global_batch`` of the permutation, the batch
    one process would read. Incomplete batches are dropped. Chapter:
    *Data-parallel training*.
    """
    global_batch, rank, world_size, seed = _check_shard(dataset, global_batch, rank,
                                                       world_size, seed)
    sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank,
                                 shuffle=True, seed=seed, drop_last=True)
    return DataLoader(dataset, batch_size=global_batch // world_size, sampler=sampler,
                      drop_last=True)


def _check_shard(dataset, global_batch, rank, world_size, seed):
    if not isinstance(dataset, Dataset) or not hasattr(dataset, "__len__"):
        raise TypeError(f"dataset must be a Dataset with a length, got "
                        f"{type(dataset).__name__}")
    world_size = check_int("world_size", world_size, minimum=1)
    rank = check_int("rank", rank, minimum=0, maximum=world_size - 1)
    global_batch = check_int("global_batch", global_batch, minimum=world_size)
    if global_batch % world_size:
        raise ValueError(f"global_batch must be a multiple of world_size ({world_size}), "
                         f"got {global_batch}")
    if len(dataset) < global_batch:
        raise ValueError(f"dataset must hold at least global_batch ({global_batch}) "
                         f"examples, got {len(dataset)}")
    return global_batch, rank, world_size, check_int("seed", seed, minimum=0)


# ---------------------------------------------------------------------------
# Training on one rank
# ---------------------------------------------------------------------------

def train(model: nn.Module, loader: DataLoader, optimizer: torch.optim.Optimizer,
          epochs: int) -> list[float]:
    """Train ``model`` for ``epochs`` on this rank's ``loader``; the loss of every
    step, as this rank computed it on its own examples.

    The same loop serves a plain model in one process and a model wrapped in
    ``DistributedDataParallel``: the wrapper averages the gradients over the ranks
    during ``backward``, so the loop does not change. Chapter: *Data-parallel training*.
    """
    model, epochs = check_module("model", model), check_int("epochs", epochs, minimum=1)
    _check_loader_optimizer(loader, optimizer)
    losses = []
    for epoch in range(epochs):
        loader.sampler.set_epoch(epoch)   # a new permutation, the same on every rank
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()               # with DDP: the gradients are all-reduced here
            optimizer.step()
            losses.append(loss.item())
    return losses


def _check_loader_optimizer(loader, optimizer) -> None:
    if not isinstance(loader, DataLoader) or not hasattr(loader.sampler, "set_epoch"):
        raise TypeError("loader must be a DataLoader with a DistributedSampler "
                        f"(see shard_loader), got {type(loader).__name__}")
    _check_optimizer(optimizer)


def _check_optimizer(optimizer) -> None:
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got "
                        f"{type(optimizer).__name__}")


# ---------------------------------------------------------------------------
# The all-reduce, by hand
# ---------------------------------------------------------------------------

def ring_all_reduce(tensor: torch.Tensor) -> torch.Tensor:
    """Replace ``tensor`` on every rank by its sum over all ranks, in place, passing
    chunks around a ring with ``send`` and ``recv``; returns ``tensor``.

    Reduce-scatter: in ``world_size - 1`` steps each rank sends one chunk to its
    right neighbour and adds the chunk it receives from its left one; then rank
    ``r`` holds the full sum of chunk ``r + 1``. All-gather: in as many steps the
    summed chunks travel once more around the ring. Chapter: *Data-parallel training*.
    """
    _check_contiguous_float("tensor", tensor)
    rank, world = dist.get_rank(), dist.get_world_size()
    right, left = (rank + 1) % world, (rank - 1) % world
    chunks = tensor.view(-1).tensor_split(world)     # views: writing them writes tensor
    for step in range(world - 1):                    # reduce-scatter
        send, recv = (rank - step) % world, (rank - step - 1) % world
        chunks[recv].add_(_pass_right(chunks[send], right, left, like=chunks[recv]))
    for step in range(world - 1):                    # all-gather
        send, recv = (rank + 1 - step) % world, (rank - step) % world
        chunks[recv].copy_(_pass_right(chunks[send], right, left, like=chunks[recv]))
    return tensor


def _pass_right(chunk: torch.Tensor, right: int, left: int, like: torch.Tensor
                ) -> torch.Tensor:
    """Send ``chunk`` to rank ``right`` and return what rank ``left`` sent us."""
    incoming = torch.empty_like(like)
    request = dist.isend(chunk.contiguous(), right)   # no wait: every rank sends first
    dist.recv(incoming, left)
    request.wait()
    return incoming


def average_gradients(model: nn.Module) -> None:
    """Replace every gradient of ``model`` by its mean over the ranks, with
    :func:`ring_all_reduce`: what ``DistributedDataParallel`` does during the
    backward pass, done once after it. Chapter: *Data-parallel training*.
    """
    model = check_module("model", model)
    world = dist.get_world_size()
    for p in model.parameters():
        if p.grad is not None:
            ring_all_reduce(p.grad).div_(world)


def _check_contiguous_float(name: str, tensor: Any) -> torch.Tensor:
    tensor = check_tensor(name, tensor)
    if not tensor.is_floating_point() or not tensor.is_contiguous() or tensor.numel() == 0:
        raise ValueError(f"{name} must be a non-empty contiguous floating-point tensor, got "
                         f"{tensor.dtype}, shape {tuple(tensor.shape)}")
    return tensor


# ---------------------------------------------------------------------------
# Measuring, and sending the results to rank 0
# ---------------------------------------------------------------------------

def time_steps(model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor,
               y: torch.Tensor, steps: int = 20, warmup: int = 3) -> float:
    """Median seconds of one training step on the batch ``(x, y)``, timed with
    ``time.perf_counter`` after ``warmup`` untimed steps. In a process group the
    ranks start together, after a barrier. Chapter: *Data-parallel training*.
    """
    x, y = _check_batch(check_module("model", model), x, y)
    _check_optimizer(optimizer)
    return _median_seconds(lambda: _sgd_step(model, optimizer, x, y), steps, warmup)


def time_all_reduce(numel: int, steps: int = 20, warmup: int = 3) -> float:
    """Median seconds of one ``dist.all_reduce`` of ``numel`` float32 values over
    the process group. Chapter: *Data-parallel training*."""
    buffer = torch.zeros(check_int("numel", numel, minimum=1))
    return _median_seconds(lambda: dist.all_reduce(buffer), steps, warmup)


def time_data_parallel(hidden: int, global_batch: int = 256, rounds: int = 5,
                       steps: int = 8, warmup: int = 2) -> dict[str, float]:
    """Median seconds of a training step of ``make_model(hidden)`` on a global batch
    of ``global_batch`` random examples, in one process and on all the ranks, timed
    in alternating rounds so that both meet the same load on the machine.

    In each round every rank times a step of the model wrapped in DDP on its
    ``global_batch / world_size`` examples (``"step"``), the same step without the
    all-reduce (``"compute"``, under ``no_sync``) and one all-reduce of all the
    gradients (``"all_reduce"``); then rank 0 alone times a step of a plain model
    on the whole batch (``"one"``) while the other ranks wait. Returns, the same on
    every rank, for each of the four the list of its median seconds in every round
    (the slowest rank's for the first three), and the number of parameters,
    ``"params"``. Chapter: *Data-parallel training*.
    """
    hidden, global_batch, rounds = _check_timing(hidden, global_batch, rounds)
    rank, world = dist.get_rank(), dist.get_world_size()
    x = torch.randn(global_batch, 64, generator=torch.Generator().manual_seed(rank))
    y = torch.arange(global_batch) % 10
    shard = slice(rank * global_batch // world, (rank + 1) * global_batch // world)
    ddp, plain = DDP(make_model(hidden, seed=1)), make_model(hidden, seed=1)
    ddp_opt = torch.optim.SGD(ddp.parameters(), lr=0.01)
    plain_opt = torch.optim.SGD(plain.parameters(), lr=0.01)
    params = sum(p.numel() for p in plain.parameters())
    times = {"step": [], "compute": [], "all_reduce": [], "one": []}
    for _ in range(rounds):
        times["step"].append(time_steps(ddp, ddp_opt, x[shard], y[shard], steps, warmup))
        with ddp.no_sync():                      # the same step, no all-reduce
            times["compute"].append(time_steps(ddp, ddp_opt, x[shard], y[shard],
                                               steps, warmup))
        times["all_reduce"].append(time_all_reduce(params, steps, warmup))
        if rank == 0:                            # one process, the others waiting
            times["one"].append(_median_seconds(
                lambda: _sgd_step(plain, plain_opt, x, y), steps, warmup, together=False))
        dist.barrier()
    times["one"] = times["one"] or [0.0] * rounds
    table = torch.tensor([times[k] for k in times], dtype=torch.float64)
    dist.all_reduce(table, op=dist.ReduceOp.MAX)     # the slowest rank; rank 0's "one"
    return {**dict(zip(times, table.tolist())), "params": params}


def _check_timing(hidden, global_batch, rounds) -> tuple[int, int, int]:
    if not dist.is_initialized():
        raise RuntimeError("time_data_parallel needs a process group: call setup() first")
    world = dist.get_world_size()
    global_batch = check_int("global_batch", global_batch, minimum=world)
    if global_batch % world:
        raise ValueError(f"global_batch must be a multiple of the world size ({world}), "
                         f"got {global_batch}")
    return (check_int("hidden", hidden, minimum=1), global_batch,
            check_int("rounds", rounds, minimum=1))


def _sgd_step(model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor,
              y: torch.Tensor) -> None:
    loss = F.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def _median_seconds(run, steps: int, warmup: int, together: bool = True) -> float:
    """Median seconds of ``run()`` over ``steps`` calls after ``warmup`` untimed ones;
    in a process group the ranks start together, after a barrier (unless
    ``together`` is false: one rank timing alone)."""
    steps, warmup = check_int("steps", steps, minimum=1), check_int("warmup", warmup, minimum=0)
    if together and dist.is_initialized():
        dist.barrier()
    times = []
    for i in range(warmup + steps):
        start = time.perf_counter()
        run()
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def gather_results(result: dict, path: str | os.PathLike) -> None:
    """Send every rank's ``result`` (a dict of numbers, lists, tensors) to rank 0,
    which saves the list of them, in rank order, to ``path`` with ``torch.save``
    (read it with ``torch.load``). Chapter: *Data-parallel training*.
    """
    if not isinstance(result, dict):
        raise TypeError(f"result must be a dict, got {type(result).__name__}")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path, got {type(path).__name__}")
    if not str(path) or not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        raise ValueError(f"path must be in an existing folder, got {str(path)!r}")
    rank, world = dist.get_rank(), dist.get_world_size()
    gathered = [None] * world if rank == 0 else None
    dist.gather_object(result, gathered, dst=0)
    if rank == 0:
        torch.save(gathered, path)


def compare_with_ddp(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Largest absolute difference between the gradients ``model`` (wrapped in
    ``DistributedDataParallel``) computes for the cross-entropy on this rank's batch
    ``(x, y)`` and those of a copy of it averaged by :func:`average_gradients`.
    Leaves DDP's gradients in ``model``. Chapter: *Data-parallel training*.
    """
    if not isinstance(model, DDP):
        raise TypeError(f"model must be wrapped in DistributedDataParallel, got "
                        f"{type(model).__name__}")
    x, y = _check_batch(model, x, y)
    plain = copy.deepcopy(model.module)
    plain.zero_grad(set_to_none=True)
    F.cross_entropy(plain(x), y).backward()
    average_gradients(plain)                    # by hand, after the backward pass
    model.zero_grad(set_to_none=True)
    F.cross_entropy(model(x), y).backward()     # DDP: during the backward pass
    return max((p.grad - q.grad).abs().max().item()
               for p, q in zip(plain.parameters(), model.module.parameters()))


def _check_batch(model: nn.Module, x, y) -> tuple[torch.Tensor, torch.Tensor]:
    """A batch of inputs ``x`` and class labels ``y`` that ``model`` can train on."""
    x = check_tensor("x", x, ndim=2, floating=True, nonempty=True)
    check_same_length("x", x, "y", check_tensor("y", y, ndim=1))
    with torch.no_grad():
        classes = getattr(model, "module", model)(x[:1].to(next(model.parameters()).dtype))
    return x, check_labels("y", y, classes.shape[-1])
