"""Contract examples for Part VIII, ``dlbook.scale``, and its chapters' checks."""

import tempfile

import torch
from torch import nn

from . import INFINITE, Example, Propagates, checks_in, elementwise, merge, propagates


# ---------------------------------------------------------------------------
# dlbook.scale.distributed: functions that need a process group run in a group of
# this process alone (gloo, a file store), made when the first example needs it.
# ---------------------------------------------------------------------------

def _world_of_one() -> None:
    import torch.distributed as dist

    if not dist.is_initialized():
        store = tempfile.NamedTemporaryFile(prefix="dlbook-contract-store-", delete=False)
        store.close()
        dist.init_process_group("gloo", init_method=f"file://{store.name}", rank=0,
                                world_size=1)


def _in_group(make_args):
    def args():
        _world_of_one()
        return make_args()
    return args


def _small_dataset():
    g = torch.Generator().manual_seed(0)
    return torch.utils.data.TensorDataset(torch.rand(8, 64, generator=g),
                                          torch.arange(8) % 10)


def _train_args():
    from dlbook.scale.distributed import make_model, shard_loader

    model = make_model(hidden=4)
    return {"model": model, "loader": shard_loader(_small_dataset(), 4, 0, 1),
            "optimizer": torch.optim.SGD(model.parameters(), lr=0.1), "epochs": 1}


def _step_args():
    from dlbook.scale.distributed import make_model

    model = make_model(hidden=4)
    return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.1),
            "x": torch.rand(4, 64), "y": torch.arange(4), "steps": 1, "warmup": 0}


def _ddp_args():
    from torch.nn.parallel import DistributedDataParallel

    from dlbook.scale.distributed import make_model

    return {"model": DistributedDataParallel(make_model(hidden=4)),
            "x": torch.rand(4, 64), "y": torch.arange(4)}


_TIMING = "timing: the values of the batch do not change what is timed"
_SHARD = "any tensor: the sum is taken elementwise, over the ranks"

EXAMPLES = {
    "dlbook.scale.distributed.setup": Example(
        _in_group(lambda: {"backend": "gloo", "threads": 1})),
    "dlbook.scale.distributed.teardown": Example(_in_group(dict)),
    "dlbook.scale.distributed.make_model": Example({"hidden": 4, "seed": 0}),
    "dlbook.scale.distributed.digits_train": Example({}),
    "dlbook.scale.distributed.shard_loader": Example(
        lambda: {"dataset": _small_dataset(), "global_batch": 4, "rank": 1,
                 "world_size": 2, "seed": 0}),
    "dlbook.scale.distributed.train": Example(_train_args),
    "dlbook.scale.distributed.ring_all_reduce": Example(
        _in_group(lambda: {"tensor": torch.rand(5)}),
        accept=merge(propagates("tensor"), {"tensor": {"shape": _SHARD}})),
    "dlbook.scale.distributed.average_gradients": Example(
        _in_group(lambda: {"model": nn.Linear(3, 2)})),
    "dlbook.scale.distributed.time_steps": Example(
        _in_group(_step_args),
        accept={"x": {"nan": _TIMING, "inf": _TIMING}}),
    "dlbook.scale.distributed.time_all_reduce": Example(
        _in_group(lambda: {"numel": 10, "steps": 1, "warmup": 0})),
    "dlbook.scale.distributed.time_data_parallel": Example(
        _in_group(lambda: {"hidden": 4, "global_batch": 4, "rounds": 1, "steps": 1,
                           "warmup": 0})),
    "dlbook.scale.distributed.gather_results": Example(
        _in_group(lambda: {"result": {"a": 1.0},
                           "path": tempfile.mktemp(prefix="dlbook-contract-")})),
    "dlbook.scale.distributed.compare_with_ddp": Example(
        _in_group(_ddp_args), fuzz=("model", "x", "y"),
        accept={"x": {"nan": Propagates("a NaN input gives NaN gradients on both sides"),
                      "inf": INFINITE}}),
    **checks_in("dlbook.checks.data_parallel"),
}


def _timing(times):
    from dlbook.scale.timing import summarize
    return summarize(times)


def _forward():
    layer = nn.Linear(3, 2)
    return layer(torch.ones(4, 3)).sum()


EXAMPLES.update({
    # --- timing (chapter Performance) ------------------------------------------
    "dlbook.scale.timing.Timing": Example(record="a plain record: its fields are "
                                                 "stored as given"),
    "dlbook.scale.timing.time_it": Example(dict(fn=lambda: None, warmup=1, repeats=2)),
    "dlbook.scale.timing.time_each": Example(
        dict(fns={"a": lambda: None, "b": lambda: None}, warmup=1, repeats=2)),
    "dlbook.scale.timing.summarize": Example(dict(times=[0.3, 0.1, 0.2])),
    "dlbook.scale.timing.speedup": Example(lambda: dict(
        baseline=_timing([0.4, 0.5, 0.6]), other=_timing([0.1, 0.2, 0.3]))),
    # --- memory (chapter Performance) ------------------------------------------
    "dlbook.scale.memory.storage_bytes": Example(
        dict(tensors=[torch.zeros(3), torch.zeros(2, dtype=torch.int64)]),
        accept={"tensors": {"empty": "no tensors take no bytes",
                            "shape": "a tensor of any shape has a storage to count",
                            "nan": "the values are not read, only the bytes counted",
                            "inf": "the values are not read, only the bytes counted",
                            "dtype": "every dtype has a size in bytes",
                            "element": "any tensor has a storage to count"}}),
    "dlbook.scale.memory.parameter_bytes": Example(lambda: dict(model=nn.Linear(3, 2))),
    "dlbook.scale.memory.gradient_bytes": Example(lambda: dict(model=nn.Linear(3, 2))),
    "dlbook.scale.memory.optimizer_state_bytes": Example(
        lambda: dict(optimizer=torch.optim.Adam(nn.Linear(3, 2).parameters()))),
    "dlbook.scale.memory.saved_tensor_bytes": Example(
        lambda: dict(fn=_forward, exclude=[]),
        accept={"exclude": {"empty": "nothing excluded: every saved tensor counts",
                            "*": "the tensors to leave out are only compared by storage"}}),
    **checks_in("dlbook.checks.performance"),
})
