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
    # --- self-supervised: contrastive learning -----------------------------------
    "dlbook.transformers.contrastive.nt_xent": Example(
        dict(z1=torch.randn(4, 3), z2=torch.randn(4, 3), temperature=0.5)),
    "dlbook.transformers.contrastive.digit_views": Example(
        dict(x=torch.rand(3, 1, 8, 8), generator=torch.Generator().manual_seed(0)),
        accept=propagates("x", reason="images are arithmetic: a NaN pixel gives NaN "
                          "pixels, as in torch; a shift may move it out of the frame"),
        fuzz=("x", "generator")),
    "dlbook.transformers.contrastive.few_labels": Example(
        dict(labels=torch.arange(12) % 3, per_class=2, seed=0),
        accept={"labels": {"range": "class ids are only compared for equality: any "
                           "integer is an id"}}),
    "dlbook.transformers.contrastive.linear_probe": Example(
        dict(train_features=torch.randn(8, 3), train_labels=torch.arange(8) % 2,
             eval_features=torch.randn(4, 3), eval_labels=torch.arange(4) % 2, c=1.0),
        accept={"train_labels": {"range": "class ids are only compared for equality: any "
                                 "integer is an id"},
                "eval_labels": {"range": "class ids are only compared for equality: any "
                                "integer is an id"}}),
    **checks_in("dlbook.checks.self_supervised"),
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
# --- self-attention: the chapter's exercise checks ----------------------------------
EXAMPLES.update(checks_in("dlbook.checks.self_attention"))
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
# --- transformer (encoder-decoder) ------------------------------------------------------
from dlbook.transformers.encoder_decoder import Transformer as _Transformer  # noqa: E402


def _transformer():
    torch.manual_seed(0)
    return _Transformer(6, 7, d_model=4, n_heads=2, d_ff=8, n_encoder_layers=1,
                        n_decoder_layers=1, max_length=8).eval()


EXAMPLES.update({
    "dlbook.transformers.encoder_decoder.Transformer": Example(
        dict(src_vocab_size=6, tgt_vocab_size=7, d_model=4, n_heads=2, d_ff=8,
             n_encoder_layers=1, n_decoder_layers=1, dropout=0.1, norm_first=False,
             tie_embeddings=True, max_length=8, pad_id=0, bos_id=2, eos_id=3),
        methods={"forward": Example(dict(src=torch.tensor([[4, 5, 1], [5, 0, 0]]),
                                         tgt_in=torch.tensor([[2, 4], [2, 6]])),
                                    accept={"tgt_in": {"length:last-dim": "a target of "
                                                       "any length is decoded"}})}),
    "dlbook.transformers.encoder_decoder.greedy_decode": Example(
        lambda: dict(model=_transformer(), src=torch.tensor([[4, 5, 1], [5, 0, 0]]),
                     max_length=4)),
    "dlbook.transformers.encoder_decoder.warmup_schedule": Example(
        dict(step=3, d_model=16, warmup_steps=10)),
})
EXAMPLES.update(checks_in("dlbook.checks.transformer"))
# --- BERT and T5 (chapter *BERT and T5*) --------------------------------------------
def _bert_encoder():
    from dlbook.transformers.bert import BertEncoder

    torch.manual_seed(0)
    return BertEncoder(8, d_model=4, n_heads=2, n_layers=1, d_ff=8, max_length=6)


_BERT_IDS = lambda: dict(ids=torch.tensor([[2, 4, 5, 3, 0], [2, 6, 3, 0, 0]]))
_ANY_TOKEN = "a token may be any value (an id, a word): the transform only moves tokens"
_IDS_OK = {"ids": {"empty": "an empty batch gives an empty output",
                   "range": "any id below the vocabulary size is a token"}}
