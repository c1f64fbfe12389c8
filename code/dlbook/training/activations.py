"""Activation functions and their derivatives, written from scratch.

Every activation comes as a pair of plain functions, the function and its
derivative (``relu`` and ``relu_grad``, ...), and as an ``nn.Module``
(``ReLU``, ...). The modules compute their backward pass with the derivative
written here, through a small ``torch.autograd.Function``, so that the formula
in the chapter *is* the gradient the network trains with. The tests check
values and gradients against ``torch.nn.functional``. Chapter: *Activations
and initialisation*.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Callable

import torch
from torch import nn

from .._args import check_choice, check_float, check_tensor

Pointwise = Callable[[torch.Tensor], torch.Tensor]


def _x(x: torch.Tensor) -> torch.Tensor:
    return check_tensor("x", x, floating=True)


# --- the functions and their derivatives -------------------------------------------

def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """The logistic function ``1 / (1 + exp(-x))``, computed without overflow.

    Chapter: *Activations and initialisation*.
    """
    x = _x(x)
    # exp(-|x|) is at most 1, so neither branch can overflow.
    e = torch.exp(-x.abs())
    return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(x: torch.Tensor) -> torch.Tensor:
    """Derivative of the sigmoid: ``s (1 - s)`` with ``s = sigmoid(x)``.

    Chapter: *Activations and initialisation*.
    """
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x: torch.Tensor) -> torch.Tensor:
    """The hyperbolic tangent, ``(e^x - e^-x) / (e^x + e^-x)``, computed stably.

    Chapter: *Activations and initialisation*.
    """
    x = _x(x)
    # tanh is odd: compute it for |x| with exp(-2|x|) <= 1, and expm1 keeps the
    # relative precision for tiny |x|, where 1 - exp(-2|x|) would cancel.
    e = torch.exp(-2 * x.abs())
    return torch.sign(x) * (-torch.expm1(-2 * x.abs())) / (1 + e)


def tanh_grad(x: torch.Tensor) -> torch.Tensor:
    """Derivative of tanh: ``1 - tanh(x)^2``. Chapter: *Activations and initialisation*."""
    return 1 - tanh(x) ** 2


def relu(x: torch.Tensor) -> torch.Tensor:
    """The rectified linear unit ``max(x, 0)``. Chapter: *Activations and initialisation*."""
    x = _x(x)
    # x <= 0 rather than x > 0 selects the zeros, so that a NaN stays NaN.
    return torch.where(x <= 0, torch.zeros_like(x), x)


def relu_grad(x: torch.Tensor) -> torch.Tensor:
    """Derivative of ReLU: 1 where ``x > 0``, else 0 (PyTorch's choice at 0 too).

    Chapter: *Activations and initialisation*.
    """
    x = _x(x)
    return (x > 0).to(x.dtype)


def _slope(negative_slope: float) -> float:
    return check_float("negative_slope", negative_slope)


def leaky_relu(x: torch.Tensor, negative_slope: float = 0.01) -> torch.Tensor:
    """``x`` for positive inputs, ``negative_slope * x`` otherwise.

    Chapter: *Activations and initialisation*.
    """
    x, a = _x(x), _slope(negative_slope)
    return torch.where(x > 0, x, a * x)


def leaky_relu_grad(x: torch.Tensor, negative_slope: float = 0.01) -> torch.Tensor:
    """Derivative of leaky ReLU: 1 where ``x > 0``, else ``negative_slope``.

    Chapter: *Activations and initialisation*.
    """
    x, a = _x(x), _slope(negative_slope)
    return torch.where(x > 0, torch.ones_like(x), torch.full_like(x, a))


def _alpha(alpha: float) -> float:
    return check_float("alpha", alpha, minimum=0.0)


def elu(x: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
    """The exponential linear unit: ``x`` if ``x > 0``, else ``alpha (e^x - 1)``.

    Chapter: *Activations and initialisation*.
    """
    x, alpha = _x(x), _alpha(alpha)
    # clamp keeps exp() finite in the branch torch.where throws away.
    return torch.where(x > 0, x, alpha * torch.expm1(x.clamp(max=0)))


def elu_grad(x: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
    """Derivative of ELU: 1 if ``x > 0``, else ``alpha e^x``.

    Chapter: *Activations and initialisation*.
    """
    x, alpha = _x(x), _alpha(alpha)
    return torch.where(x > 0, torch.ones_like(x), alpha * torch.exp(x.clamp(max=0)))


GELU_APPROXIMATIONS = ("none", "tanh")
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_GELU_CUBIC = 0.044715


def _normal_cdf(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * (1 + torch.erf(x / math.sqrt(2)))


def _normal_pdf(x: torch.Tensor) -> torch.Tensor:
    return torch.exp(-0.5 * x ** 2) / math.sqrt(2 * math.pi)


def gelu(x: torch.Tensor, approximate: str = "none") -> torch.Tensor:
    """The Gaussian error linear unit ``x * Phi(x)``, Phi the standard normal CDF.

    ``approximate="tanh"`` uses the tanh formula of Hendrycks and Gimpel, which
    was cheaper before fast ``erf`` kernels. Chapter: *Activations and initialisation*.
    """
    x = _x(x)
    check_choice("approximate", approximate, GELU_APPROXIMATIONS)
    if approximate == "none":
        return x * _normal_cdf(x)
    inner = _SQRT_2_OVER_PI * (x + _GELU_CUBIC * x ** 3)
    return 0.5 * x * (1 + tanh(inner))


def gelu_grad(x: torch.Tensor, approximate: str = "none") -> torch.Tensor:
    """Derivative of GELU: ``Phi(x) + x phi(x)``, or that of its tanh approximation.

    Chapter: *Activations and initialisation*.
    """
    x = _x(x)
    check_choice("approximate", approximate, GELU_APPROXIMATIONS)
    if approximate == "none":
        return _normal_cdf(x) + x * _normal_pdf(x)
    inner = _SQRT_2_OVER_PI * (x + _GELU_CUBIC * x ** 3)
    t = tanh(inner)
    d_inner = _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * x ** 2)
    return 0.5 * (1 + t) + 0.5 * x * (1 - t ** 2) * d_inner


def silu(x: torch.Tensor) -> torch.Tensor:
    """SiLU, also called Swish: ``x * sigmoid(x)``. Chapter: *Activations and initialisation*."""
    return _x(x) * sigmoid(x)


def silu_grad(x: torch.Tensor) -> torch.Tensor:
    """Derivative of SiLU: ``s (1 + x (1 - s))`` with ``s = sigmoid(x)``.

    Chapter: *Activations and initialisation*.
    """
    s = sigmoid(x)
    return s * (1 + x * (1 - s))


def _beta(beta: float) -> float:
    return check_float("beta", beta, minimum=0.0, strict_min=True)


def softplus(x: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
    """A smooth ReLU: ``log(1 + e^(beta x)) / beta``, computed without overflow.

    Chapter: *Activations and initialisation*.
    """
    x, beta = _x(x), _beta(beta)
    z = beta * x
    # log(1 + e^z) = max(z, 0) + log(1 + e^-|z|): the exponent is never positive.
    return (z.clamp(min=0) + torch.log1p(torch.exp(-z.abs()))) / beta


def softplus_grad(x: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
    """Derivative of softplus: ``sigmoid(beta x)``. Chapter: *Activations and initialisation*."""
    x, beta = _x(x), _beta(beta)
    return sigmoid(beta * x)


# name -> (function, derivative), for drawing and for the tests
ACTIVATIONS: dict[str, tuple[Pointwise, Pointwise]] = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "elu": (elu, elu_grad),
    "gelu": (gelu, gelu_grad),
    "silu": (silu, silu_grad),
    "softplus": (softplus, softplus_grad),
}


# --- modules whose backward pass is the derivative above ----------------------------

class _PointwiseFunction(torch.autograd.Function):
    """y = f(x) forward, grad_x = grad_y * f'(x) backward."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, f: Pointwise, df: Pointwise) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.df = df
        return f(x)

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        (x,) = ctx.saved_tensors
        return grad_out * ctx.df(x), None, None


def apply_activation(x: torch.Tensor, f: Pointwise, df: Pointwise) -> torch.Tensor:
    """``f(x)``, differentiated by autograd with the hand-written derivative ``df``.

    Chapter: *Activations and initialisation*.
    """
    x = _x(x)
    if not (callable(f) and callable(df)):
        raise TypeError("f and df must be functions of a tensor")
    return _PointwiseFunction.apply(x, f, df)


class Activation(nn.Module):
    """An elementwise activation whose backward pass uses its own derivative.

    Subclasses set ``f`` and ``df`` (as in ``ACTIVATIONS``) and any parameters.
    Chapter: *Activations and initialisation*.
    """

    name = ""

    def functions(self) -> tuple[Pointwise, Pointwise]:
        f, df = ACTIVATIONS[self.name]
        return f, df

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f, df = self.functions()
        return apply_activation(x, f, df)

    def extra_repr(self) -> str:
        return ""


class Sigmoid(Activation):
    """Module form of :func:`sigmoid`. Chapter: *Activations and initialisation*."""

    name = "sigmoid"


class Tanh(Activation):
    """Module form of :func:`tanh`. Chapter: *Activations and initialisation*."""

    name = "tanh"


class ReLU(Activation):
    """Module form of :func:`relu`. Chapter: *Activations and initialisation*."""

    name = "relu"


class SiLU(Activation):
    """Module form of :func:`silu` (Swish). Chapter: *Activations and initialisation*."""

    name = "silu"


class LeakyReLU(Activation):
    """Module form of :func:`leaky_relu`. Chapter: *Activations and initialisation*."""

    name = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = _slope(negative_slope)

    def functions(self) -> tuple[Pointwise, Pointwise]:
        return (partial(leaky_relu, negative_slope=self.negative_slope),
                partial(leaky_relu_grad, negative_slope=self.negative_slope))

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Activation):
    """Module form of :func:`elu`. Chapter: *Activations and initialisation*."""

    name = "elu"

    def __init__(self, alpha: float = 1.0):
        super().__init__()
        self.alpha = _alpha(alpha)

    def functions(self) -> tuple[Pointwise, Pointwise]:
        return partial(elu, alpha=self.alpha), partial(elu_grad, alpha=self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class GELU(Activation):
    """Module form of :func:`gelu`. Chapter: *Activations and initialisation*."""

    name = "gelu"

    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = check_choice("approximate", approximate, GELU_APPROXIMATIONS)

    def functions(self) -> tuple[Pointwise, Pointwise]:
        return (partial(gelu, approximate=self.approximate),
                partial(gelu_grad, approximate=self.approximate))

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softplus(Activation):
    """Module form of :func:`softplus`. Chapter: *Activations and initialisation*."""

    name = "softplus"

    def __init__(self, beta: float = 1.0):
        super().__init__()
        self.beta = _beta(beta)

    def functions(self) -> tuple[Pointwise, Pointwise]:
        return partial(softplus, beta=self.beta), partial(softplus_grad, beta=self.beta)

    def extra_repr(self) -> str:
        return f"beta={self.beta}"
