"""Every exercise check, run as students answer: right answers in several forms, and
the wrong answers every check must survive and explain.

Each check in ``dlbook.checks.*`` has a right answer here, and the forms in which
it must still pass: a Python float, a NumPy scalar or a 0-d tensor where a number
is asked for, float32 where the check computed in float64, a list where a tensor
was asked for (where that is reasonable). Then come the wrong answers every check
must turn into feedback that names the mistake, never into a traceback: one that
returns None, one that raises, one that returns a string, one with wrong values,
one with a wrong shape, and one that gives the right values but changes its
input in place. A check module added later must add its checks to ``ANSWERS``
(``test_every_check_has_answers`` fails otherwise).
"""

from __future__ import annotations

import copy
import importlib
import inspect
import math
import pkgutil

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import dlbook.checks
from checks.test_interpretability import cascade
from checks.test_mcts import negamax_right, puct_right
from checks.test_normalization import fold_right as fold
from checks.test_regularization import early_right as early_stopping
from dlbook.fundamentals.autograd import Value

# ---------------------------------------------------------------------------
# Right answers, one per check
# ---------------------------------------------------------------------------

GRAY = torch.tensor([0.299, 0.587, 0.114], dtype=torch.float64)


def ridge(X, y, lam):
    Xc, yc = X - X.mean(0), y - y.mean()
    w = torch.linalg.solve(Xc.T @ Xc + len(X) * lam * torch.eye(X.shape[1],
                                                                dtype=X.dtype), Xc.T @ yc)
    return w, y.mean() - X.mean(0) @ w


def fit_line(x, y):
    xc = x - x.mean()
    w = (xc * (y - y.mean())).sum() / (xc * xc).sum()
    return w, y.mean() - w * x.mean()


def mae_gradient(X, y, w, b):
    s = torch.sign(X @ w + b - y)
    return X.T @ s / len(y), s.mean()


def rank_indices(n, rank, world_size):
    per_rank = math.ceil(n / world_size)
    indices = list(range(n)) * math.ceil(per_rank * world_size / n)
    return indices[:per_rank * world_size][rank::world_size]


def top_k(logits, targets, k):
    return (logits.topk(k, dim=1).indices == targets[:, None]).any(1).double().mean()


def sin(x):
    out = Value(math.sin(x.data), (x,), "sin")

    def _backward(grad):
        x.grad += math.cos(x.data) * grad

    out._backward = _backward
    return out


def count_mlp(sizes):
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


def collapse(layers):
    W, b = layers[0].weight, layers[0].bias
    for layer in layers[1:]:
        W, b = layer.weight @ W, layer.weight @ b + layer.bias
    return W.detach(), b.detach()


def mish_derivative(x):
    x = x.detach().clone().requires_grad_(True)
    F.mish(x).sum().backward()
    return x.grad


def he_normal(shape):
    fan_in = shape[1] * math.prod(shape[2:])
    return torch.randn(shape) * math.sqrt(2.0 / fan_in)


def momentum_step(p, g, v, lr, mu):
    v = mu * v + g
    return p - lr * v, v


def adam_step(p, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return p - lr * m_hat / (v_hat.sqrt() + eps), m, v


def warmup_linear(step, warmup, total):
    if step < warmup:
        return step / warmup
    return max(0.0, (total - step) / (total - warmup))


def dropout(x, p, training):
    if not training:
        return x
    return x * (torch.rand_like(x) >= p) / (1 - p)


def batchnorm(x, gamma, beta, rm, rv, training, momentum, eps):
    if training:
        mean, var = x.mean(0), x.var(0, unbiased=False)
        n = len(x)
        rm = (1 - momentum) * rm + momentum * mean
        rv = (1 - momentum) * rv + momentum * var * n / (n - 1)
    else:
        mean, var = rm, rv
    return gamma * (x - mean) / torch.sqrt(var + eps) + beta, rm, rv


def layernorm(x, gamma, beta, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    var = x.var(-1, unbiased=False, keepdim=True)
    return gamma * (x - mean) / torch.sqrt(var + eps) + beta


def initial_loss(counts, prior):
    if not prior:
        return math.log(len(counts))
    total = sum(counts)
    return -sum(n / total * math.log(n / total) for n in counts if n)


def error_rates(pred, y, k):
    counts = torch.bincount(y, minlength=k).double()
    return torch.bincount(y[pred != y], minlength=k).double() / counts


def grad_norm(model):
    return torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()
                          if p.grad is not None))


