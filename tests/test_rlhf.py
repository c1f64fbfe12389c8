"""RLHF in miniature (dlbook.rl.rlhf): the Bradley–Terry loss against its formula,
the reward model reading each sequence's last token, batched sampling, sequence
log-probabilities against a token-by-token sum, the KL-penalised reward, and errors."""

import math

import pytest
import torch

from dlbook.nlp.rnn import RNNLM
from dlbook.rl.rlhf import (RewardModel, bradley_terry_loss, kl_penalised_rewards,
                            sample_sequences, sequence_log_probs)

PAD, BOS, EOS = 0, 2, 3


def test_bradley_terry_loss_against_the_formula():
    chosen = torch.tensor([1.0, -0.5, 2.0], dtype=torch.float64)
    rejected = torch.tensor([0.0, 0.5, 2.0], dtype=torch.float64)
    want = -sum(math.log(1 / (1 + math.exp(-(c - r))))
                for c, r in zip(chosen.tolist(), rejected.tolist())) / 3
    assert bradley_terry_loss(chosen, rejected).item() == pytest.approx(want)


def test_bradley_terry_gradient_is_sigmoid_of_minus_the_margin():
    chosen = torch.tensor([1.0, -0.5], requires_grad=True)
    rejected = torch.tensor([0.0, 0.5], requires_grad=True)
    bradley_terry_loss(chosen, rejected).backward()
    want = -torch.sigmoid(-(chosen - rejected).detach()) / 2
    torch.testing.assert_close(chosen.grad, want)
    torch.testing.assert_close(rejected.grad, -want)


def test_reward_model_ignores_padding():
    torch.manual_seed(0)
    rm = RewardModel(8, embedding_dim=4, hidden_size=6)
    short = torch.tensor([[BOS, 5, EOS]])
    padded = torch.tensor([[BOS, 5, EOS, PAD, PAD]])
    torch.testing.assert_close(rm(short, PAD), rm(padded, PAD))


def test_samples_are_framed_and_padded():
    torch.manual_seed(0)
    lm = RNNLM(8, embedding_dim=4, hidden_size=8, cell="gru")
    ids = sample_sequences(lm, 50, BOS, EOS, PAD, max_length=6,
                           generator=torch.Generator().manual_seed(0))
    assert (ids[:, 0] == BOS).all()
    for row in ids.tolist():
        body = row[1:]
        end = body.index(EOS)                       # every row has exactly one <eos>
        assert body.count(EOS) == 1 and all(t == PAD for t in body[end + 1:])
        assert PAD not in body[:end] and end <= 6


def test_sequence_log_probs_against_a_token_by_token_sum():
    torch.manual_seed(0)
    lm = RNNLM(8, embedding_dim=4, hidden_size=8, cell="gru")
    ids = torch.tensor([[BOS, 5, 6, EOS, PAD], [BOS, 7, 4, 5, EOS]])
    got = sequence_log_probs(lm, ids, PAD)
    for row, value in zip(ids, got):
        tokens = row[row != PAD]
        log_p = torch.log_softmax(lm(tokens[None, :-1])[0], -1)
        want = sum(log_p[t, tokens[t + 1]] for t in range(len(tokens) - 1))
        assert value.item() == pytest.approx(want.item(), abs=1e-5)


def test_kl_penalised_rewards():
    r = torch.tensor([1.0, 2.0])
    log_p = torch.tensor([-1.0, -3.0], requires_grad=True)
    ref = torch.tensor([-2.0, -2.0])
    out = kl_penalised_rewards(r, log_p, ref, beta=0.5)
    torch.testing.assert_close(out, torch.tensor([0.5, 2.5]))
    assert not out.requires_grad


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match="chosen and rejected"):
        bradley_terry_loss(torch.zeros(3), torch.zeros(2))
    with pytest.raises(TypeError, match="chosen"):
        bradley_terry_loss(torch.zeros(3, dtype=torch.long), torch.zeros(3))
    with pytest.raises(ValueError, match="beta"):
        kl_penalised_rewards(torch.zeros(2), torch.zeros(2), torch.zeros(2), beta=-1.0)
    with pytest.raises(ValueError, match="ids"):
        RewardModel(8)(torch.tensor([[BOS, 9]]), PAD)
    lm = RNNLM(8, embedding_dim=4, hidden_size=8, cell="gru")
    with pytest.raises(ValueError, match="bos, eos and pad"):
        sample_sequences(lm, 2, BOS, BOS, PAD)
    with pytest.raises(TypeError, match="model"):
        sample_sequences(torch.nn.Linear(2, 2), 2, BOS, EOS, PAD)
