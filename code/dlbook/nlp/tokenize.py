"""Tokenisers: characters, words, and byte-pair encoding built from scratch.

Explained in the chapter *Text representation*. Byte-pair encoding
(Sennrich et al., 2016) here works on the UTF-8 bytes of the text, as GPT-2 does,
so that every text, in any script, encodes and decodes back exactly.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .._args import check_bool, check_int, check_sequence

# Words with the space before them, runs of punctuation, and whitespace: the
# chunks that BPE merges within (never across), as in GPT-2.
CHUNK = re.compile(r" ?\w+| ?[^\w\s]+|\s+(?!\S)|\s+")
WORD = re.compile(r"\w+|[^\w\s]")


def _check_text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    return value


def char_tokenize(text: str) -> list[str]:
    """Split ``text`` into its characters. Chapter: *Text representation*."""
    return list(_check_text("text", text))


def word_tokenize(text: str, lowercase: bool = False) -> list[str]:
    """Split ``text`` into words (runs of letters, digits and ``_``) and single
    punctuation marks, dropping whitespace. Chapter: *Text representation*."""
    _check_text("text", text)
    lowercase = check_bool("lowercase", lowercase)
    return WORD.findall(text.lower() if lowercase else text)


def chunks(text: str) -> list[str]:
    """Cut ``text`` into the chunks BPE works within: a word with the space before
    it, a run of punctuation, or whitespace. Joined, they give ``text`` back.
    Chapter: *Text representation*."""
    return CHUNK.findall(_check_text("text", text))


def merge_pair(symbols: list[int], pair: tuple[int, int], new: int) -> list[int]:
    """Replace every occurrence of ``pair`` in ``symbols``, left to right, by ``new``.
    Chapter: *Text representation*."""
    check_sequence("symbols", symbols, nonempty=False)
    if not (isinstance(pair, tuple) and len(pair) == 2):
        raise TypeError(f"pair must be a tuple of two symbols, got {pair!r}")
    out, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
            out.append(new)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


@dataclass
class BPETokenizer:
    """A byte-pair encoder: 256 byte tokens plus one token per learned merge.

    ``merges[k]`` is the pair of token ids that token ``256 + k`` replaces. Build
    one with :func:`train_bpe`. Chapter: *Text representation*.
    """

    merges: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.merges = _check_merges(self.merges)
        self.vocab = [bytes([b]) for b in range(256)]               # id -> bytes
        for a, b in self.merges:
            self.vocab.append(self.vocab[a] + self.vocab[b])
        self.rank = {pair: k for k, pair in enumerate(self.merges)}
        self._cache: dict[str, list[int]] = {}

    def __len__(self) -> int:
        return len(self.vocab)

    def truncated(self, num_merges: int) -> "BPETokenizer":
        """The tokenizer that keeps only the first ``num_merges`` merges."""
        num_merges = check_int("num_merges", num_merges, minimum=0,
                               maximum=len(self.merges))
        return BPETokenizer(self.merges[:num_merges])

    def encode_chunk(self, chunk: str) -> list[int]:
        """Token ids of one chunk: apply the learned merges in the order learned."""
        _check_text("chunk", chunk)
        if chunk not in self._cache:
            symbols = list(chunk.encode("utf-8"))
            while len(symbols) > 1:
                pairs = set(zip(symbols, symbols[1:]))
                first = min(pairs, key=lambda p: self.rank.get(p, len(self.merges)))
                if first not in self.rank:
                    break  # no learned merge applies
                symbols = merge_pair(symbols, first, 256 + self.rank[first])
            self._cache[chunk] = symbols
        return self._cache[chunk]

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``."""
        return [i for chunk in chunks(_check_text("text", text))
                for i in self.encode_chunk(chunk)]

    def decode(self, ids: list[int]) -> str:
        """The text of token ids: their bytes joined, read as UTF-8."""
        check_sequence("ids", ids, nonempty=False)
        for i in ids:
            check_int("ids", i, minimum=0, maximum=len(self.vocab) - 1)
        return b"".join(self.vocab[i] for i in ids).decode("utf-8", errors="replace")

    def tokens(self, text: str) -> list[str]:
        """The tokens of ``text`` as strings, to look at (a token that ends inside a
        character shows as U+FFFD)."""
        return [self.vocab[i].decode("utf-8", errors="replace") for i in self.encode(text)]


def _check_merges(merges: object) -> list[tuple[int, int]]:
    checked = []
    for k, pair in enumerate(check_sequence("merges", merges, nonempty=False)):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise TypeError(f"merges must hold pairs of token ids, got {pair!r}")
        checked.append(tuple(check_int("merges", i, minimum=0, maximum=255 + k)
                             for i in pair))
    return checked


def train_bpe(text: str, num_merges: int) -> BPETokenizer:
    """Learn ``num_merges`` byte-pair merges from ``text``.

    Start from the UTF-8 bytes of each chunk; repeatedly find the most frequent
    adjacent pair of tokens (ties go to the pair whose count entry is oldest, so
    training is deterministic) and merge it into a new token. Stops early when no
    pair occurs twice. Chapter: *Text representation*.
    """
    _check_text("text", text)
    num_merges = check_int("num_merges", num_merges, minimum=0)
    freq = Counter(chunks(text))
    words = [list(w.encode("utf-8")) for w in freq]      # each chunk once,
    counts = list(freq.values())                         # with its frequency
    pairs: Counter = Counter()                           # pair -> occurrences
    where: dict[tuple[int, int], set[int]] = defaultdict(set)  # pair -> words
    for i, word in enumerate(words):
        for pair in zip(word, word[1:]):
            pairs[pair] += counts[i]
            where[pair].add(i)
    merges = []
    for new in range(256, 256 + num_merges):
        if not pairs:
            break
        best = max(pairs, key=pairs.__getitem__)
        if pairs[best] < 2:
            break
        merges.append(best)
        for i in sorted(where.pop(best)):
            _update(pairs, where, i, words[i], -counts[i])     # forget old pairs
            words[i] = merge_pair(words[i], best, new)
            _update(pairs, where, i, words[i], counts[i])      # count the new ones
    return BPETokenizer(merges)


def _update(pairs: Counter, where: dict, i: int, word: list[int], count: int) -> None:
    for pair in zip(word, word[1:]):
        pairs[pair] += count
        if pairs[pair] <= 0:
            del pairs[pair]
        elif count > 0:
            where[pair].add(i)
