"""Every default of the public API and the command line, in one place.

The signatures of `predict` and its relatives, `live.Tracker`, folder mode
and the command line's options all read these names, so a default is
changed here or nowhere. The decoder is named as a string (the command
line's spelling); `decode.DECODERS` maps it to the function.
"""
from .constants import MAX_FMAX, VOICING_THRESHOLD

# Lowest and highest frequency searched, Hz
FMIN: float = 50.
FMAX: float = MAX_FMAX

# The capacity run when none is named
MODEL: str = 'full'

# The decoder of pitch tracking, and of the singing report
DECODER: str = 'viterbi'
SINGING_DECODER: str = 'weighted_viterbi'

# Frames cut from the audio at a time when batch_size is None: 2048 frames
# are 8 MB, so peak memory is that plus one block's activations (at most
# about 170 MB for 'full' on CPU), whatever the input's length.
BATCH_SIZE: int = 2048

# Periodicity below which .csv/.json outputs, plots and the singing report
# call a frame unvoiced
VOICING: float = VOICING_THRESHOLD

__all__ = ['BATCH_SIZE', 'DECODER', 'FMAX', 'FMIN', 'MODEL',
           'SINGING_DECODER', 'VOICING']
