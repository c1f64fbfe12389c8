"""Tokenisers, vocabularies, padding, the corpora and the text CNN (dlbook.nlp)."""

from __future__ import annotations

import re

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook.nlp.batching import iterate_batches, lengths_to_mask, pad_sequences
from dlbook.nlp.corpora import load_names, name_shares, pydoc_splits, pydoc_text
from dlbook.nlp.textcnn import TextCNN
from dlbook.nlp.tokenize import (BPETokenizer, char_tokenize, chunks, merge_pair,
                                 train_bpe, word_tokenize)
from dlbook.nlp.vocab import Vocab, bag_of_words, build_vocab, one_hot

FAST = settings(max_examples=60, deadline=None)
TEXT = ("the cat sat on the mat; the cat ate the rat. "
        "a theory of the thing: then there were three. ") * 5
BPE = train_bpe(TEXT, 40)


# --- tokenisers -------------------------------------------------------------

def test_char_and_word_tokenize():
    assert char_tokenize("héllo") == ["h", "é", "l", "l", "o"]
    assert word_tokenize("Don't stop, 2 cats!") == ["Don", "'", "t", "stop", ",", "2",
                                                     "cats", "!"]
    assert word_tokenize("The CAT", lowercase=True) == ["the", "cat"]


@given(st.text())
@FAST
def test_chunks_cover_the_text(text):
    assert "".join(chunks(text)) == text


def test_merge_pair():
    assert merge_pair([1, 2, 1, 2, 2], (1, 2), 9) == [9, 9, 2]
    assert merge_pair([1, 1, 1], (1, 1), 9) == [9, 1]  # left to right, no overlap
    assert merge_pair([], (1, 2), 9) == []


@given(st.text())
@FAST
def test_bpe_round_trips_any_text(text):
    assert BPE.decode(BPE.encode(text)) == text


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=30))
@FAST
def test_bpe_round_trips_unseen_scripts_through_bytes(text):
    ids = BPE.encode(text)
    assert all(0 <= i < len(BPE) for i in ids)
    assert BPE.decode(ids) == text


def test_bpe_first_merge_is_the_most_frequent_pair():
    text = "ab ab ab cd"
    bpe = train_bpe(text, 1)
    # Chunks: "ab", " ab", " ab", " cd": the pair (a, b) occurs 3 times.
    assert bpe.merges == [(ord("a"), ord("b"))]
    assert bpe.tokens(text) == ["ab", " ", "ab", " ", "ab", " ", "c", "d"]


def test_bpe_merges_compress_and_stop_when_nothing_repeats():
    ids0 = BPETokenizer().encode(TEXT)
    assert len(ids0) == len(TEXT.encode("utf-8"))
    assert len(BPE.encode(TEXT)) < len(ids0) / 2
    lengths = [len(BPE.truncated(k).encode(TEXT)) for k in range(0, len(BPE.merges) + 1, 8)]
    assert lengths == sorted(lengths, reverse=True)
    small = train_bpe("abcd", 10)  # no pair occurs twice
    assert small.merges == []


def test_bpe_training_is_deterministic_and_encoding_matches_training():
    again = train_bpe(TEXT, 40)
    assert again.merges == BPE.merges
    # Each training chunk, encoded, is the segmentation training ended with.
    assert BPE.tokens(" theory")[0].startswith(" the")


def test_bpe_each_merge_is_a_most_frequent_pair_by_a_full_recount():
    # train_bpe updates its pair counts incrementally; recount from scratch after
    # every merge and check that each merge had the largest count
    # (eq-text-representation-pair-count), ties allowed.
    freq = {}
    for chunk in chunks(TEXT):
        freq[chunk] = freq.get(chunk, 0) + 1
    words = {tuple(c.encode("utf-8")): n for c, n in freq.items()}
    for k, pair in enumerate(BPE.merges):
        counts = {}
        for word, n in words.items():
            for p in zip(word, word[1:]):
                counts[p] = counts.get(p, 0) + n
        assert counts.get(pair, 0) == max(counts.values()) >= 2
        words = {tuple(merge_pair(list(w), pair, 256 + k)): n for w, n in words.items()}


def test_bpe_bad_input():
    with pytest.raises(TypeError, match="text"):
        train_bpe(b"bytes", 3)
    with pytest.raises(ValueError, match="num_merges"):
        train_bpe("abc", -1)
    with pytest.raises(ValueError, match="merges"):
        BPETokenizer([(300, 1)])
    with pytest.raises(ValueError, match="ids"):
        BPE.decode([10_000])


