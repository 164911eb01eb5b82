"""Reading and resampling one file, exactly as predict does.

`prepare` turns one file into 16 kHz audio (load, check, mono, resample);
`prepare_audio` does the same for audio already decoded (Ray Data rows).
"""
import dataclasses

import numpy as np

from . import base


@dataclasses.dataclass
class Prepared:
    """One file ready for the network

    audio (numpy.ndarray [shape=(time,)]): float32 mono at 16 kHz
    sample_rate (int): the file's own rate, Hz; hop (int): 16 kHz samples
    seconds (float): the file's duration
    """
    item: object
    audio: np.ndarray
    sample_rate: int
    hop: int
    seconds: float


@dataclasses.dataclass
class Failed:
    """One file that could not be processed: error is the exception's type
    name, message its text"""
    item: object
    error: str
    message: str


# What a bad file raises: load.audio and the checks raise ValueError (a
# non-audio or empty file, NaN samples, too short), OSError for a missing
# or unreadable file, RuntimeError from deep inside a decoder library
FILE_ERRORS = (ValueError, OSError, RuntimeError, EOFError)


def prepare(item, hop_length, pad):
    """Read, check and resample one file; returns Prepared or Failed"""
    try:
        if item.relative.split('/')[0] == '..':
            raise base.ParameterError(
                f'audio_list: {item.path!r} lies outside the list\'s directory '
                '(a ".." in the line); give an absolute path or one below the list')
        audio, sample_rate = base.load_audio(item.path)
        return prepare_audio(item, audio, sample_rate, hop_length, pad)
    except FILE_ERRORS as error:
        return Failed(item, type(error).__name__, str(error))


def prepare_audio(item, audio, sample_rate, hop_length, pad):
    """Check and resample decoded audio (channels, time) or (time,) at
    `sample_rate` Hz; returns Prepared or Failed"""
    try:
        name = f'audio file {item.path!r}'
        resampled, hop = base.checked(audio, sample_rate, hop_length, pad, name)
        seconds = audio.size(-1) / sample_rate
        return Prepared(item, resampled[0].numpy(), sample_rate, hop, seconds)
    except (*FILE_ERRORS, TypeError) as error:
        return Failed(item, type(error).__name__, str(error))
