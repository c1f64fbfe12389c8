"""Contract examples for Part VI, ``dlbook.generative``, and its chapters' checks."""

import torch
from torch import nn

from . import INFINITE, Example, Propagates, checks_in, elementwise, merge, propagates

def _digits():
    return torch.rand(80, 1, 8, 8, generator=torch.Generator().manual_seed(0))


EXAMPLES = {
    # --- yardstick --------------------------------------------------------------
    "dlbook.generative.yardstick.DigitReader": Example(
        methods={"forward": Example(dict(x=torch.rand(2, 1, 8, 8)))}),
    "dlbook.generative.yardstick.Score": Example(record="a plain record: its fields are stored as given"),
    "dlbook.generative.yardstick.digit_reader": Example(),
    "dlbook.generative.yardstick.digit_features": Example(lambda: dict(images=_digits())),
    "dlbook.generative.yardstick.classify": Example(lambda: dict(images=_digits())),
    "dlbook.generative.yardstick.frechet_distance": Example(
        lambda: dict(a=torch.rand(10, 3), b=torch.rand(12, 3))),
    "dlbook.generative.yardstick.score": Example(lambda: dict(samples=_digits())),
    "dlbook.generative.yardstick.floor": Example(),
}
