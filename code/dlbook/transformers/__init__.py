"""Part V, Transformers.

``attention`` (scaled dot-product and multi-head attention, causal and padding
masks) and ``positional`` (sinusoidal, learned and rotary position encodings),
chapter *Self-attention*; ``blocks`` (the feed-forward network, the encoder and
decoder blocks, pre- and post-norm) and ``encoder_decoder`` (the encoder-decoder
transformer assembled from the blocks, its greedy decoding and the warm-up learning-
rate schedule), chapter *The transformer*; ``gpt`` (a decoder-only language model
with learned or rotary positions, its key-value cache, generation with and without
it, and temperature, top-k and nucleus sampling), chapter *A GPT from scratch*;
``bert`` (the BERT encoder, BERT's masking and the masked-language-model loss, a
[CLS] classifier, and T5's span corruption), chapter *BERT and T5*; ``vit`` (patches
and the vision transformer), ``clip`` (a text encoder, the CLIP pair, its
contrastive loss, zero-shot classification) and ``captioning`` (an image captioner,
greedy captions, corpus BLEU), chapter *Vision transformers, CLIP and captioning*;
``scaling`` (power-law fits, with and without a floor) and ``lora`` (low-rank
adapters, adding and merging them), chapter *Scaling laws and LoRA*; ``contrastive``
(SimCLR's NT-Xent loss, random views of the digits, few-label draws and linear
probes), chapter *Self-supervised learning*.
"""
