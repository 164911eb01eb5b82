"""The CREPE network and the table of its five capacities.

Everything that depends on the capacity (layer widths, the converter's shape
checks, the command line's choices, error messages) reads `CAPACITIES` here.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .constants import PITCH_BINS, WINDOW_SIZE
from .utils import ParameterError, ParameterTypeError


###############################################################################
# Capacity table
###############################################################################


# Width multiplier m of each capacity, smallest first
CAPACITIES = {'tiny': 4, 'small': 8, 'medium': 16, 'large': 24, 'full': 32}

# Output channels of the six conv blocks, in units of m
CHANNEL_MULTIPLES = (32, 4, 4, 4, 8, 16)

# Conv kernel length and stride of each block
KERNEL_SIZES = (512, 64, 64, 64, 64, 64)
STRIDES = (4, 1, 1, 1, 1, 1)

# Zero padding (before, after) of each block: what Keras' 'same' padding
# computes for these kernels and strides on a 1024-sample frame
PADDINGS = ((254, 254),) + 5 * ((31, 32),)

# Keras stores epsilon as float32(0.001); torch reads it back as this double
BATCH_NORM_EPS = float(np.float32(1e-3))

# Positions left after the sixth max-pool (1024 / 4 / 2 ** 6)
FINAL_POSITIONS = 4

# Length of the map entering each block: fixed, since every frame has
# WINDOW_SIZE samples. Kept as numbers, not read off tensors, so that a
# traced or exported graph has static shapes.
INPUT_LENGTHS = (WINDOW_SIZE,) + tuple(
    WINDOW_SIZE // STRIDES[0] // 2 ** i for i in range(1, 6))


def check_capacity(capacity: object, argument: str = 'model') -> str:
    """Raise ParameterError unless `capacity` names one of the five models"""
    if not isinstance(capacity, str) or capacity not in CAPACITIES:
        names = ', '.join(repr(name) for name in CAPACITIES)
        kind = ParameterError if isinstance(capacity, str) else ParameterTypeError
        raise kind(f'{argument} must be one of {names}; got {capacity!r}')
    return capacity


def channels(capacity: str) -> tuple[int, ...]:
    """Output channels of the six conv blocks of a capacity"""
    multiplier = CAPACITIES[check_capacity(capacity)]
    return tuple(multiple * multiplier for multiple in CHANNEL_MULTIPLES)


def in_features(capacity: str) -> int:
    """Width of the classifier's input: the flattened sixth block"""
    return FINAL_POSITIONS * channels(capacity)[-1]


def embedding_size(capacity: str) -> int:
    """E in the (frames, 32, E) embedding: the fifth block's map over 32"""
    return channels(capacity)[4] * 2 * FINAL_POSITIONS // 32


def parameter_shapes(capacity: str) -> dict[str, tuple[int, ...]]:
    """Shape of every tensor in a capacity's state dict, in order"""
    outputs = channels(capacity)
    inputs = (1,) + outputs[:-1]
    shapes: dict[str, tuple[int, ...]] = {}
    for i, (c_in, c_out, kernel) in enumerate(
            zip(inputs, outputs, KERNEL_SIZES), 1):
        shapes[f'conv{i}.weight'] = (c_out, c_in, kernel, 1)
        shapes[f'conv{i}.bias'] = (c_out,)
        for name in ('weight', 'bias', 'running_mean', 'running_var'):
            shapes[f'conv{i}_BN.{name}'] = (c_out,)
        shapes[f'conv{i}_BN.num_batches_tracked'] = ()
    shapes['classifier.weight'] = (PITCH_BINS, in_features(capacity))
    shapes['classifier.bias'] = (PITCH_BINS,)
    return shapes


def capacity_from_channels(first_channels: int) -> str:
    """The capacity whose first conv block has this many output channels"""
    for name, multiplier in CAPACITIES.items():
        if CHANNEL_MULTIPLES[0] * multiplier == first_channels:
            return name
    known = ', '.join(
        f'{CHANNEL_MULTIPLES[0] * m} ({name})'
        for name, m in CAPACITIES.items())
    raise ParameterError(
        f'conv1 has {first_channels} output channels; '
        f'a CREPE model has one of {known}')


