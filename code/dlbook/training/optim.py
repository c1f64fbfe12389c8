"""Optimisers and learning-rate schedules written from scratch.

Each class has the interface of its ``torch.optim`` counterpart: it takes the
model's parameters (or a list of parameter groups, dicts with a ``"params"``
key), the same hyper-parameter names with the same defaults, and offers
``zero_grad()`` and ``step()``. The tests check that every optimiser here moves
the parameters along the same trajectory as ``torch.optim`` does. The
schedulers change ``param_groups[i]["lr"]``, so they drive the book's
optimisers and ``torch.optim``'s alike. Chapter: *Optimization*.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable

import torch

from .._args import check_bool, check_callable, check_float, check_int, check_sequence

ParamsT = Iterable[torch.Tensor] | Iterable[dict[str, Any]]


def _check_flag(name: str, value: Any) -> bool:
    return check_bool(name, value)


def _check_parameter(p: Any, seen: set[int]) -> None:
    """A parameter: a float leaf tensor that no other group (or entry) holds."""
    if not isinstance(p, torch.Tensor):
        raise TypeError(f"params must hold tensors, got {type(p).__name__}")
    if not p.is_floating_point():
        raise TypeError(f"params must be floating-point tensors (an integer tensor "
                        f"cannot take a gradient step), got {p.dtype}")
    if not p.is_leaf:
        raise ValueError("params must be leaf tensors (created, not computed from "
                         "others): a step would change a copy, never the original")
    if id(p) in seen:
        raise ValueError("params holds the same tensor twice (in two parameter groups?): "
                         "it would take two steps per step")
    seen.add(id(p))


def _check_betas(betas: Any) -> tuple[float, float]:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    return tuple(check_float(f"betas[{i}]", b, minimum=0.0, maximum=1.0, strict_max=True)
                 for i, b in enumerate(betas))  # type: ignore[return-value]


class Optimizer:
    """What every optimiser shares: parameter groups, per-parameter state, ``zero_grad``.

    ``param_groups`` is a list of dicts, each with its ``"params"`` and its own
    hyper-parameters (so that a scheduler can change ``"lr"``, or biases can go
    without weight decay). ``state[p]`` holds what the method remembers about
    parameter ``p`` between steps (a momentum buffer, moment estimates, a step
    count). Subclasses implement ``_check_group`` and ``_update``.
    Chapter: *Optimization*.
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]):
        if isinstance(params, torch.Tensor) or not isinstance(params, Iterable):
            raise TypeError("params must be an iterable of tensors or of dicts, got "
                            f"{type(params).__name__} (pass model.parameters() or [tensor])")
        params = list(params)
        if not params:
            raise ValueError("params is empty: the optimiser has nothing to update")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[torch.Tensor, dict[str, Any]] = {}
        seen: set[int] = set()
        for group in groups:
            if not isinstance(group, dict) or "params" not in group:
                raise TypeError("params must be all tensors or all dicts with a "
                                "'params' key")
            group = {**self.defaults, **group}
            group["params"] = list(group["params"])
            for p in group["params"]:
                _check_parameter(p, seen)
            self._check_group(group)
            self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError

    def _update(self, p: torch.Tensor, grad: torch.Tensor, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        raise NotImplementedError

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of the last backward pass (``None`` saves memory)."""
        set_to_none = check_bool("set_to_none", set_to_none)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.detach_().zero_()

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None):
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = None
        if closure is not None:
            check_callable("closure", closure)
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self._update(p, p.grad, self.state.setdefault(p, {}), group)
        return loss

    def __repr__(self) -> str:
        hyper = ", ".join(f"{k}={v}" for k, v in self.defaults.items())
        return f"{type(self).__name__}({hyper})"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum and weight decay.

    With momentum ``mu`` and dampening ``tau`` it keeps a velocity
    ``b <- mu * b + (1 - tau) * g`` (the first step sets ``b = g``) and moves
    ``p <- p - lr * b``; with ``nesterov=True`` it moves along
    ``g + mu * b`` instead, the gradient "looked ahead" by one momentum step.
    ``weight_decay`` adds ``weight_decay * p`` to the gradient (an L2 penalty).
    Chapter: *Optimization*.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0,
                 nesterov: bool = False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def _check_group(self, group: dict[str, Any]) -> None:
        group["lr"] = check_float("lr", group["lr"], minimum=0.0)
        # momentum >= 1 would let the velocity grow without bound.
        group["momentum"] = check_float("momentum", group["momentum"], minimum=0.0,
                                        maximum=1.0, strict_max=True)
        group["dampening"] = check_float("dampening", group["dampening"], minimum=0.0,
                                         maximum=1.0)
        group["weight_decay"] = check_float("weight_decay", group["weight_decay"],
                                            minimum=0.0)
        nesterov = _check_flag("nesterov", group["nesterov"])
        if nesterov and (group["momentum"] == 0 or group["dampening"] != 0):
            raise ValueError("nesterov=True needs momentum > 0 and dampening = 0, got "
                             f"momentum={group['momentum']}, "
                             f"dampening={group['dampening']}")

    def _update(self, p, grad, state, group):
        lr, mu = group["lr"], group["momentum"]
        if group["weight_decay"] != 0:
            grad = grad.add(p, alpha=group["weight_decay"])
        if mu != 0:
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = grad.clone()
            else:
                state["momentum_buffer"].mul_(mu).add_(grad, alpha=1 - group["dampening"])
            buf = state["momentum_buffer"]
            grad = grad.add(buf, alpha=mu) if group["nesterov"] else buf
        p.add_(grad, alpha=-lr)


class Adagrad(Optimizer):
    """AdaGrad: divide each coordinate's step by the root of its summed squared gradients.

    ``s <- s + g**2`` and ``p <- p - lr_t * g / (sqrt(s) + eps)`` with
    ``lr_t = lr / (1 + (t - 1) * lr_decay)``. Coordinates with large past
    gradients take small steps; the steps only ever shrink.
    Chapter: *Optimization*.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps))

    def _check_group(self, group):
        group["lr"] = check_float("lr", group["lr"], minimum=0.0)
        group["lr_decay"] = check_float("lr_decay", group["lr_decay"], minimum=0.0)
        group["weight_decay"] = check_float("weight_decay", group["weight_decay"],
                                            minimum=0.0)
        group["initial_accumulator_value"] = check_float(
            "initial_accumulator_value", group["initial_accumulator_value"], minimum=0.0)
        group["eps"] = check_float("eps", group["eps"], minimum=0.0, strict_min=True)

    def _update(self, p, grad, state, group):
        if not state:
            state["step"] = 0
            state["sum"] = torch.full_like(p, group["initial_accumulator_value"])
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad.add(p, alpha=group["weight_decay"])
        lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"].addcmul_(grad, grad)
        p.addcdiv_(grad, state["sum"].sqrt().add_(group["eps"]), value=-lr)


