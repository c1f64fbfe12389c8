"""Contract examples for Part IV, ``dlbook.nlp``, and its chapters' checks."""

import torch
from torch import nn

from . import INFINITE, Example, Propagates, checks_in, merge, propagates

STEPS = "a recurrent step is arithmetic: a NaN in gives a NaN out, as in torch"
NO_ROWS = {"empty": "zero sequences give zero outputs"}
IDS = [[2, 3], [2, 3, 4], [3, 2], [4]]
EMPTY_SEQUENCE = {"element:empty": "an empty sequence is a text of no tokens: only its "
                                   "end is predicted"}


def _g(seed=0):
    return torch.Generator().manual_seed(seed)


def _cell(gates_state):
    def args():
        x = torch.randn(3, 2, generator=_g())
        h = torch.randn(3, 4, generator=_g(1))
        return dict(x=x, **({"state": (h, h.clone())} if gates_state else {"h": h}))
    accept = merge(propagates("x", "h", reason=STEPS), {"x": NO_ROWS}, {"state": {
        "element:nan": Propagates(STEPS), "element:inf": INFINITE}})
    return Example(args, accept=accept)


def _layer():
    return Example(dict(x=torch.randn(3, 5, 2, generator=_g())),
                   accept=merge(propagates("x", reason=STEPS), {"x": NO_ROWS}))


SIZES = dict(input_size=2, hidden_size=4)

EXAMPLES = {
    # --- rnn -------------------------------------------------------------------
    "dlbook.nlp.rnn.RNNCell": Example(SIZES, methods={"forward": _cell(False)}),
    "dlbook.nlp.rnn.GRUCell": Example(SIZES, methods={"forward": _cell(False)}),
    "dlbook.nlp.rnn.LSTMCell": Example(SIZES, methods={"forward": _cell(True)}),
    "dlbook.nlp.rnn.RNN": Example(SIZES, methods={"forward": _layer()}),
    "dlbook.nlp.rnn.GRU": Example(SIZES, methods={"forward": _layer()}),
    "dlbook.nlp.rnn.LSTM": Example(SIZES, methods={"forward": _layer()}),
    "dlbook.nlp.rnn.from_torch": Example(
        lambda: dict(module=nn.LSTM(2, 3, batch_first=True))),
    # --- perplexity ------------------------------------------------------------
    "dlbook.nlp.perplexity.perplexity": Example(
        dict(log_probs=torch.tensor([-0.5, -2.0, -1.0])),
        accept={"log_probs": {"inf": "a token given probability 0 makes the perplexity "
                                     "infinite, as it should",
                              "shape": "any shape: the mean is over every entry"}}),
    "dlbook.nlp.perplexity.token_log_probs": Example(
        dict(logits=torch.randn(2, 3, 5, generator=_g()),
             targets=torch.tensor([[1, 2, 0], [4, 0, 0]]), ignore_index=0),
        accept=merge(propagates("logits"), {"ignore_index": {
            "range:negative": "any integer may mark padding (PyTorch's default is -100)"}})),
    # --- ngram -----------------------------------------------------------------
    "dlbook.nlp.ngram.NGramLM": Example(
        dict(order=2, vocab_size=5, bos=0, eos=1, smoothing="kneser-ney", k=1.0,
             discount=0.75),
        methods={"fit": Example(dict(sequences=IDS), accept={"sequences": EMPTY_SEQUENCE})}),
    # --- neural_lm -------------------------------------------------------------
    "dlbook.nlp.neural_lm.NeuralLM": Example(
        dict(vocab_size=6, context_size=2, embedding_dim=3, hidden_size=4, direct=True,
             dropout=0.0),
        methods={"forward": Example(dict(context=torch.tensor([[0, 1], [2, 5]])),
                                    accept={"context": NO_ROWS})}),
    "dlbook.nlp.neural_lm.context_windows": Example(
        dict(sequences=IDS, context_size=2, bos=0, eos=1),
        accept={"sequences": EMPTY_SEQUENCE}),
}

EXAMPLES.update(checks_in("dlbook.checks.language_models"))
