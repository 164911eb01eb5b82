"""The network folded for inference: `FoldedCrepe`, the layout its maps
take on each kind of CPU (`layout`), and the classifier's row-wise sigmoid.

Built from a loaded `model.Crepe`; `network.infer` makes and caches the
copies. Everything here computes without gradients.
"""
from __future__ import annotations

from typing import Any, Callable

import torch
import torch.nn.functional as F

from . import hardware
from .constants import PITCH_BINS, WINDOW_SIZE
from .model import STRIDES, Crepe, capacity_from_channels, in_features, kernel_taps
from .types import Device
from .utils import ParameterError


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
    kernel, so a one-frame float32 call runs each convolution as one call
    on two items, the input of each half of its outputs (`in_halves`: the
    cost of one frame), where that gives the two-frame call's bits on this CPU,
    which the first one-frame call checks on two seeded frames
    (`splits_one_frame`; measured so on an AVX2 EPYC in the 'line' layout
    and on an AVX-512 BF16 EPYC in the 'height' layout, 1.2x to 1.5x
    faster than two frames there); otherwise the frame is padded to two.
    On several threads a small call may take another kernel too
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
        # Whether a one-frame float32 call may run in half-maps
        # (splits_one_frame): None until the first one-frame call checks it
        self.halves: bool | None = None

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
        halves = batch == 1 and self.splits_one_frame()
        if batch == 1 and not halves:
            # A one-frame call would take another kernel (see above)
            return self(F.pad(x, (0, 0, 0, 1)), embed)[:1]
        x = self._blocks(x, embed, halves)
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

    def splits_one_frame(self) -> bool:
        """Whether a one-frame call runs its convolutions in half-maps: in
        float32, where that gives, on two seeded frames, the bits of a
        two-frame call in this layout, probabilities and embedding alike.
        Checked at the first call and kept (on the thread count of that
        call). Not in reduced precision, whose small calls promise no
        block's bits (in bfloat16 one layout passed this check and then
        differed on other frames)"""
        if self.weight1.dtype != torch.float32:
            return False
        if self.halves is None:
            generator = torch.Generator().manual_seed(0)
            frames = torch.randn(2, WINDOW_SIZE, generator=generator).to(
                device=self.weight1.device, dtype=self.weight1.dtype)
            self.halves = all(
                torch.equal(self._blocks(frames, embed, False), torch.cat(
                    [self._blocks(frames[i:i + 1], embed, True) for i in (0, 1)]))
                for embed in (False, True))
        return self.halves

    def _blocks(self, x: torch.Tensor, embed: bool, halves: bool) -> torch.Tensor:
        """Blocks 1 to 6 of (batch, 1024) frames -> (batch, C6, 4), or the
        (batch, C5, 8, 1) embedding; `halves`: a one-frame batch, each
        convolution run in half-maps (`in_halves`)"""
        if self.layout == 'line':
            return self._line(x, embed, halves)
        return self._planes(x, embed, halves)

    def _line(self, x: torch.Tensor, embed: bool, halves: bool) -> torch.Tensor:
        """Blocks 1 to 6 in the 'line' layout, each map padded first"""
        for i in range(1, 7):
            weight, bias = getattr(self, f'weight{i}'), getattr(self, f'bias{i}')
            stride = STRIDES[i - 1]
            x = F.pad(x[:, None] if i == 1 else x, self.paddings[i - 1])

            def conv(maps: torch.Tensor) -> torch.Tensor:
                return F.conv1d(maps, weight, bias, stride=stride)

            x = in_halves(conv, x, 2, stride, weight.size(2)) if halves else conv(x)
            x = torch.clamp(F.max_pool1d(x, 2),
                            getattr(self, f'low{i}'), getattr(self, f'high{i}'))
            if embed and i == 5:
                return x[..., None]
        return x

    def _planes(self, x: torch.Tensor, embed: bool, halves: bool) -> torch.Tensor:
        """Blocks 1 to 6 in the 2-D layouts: block 1 pads inside its
        convolution (half-maps too: padding the map first changed its
        bits); blocks 2-6 do, except in half-maps, whose map is padded
        first (the same bits, checked)"""
        height = self.layout == 'height'
        dim = 2 if height else 3

        def first(maps: torch.Tensor) -> torch.Tensor:
            return F.conv1d(maps, self.weight1, self.bias1, stride=STRIDES[0],
                            padding=self.paddings[0])

        x = x[:, None]
        x = in_halves(first, x, 2, STRIDES[0], self.weight1.size(2),
                      self.paddings[0]) if halves else first(x)
        x = F.max_pool1d(x, 2).unsqueeze(3 if height else 2)
        # The clamp writes its result channels-last: the layout change
        # costs no pass of its own
        out = torch.empty(x.shape, dtype=x.dtype, device=x.device,
                          memory_format=torch.channels_last)
        x = torch.clamp(x, self.low1, self.high1, out=out)
        pool = (2, 1) if height else (1, 2)
        for i in range(2, 7):
            weight, bias = getattr(self, f'weight{i}'), getattr(self, f'bias{i}')
            padding = self.paddings[i - 1]
            if halves:
                def conv(maps: torch.Tensor) -> torch.Tensor:
                    return F.conv2d(maps.contiguous(memory_format=torch.channels_last),
                                    weight, bias)

                x = in_halves(conv, F.pad(x, (0, 0, padding, padding) if height
                                          else (padding, padding)),
                              dim, 1, weight.size(dim))
            else:
                x = F.conv2d(x, weight, bias,
                             padding=(padding, 0) if height else (0, padding))
            x = torch.clamp(F.max_pool2d(x, pool),
                            getattr(self, f'low{i}'), getattr(self, f'high{i}'))
            if embed and i == 5:
                return (x if height else x.transpose(2, 3)).contiguous()
        return x.squeeze(3 if height else 2)