EXAMPLES.update({
    "dlbook.transformers.bert.BertEncoder": Example(
        dict(vocab_size=8, d_model=4, n_heads=2, n_layers=1, d_ff=8, max_length=6,
             dropout=0.1, pad_id=0),
        methods={"forward": Example(_BERT_IDS, accept=_IDS_OK)}),
    "dlbook.transformers.bert.MaskedLanguageModel": Example(
        lambda: dict(encoder=_bert_encoder()),
        methods={"forward": Example(_BERT_IDS, accept=_IDS_OK)}),
    "dlbook.transformers.bert.BertClassifier": Example(
        lambda: dict(encoder=_bert_encoder(), num_classes=2, dropout=0.1),
        methods={"forward": Example(_BERT_IDS, accept=_IDS_OK)}),
    "dlbook.transformers.bert.mask_tokens": Example(
        lambda: dict(ids=torch.tensor([[2, 4, 5, 3, 0], [2, 6, 3, 0, 0]]), mask_id=7,
                     vocab_size=8, special_ids=[0, 1, 2, 3], rate=0.5,
                     generator=torch.Generator().manual_seed(0)),
        accept={"ids": {"empty": "an empty batch masks nothing",
                        "range": "any id below the vocabulary size is a token"},
                "special_ids": {"empty": "no special tokens: every token may be chosen"},
                "rate": {"range:zero": "rate 0 chooses nothing: the ids come back",
                         "range": "a probability in [0, 1]"}}),
    "dlbook.transformers.bert.mlm_loss": Example(
        lambda: dict(logits=_seq(2, 3, 5), targets=torch.tensor([[1, -100, 4],
                                                                  [-100, 0, -100]])),
        accept=merge(propagates("logits", reason=Propagates(
            "a NaN logit makes its cross-entropy NaN, as in torch")))),
    "dlbook.transformers.bert.span_corrupt": Example(
        lambda: dict(tokens=list(range(10, 20)), sentinels=[100, 101, 102],
                     noise_density=0.3, mean_span_length=2.0,
                     generator=torch.Generator().manual_seed(0)),
        accept={n: {"element": _ANY_TOKEN} for n in ("tokens", "sentinels")}),
    "dlbook.transformers.bert.span_fill": Example(
        dict(inputs=[10, 100, 13], targets=[100, 11, 12, 101],
             sentinels=[100, 101]),
        accept={"inputs": {"element": _ANY_TOKEN}}),
})
EXAMPLES.update(checks_in("dlbook.checks.bert"))
# --- vision transformer, CLIP, captioning (chapter vit-clip) --------------------------
from dlbook.transformers.clip import CLIP as _CLIP, TextEncoder as _TextEncoder  # noqa: E402
from dlbook.transformers.vit import ViT as _ViT  # noqa: E402
from dlbook.transformers.captioning import Captioner as _Captioner  # noqa: E402


def _tiny_clip():
    torch.manual_seed(0)
    return _CLIP(_ViT(8, 4, 3, None, d_model=8, n_layers=1, d_ff=8),
                 _TextEncoder(6, 5, d_model=8, n_layers=1, d_ff=8), 8, 8, embed_dim=4)


def _tiny_captioner():
    torch.manual_seed(0)
    return _Captioner(_ViT(8, 4, 3, None, d_model=8, n_layers=1, d_ff=8), vocab_size=6,
                      max_length=5, d_model=8, n_layers=1, d_ff=8)


_EMPTY_OK = "an empty batch gives an empty output"
_MOVED = Propagates("a reshape: values are moved, not read")

