"""Text that ships with Python packages, so that no chapter downloads anything.

- :func:`pydoc_text`: CPython's reference documentation, as ``pydoc`` shows it
  (the module ``pydoc_data.topics``, about 465,000 characters of English; PSF
  licence).
- :func:`pydoc_splits`: the same text cut into paragraphs, dealt into a fixed
  train, validation and test split.
- :func:`load_names`: the first names of the US census of 1990, as bundled in the
  ``names`` package (MIT licence; the census lists are public domain), labelled by
  sex and cut into a fixed train, validation and test split.

Explained in the chapter *Text representation*; the language-model chapters use
the same split of names.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import torch

from .._args import check_int
from ..data import split_indices

SEXES = ("female", "male")  # label 0 and label 1


def pydoc_text() -> str:
    """CPython's reference documentation (``pydoc_data.topics``): its topics in
    alphabetical order of their names, separated by blank lines.
    Chapter: *Text representation*."""
    from pydoc_data.topics import topics

    return "\n\n".join(topics[key] for key in sorted(topics))


class TextSplits(NamedTuple):
    """A text cut into training, validation and test parts."""

    train: str
    val: str
    test: str


def pydoc_splits(*, val_fraction: float = 0.1, test_fraction: float = 0.1,
                 seed: int = 0) -> TextSplits:
    """:func:`pydoc_text` cut at blank lines into paragraphs, which are dealt at
    random (fixed by ``seed``) into a training, a validation and a test part; each
    part joins its paragraphs in their original order, separated by blank lines.
    The documentation repeats many paragraphs word for word, so the distinct
    paragraphs are dealt, and every copy of one goes to the same part: no
    paragraph of the validation or test text is in the training text. The
    fractions count distinct paragraphs. Chapter: *A GPT from scratch*."""
    paragraphs = re.split(r"\n\s*\n", pydoc_text())
    distinct = list(dict.fromkeys(paragraphs))              # first occurrences, in order
    part_of = {}
    for part, idx in enumerate(split_indices(len(distinct), val_fraction, test_fraction,
                                             seed)):
        part_of.update((distinct[i], part) for i in idx)
    return TextSplits(*("\n\n".join(p for p in paragraphs if part_of[p] == part)
                        for part in range(3)))


@lru_cache(maxsize=1)
def _read_shares() -> tuple[tuple[str, float, float], ...]:
    import names

    folder = Path(names.__file__).parent
    shares: dict[str, list[float]] = {}
    for column, sex in enumerate(SEXES):
        for line in (folder / f"dist.{sex}.first").read_text().splitlines():
            name, percent = line.split()[:2]
            shares.setdefault(name.lower(), [0.0, 0.0])[column] = float(percent)
    return tuple((n, f, m) for n, (f, m) in sorted(shares.items()))


def name_shares() -> dict[str, tuple[float, float]]:
    """Every first name of the census lists, lower-cased, with the percentage of
    women and the percentage of men who bear it (0.0 where a list lacks it).
    Chapter: *Text representation*."""
    return {n: (f, m) for n, f, m in _read_shares()}


class NameSplit(NamedTuple):
    """First names (lower case) and their labels, 0 for female and 1 for male."""

    names: list[str]
    labels: torch.Tensor


class NameSplits(NamedTuple):
    """The names cut into training, validation and test parts."""

    train: NameSplit
    val: NameSplit
    test: NameSplit


def load_names(*, val_fraction: float = 0.15, test_fraction: float = 0.15,
               seed: int = 0) -> NameSplits:
    """The census first names, each once, labelled by sex, in a fixed split.

    A name on both lists (women's and men's) gets the label of the larger share
    (female on a tie).
    The split is stratified by label and the same for a given ``seed``; inside
    each part the names are shuffled. Chapters: *Text representation*, *Language
    models*, *Recurrent networks*.
    """
    seed = check_int("seed", seed, minimum=0)
    rows = _read_shares()
    all_names = [n for n, _, _ in rows]
    labels = torch.tensor([int(m > f) for _, f, m in rows], dtype=torch.long)
    parts = split_indices(len(rows), val_fraction, test_fraction, seed,
                          stratify=labels.numpy())
    return NameSplits(*(NameSplit([all_names[i] for i in idx],
                                  labels[torch.as_tensor(idx)]) for idx in parts))
