"""Decoders: from the network's pitch-bin probabilities to pitch.

Every decoder takes `logits` of shape (batch, 360, time) -- in practice what
`postprocess` hands it: the network's sigmoid probabilities with -inf in the
bins outside fmin..fmax -- and returns `(bins, pitch)`, both (batch, time):
the chosen bin (int64) and the pitch in Hz.

- `argmax`: the most probable bin of each frame, dithered.
- `weighted_argmax`: that bin refined to the probability-weighted mean of the
  9 bins around it (after a sigmoid, as torchcrepe 0.0.24 does).
- `viterbi`: the most likely path through the bins under a transition that
  allows at most 11 bins (220 cents) per frame, dithered.
- `weighted_viterbi`: the Viterbi path refined like original CREPE's
  Viterbi output: the mean of cents over the 9 bins around the path,
  weighted by the network's probabilities. Sub-bin precision, no dither.
- `viterbi_0024`, `weighted_viterbi_0024`: the same with 0.0.24's transition,
  whose edge rows let a path settle at either end of the range (see
  `viterbi`); for bit-for-bit reproduction of 0.0.24.

Each Viterbi path is exactly the one the dense 360 x 360 algorithm finds for
the same softmax probabilities, transition and uniform start, ties included,
but each step costs 23 candidates per bin instead of 360, and long inputs are
decoded in bounded memory (see `Stream`). The banded model lives in
`decode.banded`, the recursion in `decode.recursion`, the compiled CPU loops
in `decode.kernels`.
"""
import torch

from .. import convert
from ..constants import CENTS_OFFSET, CENTS_PER_BIN, PITCH_BINS
# The banded model and the recursion, re-exported as this package's names
from .banded import (BAND, BAND_TABLES, EPSILON, LOCAL_RADIUS, LOG_EPSILON,  # noqa: F401
                     LOG_START, NORMALISATIONS, at_edge, band_table, log_probabilities, transition)
from .recursion import ViterbiPath, compiled, viterbi_bins  # noqa: F401


__all__ = ['argmax', 'weighted_argmax', 'viterbi', 'weighted_viterbi',
           'viterbi_0024', 'weighted_viterbi_0024', 'DECODERS']


###############################################################################
# Decoders
###############################################################################


def argmax(logits):
    """The most probable bin of each frame

    Arguments
        logits (torch.tensor [shape=(batch, 360, time)])

    Returns
        bins (torch.tensor [shape=(batch, time)], int64)
        pitch (torch.tensor [shape=(batch, time)]), Hz, dithered
    """
    bins = bin_argmax(logits)
    return bins, convert.bins_to_frequency(bins)


def weighted_argmax(logits):
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


def viterbi(logits):
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


def weighted_viterbi(logits):
    """The Viterbi path refined to sub-bin precision, without dither

    The path is `viterbi`'s. The pitch of each frame is the mean of the
    cents of bins [bin - 4, bin + 4] around the path, weighted by `logits`
    taken as probabilities (-inf, i.e. outside fmin..fmax, weighs 0).

    Returns
        bins (torch.tensor [shape=(batch, time)], int64)
        pitch (torch.tensor [shape=(batch, time)]), Hz
    """
    return _weighted(logits, viterbi_bins(logits, 'interior'))


def viterbi_0024(logits):
    """`viterbi` with torchcrepe 0.0.24's transition, bit for bit

    Each row of the transition divided by its own sum, as librosa does for
    0.0.24; the path equals 0.0.24's (decoding the input as one sequence).

    Returns
        bins (torch.tensor [shape=(batch, time)], int64)
        pitch (torch.tensor [shape=(batch, time)]), Hz, dithered
    """
    bins = viterbi_bins(logits, 'row')
    return bins, convert.bins_to_frequency(bins)


def weighted_viterbi_0024(logits):
    """`weighted_viterbi` along `viterbi_0024`'s path

    Returns
        bins (torch.tensor [shape=(batch, time)], int64)
        pitch (torch.tensor [shape=(batch, time)]), Hz
    """
    return _weighted(logits, viterbi_bins(logits, 'row'))


