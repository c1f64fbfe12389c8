"""The exercise checks of *Text representation*: right answers pass, typical mistakes fail."""

import numpy as np
import torch

from dlbook.checks.text_representation import (check_masked_max_pool,
                                               check_most_frequent_pair, check_padding)


# --- most_frequent_pair --------------------------------------------------------

def pair_counts(words, weighted=True):
    counts = {}
    for word, n in words.items():
        for pair in zip(word, word[1:]):
            counts[pair] = counts.get(pair, 0) + (n if weighted else 1)
    return counts


def pair_right(words):
    counts = pair_counts(words)
    return max(counts, key=counts.get)


def pair_unweighted(words):  # every word counts once, whatever its frequency
    counts = pair_counts(words, weighted=False)
    return max(counts, key=counts.get)


def pair_as_list(words):
    return list(pair_right(words))


def pair_least(words):
    counts = pair_counts(words)
    return min(counts, key=counts.get)


def pair_once_per_word(words):  # a pair that occurs twice in a word counts once
    counts = {}
    for word, n in words.items():
        for pair in set(zip(word, word[1:])):
            counts[pair] = counts.get(pair, 0) + n
    return max(counts, key=counts.get)


def test_most_frequent_pair():
    assert check_most_frequent_pair(lambda words: np.array(pair_right(words))).passed
    result = check_most_frequent_pair(pair_once_per_word)
    assert not result.passed and "once per word" in result.message

    assert check_most_frequent_pair(pair_right).passed
    assert check_most_frequent_pair(pair_as_list).passed
    result = check_most_frequent_pair(pair_unweighted)
    assert not result.passed and "counts once" in result.message
    assert not check_most_frequent_pair(pair_least).passed
    result = check_most_frequent_pair(lambda words: "ab")
    assert not result.passed and "pair" in result.message


# --- pad ----------------------------------------------------------------------

def pad_right(seqs, pad_id):
    T = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), T), pad_id)
    mask = torch.zeros(len(seqs), T, dtype=torch.bool)
    for b, s in enumerate(seqs):
        ids[b, :len(s)] = torch.tensor(s, dtype=torch.long)
        mask[b, :len(s)] = True
    return ids, mask


def pad_zero(seqs, pad_id):  # ignores pad_id
    return pad_right(seqs, 0)


def pad_mask_from_ids(seqs, pad_id):
    ids, _ = pad_right(seqs, pad_id)
    return ids, ids != pad_id


def pad_int_mask(seqs, pad_id):
    ids, mask = pad_right(seqs, pad_id)
    return ids, mask.long()


def pad_in_place(seqs, pad_id):
    T = max(len(s) for s in seqs)
    for s in seqs:
        s += [pad_id] * (T - len(s))
    ids = torch.tensor(seqs)
    return ids, ids != pad_id


def test_padding():
    assert check_padding(pad_right).passed
    assert check_padding(pad_int_mask).passed
    result = check_padding(pad_zero)
    assert not result.passed and "pad_id" in result.message
    assert check_padding(pad_mask_from_ids).passed  # no real token equals pad_id here
    assert not check_padding(lambda seqs, pad_id: pad_right(seqs, pad_id)[::-1]).passed
    result = check_padding(pad_in_place)
    assert not result.passed and "in place" in result.message


# --- masked_max_pool ----------------------------------------------------------

def pool_right(h, mask):
    return h.masked_fill(~mask[:, None, :], float("-inf")).max(dim=2).values


def pool_everything(h, mask):
    return h.max(dim=2).values


def pool_zero_fill(h, mask):
    return (h * mask[:, None, :]).max(dim=2).values


def pool_in_place(h, mask):
    h.masked_fill_(~mask[:, None, :], float("-inf"))
    return h.max(dim=2).values


def test_masked_max_pool():
    assert check_masked_max_pool(pool_right).passed
    result = check_masked_max_pool(pool_everything)
    assert not result.passed and "padded" in result.message
    result = check_masked_max_pool(pool_zero_fill)
    assert not result.passed and "negative" in result.message
    result = check_masked_max_pool(pool_in_place)
    assert not result.passed and "in place" in result.message
    assert not check_masked_max_pool(lambda h, mask: h.mean(dim=2)).passed
