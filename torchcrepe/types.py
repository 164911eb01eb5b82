"""Names of the types the public API takes and returns, defined once.

Annotations across the package use these, so that what a path, a device or
a decoder is has one definition. A bottom layer: imports nothing from
torchcrepe (torch and numpy only), so that any module can import it.
The aliases are written with `typing`'s forms so that they evaluate on
every Python the package supports (`typing.get_type_hints` reads them).
"""
import os
import sys
from typing import Any, Callable, Tuple, Union

import numpy as np
import numpy.typing as npt
import torch

# A file or folder path: what os.fspath takes (bytes paths are not taken)
if sys.version_info >= (3, 9):
    FilePath = Union[str, os.PathLike[str]]
else:  # os.PathLike is not subscriptable at run time before 3.9
    FilePath = Union[str, os.PathLike]

# Where the network runs: 'cpu', 'cuda', 'cuda:1', a torch.device, or a
# CUDA device's index
Device = Union[str, int, torch.device]

# A decoder: logits (batch, 360, time) -> (bins, pitch), each (batch, time)
Decoder = Callable[[torch.Tensor], Tuple[torch.Tensor, torch.Tensor]]

# What `predict` and its relatives return: pitch, or (pitch, periodicity)
# with return_periodicity
Prediction = Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]

# numpy arrays: of any dtype, of floats (float64 unless said), of bools
Array = npt.NDArray[Any]
FloatArray = npt.NDArray[np.floating[Any]]
BoolArray = npt.NDArray[np.bool_]

# Per-frame values given as a tensor or as anything numpy reads (the
# singing analysis and the plots take either)
Values = Union[torch.Tensor, npt.ArrayLike]

__all__ = ['Array', 'BoolArray', 'Decoder', 'Device', 'FilePath',
           'FloatArray', 'Prediction', 'Values']
