"""The one place where folder mode touches the rest of torchcrepe.

Every function folder mode and the Ray engine need from other torchcrepe
modules is imported or adapted here, so that a change of layout elsewhere
is answered by editing this file alone.
"""
import importlib.metadata

import torch

from .. import checks, core, decode, files, load
from ..constants import MAX_FMAX, SAMPLE_RATE


__all__ = ['MAX_FMAX', 'SAMPLE_RATE', 'block_size', 'check_audio', 'frame_count',
           'frame_times', 'frames', 'infer', 'load_audio', 'long_enough',
           'at_model_rate', 'bin_range', 'settings', 'Stream', 'DECODERS',
           'decoder_name', 'staged', 'save_track', 'version',
           'DEFAULT_BATCH_SIZE', 'VOICING_THRESHOLD', 'checks']

settings = core.settings
frames = core.frames
frame_count = core.frame_count
frame_times = core.frame_times
block_size = core.block_size
infer = core.infer
bin_range = checks.bin_range
check_audio = checks.audio
long_enough = checks.long_enough
load_audio = load.audio
Stream = decode.Stream
DECODERS = decode.DECODERS
staged = files.staged
save_track = files.save_track
DEFAULT_BATCH_SIZE = core.DEFAULT_BATCH_SIZE
VOICING_THRESHOLD = core.VOICING_THRESHOLD


def at_model_rate(audio, sample_rate, hop_length):
    """(audio (1, time) at 16 kHz, hop in 16 kHz samples), as predict makes them

    The same steps as predict's own (core's private _at_model_rate): the hop
    converted with core.model_hop, the audio resampled with core.resample.
    """
    hop = core.model_hop(sample_rate, hop_length)
    if sample_rate != SAMPLE_RATE:
        audio = core.resample(audio, sample_rate)
    if hop < 1:
        raise ValueError(
            f'hop_length must be at least one sample at {SAMPLE_RATE} Hz once '
            f'resampled; got {hop} at {sample_rate} Hz')
    return audio, hop


def decoder_name(decoder):
    """The DECODERS name of a decoding function (folder mode takes names
    only, so that settings cross process boundaries)"""
    return next(name for name, function in DECODERS.items()
                if function is decoder)


def version():
    """The installed torchcrepe's version string"""
    try:
        return importlib.metadata.version('torchcrepe')
    except importlib.metadata.PackageNotFoundError:
        return 'unknown'


def no_grad():
    return torch.no_grad()