def output_size(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def convolve2d(image, kernel):
    return F.conv2d(image[None, None], kernel.flip(0, 1)[None, None])[0, 0]


def conv2d(x, weight, stride, padding, dilation):
    return F.conv2d(x, weight, stride=stride, padding=padding, dilation=dilation)


def conv_params(c_in, c_out, k, bias=True):
    return c_out * (c_in * k * k + bool(bias))


def random_shift(x, max_shift, generator):
    n, _, h, w = x.shape
    offsets = torch.randint(-max_shift, max_shift + 1, (n, 2), generator=generator)
    padded = F.pad(x, (max_shift,) * 4)
    out = torch.empty_like(x)
    for i, (dy, dx) in enumerate(offsets.tolist()):
        out[i] = padded[i, :, max_shift - dy:max_shift - dy + h,
                        max_shift - dx:max_shift - dx + w]
    return out


def conv_macs(c_in, c_out, k, h, w, stride=1, padding=0):
    return k * k * c_in * c_out * ((h + 2 * padding - k) // stride + 1) * (
        (w + 2 * padding - k) // stride + 1)


class Block(nn.Module):
    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1)
        self.skip = nn.Identity() if (c_in, stride) == (c_out, 1) else nn.Conv2d(
            c_in, c_out, 1, stride)

    def forward(self, x):
        return torch.relu(self.conv2(torch.relu(self.conv1(x))) + self.skip(x))


def hflip_with_boxes(images, boxes):
    w = images.shape[-1]
    return images.flip(-1), torch.stack([w - boxes[:, 2], boxes[:, 1], w - boxes[:, 0],
                                         boxes[:, 3]], 1)


def mixup(x, y, lam, perm):
    return lam * x + (1 - lam) * x[perm], lam * y + (1 - lam) * y[perm]


def box_iou(a, b):
    from dlbook.cnn.detection import box_iou as reference
    return reference(a.double(), b.double())


def nms(boxes, scores, classes, threshold):
    from dlbook.cnn.detection import nms as reference
    return reference(boxes.float(), scores.float(), threshold, classes=classes)


def mean_iou(pred, target, k):
    from dlbook.cnn.segmentation import mean_iou as reference
    return reference(pred, target, k)


def triplet(a, p, n, margin):
    return (torch.norm(a - p, dim=1) - torch.norm(a - n, dim=1) + margin).clamp(min=0).mean()


def contrastive(z1, z2, same, margin):
    d = torch.norm(z1 - z2, dim=1)
    return 0.5 * (same * d ** 2 + (1 - same) * (margin - d).clamp(min=0) ** 2).mean()


def hardest_negative(z, labels):
    d = torch.cdist(z, z)
    return d.masked_fill(labels[:, None] == labels[None, :], math.inf).argmin(1)


def integrated_gradients(f, x, baseline, steps):
    total = torch.zeros_like(x)
    for a in (torch.arange(steps, dtype=x.dtype) + 0.5) / steps:
        point = (baseline + a * (x - baseline)).requires_grad_(True)
        total += torch.autograd.grad(f(point), point)[0]
    return (x - baseline) * total / steps


def most_frequent_pair(words):
    counts = {}
    for word, n in words.items():
        for pair in zip(word, word[1:]):
            counts[pair] = counts.get(pair, 0) + n
    return max(counts, key=counts.get)


def pad(sequences, pad_id):
    lengths = torch.tensor([len(s) for s in sequences])
    ids = torch.full((len(sequences), int(lengths.max())), pad_id)
    for b, s in enumerate(sequences):
        ids[b, :len(s)] = torch.tensor(s, dtype=torch.long)
    return ids, torch.arange(ids.shape[1]) < lengths[:, None]


def masked_max_pool(h, mask):
    return h.masked_fill(~mask[:, None, :], float("-inf")).amax(dim=2)


def nucleus(probs, p):
    ranked, order = probs.sort(descending=True)
    keep = torch.zeros_like(probs, dtype=torch.bool)
    keep[order] = ranked.cumsum(0) - ranked < p
    return probs * keep / (probs * keep).sum()


def clip_grads(grads, max_norm):
    norm = torch.sqrt(sum((g ** 2).sum() for g in grads))
    return [g * min(1.0, max_norm / float(norm)) for g in grads]


def gru_step(x, h, w_ih, w_hh, b_ih, b_hh):
    xr, xz, xn = (x @ w_ih.T + b_ih).chunk(3, 1)
    hr, hz, hn = (h @ w_hh.T + b_hh).chunk(3, 1)
    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
    return (1 - z) * torch.tanh(xn + r * hn) + z * h
def skipgram_pairs(ids, window):
    return [(ids[t], ids[t + j]) for t in range(len(ids))
            for j in range(-window, window + 1) if j != 0 and 0 <= t + j < len(ids)]


def sgns_loss(center, context, noise):
    neg = torch.einsum("bkd,bd->bk", noise, center)
    return (-F.logsigmoid((center * context).sum(-1)) - F.logsigmoid(-neg).sum(-1)).mean()


def ddim_step(x_t, eps, alpha_bar_t, alpha_bar_prev):
    x0_hat = (x_t - math.sqrt(1 - alpha_bar_t) * eps) / math.sqrt(alpha_bar_t)
    return math.sqrt(alpha_bar_prev) * x0_hat + math.sqrt(1 - alpha_bar_prev) * eps


def ppmi(counts):
    p = counts / counts.sum()
    pmi = torch.log(p / (p.sum(1, keepdim=True) * p.sum(0, keepdim=True)))
    return torch.nan_to_num(pmi, nan=0.0).clamp(min=0)


def mdp_value_iteration(P, r, gamma):
    V = torch.zeros(P.shape[0], dtype=P.dtype)
    while True:
        V_new = (r + gamma * P @ V).max(1).values
        if (V_new - V).abs().max() < 1e-12:
            return V_new
        V = V_new


def mdp_evaluate(P, r, policy, gamma):
    P_pi = torch.einsum("sa,sat->st", policy, P)
    return torch.linalg.solve(torch.eye(len(r), dtype=P.dtype) - gamma * P_pi,
                              (policy * r).sum(1))
def pca_reconstruct(X_train, X, k):
    mean = X_train.mean(0)
    _, _, Vt = torch.linalg.svd(X_train - mean, full_matrices=False)
    return mean + (X - mean) @ Vt[:k].T @ Vt[:k]


def q_learning_targets(Q, rewards, next_states, terminated, gamma):
    return rewards + gamma * Q[next_states].max(1).values * (~terminated)


# Forms a right answer takes: "float" (a number as a Python float), "numpy" (a
# NumPy scalar), "tensor0d" (a number as a 0-d tensor), "float32" (a floating
# tensor in float32), "list" (a tensor as a list).
def ucb1_index(counts, sums):
    c, s = torch.from_numpy(counts), torch.from_numpy(sums)
    index = s / c + torch.sqrt(2 * torch.log(c.sum(1, keepdim=True)) / c)
    return torch.where(c > 0, index, torch.inf)


def lai_robbins(means):
    best = means.max()
    kl = lambda p, q: p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))  # noqa: E731
    return sum((best - m) / kl(m, best) for m in means[means < best])


