"""dlbook.scale.distributed: the hand-written all-reduce against DDP on two gloo processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.distributed as dist

from dlbook.scale import distributed as dd
from scale_distributed_ranks import _dataset

# The ranks' side of the tests below, run by torchrun in two fresh processes.
RANKS_SCRIPT = Path(__file__).with_name("scale_distributed_ranks.py")


@pytest.fixture(scope="module", autouse=True)
def no_group_left_over():
    """The contract tests keep a group of this process alone; these tests need none."""
    if dist.is_initialized():
        dist.destroy_process_group()


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory):
    """Two gloo ranks launched with torchrun, as the chapter launches its script.

    Fresh processes, not forks of this one: a fork of a process that has run torch's
    thread pools and gloo's threads can deadlock in the child.
    """
    out = tmp_path_factory.mktemp("ddp")
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc_per_node", "2", str(RANKS_SCRIPT), str(out)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    try:                                           # a hung rank fails the test, not the run
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        pytest.fail("the two ranks did not finish within 300 s")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
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
