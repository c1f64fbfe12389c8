"""The two ranks of tests/test_scale_distributed.py: launched by torchrun, each
runs the package's collectives and saves what it saw to OUT_DIR/rank<r>.pt.

    torchrun --standalone --nproc_per_node 2 scale_distributed_ranks.py OUT_DIR
"""

import os
import sys

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import TensorDataset

from dlbook.scale import distributed as dd


def _dataset(n: int = 40) -> TensorDataset:
    """Digit-shaped examples (64 inputs, 10 classes), cheap to make."""
    g = torch.Generator().manual_seed(0)
    return TensorDataset(torch.rand(n, 64, generator=g), torch.arange(n) % 10)


def main(out_dir: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    rank, world_size = dist.get_rank(), dist.get_world_size()
    try:
        # the ring sums a tensor whose length does not divide into equal chunks
        t = torch.arange(7, dtype=torch.float64) * (rank + 1)
        summed = dd.ring_all_reduce(t)
        # the hand-written average against DDP's, on each rank's own batch
        loader = dd.shard_loader(_dataset(), global_batch=16, rank=rank,
                                 world_size=world_size)
        x, y = next(iter(loader))
        model, ddp = dd.make_model(hidden=16, seed=0), DDP(dd.make_model(hidden=16, seed=0))
        F.cross_entropy(model(x), y).backward()
        local = [p.grad.clone() for p in model.parameters()]
        dd.average_gradients(model)
        F.cross_entropy(ddp(x), y).backward()
        diff = dd.compare_with_ddp(ddp, x, y)
        timing = dd.time_data_parallel(hidden=8, global_batch=16, rounds=2, steps=2,
                                       warmup=1)
        torch.save({"summed": summed, "local": local,
                    "ours": [p.grad for p in model.parameters()],
                    "ddp": [p.grad for p in ddp.parameters()], "diff": diff,
                    "indices": loader.sampler.__iter__().__next__(), "timing": timing},
                   os.path.join(out_dir, f"rank{rank}.pt"))
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
