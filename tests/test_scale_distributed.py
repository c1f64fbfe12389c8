"""dlbook.scale.distributed: the hand-written all-reduce against DDP on two gloo processes."""

from __future__ import annotations

import os
import time

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP

from torch.utils.data import TensorDataset

from dlbook.scale import distributed as dd


def _dataset(n: int = 40) -> TensorDataset:
    """Digit-shaped examples (64 inputs, 10 classes), cheap to make."""
    g = torch.Generator().manual_seed(0)
    return TensorDataset(torch.rand(n, 64, generator=g), torch.arange(n) % 10)


def _worker(rank: int, world_size: int, init_file: str, out_dir: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank,
                            world_size=world_size)
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


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory):
    out = tmp_path_factory.mktemp("ddp")
    # fork, where there is one: the children start at once, without importing torch
    # again, nor torch._dynamo, which DistributedDataParallel imports (seconds)
    import torch._dynamo  # noqa: F401
    if dist.is_initialized():  # a group of this process alone, left by another test:
        dist.destroy_process_group()  # forked children must not inherit it
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    ranks = mp.start_processes(_worker, args=(2, str(out / "init"), str(out)), nprocs=2,
                               start_method=method, join=False)
    deadline = time.monotonic() + 300             # a hung rank fails the test, not the run
    while not ranks.join(timeout=5):
        if time.monotonic() > deadline:
            for process in ranks.processes:
                process.kill()
            pytest.fail("the two ranks did not finish within 300 s")
    return [torch.load(out / f"rank{r}.pt") for r in range(2)]


def test_ring_all_reduce_sums_over_ranks(two_ranks):
    want = torch.arange(7, dtype=torch.float64) * 3
    for result in two_ranks:
        assert torch.equal(result["summed"], want)


def test_average_gradients_equals_ddp(two_ranks):
    for result in two_ranks:
        for ours, theirs in zip(result["ours"], result["ddp"]):
            torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-7)
    # and the check is not vacuous: the two ranks' own gradients differ
    assert any((a - b).abs().max() > 1e-3
               for a, b in zip(two_ranks[0]["local"], two_ranks[1]["local"]))
    # their mean is the average both ranks hold
    for a, b, ours in zip(two_ranks[0]["local"], two_ranks[1]["local"], two_ranks[0]["ours"]):
        torch.testing.assert_close(ours, (a + b) / 2)


def test_compare_with_ddp_finds_no_difference(two_ranks):
    for result in two_ranks:
        assert result["diff"] <= 1e-7


def test_ranks_read_disjoint_shards(two_ranks):
    assert two_ranks[0]["indices"] != two_ranks[1]["indices"]


def test_time_data_parallel_gives_every_rank_the_same_times(two_ranks):
    timing = two_ranks[0]["timing"]
    assert timing == two_ranks[1]["timing"]          # the slowest rank's, and rank 0's "one"
    assert set(timing) == {"step", "compute", "all_reduce", "one", "params"}
    assert all(len(timing[k]) == 2 and min(timing[k]) > 0       # one time per round
               for k in ("step", "compute", "all_reduce", "one"))
    assert timing["params"] == sum(p.numel() for p in dd.make_model(hidden=8).parameters())


def test_time_data_parallel_outside_a_group_says_so():
    if dist.is_initialized():
        pytest.skip("a process group exists in this process")
    with pytest.raises(RuntimeError, match="setup"):
        dd.time_data_parallel(hidden=8)


def test_shard_batches_make_the_single_process_batch():
    data = _dataset()
    whole = dd.shard_loader(data, global_batch=8, rank=0, world_size=1, seed=3)
    shards = [dd.shard_loader(data, global_batch=8, rank=r, world_size=2, seed=3)
              for r in range(2)]
    for epoch in (0, 1):
        for loader in (whole, *shards):
            loader.sampler.set_epoch(epoch)
        batches = zip(whole, *shards)
        for _ in range(3):
            (xw, yw), (x0, y0), (x1, y1) = next(batches)
            # the global batch, as sets: interleaved by the sampler
            assert sorted(yw.tolist()) == sorted(y0.tolist() + y1.tolist())
            assert torch.equal(xw[0::2], x0) and torch.equal(xw[1::2], x1)


def test_make_model_is_seeded_and_leaves_global_rng():
    torch.manual_seed(5)
    state = torch.get_rng_state()
    a, b = dd.make_model(hidden=8, seed=1), dd.make_model(hidden=8, seed=1)
    assert torch.equal(torch.get_rng_state(), state)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_bad_input_raises_clearly():
    data = _dataset()
    with pytest.raises(ValueError, match="global_batch"):
        dd.shard_loader(data, global_batch=7, rank=0, world_size=2)
    with pytest.raises(ValueError, match="rank"):
        dd.shard_loader(data, global_batch=8, rank=2, world_size=2)
    with pytest.raises(ValueError, match="tensor"):
        dd.ring_all_reduce(torch.arange(4))
    with pytest.raises(ValueError, match="tensor"):
        dd.ring_all_reduce(torch.zeros(4, 4).T)
    with pytest.raises(ValueError, match="backend"):
        dd.setup("tcp")
    with pytest.raises(TypeError, match="loader"):
        dd.train(dd.make_model(hidden=4), [(torch.zeros(2, 64), torch.zeros(2))],
                 torch.optim.SGD(dd.make_model(hidden=4).parameters(), lr=0.1), epochs=1)


def test_setup_outside_torchrun_says_how_to_launch(monkeypatch):
    for var in dd.ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    if dist.is_initialized():
        pytest.skip("a process group exists in this process")
    with pytest.raises(RuntimeError, match="torchrun"):
        dd.setup()