NUMBER = ("float", "numpy", "tensor0d")
COUNT = ("numpy", "tensor0d")  # a float is a mistake: "use integer division"
TENSOR = ("float32",)

def adam_state_bytes(model):
    params = list(model.parameters())
    return sum(2 * p.numel() * p.element_size() for p in params) + 4 * len(params)


ANSWERS = {
    "tensors.check_normalize_rows": (lambda X: X / X.sum(1, keepdim=True), TENSOR + ("list",)),
    "tensors.check_pairwise_sq_distances": (
        lambda A, B: ((A[:, None] - B[None]) ** 2).sum(-1), TENSOR + ("list",)),
    "tensors.check_to_grayscale": (lambda img: (img * GRAY[:, None, None]).sum(0), TENSOR),
    "linear_regression.check_ridge_fit": (ridge, TENSOR + NUMBER),
    "linear_regression.check_fit_line": (fit_line, TENSOR + NUMBER),
    "linear_regression.check_mae_gradient": (mae_gradient, TENSOR + NUMBER),
    "softmax_regression.check_log_softmax": (
        lambda z: z - torch.logsumexp(z, -1, keepdim=True), TENSOR),
    "softmax_regression.check_cross_entropy": (F.cross_entropy, TENSOR + NUMBER),
    "softmax_regression.check_top_k_accuracy": (top_k, TENSOR + NUMBER),
    "backpropagation.check_sin": (sin, ()),
    "backpropagation.check_central_difference": (
        lambda f, x, h: (f(x + h) - f(x - h)) / (2 * h), NUMBER + ("numpy32",)),
    "mlp.check_xor_network": (lambda X: ((X[:, 0] + X[:, 1]) == 1).double(),
                              TENSOR + ("list",)),
    "mlp.check_count_parameters": (count_mlp, COUNT),
    "mlp.check_collapse_linear": (collapse, TENSOR + ("list",)),
    "activations_init.check_mish_derivative": (mish_derivative, TENSOR),
    "activations_init.check_he_normal": (he_normal, ("float64",)),
    "optimization.check_momentum_step": (momentum_step, TENSOR + ("list",)),
    "optimization.check_adam_step": (adam_step, TENSOR + ("list",)),
    "optimization.check_warmup_linear": (warmup_linear, NUMBER),
    "regularization.check_dropout": (dropout, TENSOR),
    "regularization.check_early_stopping": (early_stopping, COUNT + ("float",)),
    "normalization.check_batchnorm_forward": (batchnorm, TENSOR + ("list",)),
    "normalization.check_layernorm": (layernorm, TENSOR + ("list",)),
    "normalization.check_fold_batchnorm": (fold, ()),
    "practical_training.check_expected_initial_loss": (initial_loss, NUMBER),
    "practical_training.check_per_class_error_rates": (error_rates, TENSOR + ("list",)),
    "practical_training.check_global_grad_norm": (grad_norm, TENSOR + NUMBER),
    "convolution.check_output_size": (output_size, COUNT),
    "convolution.check_convolve2d": (convolve2d, TENSOR + ("list",)),
    "convolution.check_conv2d": (conv2d, TENSOR + ("list",)),
    "lenet.check_conv_params": (conv_params, COUNT),
    "lenet.check_random_shift": (random_shift, ()),
    "architectures.check_conv_params": (conv_params, COUNT + ("float",)),
    "architectures.check_conv_macs": (conv_macs, COUNT + ("float",)),
    "architectures.check_residual_block": (Block, ()),
    "augmentation_transfer.check_hflip_with_boxes": (hflip_with_boxes, TENSOR + ("list",)),
    "augmentation_transfer.check_mixup": (mixup, TENSOR + ("list",)),
    "detection_segmentation.check_box_iou": (box_iou, TENSOR + ("list",)),
    "detection_segmentation.check_nms": (nms, ("list",)),
    "detection_segmentation.check_mean_iou": (mean_iou, NUMBER),
    "siamese.check_triplet_loss": (triplet, NUMBER + TENSOR),
    "siamese.check_contrastive_loss": (contrastive, NUMBER + TENSOR),
    "siamese.check_hardest_negative": (hardest_negative, ("list",)),
    "interpretability.check_integrated_gradients": (integrated_gradients, TENSOR),
    "interpretability.check_cascading_randomization": (cascade, ()),
    "text_representation.check_most_frequent_pair": (most_frequent_pair, ()),
    "text_representation.check_padding": (pad, ("list",)),
    "text_representation.check_masked_max_pool": (masked_max_pool, TENSOR + ("list",)),
    "language_models.check_perplexity": (lambda p: torch.exp(-p.log().mean()), NUMBER),
    "language_models.check_add_k": (lambda c, k: (c + k) / (c.sum() + k * len(c)),
                                     TENSOR + ("list",)),
    "rnn.check_clip_grad_norm": (clip_grads, TENSOR),
    "rnn.check_gru_step": (gru_step, TENSOR + ("list",)),
    "word2vec.check_skipgram_pairs": (skipgram_pairs, ()),
    "word2vec.check_sgns_loss": (sgns_loss, TENSOR + NUMBER),
    "word2vec.check_ppmi": (ppmi, TENSOR + ("list",)),
    "seq2seq_attention.check_attention_weights": (
        lambda e, m: torch.softmax(e.masked_fill(~m, float("-inf")), dim=1),
        TENSOR + ("list",)),
    "seq2seq_attention.check_beam_score": (
        lambda lp, g: lp.sum() / len(lp) ** g, NUMBER),
    "bandits.check_ucb1_index": (ucb1_index, TENSOR + ("list", "float64")),
    "bandits.check_lai_robbins": (lai_robbins, NUMBER),
    "mdp.check_value_iteration": (mdp_value_iteration, TENSOR + ("list",)),
    "mdp.check_policy_evaluation": (mdp_evaluate, TENSOR + ("list",)),
    "data_parallel.check_rank_indices": (rank_indices, ()),
    "autoencoders.check_mask_pixels": (lambda x, p: x * (torch.rand(x.shape) >= p),
                                       TENSOR + ("list",)),
    "autoencoders.check_pca_reconstruct": (pca_reconstruct, TENSOR + ("list",)),
    "vae.check_gaussian_kl": (
        lambda m, l: 0.5 * (m ** 2 + l.exp() - l - 1).sum(-1), TENSOR + ("list",)),
    "vae.check_reparameterize": (lambda m, l, e: m + torch.exp(0.5 * l) * e, TENSOR),
    "gan.check_discriminator_loss": (
        lambda r, f: F.softplus(-r).mean() + F.softplus(f).mean(), TENSOR + NUMBER),
    "diffusion.check_ddim_step": (ddim_step, TENSOR + ("list",)),
    "performance.check_adam_state_bytes": (adam_state_bytes, COUNT + ("float",)),
    "q_learning.check_q_learning_targets": (q_learning_targets, TENSOR + ("list",)),
    "mcts.check_puct_score": (puct_right, NUMBER + ("numpy32",)),
    "mcts.check_negamax": (negamax_right, NUMBER),
    "gpt.check_nucleus": (nucleus, TENSOR + ("list",)),
}


