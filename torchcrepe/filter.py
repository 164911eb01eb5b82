"""Moving filters over pitch or periodicity sequences that contain NaN.

All take signals of shape (batch, time) and return the same shape; NaN
(unvoiced) values are ignored, and a window with no valid value gives NaN.
The window of width w around frame i covers frames i - w // 2 .. i - w // 2
+ w - 1, clipped to the signal.
"""
import torch

from .utils import ParameterError


###############################################################################
# Sequence filters
###############################################################################


def mean(signals, win_length=9):
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


def median(signals, win_length):
    """Moving median ignoring NaN; of an even count, the lower middle value

    Arguments
        signals (torch.tensor [shape=(batch, time)])
        win_length (int), frames

    Returns
        filtered (torch.tensor [shape=(batch, time)])
    """
    return torch.nanmedian(_windows(signals, win_length), dim=-1).values


def _windows(signals, win_length):
    """(batch, time) -> (batch, time, win_length) view, NaN beyond the edges"""
    if signals.dim() != 2:
        raise ParameterError(
            f'signals must have shape (batch, time); got {tuple(signals.shape)}')
    if isinstance(win_length, bool) or not isinstance(win_length, int) \
            or win_length < 1:
        raise ParameterError(f'win_length must be a positive integer; got {win_length!r}')
    before = win_length // 2
    padded = torch.nn.functional.pad(
        signals, (before, win_length - 1 - before), value=float('nan'))
    return padded.unfold(1, win_length, 1)


###############################################################################
# Utilities
###############################################################################


def nanfilter(signals, win_length, filter_fn):
    """Apply `filter_fn` ((batch, n) -> (batch,)) over a moving window

    A slow, general reference: `mean` and `median` compute the same for
    nanmean and nanmedian in one vectorised pass.
    """
    filtered = torch.empty_like(signals)
    for i in range(signals.size(1)):
        start = max(0, i - win_length // 2)
        end = min(signals.size(1), i + win_length // 2 + 1)
        filtered[:, i] = filter_fn(signals[:, start:end])
    return filtered


def nanmean(signals):
    """Mean over time ignoring NaN: (batch, time) -> (batch,)"""
    valid = ~torch.isnan(signals)
    total = torch.where(valid, signals, torch.zeros_like(signals)).sum(dim=1)
    return total / valid.sum(dim=1)


def nanmedian(signals):
    """Median over time ignoring NaN (the lower middle of an even count):
    (batch, time) -> (batch,); NaN where a row has no value"""
    return torch.nanmedian(signals, dim=1).values


def nanmedian1d(signal):
    """Median of a 1-D signal (its lower middle for an even count), as
    0.0.24 has it: NaN in the signal gives NaN

    Arguments
        signal (torch.tensor [shape=(time,)])

    Returns
        (torch.tensor [shape=()]), or float NaN for an empty signal
    """
    if signal.numel() == 0:
        return float('nan')
    return torch.median(signal)
