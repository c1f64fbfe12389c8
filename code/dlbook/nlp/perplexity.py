"""Perplexity: how surprised a language model is, per token, by held-out text.

Explained in the chapter *Language models*; the chapter *Recurrent neural
networks* measures its LSTM with the same functions.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .._args import check_int, check_tensor


def perplexity(log_probs: torch.Tensor) -> float:
    """``exp(-mean(log_probs))``: the perplexity of a model that gave each token of
    a text the (natural) log-probability in ``log_probs``, any shape.

    A model that spreads its probability evenly over ``V`` tokens has perplexity
    ``V``; a model that is always certain and right has perplexity 1.
    Chapter: *Language models*.
    """
    _check_log_probs(log_probs)
    return math.exp(-log_probs.double().mean().item())


def _check_log_probs(log_probs: torch.Tensor) -> None:
    """Check the argument of :func:`perplexity`: a nonempty float tensor of numbers <= 0."""
    check_tensor("log_probs", log_probs, floating=True, nonempty=True)
    if bool((log_probs > 0).any()) or bool(torch.isnan(log_probs).any()):
        raise ValueError("log_probs must hold log-probabilities, numbers <= 0")


def token_log_probs(logits: torch.Tensor, targets: torch.Tensor,
                    ignore_index: int | None = None) -> torch.Tensor:
    """The log-probability that ``logits`` (``(..., V)``) give to each target id
    (``(...)``), as a 1-D float64 tensor, leaving out the targets equal to
    ``ignore_index`` (padding). Chapter: *Language models*.
    """
    keep = _check_logits_targets(logits, targets, ignore_index)
    log_p = F.log_softmax(logits.detach().double(), dim=-1)
    picked = log_p.gather(-1, targets.masked_fill(~keep, 0).unsqueeze(-1)).squeeze(-1)
    return picked[keep]


def _check_logits_targets(logits: torch.Tensor, targets: torch.Tensor,
                          ignore_index: int | None) -> torch.Tensor:
    """Check the arguments of :func:`token_log_probs`; return the mask of kept targets."""
    check_tensor("logits", logits, floating=True)
    check_tensor("targets", targets, integer=True)
    if logits.ndim < 1 or logits.shape[:-1] != targets.shape:
        raise ValueError(f"logits must have shape targets.shape + (V,), got "
                         f"{tuple(logits.shape)} and targets {tuple(targets.shape)}")
    keep = torch.ones_like(targets, dtype=torch.bool)
    if ignore_index is not None:
        keep = targets != check_int("ignore_index", ignore_index)
    kept = targets[keep]
    if kept.numel() and (int(kept.min()) < 0 or int(kept.max()) >= logits.shape[-1]):
        raise ValueError(f"targets must hold ids in 0..{logits.shape[-1] - 1}, got "
                         f"{int(kept.min())} to {int(kept.max())}")
    return keep
