"""Part V, Transformers.

``attention`` (scaled dot-product and multi-head attention, causal and padding
masks) and ``positional`` (sinusoidal, learned and rotary position encodings),
chapter *Self-attention*; ``blocks`` (the feed-forward network, the encoder and
decoder blocks, pre- and post-norm), chapter *The transformer*.
"""