def power_law_exponent(n, loss):
    u, v = np.log(np.asarray(n, float)), np.log(np.asarray(loss, float))
    return -((u - u.mean()) * (v - v.mean())).sum() / ((u - u.mean()) ** 2).sum()


ANSWERS.update({
    "scaling_lora.check_power_law_exponent": (power_law_exponent, NUMBER),
    "scaling_lora.check_merged_weight": (lambda W, A, B, a: W + (a / A.shape[0]) * B @ A,
                                         TENSOR + ("list",)),
})


def all_checks() -> dict:
    checks = {}
    for info in pkgutil.iter_modules(dlbook.checks.__path__):
        module = importlib.import_module(f"dlbook.checks.{info.name}")
        for name, fn in vars(module).items():
            if name.startswith("check_") and inspect.isfunction(fn) \
                    and fn.__module__ == module.__name__:
                checks[f"{info.name}.{name}"] = fn
    return checks


CHECKS = all_checks()


def test_every_check_has_answers():
    assert sorted(CHECKS) == sorted(ANSWERS), set(CHECKS) ^ set(ANSWERS)


# ---------------------------------------------------------------------------
# Forms of a right answer
# ---------------------------------------------------------------------------

def _number(v):
    """A one-number answer as a Python number, or None when it is not one."""
    if isinstance(v, bool):
        return None
    if isinstance(v, torch.Tensor) and v.numel() == 1 and v.ndim == 0:
        return v.item()
    if isinstance(v, (int, float, np.number)):
        return v.item() if isinstance(v, np.number) else v
    return None


