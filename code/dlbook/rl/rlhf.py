"""Reinforcement learning from human feedback, in miniature: the Bradley–Terry loss
of a reward model trained on pairwise preferences, a small recurrent reward model,
batched sampling from a recurrent language model with the log-probabilities of its
samples, and the KL-penalised reward that a policy is tuned against.

Chapter: *Policy gradients* (``book/rl/policy-gradient.md``).

A batch of sequences is a tensor of token ids ``(N, T)``: each row starts with
``<bos>``, ends its sequence with ``<eos>`` and is padded after it with ``pad``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .._args import (check_float, check_generator, check_int, check_module,
                     check_same_shape, check_tensor)


def bradley_terry_loss(chosen: torch.Tensor, rejected: torch.Tensor) -> torch.Tensor:
    """The Bradley–Terry negative log-likelihood of pairwise preferences,
    ``-mean(log sigmoid(chosen - rejected))``, where ``chosen[i]`` and
    ``rejected[i]`` are the rewards of the preferred and the other output of pair
    ``i``. Chapter: *Policy gradients*."""
    _check_rewards("chosen", chosen, "rejected", rejected)
    return -F.logsigmoid(chosen - rejected).mean()


class RewardModel(nn.Module):
    """A reward model for token sequences: embeddings, a GRU, and a linear layer
    that reads the state after the last token. ``forward(ids, pad)`` takes a
    batch ``(N, T)`` (``<bos>`` first, padded with ``pad`` after ``<eos>``) and
    returns one reward per sequence, ``(N,)``. Chapter: *Policy gradients*."""

    def __init__(self, vocab_size: int, embedding_dim: int = 16, hidden_size: int = 64) -> None:
        super().__init__()
        self.vocab_size = check_int("vocab_size", vocab_size, minimum=2)
        embedding_dim = check_int("embedding_dim", embedding_dim, minimum=1)
        hidden_size = check_int("hidden_size", hidden_size, minimum=1)
        self.embedding = nn.Embedding(self.vocab_size, embedding_dim)
        self.gru = nn.GRU(embedding_dim, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, ids: torch.Tensor, pad: int = 0) -> torch.Tensor:
        last = _check_ids(ids, self.vocab_size, pad) - 1       # index of each row's last token
        states, _ = self.gru(self.embedding(ids))              # (N, T, hidden_size)
        return self.head(states[torch.arange(len(ids)), last]).squeeze(-1)


@torch.no_grad()
def sample_sequences(model: nn.Module, n: int, bos: int, eos: int, pad: int = 0,
                     max_length: int = 20, generator: torch.Generator | None = None
                     ) -> torch.Tensor:
    """Draw ``n`` sequences at once from a recurrent language model such as
    :class:`dlbook.nlp.rnn.RNNLM` (``embedding``, ``rnn`` and ``output``), each
    until ``eos`` or ``max_length`` tokens (``pad`` and ``bos`` are never drawn).
    Returns ids ``(n, T)``: ``bos``, the tokens, ``eos``, then ``pad``. Chapter:
    *Policy gradients*."""
    _check_sampling(model, n, bos, eos, pad, max_length, generator)
    token = torch.full((n, 1), bos)
    rows, state = [token], None
    done = torch.zeros(n, dtype=torch.bool)
    for _ in range(max_length):
        hidden, state = model.rnn(model.embedding(token), state)
        probs = torch.softmax(model.output(hidden[:, -1]), -1)
        probs[:, [pad, bos]] = 0.0                             # never drawn inside a name
        token = torch.multinomial(probs, 1, generator=generator)
        token[done] = pad                                      # finished rows are padded
        rows.append(token)
        done |= token.squeeze(1) == eos
        if done.all():
            break
    ids = torch.cat(rows, 1)
    unfinished = ~done                                         # cut at max_length: end them
    return torch.cat([ids, torch.where(unfinished, eos, pad)[:, None]], 1)


def sequence_log_probs(model: nn.Module, ids: torch.Tensor, pad: int = 0) -> torch.Tensor:
    """The log-probability that a language model (``model(ids)`` gives next-token
    logits ``(N, T, V)``) gives to each whole sequence of ``ids``, ``<eos>``
    included, ``pad`` left out: shape ``(N,)``, differentiable. Chapter: *Policy
    gradients*."""
    check_module("model", model)
    check_tensor("ids", ids, ndim=2, integer=True, nonempty=True)
    _check_ids(ids, getattr(model, "vocab_size", int(ids.max()) + 1), pad)
    targets = ids[:, 1:]
    log_p = torch.log_softmax(model(ids[:, :-1]), -1)
    token_log_p = log_p.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return (token_log_p * (targets != pad)).sum(1)


def kl_penalised_rewards(rewards: torch.Tensor, log_probs: torch.Tensor,
                         ref_log_probs: torch.Tensor, beta: float) -> torch.Tensor:
    """The reward a policy is tuned against in RLHF: the reward model's score
    minus ``beta`` times the log-ratio of the policy to its starting point,
    ``rewards - beta * (log_probs - ref_log_probs)``, per sequence; averaged over
    samples of the policy, the log-ratio estimates KL(policy || reference).
    Returned detached: it is a constant in the policy-gradient loss. Chapter:
    *Policy gradients*."""
    _check_rewards("rewards", rewards, "log_probs", log_probs)
    _check_rewards("rewards", rewards, "ref_log_probs", ref_log_probs)
    beta = check_float("beta", beta, minimum=0.0)
    return (rewards - beta * (log_probs - ref_log_probs)).detach()


def _check_rewards(name_a: str, a: torch.Tensor, name_b: str, b: torch.Tensor) -> None:
    check_tensor(name_a, a, ndim=1, floating=True, nonempty=True)
    check_tensor(name_b, b, ndim=1, floating=True, nonempty=True)
    check_same_shape(name_a, a, name_b, b)


def _check_ids(ids: torch.Tensor, vocab_size: int, pad: int) -> torch.Tensor:
    """Check a padded batch of ids; return each row's number of tokens before the padding."""
    check_tensor("ids", ids, ndim=2, integer=True, nonempty=True)
    pad = check_int("pad", pad, minimum=0, maximum=vocab_size - 1)
    if ids.shape[1] < 2:
        raise ValueError(f"ids must have at least 2 columns (<bos> and a token), got "
                         f"shape {tuple(ids.shape)}")
    if int(ids.min()) < 0 or int(ids.max()) >= vocab_size:
        raise ValueError(f"ids must hold ids in 0..{vocab_size - 1}")
    lengths = (ids != pad).sum(1)
    if bool((ids[:, 0] == pad).any()):
        raise ValueError("ids must start every row with a token that is not pad (<bos>)")
    return lengths


def _check_sampling(model, n, bos, eos, pad, max_length, generator) -> None:
    check_module("model", model)
    for part in ("embedding", "rnn", "output"):
        if not hasattr(model, part):
            raise TypeError(f"model must be a recurrent language model with .embedding, "
                            f".rnn and .output (such as RNNLM), it has no .{part}")
    check_int("n", n, minimum=1)
    vocab = model.embedding.num_embeddings
    for name, value in (("bos", bos), ("eos", eos), ("pad", pad)):
        check_int(name, value, minimum=0, maximum=vocab - 1)
    if len({bos, eos, pad}) < 3:
        raise ValueError(f"bos, eos and pad must be three different ids, got {bos}, {eos}, "
                         f"{pad}")
    check_int("max_length", max_length, minimum=1)
    check_generator("generator", generator)
