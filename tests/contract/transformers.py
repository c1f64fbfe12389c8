"""Contract examples for Part V, ``dlbook.transformers``, and its chapters' checks."""

import torch
from torch import nn

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
