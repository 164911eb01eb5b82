"""The decoders, their local average and the edge check.

See the package's docstring (torchcrepe.decode) for what each decoder
does; `Stream` (decode.stream) decodes the same way batch by batch.
"""
from __future__ import annotations

from typing import Callable, Tuple

import torch

from .. import convert
from ..constants import CENTS_OFFSET, CENTS_PER_BIN, PITCH_BINS
from ..types import Decoder
from .banded import BAND, LOCAL_RADIUS, at_edge, check_logits
from .recursion import compiled, viterbi_bins

# What local_average_cents applies to the gathered weights
Transform = Callable[[torch.Tensor], torch.Tensor]
Decoded = Tuple[torch.Tensor, torch.Tensor]


__all__ = ['argmax', 'weighted_argmax', 'viterbi', 'weighted_viterbi',
           'viterbi_0024', 'weighted_viterbi_0024', 'DECODERS']


###############################################################################
# Decoders
###############################################################################


def argmax(logits: torch.Tensor) -> Decoded:
    """The most probable bin of each frame

    Arguments
        logits (torch.tensor [shape=(batch, 360, time)])

    Returns
        bins (torch.tensor [shape=(batch, time)], int64)
        pitch (torch.tensor [shape=(batch, time)]), Hz, dithered
    """
    bins = bin_argmax(logits)
    return bins, convert.bins_to_frequency(bins)


def weighted_argmax(logits: torch.Tensor) -> Decoded:
    """The most probable bin, refined by a weighted mean around it

    The weights are sigmoid(logits) over bins [bin - 4, bin + 4] (clipped to
    the range); `logits` is not modified.

    Returns
        bins (torch.tensor [shape=(batch, time)], int64)
        pitch (torch.tensor [shape=(batch, time)]), Hz
    """
    bins = bin_argmax(logits)
    cents = local_average_cents(logits, bins, transform=torch.sigmoid)
    return bins, convert.cents_to_frequency(cents).to(_float_dtype(logits))


def viterbi(logits: torch.Tensor) -> Decoded:
    """The most likely bin path under CREPE's transition model

    Softmax over the bins of each frame, uniform start, transition
    T[i, j] = max(12 - |i - j|, 0) / 144: every row divided by the sum of
    an interior row, so the rows of the 11 bins at each end, which lose
    the weights beyond the range, sum to less than 1 and no bin keeps its
    state more cheaply than another.

    0.0.24 divided each row by its own sum instead (`viterbi_0024`), which
    makes staying in the edge bins cheaper: after noise or silence its path
    could settle at 31.7 Hz or 2 kHz and miss the notes that follow.
    Wherever 0.0.24's path stays off the 11 bins at each end (in every
    frame but the last), this path is the same, bin for bin, so the dither
    draws and weighted pitches are too (for finite inputs). Why: the two recursions do the
    same floating-point operations on the same numbers except the log
    transitions out of the edge bins, which are smaller here. Rounded
    addition and max are monotone, so every score here is at most its
    0.0.24 value, and the scores along 0.0.24's path, which never leaves
    an edge bin, are equal. At each step 0.0.24 picked that path's
    predecessor as the first maximum: every lower-numbered source scored
    strictly less there and scores no more here, while the predecessor
    scores the same, so it is again the first maximum; so is the final
    bin. Where 0.0.24's path left from an edge bin, the paths may differ.

    Returns
        bins (torch.tensor [shape=(batch, time)], int64)
        pitch (torch.tensor [shape=(batch, time)]), Hz, dithered
    """
    bins = viterbi_bins(logits, 'interior')
    return bins, convert.bins_to_frequency(bins)


def weighted_viterbi(logits: torch.Tensor) -> Decoded:
    """The Viterbi path refined to sub-bin precision, without dither

    The path is `viterbi`'s. The pitch of each frame is the mean of the
    cents of bins [bin - 4, bin + 4] around the path, weighted by `logits`
    taken as probabilities (-inf, i.e. outside fmin..fmax, weighs 0).

    Returns
        bins (torch.tensor [shape=(batch, time)], int64)
        pitch (torch.tensor [shape=(batch, time)]), Hz
    """
    return _weighted(logits, viterbi_bins(logits, 'interior'))


