"""Audio to the network's input: mono, 16 kHz, hops, normalised frames.

Frame i of a signal at 16 kHz covers samples i * hop - 512 .. i * hop + 511
with `pad` (zeros outside the signal), or i * hop .. i * hop + 1023 without.
Each frame is centred and divided by its (unbiased) standard deviation, as
original CREPE does.
"""
from __future__ import annotations

import numpy as np
import torch

from .constants import SAMPLE_RATE, WINDOW_SIZE
from .types import Device, FloatArray
from .utils import ParameterError


def mono(audio: torch.Tensor) -> torch.Tensor:
    """(time,) or (channels, time) -> (1, time), channels averaged"""
    audio = audio.detach()
    if audio.dim() == 2 and audio.size(0) > 1:
        audio = audio.mean(dim=0, keepdim=True)
    return audio.reshape(1, -1)


def resample(audio: torch.Tensor, sample_rate: int) -> torch.Tensor:
    """Resample (1, time) audio to 16 kHz with resampy (as original CREPE)

    Returns
        (torch.tensor [shape=(1, time')]), float32 on audio's device
    """
    import resampy

    device = audio.device
    samples = audio.detach().cpu().numpy().squeeze(0)
    samples = resampy.resample(samples, sample_rate, SAMPLE_RATE)
    return torch.from_numpy(
        np.ascontiguousarray(samples, dtype=np.float32)).to(device)[None]


def model_hop(sample_rate: int, hop_length: int | None = None) -> int:
    """The hop in samples at 16 kHz for a hop given at `sample_rate`;
    None is 10 ms"""
    hop_length = sample_rate // 100 if hop_length is None else hop_length
    if sample_rate != SAMPLE_RATE:
        hop_length = int(hop_length * SAMPLE_RATE / sample_rate)
    return hop_length


# Below this rate (Hz) a signal holds no frequency in CREPE's range: its
# Nyquist frequency is under the lowest pitch bin (about 31.7 Hz)
MIN_SAMPLE_RATE = 64

# The default hop is 10 ms, a whole sample only from this rate (Hz) up
MIN_DEFAULT_HOP_RATE = 100


def checked_hop(sample_rate: int, hop_length: int | None = None) -> int:
    """model_hop, refused (ParameterError) when under one sample, or when
    `sample_rate` (Hz) is too low for pitch (the message then names it)"""
    if sample_rate < MIN_SAMPLE_RATE or (
            hop_length is None and sample_rate < MIN_DEFAULT_HOP_RATE):
        raise ParameterError(
            f'sample_rate must be at least {MIN_DEFAULT_HOP_RATE} Hz (the '
            'default 10 ms hop is one sample there), or at least '
            f'{MIN_SAMPLE_RATE} Hz with hop_length given (below it the '
            "signal holds no pitch in CREPE's range); got "
            f'{sample_rate} Hz')
    hop = model_hop(sample_rate, hop_length)
    if hop < 1:
        raise ParameterError(
            f'hop_length must be at least one sample at {SAMPLE_RATE} Hz once '
            f'resampled; got {hop_length} at {sample_rate} Hz')
    return hop


def at_model_rate(audio: torch.Tensor, sample_rate: int,
                  hop_length: int | None = None) -> tuple[torch.Tensor, int]:
    """(audio (1, time') at 16 kHz, hop in 16 kHz samples)

    Raises ParameterError when the hop is under one sample once resampled.
    """
    hop = checked_hop(sample_rate, hop_length)
    if sample_rate != SAMPLE_RATE:
        audio = resample(audio, sample_rate)
    return audio, hop


def frame_count(samples: int, hop_length: int, pad: bool) -> int:
    """Frames in `samples` samples at 16 kHz"""
    if pad:
        return 1 + samples // hop_length
    return 1 + (samples - WINDOW_SIZE) // hop_length


def frame_times(count: int, hop_length: int, pad: bool, start: int = 0) -> FloatArray:
    """Centre of each frame in seconds: (count,) float64 numpy array, of
    frames start .. start + count - 1"""
    offset = 0 if pad else WINDOW_SIZE // 2
    return (np.arange(start, start + count) * hop_length + offset) / SAMPLE_RATE


def frames(audio: torch.Tensor, hop_length: int, pad: bool, start: int, stop: int,
           device: Device = 'cpu') -> torch.Tensor:
    """Normalised frames start .. stop - 1 of 16 kHz audio

    Arguments
        audio (torch.tensor [shape=(1, time)])
        hop_length (int), samples at 16 kHz
        pad (bool), whether frame i is centred on sample i * hop_length
        start, stop (int), frame indices

    Returns
        (torch.tensor [shape=(stop - start, 1024)]), float32 on `device`
    """
    offset = WINDOW_SIZE // 2 if pad else 0
    first = start * hop_length - offset
    last = (stop - 1) * hop_length - offset + WINDOW_SIZE
    low, high = max(first, 0), min(last, audio.size(1))

    # Only the samples these frames cover are copied, zero-padded at the
    # edges of the signal
    segment = audio[0, low:high].to(device=device, dtype=torch.float32)
    if low > first or high < last:
        segment = torch.nn.functional.pad(segment, (low - first, last - high))
    windows = segment.unfold(0, WINDOW_SIZE, hop_length)

    # As 0.0.24: centre, then divide by the (unbiased) deviation
    centred = windows - windows.mean(dim=1, keepdim=True)
    deviation = centred.std(dim=1, keepdim=True).clamp(min=1e-10)
    return centred / deviation