class RMSprop(Optimizer):
    """RMSprop: like AdaGrad, but an exponential moving average forgets old gradients.

    ``v <- alpha * v + (1 - alpha) * g**2`` and ``p <- p - lr * g / (sqrt(v) + eps)``.
    With ``centered=True`` it divides by an estimate of the gradient's standard
    deviation instead of its root mean square; with ``momentum`` it accumulates
    the scaled steps in a velocity, as ``SGD`` does. Chapter: *Optimization*.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps,
                                      weight_decay=weight_decay, momentum=momentum,
                                      centered=centered))

    def _check_group(self, group):
        group["lr"] = check_float("lr", group["lr"], minimum=0.0)
        # alpha = 1 would never update the average, and divide by eps for ever.
        group["alpha"] = check_float("alpha", group["alpha"], minimum=0.0, maximum=1.0,
                                     strict_max=True)
        group["eps"] = check_float("eps", group["eps"], minimum=0.0, strict_min=True)
        group["weight_decay"] = check_float("weight_decay", group["weight_decay"],
                                            minimum=0.0)
        group["momentum"] = check_float("momentum", group["momentum"], minimum=0.0,
                                        maximum=1.0, strict_max=True)
        _check_flag("centered", group["centered"])

    def _update(self, p, grad, state, group):
        alpha = group["alpha"]
        if not state:
            state["square_avg"] = torch.zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = torch.zeros_like(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = torch.zeros_like(p)
        if group["weight_decay"] != 0:
            grad = grad.add(p, alpha=group["weight_decay"])
        v = state["square_avg"]
        v.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        if group["centered"]:
            state["grad_avg"].lerp_(grad, 1 - alpha)
            avg = v.addcmul(state["grad_avg"], state["grad_avg"], value=-1).sqrt_()
        else:
            avg = v.sqrt()
        avg.add_(group["eps"])
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf.mul_(group["momentum"]).addcdiv_(grad, avg)
            p.add_(buf, alpha=-group["lr"])
        else:
            p.addcdiv_(grad, avg, value=-group["lr"])


def _check_minimal_adam(params: Any, lr: Any, betas: Any, eps: Any) -> tuple:
    """``MinimalAdam``'s arguments, checked: (list of parameters, lr, betas, eps)."""
    if isinstance(params, torch.Tensor) or not isinstance(params, Iterable):
        raise TypeError("params must be an iterable of tensors, got "
                        f"{type(params).__name__} (pass model.parameters() or [tensor])")
    params, seen = list(params), set()
    if not params:
        raise ValueError("params is empty: the optimiser has nothing to update")
    for p in params:
        _check_parameter(p, seen)
    return (params, check_float("lr", lr, minimum=0.0), _check_betas(betas),
            check_float("eps", eps, minimum=0.0, strict_min=True))


