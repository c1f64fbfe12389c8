"""Checks for the code exercises of the chapter *Optimization*.

Each check runs your function on small inputs chosen to expose the usual
mistakes (the parameter moved before the velocity, a missing bias correction,
an off-by-one in the step count, ``eps`` in the wrong place, inputs changed in
place, integer division in a schedule) and says what is wrong, without showing
the answer::

    from dlbook.checks.optimization import check_momentum_step
    check_momentum_step(momentum_step)
"""

from __future__ import annotations

import math
from typing import Callable

import torch

from . import (CheckResult, as_number, call_answer, close, compare_tensors, failed, passed,
               require_callable, tolerances)


def _close(got, want, atol: float = 1e-9) -> bool:
    return close(got, want, atol=atol, rtol=1e-6)


def _triple_or_pair(name: str, out, names: tuple[str, ...]) -> CheckResult | None:
    if not (isinstance(out, (tuple, list)) and len(out) == len(names)):
        return failed(name, f"your function should return {len(names)} tensors "
                      f"({', '.join(names)}), got {type(out).__name__}"
                      + (f" of length {len(out)}" if isinstance(out, (tuple, list))
                         else ""),
                      "end with: return " + ", ".join(names))
    return None


def _state(seed: int, shape=(3, 4)):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(shape, generator=g, dtype=torch.float64) for _ in range(4)]


# ---- momentum ---------------------------------------------------------------

def _momentum_candidates(p, g, b, lr, mu):
    """The right step and its usual misreadings: kind -> (param, velocity)."""
    right_b = mu * b + g
    return {
        "right": (p - lr * right_b, right_b),
        "old_velocity": (p - lr * b, right_b),
        "damped": (p - lr * (mu * b + (1 - mu) * g), mu * b + (1 - mu) * g),
        "lr_inside": (p + mu * b - lr * g, mu * b - lr * g),
        "uphill": (p + lr * right_b, right_b),
        "no_momentum": (p - lr * g, g),
    }


MOMENTUM_ADVICE = {
    "old_velocity": ("the parameter moved with the old velocity: update the velocity "
                     "first, then move the parameter with the new one",
                     "the gradient of this step should already affect this step's move."),
    "damped": ("your velocity averages the gradient with weight (1 - momentum): that is "
               "SGD with dampening = momentum, not the heavy ball of the chapter",
               "add the whole gradient to momentum * velocity."),
    "lr_inside": ("your velocity includes the learning rate (b = mu b - lr g, p = p + b); "
                  "that moves the same way only while lr is constant, and the exercise "
                  "uses torch.optim's convention",
                  "keep lr out of the velocity and multiply it in when you move the "
                  "parameter."),
    "uphill": ("the parameter moved uphill, along +velocity",
               "gradient descent subtracts lr times the velocity."),
    "no_momentum": ("your step ignores the old velocity: this is plain SGD",
                    "the new velocity is momentum times the old one plus the gradient."),
}


def check_momentum_step(fn: Callable) -> CheckResult:
    """Check ``fn(param, grad, velocity, lr, momentum) -> (param, velocity)``.

    One step of SGD with (heavy-ball) momentum in ``torch.optim.SGD``'s
    convention, returning new tensors and leaving its inputs unchanged.
    """
    name = "momentum_step"
    require_callable("fn", fn)
    for seed, lr, mu in ((0, 0.1, 0.9), (1, 0.05, 0.5)):
        p, g, b, _ = _state(seed)
        out, problem = call_answer(name, fn, p.clone(), g.clone(), b.clone(), lr, mu)
        if problem is not None:
            return problem
        problem = _triple_or_pair(name, out, ("param", "velocity"))
        if problem is not None:
            return problem
        got_p, got_b = out
        candidates = _momentum_candidates(p, g, b, lr, mu)
        want_p, want_b = candidates.pop("right")
        if _close(got_p, want_p) and _close(got_b, want_b):
            continue
        for kind, (cp, cb) in candidates.items():
            if _close(got_p, cp) and _close(got_b, cb):
                return failed(name, *MOMENTUM_ADVICE[kind])
        for got_x, want_x, what in ((got_b, want_b, "the velocity"),
                                    (got_p, want_p, "the parameter")):
            problem = compare_tensors(name, got_x, want_x, atol=1e-9, what=what)
            if problem is not None:
                return problem
        return failed(name, "the result is wrong")
    # From rest, the first step must be a plain gradient step.
    p, g, _, _ = _state(2)
    out, problem = call_answer(name, fn, p.clone(), g.clone(), torch.zeros_like(p),
                               0.1, 0.9)
    if problem is not None:
        return problem
    if (_triple_or_pair(name, out, ("param", "velocity")) is not None
            or not _close(out[0], p - 0.1 * g)):
        return failed(name, "starting from zero velocity, the first step should be a "
                      "plain gradient step", "check the case velocity = 0 by hand.")
    return passed(name, "the velocity and the parameter follow the heavy-ball update.")


