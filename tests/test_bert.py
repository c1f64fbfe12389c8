"""Tests of dlbook.transformers.bert: BERT's masking and loss, the encoder's padding
mask, the classifier, and T5's span corruption."""

import pytest
import torch
import torch.nn.functional as F

from dlbook.transformers.bert import (IGNORE, BertClassifier, BertEncoder,
                                      MaskedLanguageModel, mask_tokens, mlm_loss,
                                      span_corrupt, span_fill)

SPECIALS = [0, 1, 2, 3]
V, MASK = 30, 29


def _batch(n=2000, L=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(4, MASK, (n, L), generator=g)
    ids[:, 0] = 2                                     # <bos>
    lengths = torch.randint(2, L, (n,), generator=g)
    ids[torch.arange(L) >= lengths[:, None]] = 0      # padding
    ids[torch.arange(n), lengths - 1] = 3             # <eos>
    return ids


def test_masking_rates_and_specials():
    ids = _batch()
    inputs, targets = mask_tokens(ids, mask_id=MASK, vocab_size=V, special_ids=SPECIALS,
                                  generator=torch.Generator().manual_seed(1))
    special = torch.isin(ids, torch.tensor(SPECIALS))
    chosen = targets != IGNORE
    assert not (chosen & special).any()                   # specials never chosen
    assert torch.equal(inputs[special], ids[special])     # nor changed
    assert torch.equal(targets[chosen], ids[chosen])      # targets are the originals
    assert torch.equal(inputs[~chosen], ids[~chosen])     # only chosen tokens change
    n = chosen.sum().item()
    assert abs(n / (~special).sum().item() - 0.15) < 0.01
    masked = (inputs[chosen] == MASK).float().mean().item()
    kept = (inputs[chosen] == ids[chosen]).float().mean().item()
    assert abs(masked - 0.8) < 0.02 and abs(kept - 0.1) < 0.015
    random = inputs[chosen & (inputs != MASK) & (inputs != ids)]
    assert abs(len(random) / n - 0.1 * (1 - 1 / 25)) < 0.015  # a random draw may equal the token
    assert not torch.isin(random, torch.tensor(SPECIALS + [MASK])).any()


def test_masking_is_seeded():
    ids = _batch(50)
    a = mask_tokens(ids, mask_id=MASK, vocab_size=V, special_ids=SPECIALS,
                    generator=torch.Generator().manual_seed(3))
    b = mask_tokens(ids, mask_id=MASK, vocab_size=V, special_ids=SPECIALS,
                    generator=torch.Generator().manual_seed(3))
    assert all(torch.equal(x, y) for x, y in zip(a, b))


def test_mlm_loss_only_over_masked_positions():
    torch.manual_seed(0)
    logits = torch.randn(3, 5, V, requires_grad=True)
    targets = torch.full((3, 5), IGNORE)
    targets[0, 1], targets[2, 4] = 7, 11
    loss = mlm_loss(logits, targets)
    want = F.cross_entropy(torch.stack([logits[0, 1], logits[2, 4]]), torch.tensor([7, 11]))
    torch.testing.assert_close(loss, want)
    loss.backward()
    chosen = targets != IGNORE
    assert (logits.grad[~chosen] == 0).all() and (logits.grad[chosen] != 0).any()
    torch.testing.assert_close(loss, F.cross_entropy(logits.transpose(1, 2), targets,
                                                     ignore_index=IGNORE))


def _encoder():
    torch.manual_seed(0)
    return BertEncoder(V, d_model=16, n_heads=2, n_layers=2, d_ff=32, max_length=20,
                       dropout=0.0).eval()


def test_padding_does_not_change_cls():
    encoder = _encoder()
    classifier = BertClassifier(encoder, 2).eval()
    ids = torch.tensor([[2, 5, 6, 7, 3]])
    padded = torch.cat([ids, torch.zeros(1, 6, dtype=torch.long)], 1)
    torch.testing.assert_close(encoder(padded)[:, :5], encoder(ids))
    torch.testing.assert_close(classifier(padded), classifier(ids))
    other = torch.tensor([[2, 9, 9, 9, 9, 9, 9, 9, 9, 9, 3]])
    batch = torch.cat([padded, other])
    torch.testing.assert_close(classifier(batch)[:1], classifier(ids))


def test_shapes_and_attention():
    encoder = _encoder()
    ids = _batch(4, 10)
    assert MaskedLanguageModel(encoder)(ids).shape == (4, 10, V)
    weights = encoder.attention_weights
    assert len(weights) == 2 and weights[0].shape == (4, 2, 10, 10)
    pad = ids == 0
    assert (weights[1].permute(0, 3, 1, 2)[pad] == 0).all()  # no query attends to padding
    torch.testing.assert_close(weights[0].sum(-1), torch.ones(4, 2, 10))


@pytest.mark.parametrize("seed", range(30))
def test_span_corruption_inverts(seed):
    g = torch.Generator().manual_seed(seed)
    L = int(torch.randint(2, 40, (1,), generator=g))
    tokens = [f"w{i}" for i in range(L)]
    sentinels = [f"<extra_id_{k}>" for k in range(20)]
    density = float(torch.rand(1, generator=g)) * 0.9 + 0.05
    inputs, targets = span_corrupt(tokens, sentinels, noise_density=density,
                                   mean_span_length=2.5, generator=g)
    assert span_fill(inputs, targets, sentinels) == tokens
    used = [t for t in inputs if t in sentinels]
    assert used == sentinels[:len(used)] and targets[-1] == sentinels[len(used)]
    n_noise = len(targets) - len(used) - 1
    assert n_noise == min(max(round(density * L), 1), L - 1)
    assert len(inputs) == L - n_noise + len(used)
    # T5's layout: a kept run first, and every kept run and every cut span non-empty
    assert inputs[0] not in sentinels
    assert not any(a in sentinels and b in sentinels for a, b in zip(inputs, inputs[1:]))
    assert not any(a in sentinels and b in sentinels for a, b in zip(targets, targets[1:]))


def test_span_corruption_example_on_ids():
    ids = list(range(10, 30))
    inputs, targets = span_corrupt(ids, [100, 101, 102, 103], noise_density=0.2,
                                   mean_span_length=2.0,
                                   generator=torch.Generator().manual_seed(0))
    assert inputs.count(100) == 1 and targets[0] == 100 and len(targets) == 4 + 3
    assert span_fill(inputs, targets, [100, 101, 102, 103]) == ids


def test_bad_input():
    encoder = _encoder()
    with pytest.raises(TypeError, match="ids"):
        encoder(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="ids"):
        encoder(torch.full((2, 3), V))
    with pytest.raises(ValueError, match="ids"):
        encoder(torch.zeros(3, dtype=torch.long))
    ids = _batch(4)
    with pytest.raises(ValueError, match="rate"):
        mask_tokens(ids, mask_id=MASK, vocab_size=V, special_ids=SPECIALS, rate=1.5)
    with pytest.raises(ValueError, match="mask_id"):
        mask_tokens(ids, mask_id=V, vocab_size=V, special_ids=SPECIALS)
    with pytest.raises(TypeError, match="generator"):
        mask_tokens(ids, mask_id=MASK, vocab_size=V, special_ids=SPECIALS, generator=1)
    with pytest.raises(ValueError, match="agree"):
        mlm_loss(torch.randn(2, 3, V), torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="no position"):
        mlm_loss(torch.randn(2, 3, V), torch.full((2, 3), IGNORE))
    with pytest.raises(ValueError, match="sentinels"):
        span_corrupt(list(range(40)), [100], noise_density=0.5)
    with pytest.raises(ValueError, match="sentinels"):
        span_corrupt([1, 2, 3], [3, 4])
    with pytest.raises(ValueError, match="tokens"):
        span_corrupt([1], [5, 6])
    with pytest.raises(TypeError, match="tokens"):
        span_corrupt("a string", ["<X>", "<Y>"])
    with pytest.raises(ValueError, match="sentinel"):
        span_fill([1, 2], [7, 100], [100])
    with pytest.raises(ValueError, match="num_classes"):
        BertClassifier(encoder, 1)
