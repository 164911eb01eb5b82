"""Loading audio files, and 0.0.24's `model()`.

`crepe` and `state_dict` (the bundled weights) live in torchcrepe.weights
and are importable from here too.
"""
from __future__ import annotations

import os
import warnings

import numpy as np
import torch
from scipy.io import wavfile

from . import network, utils
from .types import Array, Device, FilePath
from .weights import ASSETS, crepe, state_dict  # noqa: F401


###############################################################################
# Audio
###############################################################################


def audio(filename: FilePath) -> tuple[torch.Tensor, int]:
    """Load an audio file

    WAV (PCM of 8 to 32 bits, or 32/64-bit float) is read with scipy; other
    formats (FLAC, OGG, MP3, ...) need the optional `soundfile` package.

    Arguments
        filename (str or os.PathLike)

    Returns
        audio (torch.tensor [shape=(channels, time)]), float32 in [-1, 1]
        sample_rate (int), Hz

    Raises
        ParameterTypeError for a filename that is no path, ParameterError
        (a ValueError) for a folder; FileNotFoundError for a missing file;
        ValueError for an empty, unreadable or non-audio file, naming the
        file
    """
    if not isinstance(filename, (str, os.PathLike)):
        raise utils.ParameterTypeError(
            'filename must be the path of an audio file (str or os.PathLike); '
            f'got {filename!r}')
    path = os.fspath(filename)
    if not os.path.exists(path):
        raise FileNotFoundError(f'audio file {path!r} does not exist')
    if os.path.isdir(path):
        raise utils.ParameterError(f'audio file {path!r} is a directory')
    if not os.access(path, os.R_OK):
        raise ValueError(f'audio file {path!r} cannot be read (permission denied)')
    if os.path.getsize(path) == 0:
        raise ValueError(f'audio file {path!r} is empty (0 bytes)')

    try:
        samples, sample_rate = _read_wav(path)
    except Exception as wav_error:  # scipy reports bad files many ways
        try:
            samples, sample_rate = _read_soundfile(path)
        except ImportError:
            raise ValueError(
                f'audio file {path!r} is not a readable WAV file ({wav_error}); '
                'other formats (FLAC, OGG, MP3) need soundfile: '
                'pip install soundfile') from None
        except Exception as error:  # soundfile raises its own error types
            raise ValueError(
                f'audio file {path!r} is not a readable audio file ({error})'
            ) from None

    if sample_rate <= 0:
        raise ValueError(f'audio file {path!r} declares a sample rate of {sample_rate} Hz')
    _warn_if_truncated(path, samples.shape[-1], sample_rate)
    return torch.from_numpy(samples), int(sample_rate)


class TruncatedAudioWarning(UserWarning):
    """A WAV file holds fewer samples than its header declares (e.g. an
    interrupted copy): what is there is read, and this warning names the
    file and both lengths"""


def _warn_if_truncated(path: str, samples: int, sample_rate: int) -> None:
    declared = wav_declared_samples(path)
    if declared is not None and samples < declared:
        warnings.warn(
            f'audio file {path!r} is truncated: its header declares '
            f'{declared} samples ({declared / sample_rate:.3f} s), the file '
            f'holds {samples} ({samples / sample_rate:.3f} s); reading those',
            TruncatedAudioWarning, stacklevel=utils.caller_level())


# A data chunk size that streaming writers put in the header when they do
# not know the length yet: the header declares nothing
UNKNOWN_SIZES = (0, 0xFFFFFFFF)


def wav_declared_samples(path: FilePath) -> int | None:
    """Samples per channel that a WAV file's header declares, or None
    (not a RIFF/WAVE file, or a length left unknown by a streaming writer)

    Walks the chunk headers only, so it reads a few bytes whatever the
    file's size.
    """
    with open(path, 'rb') as file:
        head = file.read(12)
        if len(head) < 12 or head[:4] != b'RIFF' or head[8:12] != b'WAVE':
            return None
        block_align = None
        while True:
            chunk = file.read(8)
            if len(chunk) < 8:
                return None
            name, size = chunk[:4], int.from_bytes(chunk[4:], 'little')
            # Chunks are padded to an even number of bytes
            skip = size + (size & 1)
            if name == b'fmt ':
                body = file.read(size)
                if len(body) < 14:
                    return None
                block_align = int.from_bytes(body[12:14], 'little')
                skip -= len(body)
            elif name == b'data':
                if block_align in (None, 0) or size in UNKNOWN_SIZES:
                    return None
                return size // block_align
            file.seek(skip, 1)


def _read_wav(path: str) -> tuple[Array, int]:
    """scipy's reader, scaled to float32 in [-1, 1]: (channels, time)"""
    with warnings.catch_warnings():
        # Chunks scipy does not know (LIST, cue, ...) are skipped, harmlessly
        warnings.simplefilter('ignore', wavfile.WavFileWarning)
        sample_rate, data = wavfile.read(path)
    data = np.asarray(data)
    if data.dtype == np.uint8:
        # 8-bit WAV is unsigned with silence at 128
        samples: Array = (data.astype(np.float32) - 128) / 128
    elif np.issubdtype(data.dtype, np.signedinteger):
        # scipy left-justifies every depth into its container (24 in 32)
        samples = data.astype(np.float32) / float(2 ** (8 * data.dtype.itemsize - 1))
    elif np.issubdtype(data.dtype, np.floating):
        samples = data.astype(np.float32)
    else:
        raise ValueError(f'unsupported sample type {data.dtype}')
    if samples.ndim == 1:
        samples = samples[None]
    else:
        samples = np.ascontiguousarray(samples.T)
    return samples, sample_rate


def _read_soundfile(path: str) -> tuple[Array, int]:
    import soundfile

    data, sample_rate = soundfile.read(path, dtype='float32', always_2d=True)
    return np.ascontiguousarray(data.T), sample_rate


###############################################################################
# Models
###############################################################################


def model(device: Device, capacity: str = 'full') -> None:
    """Load a bundled capacity and make it the one `infer` uses, as 0.0.24

    Arguments
        device (str or torch.device)
        capacity (str): 'tiny', 'small', 'medium', 'large' or 'full'
    """
    network.infer.load(capacity, device)
