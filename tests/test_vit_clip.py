"""The vision transformer, CLIP and the captioner of the chapter *Vision
transformers, CLIP and captioning*: patches, the contrastive loss against a direct
formula, BLEU against hand-computed values, and bad input."""

import math

import pytest
import torch
import torch.nn.functional as F

from dlbook.transformers.captioning import Captioner, corpus_bleu, greedy_caption, ngrams
from dlbook.transformers.clip import CLIP, TextEncoder, clip_loss, zero_shot_classify
from dlbook.transformers.vit import ViT, patchify, unpatchify


# --- patches --------------------------------------------------------------------------

def test_patchify_then_unpatchify_is_the_identity():
    images = torch.randn(2, 3, 12, 8, generator=torch.Generator().manual_seed(0))
    patches = patchify(images, 4)
    assert patches.shape == (2, 3 * 2, 3 * 16)
    assert torch.equal(unpatchify(patches, 4, 12, 8), images)


def test_patches_are_in_raster_order():
    image = torch.arange(2 * 4 * 6.).reshape(1, 2, 4, 6)         # two channels
    patches = patchify(image, 2)                                 # a 2 x 3 grid
    for k in range(6):
        row, col = divmod(k, 3)                                  # left to right, then down
        block = image[0, :, 2 * row:2 * row + 2, 2 * col:2 * col + 2]
        assert torch.equal(patches[0, k], block.reshape(-1))     # channel by channel


def test_patchify_rejects_a_patch_that_does_not_divide():
    with pytest.raises(ValueError, match="patch_size"):
        patchify(torch.zeros(1, 1, 8, 8), 3)
    with pytest.raises(ValueError, match="patch"):
        unpatchify(torch.zeros(1, 5, 4), 2, 4, 4)


def test_vit_outputs_and_class_token_attention():
    torch.manual_seed(0)
    vit = ViT(8, 2, 1, 10, d_model=16, n_heads=2, n_layers=2, d_ff=32)
    x = torch.randn(3, 1, 8, 8)
    assert vit(x).shape == (3, 10)
    assert vit.encode(x).shape == (3, 17, 16)
    assert vit.blocks[-1].attention_weights.shape == (3, 2, 17, 17)
    assert ViT(8, 4, 1, None, d_model=16)(x).shape == (3, 16)
    with pytest.raises(ValueError, match="images"):
        vit(torch.randn(3, 1, 6, 6))
    with pytest.raises(ValueError, match="patch_size"):
        ViT(8, 3)


def test_vit_is_not_permutation_invariant_thanks_to_positions():
    torch.manual_seed(0)
    vit = ViT(4, 2, 1, 3, d_model=8, n_heads=2, n_layers=1, d_ff=16)
    with torch.no_grad():
        vit.positions.table.normal_()
    x = torch.randn(1, 1, 4, 4)
    swapped = unpatchify(patchify(x, 2)[:, [1, 0, 2, 3]], 2, 4, 4)
    assert not torch.allclose(vit(x), vit(swapped))


# --- CLIP -----------------------------------------------------------------------------

def _direct_clip_loss(a, b, tau):
    """Cross-entropy written out: row i picks text i among the texts, column j
    picks image j among the images."""
    a, b = a / a.norm(dim=1, keepdim=True), b / b.norm(dim=1, keepdim=True)
    s = a @ b.T / tau
    B = len(s)
    image_to_text = -sum(s[i, i] - torch.logsumexp(s[i, :], 0) for i in range(B)) / B
    text_to_image = -sum(s[j, j] - torch.logsumexp(s[:, j], 0) for j in range(B)) / B
    return (image_to_text + text_to_image) / 2


