"""The singer's pitch when the recording also holds the accompaniment.

A voice trainer plays a piano through the phone's speaker while it
records, so the recording is the voice plus the accompaniment as heard
through an unknown speaker, room and microphone, after an unknown delay.
Given the audio that was played, `cancel` removes its echo:

1. the delay (0 .. max_delay s) is where the cross correlation of the
   recording and the accompaniment, both whitened (the phase transform),
   peaks;
2. the echo path (speaker, room, microphone) is estimated on short-time
   spectra (WINDOW samples every HOP at 16 kHz): in each frequency band,
   the recording's frames are a short filter over the accompaniment's
   frames of that band, `length` s long from just before the delay. The
   filter is the weighted least-squares fit over the whole take: the
   voice is uncorrelated with the accompaniment but, sung over the same
   notes, it is loud where the piano is, so each pass weights frames and
   bands by the inverse of what the previous pass left (the voice), and
   the fit comes to rest on where the piano sounds alone;
3. the accompaniment through that filter is subtracted, and a band where
   what is left is no more than LEAK times the echo removed there is
   silenced: CREPE normalises each frame, so in the singer's pauses even
   a faint remainder of the piano would read as a clear pitch.

Everything is estimated at CREPE's 16 kHz; what is removed is brought
back to the recording's rate and subtracted there, so the voice is left
as it was. Without an accompaniment nothing here runs.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import NamedTuple, cast

import numpy as np
import torch

from . import checks
from .constants import SAMPLE_RATE
from .types import FloatArray
from .utils import ParameterError

# Longest delay (s) searched between the accompaniment file and its echo
MAX_DELAY = .5

# The echo path (s) estimated after the delay: speaker, room and
# microphone. A room of RT60 0.6 s has lost 40 dB by then; 0.2 s left
# voicing false alarms at 0 dB twice as frequent in such a room
ECHO_LENGTH = .4

# Taps (s) kept before the estimated delay: the correlation may peak on a
# strong reflection that arrives this long after the direct path
PRE_DELAY = .05

# Ridge added to each band's normal equations (relative to the
# accompaniment's power in the band): a band it hardly excites keeps a
# small filter instead of fitting the voice
RIDGE = 1e-3


class Cancelled(NamedTuple):
    """What `cancel` returns

    audio (torch.tensor [shape=(1, time)]): the recording without the
        accompaniment's echo, at the recording's rate
    echo (torch.tensor [shape=(1, time)]): what was removed
    delay (float): the accompaniment's delay in the recording (s)
    """
    audio: torch.Tensor
    echo: torch.Tensor
    delay: float


def resampled(signal: FloatArray, source: int, target: int) -> FloatArray:
    """signal (time,) from `source` to `target` Hz (polyphase: the echo
    estimate only needs 0 .. 8 kHz right, and this is fast)"""
    if source == target:
        return signal
    # Imported here: scipy.signal is large, and only this path needs it
    import scipy.signal
    ratio = Fraction(target, source)
    return scipy.signal.resample_poly(signal, ratio.numerator, ratio.denominator)


# Below this rate (Hz) an input holds too little of CREPE's band to
# estimate an echo in it
MIN_RATE = 1000


def mono_input(audio: object, sample_rate: object, argument: str, rate_argument: str
          ) -> FloatArray:
    """An input checked as predict checks audio (checks.audio: a finite,
    non-empty float tensor (time,) or (channels, time), channels averaged)
    and its rate, as float64 (time,); ParameterError naming `argument` or
    `rate_argument` otherwise"""
    mono = checks.audio(audio, argument)
    checks.sample_rate(sample_rate, rate_argument)
    if cast(int, sample_rate) < MIN_RATE:
        raise ParameterError(f'{rate_argument} must be at least {MIN_RATE} Hz; '
                             f'got {sample_rate!r}')
    return mono[0].detach().cpu().to(torch.float64).numpy()


def recording_input(audio: object, sample_rate: object) -> FloatArray:
    """The recording `audio` (a tensor (1, time)) checked as mono_input
    checks it, as float64 (time,); ParameterError naming `audio` or
    `sample_rate` otherwise"""
    if isinstance(audio, torch.Tensor) and (audio.dim() != 2 or audio.shape[0] != 1):
        raise ParameterError(f'audio must be mono, shape (1, samples); got shape '
                             f'{tuple(audio.shape)}')
    return mono_input(audio, sample_rate, 'audio', 'sample_rate')


def check_seconds(name: str, value: object, low: float, high: float) -> None:
    """ParameterError naming `name` unless value is a number of seconds
    within low .. high"""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not low <= value <= high:
        raise ParameterError(f'{name} must be a number of seconds within {low:g} .. '
                             f'{high:g}; got {value!r}')


def nothing_removed(audio: torch.Tensor, delay: float) -> Cancelled:
    """Cancelled of a recording (1, time) left as it is"""
    return Cancelled(audio.detach(), torch.zeros_like(audio, device='cpu'), delay)


def removed_from(audio: torch.Tensor, sample_rate: int, heard: FloatArray,
                 cleaned: FloatArray, delay: float) -> Cancelled:
    """Cancelled of the recording `audio` (1, time) at sample_rate, whose
    16 kHz version `heard` (time',) became `cleaned` (time',): what was
    removed, guarded (never adding energy), goes back to sample_rate and
    is subtracted there, so the voice is left as it was"""
    removed = resampled(heard - guarded(heard, cleaned), SAMPLE_RATE, sample_rate)
    length = audio.shape[-1]
    padded = np.pad(removed, (0, max(0, length - len(removed))))[:length]
    echo = torch.from_numpy(padded).to(audio.dtype).reshape(audio.shape)
    return Cancelled(audio.detach() - echo.to(audio.device), echo, delay)


# The exponent of the phase transform: below 1, bins where the voice alone
# sounds weigh less than those where the accompaniment does
WHITENING = .8


def delay(recording: FloatArray, accompaniment: FloatArray, max_delay: float = MAX_DELAY) -> int:
    """The lag (16 kHz samples, 0 .. max_delay s) at which the
    accompaniment (time,) is strongest in the recording (time,): the peak
    of their cross correlation with the phase transform (the direct path,
    or a stronger reflection; the echo path starts PRE_DELAY before it)"""
    size = 1 << int(np.ceil(np.log2(len(recording) + len(accompaniment))))
    cross = np.fft.rfft(recording, size) * np.conj(np.fft.rfft(accompaniment, size))
    # Whitened (nearly: the phase transform to the power WHITENING), so the
    # piano's strong partials, a comb that correlates at every period of
    # the note, do not drown its broadband hammer strokes; the floor keeps
    # empty bins quiet
    magnitude = np.abs(cross)
    cross /= (magnitude + 1e-6 * magnitude.max()) ** WHITENING
    lags = int(round(max_delay * SAMPLE_RATE)) + 1
    # Either polarity: a speaker or microphone may invert it
    return int(np.argmax(np.abs(np.fft.irfft(cross, size)[:lags])))


# The echo path is estimated per frequency band on frames of WINDOW
# samples every HOP (16 kHz): each band's echo is a short filter over
# the accompaniment's frames of that band
WINDOW = 2048
HOP = 512

# Passes of the weighted estimate: after the first, frames where the
# voice is loud count less (it is noise to the estimate)
PASSES = 3

# The smallest noise power the weighting assumes, relative to a band's mean
FLOOR = 1e-4

# Each band's fit needs many more frames than the filter has taps: a
# short take gets a shorter filter (on a 4 s take, 0.45 s of taps removed
# 9 dB of the echo, 0.3 s (this rule) 20 dB)
FRAMES_PER_TAP = 24

# Bands estimated at once: bounds the memory of the lagged frames
BANDS = 64


def _window() -> FloatArray:
    """The periodic Hann window of WINDOW samples"""
    return np.sin(np.pi * np.arange(WINDOW) / WINDOW) ** 2


def _frames(signal: FloatArray) -> np.ndarray:
    """Short-time spectrum (bands, frames) with a periodic Hann window"""
    padded = np.pad(signal, (WINDOW, WINDOW + HOP))
    count = 1 + (len(padded) - WINDOW) // HOP
    frames = np.lib.stride_tricks.sliding_window_view(padded, WINDOW)[::HOP][:count]
    return np.fft.rfft(frames * _window(), axis=1).T


def _signal(spectrum: np.ndarray, length: int) -> FloatArray:
    """The inverse of _frames (weighted overlap-add), `length` samples"""
    window = _window()
    frames = np.fft.irfft(spectrum.T, WINDOW, axis=1) * window
    count, overlap = len(frames), WINDOW // HOP
    total = np.zeros(HOP * (count + overlap))
    # Every overlap-th frame tiles the signal without overlapping: each
    # such set is one contiguous block, added at its first frame's place
    for first in range(overlap):
        tiles = frames[first::overlap].reshape(-1)
        total[first * HOP:first * HOP + len(tiles)] += tiles
    # The frames' summed squared window: constant, HOP-periodic (WINDOW is
    # a multiple of HOP), but for the ends, which lie in the padding
    norm = np.tile((window ** 2).reshape(overlap, HOP).sum(axis=0), count + overlap)
    return (total / np.maximum(norm, 1e-8))[WINDOW:WINDOW + length]


def _lagged(spectrum: np.ndarray, taps: int) -> np.ndarray:
    """(bands, frames, taps): each frame's `taps` latest frames of a band
    (a view: nothing is copied)"""
    padded = np.pad(spectrum, ((0, 0), (taps - 1, 0)))
    return np.lib.stride_tricks.sliding_window_view(padded, taps, axis=1)[:, :, ::-1]


def _smoothed(power: torch.Tensor) -> torch.Tensor:
    """Power (bands, frames) averaged over each band's and frame's
    neighbours: a voice's harmonic is wider than one band and longer than
    one frame"""
    return torch.nn.functional.avg_pool2d(power[None, None], 3, 1, 1,
                                          count_include_pad=False)[0, 0]


def _weights(left: torch.Tensor) -> torch.Tensor:
    """Least-squares weights (bands, frames): the inverse of what is not
    echo (the voice, noise) in each band and frame, floored"""
    noise = _smoothed(left.real ** 2 + left.imag ** 2)
    return 1 / (noise + noise.mean(dim=1, keepdim=True) * FLOOR + 1e-30)


def _fit(lagged: torch.Tensor, target: torch.Tensor, power: torch.Tensor) -> torch.Tensor:
    """The echo (bands, frames) of some neighbouring bands: PASSES of the
    weighted fit of each band's filter over its `lagged` accompaniment
    frames (bands, frames, taps) to the recording's frames `target`"""
    eye = torch.eye(lagged.shape[2], dtype=target.dtype)
    # The products in single precision (half the time), the equations
    # solved in double: weights span many decades
    single = lagged.to(torch.complex64)
    # The first weights take the whole recording for noise to the
    # estimate; each pass then sees the voice better
    ridge = (RIDGE * power + 1e-30)[:, None, None] * eye
    weight = _weights(target)
    for _ in range(PASSES):
        scaled = weight / weight.mean(dim=1, keepdim=True)
        weighted = single * scaled.to(torch.float32)[..., None]
        gram = (weighted.transpose(1, 2).conj() @ single).to(target.dtype)
        cross = (weighted.conj() * target.to(torch.complex64)[..., None]).sum(dim=1)
        path = torch.linalg.solve(gram + ridge, cross.to(target.dtype)[..., None])
        echo = (lagged @ path)[..., 0]
        weight = _weights(target - echo)
    return echo


