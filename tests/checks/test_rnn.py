"""The exercise checks of *Recurrent neural networks* pass right answers and diagnose
wrong ones."""

import pytest
import torch

from dlbook.checks.rnn import check_clip_grad_norm, check_gru_step


def clip_right(grads, max_norm):
    norm = torch.sqrt(sum((g ** 2).sum() for g in grads))
    return [g * min(1.0, max_norm / float(norm)) for g in grads]


@pytest.mark.parametrize("answer, words", [
    (clip_right, None),
    (lambda gs, m: [g * min(1.0, m / float(g.norm())) for g in gs], "own norm"),
    (lambda gs, m: [g.clamp(-m, m) for g in gs], "each value"),
    (lambda gs, m: [g * m / float(torch.sqrt(sum((h ** 2).sum() for h in gs)))
                    for g in gs], "already small"),
])
def test_clip_check(answer, words):
    result = check_clip_grad_norm(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in result.message


def gru(x, h, w_ih, w_hh, b_ih, b_hh, *, swap=False, no_reset=False, zrn=False,
        bias_outside=False):
    xr, xz, xn = (x @ w_ih.T + b_ih).chunk(3, 1)
    hr, hz, hn = (h @ w_hh.T + b_hh).chunk(3, 1)
    if zrn:                                       # blocks read in the wrong order
        xr, xz, hr, hz = xz, xr, hz, hr
    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
    b_hn = b_hh.chunk(3)[2]
    if bias_outside:
        n = torch.tanh(xn + r * (hn - b_hn) + b_hn)
    else:
        n = torch.tanh(xn + (hn if no_reset else r * hn))
    return z * n + (1 - z) * h if swap else (1 - z) * n + z * h


@pytest.mark.parametrize("answer, words", [
    (gru, None),
    (lambda *a: gru(*a, swap=True), "swap"),
    (lambda *a: gru(*a, no_reset=True), "leave the reset gate out"),
    (lambda *a: gru(*a, zrn=True), "order z, r, n"),
    (lambda *a: gru(*a, bias_outside=True), "b_hn outside the reset gate"),
])
def test_gru_check(answer, words):
    result = check_gru_step(answer)
    assert result.passed == (words is None), result
    if words:
        assert words in result.message
