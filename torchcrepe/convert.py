"""Conversions between pitch bins, cents and Hz.

Cents are measured from 10 Hz: cents = 1200 * log2(Hz / 10). Bin b is
centred at 20 * b + 1997.3794... cents, so bin 0 is about 31.7 Hz and bin
359 about 2005.5 Hz.
"""
from __future__ import annotations

import math
from typing import Callable, SupportsFloat, TypeVar

import numpy as np
import numpy.typing as npt
import torch

from .constants import CENTS_OFFSET, CENTS_PER_BIN, PITCH_BINS
from .types import Array
from .utils import ParameterError, ParameterTypeError, real

# How cents_to_bins and frequency_to_bins round: torch.floor, torch.ceil ...
Quantize = Callable[[torch.Tensor], torch.Tensor]

# cents_to_frequency gives what it is given: a tensor, an array or a number
Pitch = TypeVar('Pitch', torch.Tensor, Array, float)


###############################################################################
# Pitch unit conversions
###############################################################################


def bins_to_cents(bins: torch.Tensor, *,
                  generator: torch.Generator | None = None) -> torch.Tensor:
    """Pitch bins -> cents, with triangular dither of +-20 cents

    Arguments
        bins (torch.tensor [any shape]), integer or float bin indices
        generator (torch.Generator or None): the dither's (see `dither`)

    Returns
        cents (torch.tensor [same shape]), floating point
    """
    _tensor(bins, 'bins')
    cents = CENTS_PER_BIN * bins + CENTS_OFFSET

    # Trade the 20-cent quantisation of the bins for unbiased noise
    return dither(cents, generator=generator)


def bins_to_frequency(bins: torch.Tensor, *,
                      generator: torch.Generator | None = None) -> torch.Tensor:
    """Pitch bins -> frequency in Hz, with dither (see bins_to_cents)"""
    return cents_to_frequency(bins_to_cents(bins, generator=generator))


def cents_to_bins(cents: torch.Tensor,
                  quantize_fn: Quantize = torch.floor) -> torch.Tensor:
    """Cents -> pitch bins (int32), rounded by `quantize_fn`"""
    _tensor(cents, 'cents')
    _rounding(quantize_fn)
    bins = (cents - CENTS_OFFSET) / CENTS_PER_BIN
    return quantize_fn(bins).int()


def cents_to_frequency(cents: Pitch) -> Pitch:
    """Cents -> frequency in Hz: 10 * 2 ** (cents / 1200)

    Every element's bits are the same wherever it stands in the tensor:
    torch computes a power with vector instructions but the last few
    elements of a call (and of each thread's share) with scalar code,
    whose results can differ in the last bit. So the values go through in
    pieces padded to whole vectors, each small enough for one thread; a
    live tracker's frame then gets the Hz the whole recording gives it.
    """
    if not isinstance(cents, (torch.Tensor, np.ndarray)):
        real(cents, 'cents', 'a tensor, array or number of cents')
    if not isinstance(cents, torch.Tensor) or cents.dim() == 0 \
            or cents.requires_grad or cents.device.type != 'cpu':
        return 10 * 2 ** (cents / 1200)
    flat = cents.reshape(-1)
    pieces = []
    for start in range(0, flat.numel(), POWER_PIECE):
        piece = flat[start:start + POWER_PIECE]
        count = piece.numel()
        padded = torch.nn.functional.pad(piece, (0, -count % POWER_VECTOR))
        pieces.append((10 * 2 ** (padded / 1200))[:count])
    if not pieces:
        return 10 * 2 ** (cents / 1200)
    return torch.cat(pieces).reshape(cents.shape)


# Elements per piece of cents_to_frequency: a multiple of any vector
# width (POWER_VECTOR), below torch's grain for splitting work over
# threads (32768), so each piece runs whole vectors on one thread
POWER_VECTOR = 64
POWER_PIECE = 16384


def frequency_to_bins(frequency: torch.Tensor,
                      quantize_fn: Quantize = torch.floor) -> torch.Tensor:
    """Frequency in Hz -> pitch bins (int32), rounded by `quantize_fn`"""
    _rounding(quantize_fn)
    return cents_to_bins(frequency_to_cents(frequency), quantize_fn)


def frequency_to_cents(frequency: torch.Tensor) -> torch.Tensor:
    """Frequency in Hz -> cents"""
    _tensor(frequency, 'frequency', 'Hz')
    return 1200 * torch.log2(frequency / 10.)


###############################################################################
# Note names
###############################################################################


NOTE_NAMES = ('C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B')

# Semitones above C of each note letter
STEPS = {'C': 0, 'D': 2, 'E': 4, 'F': 5, 'G': 7, 'A': 9, 'B': 11}