# ---- Adam -------------------------------------------------------------------

def _adam(p, g, m, v, t, lr, b1, b2, eps, *, correct_m=True, correct_v=True, t_shift=0,
          eps_inside=False, swap=False, store_hat=False, square=True):
    m2 = (b1 * g + (1 - b1) * m) if swap else (b1 * m + (1 - b1) * g)
    g2 = g * g if square else g.abs()
    v2 = (b2 * g2 + (1 - b2) * v) if swap else (b2 * v + (1 - b2) * g2)
    tt = t + t_shift
    m_hat = m2 / (1 - b1 ** tt) if correct_m else m2
    v_hat = v2 / (1 - b2 ** tt) if correct_v else v2
    denom = (v_hat + eps).sqrt() if eps_inside else v_hat.sqrt() + eps
    p2 = p - lr * m_hat / denom
    if store_hat:
        return p2, m_hat, v_hat
    return p2, m2, v2


ADAM_ADVICE = {
    "no_correction": ("no bias correction: early steps are too small or too large",
                      "both averages start at zero; divide each by (1 - beta**t)."),
    "only_m": ("you corrected m but not v",
               "v starts at zero too and needs its own factor 1 - beta2**t."),
    "only_v": ("you corrected v but not m",
               "m starts at zero too and needs its own factor 1 - beta1**t."),
    "t_minus": ("your bias correction is one step behind (it uses t - 1)",
                "t counts steps from 1, and the first step already uses t = 1."),
    "t_plus": ("your bias correction is one step ahead (it uses t + 1)",
               "t is the number of the step being taken, starting at 1: use it as "
               "given."),
    "eps_inside": ("eps is inside the square root",
                   "the chapter adds eps to the square root of v_hat."),
    "swap": ("the averages weight the new gradient by beta instead of (1 - beta)",
             "a moving average keeps beta of the old value and adds (1 - beta) of the "
             "new one."),
    "store_hat": ("the moments you return are bias-corrected: the state must hold the "
                  "raw averages m and v",
                  "correct copies for the step, and return m and v themselves."),
    "abs": ("v averages |g| instead of g squared", "the second moment is g * g."),
}


