"""Argument checks shared by the Python API and the command line.

Each check raises ParameterError (a ValueError; ParameterTypeError, also
a TypeError, for a wrong type) whose message names the argument and what
is allowed, so that bad input is refused before any work starts. The command line prints the same
messages.
"""
import math
import numbers
from typing import Any

import torch

from . import decode
from .constants import (
    CENTS_OFFSET, MAX_FMAX, PRECISIONS, SAMPLE_RATE, WINDOW_SIZE)
from .model import check_capacity
from .types import Decoder
from .utils import ParameterError, ParameterTypeError, choice, require


# The centre of the lowest pitch bin, about 31.7 Hz, rounded down to 0.1 Hz
# so that "31.7" itself is accepted
MIN_FMIN = math.floor(10 * 2 ** (CENTS_OFFSET / 1200) * 10) / 10

BACKENDS = ('torch', 'onnx')


def capacity(model, argument='model'):
    """One of the five capacity names (see model.CAPACITIES)"""
    return check_capacity(model, argument)


def positive_integer(value, argument, allow_none=False):
    if value is None and allow_none:
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
            or value <= 0:
        kind = ParameterError if isinstance(value, numbers.Integral) \
            and not isinstance(value, bool) else ParameterTypeError
        raise kind(f'{argument} must be a positive integer'
                   + (' or None' if allow_none else '') + f'; got {value!r}')
    return int(value)


def sample_rate(value, argument='sample_rate'):
    return positive_integer(value, argument)


def hop_length(value, argument='hop_length'):
    return positive_integer(value, argument, allow_none=True)


def batch_size(value, argument='batch_size'):
    return positive_integer(value, argument, allow_none=True)


def frequency_range(fmin, fmax):
    """fmin and fmax in Hz with MIN_FMIN <= fmin < fmax <= MAX_FMAX"""
    for value, argument in ((fmin, 'fmin'), (fmax, 'fmax')):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ParameterTypeError(f'{argument} must be a finite number of Hz; got {value!r}')
        if not math.isfinite(value):
            raise ParameterError(f'{argument} must be a finite number of Hz; got {value!r}')
    if fmin < MIN_FMIN:
        raise ParameterError(
            f'fmin must be at least {MIN_FMIN} Hz, the lowest pitch bin; '
            f'got {fmin}')
    if fmax > MAX_FMAX:
        raise ParameterError(f'fmax must be at most {MAX_FMAX} Hz (MAX_FMAX); got {fmax}')
    if fmin >= fmax:
        raise ParameterError(f'fmin must be below fmax; got fmin={fmin}, fmax={fmax}')
    return float(fmin), float(fmax)


def frequency_bounds(fmin, fmax):
    """fmin < fmax, finite numbers of Hz, as postprocess takes them: any
    bounds (bins outside the network's range are simply kept or dropped)"""
    for value, argument in ((fmin, 'fmin'), (fmax, 'fmax')):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ParameterTypeError(f'{argument} must be a finite number of Hz; got {value!r}')
        if not math.isfinite(value):
            raise ParameterError(f'{argument} must be a finite number of Hz; got {value!r}')
    if fmin >= fmax:
        raise ParameterError(f'fmin must be below fmax; got fmin={fmin}, fmax={fmax}')
    return float(fmin), float(fmax)


def number(value, argument, low=-math.inf, high=math.inf, unit=''):
    """A finite real number within low..high (ParameterTypeError for no
    number), as a float; `unit` for the message, e.g. ' dB'"""
    within = (f' within {low}..{high}{unit}' if math.isfinite(low) and math.isfinite(high)
              else f' of at least {low}{unit}' if math.isfinite(low)
              else f' of at most {high}{unit}' if math.isfinite(high) else '')
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterTypeError(f'{argument} must be a finite number{within}; got {value!r}')
    if not (math.isfinite(value) and low <= value <= high):
        raise ParameterError(f'{argument} must be a finite number{within}; got {value!r}')
    return float(value)


def tensor(value, argument, shape):
    """`value` if it is a torch.Tensor with one dimension per name in
    `shape`, e.g. ('batch', 'time'); ParameterTypeError for no tensor"""
    described = f'({", ".join(shape)}{"," if len(shape) == 1 else ""})'
    if not isinstance(value, torch.Tensor):
        raise ParameterTypeError(f'{argument} must be a torch.Tensor of shape {described}; '
                                 f'got {type(value).__name__}')
    if value.dim() != len(shape):
        raise ParameterError(f'{argument} must have shape {described}; '
                             f'got {tuple(value.shape)}')
    return value


def voicing_threshold(value, argument='voicing_threshold'):
    """A periodicity within 0..1 below which a frame is unvoiced"""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterTypeError(f'{argument} must be a number within 0..1; got {value!r}')
    if not 0 <= value <= 1:
        raise ParameterError(f'{argument} must be within 0..1; got {value}')
    return float(value)