def in_halves(conv: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, dim: int,
              stride: int, taps: int, padding: int = 0) -> torch.Tensor:
    """conv(x) of a one-item map, as one call on two items: the stretches
    of x that the first and the second half of the outputs read (oneDNN
    convolves a batch of one with another kernel, whose rounding differs)

    Arguments
        conv (callable): a convolution of `taps` taps and `stride` along
            dimension `dim`, with `padding` zeros of its own on each side
        x (torch.tensor [shape=(1, channels, ...)]): positions along `dim`

    Returns
        conv(x) (torch.tensor [shape=(1, out channels, ...)])

    Each item is as long as the longer half needs, and the second starts
    on a multiple of the stride, so that its outputs fall on x's grid; the
    outputs that read the items' own padding inside x are dropped.
    """
    length = x.size(dim)
    outputs = (length + 2 * padding - taps) // stride + 1
    half = -(-outputs // 2)
    span = max((half - 1) * stride + taps - padding,
               length - (outputs - half) * stride + padding)
    span += (length - span) % stride
    shift = (length - span) // stride
    y = conv(torch.cat([x.narrow(dim, 0, span), x.narrow(dim, length - span, span)]))
    return torch.cat([y[:1].narrow(dim, 0, half),
                      y[1:].narrow(dim, half - shift, outputs - half)], dim=dim)


# The capacities whose float32 maps lie along the width on an AMX CPU
# (and whose float32 and bfloat16 maps do on other AVX-512 BF16 CPUs)
WIDE_FLOAT32 = ('large', 'full')


def layout(capacity: str, dtype: torch.dtype, device: Device) -> str:
    """How FoldedCrepe lays out blocks 2 to 6: 'height', 'width' or 'line'
    (see FoldedCrepe), from what the code can know of the CPU

    - a CPU with AMX: 'width' for bfloat16 (the same bits, up to 12x
      faster) and for float32 WIDE_FLOAT32 (1.24x for large, 1.45x for
      full, a frame's bits still independent of the batch and the thread
      count; medium's were not, so it and the others take 'height');
    - an AVX-512 CPU with native bfloat16 but no AMX: 'width' for
      WIDE_FLOAT32 in float32 and bfloat16 (1.16x, measured on an AMD EPYC
      with AVX-512 BF16, their frames' bits independent of the batch and
      of 1 to 4 threads; tiny's and small's were not), 'height' for the
      others;
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
    if hardware.cpu_capability() != 'AVX512':
        return 'line'
    wide = capacity in WIDE_FLOAT32 and dtype in (torch.float32, torch.bfloat16) \
        and hardware.native_bfloat16(device)
    return 'width' if wide else 'height'


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
