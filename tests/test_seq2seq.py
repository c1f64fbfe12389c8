"""The encoder-decoder with attention, greedy decoding and beam search, and the
numbers task they are trained on."""

import itertools

import pytest
import torch

from dlbook.nlp.seq2seq import (AdditiveAttention, Seq2Seq, beam_search, greedy_decode,
                                number_pair, numbers_task)


def tiny_model(attention=True, seed=0, tgt_vocab_size=6):
    torch.manual_seed(seed)
    model = Seq2Seq(7, tgt_vocab_size, embedding_dim=5, hidden_size=6, attention=attention)
    with torch.no_grad():               # sharper distributions than the default init
        model.output.weight.mul_(4.0)
    return model.eval()


SRC = torch.tensor([[4, 5, 6, 4], [5, 6, 0, 0]])


def sequence_log_prob(model, src, tokens):
    """log p(tokens | src) by teacher forcing, the last token included."""
    tgt_in = torch.tensor([[model.bos_id] + tokens[:-1]])
    with torch.no_grad():
        lp = model(src.unsqueeze(0), tgt_in).log_softmax(2)[0]
    return float(lp[torch.arange(len(tokens)), torch.tensor(tokens)].sum())


def test_attention_weights_sum_to_one_and_skip_padding():
    torch.manual_seed(0)
    attend = AdditiveAttention(3, 4, 5)
    keys = torch.randn(2, 5, 4)
    mask = torch.tensor([[True] * 5, [True, True, False, False, False]])
    context, weights = attend(torch.randn(2, 3), keys, mask)
    assert torch.allclose(weights.sum(1), torch.ones(2))
    assert (weights[1, 2:] == 0).all() and (weights[1, :2] > 0).all()
    assert torch.allclose(context, torch.einsum("bs,bsk->bk", weights, keys))
    # changing the keys under the padding changes nothing
    keys2 = keys.clone()
    keys2[1, 2:] = 100.0
    assert torch.allclose(attend(torch.zeros(2, 3), keys2, mask)[0][1],
                          attend(torch.zeros(2, 3), keys, mask)[0][1])


def test_padding_does_not_change_the_output():
    model = tiny_model()
    tgt_in = torch.tensor([[2, 4, 5]])
    alone = model(torch.tensor([[5, 6]]), tgt_in)
    padded = model(torch.tensor([[5, 6, 0, 0]]), tgt_in)
    assert torch.allclose(alone, padded, atol=1e-6)


@pytest.mark.parametrize("attention", [True, False])
def test_greedy_decoding_follows_teacher_forcing(attention):
    model = tiny_model(attention)
    outputs, weights = greedy_decode(model, SRC, max_length=6)
    for b, tokens in enumerate(outputs):
        full = tokens + ([model.eos_id] if len(tokens) < 6 else [])
        tgt_in = torch.tensor([[model.bos_id] + full[:-1]])
        with torch.no_grad():
            logits = model(SRC[b:b + 1, :int((SRC[b] != 0).sum())], tgt_in)
        assert logits.argmax(2)[0].tolist() == full
    if attention:
        rows = weights[1, :len(outputs[1]) + 1]
        assert torch.allclose(rows.sum(1), torch.ones(len(rows)))
        assert (weights[1, :, 2:] == 0).all()


@pytest.mark.parametrize("seed", range(5))
def test_beam_of_width_one_is_greedy(seed):
    model = tiny_model(seed=seed)
    for b in range(2):
        src = SRC[b][SRC[b] != 0]
        greedy, _ = greedy_decode(model, src.unsqueeze(0), max_length=7)
        (best, _), = beam_search(model, src, beam_width=1, max_length=7)
        assert best == greedy[0]


@pytest.mark.parametrize("seed", range(4))
def test_wide_beam_finds_the_most_probable_sequence(seed):
    model = tiny_model(seed=seed, tgt_vocab_size=6)   # every id may be emitted
    src = torch.tensor([4, 6, 5])
    L = 4
    candidates = []
    for n in range(L):
        for seq in itertools.product(range(6), repeat=n):
            if model.eos_id not in seq:
                candidates.append(list(seq) + [model.eos_id])
    candidates += [list(s) for s in itertools.product(range(6), repeat=L)
                   if model.eos_id not in s]
    scores = {tuple(c): sequence_log_prob(model, src, c) for c in candidates}
    best = max(scores, key=scores.get)
    ranked = beam_search(model, src, beam_width=6 ** L, max_length=L)
    tokens, log_prob = ranked[0]
    want = list(best[:-1]) if best[-1] == model.eos_id else list(best)
    assert tokens == want and log_prob == pytest.approx(scores[best], abs=1e-5)
    # length normalisation: the best per-token average
    ranked = beam_search(model, src, beam_width=6 ** L, max_length=L, length_penalty=1.0)
    avg = max(scores, key=lambda c: scores[c] / len(c))
    assert ranked[0][1] == pytest.approx(scores[avg], abs=1e-5)


def test_bad_input_raises():
    model = tiny_model()
    with pytest.raises(TypeError, match="src"):
        model(SRC.float(), torch.tensor([[2], [2]]))
    with pytest.raises(ValueError, match="src"):
        model(torch.tensor([[0, 4]]), torch.tensor([[2]]))
    with pytest.raises(ValueError, match="src"):
        model(torch.tensor([[9, 4]]), torch.tensor([[2]]))
    with pytest.raises(ValueError, match="tgt_in"):
        model(SRC, torch.tensor([[2]]))
    with pytest.raises(ValueError, match="beam_width"):
        beam_search(model, torch.tensor([4, 5]), beam_width=0)
    with pytest.raises(ValueError, match="src"):
        beam_search(model, SRC)
    with pytest.raises(TypeError, match="model"):
        greedy_decode(torch.nn.Linear(2, 2), SRC)
    with pytest.raises(ValueError, match="mask"):
        AdditiveAttention(3, 4, 5)(torch.randn(1, 3), torch.randn(1, 2, 4),
                                   torch.tensor([[False, False]]))
    with pytest.raises(ValueError, match="hidden_size"):
        Seq2Seq(5, 5, hidden_size=0)


def test_numbers_task_is_the_fixed_split_of_both_chapters():
    split, src_vocab, tgt_vocab, data = numbers_task(seed=0)
    assert {k: len(v) for k, v in split.items()} == {"train": 3800, "val": 600,
                                                     "test": 600, "long": 300}
    # the draw both chapters report on: changing it changes their results
    assert split["train"][:4] == [58755, 95803, 767, 37568]
    assert split["test"][:4] == [68161, 35532, 26282, 81100]
    assert split["long"][:4] == [250886, 305005, 467649, 836435]
    train, val, test = (set(split[k]) for k in ("train", "val", "test"))
    assert not (train & val or train & test or val & test)
    assert train | val | test >= set(range(1000))
    assert all(100_000 <= n < 1_000_000 for n in split["long"])
    assert numbers_task(seed=0)[0] == split and numbers_task(seed=1)[0] != split
    assert number_pair(101) == (["1", "0", "1"], ["cento", "e", "um"])
    for n, (src, tgt) in zip(split["val"], data["val"]):
        assert src_vocab.decode(src) == list(str(n))
        assert tgt[-1] == tgt_vocab.eos_id
        assert tgt_vocab.decode(tgt[:-1]) == number_pair(n)[1]


def test_numbers_task_bad_input_raises():
    with pytest.raises(TypeError, match="seed"):
        numbers_task(seed=0.5)
    with pytest.raises(ValueError, match="n"):
        number_pair(-1)
