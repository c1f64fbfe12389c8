"""Checks for the code exercises of the chapter *Variational autoencoders*: the
Gaussian KL divergence and the reparameterised sample. Each names the usual slip
(a log-variance read as a log standard deviation, a mean where a sum belongs, a
detached sample) without printing the expected values.
"""

from __future__ import annotations

from typing import Callable

import torch

from . import CheckResult, as_tensor, call_answer, close, compare_tensors, failed, \
    named_mistake, passed, require_callable


def _gaussian_rows(rows: int, dims: int, *seeds: int) -> list[torch.Tensor]:
    """Float64 standard-normal matrices, one per seed: means, log-variances, noise."""
    return [torch.randn(rows, dims, dtype=torch.float64,
                        generator=torch.Generator().manual_seed(seed)) for seed in seeds]


def check_gaussian_kl(fn: Callable) -> CheckResult:
    """Check ``fn(mu, logvar)``: the KL divergence from ``N(mu, diag exp(logvar))`` to
    ``N(0, I)``, one value per row. Chapter: *Variational autoencoders*.
    """
    name = "gaussian_kl"
    require_callable("fn", fn)
    mu, logvar = _gaussian_rows(6, 4, 0, 1)
    got, problem = call_answer(name, fn, mu.clone(), logvar.clone())
    if problem is not None:
        return problem
    terms = mu ** 2 + logvar.exp() - logvar - 1
    got_t = as_tensor(got)
    variants = {
        "you read logvar as the log of the standard deviation":
            (0.5 * (mu ** 2 + (2 * logvar).exp() - 2 * logvar - 1).sum(-1),
             "logvar is log(sigma^2): the variance is exp(logvar)."),
        "you leave out the -1":
            (0.5 * (terms + 1).sum(-1), "the KL is zero at mu = 0, logvar = 0; check "
             "that yours is."),
        "the log-variance term has the wrong sign":
            (0.5 * (mu ** 2 + logvar.exp() + logvar - 1).sum(-1),
             "KL = 1/2 sum(mu^2 + sigma^2 - log sigma^2 - 1)."),
        "you average over the code's coordinates":
            (0.5 * terms.mean(-1), "the coordinates are independent, so their KLs add: "
             "sum over the last dimension."),
        "you leave out the factor 1/2":
            (terms.sum(-1), "each coordinate contributes half of (mu^2 + sigma^2 - "
             "log sigma^2 - 1)."),
    }
    if isinstance(got_t, torch.Tensor) and got_t.shape == (6,):
        problem = named_mistake(name, got_t, variants, atol=1e-9)
        if problem is not None:
            return problem
    if isinstance(got_t, torch.Tensor) and got_t.numel() == 1:
        return failed(name, "you return one number for the whole batch",
                      "return one KL per row: sum over the last dimension only.")
    problem = compare_tensors(name, got, 0.5 * terms.sum(-1), atol=1e-9,
                              what="the KL of each row")
    if problem is not None:
        return problem
    return passed(name, "one KL per row, as torch.distributions computes it.")


def check_reparameterize(fn: Callable) -> CheckResult:
    """Check ``fn(mu, logvar, eps)``: the sample ``mu + exp(logvar / 2) * eps``, with
    gradients flowing to ``mu`` and ``logvar``. Chapter: *Variational autoencoders*.
    """
    name = "reparameterize"
    require_callable("fn", fn)
    mu, logvar, eps, probe = _gaussian_rows(5, 3, 0, 1, 2, 3)
    mu.requires_grad_()
    logvar.requires_grad_()
    got, problem = call_answer(name, fn, mu, logvar, eps.clone())
    if problem is not None:
        return problem
    want = mu + torch.exp(0.5 * logvar) * eps
    got_t = as_tensor(got)
    if isinstance(got_t, torch.Tensor) and got_t.shape == want.shape:
        variants = {
            "you multiply eps by the variance exp(logvar)":
                (mu + logvar.exp() * eps, "the standard deviation is exp(logvar / 2)."),
            "you multiply eps by logvar itself":
                (mu + logvar * eps, "turn the log-variance into a standard deviation: "
                 "exp(logvar / 2)."),
            "you leave out mu": (torch.exp(0.5 * logvar) * eps, "the sample is centred "
                                 "on mu: mu + sigma * eps."),
        }
        problem = named_mistake(name, got_t, {m: (v.detach(), h) for m, (v, h) in
                                              variants.items()}, atol=1e-9)
        if problem is not None:
            return problem
    problem = compare_tensors(name, got, want.detach(), atol=1e-9, what="the sample")
    if problem is not None:
        return problem
    if not got_t.requires_grad:
        return failed(name, "your sample has no gradient: it was detached, converted to "
                      "NumPy or computed under torch.no_grad()",
                      "compute it from mu and logvar with torch operations.")
    grads = torch.autograd.grad((probe * got_t.to(probe.dtype)).sum(), [mu, logvar],
                                allow_unused=True)
    wants = (probe, probe * 0.5 * torch.exp(0.5 * logvar.detach()) * eps)
    for what, g, w in (("mu", grads[0], wants[0]), ("logvar", grads[1], wants[1])):
        if g is None or not close(g, w, atol=1e-6, rtol=1e-4):
            return failed(name, f"the gradient with respect to {what} is wrong or missing",
                          "build the sample from mu and logvar themselves, not from "
                          "detached copies.")
    return passed(name, "the sample and its gradients are right.")
