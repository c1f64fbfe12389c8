"""The encoder-decoder transformer, its greedy decoding and the warm-up schedule."""

import pytest
import torch

from dlbook.transformers.encoder_decoder import Transformer, greedy_decode, warmup_schedule


def tiny_model(norm_first=True, tie_embeddings=True, seed=0):
    torch.manual_seed(seed)
    model = Transformer(7, 6, d_model=8, n_heads=2, d_ff=16, n_encoder_layers=2,
                        n_decoder_layers=2, norm_first=norm_first,
                        tie_embeddings=tie_embeddings, max_length=32)
    with torch.no_grad():               # sharper distributions than the default init
        model.tgt_embedding.weight.mul_(4.0)
        if not tie_embeddings:
            model.output.weight.mul_(4.0)
    return model.eval()


SRC = torch.tensor([[4, 5, 6, 4], [5, 6, 0, 0], [6, 0, 0, 0]])


@pytest.mark.parametrize("norm_first", [True, False])
@pytest.mark.parametrize("tie", [True, False])
def test_greedy_decoding_is_argmax_of_the_full_forward_pass(norm_first, tie):
    model = tiny_model(norm_first, tie)
    outputs = greedy_decode(model, SRC, max_length=8)
    for src, out in zip(SRC, outputs):
        prefix = [model.bos_id]
        for _ in range(8):                   # step by step, the whole prefix each time
            with torch.no_grad():
                logits = model(src[src != 0].unsqueeze(0), torch.tensor([prefix]))
            prefix.append(int(logits[0, -1].argmax()))
            if prefix[-1] == model.eos_id:
                break
        expected = prefix[1:-1] if prefix[-1] == model.eos_id else prefix[1:]
        assert out == expected


def test_a_padded_batch_gives_each_sequence_s_own_outputs():
    model = tiny_model()
    tgt_in = torch.tensor([[2, 4, 5, 1], [2, 5, 4, 5], [2, 1, 1, 4]])
    with torch.no_grad():
        batch = model(SRC, tgt_in)
        for b, src in enumerate(SRC):
            alone = model(src[src != 0].unsqueeze(0), tgt_in[b:b + 1])
            assert torch.allclose(batch[b], alone[0], atol=1e-5)
    alone_outputs = [greedy_decode(model, src[src != 0].unsqueeze(0), 8)[0] for src in SRC]
    assert greedy_decode(model, SRC, 8) == alone_outputs


def test_changing_a_later_target_token_leaves_earlier_logits_alone():
    model = tiny_model(norm_first=False)
    tgt_in = torch.tensor([[2, 4, 5, 1, 4]])
    with torch.no_grad():
        before = model(SRC[:1], tgt_in)
        changed = tgt_in.clone()
        changed[0, 3] = 5
        after = model(SRC[:1], changed)
    assert torch.equal(before[0, :3], after[0, :3])
    assert not torch.allclose(before[0, 3:], after[0, 3:])


def test_the_source_matters_and_padding_of_the_source_does_not():
    model = tiny_model()
    tgt_in = torch.tensor([[2, 4, 5]])
    with torch.no_grad():
        a = model(torch.tensor([[4, 5]]), tgt_in)
        padded = model(torch.tensor([[4, 5, 0, 0, 0]]), tgt_in)
        b = model(torch.tensor([[5, 4]]), tgt_in)
    assert torch.allclose(a, padded, atol=1e-5)
    assert not torch.allclose(a, b)          # positions make order matter


def test_tied_output_shares_the_embedding_and_gradients_flow():
    model = tiny_model(tie_embeddings=True)
    assert model.output.weight is model.tgt_embedding.weight
    assert tiny_model(tie_embeddings=False).output.weight is not \
        tiny_model(tie_embeddings=False).tgt_embedding.weight
    model.train()
    model(SRC, torch.tensor([[2, 4], [2, 5], [2, 1]])).sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_pre_norm_has_final_norms_and_post_norm_does_not():
    assert isinstance(tiny_model(True).encoder_norm, torch.nn.LayerNorm)
    assert isinstance(tiny_model(False).decoder_norm, torch.nn.Identity)


def test_pre_norm_stacks_end_with_their_layer_norm():
    model = tiny_model(norm_first=True)
    with torch.no_grad():
        memory, _ = model.encode(SRC)        # a fresh layer norm: mean 0, variance 1
        torch.testing.assert_close(memory.mean(-1), torch.zeros(memory.shape[:2]),
                                   atol=1e-5, rtol=0)
        tgt_in = torch.tensor([[2, 4], [2, 5], [2, 1]])
        before = model(SRC, tgt_in)
        model.decoder_norm = torch.nn.Identity()
        assert not torch.allclose(before, model(SRC, tgt_in))


def test_warmup_schedule_rises_then_falls():
    lr = [warmup_schedule(s, 512, 4000) for s in range(1, 20001)]
    peak = max(range(len(lr)), key=lr.__getitem__) + 1
    assert peak == 4000
    assert lr[0] == pytest.approx(512 ** -0.5 * 4000 ** -1.5)
    assert lr[15999] == pytest.approx(512 ** -0.5 * 16000 ** -0.5)
    assert lr[3999] == pytest.approx(512 ** -0.5 * 4000 ** -0.5)


def test_bad_input_raises():
    model = tiny_model()
    with pytest.raises(ValueError, match="src"):
        model(torch.tensor([[0, 4]]), torch.tensor([[2]]))          # padding first
    with pytest.raises(ValueError, match="src"):
        model(torch.tensor([[4, 9]]), torch.tensor([[2]]))          # id out of range
    with pytest.raises(TypeError, match="src"):
        model(torch.tensor([[4.0, 5.0]]), torch.tensor([[2]]))
    with pytest.raises(ValueError, match="tgt_in"):
        model(SRC, torch.tensor([[2, 4]]))                           # batch sizes differ
    with pytest.raises(ValueError, match="tgt_in"):
        model(SRC[:1], torch.tensor([[2, 6]]))
    with pytest.raises(ValueError, match="max_length"):
        model(SRC[:1], torch.full((1, 40), 2))                       # longer than positions
    with pytest.raises(TypeError, match="model"):
        greedy_decode(torch.nn.Linear(2, 2), SRC)
    with pytest.raises(ValueError, match="max_length"):
        greedy_decode(model, SRC, max_length=0)
    with pytest.raises(ValueError, match="d_model"):
        Transformer(7, 6, d_model=10, n_heads=4)
    with pytest.raises(ValueError, match="n_encoder_layers"):
        Transformer(7, 6, n_encoder_layers=0)
    with pytest.raises(ValueError, match="warmup_steps"):
        warmup_schedule(1, 64, 0)
    with pytest.raises(ValueError, match="step"):
        warmup_schedule(0, 64, 10)