EXAMPLES.update({
    "dlbook.transformers.vit.patchify": Example(
        lambda: dict(images=_seq(2, 3, 4, 4), patch_size=2),
        accept={"images": {"nan": _MOVED, "inf": INFINITE, "empty": _EMPTY_OK,
                           "dtype:int": "a reshape works for any dtype"}}),
    "dlbook.transformers.vit.unpatchify": Example(
        lambda: dict(patches=_seq(2, 4, 12), patch_size=2, height=4, width=4),
        accept={"patches": {"nan": _MOVED, "inf": INFINITE, "empty": _EMPTY_OK,
                            "dtype:int": "a reshape works for any dtype"}}),
    "dlbook.transformers.vit.ViT": Example(
        dict(image_size=8, patch_size=4, in_channels=1, n_classes=3, d_model=8, n_heads=2,
             n_layers=1, d_ff=16, dropout=0.1),
        accept={"n_classes": {"type:None": "None: no head, the class token's vector"}},
        methods={"forward": Example(lambda: dict(images=_seq(2, 1, 8, 8)),
                                    accept=_layer_input("images"))}),
    "dlbook.transformers.clip.clip_loss": Example(
        lambda: dict(image_embeddings=_seq(3, 4), text_embeddings=_seq(3, 4),
                     temperature=0.1),
        accept=merge(propagates("image_embeddings", "text_embeddings", reason=NAN_FLOWS))),
    "dlbook.transformers.clip.TextEncoder": Example(
        dict(vocab_size=6, max_length=5, d_model=8, n_heads=2, n_layers=1, d_ff=16),
        methods={"forward": Example(lambda: dict(ids=torch.tensor([[1, 2, 3], [4, 5, 0]]),
                                                 lengths=torch.tensor([3, 2])))}),
    "dlbook.transformers.clip.CLIP": Example(
        lambda: dict(image_encoder=_ViT(8, 4, 3, None, d_model=8, n_layers=1, d_ff=8),
                     text_encoder=_TextEncoder(6, 5, d_model=8, n_layers=1, d_ff=8),
                     image_dim=8, text_dim=8, embed_dim=4, temperature=0.07,
                     min_temperature=0.01),
        methods={"forward": Example(
            lambda: dict(images=_seq(2, 3, 8, 8), ids=torch.tensor([[1, 2, 3], [4, 5, 0]]),
                         lengths=torch.tensor([3, 2])),
            accept=_layer_input("images"))}),
    "dlbook.transformers.clip.zero_shot_classify": Example(
        lambda: dict(model=_tiny_clip(), images=_seq(2, 3, 8, 8),
                     prompt_ids=torch.tensor([[1, 2, 3], [4, 5, 0]]),
                     prompt_lengths=torch.tensor([3, 2])),
        accept=merge(_layer_input("images"), {"images": {
            "length:first-dim": "any number of images against the same prompts"}})),
    "dlbook.transformers.captioning.Captioner": Example(
        lambda: dict(image_encoder=_ViT(8, 4, 3, None, d_model=8, n_layers=1, d_ff=8),
                     vocab_size=6, max_length=5, d_model=8, n_heads=2, n_layers=1, d_ff=16,
                     pad_id=0),
        methods={"forward": Example(
            lambda: dict(images=_seq(2, 3, 8, 8), tokens=torch.tensor([[2, 4], [2, 0]])),
            accept=merge(_layer_input("images"), {"tokens": {
                "length:last-dim": "any caption length up to max_length"}}))}),
    "dlbook.transformers.captioning.greedy_caption": Example(
        lambda: dict(model=_tiny_captioner().eval(), images=_seq(2, 3, 8, 8), bos_id=2,
                     eos_id=3, max_length=3),
        accept={"images": {"nan": "a NaN image gives NaN scores, whose argmax is still a "
                                  "word: a caption of no meaning, as torch would give",
                           "inf": "an infinite pixel gives NaN scores: see nan",
                           "empty": "no images, no captions"}}),
    "dlbook.transformers.captioning.ngrams": Example(
        dict(tokens=["a", "b", "a"], n=2),
        accept={"tokens": {"*": "tokens may be anything hashable"}}),
    "dlbook.transformers.captioning.corpus_bleu": Example(
        dict(hypotheses=[["a", "b", "c", "d"]], references=[[["a", "b", "c", "d"]]],
             max_n=2),
        accept={"hypotheses": {"*": "tokens may be anything hashable"},
                "references": {"*": "tokens may be anything hashable"}}),
})

EXAMPLES.update(checks_in("dlbook.checks.vit_clip"))
