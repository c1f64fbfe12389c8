"""Contract examples for Part V, ``dlbook.transformers``, and its chapters' checks."""

import torch
from torch import nn

from dlbook.transformers.gpt import GPT as GPTModel

from . import INFINITE, Example, Propagates, checks_in, elementwise, merge, propagates

NAN_FLOWS = Propagates("a NaN in a query, key or value flows through the softmax into "
                       "the output, as in torch")


def _seq(*shape):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(0))


def _layer_input(name="x"):
    return merge(propagates(name, reason=NAN_FLOWS),
                 {name: {"empty": "an empty batch gives an empty output"}})


EXAMPLES = {
    # --- attention ------------------------------------------------------------------
    "dlbook.transformers.attention.scaled_dot_product_attention": Example(
        lambda: dict(q=_seq(2, 3, 4), k=_seq(2, 5, 4), v=_seq(2, 5, 6),
                     mask=torch.ones(3, 5, dtype=torch.bool), scale=0.5),
        accept=merge(propagates("q", "k", "v", reason=NAN_FLOWS),
                     {n: {"empty": "an empty batch gives an empty output"}
                      for n in ("q", "k", "v")},
                     {"mask": {"shape:extra-dim": "a leading dimension of size 1 "
                                                  "broadcasts over q's batch"}})),
    "dlbook.transformers.attention.causal_mask": Example(dict(n_queries=2, n_keys=4)),
    "dlbook.transformers.attention.split_heads": Example(
        lambda: dict(x=_seq(2, 3, 4), n_heads=2),
        accept=merge(propagates("x", reason=Propagates("a reshape: values are moved, "
                                                       "not read")),
                     {"x": {"empty": "an empty batch reshapes to an empty batch",
                            "dtype:int": "a reshape works for any dtype"}})),
    "dlbook.transformers.attention.merge_heads": Example(
        lambda: dict(x=_seq(2, 2, 3, 2)),
        accept={"x": {"nan": Propagates("a reshape: values are moved, not read"),
                      "inf": INFINITE, "empty": "an empty batch reshapes to an empty batch",
                      "dtype:int": "a reshape works for any dtype"}}),
    "dlbook.transformers.attention.MultiHeadAttention": Example(
        dict(d_model=4, n_heads=2, dropout=0.1, bias=True, rotary=True),
        methods={"forward": Example(
            lambda: dict(query=_seq(2, 3, 4), key=_seq(2, 5, 4), value=_seq(2, 5, 4),
                         key_padding_mask=torch.tensor([[True] * 5, [True, True, False,
                                                                     False, False]]),
                         attn_mask=torch.ones(3, 5, dtype=torch.bool), causal=True),
            accept=merge(propagates("query", "key", "value", reason=NAN_FLOWS),
                         {n: {"empty": "an empty batch gives an empty output"}
                          for n in ("query", "key", "value")}))}),
    # --- positional -----------------------------------------------------------------
    "dlbook.transformers.positional.sinusoidal_encoding": Example(
        dict(length=3, d_model=4, base=100.0),
        accept={"length": {"range:zero": "no positions: an empty table"}}),
    "dlbook.transformers.positional.SinusoidalEncoding": Example(
        dict(d_model=4, max_length=6), methods={"forward": Example(
            lambda: dict(x=_seq(2, 3, 4)), accept=_layer_input())}),
    "dlbook.transformers.positional.LearnedEncoding": Example(
        dict(d_model=4, max_length=6), methods={"forward": Example(
            lambda: dict(x=_seq(2, 3, 4)), accept=_layer_input())}),
    "dlbook.transformers.positional.rotary": Example(
        lambda: dict(x=_seq(2, 3, 4), positions=torch.tensor([0, 1, 5]), base=100.0),
        accept=merge(propagates("x", reason=Propagates("a rotation: a NaN feature stays "
                                                       "NaN")),
                     {"x": {"empty": "an empty batch rotates to an empty batch",
                            "shape:extra-dim": "any leading dimensions: batch, heads"},
                      "positions": {"dtype:float": "a position may be fractional: the "
                                                   "angle is p times a frequency",
                                    "range": "any position, negative too, is an angle"}})),
    # --- blocks ---------------------------------------------------------------------
    "dlbook.transformers.blocks.FeedForward": Example(
        dict(d_model=4, d_ff=8, dropout=0.1), methods={"forward": Example(
            lambda: dict(x=_seq(2, 3, 4)),
            accept=merge(_layer_input(), {"x": {
                "shape": "position-wise: any leading dimensions, (..., d_model)"}}))}),
    "dlbook.transformers.blocks.EncoderBlock": Example(
        dict(d_model=4, n_heads=2, d_ff=8, dropout=0.1, norm_first=False, rotary=False),
        methods={"forward": Example(
            lambda: dict(x=_seq(2, 3, 4), key_padding_mask=torch.tensor(
                [[True, True, True], [True, False, False]]), causal=True),
            accept=_layer_input())}),
    "dlbook.transformers.blocks.DecoderBlock": Example(
        dict(d_model=4, n_heads=2, d_ff=8, dropout=0.1, norm_first=True),
        methods={"forward": Example(
            lambda: dict(x=_seq(2, 3, 4), memory=_seq(2, 5, 4),
                         key_padding_mask=torch.ones(2, 3, dtype=torch.bool),
                         memory_padding_mask=torch.ones(2, 5, dtype=torch.bool)),
            accept=merge(_layer_input("x"), _layer_input("memory")))}),
}


