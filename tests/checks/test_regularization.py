"""The checks of the chapter *Regularization* pass right answers and explain wrong ones."""

import pytest
import torch

from dlbook.checks.regularization import check_dropout, check_early_stopping
from dlbook.training.regularization import dropout


# ---- dropout ----------------------------------------------------------------------

def dropout_right(x, p, training):
    if not training or p == 0:
        return x
    mask = (torch.rand_like(x) >= p).to(x.dtype)
    return x * mask / (1 - p)


def test_dropout_passes_right_answers():
    for fn in (dropout_right, dropout):
        result = check_dropout(fn)
        assert result.passed, str(result)


def _mask(x, keep):
    return (torch.rand_like(x) < keep).to(x.dtype)


@pytest.mark.parametrize("wrong,expected", [
    (lambda x, p, training: x * _mask(x, 1 - p) if training else x, "not rescaled"),
    (lambda x, p, training: x * _mask(x, 1 - p) / (1 - p), "evaluation mode"),
    (lambda x, p, training: (x * _mask(x, p) / p) if training else x, "keeping"),
    (lambda x, p, training: (x * _mask(x, 1 - p) / p) if training else x, "divided by p"),
    (lambda x, p, training: (x * float(torch.rand(()) >= p) / (1 - p)) if training else x,
     "one random number for the whole tensor"),
    (lambda x, p, training: (x * (1 - p)) if not training else dropout_right(x, p, True),
     "differs from x"),
    (lambda x, p, training: (x * _mask(x, 1 - p) / (1 - p))[:-1] if training else x,
     "shape"),
    (lambda x, p, training: (x * _mask(x, 1 - p) / (1 - p)).tolist() if training else x,
     "graph"),
])
def test_dropout_diagnoses_typical_mistakes(wrong, expected):
    result = check_dropout(wrong)
    assert not result.passed
    assert expected in result.message + result.hint, result.message


def test_dropout_diagnoses_in_place_fixed_mask_and_detached():
    def in_place(x, p, training):
        if training:
            x *= _mask(x, 1 - p) / (1 - p)
        return x

    result = check_dropout(in_place)
    assert not result.passed and "in place" in result.message

    def reseeded(x, p, training):
        if not training:
            return x
        g = torch.Generator().manual_seed(0)
        mask = (torch.rand(x.shape, generator=g, dtype=x.dtype) >= p).to(x.dtype)
        return x * mask / (1 - p)

    result = check_dropout(reseeded)
    assert not result.passed and "same mask" in result.message

    def detached(x, p, training):
        if not training:
            return x
        return torch.tensor(x.detach().numpy() * _mask(x, 1 - p).numpy() / (1 - p))

    result = check_dropout(detached)
    assert not result.passed and "graph" in result.message

    def constant_output(x, p, training):
        if not training:
            return x
        return torch.ones_like(x) * _mask(x, 1 - p) / (1 - p)

    result = check_dropout(constant_output)
    assert not result.passed and "x / (1 - p)" in result.message


# ---- early_stopping ------------------------------------------------------------------

def early_right(val_losses, patience):
    best, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch
    return best_epoch, len(val_losses)


def test_early_stopping_passes_right_answer_and_agrees_with_fit():
    result = check_early_stopping(early_right)
    assert result.passed, str(result)


def _zero_based(losses, patience):
    b, s = early_right(losses, patience)
    return b - 1, s - 1


def _late(losses, patience):
    best, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(losses, start=1):
        if loss < best:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited > patience:
                return best_epoch, epoch
    return best_epoch, len(losses)


def _ties(losses, patience):
    best, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(losses, start=1):
        if loss <= best:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch
    return best_epoch, len(losses)


def _peeks(losses, patience):
    best_epoch = min(range(len(losses)), key=losses.__getitem__) + 1
    return best_epoch, early_right(losses, patience)[1]


def _never_resets(losses, patience):
    best, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(losses, start=1):
        if loss < best:
            best, best_epoch = loss, epoch
        else:
            waited += 1
    return best_epoch, len(losses)


def _sorts(losses, patience):
    losses.sort()
    return 1, 1


@pytest.mark.parametrize("wrong,expected", [
    (_zero_based, "from 0"),
    (_late, "too late"),
    (_ties, "tie"),
    (_peeks, "after training stopped"),
    (_never_resets, "never stops"),
    (_sorts, "changed its input"),
    (lambda losses, patience: early_right(losses, patience)[0], "pair"),
    (lambda losses, patience: (min(losses), len(losses)), "whole numbers"),
    (lambda losses, patience: (2, 2), "different"),
])
def test_early_stopping_diagnoses_typical_mistakes(wrong, expected):
    result = check_early_stopping(wrong)
    assert not result.passed
    assert expected in result.message, result.message
