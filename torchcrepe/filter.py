"""Moving filters over pitch or periodicity sequences that contain NaN.

All take signals of shape (batch, time) and return the same shape; NaN
(unvoiced) values are ignored, and a window with no valid value gives NaN.
The window of width w around frame i covers frames i - w // 2 .. i - w // 2
+ w - 1, clipped to the signal.
"""
from __future__ import annotations

from typing import Callable

import torch

from . import checks
from .utils import ParameterTypeError


###############################################################################
# Sequence filters
###############################################################################


def mean(signals: torch.Tensor, win_length: int = 9) -> torch.Tensor:
    """Moving mean ignoring NaN

    Arguments
        signals (torch.tensor [shape=(batch, time)])
        win_length (int), frames

    Returns
        filtered (torch.tensor [shape=(batch, time)])
    """
    windows = _windows(signals, win_length)
    valid = ~torch.isnan(windows)
    count = valid.sum(dim=-1)
    total = torch.where(valid, windows, torch.zeros_like(windows)).sum(dim=-1)
    return torch.where(count > 0, total / count.clamp(min=1), float('nan'))


def median(signals: torch.Tensor, win_length: int) -> torch.Tensor:
    """Moving median ignoring NaN; of an even count, the lower middle value

    Arguments
        signals (torch.tensor [shape=(batch, time)])
        win_length (int), frames

    Returns
        filtered (torch.tensor [shape=(batch, time)])
    """
    return torch.nanmedian(_windows(signals, win_length), dim=-1).values


def _windows(signals: torch.Tensor, win_length: int) -> torch.Tensor:
    """(batch, time) -> (batch, time, win_length) view, NaN beyond the edges"""
    checks.tensor(signals, 'signals', ('batch', 'time'))
    checks.positive_integer(win_length, 'win_length')
    before = win_length // 2
    padded = torch.nn.functional.pad(
        signals, (before, win_length - 1 - before), value=float('nan'))
    return padded.unfold(1, win_length, 1)


###############################################################################
# Utilities
###############################################################################


def nanfilter(signals: torch.Tensor, win_length: int,
              filter_fn: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """Apply `filter_fn` ((batch, n) -> (batch,)) over a moving window

    A slow, general reference: `mean` and `median` compute the same for
    nanmean and nanmedian in one vectorised pass.
    """
    checks.tensor(signals, 'signals', ('batch', 'time'))
    checks.positive_integer(win_length, 'win_length')
    if not callable(filter_fn):
        raise ParameterTypeError(
            f'filter_fn must be a function (batch, n) -> (batch,); got {filter_fn!r}')
    filtered = torch.empty_like(signals)
    for i in range(signals.size(1)):
        start = max(0, i - win_length // 2)
        end = min(signals.size(1), i + win_length // 2 + 1)
        filtered[:, i] = filter_fn(signals[:, start:end])
    return filtered


def nanmean(signals: torch.Tensor) -> torch.Tensor:
    """Mean over time ignoring NaN: (batch, time) -> (batch,)"""
    checks.tensor(signals, 'signals', ('batch', 'time'))
    valid = ~torch.isnan(signals)
    total = torch.where(valid, signals, torch.zeros_like(signals)).sum(dim=1)
    return total / valid.sum(dim=1)


def nanmedian(signals: torch.Tensor) -> torch.Tensor:
    """Median over time ignoring NaN (the lower middle of an even count):
    (batch, time) -> (batch,); NaN where a row has no value"""
    checks.tensor(signals, 'signals', ('batch', 'time'))
    return torch.nanmedian(signals, dim=1).values


def nanmedian1d(signal: torch.Tensor) -> torch.Tensor | float:
    """Median of a 1-D signal (its lower middle for an even count), as
    0.0.24 has it: NaN in the signal gives NaN

    Arguments
        signal (torch.tensor [shape=(time,)])

    Returns
        (torch.tensor [shape=()]), or float NaN for an empty signal
    """
    if not isinstance(signal, torch.Tensor):
        raise ParameterTypeError(
            f'signal must be a torch.Tensor of shape (time,); got {type(signal).__name__}')
    if signal.numel() == 0:
        return float('nan')
    return torch.median(signal)
