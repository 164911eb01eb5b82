"""Loudness per frame, on the same frames as pitch tracking: A-weighted, and
the level of the band where a sung vowel's formants lie."""
from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt
import torch

from . import checks, framing
from .constants import SAMPLE_RATE, WINDOW_SIZE
from .types import FloatArray
from .utils import ParameterTypeError


# Floor of the spectrum in dB (amplitude 1e-5) and of the weighted result
MIN_DB = -100.

# Hz: the band of band_level, Mermelstein's (JASA 1975) for syllables:
# above a voice's fundamental and first harmonics, up to its upper formants
BAND = (500., 4000.)

# Offset subtracted from the A-weighting (dB)
REF_DB = 20.

# A-weighting below this many dB (the lowest frequencies) is clipped to it
MIN_WEIGHT_DB = -80.


###############################################################################
# A-weighted loudness
###############################################################################


def a_weighted(audio: torch.Tensor, sample_rate: int, hop_length: int | None = None,
               pad: bool = True) -> torch.Tensor:
    """Per-frame A-weighted loudness in dB

    The magnitude STFT (1024-point Hann window, hop as in `predict`, frames
    centred when `pad`) is taken to dB with a floor of MIN_DB (amplitude
    1e-5), A-weighted per frequency (minus REF_DB), floored at MIN_DB and
    averaged over frequency. Levels are absolute: unlike 0.0.24 (librosa's
    80 dB range below the loudest value), a quiet frame does not depend on
    how loud the rest of the file is.

    Arguments
        audio (torch.tensor [shape=(1, time)])
        sample_rate (int), Hz; resampled to 16 kHz
        hop_length (int), samples at sample_rate; default 10 ms
        pad (bool)

    Returns
        loudness (torch.tensor [shape=(1, frames)]), dB, float32, on
        audio's device
    """
    magnitude, device = _spectrum(audio, sample_rate, hop_length, pad)
    db = 20 * torch.log10(magnitude.clamp(min=10 ** (MIN_DB / 20)))
    weights = torch.from_numpy(perceptual_weights()[:, 0])
    weighted = (db + weights).clamp(min=MIN_DB)
    return weighted.mean(dim=1).float().to(device)[None]


def band_level(audio: torch.Tensor, sample_rate: int, hop_length: int | None = None,
               pad: bool = True) -> torch.Tensor:
    """Per-frame level in dB of the BAND (500-4000 Hz) where a sung vowel's
    formants lie

    The mean square of the signal within the band, from the same STFT as
    a_weighted's (1024-point Hann window at 16 kHz, hop as in `predict`,
    frames centred when `pad`), in dB re full scale: a sinusoid of
    amplitude 1 inside the band reads -3.01 dB; floored at MIN_DB. A
    consonant between two vowels (a nasal, a liquid, a voiced stop) keeps
    the voice's fundamental but takes away the harmonics in this band: at
    the same-pitch re-attacks of the SSVD sight-singing takes that
    a_weighted misses, this band dips a median 10 dB and a_weighted 2.7
    dB. Mermelstein's syllable loudness (JASA 1975) is computed on this
    band. The singing analysis reads its syllables and onsets from it.

    Arguments and returns as a_weighted's: audio (torch.tensor [shape=(1,
    time)]), sample_rate (int, Hz; resampled to 16 kHz), hop_length (int,
    samples at sample_rate; default 10 ms), pad (bool) -> level
    (torch.tensor [shape=(1, frames)]), dB, float32, on audio's device
    """
    magnitude, device = _spectrum(audio, sample_rate, hop_length, pad)
    frequencies = _frequencies()
    inside = torch.from_numpy((frequencies >= BAND[0]) & (frequencies < BAND[1]))
    window = _window()
    # One-sided power to the mean square of the windowed band (Parseval)
    power = 2 * (magnitude[:, inside] ** 2).sum(dim=1) / (WINDOW_SIZE * (window ** 2).sum())
    level = 10 * torch.log10(power.clamp(min=10 ** (MIN_DB / 10)))
    return level.float().to(device)[None]


def _spectrum(audio: torch.Tensor, sample_rate: int, hop_length: int | None,
              pad: bool) -> tuple[torch.Tensor, torch.device]:
    """(magnitude STFT (frames, 513) float64 on the CPU, audio's device) of
    checked audio at 16 kHz, after the checks both levels share"""
    checks.sample_rate(sample_rate)
    checks.hop_length(hop_length)
    audio = checks.audio(audio).detach()
    device = audio.device
    audio, hop_length = framing.at_model_rate(audio, sample_rate, hop_length)

    signal = audio[0].double().cpu()
    if pad:
        signal = torch.nn.functional.pad(signal, (WINDOW_SIZE // 2, WINDOW_SIZE // 2))
    frames = signal.unfold(0, WINDOW_SIZE, hop_length)
    return torch.fft.rfft(frames * _window(), dim=1).abs(), device


def _window() -> torch.Tensor:
    """The STFT's window: WINDOW_SIZE-point periodic Hann, float64"""
    return torch.hann_window(WINDOW_SIZE, periodic=True, dtype=torch.float64)


def _frequencies() -> FloatArray:
    """Hz of each rfft bin of the STFT at SAMPLE_RATE: (513,) numpy"""
    return np.fft.rfftfreq(WINDOW_SIZE, 1. / SAMPLE_RATE)


def perceptual_weights() -> FloatArray:
    """A-weighting (dB) minus REF_DB for each rfft bin: (513, 1) numpy"""
    return a_weighting(_frequencies())[:, None] - REF_DB


def a_weighting(frequencies: npt.ArrayLike) -> FloatArray:
    """The IEC 61672 A-weighting curve in dB, clipped below at MIN_WEIGHT_DB,
    of frequencies in Hz (a number or array-like)"""
    message = f'frequencies must be numbers of Hz; got {frequencies!r}'
    if isinstance(frequencies, (str, bytes)):
        raise ParameterTypeError(message)
    try:
        squared = np.asarray(frequencies, dtype=np.float64) ** 2
    except (TypeError, ValueError):
        raise ParameterTypeError(message) from None
    # Pole frequencies of the standard curve (Hz)
    f1, f2, f3, f4 = 20.598997, 107.65265, 737.86223, 12194.217
    with warnings.catch_warnings():
        # log10(0) at 0 Hz is -inf, which the clip turns into the floor
        warnings.simplefilter('ignore', RuntimeWarning)
        gain = (f4 ** 2 * squared ** 2) / (
            (squared + f1 ** 2)
            * np.sqrt((squared + f2 ** 2) * (squared + f3 ** 2))
            * (squared + f4 ** 2))
        weights = 20 * np.log10(gain) + 2.0
    return np.maximum(weights, MIN_WEIGHT_DB)
