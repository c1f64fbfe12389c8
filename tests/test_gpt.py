"""The GPT, its key-value cache and sampling (dlbook.transformers.gpt)."""

from __future__ import annotations

import pytest
import torch

from dlbook.transformers.gpt import (GPT, KVCache, generate, next_token_probs,
                                     top_k_filter, top_p_filter)


def _model(seed=0, **kw):
    torch.manual_seed(seed)
    args = dict(context=24, d_model=16, n_heads=4, n_layers=3)
    args.update(kw)
    model = GPT(11, **args).eval()
    with torch.no_grad():  # larger random weights, so that differences show
        for p in model.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return model


def _ids(B, L, seed=1):
    return torch.randint(0, 11, (B, L), generator=torch.Generator().manual_seed(seed))


def test_logits_at_t_depend_on_tokens_up_to_t_only():
    model, ids = _model(), _ids(2, 12)
    changed = ids.clone()
    changed[:, 7:] = (changed[:, 7:] + 1) % 11
    a, b = model(ids), model(changed)
    assert torch.allclose(a[:, :7], b[:, :7], atol=1e-6)
    assert not torch.allclose(a[:, 7:], b[:, 7:], atol=1e-3)


@pytest.mark.parametrize("rotary", [False, True])
@pytest.mark.parametrize("prompt_length", [1, 5])
def test_cached_logits_equal_uncached_at_every_step(prompt_length, rotary):
    model = _model(rotary=rotary).double()
    ids = _ids(3, 24)
    full = model(ids)
    cache = model.new_cache(3)
    assert cache.keys.dtype == torch.float64
    got = [model.forward_with_cache(ids[:, :prompt_length], cache)]
    for t in range(prompt_length, 24):
        got.append(model.forward_with_cache(ids[:, t:t + 1], cache))
        assert cache.length == t + 1
    assert torch.allclose(torch.cat(got, dim=1), full, atol=1e-10, rtol=0)


def test_cache_holds_the_keys_and_values_of_the_uncached_pass():
    model, ids = _model().double(), _ids(2, 9)
    cache = model.new_cache(2)
    model.forward_with_cache(ids, cache)
    x = model.position(model.token_embedding(ids))
    first = model.blocks[0].attention
    h = model.blocks[0].norm1(x)
    keys = first.k_proj(h).view(2, 9, 4, 4).transpose(1, 2)
    assert torch.allclose(cache.keys[0, :, :, :9], keys, atol=1e-12)
    assert torch.all(cache.keys[:, :, :, 9:] == 0)


def test_tied_weights_share_one_matrix_and_untied_do_not():
    tied = _model()
    assert tied.head.weight is tied.token_embedding.weight
    untied = _model(tie_weights=False)
    assert untied.head.weight is not untied.token_embedding.weight


def test_greedy_generation_with_and_without_cache_gives_identical_tokens():
    model = _model()
    prompt = _ids(4, 3)
    a = generate(model, prompt, 21, temperature=0.0, use_cache=True)
    b = generate(model, prompt, 21, temperature=0.0, use_cache=False)
    assert a.shape == (4, 24) and torch.equal(a, b) and torch.equal(a[:, :3], prompt)
    # and greedy means: each token is the argmax of the model's logits before it
    assert torch.equal(model(a[:, :-1]).argmax(-1)[:, 2:], a[:, 3:])


def test_sampled_generation_with_and_without_cache_agrees_for_one_seed():
    model, prompt = _model(), _ids(2, 4)
    a, b = (generate(model, prompt, 15, temperature=1.0, top_k=5, top_p=0.9,
                     use_cache=c, generator=torch.Generator().manual_seed(3))
            for c in (True, False))
    assert torch.equal(a, b)


def test_uncached_generation_slides_past_the_context_and_cached_refuses():
    model, prompt = _model(), _ids(1, 20)
    assert generate(model, prompt, 10, use_cache=False).shape == (1, 30)
    with pytest.raises(ValueError, match="context"):
        generate(model, prompt, 10, use_cache=True)


def test_top_k_keeps_exactly_k_tokens_even_with_ties():
    logits = torch.tensor([[1.0, 3.0, 3.0, 3.0, 0.0, 2.0], [0.0] * 6])
    for k in range(1, 7):
        kept = torch.isfinite(top_k_filter(logits, k))
        assert kept.sum(-1).tolist() == [k, k]
    kept = torch.isfinite(top_k_filter(logits, 4))[0]
    assert kept.tolist() == [False, True, True, True, False, True]