def echo_estimate(recording: np.ndarray, played: np.ndarray, taps: int) -> np.ndarray:
    """The echo in the recording's frames (bands, frames): per band, the
    filter of `taps` frames over the accompaniment's frames `played`
    (bands, frames) that best predicts the recording's, in least squares
    weighted by how quiet the rest of the recording (the voice) is in each
    frame and band, applied to `played`"""
    lagged = _lagged(played, taps)
    power = (np.abs(played) ** 2).mean(axis=1)
    echo = np.empty_like(recording)
    # Bands in blocks, to bound the memory of the lagged frames; each pass
    # weights a band by its neighbours' residual, so a block is fitted
    # with PASSES neighbours each side, which it then discards
    for start in range(0, len(recording), BANDS):
        stop = min(start + BANDS, len(recording))
        low, high = max(0, start - PASSES), min(len(recording), stop + PASSES)
        fitted = _fit(torch.from_numpy(np.ascontiguousarray(lagged[low:high])),
                      torch.from_numpy(recording[low:high]), torch.from_numpy(power[low:high]))
        echo[start:stop] = fitted[start - low:stop - low].numpy()
    return echo


# What the linear cancellation leaves of the echo, as a share of the
# echo's power in a band and frame, with a margin: a band holding no more
# than this is silenced
LEAK = .01


