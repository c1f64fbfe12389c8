"""The checks of the chapter *Tensors* pass right answers and explain wrong ones."""

import pytest
import torch

from dlbook.checks.tensors import (check_normalize_rows, check_pairwise_sq_distances,
                                   check_to_grayscale)

W = torch.tensor([0.299, 0.587, 0.114])


# ---- normalize_rows ---------------------------------------------------------

def test_normalize_rows_passes_right_answer():
    result = check_normalize_rows(lambda X: X / X.sum(dim=1, keepdim=True))
    assert result.passed, str(result)


def test_normalize_rows_missing_keepdim_is_explained():
    result = check_normalize_rows(lambda X: X / X.sum(dim=1))
    assert not result.passed
    assert "raised RuntimeError" in result.message and "keep" in result.hint.lower()


def test_normalize_rows_missing_keepdim_on_square_only():
    # Written so that it does not raise on non-square inputs: the mistake must
    # still be caught on the square one.
    def sneaky(X):
        if X.shape[0] == X.shape[1]:
            return X / X.sum(dim=1)
        return X / X.sum(dim=1, keepdim=True)

    result = check_normalize_rows(sneaky)
    assert not result.passed and "square" in result.message


def test_normalize_rows_wrong_axis_global_and_in_place():
    assert "columns" in check_normalize_rows(
        lambda X: X / X.sum(dim=0, keepdim=True)).message
    assert "whole matrix" in check_normalize_rows(lambda X: X / X.sum()).message

    def in_place(X):
        X /= X.sum(dim=1, keepdim=True)
        return X

    assert "in place" in check_normalize_rows(in_place).message


def test_normalize_rows_rejects_non_functions():
    with pytest.raises(TypeError, match="fn"):
        check_normalize_rows(torch.ones(2, 2))


# ---- pairwise_sq_distances --------------------------------------------------

def test_pairwise_passes_right_answers():
    assert check_pairwise_sq_distances(
        lambda A, B: ((A[:, None, :] - B[None, :, :]) ** 2).sum(-1)).passed
    # The expanded form |a|^2 - 2 a.b + |b|^2 is right too.
    assert check_pairwise_sq_distances(
        lambda A, B: (A ** 2).sum(1, keepdim=True) - 2 * A @ B.T + (B ** 2).sum(1)).passed
    assert check_pairwise_sq_distances(
        lambda A, B: torch.cdist(A, B) ** 2).passed


def test_pairwise_diagnoses_typical_mistakes():
    r = check_pairwise_sq_distances(lambda A, B: torch.cdist(A, B))
    assert not r.passed and "not their squares" in r.message
    r = check_pairwise_sq_distances(
        lambda A, B: ((B[:, None, :] - A[None, :, :]) ** 2).sum(-1))
    assert not r.passed and "rows follow B" in r.message
    r = check_pairwise_sq_distances(
        lambda A, B: ((A[:, None, :] - B[None, :, :]) ** 2).sum(1))
    assert not r.passed and "shape" in r.message
    r = check_pairwise_sq_distances(lambda A, B: (A - B).pow(2).sum(-1))
    assert not r.passed and "raised" in r.message and "(N, 1, D)" in r.hint


# ---- to_grayscale -----------------------------------------------------------

def test_grayscale_passes_right_answers():
    assert check_to_grayscale(lambda img: (img * W[:, None, None]).sum(0)).passed
    assert check_to_grayscale(lambda img: torch.einsum("c,chw->hw", W.double(), img)).passed


def test_grayscale_diagnoses_typical_mistakes():
    r = check_to_grayscale(lambda img: img.mean(0))
    assert not r.passed and "equal weights" in r.message
    r = check_to_grayscale(lambda img: (img * W[:, None, None]).sum(0, keepdim=True))
    assert not r.passed and "(1, 4, 3)" in r.message and "drop" in r.hint
    # Weights along the last axis: silently wrong on a 3-pixel-wide image.
    r = check_to_grayscale(lambda img: (img * W.double()).sum(0))
    assert not r.passed and "width" in r.message
    r = check_to_grayscale(lambda img: (img * W.double()).sum(0)
                           if img.shape[-1] != 3 else (img * W[:, None, None]).sum(0))
    assert not r.passed and "raised" in r.message and "(3, 1, 1)" in r.hint
    # A list of the right numbers is a right answer in another form.
    assert check_to_grayscale(lambda img: (img * W[:, None, None]).sum(0).tolist()).passed
    r = check_to_grayscale(lambda img: str((img * W[:, None, None]).sum(0)))
    assert not r.passed and "torch.Tensor" in r.message