# --- scaling-lora -------------------------------------------------------------------

def _lora_base():
    torch.manual_seed(0)
    return nn.Linear(4, 3)


def _lora_model():
    from dlbook.transformers.blocks import EncoderBlock
    torch.manual_seed(0)
    return EncoderBlock(4, 2, 8)


POINTS = "the fit reads numbers: any sequence of them, a list or an array"
EXAMPLES.update({
    "dlbook.transformers.scaling.fit_power_law": Example(
        dict(x=[1e3, 1e4, 1e5], loss=[3.0, 2.5, 2.1])),
    "dlbook.transformers.scaling.fit_power_law_with_floor": Example(
        dict(x=[1e3, 1e4, 1e5, 1e6], loss=[3.0, 2.5, 2.1, 1.9], grid=50)),
    "dlbook.transformers.scaling.PowerLaw": Example(
        dict(exponent=0.1, coefficient=3.0, floor=0.0, exponent_se=0.01),
        record="a plain record of a fit's numbers, as fit_power_law returns them"),
    "dlbook.transformers.lora.LoRALinear": Example(
        lambda: dict(base=_lora_base(), rank=2, alpha=4.0),
        methods={"forward": Example(
            lambda: dict(x=torch.randn(2, 4)),
            accept=merge(propagates("x", reason=Propagates("a linear layer: a NaN input "
                                                           "gives a NaN output")),
                         {"x": {"empty": "an empty batch gives an empty output",
                                "shape": "like nn.Linear: any leading dimensions"}}))}),
    "dlbook.transformers.lora.add_lora": Example(
        lambda: dict(model=_lora_model(), rank=2, alpha=2.0, targets=("q_proj", "v_proj"))),
    "dlbook.transformers.lora.merge_lora": Example(lambda: dict(model=_lora_model()),
                                                   accept={"model": {
                                                       "*": "a model without adapters: "
                                                            "nothing to merge"}}),
    "dlbook.transformers.lora.count_parameters": Example(
        lambda: dict(model=_lora_model(), trainable_only=True)),
})
EXAMPLES.update(checks_in("dlbook.checks.scaling_lora"))
# --- gpt (chapter *A GPT from scratch*) -------------------------------------------------
def _gpt():
    torch.manual_seed(0)
    return dict(vocab_size=7, context=6, d_model=8, n_heads=2, n_layers=1, d_ff=16,
                dropout=0.0, tie_weights=True)


_LOGITS = lambda: _seq(2, 5)  # noqa: E731
_ANY_LEADING = {"logits": {"shape": "the last dimension is the vocabulary; any leading "
                                    "dimensions are rows"}}

EXAMPLES.update({
    "dlbook.transformers.gpt.GPT": Example(
        _gpt, methods={
            "forward": Example(lambda: dict(ids=torch.tensor([[1, 2, 3], [4, 5, 6]])),
                               accept={"ids": {"empty": "an empty batch gives an empty "
                                                        "output"}}),
            "new_cache": Example(dict(batch_size=2)),
        }),
    "dlbook.transformers.gpt.KVCache": Example(
        dict(n_layers=1, batch_size=2, n_heads=2, d_head=3, max_length=4,
             dtype=torch.float32),
        methods={"append": Example(lambda: dict(layer=0, k=_seq(2, 2, 1, 3),
                                                v=_seq(2, 2, 1, 3)),
                                   accept=propagates("k", "v", reason=Propagates(
                                       "keys and values are stored as given")))}),
    "dlbook.transformers.gpt.next_token_probs": Example(
        lambda: dict(logits=_LOGITS(), temperature=0.8, top_k=3, top_p=0.9),
        accept=_ANY_LEADING),
    "dlbook.transformers.gpt.top_k_filter": Example(lambda: dict(logits=_LOGITS(), k=2),
                                                    accept=_ANY_LEADING),
    "dlbook.transformers.gpt.top_p_filter": Example(lambda: dict(logits=_LOGITS(), p=0.5),
                                                    accept=_ANY_LEADING),
    "dlbook.transformers.gpt.generate": Example(
        lambda: dict(model=GPTModel(**_gpt()).eval(), prompt=torch.tensor([[1, 2]]),
                     n_new=3, temperature=1.0, top_k=4, top_p=0.9, use_cache=True,
                     generator=torch.Generator().manual_seed(0))),
    **checks_in("dlbook.checks.gpt"),
})
