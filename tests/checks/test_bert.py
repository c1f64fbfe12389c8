"""The exercise check of *BERT and T5*: right answers pass, typical mistakes fail."""

import torch
import torch.nn.functional as F

from dlbook.checks.bert import check_mlm_loss


def right(logits, targets):
    chosen = targets != -100
    return F.cross_entropy(logits[chosen], targets[chosen])


def with_ignore_index(logits, targets):
    return F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=-100)


def every_position(logits, targets):
    chosen = targets != -100
    nll = F.cross_entropy(logits[chosen], targets[chosen], reduction="sum")
    return nll / targets.numel()


def per_sequence(logits, targets):
    losses = [F.cross_entropy(lg[t != -100], t[t != -100]) for lg, t in zip(logits, targets)
              if (t != -100).any()]
    return torch.stack(losses).mean()


def summed(logits, targets):
    chosen = targets != -100
    return F.cross_entropy(logits[chosen], targets[chosen], reduction="sum")


def test_right_answers_pass():
    assert check_mlm_loss(right)
    assert check_mlm_loss(with_ignore_index)
    assert check_mlm_loss(lambda lg, t: right(lg, t).item())


def test_mistakes_are_named():
    assert "every position" in check_mlm_loss(every_position).message
    assert "each sequence" in check_mlm_loss(per_sequence).message
    assert "sum" in check_mlm_loss(summed).message
    assert not check_mlm_loss(lambda lg, t: None)
