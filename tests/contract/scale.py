"""Contract examples for Part VIII, ``dlbook.scale``, and its chapters' checks."""

import torch
from torch import nn

from . import INFINITE, Example, Propagates, checks_in, elementwise, merge, propagates


def _timing(times):
    from dlbook.scale.timing import summarize
    return summarize(times)


def _forward():
    layer = nn.Linear(3, 2)
    return layer(torch.ones(4, 3)).sum()


EXAMPLES = {
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
}