# --- vocabulary -------------------------------------------------------------

def test_vocab_specials_order_and_unknown():
    v = Vocab(list("banana"))
    assert v.itos[:4] == ["<pad>", "<unk>", "<bos>", "<eos>"]
    assert v.itos[4:] == ["a", "n", "b"]  # by frequency, most frequent first
    assert (v.pad_id, v.unk_id, v.bos_id, v.eos_id) == (0, 1, 2, 3)
    ids = v.encode(list("bandz"), add_bos=True, add_eos=True)
    assert ids == [2, 6, 4, 5, 1, 1, 3]
    assert v.decode(ids) == ["b", "a", "n", "<unk>", "<unk>"]
    assert v.decode(torch.tensor(ids), skip_specials=False)[0] == "<bos>"


def test_vocab_min_freq():
    v = Vocab(list("aaabbc"), min_freq=2)
    assert "c" not in v and "b" in v and len(v) == 6
    assert v.encode(["c"]) == [v.unk_id]


@given(st.lists(st.sampled_from(list("abcdef")), min_size=1))
@FAST
def test_vocab_round_trips_known_tokens(tokens):
    v = Vocab(tokens)
    assert v.decode(v.encode(tokens)) == tokens


def test_build_vocab_one_hot_and_bag_of_words():
    v = build_vocab([["a", "b"], ["b"]])
    assert v.itos[4:] == ["b", "a"]
    x = one_hot(torch.tensor([0, 2]), 3)
    assert torch.equal(x, torch.tensor([[1.0, 0, 0], [0, 0, 1]]))
    bow = bag_of_words([[1, 1, 2], [], [0]], 3)
    assert torch.equal(bow, torch.tensor([[0.0, 2, 1], [0, 0, 0], [1, 0, 0]]))
    # A bag of words is the sum of the one-hot rows.
    seq = torch.tensor([2, 0, 2, 1])
    assert torch.equal(bag_of_words([seq], 3)[0], one_hot(seq, 3).sum(0))


def test_vocab_bad_input():
    with pytest.raises(TypeError, match="tokens"):
        Vocab("abc")
    with pytest.raises(TypeError, match="tokens"):
        Vocab([1, 2])
    with pytest.raises(ValueError, match="min_freq"):
        Vocab(["a"], min_freq=0)
    with pytest.raises(ValueError, match="ids"):
        Vocab(["a"]).decode([7])
    with pytest.raises(ValueError, match="ids"):
        one_hot(torch.tensor([3]), 3)


# --- padding and batching -----------------------------------------------------

def test_pad_sequences_and_mask():
    batch = pad_sequences([[5, 6, 7], [8], []], pad_id=0)
    assert torch.equal(batch.ids, torch.tensor([[5, 6, 7], [8, 0, 0], [0, 0, 0]]))
    assert batch.lengths.tolist() == [3, 1, 0]
    assert batch.mask.tolist() == [[True] * 3, [True, False, False], [False] * 3]
    assert pad_sequences([[1]], min_length=4).ids.shape == (1, 4)
    assert lengths_to_mask(torch.tensor([2]), 3).tolist() == [[True, True, False]]


@given(st.lists(st.lists(st.integers(1, 50), max_size=8), min_size=1, max_size=10))
@FAST
def test_padding_keeps_every_sequence(seqs):
    batch = pad_sequences(seqs, pad_id=0)
    for b, s in enumerate(seqs):
        assert batch.ids[b][batch.mask[b]].tolist() == s
        assert (batch.ids[b][~batch.mask[b]] == 0).all()


def test_iterate_batches_covers_each_sequence_once():
    seqs = [[i] * (i % 4 + 1) for i in range(10)]
    labels = torch.arange(10)
    g = torch.Generator().manual_seed(0)
    seen = []
    for batch, y in iterate_batches(seqs, labels, batch_size=3, shuffle=True, generator=g):
        assert batch.ids.shape[0] == len(y) <= 3
        assert batch.ids.shape[1] == int(batch.lengths.max())  # padded to its own longest
        for row, label in zip(batch.ids, y.tolist()):
            assert row[0].item() == label
        seen += y.tolist()
    assert sorted(seen) == list(range(10)) and seen != list(range(10))
    plain = [y.tolist() for _, y in iterate_batches(seqs, labels, batch_size=4)]
    assert plain == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_batching_bad_input():
    with pytest.raises(ValueError, match="labels"):
        iterate_batches([[1], [2]], torch.tensor([0]))
    with pytest.raises(ValueError, match="batch_size"):
        iterate_batches([[1]], batch_size=0)
    with pytest.raises(TypeError, match="sequences"):
        pad_sequences([[1.5]])