def test_top_p_keeps_the_smallest_set_with_mass_at_least_p():
    probs = torch.tensor([0.05, 0.4, 0.1, 0.3, 0.15])
    logits = probs.log()
    for p, kept in [(0.3, [1]), (0.4, [1]), (0.41, [1, 3]), (0.7, [1, 3]),
                    (0.71, [1, 3, 4]), (0.95, [1, 2, 3, 4]), (1.0, [0, 1, 2, 3, 4])]:
        got = torch.isfinite(top_p_filter(logits, p)).nonzero().flatten().tolist()
        assert got == kept, p
        assert probs[kept].sum() >= p - 1e-6
        assert probs[kept[:-1]].sum() < p   # one token fewer would not reach p


def test_next_token_probs_renormalises_the_kept_tokens():
    logits = torch.tensor([2.0, 1.0, 0.5, -1.0])
    probs = next_token_probs(logits, top_k=2)
    expected = torch.softmax(torch.tensor([2.0, 1.0]), 0)
    assert torch.allclose(probs, torch.cat([expected, torch.zeros(2)]))
    assert torch.allclose(next_token_probs(logits, temperature=2.0),
                          torch.softmax(logits / 2, 0))


def test_temperature_to_zero_is_argmax():
    logits = torch.randn(5, 9, generator=torch.Generator().manual_seed(0))
    greedy = next_token_probs(logits, temperature=0.0)
    assert torch.equal(greedy.argmax(-1), logits.argmax(-1))
    assert torch.equal(greedy.sum(-1), torch.ones(5)) and set(greedy.unique().tolist()) == {0, 1}
    cold = next_token_probs(logits, temperature=1e-3)
    assert torch.allclose(cold, greedy, atol=1e-6)
    hot = next_token_probs(logits, temperature=1e3)
    assert torch.allclose(hot, torch.full_like(hot, 1 / 9), atol=1e-3)


def test_sampling_draws_with_the_given_probabilities():
    logits = torch.tensor([0.0, 1.0, 2.0]).expand(20_000, 3)
    draws = torch.multinomial(next_token_probs(logits), 1,
                              generator=torch.Generator().manual_seed(0)).flatten()
    freq = torch.bincount(draws, minlength=3) / 20_000
    assert torch.allclose(freq, torch.softmax(torch.tensor([0.0, 1.0, 2.0]), 0), atol=0.01)


def test_bad_input_raises_clear_errors():
    model = _model()
    with pytest.raises(ValueError, match="context"):
        model(_ids(1, 25))
    with pytest.raises(ValueError, match="ids"):
        model(torch.full((1, 3), 11))
    with pytest.raises(TypeError, match="ids"):
        model(torch.zeros(1, 3))
    with pytest.raises(ValueError, match="top_k"):
        next_token_probs(torch.zeros(4), top_k=5)
    with pytest.raises(ValueError, match="top_p"):
        next_token_probs(torch.zeros(4), top_p=0.0)
    with pytest.raises(ValueError, match="temperature"):
        next_token_probs(torch.zeros(4), temperature=-1.0)
    with pytest.raises(ValueError, match="logits"):
        next_token_probs(torch.tensor([0.0, float("nan")]))
    with pytest.raises(ValueError, match="logits"):
        next_token_probs(torch.full((3,), float("-inf")))
    cache = model.new_cache(2)
    with pytest.raises(ValueError, match="ids"):
        model.forward_with_cache(_ids(3, 2), cache)
    model.forward_with_cache(_ids(2, 20), cache)
    with pytest.raises(ValueError, match="context"):
        model.forward_with_cache(_ids(2, 5), cache)
    with pytest.raises(TypeError, match="cache"):
        model.forward_with_cache(_ids(2, 1), None)
    with pytest.raises(ValueError, match="cache"):
        _model(n_layers=2).forward_with_cache(_ids(2, 1), model.new_cache(2))
    dropout = _model(dropout=0.1).train()
    with pytest.raises(ValueError, match="eval"):
        dropout.forward_with_cache(_ids(1, 1), dropout.new_cache(1))
    with pytest.raises(TypeError, match="model"):
        generate(torch.nn.Linear(2, 2), _ids(1, 2), 3)
    with pytest.raises(ValueError, match="n_new"):
        generate(model, _ids(1, 2), 0)
    with pytest.raises(ValueError, match="k"):
        KVCache(1, 1, 1, 2, 4).append(0, torch.zeros(1, 1, 1, 3), torch.zeros(1, 1, 1, 3))


def test_rotary_model_depends_on_positions_beyond_the_learned_table():
    model = _model(rotary=True)
    assert all(block.attention.rotary for block in model.blocks)
    with torch.no_grad():
        model.position.table.zero_()   # only the rotation tells positions apart now
    ids = _ids(1, 6)
    swapped = ids[:, [1, 0, 2, 3, 4, 5]]
    assert not torch.allclose(model(ids)[:, -1], model(swapped)[:, -1], atol=1e-4)