def letter_to_midi(letter: str, octave: int, alter: float = 0.) -> float:
    """MIDI number (C4 = 60) of note letter `letter` ('A'..'G') in
    scientific `octave`, raised by `alter` semitones (flats negative)"""
    return float(12 * (octave + 1) + STEPS[letter] + alter)


def midi_to_note_name(midi: SupportsFloat) -> str:
    """Name of the nearest semitone of a (fractional) MIDI number:
    69.2 -> 'A4', 61 -> 'C#4'"""
    midi = real(midi, 'midi', 'a MIDI note number')
    if not math.isfinite(midi):
        raise ParameterError(f'midi must be a finite MIDI note number; got {midi!r}')
    nearest = int(round(midi))
    return f'{NOTE_NAMES[nearest % 12]}{nearest // 12 - 1}'


def hz_to_note_name(frequency: SupportsFloat) -> str:
    """Name of the nearest equal-tempered note of a frequency in Hz, A4 at
    440 Hz: 440 -> 'A4', 450 -> 'A4' (39 cents sharp), 261.63 -> 'C4'"""
    frequency = real(frequency, 'frequency', 'a number of Hz')
    if not (math.isfinite(frequency) and frequency > 0):
        raise ParameterError(
            f'frequency must be a positive finite number of Hz; got {frequency!r}')
    return midi_to_note_name(frequency_to_midi(frequency))


def frequency_to_midi(frequency: npt.ArrayLike, tuning: float = 440.) -> Array:
    """Frequency in Hz -> fractional MIDI number (69 is A4 at `tuning` Hz);
    numpy arrays or floats"""
    tuning = real(tuning, 'tuning', 'a number of Hz')
    if not (math.isfinite(tuning) and tuning > 0):
        raise ParameterError(f'tuning must be a positive finite number of Hz; got {tuning!r}')
    if isinstance(frequency, (str, bytes)):
        raise ParameterTypeError(f'frequency must be numbers of Hz; got {frequency!r}')
    try:
        frequency = np.asarray(frequency, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterTypeError(
            f'frequency must be numbers of Hz; got {type(frequency).__name__}') from None
    return 69 + 12 * np.log2(frequency / tuning)


###############################################################################
# Utilities
###############################################################################


def dither(cents: torch.Tensor, *,
           generator: torch.Generator | None = None) -> torch.Tensor:
    """Add triangular noise on [-20, 20] cents (peak at 0) to `cents`

    The noise comes from `generator`, by default torch's generator on the
    tensor's device, so `torch.manual_seed` makes it reproducible. Element
    i (in memory order) takes draws 2i and 2i + 1, so the noise of a frame
    does not depend on how many frames come after it: dithering a track
    piece by piece from one generator gives the bits of dithering it
    whole (what a live tracker relies on).
    """
    _tensor(cents, 'cents')
    if generator is not None and not isinstance(generator, torch.Generator):
        raise ParameterTypeError(
            f'generator must be a torch.Generator or None; got {generator!r}')
    dtype = cents.dtype if cents.is_floating_point() else torch.get_default_dtype()
    # The sum of two independent uniforms on [0, 1) is triangular on [0, 2)
    uniform = torch.rand(tuple(cents.shape) + (2,), dtype=dtype, device=cents.device,
                         generator=generator)
    return cents + CENTS_PER_BIN * (uniform[..., 0] + uniform[..., 1] - 1)


def bin_range(fmin: float, fmax: float) -> tuple[int, int]:
    """The bins a decoder may choose for fmin..fmax Hz: [low, high)

    [frequency_to_bins(fmin), frequency_to_bins(fmax, ceil)), clipped to
    0..360. As in 0.0.24 the conversion runs in float32; fmin <= 0 keeps
    every bin below fmax.
    """
    for value, argument in ((fmin, 'fmin'), (fmax, 'fmax')):
        if not math.isfinite(real(value, argument, 'a number of Hz')):
            raise ParameterError(f'{argument} must be a finite number of Hz; got {value!r}')
    low = 0 if fmin <= 0 else int(frequency_to_bins(torch.tensor(float(fmin))))
    high = int(frequency_to_bins(torch.tensor(float(fmax)), torch.ceil)) \
        if fmax > 0 else 0
    return min(max(low, 0), PITCH_BINS), min(max(high, 0), PITCH_BINS)


def _tensor(value: object, argument: str, unit: str | None = None) -> None:
    """Refuse anything but a torch.Tensor (ParameterTypeError naming
    `argument`)"""
    if not isinstance(value, torch.Tensor):
        of = f' of {unit}' if unit else ''
        raise ParameterTypeError(
            f'{argument} must be a torch.Tensor{of}; got {type(value).__name__}')


def _rounding(quantize_fn: object) -> None:
    """Refuse a quantize_fn that is not a function"""
    if not callable(quantize_fn):
        raise ParameterTypeError(
            f'quantize_fn must be a rounding function such as torch.floor; '
            f'got {quantize_fn!r}')
