"""n-gram language models and perplexity: exact answers and invariants."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook.nlp.ngram import NGramLM
from dlbook.nlp.perplexity import perplexity, token_log_probs

BOS, EOS, V = 0, 1, 5
CORPUS = [[2, 3], [2, 3, 4], [3, 2], [4]]


def test_a_uniform_model_has_the_vocabulary_size_as_perplexity():
    for vocab_size in (2, 7, 30):
        logits = torch.zeros(50, vocab_size)
        targets = torch.randint(0, vocab_size, (50,), generator=torch.Generator().manual_seed(0))
        assert perplexity(token_log_probs(logits, targets)) == pytest.approx(vocab_size)
        assert perplexity(torch.full((3, 4), -math.log(vocab_size))) == pytest.approx(
            vocab_size)


def test_a_certain_and_right_model_has_perplexity_one():
    assert perplexity(torch.zeros(10)) == 1.0


def test_token_log_probs_leaves_out_padding():
    logits = torch.randn(2, 3, 4, generator=torch.Generator().manual_seed(1))
    targets = torch.tensor([[1, 2, 0], [3, 0, 0]])
    got = token_log_probs(logits, targets, ignore_index=0)
    want = torch.log_softmax(logits.double(), -1)[[0, 0, 1], [0, 1, 0], [1, 2, 3]]
    torch.testing.assert_close(got, want)


def test_add_k_counts_by_hand():
    lm = NGramLM(2, V, bos=BOS, eos=EOS, smoothing="add-k", k=1.0).fit(CORPUS)
    # after token 2: 3 twice, eos once (from [3, 2]); c(2) = 3
    want = torch.tensor([1, 2, 1, 3, 1], dtype=torch.float64) / (3 + 5)
    torch.testing.assert_close(lm.probs([4, 2]), want)
    # at the start (after bos): 2 twice, 3 once, 4 once
    start = torch.tensor([1, 1, 3, 2, 2], dtype=torch.float64) / (4 + 5)
    torch.testing.assert_close(lm.probs([]), start)


def test_kneser_ney_by_hand():
    d = 0.5
    lm = NGramLM(2, V, bos=BOS, eos=EOS, smoothing="kneser-ney", discount=d).fit(CORPUS)
    # unigram continuation counts: how many different tokens came before each token
    # 2 after {bos, 3}, 3 after {2, bos}, 4 after {3, bos}, eos after {3, 4, 2}
    cont = torch.tensor([0, 3, 2, 2, 2], dtype=torch.float64)
    uni = (cont - d).clamp(min=0) / 9 + d * 4 / 9 / V
    after_bos = torch.tensor([0, 0, 2, 1, 1], dtype=torch.float64)
    torch.testing.assert_close(lm.probs([]), (after_bos - d).clamp(min=0) / 4
                               + d * 3 / 4 * uni)
    after_2 = torch.tensor([0, 1, 0, 2, 0], dtype=torch.float64)
    want = (after_2 - d).clamp(min=0) / 3 + d * 2 / 3 * uni
    torch.testing.assert_close(lm.probs([2]), want)


@settings(max_examples=30, deadline=None)
@given(order=st.integers(1, 4), smoothing=st.sampled_from(["add-k", "kneser-ney"]),
       context=st.lists(st.integers(0, V - 1), max_size=5))
def test_every_distribution_sums_to_one(order, smoothing, context):
    lm = NGramLM(order, V, bos=BOS, eos=EOS, smoothing=smoothing, k=0.3,
                 discount=0.7).fit(CORPUS)
    p = lm.probs(context)
    assert p.shape == (V,) and bool((p > 0).all())
    assert float(p.sum()) == pytest.approx(1.0)


def test_log_probs_and_perplexity_of_a_sequence():
    lm = NGramLM(3, V, bos=BOS, eos=EOS).fit(CORPUS)
    lp = lm.log_probs([2, 3])
    assert lp.shape == (3,)
    torch.testing.assert_close(lp[1], lm.probs([2])[3].log())
    torch.testing.assert_close(lp[2], lm.probs([2, 3])[EOS].log())


def test_unigram_with_huge_k_is_uniform():
    lm = NGramLM(1, V, bos=BOS, eos=EOS, smoothing="add-k", k=1e9).fit(CORPUS)
    lp = torch.cat([lm.log_probs(s) for s in CORPUS])
    assert perplexity(lp) == pytest.approx(V, rel=1e-6)


def test_sampling_is_seeded_and_stops_at_eos():
    lm = NGramLM(2, V, bos=BOS, eos=EOS).fit(CORPUS)
    a = [lm.sample(torch.Generator().manual_seed(3)) for _ in range(5)]
    b = [lm.sample(torch.Generator().manual_seed(3)) for _ in range(5)]
    assert a == b
    for s in a:
        assert EOS not in s and len(s) <= 30
    assert len(lm.sample(torch.Generator().manual_seed(0), max_length=2)) <= 2


def test_bad_input_raises():
    with pytest.raises(ValueError, match="smoothing"):
        NGramLM(2, V, bos=BOS, eos=EOS, smoothing="laplace")
    with pytest.raises(ValueError, match="order"):
        NGramLM(0, V, bos=BOS, eos=EOS)
    with pytest.raises(ValueError, match="fit"):
        NGramLM(2, V, bos=BOS, eos=EOS).probs([2])
    with pytest.raises(ValueError, match="sequences"):
        NGramLM(2, V, bos=BOS, eos=EOS).fit([[2, 9]])
    with pytest.raises(ValueError, match="log_probs"):
        perplexity(torch.tensor([0.5]))
    with pytest.raises(ValueError, match="targets"):
        token_log_probs(torch.zeros(2, 3), torch.tensor([0, 3]))