def check_adam_step(fn: Callable) -> CheckResult:
    """Check ``fn(param, grad, m, v, t, lr, beta1, beta2, eps) -> (param, m, v)``.

    One Adam step with bias correction; ``t`` is the number of this step,
    starting at 1. New tensors are returned and the inputs are left unchanged.
    """
    name = "adam_step"
    require_callable("fn", fn)
    cases = [  # (seed, t, fresh state, lr, beta1, beta2, eps)
        (0, 1, True, 1e-2, 0.9, 0.999, 1e-8),
        (1, 3, False, 1e-2, 0.9, 0.999, 1e-8),
        (2, 2, False, 1e-1, 0.8, 0.99, 0.3),
        (3, 1000, False, 1e-2, 0.9, 0.999, 1e-8),
    ]
    for seed, t, fresh, lr, b1, b2, eps in cases:
        p, g, m, v = _state(seed)
        v = v * v  # a second moment is never negative
        if fresh:
            m, v = torch.zeros_like(p), torch.zeros_like(p)
        out, problem = call_answer(name, fn, p.clone(), g.clone(), m.clone(), v.clone(), t,
                                   lr=lr, beta1=b1, beta2=b2, eps=eps)
        if problem is not None:
            if t == 1 and isinstance(problem.message, str) and "ZeroDivision" in \
                    problem.message:
                return failed(name, "at t = 1 your function divides by zero",
                              *ADAM_ADVICE["t_minus"][1:])
            return problem
        problem = _triple_or_pair(name, out, ("param", "m", "v"))
        if problem is not None:
            return problem
        got = out
        args = (p, g, m, v, t, lr, b1, b2, eps)
        want = _adam(*args)
        if all(_close(a, b) for a, b in zip(got, want)):
            continue
        if any(isinstance(a, torch.Tensor) and not torch.isfinite(a).all() for a in got):
            return failed(name, f"your result has inf or NaN at t = {t}",
                          "1 - beta**t is zero only if t = 0; t starts at 1.")
        wrong = {
            "no_correction": dict(correct_m=False, correct_v=False),
            "only_m": dict(correct_v=False),
            "only_v": dict(correct_m=False),
            "t_minus": dict(t_shift=-1),
            "t_plus": dict(t_shift=1),
            "eps_inside": dict(eps_inside=True),
            "swap": dict(swap=True),
            "store_hat": dict(store_hat=True),
            "abs": dict(square=False),
        }
        for kind, options in wrong.items():
            if kind == "t_minus" and t == 1:
                continue
            candidate = _adam(*args, **options)
            if all(_close(a, b) for a, b in zip(got, candidate)):
                return failed(name, f"{ADAM_ADVICE[kind][0]} (seen at t = {t})",
                              ADAM_ADVICE[kind][1])
        for what, a, b in zip(("m", "v", "the parameter"), got[1:] + got[:1],
                              want[1:] + want[:1]):
            problem = compare_tensors(name, a, b, atol=1e-9, what=f"{what} (t = {t})")
            if problem is not None:
                return problem
        return failed(name, f"the result is wrong at t = {t}")
    return passed(name, "moments, bias correction and step all agree with Adam.")


# ---- warm-up then linear decay ----------------------------------------------

def _warmup_linear(step: int, warmup: int, total: int) -> float:
    if step < warmup:
        return step / warmup
    return max(0.0, (total - step) / (total - warmup))


def check_warmup_linear(fn: Callable) -> CheckResult:
    """Check ``fn(step, warmup_steps, total_steps) -> float``: a LambdaLR factor.

    The factor rises linearly from 0 at step 0 to 1 at ``warmup_steps``, then
    falls linearly to 0 at ``total_steps`` and stays 0 after.
    """
    name = "warmup_linear"
    require_callable("fn", fn)
    for warmup, total in ((10, 50), (4, 9), (0, 20), (1, 2)):
        for step in sorted({0, 1, warmup // 2, max(warmup - 1, 0), warmup, warmup + 1,
                            (warmup + total) // 2, total - 1, total, total + 3,
                            2 * total}):
            want = _warmup_linear(step, warmup, total)
            got, problem = call_answer(name, fn, step, warmup, total)
            if problem is not None:
                if warmup == 0 and "ZeroDivision" in problem.message:
                    return failed(name, "with warmup_steps = 0 your function divides by "
                                  "zero", "without warm-up the factor starts at 1: test "
                                  "step < warmup_steps before dividing by it.")
                return problem
            tol = tolerances(got, 1e-9, 0.0)[0]  # a float32 factor holds fewer digits
            if as_number(got) is None:
                return failed(name, f"your function should return a number, got "
                              f"{type(got).__name__}", "return a Python float.")
            got = as_number(got)
            if math.isclose(got, want, abs_tol=tol):
                continue
            where = f"(step={step}, warmup_steps={warmup}, total_steps={total})"
            if step < warmup and got == int(got) and want != int(want):
                return failed(name, f"the warm-up factor is a whole number {where}",
                              "use true division /, not floor division //.")
            if step < warmup and math.isclose(got, (step + 1) / warmup, abs_tol=1e-9):
                return failed(name, f"the warm-up is one step ahead {where}",
                              "at step 0 the factor is 0, and it reaches 1 exactly at "
                              "step warmup_steps.")
            if step > total and got < 0:
                return failed(name, f"the factor is negative after the end {where}",
                              "after total_steps the factor stays at 0: clamp it.")
            if step >= warmup and math.isclose(got, (total - step) / total, abs_tol=1e-9):
                return failed(name, f"the decay reaches 0 too late {where}",
                              "the decay lasts total_steps - warmup_steps steps.")
            return failed(name, f"the factor is wrong {where}",
                          "draw the factor against the step: a ramp up, a ramp down, "
                          "then zero.")
    return passed(name, "the factor ramps up, decays to zero and stays there.")
