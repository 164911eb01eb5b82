"""Constants shared by every module (re-exported at the top level)."""
from typing import Tuple

import numpy as np

# Audio is analysed at this rate (Hz); other rates are resampled to it
SAMPLE_RATE: int = 16000

# Samples per analysis frame (64 ms at 16 kHz)
WINDOW_SIZE: int = 1024

# Output bins of the network, 20 cents apart
PITCH_BINS: int = 360
CENTS_PER_BIN: int = 20

# Cents (relative to 10 Hz) of the centre of bin 0, about 31.7 Hz
CENTS_OFFSET: float = 1997.3794084376191

# Highest frequency a bin centre can take (Hz), rounded up
MAX_FMAX: float = 2006.

# Pitch value of unvoiced frames
UNVOICED: float = np.nan

# Precisions the network can compute in ('float16' on CUDA only)
PRECISIONS: Tuple[str, ...] = ('float32', 'bfloat16', 'float16')

# The package's version; here so that any module can read it without
# importing the package root
__version__: str = '0.0.25'

# Periodicity below which .csv/.json outputs and plots call a frame unvoiced
VOICING_THRESHOLD: float = .21