def decoder(value: Any, argument: str = 'decoder') -> Decoder:
    """A decoding function, or the name of one in decode.DECODERS"""
    if isinstance(value, str):
        if value not in decode.DECODERS:
            names = ', '.join(repr(name) for name in decode.DECODERS)
            raise ParameterError(f'{argument} must be one of {names}; got {value!r}')
        return decode.DECODERS[value]
    if not callable(value):
        names = ', '.join(f'decode.{name}' for name in decode.DECODERS)
        raise ParameterTypeError(
            f'{argument} must be a decoding function such as {names}; '
            f'got {value!r}')
    return value


def device(value: object, argument: str = 'device') -> torch.device:
    if not isinstance(value, (str, int, torch.device)) or isinstance(value, bool):
        raise ParameterTypeError(
            f"{argument} must be a torch device such as 'cpu' or 'cuda:0'; "
            f'got {value!r}')
    try:
        parsed = torch.device(value)
    except (RuntimeError, TypeError):
        raise ParameterError(
            f"{argument} must be a torch device such as 'cpu' or 'cuda:0'; "
            f'got {value!r}') from None
    if parsed.type == 'cuda' and not torch.cuda.is_available():
        raise ParameterError(f'{argument} is {value!r} but CUDA is not available')
    return parsed


def precision(value, device_, argument='precision'):
    """None or 'float32' (exact), 'bfloat16' (CPU or CUDA), 'float16' (CUDA)"""
    if value is None:
        return 'float32'
    if isinstance(value, torch.dtype):
        value = str(value).replace('torch.', '')
    if value not in PRECISIONS:
        names = ', '.join(repr(name) for name in PRECISIONS)
        kind = ParameterError if isinstance(value, str) else ParameterTypeError
        raise kind(f'{argument} must be None or one of {names}; got {value!r}')
    if value == 'float16' and torch.device(device_).type != 'cuda':
        raise ParameterError(
            f"{argument}='float16' needs a CUDA device; on the CPU use 'bfloat16'")
    return value


def backend(value, device_='cpu', precision_='float32', argument='backend'):
    """'torch', or 'onnx' (onnxruntime, CPU and float32 only)"""
    choice(value, BACKENDS, argument)
    if value == 'onnx':
        if torch.device(device_).type != 'cpu':
            raise ParameterError(f"{argument}='onnx' runs on the CPU; got device={str(device_)!r}")
        if precision_ != 'float32':
            raise ParameterError(
                f"{argument}='onnx' computes in float32; got precision={precision_!r}")
        require('onnxruntime', f"{argument}='onnx'", 'export')
    return value


def audio(value, argument='audio'):
    """A float tensor (time,) or (channels, time), non-empty and finite

    Returns
        (torch.tensor [shape=(1, time)]), channels averaged to mono
    """
    if not isinstance(value, torch.Tensor):
        raise ParameterTypeError(
            f'{argument} must be a torch.Tensor of shape (channels, time); '
            f'got {type(value).__name__}')
    if value.dim() == 1:
        value = value[None]
    if value.dim() != 2:
        raise ParameterError(
            f'{argument} must have shape (time,) or (channels, time); '
            f'got {tuple(value.shape)}')
    if value.size(0) == 0 or value.size(1) == 0:
        raise ParameterError(f'{argument} is empty: shape {tuple(value.shape)}')
    if not value.is_floating_point():
        raise ParameterError(
            f'{argument} must hold floating-point samples in [-1, 1]; '
            f'got {value.dtype}, not a floating point dtype')
    if not _all_finite(value):
        raise ParameterError(f'{argument} contains NaN or Inf')
    if value.size(0) > 1:
        value = value.mean(dim=0, keepdim=True)
    return value


# Samples per channel checked at a time: torch.isfinite on a whole hour of
# audio holds temporaries about twice the audio's size
FINITE_CHUNK = 1 << 20


def _all_finite(value):
    """Whether every sample of (channels, time) `value` is finite"""
    return all(bool(torch.isfinite(value[:, start:start + FINITE_CHUNK]).all())
               for start in range(0, value.size(1), FINITE_CHUNK))


def long_enough(samples, rate, pad, argument='audio'):
    """Without padding, a signal must hold at least one whole window"""
    needed = math.ceil(WINDOW_SIZE * rate / SAMPLE_RATE)
    if not pad and samples < needed:
        raise ParameterError(
            f'{argument} has {samples} samples, shorter than one '
            f'{WINDOW_SIZE}-sample window at {SAMPLE_RATE} Hz ({needed} at '
            f'{rate} Hz); pass pad=True (drop --no_pad) or give longer audio')
