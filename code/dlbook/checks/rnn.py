"""Checks for the code exercises of the chapter *Recurrent neural networks*.

Each check runs the reader's function on inputs built to expose one typical
mistake at a time, without printing the expected values.
"""

from __future__ import annotations

from typing import Callable

import torch

from . import CheckResult, as_tensor, call_answer, close, compare_tensors, failed, \
    named_mistake, passed, require_callable


def _randn(*shape: int, seed: int) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed),
                       dtype=torch.float64)


def check_clip_grad_norm(fn: Callable[[list, float], list]) -> CheckResult:
    """Check ``fn(grads, max_norm)``: the gradients (a list of tensors) scaled
    together so that their global norm is at most ``max_norm``, as new tensors.
    Chapter: *Recurrent neural networks*.
    """
    name = "clip_grad_norm"
    require_callable("fn", fn)
    big = [_randn(3, 4, seed=0) * 10, _randn(5, seed=1) * 10]
    small = [_randn(2, 2, seed=2) * 0.01, _randn(3, seed=3) * 0.01]
    for what, grads, max_norm in (("gradients of global norm about 40", big, 1.0),
                                  ("gradients of global norm about 0.03", small, 1.0),
                                  ("gradients of global norm about 40, max_norm 5", big, 5.0)):
        got, problem = call_answer(name, fn, [g.clone() for g in grads], max_norm)
        if problem is not None:
            return problem
        if not isinstance(got, (list, tuple)) or len(got) != len(grads):
            return failed(name, f"return a list of {len(grads)} tensors, one per gradient, "
                          f"got {type(got).__name__}", "keep the gradients' list and order.")
        norm = torch.sqrt(sum((g ** 2).sum() for g in grads))
        scale = min(1.0, max_norm / float(norm))
        for i, (g, want) in enumerate(zip(got, grads)):
            g = as_tensor(g)
            if isinstance(g, torch.Tensor) and g.shape == want.shape and scale < 1:
                own = want * min(1.0, max_norm / float(want.norm()))
                if close(g, own, atol=1e-9):
                    return failed(name, f"on {what} you clip each gradient by its own "
                                  "norm", "the norm is global: the square root of the sum "
                                  "of squares over all the tensors together.")
                if close(g, want.clamp(-max_norm, max_norm), atol=1e-9):
                    return failed(name, f"on {what} you clip each value",
                                  "scale every tensor by the same factor, which keeps "
                                  "the gradient's direction.")
            if isinstance(g, torch.Tensor) and g.shape == want.shape and scale == 1 and \
                    not close(g, want, atol=1e-12):
                return failed(name, f"on {what} you change gradients that are already "
                              "small enough", "only scale when the norm exceeds max_norm.")
            problem = compare_tensors(name, g, want * scale, atol=1e-9,
                                      what=f"gradient {i} on {what}")
            if problem is not None:
                return problem
    return passed(name, "one global norm, the direction kept, small gradients untouched.")


def check_gru_step(fn: Callable) -> CheckResult:
    """Check ``fn(x, h, weight_ih, weight_hh, bias_ih, bias_hh)``: one step of a GRU
    with PyTorch's weight layout (blocks r, z, n), returning the next hidden state.
    Chapter: *Recurrent neural networks*.
    """
    name = "gru_step"
    require_callable("fn", fn)
    cell = torch.nn.GRUCell(3, 4).double()
    with torch.no_grad():
        for seed, p in enumerate(cell.parameters()):     # the two biases differ
            p.copy_(_randn(*p.shape, seed=seed))
    x, h = _randn(5, 3, seed=10), _randn(5, 4, seed=11)
    args = (x, h, cell.weight_ih.detach(), cell.weight_hh.detach(), cell.bias_ih.detach(),
            cell.bias_hh.detach())
    got, problem = call_answer(name, fn, *(a.clone() for a in args))
    if problem is not None:
        return problem
    want = cell(x, h).detach()
    got_t = as_tensor(got)
    if isinstance(got_t, torch.Tensor) and got_t.shape == want.shape:
        w_ih, w_hh, b_ih, b_hh = args[2:]
        xr, xz, xn = (x @ w_ih.T + b_ih).chunk(3, 1)
        hr, hz, hn = (h @ w_hh.T + b_hh).chunk(3, 1)
        r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
        n_inside = torch.tanh(xn + (r * h) @ w_hh[8:].T + b_hh[8:])
        variants = {
            "you swap the roles of z and 1 - z":
                (z * torch.tanh(xn + r * hn) + (1 - z) * h,
                 "PyTorch keeps the old state with weight z: h' = (1 - z) * n + z * h."),
            "you apply the reset gate before the matrix (Cho et al.'s original form)":
                ((1 - z) * n_inside + z * h,
                 "PyTorch multiplies r with (W_hn h + b_hn), after the matrix."),
            "you read the blocks in the order z, r, n":
                ((1 - r) * torch.tanh(xn + z * hn) + r * h,
                 "PyTorch's rows hold the blocks of r, z and n, in that order."),
            "you add b_hn outside the reset gate":
                ((1 - z) * torch.tanh(xn + r * (hn - b_hh[8:]) + b_hh[8:]) + z * h,
                 "PyTorch multiplies r with (W_hn h + b_hn), bias included."),
            "you leave the reset gate out":
                ((1 - z) * torch.tanh(xn + hn) + z * h,
                 "the candidate n sees r * (W_hn h + b_hn)."),
        }
        problem = named_mistake(name, got_t, variants, atol=1e-9)
        if problem is not None:
            return problem
    problem = compare_tensors(name, got, want, atol=1e-9, what="the next hidden state")
    if problem is not None:
        return problem
    return passed(name, "your GRU step matches torch.nn.GRUCell.")