def reform(value, form):
    """``value`` (an answer's output) in ``form``; None where the form does not apply."""
    if isinstance(value, (tuple, list)) and not (form == "list" and not value) and not all(
            isinstance(v, (int, float)) for v in value):
        parts = [reform(v, form) for v in value]
        if all(p is None for p in parts):
            return None
        return type(value)(p if p is not None else v for p, v in zip(parts, value))
    number = _number(value)
    if form == "float":
        return float(number) if number is not None else None
    if form == "numpy":
        if number is None:
            return None
        return np.int64(number) if isinstance(number, int) else np.float64(number)
    if form == "numpy32":
        return np.float32(number) if isinstance(number, float) else None
    if form == "tensor0d":
        return torch.tensor(number) if number is not None and not isinstance(
            value, torch.Tensor) else None
    if form == "float32" and isinstance(value, torch.Tensor) and value.is_floating_point():
        return value.float() if value.dtype != torch.float32 else None
    if form == "float64" and isinstance(value, torch.Tensor) and value.is_floating_point():
        return value.double()
    if form == "list" and isinstance(value, torch.Tensor) and value.ndim > 0:
        return value.tolist()
    return None


def answer_in(right, form):
    def answer(*args, **kwargs):
        out = right(*args, **kwargs)
        changed = reform(out, form)
        return out if changed is None else changed
    return answer