# --- corpora ----------------------------------------------------------------

def test_pydoc_text():
    text = pydoc_text()
    assert len(text) > 400_000 and "lambda" in text


def test_pydoc_splits_are_fixed_and_hold_every_paragraph_once():
    a, b = pydoc_splits(), pydoc_splits()
    assert a == b and pydoc_splits(seed=1) != a
    paragraphs = [p for part in a for p in part.split("\n\n")]
    text = pydoc_text()
    assert sorted(paragraphs) == sorted(re.split(r"\n\s*\n", text))
    assert len(a.train) > 6 * len(a.val) and len(a.val) > 0 and len(a.test) > 0
    # the text repeats paragraphs word for word: no copy may cross from one part to another
    train, val, test = (set(part.split("\n\n")) for part in a)
    assert len(paragraphs) > len(set(paragraphs))
    assert not (train & val) and not (train & test) and not (val & test)


def test_names_split_is_fixed_disjoint_and_complete():
    a, b = load_names(), load_names()
    assert a.train.names == b.train.names and a.test.names == b.test.names
    parts = [set(p.names) for p in a]
    assert sum(len(p) for p in parts) == len(set.union(*parts)) == len(name_shares())
    for p in a:
        assert len(p.names) == len(p.labels)
        assert set(p.labels.tolist()) == {0, 1}
        assert all(n.isalpha() and n == n.lower() for n in p.names)
    assert load_names(seed=1).test.names != a.test.names


def test_names_on_both_lists_get_the_label_of_the_larger_share():
    shares = name_shares()
    f, m = shares["james"]
    assert f > 0 and m > f
    splits = load_names()
    label = {n: int(y) for p in splits for n, y in zip(p.names, p.labels)}
    assert label["james"] == 1 and label["mary"] == 0


# --- the text CNN -------------------------------------------------------------

def test_textcnn_ignores_padding():
    torch.manual_seed(0)
    model = TextCNN(12, widths=(1, 2, 4), channels=5).eval()
    seqs = [[4, 5, 6], [7], [8, 9, 10, 11, 3]]
    batch = pad_sequences(seqs).ids
    wider = pad_sequences(seqs, min_length=9).ids
    alone = torch.cat([model(torch.tensor([s])) for s in seqs])
    torch.testing.assert_close(model(batch), alone)
    torch.testing.assert_close(model(wider), alone)


def test_textcnn_matches_a_direct_computation():
    torch.manual_seed(0)
    model = TextCNN(6, num_classes=3, embed_dim=4, widths=(2,), channels=3).eval()
    ids = torch.tensor([[1, 2, 3]])
    x = model.embed.weight[ids[0]]                       # (T, E)
    x = torch.cat([torch.zeros(1, 4), x, torch.zeros(1, 4)])  # wide: pad w - 1 = 1
    conv = model.convs[0]
    windows = torch.stack([x[t:t + 2].T for t in range(len(x) - 1)])  # (T + 1, E, 2)
    h = torch.relu(torch.einsum("twk,cwk->tc", windows, conv.weight) + conv.bias)
    expected = model.out(h.max(dim=0).values)
    torch.testing.assert_close(model(ids)[0], expected)


def test_textcnn_learns_a_toy_task_and_checks_input():
    torch.manual_seed(0)
    seqs = [[4 + (i % 3)] * 3 + [7 + (i % 2)] for i in range(64)]
    y = torch.tensor([i % 2 for i in range(64)])
    ids = pad_sequences(seqs).ids
    model = TextCNN(10, channels=8, dropout=0.0)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(50):
        loss = torch.nn.functional.cross_entropy(model(ids), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert (model(ids).argmax(1) == y).all()
    with pytest.raises(ValueError, match="ids"):
        model(torch.tensor([[10]]))
    with pytest.raises(TypeError, match="ids"):
        model(torch.zeros(1, 3))
