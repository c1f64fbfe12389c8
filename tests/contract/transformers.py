"""Contract examples for Part V, ``dlbook.transformers``, and its chapters' checks."""

import torch
from torch import nn

from . import INFINITE, Example, Propagates, checks_in, elementwise, merge, propagates

EXAMPLES = {
}