CASES = [(name, form) for name, (_, forms) in ANSWERS.items() for form in ("as is",) + forms]


@pytest.mark.parametrize("name, form", CASES)
def test_right_answers_pass_in_every_form(name, form):
    right = ANSWERS[name][0]
    torch.manual_seed(0)
    result = CHECKS[name](right if form == "as is" else answer_in(right, form))
    assert result.passed, f"{name} rejects a right answer given as {form}: {result}"


# ---------------------------------------------------------------------------
# Wrong answers
# ---------------------------------------------------------------------------

def _perturb(value):
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return value.detach() + 0.5 * (1 + value.detach().abs())
    if isinstance(value, torch.Tensor):
        return value + 1
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value * 1.5 + 1
    if isinstance(value, (tuple, list)):
        return type(value)(_perturb(v) for v in value)
    if isinstance(value, nn.Module):
        value = copy.deepcopy(value)
        with torch.no_grad():
            for p in value.parameters():
                p.add_(1.0)
        return value
    return value


def _reshape(value):
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return torch.stack([value.reshape(()), value.reshape(())])  # two numbers, not one
    if isinstance(value, torch.Tensor):
        return value.unsqueeze(0)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return torch.tensor([value, value])
    if isinstance(value, (tuple, list)) and value:
        return type(value)([_reshape(value[0]), *value[1:]])
    return value


def _mutate(arg) -> bool:
    """Change a tensor, list or module argument in place; False if there is none."""
    if isinstance(arg, torch.Tensor) and arg.is_floating_point() and arg.numel():
        with torch.no_grad():
            arg.add_(1.0)
        return True
    if isinstance(arg, torch.Tensor) and arg.numel():
        arg.add_(1)
        return True
    if isinstance(arg, nn.Module):
        params = list(arg.parameters())
        if params:
            with torch.no_grad():
                params[0].add_(1.0)
            return True
    if isinstance(arg, list) and arg:
        if any(_mutate(a) for a in arg):
            return True
        if isinstance(arg[0], (int, float)):
            arg[0] = arg[0] + 1
            return True
    return False


def wrong(kind, right):
    def answer(*args, **kwargs):
        if kind == "None":
            return None
        if kind == "raises":
            raise RuntimeError("something in the reader's code went wrong")
        if kind == "str":
            return "an answer"
        out = right(*args, **kwargs)
        if kind in ("values", "shape"):
            changed = (_perturb if kind == "values" else _reshape)(out)
            modules = out if isinstance(out, (list, tuple)) else [out]
            answer.applies = changed is not out and not any(
                isinstance(m, nn.Module) for m in modules)
            return changed
        if kind == "in place":
            answer.mutated = any(_mutate(a) for a in (*args, *kwargs.values())) or getattr(
                answer, "mutated", False)
            return out
        raise AssertionError(kind)
    answer.mutated, answer.applies = False, True
    return answer


