"""The one place where folder mode touches the rest of torchcrepe.

Every function folder mode and the Ray engine need from other torchcrepe
modules is imported or adapted here, so that a change of layout elsewhere
is answered by editing this file alone.
"""
from .. import checks, decode, engine, files, framing, load, paths, pipeline
from ..constants import MAX_FMAX, SAMPLE_RATE, VOICING_THRESHOLD
from ..utils import ParameterError


__all__ = ['MAX_FMAX', 'SAMPLE_RATE', 'VOICING_THRESHOLD', 'DECODERS',
           'Decoding', 'ParameterError', 'batch_step', 'block_rows', 'checked', 'checks', 'decoder_name',
           'frame_count', 'frame_times', 'frames', 'load_audio', 'metadata',
           'probabilities', 'save_track', 'settings', 'single_path', 'staged',
           'TRACK_FORMATS', 'voiced']

settings = pipeline.settings
frames = framing.frames
frame_count = framing.frame_count
frame_times = framing.frame_times
load_audio = load.audio
DECODERS = decode.DECODERS
staged = files.staged
save_track = files.save_track
voiced = files.voiced
TRACK_FORMATS = files.TRACK_FORMATS
checked = pipeline.checked
metadata = engine.metadata
batch_step = engine.batch_step
block_rows = engine.block_rows
probabilities = engine.probabilities
single_path = paths.single
Decoding = engine.Decoding


def decoder_name(decoder):
    """The DECODERS name of a decoding function (folder mode takes names
    only, so that settings cross process boundaries)"""
    return next(name for name, function in DECODERS.items()
                if function is decoder)
