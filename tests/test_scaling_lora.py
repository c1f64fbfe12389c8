"""dlbook.transformers.scaling (power-law fits recover known laws) and
dlbook.transformers.lora (a fresh adapter changes nothing, merging changes
nothing, only the adapter trains)."""

import numpy as np
import pytest
import torch
from torch import nn

from dlbook.transformers.blocks import EncoderBlock
from dlbook.transformers.lora import LoRALinear, add_lora, count_parameters, merge_lora
from dlbook.transformers.scaling import fit_power_law, fit_power_law_with_floor

N = np.array([1e3, 3e3, 1e4, 3e4, 1e5, 3e5])


def test_a_pure_power_law_is_recovered_exactly():
    fit = fit_power_law(N, 7.0 * N ** -0.3)
    assert fit.exponent == pytest.approx(0.3)
    assert fit.coefficient == pytest.approx(7.0)
    assert fit.exponent_se == pytest.approx(0.0, abs=1e-9)
    assert fit(N) == pytest.approx(7.0 * N ** -0.3)


def test_the_standard_error_matches_the_spread_of_noisy_fits():
    rng = np.random.default_rng(0)
    fits = [fit_power_law(N, 5.0 * N ** -0.2 * np.exp(0.02 * rng.standard_normal(6)))
            for _ in range(400)]
    exponents = np.array([f.exponent for f in fits])
    assert exponents.mean() == pytest.approx(0.2, abs=0.005)
    # E[se²] is the exponent's variance exactly (with n - 2 degrees of freedom);
    # dividing by n instead would give 2/3 of it.
    assert np.mean([f.exponent_se ** 2 for f in fits]) == pytest.approx(
        exponents.var(ddof=1), rel=0.15)


def test_a_floor_is_recovered_and_a_pure_fit_underestimates_the_exponent():
    loss = 1.5 + 40.0 * N ** -0.5
    fit = fit_power_law_with_floor(N, loss, grid=20000)
    assert fit.floor == pytest.approx(1.5, abs=2e-3)
    assert fit.exponent == pytest.approx(0.5, abs=0.01)
    assert fit_power_law(N, loss).exponent < 0.2


def test_bad_points_are_named():
    with pytest.raises(ValueError, match="loss must hold finite positive"):
        fit_power_law(N, -N)
    with pytest.raises(ValueError, match="same length"):
        fit_power_law(N, N[:4])
    with pytest.raises(ValueError, match="at least 4"):
        fit_power_law_with_floor(N[:3], N[:3])
    with pytest.raises(TypeError, match="x must be a sequence"):
        fit_power_law("abc", N)


def _linear(seed=0):
    torch.manual_seed(seed)
    return nn.Linear(6, 5)


def test_a_fresh_adapter_equals_the_frozen_base_and_only_trains_a_and_b():
    base = _linear()
    x = torch.randn(4, 6)
    want = base(x)
    adapter = LoRALinear(base, rank=2, alpha=4.0)
    torch.testing.assert_close(adapter(x), want)
    adapter(x).square().sum().backward()
    assert base.weight.grad is None and base.bias.grad is None
    assert adapter.B.grad is not None and adapter.B.grad.abs().sum() > 0
    assert count_parameters(adapter) == 2 * (6 + 5)
    assert count_parameters(adapter, trainable_only=False) == 2 * 11 + 6 * 5 + 5


def test_merging_equals_the_unmerged_adapter_and_unmerging_restores_the_base():
    adapter = LoRALinear(_linear(), rank=3, alpha=2.0)
    with torch.no_grad():
        adapter.B.normal_()
    x = torch.randn(4, 6)
    before = adapter(x)
    weight = adapter.base.weight.clone()
    expected = weight + (2.0 / 3) * adapter.B @ adapter.A
    adapter.merge()
    torch.testing.assert_close(adapter.base.weight, expected)
    torch.testing.assert_close(adapter(x), before)
    adapter.unmerge()
    torch.testing.assert_close(adapter.base.weight, weight)


def test_add_lora_wraps_query_and_value_and_merge_lora_puts_plain_layers_back():
    torch.manual_seed(0)
    model = nn.Sequential(EncoderBlock(8, 2, 16), EncoderBlock(8, 2, 16))
    x = torch.randn(2, 5, 8)
    want = model(x)
    names = add_lora(model, rank=2)
    assert names == ["0.attention.q_proj", "0.attention.v_proj",
                     "1.attention.q_proj", "1.attention.v_proj"]
    assert count_parameters(model) == 4 * 2 * (8 + 8)
    torch.testing.assert_close(model(x), want)
    for module in model.modules():
        if isinstance(module, LoRALinear):
            with torch.no_grad():
                module.B.normal_()
    tuned = model(x)
    assert not torch.allclose(tuned, want)
    assert merge_lora(model) == 4
    assert not any(isinstance(m, LoRALinear) for m in model.modules())
    torch.testing.assert_close(model(x), tuned)


def test_bad_lora_input_is_named():
    with pytest.raises(TypeError, match="base must be an nn.Linear"):
        LoRALinear(nn.Conv1d(2, 2, 1), rank=1)
    with pytest.raises(ValueError, match="rank"):
        LoRALinear(_linear(), rank=6)
    with pytest.raises(ValueError, match=r"x must have shape \(\.\.\., 6\)"):
        LoRALinear(_linear(), rank=2)(torch.randn(4, 7))
    with pytest.raises(ValueError, match="targets"):
        add_lora(nn.Sequential(nn.Linear(2, 2)), rank=1, targets=("q_proj",))
    with pytest.raises(TypeError, match="targets"):
        add_lora(nn.Sequential(nn.Linear(2, 2)), rank=1, targets="q_proj")
