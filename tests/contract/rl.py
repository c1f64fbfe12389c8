"""Contract examples for Part VII, ``dlbook.rl``, and its chapters' checks."""

import torch
from torch import nn

from . import INFINITE, Example, Propagates, checks_in, elementwise, merge, propagates

EXAMPLES = {
}