def _weighted(logits, bins):
    cents = local_average_cents(logits, bins, non_negative)
    return bins, convert.cents_to_frequency(cents).to(_float_dtype(logits))


# The command line's --decoder names
DECODERS = {
    'argmax': argmax,
    'weighted_argmax': weighted_argmax,
    'viterbi': viterbi,
    'weighted_viterbi': weighted_viterbi,
    'viterbi_0024': viterbi_0024,
    'weighted_viterbi_0024': weighted_viterbi_0024}

# The decoders that follow a Viterbi path, and how their transition's rows
# are normalised (see decode.banded)
NORMALISATION = {
    viterbi: 'interior', weighted_viterbi: 'interior',
    viterbi_0024: 'row', weighted_viterbi_0024: 'row'}
VITERBI_DECODERS = tuple(NORMALISATION)


###############################################################################
# Argmax and local average
###############################################################################


def bin_argmax(logits):
    """logits.argmax(dim=1): the first most probable bin, (batch, time)

    On the CPU a compiled pass over the bins does it (torch's argmax over
    the strided bin axis is several times slower than reading the data).
    NaN counts as largest, as in torch.
    """
    if not _compiled_applies(logits):
        return logits.argmax(dim=1)
    bins = torch.empty(logits.size(0), logits.size(2), dtype=torch.int64)
    for item, values in enumerate(logits.detach().contiguous().numpy()):
        compiled().argmax(values, bins[item].numpy())
    return bins


def non_negative(values):
    """Probabilities as weights: -inf (outside fmin..fmax) weighs 0"""
    return values.clamp(min=0)


# Transforms the compiled local average knows, by number
COMPILED_TRANSFORMS = {None: 0, torch.sigmoid: 1, non_negative: 2}


def local_average_cents(weights, bins, transform=None):
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


def _torch_local_average(weights, bins, transform):
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


def _compiled_applies(tensor):
    """Whether the compiled CPU loops can take `tensor`"""
    return tensor.device.type == 'cpu' and tensor.dtype in (torch.float32, torch.float64) \
        and tensor.dim() == 3 and not tensor.requires_grad and compiled() is not None


def _float_dtype(tensor):
    return tensor.dtype if tensor.is_floating_point() else torch.float32


###############################################################################
# Edge check
###############################################################################


def edge_trapped(probabilities, bins):
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


def periodicity(probabilities, bins):
    """The probability at the decoded bins: (batch, 360, frames) and
    (batch, frames) -> (batch, frames)"""
    return probabilities.gather(1, bins.to(torch.int64)[:, None, :])[:, 0]


def edge_message(trapped, frames, decoder=None):
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


