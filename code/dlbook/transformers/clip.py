"""CLIP (Radford et al., 2021): an image encoder and a text encoder trained so that
matching image-caption pairs have similar vectors. Both encoders' outputs are
projected to one shared space and normalised; the cosine similarities of a batch,
divided by a learned temperature, are the logits of two classification problems
(each image picks its caption among the batch's captions, each caption its image),
and the loss is their mean cross-entropy. Zero-shot classification writes one
caption ("prompt") per class and picks the class whose prompt is most similar.

Chapter: *Vision transformers, CLIP and captioning* (``book/transformers/vit-clip.md``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .._args import check_float, check_int, check_module, check_tensor
from ..nlp.batching import lengths_to_mask
from .blocks import EncoderBlock
from .positional import LearnedEncoding


def clip_loss(image_embeddings: torch.Tensor, text_embeddings: torch.Tensor,
              temperature: float | torch.Tensor) -> torch.Tensor:
    """The symmetric contrastive loss of a batch of B matching pairs, (B, E) each:
    logits[i, j] = cos(image_i, text_j) / temperature; the mean of the cross-entropy
    of each row (image → its text) and of each column (text → its image), with the
    pairs i = j as the right answers. Chapter: *Vision transformers, CLIP and captioning*."""
    _check_pairs(image_embeddings, text_embeddings, temperature)
    images = F.normalize(image_embeddings, dim=-1)
    texts = F.normalize(text_embeddings, dim=-1)
    logits = images @ texts.T / temperature                  # (B, B)
    targets = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2


class TextEncoder(nn.Module):
    """A small transformer over token ids (B, T) with their lengths (B,): token
    embeddings, learned positions, causal encoder blocks (as CLIP's), a final layer
    norm; the vector at each text's last real token (its end-of-sequence token)
    stands for the text, (B, d_model). Chapter: *Vision transformers, CLIP and captioning*."""

    def __init__(self, vocab_size: int, max_length: int, *, d_model: int = 32,
                 n_heads: int = 2, n_layers: int = 1, d_ff: int = 64) -> None:
        super().__init__()
        self.embedding = nn.Embedding(check_int("vocab_size", vocab_size, minimum=1),
                                      check_int("d_model", d_model, minimum=1))
        self.positions = LearnedEncoding(d_model, max_length)
        self.blocks = nn.ModuleList(EncoderBlock(d_model, n_heads, d_ff)
                                    for _ in range(check_int("n_layers", n_layers, minimum=1)))
        self.norm = nn.LayerNorm(d_model)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        _check_ids(ids, lengths, self.embedding.num_embeddings)
        mask = lengths_to_mask(lengths, ids.shape[1])                 # True = real token
        x = self.positions(self.embedding(ids))
        for block in self.blocks:
            x = block(x, key_padding_mask=mask, causal=True)
        x = self.norm(x)
        return x[torch.arange(len(ids)), lengths - 1]                # the last real token


class CLIP(nn.Module):
    """Two encoders and two linear projections into a shared space of ``embed_dim``,
    with a learned temperature (its logarithm is the parameter, kept at or above
    ``min_temperature``). ``forward(images, ids, lengths)`` returns the normalised
    embeddings of both, (B, embed_dim) each. Chapter: *Vision transformers, CLIP
    and captioning*."""

    def __init__(self, image_encoder: nn.Module, text_encoder: nn.Module, image_dim: int,
                 text_dim: int, embed_dim: int = 32, *, temperature: float = 0.07,
                 min_temperature: float = 0.01) -> None:
        super().__init__()
        self.image_encoder = check_module("image_encoder", image_encoder)
        self.text_encoder = check_module("text_encoder", text_encoder)
        embed_dim = check_int("embed_dim", embed_dim, minimum=1)
        self.image_projection = nn.Linear(check_int("image_dim", image_dim, minimum=1),
                                          embed_dim, bias=False)
        self.text_projection = nn.Linear(check_int("text_dim", text_dim, minimum=1),
                                         embed_dim, bias=False)
        temperature = check_float("temperature", temperature, minimum=0.0, strict_min=True)
        self.min_temperature = check_float("min_temperature", min_temperature,
                                           minimum=0.0, maximum=temperature)
        self.log_temperature = nn.Parameter(torch.tensor(math.log(temperature)))

    @property
    def temperature(self) -> torch.Tensor:
        return self.log_temperature.exp().clamp(min=self.min_temperature)

    def encode_image(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.image_projection(self.image_encoder(images)), dim=-1)

    def encode_text(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.text_projection(self.text_encoder(ids, lengths)), dim=-1)

    def forward(self, images: torch.Tensor, ids: torch.Tensor, lengths: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        check_tensor("images", images)
        check_tensor("ids", ids, ndim=2)
        if len(images) != len(ids):
            raise ValueError(f"images and ids must hold the same number of pairs, got "
                             f"{len(images)} and {len(ids)}")
        return self.encode_image(images), self.encode_text(ids, lengths)


@torch.no_grad()
def zero_shot_classify(model: CLIP, images: torch.Tensor, prompt_ids: torch.Tensor,
                       prompt_lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Classify images (B, ...) among K classes described by K prompts (K, T): the
    class of each image is the prompt most similar to it. Returns the predicted
    classes (B,) and the similarities (B, K). Chapter: *Vision transformers, CLIP and
    captioning*."""
    if not isinstance(model, CLIP):
        raise TypeError(f"model must be a CLIP, got {type(model).__name__}")
    _check_ids(prompt_ids, prompt_lengths, model.text_encoder.embedding.num_embeddings,
               "prompt_ids", "prompt_lengths")
    similarity = model.encode_image(images) @ model.encode_text(prompt_ids, prompt_lengths).T
    return similarity.argmax(dim=1), similarity


def _check_pairs(images, texts, temperature) -> None:
    check_tensor("image_embeddings", images, ndim=2, floating=True, nonempty=True)
    check_tensor("text_embeddings", texts, ndim=2, floating=True, nonempty=True)
    if images.shape != texts.shape:
        raise ValueError(f"image_embeddings and text_embeddings must have the same shape "
                         f"(B, E), got {tuple(images.shape)} and {tuple(texts.shape)}")
    if isinstance(temperature, torch.Tensor):
        check_tensor("temperature", temperature, ndim=0, floating=True)
        if not bool(temperature > 0):
            raise ValueError(f"temperature must be > 0, got {temperature.item()}")
    else:
        check_float("temperature", temperature, minimum=0.0, strict_min=True)


def _check_ids(ids, lengths, vocab_size: int, name: str = "ids",
               lengths_name: str = "lengths") -> None:
    check_tensor(name, ids, ndim=2, integer=True, nonempty=True)
    check_tensor(lengths_name, lengths, ndim=1, integer=True)
    if len(lengths) != len(ids):
        raise ValueError(f"{lengths_name} must have one entry per row of {name} "
                         f"({len(ids)}), got {len(lengths)}")
    if bool((lengths < 1).any()) or bool((lengths > ids.shape[1]).any()):
        raise ValueError(f"{lengths_name} must lie in 1..{ids.shape[1]} (the padded "
                         f"length of {name})")
    if bool((ids < 0).any()) or bool((ids >= vocab_size).any()):
        raise ValueError(f"{name} must lie in 0..{vocab_size - 1}")