def viterbi_0024(logits: torch.Tensor) -> Decoded:
    """`viterbi` with torchcrepe 0.0.24's transition, bit for bit

    Each row of the transition divided by its own sum, as librosa does for
    0.0.24; the path equals 0.0.24's (decoding the input as one sequence).

    Returns
        bins (torch.tensor [shape=(batch, time)], int64)
        pitch (torch.tensor [shape=(batch, time)]), Hz, dithered
    """
    bins = viterbi_bins(logits, 'row')
    return bins, convert.bins_to_frequency(bins)


def weighted_viterbi_0024(logits: torch.Tensor) -> Decoded:
    """`weighted_viterbi` along `viterbi_0024`'s path

    Returns
        bins (torch.tensor [shape=(batch, time)], int64)
        pitch (torch.tensor [shape=(batch, time)]), Hz
    """
    return _weighted(logits, viterbi_bins(logits, 'row'))


def _weighted(logits: torch.Tensor, bins: torch.Tensor) -> Decoded:
    cents = local_average_cents(logits, bins, non_negative)
    return bins, convert.cents_to_frequency(cents).to(_float_dtype(logits))


# The command line's --decoder names
DECODERS: dict[str, Decoder] = {
    'argmax': argmax,
    'weighted_argmax': weighted_argmax,
    'viterbi': viterbi,
    'weighted_viterbi': weighted_viterbi,
    'viterbi_0024': viterbi_0024,
    'weighted_viterbi_0024': weighted_viterbi_0024}

# The decoders that follow a Viterbi path, and how their transition's rows
# are normalised (see decode.banded)
NORMALISATION: dict[Decoder | None, str] = {
    viterbi: 'interior', weighted_viterbi: 'interior',
    viterbi_0024: 'row', weighted_viterbi_0024: 'row'}
VITERBI_DECODERS = tuple(NORMALISATION)


###############################################################################
# Argmax and local average
###############################################################################


def bin_argmax(logits: torch.Tensor) -> torch.Tensor:
    """logits.argmax(dim=1): the first most probable bin, (batch, time)

    On the CPU a compiled pass over the bins does it (torch's argmax over
    the strided bin axis is several times slower than reading the data).
    NaN counts as largest, as in torch.
    """
    check_logits(logits)
    if not _compiled_applies(logits):
        return logits.argmax(dim=1)
    bins = torch.empty(logits.size(0), logits.size(2), dtype=torch.int64)
    for item, values in enumerate(logits.detach().contiguous().numpy()):
        compiled().argmax(values, bins[item].numpy())
    return bins


def non_negative(values: torch.Tensor) -> torch.Tensor:
    """Probabilities as weights: -inf (outside fmin..fmax) weighs 0"""
    return values.clamp(min=0)


# Transforms the compiled local average knows, by number
COMPILED_TRANSFORMS: dict[Transform | None, int] = {None: 0, torch.sigmoid: 1, non_negative: 2}


def local_average_cents(weights: torch.Tensor, bins: torch.Tensor,
                        transform: Transform | None = None) -> torch.Tensor:
    """Weighted mean of the cents of the 9 bins around `bins`

    Computed in float64: exact to about 1e-9 cents. (0.0.24 summed in
    float32 over all 360 bins; its rounding, which depends on the tensor's
    memory layout, the CPU's vector width and the thread count, puts its
    results up to about 2.5e-3 cents from the exact mean.)

    Arguments
        weights (torch.tensor [shape=(batch, 360, time)])
        bins (torch.tensor [shape=(batch, time)]), the centre bins
        transform: applied to the 9 gathered weights of each frame (e.g.
            torch.sigmoid), so that it touches 9 bins per frame, not 360;
            the results must be non-negative

    Returns
        cents (torch.tensor [shape=(batch, time)], float64); where all
        weights in the window are 0, the centre bin's cents
    """
    kind = COMPILED_TRANSFORMS.get(transform)
    if kind is not None and _compiled_applies(weights) and weights.size(1) == PITCH_BINS:
        cents = torch.empty(weights.size(0), weights.size(2), dtype=torch.float64)
        values = weights.detach().contiguous().numpy()
        centres = bins.to('cpu', torch.int64).contiguous().numpy()
        loops = compiled()
        count = values.shape[2]
        for item in range(len(values)):
            if count <= loops.STRETCH:
                # One stretch: no threads to start (and none left spinning
                # beside the next push's network, live); the same sums
                loops.local_average_range(values[item], centres[item], kind, 0, count,
                                          cents[item].numpy())
            else:
                loops.local_average(values[item], centres[item], kind, cents[item].numpy())
        return cents
    return _torch_local_average(weights, bins, transform)


