"""The neural probabilistic language model and its training pairs."""

import pytest
import torch

from dlbook.nlp.neural_lm import NeuralLM, context_windows


def test_context_windows_pad_the_start_and_end_with_eos():
    X, y = context_windows([[5, 6, 7], [8]], 2, bos=0, eos=1)
    assert X.tolist() == [[0, 0], [0, 5], [5, 6], [6, 7], [0, 0], [0, 8]]
    assert y.tolist() == [5, 6, 7, 1, 8, 1]


def test_forward_is_the_equation():
    torch.manual_seed(0)
    model = NeuralLM(9, 3, embedding_dim=4, hidden_size=6, direct=True)
    context = torch.tensor([[1, 2, 3], [0, 0, 8]])
    x = torch.cat([model.embedding.weight[context[:, j]] for j in range(3)], dim=1)
    want = (model.output.bias + torch.tanh(x @ model.hidden.weight.T + model.hidden.bias)
            @ model.output.weight.T + x @ model.direct.weight.T)
    torch.testing.assert_close(model(context), want)


def test_training_lowers_the_loss_on_a_deterministic_pattern():
    torch.manual_seed(0)
    X, y = context_windows([[2, 3, 4]] * 20, 2, bos=0, eos=1)
    model = NeuralLM(5, 2, embedding_dim=4, hidden_size=16)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(100):
        loss = torch.nn.functional.cross_entropy(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.05


def test_sample_is_seeded_and_stops():
    torch.manual_seed(0)
    model = NeuralLM(6, 2)
    a = model.sample(0, 1, torch.Generator().manual_seed(1), max_length=12)
    b = model.sample(0, 1, torch.Generator().manual_seed(1), max_length=12)
    assert a == b and len(a) <= 12 and 1 not in a


def test_bad_input_raises():
    model = NeuralLM(6, 2)
    with pytest.raises(ValueError, match="context"):
        model(torch.zeros(3, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="context"):
        model(torch.full((3, 2), 6))
    with pytest.raises(TypeError, match="context"):
        model(torch.zeros(3, 2))
    with pytest.raises(ValueError, match="context_size"):
        context_windows([[1]], 0, bos=0, eos=1)