def kernel_taps(index: int) -> tuple[slice, tuple[int, int]]:
    """(taps, (pad before, pad after)) of block `index` (1-6)

    With 'same' padding on a map shorter than the kernel, the outer taps
    only ever meet zeros: dropping them and padding less skips that work
    exactly (each output sums the same products). `taps` is the slice of
    the kernel that is kept.
    """
    before, after = PADDINGS[index - 1]
    reach = INPUT_LENGTHS[index - 1] - 1
    if before > reach and after > reach:
        return slice(before - reach, before + reach + 1), (reach, reach)
    return slice(None), (before, after)


###############################################################################
# Network
###############################################################################


class Crepe(torch.nn.Module):
    """The CREPE network for one capacity.

    Arguments
        model (str)
            'tiny', 'small', 'medium', 'large' or 'full'

    The state dict uses the keys of torchcrepe 0.0.24 (`conv{i}`,
    `conv{i}_BN`, `classifier`), so weights load into either version.
    """

    # The first block's conv, by the name __init__ gives it (setattr)
    conv1: torch.nn.Conv2d

    def __init__(self, model: str = 'full') -> None:
        super().__init__()
        self.capacity = check_capacity(model)
        outputs = channels(model)
        inputs = (1,) + outputs[:-1]
        self.in_features = in_features(model)

        for i, (c_in, c_out, kernel, stride) in enumerate(
                zip(inputs, outputs, KERNEL_SIZES, STRIDES), 1):
            setattr(self, f'conv{i}', torch.nn.Conv2d(
                c_in, c_out, (kernel, 1), (stride, 1)))
            setattr(self, f'conv{i}_BN', torch.nn.BatchNorm2d(
                c_out, eps=BATCH_NORM_EPS, momentum=0.))

        self.classifier = torch.nn.Linear(self.in_features, PITCH_BINS)

    def forward(self, x: torch.Tensor, embed: bool = False) -> torch.Tensor:
        """Pitch-bin probabilities (or the embedding) of normalised frames

        Arguments
            x (torch.tensor [shape=(batch, 1024)])
                Frames, each mean-centred and scaled to unit deviation
            embed (bool)
                Stop after the fifth block and return its output

        Returns
            probabilities (torch.tensor [shape=(batch, 360)]), sigmoid outputs
            OR embedding (torch.tensor [shape=(batch, C5, 8, 1)])
        """
        x = self.embed(x)
        if embed:
            return x
        x = self.layer(x[..., 0], 6)

        # Keras flattens the (positions, channels) map position-major
        x = x.transpose(1, 2).reshape(-1, self.in_features)
        return torch.sigmoid(self.classifier(x))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Output of the fifth block: (batch, 1024) -> (batch, C5, 8, 1)"""
        if x.dim() != 2 or x.size(1) != WINDOW_SIZE:
            raise ParameterError(
                f'frames must have shape (batch, {WINDOW_SIZE}); '
                f'got {tuple(x.shape)}')
        x = x[:, None, :]
        for i in range(1, 6):
            x = self.layer(x, i)
        return x[..., None]

    def layer(self, x: torch.Tensor, index: int) -> torch.Tensor:
        """Block `index` (1-6) on x (batch, channels, length)

        The (K, 1) kernels of the state dict run as 1-D convolutions,
        which oneDNN computes about twice as fast as the equivalent 2-D
        ones, with the same numbers.
        """
        conv = getattr(self, f'conv{index}')
        weight = conv.weight[..., kernel_taps(index)[0], 0]
        return block(x, index, weight, conv.bias,
                     getattr(self, f'conv{index}_BN'))


def block(x: torch.Tensor, index: int, weight: torch.Tensor, bias: torch.Tensor | None,
          batch_norm: torch.nn.BatchNorm2d) -> torch.Tensor:
    """Pad, conv, ReLU, batch norm, max-pool by 2

    Arguments
        x (torch.tensor [shape=(batch, channels, length)])
        index (int): the block, 1-6
        weight (torch.tensor [shape=(out, in, taps)]): the kernel's
            `kernel_taps(index)`
        bias (torch.tensor [shape=(out,)])
        batch_norm (torch.nn.BatchNorm2d)
    """
    before, after = kernel_taps(index)[1]
    x = F.conv1d(F.pad(x, (before, after)), weight, bias,
                 stride=STRIDES[index - 1])
    x = F.batch_norm(
        F.relu(x), batch_norm.running_mean, batch_norm.running_var,
        batch_norm.weight, batch_norm.bias, batch_norm.training,
        batch_norm.momentum, batch_norm.eps)  # type: ignore[arg-type]  # None as torch's
    return F.max_pool1d(x, 2)
