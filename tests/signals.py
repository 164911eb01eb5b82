"""Synthetic test signals and WAV writing for the tests."""
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                'benchmarks'))
from sung import arrival  # noqa: E402,F401  (where a raised-cosine glide arrives)


def tone(frequency, seconds, sample_rate=16000, amplitude=.5, harmonics=1):
    """A (1, samples) float32 tone; `frequency` is Hz or a function of time"""
    times = np.arange(int(round(seconds * sample_rate))) / sample_rate
    f0 = frequency(times) if callable(frequency) else np.full_like(times, frequency)
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    signal = sum(np.sin(k * phase) / k for k in range(1, harmonics + 1))
    signal = amplitude * signal / np.abs(signal).max()
    return torch.from_numpy(signal.astype(np.float32))[None]


def write_wav(path, samples, sample_rate, sample_format='int16'):
    """Write (channels, time) floats in [-1, 1] as a WAV file

    sample_format: 'uint8', 'int16', 'int24', 'int32', 'float32', 'float64'
    """
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim == 1:
        samples = samples[None]
    interleaved = samples.T.reshape(-1)
    channels = samples.shape[0]
    # PCM: value * 2 ** (bits - 1), clipped, the scale the reader divides by
    integer = {'uint8': 8, 'int16': 16, 'int24': 24, 'int32': 32}
    if sample_format in integer:
        bits, code = integer[sample_format], 1
        scale = 2 ** (bits - 1)
        values = np.clip(np.round(interleaved * scale), -scale, scale - 1).astype(np.int64)
        if bits == 8:
            data = (values + 128).astype(np.uint8).tobytes()
        elif bits == 24:
            data = values.astype('<i4').view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
        else:
            data = values.astype(f'<i{bits // 8}').tobytes()
    elif sample_format in ('float32', 'float64'):
        bits, code = int(sample_format[5:]), 3
        data = interleaved.astype(f'<f{bits // 8}').tobytes()
    else:
        raise ValueError(sample_format)
    block = channels * bits // 8
    header = struct.pack('<4sI4s4sIHHIIHH4sI', b'RIFF', 36 + len(data), b'WAVE',
                         b'fmt ', 16, code, channels, sample_rate,
                         sample_rate * block, block, bits, b'data', len(data))
    with open(path, 'wb') as file:
        file.write(header + data)

