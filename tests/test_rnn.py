"""The recurrent cells and layers of dlbook.nlp.rnn against PyTorch's own."""

import pytest
import torch
from torch import nn

from dlbook.nlp.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell, from_torch

PAIRS = [(nn.RNN, RNN), (nn.GRU, GRU), (nn.LSTM, LSTM)]
CELLS = [(nn.RNNCell, RNNCell), (nn.GRUCell, GRUCell), (nn.LSTMCell, LSTMCell)]


def _copy_cell(theirs, ours):
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(ours, name).copy_(getattr(theirs, name))


@pytest.mark.parametrize("torch_cls, our_cls", CELLS)
def test_cells_match_torch_in_values_and_gradients(torch_cls, our_cls):
    torch.manual_seed(0)
    theirs = torch_cls(3, 5).double()
    ours = our_cls(3, 5).double()
    _copy_cell(theirs, ours)
    x = torch.randn(4, 3, dtype=torch.float64)
    h = torch.randn(4, 5, dtype=torch.float64)
    state = (h, torch.randn(4, 5, dtype=torch.float64)) if torch_cls is nn.LSTMCell else h
    out_t, out_o = theirs(x, state), ours(x, state)
    if torch_cls is nn.LSTMCell:
        torch.testing.assert_close(torch.stack(out_o), torch.stack(out_t))
        loss_t, loss_o = (out_t[0] ** 2).sum() + out_t[1].sum(), (out_o[0] ** 2).sum() \
            + out_o[1].sum()
    else:
        torch.testing.assert_close(out_o, out_t)
        loss_t, loss_o = (out_t ** 2).sum(), (out_o ** 2).sum()
    grads_t = torch.autograd.grad(loss_t, list(theirs.parameters()))
    grads_o = torch.autograd.grad(loss_o, list(ours.parameters()))
    for a, b in zip(grads_o, grads_t):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize("torch_cls, our_cls", PAIRS)
def test_layers_match_torch_in_values_and_gradients(torch_cls, our_cls):
    torch.manual_seed(1)
    theirs = torch_cls(3, 6, batch_first=True).double()
    ours = from_torch(theirs)
    assert isinstance(ours, our_cls)
    x = torch.randn(2, 7, 3, dtype=torch.float64, requires_grad=True)
    out_t, state_t = theirs(x)
    out_o, state_o = ours(x)
    torch.testing.assert_close(out_o, out_t)
    if torch_cls is nn.LSTM:
        torch.testing.assert_close(state_o[0], state_t[0][0])
        torch.testing.assert_close(state_o[1], state_t[1][0])
    else:
        torch.testing.assert_close(state_o, state_t[0])
    weights = torch.randn_like(out_t)
    grads_t = torch.autograd.grad((out_t * weights).sum(), [x, *theirs.parameters()])
    grads_o = torch.autograd.grad((out_o * weights).sum(), [x, *ours.parameters()])
    for a, b in zip(grads_o, grads_t):
        torch.testing.assert_close(a, b)


def test_initial_state_is_used():
    torch.manual_seed(2)
    theirs = nn.GRU(2, 4, batch_first=True).double()
    ours = from_torch(theirs)
    x, h0 = torch.randn(3, 5, 2, dtype=torch.float64), torch.randn(3, 4, dtype=torch.float64)
    torch.testing.assert_close(ours(x, h0)[0], theirs(x, h0[None])[0])


def test_initialisation_follows_torch():
    torch.manual_seed(0)
    cell = LSTMCell(3, 16)
    bound = 16 ** -0.5
    for p in cell.parameters():
        assert p.abs().max() <= bound and p.abs().max() > 0.8 * bound


def test_bad_input_raises():
    cell = RNNCell(3, 4)
    with pytest.raises(ValueError, match="x"):
        cell(torch.randn(2, 5), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="h"):
        cell(torch.randn(2, 3), torch.zeros(3, 4))
    with pytest.raises(TypeError, match="state"):
        LSTMCell(3, 4)(torch.randn(2, 3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="x"):
        RNN(3, 4)(torch.randn(2, 0, 3))
    with pytest.raises(TypeError, match="module"):
        from_torch(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="module"):
        from_torch(nn.GRU(2, 2))  # not batch_first


def test_language_model_predicts_every_step_and_samples():
    from dlbook.nlp.rnn import RNNLM

    torch.manual_seed(0)
    model = RNNLM(7, embedding_dim=4, hidden_size=8, cell="lstm")
    ids = torch.tensor([[2, 4, 5, 6], [2, 3, 0, 0]])
    logits = model(ids)
    assert logits.shape == (2, 4, 7)
    # causal: the prediction at step 1 does not depend on later tokens
    changed = ids.clone()
    changed[0, 3] = 1
    torch.testing.assert_close(model(changed)[0, :3], logits[0, :3])
    a = model.sample(2, 3, torch.Generator().manual_seed(0), max_length=10)
    b = model.sample(2, 3, torch.Generator().manual_seed(0), max_length=10)
    assert a == b and len(a) <= 10 and 3 not in a


def test_language_model_learns_a_fixed_sequence():
    from dlbook.nlp.rnn import RNNLM

    torch.manual_seed(0)
    model = RNNLM(6, embedding_dim=4, hidden_size=16, cell="gru")
    X, Y = torch.tensor([[0, 2, 3, 4, 5]] * 8), torch.tensor([[2, 3, 4, 5, 1]] * 8)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(60):
        loss = torch.nn.functional.cross_entropy(model(X).flatten(0, 1), Y.flatten())
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.05
    with pytest.raises(ValueError, match="cell"):
        RNNLM(6, cell="transformer")