class Stream:
    """Decode one sequence block by block, holding as little as possible

    Feed `update` the masked probabilities (360, n) of consecutive frames;
    `finish` returns (bins, pitch, periodicity), each (1, frames), equal to
    what `decoder` returns for the whole (1, 360, frames) tensor at once
    (the same dither draws included). The built-in decoders keep only the
    frames not yet decided; any other decoder is handed the whole tensor at
    the end.

    Live mode (`live=True`): `take()` returns the frames decided since the
    last call, pitch included, and `force(count)` decides the oldest
    held frames of a Viterbi decoder now (see ViterbiPath.force). The
    dither is drawn, frame by frame as frames are decided, on the CPU
    from `generator` (default: a copy of torch's global CPU generator as
    it is now), so with the same seed and no forcing the frames taken
    equal, bit for bit, what `decoder` returns for the whole tensor on
    the CPU after `torch.manual_seed` (convert.dither). A decoder that is
    not built in decides every frame at `finish`.
    """

    def __init__(self, decoder, device='cpu', *, live=False, generator=None):
        self.decoder = decoder
        self.builtin = decoder in DECODERS.values()
        self.argmax = decoder in (argmax, weighted_argmax)
        self.transform = _STREAM_TRANSFORMS.get(decoder)
        self.live = live
        self.path = None
        if decoder in NORMALISATION:
            self.path = ViterbiPath(device, NORMALISATION[decoder], eager=live)
        if live and generator is None:
            generator = torch.Generator().set_state(torch.get_rng_state())
        self.generator = generator
        self.held = []  # (360, n) probabilities of undecided frames
        self.bins, self.cents, self.periodicity = [], [], []
        self.pitch = []  # live mode: Hz of decided frames not yet taken
        self.trapped = 0  # see edge_trapped (Viterbi decoders only)

    @property
    def pending(self):
        """Frames fed but not yet decided"""
        return sum(chunk.size(1) for chunk in self.held)

    def update(self, probabilities):
        if not self.builtin or self.path is not None:
            self.held.append(probabilities)
        if self.argmax:
            self._decided(probabilities, probabilities.argmax(dim=0))
        elif self.path is not None:
            self._release(self.path.update(probabilities))

    def force(self, count):
        """Live mode, Viterbi decoders: decide the oldest `count` held
        frames now, by the best path so far (ViterbiPath.force); others
        hold no frames, or decide only at `finish`"""
        if self.path is not None and count > 0:
            self._release(self.path.force(count))

    def take(self):
        """Live mode: the frames decided since the last call

        Returns
            bins (torch.tensor [shape=(n,)], int64), on the CPU
            pitch (torch.tensor [shape=(n,)]), Hz
            periodicity (torch.tensor [shape=(n,)])
        """
        if not self.live:
            raise RuntimeError('Stream(live=True) is needed to take frames')
        if not self.bins:
            empty = torch.zeros(0)
            return torch.zeros(0, dtype=torch.long), empty, empty
        taken = (torch.cat(self.bins).cpu(), torch.cat(self.pitch),
                 torch.cat(self.periodicity))
        self.bins, self.pitch, self.periodicity = [], [], []
        return taken

    def finish(self):
        """The rest: each (1, frames); in live mode what `take` has not
        returned yet"""
        if not self.builtin:
            probabilities = torch.cat(self.held, 1)[None]
            self.held = []
            bins, pitch = self.decoder(probabilities)
            if self.live:
                self.bins, self.pitch = [bins[0]], [pitch[0]]
                self.periodicity = [periodicity(probabilities, bins)[0]]
                return tuple(part[None] for part in self.take())
            return bins, pitch, periodicity(probabilities, bins)
        if self.path is not None:
            self._release(self.path.finish())
        if self.live:
            return tuple(part[None] for part in self.take())
        bins = torch.cat(self.bins)[None]
        confidence = torch.cat(self.periodicity)[None]
        if self.cents:
            pitch = convert.cents_to_frequency(torch.cat(self.cents)[None])
            pitch = pitch.to(confidence.dtype)
        else:
            pitch = convert.bins_to_frequency(bins)
        return bins, pitch, confidence

    def _release(self, bins):
        """Decode the oldest held frames, whose path is now known"""
        if len(bins) == 0:
            return
        needed, taken = len(bins), []
        while needed:
            chunk = self.held[0]
            if chunk.size(1) <= needed:
                taken.append(self.held.pop(0))
                needed -= chunk.size(1)
            else:
                taken.append(chunk[:, :needed])
                self.held[0] = chunk[:, needed:]
                needed = 0
        probabilities = taken[0] if len(taken) == 1 else torch.cat(taken, 1)
        self._decided(probabilities, bins.to(probabilities.device))

    def _decided(self, probabilities, bins):
        self.bins.append(bins)
        confidence = periodicity(probabilities[None], bins[None])[0]
        self.periodicity.append(confidence)
        if self.path is not None:
            self.trapped += edge_trapped(probabilities, bins)
        if self.transform is None:
            if self.live:
                self.pitch.append(convert.bins_to_frequency(
                    bins.cpu(), generator=self.generator).to(confidence.device))
            return
        cents = local_average_cents(probabilities[None], bins[None], self.transform)
        if self.live:
            self.pitch.append(convert.cents_to_frequency(cents[0]).to(confidence.dtype))
        else:
            self.cents.append(cents[0])


# The weights of the built-in decoders that refine their bins
_STREAM_TRANSFORMS = {weighted_argmax: torch.sigmoid, weighted_viterbi: non_negative,
                      weighted_viterbi_0024: non_negative}
