"""Weight initialisation from scratch: fans, gains, Xavier/Glorot and He/Kaiming.

The functions mirror ``torch.nn.init``: same names, same arguments, and they
draw their random numbers the same way (one ``uniform_`` or ``normal_`` call
on the tensor), so that with the same seed they fill a tensor with exactly the
same numbers. They modify the tensor in place and return it. Chapter:
*Activations and initialisation*.
"""

from __future__ import annotations

import math
import numbers

import torch

from .._args import check_choice, check_float, check_int, check_tensor

LINEAR_LIKE = ("linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
               "conv_transpose2d", "conv_transpose3d", "sigmoid")
NONLINEARITIES = LINEAR_LIKE + ("tanh", "relu", "leaky_relu", "selu")
FAN_MODES = ("fan_in", "fan_out")


def fan_in_and_fan_out(tensor: torch.Tensor) -> tuple[int, int]:
    """How many inputs feed each output unit (fan-in) and how many outputs each input feeds.

    A linear layer's weight has shape ``(out_features, in_features)``; a
    convolution's ``(out_channels, in_channels, *kernel)``, where every kernel
    position counts as one more input (and output). Chapter: *Activations and
    initialisation*.
    """
    check_tensor("tensor", tensor)
    if tensor.ndim < 2:
        raise ValueError("tensor must have at least 2 dimensions to have a fan-in and a "
                         f"fan-out, got shape {tuple(tensor.shape)}")
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps the signal's variance for a nonlinearity (as in torch).

    ``param`` is the negative slope of ``"leaky_relu"`` (default 0.01).
    Linear maps and the sigmoid get 1, tanh 5/3, ReLU sqrt(2), leaky ReLU
    sqrt(2 / (1 + slope^2)) and SELU 3/4. Chapter: *Activations and initialisation*.
    """
    check_choice("nonlinearity", nonlinearity, NONLINEARITIES)
    if nonlinearity in LINEAR_LIKE:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "selu":
        return 3.0 / 4
    if param is None:
        slope = 0.01
    elif isinstance(param, bool) or not isinstance(param, numbers.Real):
        raise TypeError("param (the negative slope of leaky_relu) must be a real number, "
                        f"got {type(param).__name__}")
    else:
        slope = check_float("param", param)
    return math.sqrt(2.0 / (1 + slope ** 2))


def _fan(tensor: torch.Tensor, mode: str) -> int:
    check_choice("mode", mode, FAN_MODES)
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _nonempty(tensor: torch.Tensor) -> torch.Tensor:
    check_tensor("tensor", tensor, floating=True)
    if tensor.numel() == 0:
        raise ValueError(f"tensor must have elements to fill, got shape {tuple(tensor.shape)}")
    return tensor


def _gain(gain: float) -> float:
    return check_float("gain", gain, minimum=0.0, strict_min=True)


def _slope(a: float) -> float:
    return check_float("a (the negative slope of a leaky ReLU)", a)


def _check_generator(generator: torch.Generator | None) -> None:
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")


def xavier_std(fan_in: int, fan_out: int, gain: float = 1.0) -> float:
    """Glorot and Bengio's standard deviation ``gain * sqrt(2 / (fan_in + fan_out))``.

    Chapter: *Activations and initialisation*.
    """
    fan_in = check_int("fan_in", fan_in, minimum=1)
    fan_out = check_int("fan_out", fan_out, minimum=1)
    return _gain(gain) * math.sqrt(2.0 / float(fan_in + fan_out))


def kaiming_std(fan: int, gain: float = math.sqrt(2.0)) -> float:
    """He et al.'s standard deviation ``gain / sqrt(fan)`` (sqrt(2 / fan) for ReLU).

    Chapter: *Activations and initialisation*.
    """
    return _gain(gain) / math.sqrt(check_int("fan", fan, minimum=1))


@torch.no_grad()
def xavier_uniform_(tensor: torch.Tensor, gain: float = 1.0,
                    generator: torch.Generator | None = None) -> torch.Tensor:
    """Fill ``tensor`` from U(-a, a) with ``a = sqrt(3) * xavier_std``, in place.

    A uniform distribution on [-a, a] has variance a^2 / 3, hence the sqrt(3).
    Chapter: *Activations and initialisation*.
    """
    gain = _gain(gain)
    _check_generator(generator)
    _nonempty(tensor)
    std = xavier_std(*fan_in_and_fan_out(tensor), gain)
    bound = math.sqrt(3.0) * std
    return tensor.uniform_(-bound, bound, generator=generator)


@torch.no_grad()
def xavier_normal_(tensor: torch.Tensor, gain: float = 1.0,
                   generator: torch.Generator | None = None) -> torch.Tensor:
    """Fill ``tensor`` from N(0, xavier_std^2), in place. Chapter: *Activations and initialisation*."""
    gain = _gain(gain)
    _check_generator(generator)
    _nonempty(tensor)
    std = xavier_std(*fan_in_and_fan_out(tensor), gain)
    return tensor.normal_(0.0, std, generator=generator)


@torch.no_grad()
def kaiming_uniform_(tensor: torch.Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu",
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """Fill ``tensor`` from U(-b, b) with ``b = sqrt(3) * gain / sqrt(fan)``, in place.

    ``a`` is the negative slope of a leaky ReLU (0 gives the ReLU gain sqrt(2));
    ``mode="fan_in"`` keeps the forward signal's variance, ``"fan_out"`` the
    backward gradient's. Chapter: *Activations and initialisation*.
    """
    _check_generator(generator)
    _nonempty(tensor)
    fan = _fan(tensor, mode)
    std = kaiming_std(fan, calculate_gain(nonlinearity, _slope(a)))
    bound = math.sqrt(3.0) * std
    return tensor.uniform_(-bound, bound, generator=generator)


@torch.no_grad()
def kaiming_normal_(tensor: torch.Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu",
                    generator: torch.Generator | None = None) -> torch.Tensor:
    """Fill ``tensor`` from N(0, (gain / sqrt(fan))^2), in place.

    Arguments as in :func:`kaiming_uniform_`. Chapter: *Activations and initialisation*.
    """
    _check_generator(generator)
    _nonempty(tensor)
    fan = _fan(tensor, mode)
    std = kaiming_std(fan, calculate_gain(nonlinearity, _slope(a)))
    return tensor.normal_(0.0, std, generator=generator)
