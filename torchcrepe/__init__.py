"""torchcrepe: the CREPE pitch tracker in PyTorch, in five capacities."""
from types import ModuleType as _ModuleType

from .constants import (CENTS_PER_BIN, MAX_FMAX, PITCH_BINS, SAMPLE_RATE,
                        UNVOICED, WINDOW_SIZE, __version__)
from . import decode
from .core import *  # noqa: F401,F403
from .folder import predict_from_folder_to_folder
from .model import CAPACITIES, Crepe
from .utils import ParameterError, ParameterTypeError
from . import accompaniment
from . import convert
from . import export
from . import filter
from . import live
from . import load
from . import loudness
from . import threshold


def __getattr__(name: str) -> _ModuleType:
    # torchcrepe.singing is imported on first use: it needs scipy.signal
    # (about 55 MB), which folder mode's worker processes never use
    if name == 'singing':
        import importlib
        return importlib.import_module('.singing', __name__)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
