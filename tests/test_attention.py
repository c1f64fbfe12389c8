"""dlbook.transformers.attention, positional and blocks against PyTorch's own
attention, transformer layers, and exact invariants."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dlbook.nlp.batching import lengths_to_mask
from dlbook.transformers.attention import (MultiHeadAttention, causal_mask, merge_heads,
                                           scaled_dot_product_attention, split_heads)
from dlbook.transformers.blocks import DecoderBlock, EncoderBlock
from dlbook.transformers.positional import (LearnedEncoding, SinusoidalEncoding, rotary,
                                            sinusoidal_encoding)

B, H, LQ, LK, D = 3, 2, 5, 6, 8


def _qkv(seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(B, H, L, D, generator=g, dtype=dtype, requires_grad=True)
            for L in (LQ, LK, LK)]


def _masks():
    lengths = torch.tensor([6, 4, 1])
    padding = lengths_to_mask(lengths)[:, None, None, :]                    # (B, 1, 1, LK)
    g = torch.Generator().manual_seed(1)
    full = torch.rand(B, H, LQ, LK, generator=g) > 0.4
    full[..., 0] = True                                                      # no empty row
    return {"none": None, "causal (LQ, LK)": causal_mask(LQ, LK), "padding (B,1,1,LK)": padding,
            "per head (B,H,LQ,LK)": full, "per batch (B,1,LQ,LK)": full[:, :1],
            "row (1,LK)": torch.tensor([[True, False, True, True, False, True]])}


@pytest.mark.parametrize("kind", list(_masks()))
def test_attention_equals_torch_in_values_and_gradients(kind):
    mask = _masks()[kind]
    q, k, v = _qkv()
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    torch.testing.assert_close(out, ref)
    torch.testing.assert_close(weights.sum(-1), torch.ones(B, H, LQ, dtype=torch.float64))
    if mask is not None:
        assert (weights.masked_select(~mask.expand_as(weights)) == 0).all()
    grads = torch.autograd.grad(out.square().sum(), (q, k, v))
    ref_grads = torch.autograd.grad(ref.square().sum(), (q, k, v))
    for got, want in zip(grads, ref_grads):
        torch.testing.assert_close(got, want)


def test_the_scale_is_one_over_root_dk_unless_given():
    q, k, v = _qkv()
    out, _ = scaled_dot_product_attention(q, k, v, scale=0.3)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, scale=0.3))
    _, w = scaled_dot_product_attention(q, k, v)
    by_hand = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(D), -1)
    torch.testing.assert_close(w, by_hand)


def test_causal_mask_with_fewer_queries_is_the_last_rows_of_the_square_one():
    square = causal_mask(7)
    assert torch.equal(square, torch.tril(torch.ones(7, 7, dtype=torch.bool)))
    for n in range(1, 8):
        assert torch.equal(causal_mask(n, 7), square[-n:])


def test_split_and_merge_heads_are_inverse():
    x = torch.randn(2, 5, 12)
    assert split_heads(x, 3).shape == (2, 3, 5, 4)
    assert torch.equal(merge_heads(split_heads(x, 3)), x)
    torch.testing.assert_close(split_heads(x, 3)[:, 1], x[..., 4:8])


def _copy_into_torch(ours: MultiHeadAttention, theirs: nn.MultiheadAttention) -> None:
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight,
                                               ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias,
                                             ours.v_proj.bias]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
        theirs.out_proj.bias.copy_(ours.out_proj.bias)


@pytest.mark.parametrize("case", ["self", "self+padding", "causal", "causal+padding",
                                  "attn_mask (L,L)", "attn_mask (B,L,L)", "cross+padding"])
def test_multi_head_attention_equals_torch(case):
    torch.manual_seed(0)
    ours = MultiHeadAttention(16, 4).double()
    theirs = nn.MultiheadAttention(16, 4, batch_first=True).double()
    _copy_into_torch(ours, theirs)
    x = torch.randn(B, LK, 16, dtype=torch.float64, requires_grad=True)
    memory = torch.randn(B, 7, 16, dtype=torch.float64)
    keep = lengths_to_mask(torch.tensor([6, 3, 2]), LK)
    keep_memory = lengths_to_mask(torch.tensor([7, 5, 1]), 7)
    allowed = torch.rand(B, LK, LK, generator=torch.Generator().manual_seed(2)) > 0.5
    allowed |= torch.eye(LK, dtype=torch.bool)
    ours_kw, theirs_kw, key = {}, {}, x
    if "padding" in case and "cross" not in case:
        ours_kw["key_padding_mask"], theirs_kw["key_padding_mask"] = keep, ~keep
    if "causal" in case:
        ours_kw["causal"] = True
        theirs_kw["attn_mask"], theirs_kw["is_causal"] = ~causal_mask(LK), True
    if case == "attn_mask (L,L)":
        ours_kw["attn_mask"], theirs_kw["attn_mask"] = allowed[0], ~allowed[0]
    if case == "attn_mask (B,L,L)":
        ours_kw["attn_mask"] = allowed
        theirs_kw["attn_mask"] = (~allowed).repeat_interleave(4, dim=0)
    if case == "cross+padding":
        key = memory
        ours_kw["key_padding_mask"], theirs_kw["key_padding_mask"] = keep_memory, ~keep_memory
    out, weights = ours(x, key, key, **ours_kw)
    ref, ref_weights = theirs(x, key, key, average_attn_weights=False, **theirs_kw)
    torch.testing.assert_close(out, ref)
    torch.testing.assert_close(weights, ref_weights)
    (g,) = torch.autograd.grad(out.sum(), x)
    (ref_g,) = torch.autograd.grad(ref.sum(), x)
    torch.testing.assert_close(g, ref_g)


def test_padding_contents_do_not_change_the_real_positions():
    torch.manual_seed(0)
    attention = MultiHeadAttention(8, 2)
    x = torch.randn(2, 5, 8)
    keep = lengths_to_mask(torch.tensor([5, 3]), 5)
    other = x.clone()
    other[1, 3:] = 100 * torch.randn(2, 8)
    a, _ = attention(x, key_padding_mask=keep)
    b, _ = attention(other, key_padding_mask=keep)
    torch.testing.assert_close(a[0], b[0])
    torch.testing.assert_close(a[1, :3], b[1, :3])
    c, _ = attention(other)
    assert not torch.allclose(a[1, :3], c[1, :3])   # without the mask the padding leaks in


def test_rotary_attention_depends_on_relative_position_only():
    torch.manual_seed(0)
    attention = MultiHeadAttention(8, 2, rotary=True)
    x = torch.randn(1, 4, 8)
    _, w = attention(x)
    # shifting every position by the same amount leaves the scores unchanged
    q = split_heads(attention.q_proj(x), 2)
    k = split_heads(attention.k_proj(x), 2)
    shift = torch.arange(4) + 11
    shifted = rotary(q, shift) @ rotary(k, shift).transpose(-2, -1) / 2
    torch.testing.assert_close(torch.softmax(shifted, -1), w)


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_block_equals_torch_encoder_layer(norm_first):
    torch.manual_seed(0)
    ours = EncoderBlock(16, 4, 32, norm_first=norm_first).double()
    theirs = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, activation="gelu",
                                        batch_first=True, norm_first=norm_first).double()
    _copy_into_torch(ours.attention, theirs.self_attn)
    with torch.no_grad():
        for a, b in [(ours.feed_forward.linear1, theirs.linear1),
                     (ours.feed_forward.linear2, theirs.linear2),
                     (ours.norm1, theirs.norm1), (ours.norm2, theirs.norm2)]:
            b.weight.copy_(a.weight), b.bias.copy_(a.bias)
    x = torch.randn(B, LK, 16, dtype=torch.float64)
    keep = lengths_to_mask(torch.tensor([6, 4, 2]), LK)
    torch.testing.assert_close(ours(x, key_padding_mask=keep)[keep],
                               theirs(x, src_key_padding_mask=~keep)[keep])
    torch.testing.assert_close(ours(x, causal=True),
                               theirs(x, src_mask=~causal_mask(LK), is_causal=True))
    assert ours.attention_weights.shape == (B, 4, LK, LK)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_block_equals_torch_decoder_layer(norm_first):
    torch.manual_seed(0)
    ours = DecoderBlock(16, 4, 32, norm_first=norm_first).double()
    theirs = nn.TransformerDecoderLayer(16, 4, 32, dropout=0.0, activation="gelu",
                                        batch_first=True, norm_first=norm_first).double()
    _copy_into_torch(ours.self_attention, theirs.self_attn)
    _copy_into_torch(ours.cross_attention, theirs.multihead_attn)
    with torch.no_grad():
        for a, b in [(ours.feed_forward.linear1, theirs.linear1),
                     (ours.feed_forward.linear2, theirs.linear2), (ours.norm1, theirs.norm1),
                     (ours.norm2, theirs.norm2), (ours.norm3, theirs.norm3)]:
            b.weight.copy_(a.weight), b.bias.copy_(a.bias)
    x = torch.randn(B, LQ, 16, dtype=torch.float64)
    memory = torch.randn(B, 7, 16, dtype=torch.float64)
    keep_memory = lengths_to_mask(torch.tensor([7, 5, 1]), 7)
    got = ours(x, memory, memory_padding_mask=keep_memory)
    want = theirs(x, memory, tgt_mask=~causal_mask(LQ), tgt_is_causal=True,
                  memory_key_padding_mask=~keep_memory)
    torch.testing.assert_close(got, want)
    assert ours.cross_attention_weights.shape == (B, 4, LQ, 7)
    # the target's own key mask, with holes before real positions, which causal
    # attention alone would not hide from them (padding at the end it would)
    keep_x = torch.tensor([[1, 1, 1, 1, 1], [1, 0, 1, 1, 1], [1, 1, 0, 0, 1]], dtype=torch.bool)
    got = ours(x, memory, key_padding_mask=keep_x, memory_padding_mask=keep_memory)
    want = theirs(x, memory, tgt_mask=~causal_mask(LQ), tgt_key_padding_mask=~keep_x,
                  memory_key_padding_mask=~keep_memory)
    torch.testing.assert_close(got[keep_x], want[keep_x])


def test_sinusoidal_table_follows_its_formula():
    table = sinusoidal_encoding(50, 16)
    p, i = 37, 5
    angle = p / 10000 ** (2 * i / 16)
    assert table[p, 2 * i].item() == pytest.approx(math.sin(angle), abs=1e-5)
    assert table[p, 2 * i + 1].item() == pytest.approx(math.cos(angle), abs=1e-5)
    x = torch.zeros(2, 10, 16)
    torch.testing.assert_close(SinusoidalEncoding(16, 50)(x), table[:10].expand(2, 10, 16))
    learned = LearnedEncoding(16, 50)
    torch.testing.assert_close(learned(x), learned.table[:10].expand(2, 10, 16))


def test_rotary_rotates_pairs_like_complex_multiplication():
    torch.manual_seed(0)
    x = torch.randn(2, 6, 8, dtype=torch.float64)
    got = rotary(x)
    z = torch.view_as_complex(x.reshape(2, 6, 4, 2).contiguous())
    theta = 10000 ** (-torch.arange(0, 8, 2, dtype=torch.float64) / 8)
    angle = torch.arange(6, dtype=torch.float64)[:, None] * theta
    want = torch.view_as_real(z * torch.polar(torch.ones_like(angle), angle)).flatten(-2)
    torch.testing.assert_close(got, want, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(got.norm(dim=-1), x.norm(dim=-1))
    q, k = torch.randn(8, dtype=torch.float64), torch.randn(8, dtype=torch.float64)
    dots = [(rotary(q.expand(1, 8), torch.tensor([m]))
             @ rotary(k.expand(1, 8), torch.tensor([m - 3])).T).item() for m in (3, 7, 40)]
    assert dots == pytest.approx([dots[0]] * 3, rel=1e-5)


def test_bad_input_is_named():
    q, k, v = _qkv()
    with pytest.raises(TypeError, match="mask must be a boolean"):
        scaled_dot_product_attention(q, k, v, torch.ones(LQ, LK))
    with pytest.raises(ValueError, match="mask must have shape"):
        scaled_dot_product_attention(q, k, v, torch.ones(B, LK, dtype=torch.bool))
    with pytest.raises(ValueError, match="no key to attend"):
        scaled_dot_product_attention(q, k, v, torch.zeros(LQ, LK, dtype=torch.bool))
    with pytest.raises(ValueError, match="q and k"):
        scaled_dot_product_attention(q, k[..., :3], v)
    attention = MultiHeadAttention(8, 2)
    x = torch.randn(2, 5, 8)
    with pytest.raises(ValueError, match="key_padding_mask must have shape"):
        attention(x, key_padding_mask=torch.ones(5, 2, dtype=torch.bool))
    with pytest.raises(TypeError, match="key_padding_mask must be a boolean"):
        attention(x, key_padding_mask=torch.ones(2, 5))
    with pytest.raises(ValueError, match="query must have shape"):
        attention(torch.randn(2, 5, 6))
    with pytest.raises(ValueError, match="divisible"):
        MultiHeadAttention(10, 3)
    with pytest.raises(ValueError, match="even"):
        sinusoidal_encoding(4, 7)
    with pytest.raises(ValueError, match="longer than max_length"):
        SinusoidalEncoding(8, 4)(torch.zeros(1, 5, 8))


def test_a_block_keeps_detached_weights_so_it_can_be_copied_after_a_forward_pass():
    import copy
    block = EncoderBlock(8, 2, 16)
    decoder = DecoderBlock(8, 2, 16)
    x = torch.randn(1, 3, 8, requires_grad=True)
    block(x), decoder(x, x)
    assert not block.attention_weights.requires_grad
    assert not decoder.cross_attention_weights.requires_grad
    copy.deepcopy(block), copy.deepcopy(decoder)
@pytest.mark.parametrize("rotary_", [False, True])
def test_the_last_queries_alone_give_the_last_rows_of_causal_self_attention(rotary_):
    # the key-value-cache case: n queries, the last positions, against all the keys
    torch.manual_seed(0)
    attention = MultiHeadAttention(8, 2, rotary=rotary_)
    x = torch.randn(2, 6, 8)
    full, full_w = attention(x, causal=True)
    for n in (1, 3):
        part, part_w = attention(x[:, -n:], x, x, causal=True)
        torch.testing.assert_close(part, full[:, -n:])
        torch.testing.assert_close(part_w, full_w[:, :, -n:])