def test_clip_loss_matches_the_direct_formula_in_value_and_gradient():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(5, 4, generator=g, dtype=torch.float64, requires_grad=True)
    b = torch.randn(5, 4, generator=g, dtype=torch.float64, requires_grad=True)
    tau = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    ours, direct = clip_loss(a, b, tau), _direct_clip_loss(a, b, tau)
    assert torch.allclose(ours, direct)
    grads = torch.autograd.grad(ours, (a, b, tau))
    for x, y in zip(grads, torch.autograd.grad(direct, (a, b, tau))):
        assert torch.allclose(x, y)


def test_clip_loss_is_symmetric_in_images_and_texts_only_together():
    g = torch.Generator().manual_seed(1)
    a, b = torch.randn(4, 3, generator=g), torch.randn(4, 3, generator=g)
    assert torch.allclose(clip_loss(a, b, 0.5), clip_loss(b, a, 0.5))


def test_clip_loss_of_perfectly_aligned_embeddings():
    # orthonormal pairs: s_ii = 1/tau, s_ij = 0, so each term is log(1 + (B-1) e^{-1/tau})
    B, tau = 6, 0.05
    e = torch.eye(B, dtype=torch.float64)
    want = math.log(1 + (B - 1) * math.exp(-1 / tau))
    assert clip_loss(e, 3 * e, tau).item() == pytest.approx(want, rel=1e-9)
    assert clip_loss(e, e, 0.01).item() < 1e-40
    # at a high temperature the loss tends to log B, whatever the embeddings
    assert clip_loss(e, e, 1e6).item() == pytest.approx(math.log(B), rel=1e-5)


def test_clip_loss_rejects_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        clip_loss(torch.randn(3, 2), torch.randn(4, 2), 0.1)
    with pytest.raises(ValueError, match="temperature"):
        clip_loss(torch.randn(3, 2), torch.randn(3, 2), 0.0)
    with pytest.raises(TypeError, match="image_embeddings"):
        clip_loss([[1.0]], torch.randn(1, 1), 0.1)


def _clip(vocab_size=7):
    torch.manual_seed(0)
    return CLIP(ViT(8, 4, 3, None, d_model=16), TextEncoder(vocab_size, 6, d_model=8),
                16, 8, embed_dim=4)


def test_clip_embeddings_are_unit_vectors_and_zero_shot_picks_the_most_similar():
    model = _clip()
    images = torch.rand(3, 3, 8, 8)
    ids, lengths = torch.tensor([[1, 2, 3, 0], [4, 5, 0, 0]]), torch.tensor([3, 2])
    im, tx = model(images[:2], ids, lengths)
    assert torch.allclose(im.norm(dim=1), torch.ones(2))
    assert torch.allclose(tx.norm(dim=1), torch.ones(2))
    pred, sim = zero_shot_classify(model, images, ids, lengths)
    assert sim.shape == (3, 2) and torch.equal(pred, sim.argmax(1))


def test_text_encoder_ignores_padding_and_reads_the_last_real_token():
    model = _clip().text_encoder
    model.eval()
    short = model(torch.tensor([[1, 2, 3]]), torch.tensor([3]))
    padded = model(torch.tensor([[1, 2, 3, 0, 6]]), torch.tensor([3]))
    assert torch.allclose(short, padded, atol=1e-6)
    with pytest.raises(ValueError, match="lengths"):
        model(torch.tensor([[1, 2]]), torch.tensor([3]))


def test_clip_temperature_is_learned_and_bounded():
    model = _clip()
    assert model.temperature.item() == pytest.approx(0.07)
    with torch.no_grad():
        model.log_temperature.fill_(-10.0)
    assert model.temperature.item() == pytest.approx(0.01)


# --- captioning -----------------------------------------------------------------------

def _captioner():
    torch.manual_seed(0)
    return Captioner(ViT(8, 4, 3, None, d_model=16), vocab_size=9, max_length=8,
                     d_model=16, n_layers=1)