def suppression(recorded: np.ndarray, left: np.ndarray, echo: np.ndarray) -> np.ndarray:
    """The gain (bands, frames) 0 .. 1 for what is left after cancellation
    (`left`, of the `recorded` frames less the `echo` estimate): 0 where
    no more than LEAK times the echo's power is left (nothing but echo is
    there), and never more than takes what is left back to the
    recording's own power (where the estimate put in what the recording
    does not hold: before a stroke, which the frames smear)"""
    remaining = _smoothed(torch.from_numpy(np.abs(left) ** 2)).clamp(min=1e-30)
    expected = LEAK * _smoothed(torch.from_numpy(np.abs(echo) ** 2))
    ceiling = (_smoothed(torch.from_numpy(np.abs(recorded) ** 2)) / remaining).sqrt()
    return torch.minimum((1 - expected / remaining).clamp(0, 1), ceiling.clamp(max=1)).numpy()


# Blocks (16 kHz samples) over which the removal may not add energy
GUARD = 256


def guarded(heard: FloatArray, cleaned: FloatArray) -> FloatArray:
    """`cleaned` (time,) scaled down wherever it holds more energy than
    the recording `heard` (time,) in a block of GUARD samples: the
    estimate, made on frames longer than a piano's stroke, spreads a
    little of each stroke before it, where the recording is silent"""
    blocks = -(-len(heard) // GUARD)
    padded = blocks * GUARD - len(heard)

    def energy(signal: FloatArray) -> FloatArray:
        return np.pad(signal, (0, padded)).reshape(blocks, GUARD).__pow__(2).sum(axis=1)

    gain = np.minimum(1, np.sqrt(energy(heard) / np.maximum(energy(cleaned), 1e-30)))
    centres = np.arange(blocks) * GUARD + GUARD / 2
    return cleaned * np.interp(np.arange(len(heard)), centres, gain)


def cancel(audio: torch.Tensor, sample_rate: int, accompaniment: torch.Tensor,
           accompaniment_rate: int | None = None, max_delay: float = MAX_DELAY,
           length: float = ECHO_LENGTH) -> Cancelled:
    """Remove the accompaniment's echo from a recording

    Arguments
        audio (torch.tensor [shape=(1, time)]): the recording, mono
        sample_rate (int): its rate (Hz)
        accompaniment (torch.tensor [shape=(channels, time')]): what was
            played (channels are averaged), starting at most `max_delay` s before its echo in the
            recording. It may be shorter than the recording (silence is
            assumed after its end) or longer (the rest is unused)
        accompaniment_rate (int or None): its rate (Hz); None: sample_rate
        max_delay (float): the longest delay searched (s), 0 .. 2
        length (float): the echo path's length (s), 0.02 .. 1; at most
            one tap (HOP samples) per FRAMES_PER_TAP frames of the take

    Returns Cancelled: the recording less the echo at `sample_rate` (the
    echo is estimated at 16 kHz: CREPE hears nothing above 8 kHz, and
    what lies there is left as it was), the echo removed, the delay (s).

    Raises ParameterError naming the argument, before any work, for
    audio that is not (1, time), or an accompaniment that is not a float
    tensor of one or two dimensions, or either empty or
    holds NaN/inf, a rate under 1000 Hz, or a max_delay or length out of
    range. Not differentiable: the result holds no gradient.
    """
    accompaniment_rate = sample_rate if accompaniment_rate is None else accompaniment_rate
    recording = recording_input(audio, sample_rate)
    played = mono_input(accompaniment, accompaniment_rate, 'accompaniment', 'accompaniment_rate')
    check_seconds('max_delay', max_delay, 0., 2.)
    check_seconds('length', length, .02, 1.)
    if not played.any():
        # Nothing was played: nothing to remove, the recording as it is
        return nothing_removed(audio, 0.)
    heard = resampled(recording, sample_rate, SAMPLE_RATE)
    played = resampled(played, accompaniment_rate, SAMPLE_RATE)[:len(heard)]
    lag = delay(heard, played, max_delay)
    pre = min(lag, int(round(PRE_DELAY * SAMPLE_RATE)))
    shift = lag - pre
    aligned = np.zeros(len(heard))
    aligned[shift:shift + len(played)] = played[:len(heard) - shift]
    played_frames = _frames(aligned)
    recorded = _frames(heard)
    taps = min(1 + math.ceil((pre + length * SAMPLE_RATE) / HOP),
               max(2, recorded.shape[1] // FRAMES_PER_TAP))
    echo_frames = echo_estimate(recorded, played_frames, taps)
    left = recorded - echo_frames
    left *= suppression(recorded, left, echo_frames)
    return removed_from(audio, sample_rate, heard, _signal(left, len(heard)),
                        lag / SAMPLE_RATE)