class MinimalAdam:
    """Adam in the lines of its equations: no options, no parameter groups.

    ``m <- b1 * m + (1 - b1) * g``, ``v <- b2 * v + (1 - b2) * g**2``, both
    divided by ``1 - b**t``, then ``p <- p - lr * m_hat / (sqrt(v_hat) + eps)``.
    Written to be read; ``Adam`` is the same method as ``torch.optim`` writes it,
    and the two agree to rounding error. Chapter: *Optimization*.
    """

    def __init__(self, params: Iterable[torch.Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.params, self.lr, (self.beta1, self.beta2), self.eps = _check_minimal_adam(
            params, lr, betas, eps)
        self.m = [torch.zeros_like(p) for p in self.params]  # m_0 = 0
        self.v = [torch.zeros_like(p) for p in self.params]  # v_0 = 0
        self.t = 0

    def zero_grad(self) -> None:
        """Forget the gradients of the last backward pass."""
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        """One Adam step for every parameter that has a gradient."""
        self.t += 1
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad
            self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * g
            self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * g**2
            m_hat = self.m[i] / (1 - self.beta1**self.t)
            v_hat = self.v[i] / (1 - self.beta2**self.t)
            p -= self.lr * m_hat / (v_hat.sqrt() + self.eps)


class Adam(Optimizer):
    """Adam: momentum on the gradient and RMSprop's scaling, both bias-corrected.

    ``m <- b1 * m + (1 - b1) * g`` and ``v <- b2 * v + (1 - b2) * g**2`` start
    at zero, so they are divided by ``1 - b1**t`` and ``1 - b2**t`` before the
    step ``p <- p - lr * m_hat / (sqrt(v_hat) + eps)``. ``weight_decay`` adds an
    L2 penalty's gradient, or, with ``decoupled_weight_decay=True`` (AdamW),
    shrinks the weights directly: ``p <- p * (1 - lr * weight_decay)``.
    ``amsgrad`` uses the largest ``v_hat`` seen so far. Chapter: *Optimization*.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *,
                 decoupled_weight_decay: bool = False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _check_group(self, group):
        group["lr"] = check_float("lr", group["lr"], minimum=0.0)
        group["betas"] = _check_betas(group["betas"])
        group["eps"] = check_float("eps", group["eps"], minimum=0.0, strict_min=True)
        group["weight_decay"] = check_float("weight_decay", group["weight_decay"],
                                            minimum=0.0)
        _check_flag("amsgrad", group["amsgrad"])
        _check_flag("decoupled_weight_decay", group["decoupled_weight_decay"])

    def _update(self, p, grad, state, group):
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = torch.zeros_like(p)
            state["exp_avg_sq"] = torch.zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = torch.zeros_like(p)
        state["step"] += 1
        t = state["step"]
        if wd != 0:
            if group["decoupled_weight_decay"]:
                p.mul_(1 - lr * wd)
            else:
                grad = grad.add(p, alpha=wd)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m.lerp_(grad, 1 - beta1)
        v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        if group["amsgrad"]:
            torch.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        # Both averages start at zero: dividing by 1 - beta**t removes that bias.
        # The step is lr * m_hat / (sqrt(v_hat) + eps), computed in the order
        # torch.optim uses, so that the two agree to the last bit.
        bias1, bias2 = 1 - beta1 ** t, 1 - beta2 ** t
        denom = (v.sqrt() / bias2 ** 0.5).add_(group["eps"])
        p.addcdiv_(m, denom, value=-lr / bias1)


class AdamW(Adam):
    """Adam with decoupled weight decay (default ``weight_decay=1e-2``).

    The decay shrinks every weight by the same factor ``1 - lr * weight_decay``,
    rather than passing through Adam's per-coordinate scaling as an L2
    penalty's gradient would. Chapter: *Optimization*.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, decoupled_weight_decay=True)


class LRScheduler:
    """Set each parameter group's learning rate from a formula of the step count.

    On creation it records every group's ``initial_lr`` and applies the rate of
    step 0; each ``step()`` then advances ``last_epoch`` by one and applies its
    rate. Subclasses implement ``lr_at(step, base_lr)`` in closed form.
    Works with the book's optimisers and with ``torch.optim`` ones.
    Chapter: *Optimization*.
    """

    def __init__(self, optimizer: Any):
        if not hasattr(optimizer, "param_groups"):
            raise TypeError("optimizer must have param_groups (a dlbook.training.optim or "
                            f"torch.optim optimiser), got {type(optimizer).__name__}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def lr_at(self, step: int, base_lr: float) -> float:
        raise NotImplementedError

    def step(self) -> None:
        """Advance one step (an epoch or a minibatch) and set the new rates."""
        self.last_epoch += 1
        for group, base_lr in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.lr_at(self.last_epoch, base_lr)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rate of each group, as set by the last ``step()``."""
        return list(self._last_lr)


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` steps.

    ``lr_t = lr_0 * gamma ** (t // step_size)``. Chapter: *Optimization*.
    """

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1):
        self.step_size = check_int("step_size", step_size, minimum=1)
        self.gamma = check_float("gamma", gamma, minimum=0.0, strict_min=True)
        super().__init__(optimizer)

    def lr_at(self, step: int, base_lr: float) -> float:
        return base_lr * self.gamma ** (step // self.step_size)


def cosine_factor(progress: float) -> float:
    """Half a cosine from 1 at ``progress = 0`` down to 0 at ``progress = 1``.

    Chapter: *Optimization*.
    """
    return 0.5 * (1.0 + math.cos(math.pi * check_float("progress", progress)))


class CosineAnnealingLR(LRScheduler):
    """Anneal the learning rate from ``lr_0`` to ``eta_min`` along half a cosine.

    ``lr_t = eta_min + (lr_0 - eta_min) * (1 + cos(pi * t / T_max)) / 2``
    (Loshchilov and Hutter's SGDR without restarts). Chapter: *Optimization*.
    """

    def __init__(self, optimizer: Any, T_max: int, eta_min: float = 0.0):
        self.T_max = check_int("T_max", T_max, minimum=1)
        self.eta_min = check_float("eta_min", eta_min, minimum=0.0)
        super().__init__(optimizer)

    def lr_at(self, step: int, base_lr: float) -> float:
        return self.eta_min + (base_lr - self.eta_min) * cosine_factor(step / self.T_max)


class WarmupCosineLR(LRScheduler):
    """Linear warm-up for ``warmup_steps``, then cosine annealing until ``total_steps``.

    The rate rises linearly from ``start_factor * lr_0`` at step 0 to ``lr_0``
    at step ``warmup_steps``, then follows half a cosine down to ``eta_min`` at
    ``total_steps``, and stays there. Chapter: *Optimization*.
    """

    def __init__(self, optimizer: Any, warmup_steps: int, total_steps: int,
                 start_factor: float = 0.1, eta_min: float = 0.0):
        self.warmup_steps = check_int("warmup_steps", warmup_steps, minimum=0)
        self.total_steps = check_int("total_steps", total_steps,
                                     minimum=self.warmup_steps + 1)
        self.start_factor = check_float("start_factor", start_factor, minimum=0.0,
                                        maximum=1.0)
        self.eta_min = check_float("eta_min", eta_min, minimum=0.0)
        super().__init__(optimizer)

    def lr_at(self, step: int, base_lr: float) -> float:
        if step < self.warmup_steps:
            s = self.start_factor
            return base_lr * (s + (1 - s) * step / self.warmup_steps)
        progress = min(1.0, (step - self.warmup_steps) / (self.total_steps
                                                          - self.warmup_steps))
        return self.eta_min + (base_lr - self.eta_min) * cosine_factor(progress)


def trajectory(loss_fn: Callable[[torch.Tensor], torch.Tensor], start: Iterable[float],
               make_optimizer: Callable[[list[torch.Tensor]], Any], steps: int
               ) -> torch.Tensor:
    """The points an optimiser visits while minimising ``loss_fn`` from ``start``.

    ``loss_fn`` maps a 1-d tensor of parameters to a scalar, and
    ``make_optimizer`` builds an optimiser from a list of parameters, for
    example ``lambda p: Adam(p, lr=0.1)``. Returns a ``(steps + 1, d)`` float64
    tensor whose first row is ``start``. Chapter: *Optimization*.
    """
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    if not callable(make_optimizer):
        raise TypeError("make_optimizer must be callable, got "
                        f"{type(make_optimizer).__name__}")
    steps = check_int("steps", steps, minimum=0)
    start = [check_float("start", v) for v in check_sequence("start", start)]
    x = torch.tensor(start, dtype=torch.float64).requires_grad_(True)
    optimizer = make_optimizer([x])
    points = [x.detach().clone()]
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(x)
        if loss.ndim != 0:
            raise ValueError(f"loss_fn must return a scalar, got shape {tuple(loss.shape)}")
        loss.backward()
        optimizer.step()
        points.append(x.detach().clone())
    return torch.stack(points)
