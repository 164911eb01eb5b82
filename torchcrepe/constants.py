"""Constants shared by every module (re-exported at the top level)."""
import numpy as np

# Audio is analysed at this rate (Hz); other rates are resampled to it
SAMPLE_RATE = 16000

# Samples per analysis frame (64 ms at 16 kHz)
WINDOW_SIZE = 1024

# Output bins of the network, 20 cents apart
PITCH_BINS = 360
CENTS_PER_BIN = 20

# Cents (relative to 10 Hz) of the centre of bin 0, about 31.7 Hz
CENTS_OFFSET = 1997.3794084376191

# Highest frequency a bin centre can take (Hz), rounded up
MAX_FMAX = 2006.

# Pitch value of unvoiced frames
UNVOICED = np.nan
