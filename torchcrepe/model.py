"""The CREPE network and the table of its five capacities.

Everything that depends on the capacity (layer widths, the converter's shape
checks, the command line's choices, error messages) reads `CAPACITIES` here.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from . import hardware
from .constants import PITCH_BINS, WINDOW_SIZE
from .types import Device
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


###############################################################################
# Inference network
###############################################################################


class FoldedCrepe(torch.nn.Module):
    """A `Crepe` prepared for inference: same outputs, fewer passes over memory

    Built from a network's weights as they are now (a copy: later changes
    to the network are not seen). The state dict of the source network is
    left alone; this module has no parameters, only buffers.

    Each block of `Crepe` computes maxpool(relu(conv(x)) * s + t), with s
    and t the batch norm's per-channel scale and shift. Here the scale and
    shift go into the conv's weights and bias (z = conv(x) * s + t), and
    since relu and the affine map are monotone per channel,

        maxpool(relu(conv(x)) * s + t) = max(maxpool(z), t)    where s > 0
                                       = min(maxpool(z), t)    where s < 0

    (for s < 0, relu(c) * s + t = min(z, t), and max-pooling commutes with
    min against a constant). So a block is one conv, one max-pool and one
    clamp on the pooled half: no separate relu or batch norm pass.
    The weights are folded in float64 and rounded once to `dtype`.

    Blocks 2 to 6 run in one of three layouts (`layout`), whichever the
    CPU was measured fastest in, each giving a frame the same bits in any
    call of two frames or more (one, in 'line') on any thread count
    (float32):
    - 'height': 2-D convolutions on channels-last maps, positions along the
      height, (batch, channels, positions, 1). On AVX-512 CPUs oneDNN runs
      these about twice as fast as channels-first 1-D ones.
    - 'width': the same, positions along the width, (batch, channels, 1,
      positions). On a CPU with AMX, oneDNN's bfloat16 kernels for a long
      kernel along the height are slow (block 2 of `full` ran 12x slower
      than along the width on an AMX Xeon), while along the width they
      reach the matrix units with the same bits; float32 large and full
      are also 1.2x to 1.45x faster there (probabilities within 3e-7 of
      the height's).
    - 'line': 1-D convolutions on channels-first maps (batch, channels,
      positions), each map padded first, as `Crepe` runs them. On an
      AVX2-only CPU the channels-last height layout is 2x to 7x slower
      than this (oneDNN has no fast AVX2 kernel for it) and the width
      layout, nearly as fast, loses a frame's independence of the batch
      and of the thread count; so AVX2 and CPUs not measured take this.
    Block 1 (one input channel) is a 1-D convolution in every layout.
    Keras' asymmetric 'same' padding of the 64-tap kernels (31 before, 32
    after) becomes, in the 2-D layouts, symmetric padding of 32 around a
    65-tap kernel whose first tap is zero, so that no padded copy or slice
    of the map is made; the 'line' layout keeps 64 taps and pads each map
    (before, after), block 1's too, its faster form there (block 1 of tiny
    1.35x faster on 2 AVX2 cores than with the convolution's own padding).

    The classifier runs as a 1x1 convolution over the flattened features
    rather than a matrix product, on a whole number of SIGMOID_ROWS rows
    (zero rows pad the batch): the matrix product's blocking, and so its
    rounding, changes with the number of rows and the thread count, and
    oneDNN's convolution with fewer than 16 rows on one thread takes
    another kernel. So a frame gets the same bits in any call of 16 frames
    or more on any thread count (every block `infer` runs), and in float32
    on one thread in a call of any size: what lets a worker run one thread
    and a live tracker run the one frame a push completes and still give
    `predict`'s numbers. oneDNN convolves a batch of one with another
    kernel, so a one-frame call runs its convolutions as two half-maps in
    the 'line' layout (`_conv`, the cost of one frame) and is padded to two
    frames in the others (half-maps not measured there); on several
    threads a small call may take another kernel too
    (network.Inference.ready runs small calls on one thread).

    Arguments
        network (Crepe): the weights to fold, in evaluation mode
        dtype (torch.dtype): float32, bfloat16 or float16
    """

    # Buffers that forward reads by name (the others by number: weight2 ...)
    weight1: torch.Tensor
    bias1: torch.Tensor
    low1: torch.Tensor
    high1: torch.Tensor
    classifier_weight: torch.Tensor
    classifier_bias: torch.Tensor

    def __init__(self, network: Crepe, dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        self.capacity = capacity_from_channels(network.conv1.out_channels)
        self.in_features = in_features(self.capacity)
        # Each block's padding: an int, or (before, after) in the 'line' layout
        self.paddings: list[Any] = []
        device = network.conv1.weight.device
        self.layout = layout(self.capacity, dtype, device)
        for i in range(1, 7):
            weight, bias, low, high, (before, after) = _folded_block(network, i)
            # The bounds broadcast over (batch, channels, positions) maps in
            # the 'line' layout, over 2-D maps in the others
            shape = (-1, 1) if self.layout == 'line' else (-1, 1, 1)
            low, high = low.reshape(shape), high.reshape(shape)
            padding: int | tuple[int, int] = after
            if self.layout == 'line':
                padding = (before, after)
            elif i > 1:
                # One leading zero tap turns (before, after) into (after,
                # after), padding the convolution does itself
                weight = F.pad(weight, (after - before, 0)).unsqueeze(
                    3 if self.layout == 'height' else 2).contiguous(
                    memory_format=torch.channels_last)
            for name, value in (('weight', weight), ('bias', bias),
                                ('low', low), ('high', high)):
                self.register_buffer(
                    f'{name}{i}', value.to(device=device, dtype=dtype))
            self.paddings.append(padding)
        self.register_buffer('classifier_weight', network.classifier.weight
                             .detach()[:, :, None, None].to(dtype=dtype, copy=True)
                             .contiguous(memory_format=torch.channels_last))
        self.register_buffer('classifier_bias', network.classifier.bias
                             .detach().to(dtype=dtype, copy=True))

    def forward(self, x: torch.Tensor, embed: bool = False) -> torch.Tensor:
        """`Crepe.forward`: (batch, 1024) -> (batch, 360) probabilities, or
        the (batch, C5, 8, 1) embedding when `embed`; same dtype as x.
        Computes no gradients: its clamp writes into a preallocated map"""
        if torch.is_grad_enabled() and x.requires_grad:
            raise RuntimeError(
                'FoldedCrepe computes no gradients; run the plain Crepe for '
                'them (torchcrepe.infer does when the frames require grad)')
        if x.dim() != 2 or x.size(1) != WINDOW_SIZE:
            raise ParameterError(
                f'frames must have shape (batch, {WINDOW_SIZE}); '
                f'got {tuple(x.shape)}')
        batch = x.size(0)
        if batch == 1 and self.layout != 'line':
            # A one-frame call would take another kernel (see above)
            return self(F.pad(x, (0, 0, 0, 1)), embed)[:1]
        x = self._line(x, embed) if self.layout == 'line' else self._planes(x, embed)
        if embed:
            return x

        # (batch, C6, 4) -> Keras' position-major flattening, as the
        # channels of a 1x1 map
        x = x.transpose(1, 2).reshape(batch, self.in_features)
        rows = -(-batch // SIGMOID_ROWS) * SIGMOID_ROWS
        x = F.pad(x, (0, 0, 0, rows - batch))[..., None, None]
        x = F.conv2d(x.contiguous(memory_format=torch.channels_last),
                     self.classifier_weight, self.classifier_bias)
        return rowwise_sigmoid(x.reshape(rows, PITCH_BINS))[:batch]


    def _line(self, x: torch.Tensor, embed: bool) -> torch.Tensor:
        """Blocks 1 to 6 in the 'line' layout: (batch, 1024) frames ->
        (batch, C6, 4), or the (batch, C5, 8, 1) embedding"""
        x = self._conv(F.pad(x[:, None], self.paddings[0]), 1)
        x = torch.clamp(F.max_pool1d(x, 2), self.low1, self.high1)
        for i in range(2, 7):
            x = self._conv(F.pad(x, self.paddings[i - 1]), i)
            x = torch.clamp(F.max_pool1d(x, 2),
                            getattr(self, f'low{i}'), getattr(self, f'high{i}'))
            if embed and i == 5:
                return x[..., None]
        return x

    def _conv(self, x: torch.Tensor, index: int) -> torch.Tensor:
        """Block `index`'s convolution of a padded (batch, channels,
        length) map, 'line' layout; one frame as two items, each the
        input of half the outputs (a batch of one takes another kernel)"""
        weight, bias = getattr(self, f'weight{index}'), getattr(self, f'bias{index}')
        stride = STRIDES[index - 1]
        if x.size(0) != 1:
            return F.conv1d(x, weight, bias, stride=stride)
        outputs = (x.size(2) - weight.size(2)) // stride + 1
        half = -(-outputs // 2)
        span = (half - 1) * stride + weight.size(2)
        second = (outputs - half) * stride
        y = F.conv1d(torch.cat([x[..., :span], x[..., second:second + span]]),
                     weight, bias, stride=stride)
        return torch.cat([y[:1], y[1:, :, 2 * half - outputs:]], dim=2)

    def _planes(self, x: torch.Tensor, embed: bool) -> torch.Tensor:
        """Blocks 1 to 6 in the 2-D layouts: (batch, 1024) frames ->
        (batch, C6, 4), or the (batch, C5, 8, 1) embedding"""
        height = self.layout == 'height'
        x = F.max_pool1d(F.conv1d(x[:, None], self.weight1, self.bias1, stride=STRIDES[0],
                                  padding=self.paddings[0]), 2).unsqueeze(3 if height else 2)
        # The clamp writes its result channels-last: the layout change
        # costs no pass of its own
        out = torch.empty(x.shape, dtype=x.dtype, device=x.device,
                          memory_format=torch.channels_last)
        x = torch.clamp(x, self.low1, self.high1, out=out)
        pool = (2, 1) if height else (1, 2)
        for i in range(2, 7):
            padding = self.paddings[i - 1]
            x = F.conv2d(x, getattr(self, f'weight{i}'),
                         getattr(self, f'bias{i}'),
                         padding=(padding, 0) if height else (0, padding))
            x = torch.clamp(F.max_pool2d(x, pool),
                            getattr(self, f'low{i}'), getattr(self, f'high{i}'))
            if embed and i == 5:
                return (x if height else x.transpose(2, 3)).contiguous()
        return x.squeeze(3 if height else 2)


# The capacities whose float32 maps lie along the width on an AMX CPU
WIDE_FLOAT32 = ('large', 'full')


def layout(capacity: str, dtype: torch.dtype, device: Device) -> str:
    """How FoldedCrepe lays out blocks 2 to 6: 'height', 'width' or 'line'
    (see FoldedCrepe), from what the code can know of the CPU

    - a CPU with AMX: 'width' for bfloat16 (the same bits, up to 12x
      faster) and for float32 WIDE_FLOAT32 (1.24x for large, 1.45x for
      full, a frame's bits still independent of the batch and the thread
      count; medium's were not, so it and the others take 'height');
    - another AVX-512 CPU: 'height' (measured 2x the 1-D layout there);
    - any other CPU (AVX2, measured: 'height' 2x to 7x slower than 'line';
      ARM and others, not measured): 'line', `Crepe`'s own computation;
    - CUDA: 'height', as measured before.
    """
    if torch.device(device).type != 'cpu':
        return 'height'
    if hardware.amx():
        wide = dtype == torch.bfloat16 or (
            dtype == torch.float32 and capacity in WIDE_FLOAT32)
        return 'width' if wide else 'height'
    return 'height' if hardware.cpu_capability() == 'AVX512' else 'line'


# Rows per sigmoid call in rowwise_sigmoid: 16 rows of 360 bins are a
# whole number of vectors of every CPU kernel width (4 to 32 floats) and
# fewer elements than torch splits across threads (32768)
SIGMOID_ROWS = 16


def rowwise_sigmoid(logits: torch.Tensor) -> torch.Tensor:
    """torch.sigmoid of (batch, 360) logits, each row's values independent
    of the batch and of the thread count

    torch's vectorised sigmoid rounds differently in the scalar tail of a
    call and at the edges of the chunks it hands to threads, and where
    those fall depends on the tensor's size. Here every call has exactly
    SIGMOID_ROWS rows (the last group zero-padded), so every value takes
    the vector path.
    """
    batch = logits.size(0)
    groups = -(-batch // SIGMOID_ROWS)
    padded = F.pad(logits, (0, 0, 0, groups * SIGMOID_ROWS - batch))
    out = torch.empty_like(padded)
    for start in range(0, groups * SIGMOID_ROWS, SIGMOID_ROWS):
        torch.sigmoid(padded[start:start + SIGMOID_ROWS],
                      out=out[start:start + SIGMOID_ROWS])
    return out[:batch]


def _folded_block(network: Crepe, index: int) -> tuple[
        torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, tuple[int, int]]:
    """Weights of block `index` (1-6) of `network` with its batch norm folded

    Returns
        weight (torch.tensor [shape=(out, in, taps)]), float64
        bias (torch.tensor [shape=(out,)]), float64
        low, high (torch.tensor [shape=(out,)]), float64: the clamp's
            bounds (t or -inf, t or +inf)
        (before, after) (ints): zero padding of the input (kernel_taps)
    """
    conv = getattr(network, f'conv{index}')
    norm = getattr(network, f'conv{index}_BN')
    taps, (before, after) = kernel_taps(index)
    weight = conv.weight.detach()[..., taps, 0].double()
    scale = norm.weight.detach().double() / torch.sqrt(
        norm.running_var.detach().double() + norm.eps)
    shift = norm.bias.detach().double() - norm.running_mean.detach().double() * scale
    weight = weight * scale[:, None, None]
    bias = conv.bias.detach().double() * scale + shift
    infinity = torch.full_like(shift, float('inf'))
    low = torch.where(scale > 0, shift, -infinity)
    high = torch.where(scale > 0, infinity, shift)
    return weight, bias, low, high, (before, after)