# What the feedback must say for each kind of wrong answer (any of the words).
NAMED = {
    "None": ("None", "NoneType"),
    "raises": ("raised", "RuntimeError"),
    "str": ("str",),
    "values": (),
    "shape": ("shape", "one number", "single number", "whole number", "a number",
              "an int", "pair", "tensors", "shifted", "Tensor", "list"),
    "in place": ("in place", "changed", "modified", "cleared"),
}
KINDS = tuple(NAMED)

# Wrong answers that are right for a check, with the reason.
NOT_WRONG = {
    ("mlp.check_xor_network", "values"): "outputs above 0.5 count as 1: the shifted outputs "
                                          "still compute XOR",
    ("detection_segmentation.check_nms", "shape"): "the kept indices may come in any "
                                                   "arrangement",
    ("siamese.check_hardest_negative", "shape"): "the indices may come in any arrangement",
}


@pytest.mark.parametrize("name, kind", [(n, k) for n in ANSWERS for k in KINDS])
def test_wrong_answers_get_feedback_not_a_traceback(name, kind):
    if (name, kind) in NOT_WRONG:
        pytest.skip(NOT_WRONG[name, kind])
    right = ANSWERS[name][0]
    answer = wrong(kind, right)
    torch.manual_seed(0)
    result = CHECKS[name](answer)
    if kind == "in place" and not answer.mutated:
        pytest.skip("the answer has no tensor, list or module input to change")
    if not answer.applies:
        pytest.skip("an answer that builds a Value or a module has no values to change")
    assert not result.passed, f"{name} passes a wrong answer ({kind}): {result}"
    text = f"{result.message} {result.hint}"
    assert not NAMED[kind] or any(word in text for word in NAMED[kind]), \
        f"{name}: the feedback for a wrong answer ({kind}) does not name it: {result}"


# ---------------------------------------------------------------------------
# Convolution: float32 sums returned as float64, and the feedback on wrong values
# ---------------------------------------------------------------------------

def _convolve2d_float32_sums(image, kernel):
    """Right, but adds up in float32 (a float32 buffer) and returns float64."""
    kh, kw = kernel.shape
    out = torch.zeros(image.shape[0] - kh + 1, image.shape[1] - kw + 1)
    flipped = kernel.flip(0, 1).float()
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (image[i:i + kh, j:j + kw].float() * flipped).sum()
    return out.double()


def _conv2d_float32_sums(x, weight, stride, padding, dilation):
    out = F.conv2d(x.float(), weight.float(), stride=stride, padding=padding,
                   dilation=dilation)
    return out.double()


@pytest.mark.parametrize("name, answer", [
    ("convolution.check_convolve2d", _convolve2d_float32_sums),
    ("convolution.check_conv2d", _conv2d_float32_sums)])
def test_convolution_checks_accept_float32_sums_returned_as_float64(name, answer):
    result = CHECKS[name](answer)
    assert result.passed, result


@pytest.mark.parametrize("name, right", [
    ("convolution.check_convolve2d", convolve2d),
    ("convolution.check_conv2d", conv2d)])
def test_convolution_checks_give_no_size_hint_for_wrong_values(name, right):
    """Values off (for conv2d, only with several channels) get no hint about the shape."""
    def wrong(x, *args, **kwargs):
        return right(x, *args, **kwargs) + (0.1 if x.ndim == 2 or x.shape[1] > 1 else 0.0)

    result = CHECKS[name](wrong)
    assert not result.passed
    assert "wrong values" in result.message
    assert "H - kh + 1" not in result.hint and "C_out" not in result.hint, result
def test_check_skipgram_pairs_accepts_a_numpy_array_of_pairs():
    from dlbook.checks.word2vec import check_skipgram_pairs
    result = check_skipgram_pairs(lambda ids, window: np.array(skipgram_pairs(ids, window)))
    assert result.passed, result
