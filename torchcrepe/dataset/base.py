"""The one place where folder mode touches the rest of torchcrepe.

Every function folder mode and the Ray engine need from other torchcrepe
modules is imported or adapted here, so that a change of layout elsewhere
is answered by editing this file alone.
"""
from .. import (checks, convert, decode, files, framing, load, network,
               outputs, pipeline)
from ..constants import MAX_FMAX, SAMPLE_RATE, VOICING_THRESHOLD


__all__ = ['MAX_FMAX', 'SAMPLE_RATE', 'VOICING_THRESHOLD', 'DEFAULT_BATCH_SIZE',
           'DECODERS', 'Stream', 'bin_range', 'block_size', 'checked', 'checks',
           'decoder_name', 'frame_count', 'frame_times', 'frames', 'infer',
           'load_audio', 'metadata', 'outside_to_inf', 'save_track',
           'settings', 'staged', 'warn_if_trapped']

settings = pipeline.settings
frames = framing.frames
frame_count = framing.frame_count
frame_times = framing.frame_times
block_size = network.block_size
bin_range = convert.bin_range
load_audio = load.audio
Stream = decode.Stream
DECODERS = decode.DECODERS
staged = files.staged
save_track = files.save_track
DEFAULT_BATCH_SIZE = pipeline.DEFAULT_BATCH_SIZE
outside_to_inf = pipeline.outside_to_inf
warn_if_trapped = pipeline.warn_if_trapped
checked = pipeline.checked
metadata = outputs.metadata


def infer(*args, **kwargs):
    """network.infer, looked up at call time (tests replace it)"""
    return network.infer(*args, **kwargs)


def decoder_name(decoder):
    """The DECODERS name of a decoding function (folder mode takes names
    only, so that settings cross process boundaries)"""
    return next(name for name, function in DECODERS.items()
                if function is decoder)
