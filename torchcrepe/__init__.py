"""torchcrepe: the CREPE pitch tracker in PyTorch, in five capacities."""
from . import decode
from .constants import (CENTS_PER_BIN, MAX_FMAX, PITCH_BINS, SAMPLE_RATE,
                        UNVOICED, WINDOW_SIZE)
from .core import *  # noqa: F401,F403
from .folder import predict_from_folder_to_folder
from .model import CAPACITIES, Crepe
from . import convert
from . import export
from . import filter
from . import load
from . import loudness
from . import threshold

__version__ = '0.0.25'