def test_captioner_is_causal_and_ignores_later_words():
    model = _captioner().eval()
    images = torch.rand(2, 3, 8, 8)
    a = model(images, torch.tensor([[2, 5, 6, 7], [2, 4, 4, 4]]))
    b = model(images, torch.tensor([[2, 5, 8, 1], [2, 4, 4, 8]]))
    assert a.shape == (2, 4, 9)
    assert torch.allclose(a[0, :2], b[0, :2], atol=1e-6)
    assert torch.allclose(a[1, :3], b[1, :3], atol=1e-6)


def test_greedy_caption_stops_at_the_end_token():
    model = _captioner().eval()
    with torch.no_grad():                 # make word 5 always best, then force EOS = 5
        model.output.bias.zero_()
        model.output.bias[5] = 100.0
    out = greedy_caption(model, torch.rand(2, 3, 8, 8), bos_id=2, eos_id=5, max_length=6)
    assert out == [[], []]
    out = greedy_caption(model, torch.rand(2, 3, 8, 8), bos_id=2, eos_id=3, max_length=4)
    assert out == [[5, 5, 5, 5], [5, 5, 5, 5]]
    with pytest.raises(ValueError, match="max_length"):
        greedy_caption(model, torch.rand(1, 3, 8, 8), 2, 3, max_length=8)


# --- BLEU -----------------------------------------------------------------------------

def test_ngrams_counts():
    assert ngrams("a b a b".split(), 2) == {("a", "b"): 2, ("b", "a"): 1}
    assert ngrams(["a"], 2) == {}


def test_bleu_of_identical_corpora_is_one():
    refs = ["a red circle above a blue square".split(), "a b c d e".split()]
    assert corpus_bleu(refs, [[r] for r in refs]) == pytest.approx(1.0)


def test_bleu_is_zero_without_a_common_four_gram():
    hyp = ["a red circle above a blue square".split()]
    ref = [["a blue circle above a red square".split()]]
    assert corpus_bleu(hyp, ref) == 0.0
    assert corpus_bleu(hyp, ref, max_n=2) > 0


def test_bleu_by_hand_with_clipping_and_brevity_penalty():
    # hypothesis 'the the the cat' (4 words) against 'the cat sat on the mat' (6):
    # p1 = clipped 'the' 2 + 'cat' 1 = 3/4; p2: 'the the' 0, 'the cat' 1 -> 1/3
    hyp, ref = "the the the cat".split(), "the cat sat on the mat".split()
    want = math.exp(1 - 6 / 4) * math.sqrt(3 / 4 * 1 / 3)
    assert corpus_bleu([hyp], [[ref]], max_n=2) == pytest.approx(want)
    # a hypothesis longer than its reference is not penalised
    assert corpus_bleu([ref + ["too"]], [[ref]], max_n=1) == pytest.approx(6 / 7)


def test_bleu_pools_counts_over_the_corpus_and_uses_the_closest_reference():
    # corpus level: precisions are sums over sentences, not means of sentence scores
    hyps = ["a b".split(), "c d".split()]
    refs = [["a b".split()], ["c x".split()]]
    assert corpus_bleu(hyps, refs, max_n=1) == pytest.approx(3 / 4)
    # the closest reference length (4, not 1 or 7) sets the brevity penalty
    hyp = "a b c".split()
    refs = [["a".split(), "a b c d".split(), "a b c d e f g".split()]]
    assert corpus_bleu([hyp], refs, max_n=1) == pytest.approx(math.exp(1 - 4 / 3))
    # a tie (2 and 4 are both one word away) goes to the shorter: no penalty
    refs = [["a b".split(), "a b c d".split()]]
    assert corpus_bleu([hyp], refs, max_n=1) == pytest.approx(1.0)


def test_bleu_rejects_bad_input():
    with pytest.raises(ValueError, match="same length"):
        corpus_bleu([["a"]], [[["a"]], [["b"]]])
    with pytest.raises(TypeError, match="references"):
        corpus_bleu([["a"]], [["a"]])
    with pytest.raises(TypeError, match="hypotheses"):
        corpus_bleu(["a b"], [[["a", "b"]]])
