"""Contract examples for Part V, ``dlbook.transformers``, and its chapters' checks."""

import torch
from torch import nn

from . import INFINITE, Example, Propagates, checks_in, elementwise, merge, propagates

EXAMPLES = {
    # --- self-supervised: contrastive learning -----------------------------------
    "dlbook.transformers.contrastive.nt_xent": Example(
        dict(z1=torch.randn(4, 3), z2=torch.randn(4, 3), temperature=0.5)),
    "dlbook.transformers.contrastive.digit_views": Example(
        dict(x=torch.rand(3, 1, 8, 8), generator=torch.Generator().manual_seed(0)),
        accept=propagates("x", reason="images are arithmetic: a NaN pixel gives NaN "
                          "pixels, as in torch; a shift may move it out of the frame"),
        fuzz=("x", "generator")),
    "dlbook.transformers.contrastive.few_labels": Example(
        dict(labels=torch.arange(12) % 3, per_class=2, seed=0),
        accept={"labels": {"range": "class ids are only compared for equality: any "
                           "integer is an id"}}),
    "dlbook.transformers.contrastive.linear_probe": Example(
        dict(train_features=torch.randn(8, 3), train_labels=torch.arange(8) % 2,
             eval_features=torch.randn(4, 3), eval_labels=torch.arange(4) % 2, c=1.0),
        accept={"train_labels": {"range": "class ids are only compared for equality: any "
                                 "integer is an id"},
                "eval_labels": {"range": "class ids are only compared for equality: any "
                                "integer is an id"}}),
    **checks_in("dlbook.checks.self_supervised"),
}