def _torch_local_average(weights: torch.Tensor, bins: torch.Tensor,
                         transform: Transform | None) -> torch.Tensor:
    count = weights.size(1)
    offsets = torch.arange(
        -LOCAL_RADIUS, LOCAL_RADIUS + 1, device=bins.device)[None, :, None]
    window = bins[:, None, :].long() + offsets
    inside = (window >= 0) & (window < count)
    window = window.clamp(0, count - 1)
    selected = weights.gather(1, window)
    if transform is not None:
        selected = transform(selected)
    selected = torch.where(inside, selected.double(), 0.)

    cents = CENTS_PER_BIN * window.double() + CENTS_OFFSET
    total = selected.sum(dim=1)
    mean = (selected * cents).sum(dim=1) / total
    centre = CENTS_PER_BIN * bins.double() + CENTS_OFFSET
    return torch.where(total > 0, mean, centre)


def _compiled_applies(tensor: torch.Tensor) -> bool:
    """Whether the compiled CPU loops can take `tensor`"""
    return tensor.device.type == 'cpu' and tensor.dtype in (torch.float32, torch.float64) \
        and tensor.dim() == 3 and not tensor.requires_grad and compiled() is not None


def _float_dtype(tensor: torch.Tensor) -> torch.dtype:
    return tensor.dtype if tensor.is_floating_point() else torch.float32


###############################################################################
# Edge check
###############################################################################


def edge_trapped(probabilities: torch.Tensor, bins: torch.Tensor) -> int:
    """How many frames a Viterbi path spent stuck at an end of the range

    Counted: frames decoded in the 11 bins at either end of the range while
    the network's most probable bin, at probability 0.5 or more, is over 11
    bins away. With 0.0.24's transition (`viterbi_0024`) the path can settle
    there after noise or silence and stay through later notes; with
    `viterbi` no bin is cheaper to stay in, so this counts only paths held
    at an edge by the probabilities themselves.

    Arguments
        probabilities (torch.tensor [shape=(..., 360, frames)]), masked
        bins (torch.tensor [shape=(..., frames)]), the decoded bins

    Returns
        (int)
    """
    bins = bins.to(probabilities.device, torch.int64)
    edge = at_edge(bins)
    # Usually no frame is at an edge: skip the pass over all 360 bins
    if not bool(edge.any()):
        return 0
    best, where = probabilities.max(dim=-2)
    elsewhere = (where - bins).abs() > BAND
    return int((edge & elsewhere & (best >= .5)).sum())


def periodicity(probabilities: torch.Tensor, bins: torch.Tensor) -> torch.Tensor:
    """The probability at the decoded bins: (batch, 360, frames) and
    (batch, frames) -> (batch, frames)"""
    return probabilities.gather(1, bins.to(torch.int64)[:, None, :])[:, 0]


def edge_message(trapped: int, frames: int, decoder: Decoder | None = None) -> str | None:
    """The warning for `trapped` (edge_trapped) of `frames` frames, or None

    None below 1% of the frames or below 10 frames. `decoder` (optional)
    is the decoder that was used: the advice depends on it.

    Returns
        (str or None)
    """
    if trapped < max(10, frames / 100):
        return None
    text = (f'{trapped} of {frames} frames ({trapped / frames:.0%}) were decoded '
            f'within {BAND} bins of an end of the pitch range (31.7 or 2005.5 Hz) '
            f'while the network heard a pitch elsewhere: the Viterbi path stayed '
            f'at the edge and did not follow the notes. ')
    if NORMALISATION.get(decoder) == 'row':
        return text + (
            "This is 0.0.24's transition (viterbi_0024), which keeps the state "
            'at the edges cheaply; the default decoder, viterbi, does not, and '
            "gives 0.0.24's path wherever that path stayed off the edges.")
    return text + ('Keep the range off the edges (e.g. fmin=36, fmax=1766) or use '
                   'the weighted_argmax decoder.')
