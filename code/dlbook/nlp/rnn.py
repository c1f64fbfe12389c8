"""Recurrent networks written from scratch: the Elman cell, the GRU and the LSTM.

Each cell computes one time step with the same equations, parameter names,
gate order and initialisation as ``torch.nn.RNNCell``, ``GRUCell`` and
``LSTMCell``; the layers :class:`RNN`, :class:`GRU` and :class:`LSTM` unroll a
cell over a batch of sequences, like ``torch.nn.RNN``, ``GRU`` and ``LSTM``
with one layer and ``batch_first=True``. :func:`from_torch` copies the weights
of a PyTorch layer into ours, which is how ``tests/test_rnn.py`` checks that
values and gradients agree. Chapter: *Recurrent neural networks*.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .._args import check_choice, check_float, check_generator, check_int, check_tensor


def _check_step(x: torch.Tensor, h: torch.Tensor, input_size: int, hidden_size: int,
                name: str = "h") -> None:
    check_tensor("x", x, ndim=2, floating=True)
    check_tensor(name, h, ndim=2, floating=True)
    if x.shape[1] != input_size:
        raise ValueError(f"x must have shape (N, {input_size}), got {tuple(x.shape)}")
    if h.shape != (x.shape[0], hidden_size):
        raise ValueError(f"{name} must have shape ({x.shape[0]}, {hidden_size}) to match "
                         f"x, got {tuple(h.shape)}")
    if x.dtype != h.dtype:
        raise TypeError(f"x and {name} must have the same dtype, got {x.dtype} and "
                        f"{h.dtype}")


class _Cell(nn.Module):
    """Parameters shared by the three cells: ``gates`` blocks of ``hidden_size`` rows."""

    gates = 1

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size = check_int("input_size", input_size, minimum=1)
        self.hidden_size = check_int("hidden_size", hidden_size, minimum=1)
        rows = self.gates * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(rows, input_size))
        self.weight_hh = nn.Parameter(torch.empty(rows, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(rows))
        self.bias_hh = nn.Parameter(torch.empty(rows))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(H), 1/sqrt(H)), as PyTorch does."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def init_state(self, batch_size: int, dtype: torch.dtype = torch.float32):
        """The zero state a sequence starts from."""
        return torch.zeros(batch_size, self.hidden_size, dtype=dtype,
                           device=self.weight_ih.device)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"


class RNNCell(_Cell):
    """One step of the Elman recurrent cell: ``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)``.

    ``forward(x, h)`` takes a batch of inputs ``(N, input_size)`` and hidden
    states ``(N, hidden_size)`` and returns the next hidden states.
    Chapter: *Recurrent neural networks*.
    """

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        _check_step(x, h, self.input_size, self.hidden_size)
        return torch.tanh(x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T
                          + self.bias_hh)


class GRUCell(_Cell):
    """One step of the gated recurrent unit (Cho et al., 2014), as ``torch.nn.GRUCell``.

    The reset gate ``r`` decides how much of the old state the candidate ``n``
    sees, the update gate ``z`` how much of the old state is kept:
    ``h' = (1 - z) * n + z * h``. The weights hold the blocks of ``r``, ``z``
    and ``n`` in that order. Chapter: *Recurrent neural networks*.
    """

    gates = 3

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        _check_step(x, h, self.input_size, self.hidden_size)
        xr, xz, xn = (x @ self.weight_ih.T + self.bias_ih).chunk(3, dim=1)
        hr, hz, hn = (h @ self.weight_hh.T + self.bias_hh).chunk(3, dim=1)
        r = torch.sigmoid(xr + hr)          # reset gate
        z = torch.sigmoid(xz + hz)          # update gate
        n = torch.tanh(xn + r * hn)         # candidate state
        return (1 - z) * n + z * h


class LSTMCell(_Cell):
    """One step of the long short-term memory cell (Hochreiter & Schmidhuber, 1997).

    The state is a pair ``(h, c)``: the cell ``c`` is updated additively,
    ``c' = f * c + i * g``, and shown through the output gate, ``h' = o * tanh(c')``.
    The weights hold the blocks of the input gate ``i``, forget gate ``f``,
    candidate ``g`` and output gate ``o`` in that order, as ``torch.nn.LSTMCell``.
    Chapter: *Recurrent neural networks*.
    """

    gates = 4

    def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]
                ) -> tuple[torch.Tensor, torch.Tensor]:
        h, c = _check_lstm_state(state, x, self.input_size, self.hidden_size)
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, g, o = gates.chunk(4, dim=1)
        i, f, o = torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o)
        c = f * c + i * torch.tanh(g)       # the cell: forget some, write some
        h = o * torch.tanh(c)               # what the cell shows
        return h, c

    def init_state(self, batch_size: int, dtype: torch.dtype = torch.float32):
        """The zero state ``(h, c)`` a sequence starts from."""
        h = super().init_state(batch_size, dtype)
        return h, h.clone()


def _check_lstm_state(state, x: torch.Tensor, input_size: int, hidden_size: int
                      ) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(state, (tuple, list)) or len(state) != 2:
        raise TypeError("state must be a pair (h, c) of tensors, got "
                        f"{type(state).__name__}")
    for i, s in enumerate(state):
        _check_step(x, s, input_size, hidden_size, name=f"state[{i}]")
    return state[0], state[1]


def _check_sequence(x: torch.Tensor, input_size: int) -> None:
    check_tensor("x", x, ndim=3, floating=True)
    if x.shape[1] == 0 or x.shape[2] != input_size:
        raise ValueError(f"x must have shape (N, T, {input_size}) with T >= 1, got "
                         f"{tuple(x.shape)}")


class RNN(nn.Module):
    """A recurrent layer: :class:`RNNCell` applied at every step of a batch of sequences.

    ``forward(x, state=None)`` takes ``x`` of shape ``(N, T, input_size)`` and
    returns the hidden states of every step, ``(N, T, hidden_size)``, and the
    final state; ``state`` defaults to zeros. This is ``torch.nn.RNN`` with one
    layer and ``batch_first=True``, except that the final state has no layer
    axis. Chapter: *Recurrent neural networks*.
    """

    cell_class: type[_Cell] = RNNCell

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.cell = self.cell_class(input_size, hidden_size)

    def forward(self, x: torch.Tensor, state=None):
        _check_sequence(x, self.cell.input_size)
        if state is None:
            state = self.cell.init_state(x.shape[0], x.dtype)
        outputs = []
        for t in range(x.shape[1]):               # the same cell at every step
            state = self.cell(x[:, t], state)
            outputs.append(state[0] if isinstance(state, tuple) else state)
        return torch.stack(outputs, dim=1), state


class GRU(RNN):
    """A GRU layer: :class:`GRUCell` unrolled over ``(N, T, input_size)`` sequences.

    Otherwise exactly :class:`RNN`. Chapter: *Recurrent neural networks*.
    """

    cell_class = GRUCell


class LSTM(RNN):
    """An LSTM layer: :class:`LSTMCell` unrolled over ``(N, T, input_size)`` sequences.

    The state, given and returned, is the pair ``(h, c)``. Otherwise exactly
    :class:`RNN`. Chapter: *Recurrent neural networks*.
    """

    cell_class = LSTMCell


_OURS = {nn.RNN: RNN, nn.GRU: GRU, nn.LSTM: LSTM}


def from_torch(module: nn.RNN | nn.GRU | nn.LSTM) -> RNN:
    """Our layer with the weights of a one-layer, ``batch_first`` PyTorch ``RNN``,
    ``GRU`` or ``LSTM`` (tanh, with biases), copied. Chapter: *Recurrent neural networks*."""
    if type(module) not in _OURS:
        raise TypeError("module must be a torch.nn.RNN, GRU or LSTM, got "
                        f"{type(module).__name__}")
    if (module.num_layers != 1 or module.bidirectional or not module.batch_first
            or not module.bias or getattr(module, "proj_size", 0)
            or getattr(module, "nonlinearity", "tanh") != "tanh"):
        raise ValueError("module must have one layer, batch_first=True, biases, tanh, "
                         "and be neither bidirectional nor projected")
    ours = _OURS[type(module)](module.input_size, module.hidden_size)
    ours = ours.to(device=module.weight_ih_l0.device, dtype=module.weight_ih_l0.dtype)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(ours.cell, name).copy_(getattr(module, f"{name}_l0"))
    return ours


_LAYERS = {"rnn": RNN, "gru": GRU, "lstm": LSTM}


class RNNLM(nn.Module):
    """A recurrent language model: embeddings, one of our recurrent layers, and a
    linear layer that gives the logits of the next token at every step.

    ``cell`` is ``"rnn"``, ``"gru"`` or ``"lstm"``. ``forward(ids)`` takes token
    ids ``(N, T)``, each sequence starting with ``<bos>``, and returns logits
    ``(N, T, vocab_size)``: at step ``t``, the distribution of token ``t + 1``.
    With ``dropout`` (a probability) the recurrent layer's outputs are dropped
    out during training. Chapter: *Recurrent neural networks*.
    """

    def __init__(self, vocab_size: int, embedding_dim: int = 32, hidden_size: int = 128,
                 cell: str = "lstm", dropout: float = 0.0) -> None:
        super().__init__()
        self.vocab_size = check_int("vocab_size", vocab_size, minimum=2)
        layer = _LAYERS[check_choice("cell", cell, tuple(_LAYERS))]
        self.embedding = nn.Embedding(vocab_size, check_int("embedding_dim", embedding_dim,
                                                            minimum=1))
        self.rnn = layer(embedding_dim, hidden_size)
        self.dropout = nn.Dropout(check_float("dropout", dropout, minimum=0.0, maximum=1.0,
                                              strict_max=True))
        self.output = nn.Linear(hidden_size, vocab_size)

    def forward(self, ids: torch.Tensor, state=None):
        _check_ids(ids, self.vocab_size)
        hidden, _ = self.rnn(self.embedding(ids), state)   # (N, T, hidden_size)
        return self.output(self.dropout(hidden))

    @torch.no_grad()
    def sample(self, bos: int, eos: int, generator: torch.Generator | None = None,
               max_length: int = 30) -> list[int]:
        """Draw one sequence, feeding each drawn token back in, until ``eos``
        (left out) or ``max_length`` tokens."""
        bos = check_int("bos", bos, minimum=0, maximum=self.vocab_size - 1)
        eos = check_int("eos", eos, minimum=0, maximum=self.vocab_size - 1)
        check_generator("generator", generator)
        max_length = check_int("max_length", max_length, minimum=1)
        was_training = self.training
        self.eval()
        token, state, out = bos, None, []
        while len(out) < max_length:
            hidden, state = self.rnn(self.embedding(torch.tensor([[token]])), state)
            probs = torch.softmax(self.output(hidden[0, -1]), -1)
            token = int(torch.multinomial(probs, 1, generator=generator))
            if token == eos:
                break
            out.append(token)
        self.train(was_training)
        return out


def _check_ids(ids: torch.Tensor, vocab_size: int) -> None:
    check_tensor("ids", ids, ndim=2, integer=True)
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= vocab_size):
        raise ValueError(f"ids must hold ids in 0..{vocab_size - 1}")
