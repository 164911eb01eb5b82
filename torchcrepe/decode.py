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

The Viterbi path is exactly the one the dense 360 x 360 algorithm (as in
librosa, which torchcrepe 0.0.24 calls) finds for the same softmax
probabilities, transition and uniform start, ties included, but each step
costs 23 candidates per bin instead of 360, and long inputs are decoded in
bounded memory (see `Stream`).
"""
import math

import numpy as np
import torch

from . import convert
from .constants import CENTS_OFFSET, CENTS_PER_BIN, PITCH_BINS


__all__ = ['argmax', 'weighted_argmax', 'viterbi', 'weighted_viterbi',
           'DECODERS']


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
    T[i, j] proportional to max(12 - |i - j|, 0), rows normalised.

    Returns
        bins (torch.tensor [shape=(batch, time)], int64)
        pitch (torch.tensor [shape=(batch, time)]), Hz, dithered
    """
    bins = viterbi_bins(logits)
    return bins, convert.bins_to_frequency(bins)


def weighted_viterbi(logits):
    """The Viterbi path refined to sub-bin precision, without dither

    The pitch of each frame is the mean of the cents of bins
    [bin - 4, bin + 4] around the path, weighted by `logits` taken as
    probabilities (-inf, i.e. outside fmin..fmax, weighs 0).

    Returns
        bins (torch.tensor [shape=(batch, time)], int64)
        pitch (torch.tensor [shape=(batch, time)]), Hz
    """
    bins = viterbi_bins(logits)
    cents = local_average_cents(logits, bins, _non_negative)
    return bins, convert.cents_to_frequency(cents).to(_float_dtype(logits))


# The command line's --decoder names
DECODERS = {
    'argmax': argmax,
    'weighted_argmax': weighted_argmax,
    'viterbi': viterbi,
    'weighted_viterbi': weighted_viterbi}

# The decoders that follow a Viterbi path (see edge_trapped)
VITERBI_DECODERS = (viterbi, weighted_viterbi)


###############################################################################
# Argmax and local average
###############################################################################


def bin_argmax(logits):
    """logits.argmax(dim=1): the first most probable bin, (batch, time)

    On the CPU a compiled pass over the bins does it (torch's argmax over
    the strided bin axis is several times slower than reading the data).
    NaN counts as largest, as in torch.
    """
    functions = _numba_for(logits)
    if functions is None:
        return logits.argmax(dim=1)
    bins = np.empty((logits.size(0), logits.size(2)), dtype=np.int64)
    for item, values in enumerate(logits.detach().contiguous().numpy()):
        functions['argmax'](values, bins[item])
    return torch.from_numpy(bins)


# Bins on each side of the centre that the weighted decoders average over
LOCAL_RADIUS = 4


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
    count = weights.size(1)
    kind = _TRANSFORMS.get(transform)
    functions = _numba_for(weights)
    if kind is not None and functions is not None and count == PITCH_BINS:
        cents = np.empty((weights.size(0), weights.size(2)))
        values = weights.detach().contiguous().numpy()
        centres = bins.to('cpu', torch.int64).contiguous().numpy()
        for item in range(len(values)):
            functions['local_average'](values[item], centres[item], kind, cents[item])
        return torch.from_numpy(cents)
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


def _non_negative(values):
    """Probabilities as weights: -inf (outside fmin..fmax) weighs 0"""
    return values.clamp(min=0)


# Transforms the compiled local average knows, by number
_TRANSFORMS = {None: 0, torch.sigmoid: 1, _non_negative: 2}


def _numba_for(tensor):
    """The compiled CPU functions when they apply to `tensor`, else None"""
    if tensor.device.type != 'cpu' or tensor.dtype not in (torch.float32, torch.float64) \
            or tensor.dim() != 3 or tensor.requires_grad:
        return None
    return _numba_functions()


def _float_dtype(tensor):
    return tensor.dtype if tensor.is_floating_point() else torch.float32


###############################################################################
# Viterbi
###############################################################################


# Largest jump (in bins) with non-zero transition probability
BAND = 11

# librosa, which 0.0.24 decodes with, adds the smallest normal float32 to
# every probability before taking logs; the same constant keeps every
# comparison of the recursion, and so every tie, identical to it
EPSILON = float(np.finfo(np.float32).tiny)
LOG_EPSILON = float(np.log(np.float64(EPSILON)))
LOG_START = float(np.log(np.float64(1. / PITCH_BINS) + EPSILON))


def transition():
    """The dense transition matrix T[i, j] (float64, rows sum to 1)"""
    distance = np.abs(np.subtract.outer(np.arange(PITCH_BINS), np.arange(PITCH_BINS)))
    weights = np.maximum(12 - distance, 0).astype(np.float64)
    return weights / weights.sum(axis=1, keepdims=True)


def _band_table():
    """log T[j + o - 11, j] as (23, 360): o indexes the 23 in-band sources

    Sources outside the bin range are -inf: never chosen.
    """
    log_transition = np.log(transition() + EPSILON)
    table = np.full((2 * BAND + 1, PITCH_BINS), -np.inf)
    for offset in range(2 * BAND + 1):
        for j in range(PITCH_BINS):
            i = j + offset - BAND
            if 0 <= i < PITCH_BINS:
                table[offset, j] = log_transition[i, j]
    return table


BAND_TABLE = _band_table()


def log_probabilities(logits):
    """Softmax over bins, then log(p + epsilon) in float32, as librosa does

    Arguments
        logits (torch.tensor [shape=(batch, 360, time)])

    Returns
        (torch.tensor [shape=(batch, time, 360)], float32), on the CPU as a
        numpy-computed log so that values match librosa's to the bit
    """
    # Softmax over the last axis of a (time, 360) layout: each frame is
    # reduced on its own, so the numbers never depend on how many frames
    # are decoded together
    probabilities = torch.softmax(
        logits.detach().float().transpose(1, 2).contiguous(), dim=2)
    if probabilities.device.type == 'cpu':
        array = probabilities.numpy()
        return torch.from_numpy(np.log(array + np.float32(EPSILON)))
    return torch.log(probabilities + EPSILON)


def viterbi_bins(logits):
    """The Viterbi path of each batch item: (batch, 360, time) -> (batch, time)"""
    if logits.size(2) == 0:
        return torch.zeros(logits.size(0), 0, dtype=torch.long, device=logits.device)
    paths = []
    for item in logits:
        stream = ViterbiPath(logits.device)
        decided = [stream.update(item)]
        decided.append(stream.finish())
        paths.append(torch.cat(decided))
    return torch.stack(paths).to(logits.device)


class ViterbiPath:
    """Viterbi decoding of one sequence, fed chunk by chunk

    `update` takes the next frames' logits (360, n) and returns the path
    (int64) of the frames that are already decided: those before the
    latest frame through which every surviving path passes. `finish`
    returns the rest. The concatenation equals the dense Viterbi path of
    the whole sequence. Memory holds only the undecided frames, which in
    practice is tens of frames behind the newest.
    """

    def __init__(self, device='cpu'):
        self.device = torch.device(device)
        self.value = None  # (360,) float64 log score of the newest frame
        self.pointers = []  # per undecided frame (but the first): (n, 360)
        self.undecided = 0  # frames held in self.pointers (+1 first frame)
        self.checked = 0  # frames held when convergence was last checked
        self.kernel = _kernel_for(self.device)

    def update(self, logits):
        """Feed (360, n) logits; returns the newly decided bins (int64)"""
        if logits.size(-1) == 0:
            return self._empty()
        log_probabilities_ = log_probabilities(logits[None])[0]
        if self.value is None:
            self.value = self.kernel.start(log_probabilities_[0])
            log_probabilities_ = log_probabilities_[1:]
            self.undecided = 1
        if len(log_probabilities_):
            self.pointers.append(
                self.kernel.forward(log_probabilities_, self.value))
            self.undecided += len(log_probabilities_)

        # Tracing back costs up to 360 lookups per held frame, so look
        # again only once the held frames have doubled
        if self.undecided >= 2 * max(self.checked, 16):
            self.checked = self.undecided
            return self._emit_converged()
        return self._empty()

    def finish(self):
        """The path of every frame not yet returned"""
        if self.value is None:
            return self._empty()
        last = self.kernel.best(self.value)
        path = self.kernel.trace(self._stacked(), last)
        self.value, self.pointers, self.undecided, self.checked = None, [], 0, 0
        return path

    def _emit_converged(self):
        pointers = self._stacked()
        found = self.kernel.coalesce(pointers)
        if found is None:
            return self._empty()
        frame, state = found

        # Frames 0..frame of the held ones are decided; frame becomes the
        # new first held frame, whose pointers are no longer needed
        path = self.kernel.trace(pointers[:frame], state)
        self.pointers = [pointers[frame:]] if frame < len(pointers) else []
        self.undecided -= frame
        self.checked = self.undecided
        return path[:-1]

    def _stacked(self):
        if len(self.pointers) > 1:
            self.pointers = [torch.cat(self.pointers)]
        if self.pointers:
            return self.pointers[0]
        return torch.zeros(0, PITCH_BINS, dtype=torch.int16, device=self.kernel.device)

    def _empty(self):
        return torch.zeros(0, dtype=torch.long, device=self.kernel.device)


def edge_trapped(probabilities, bins):
    """How many frames a Viterbi path spent stuck at an end of the range

    The transition's rows are normalised over the bins within reach, so
    the 11 bins at either end keep their state more cheaply than the rest;
    after noise or silence a path can settle there and stay through later
    notes. Counted: frames decoded in those bins while the network's most
    probable bin, at probability 0.5 or more, is over 11 bins away.

    Arguments
        probabilities (torch.tensor [shape=(..., 360, frames)]), masked
        bins (torch.tensor [shape=(..., frames)]), the decoded bins

    Returns
        (int)
    """
    bins = bins.to(probabilities.device, torch.int64)
    at_edge = (bins < BAND) | (bins >= PITCH_BINS - BAND)
    # Usually no frame is at an edge: skip the pass over all 360 bins
    if not bool(at_edge.any()):
        return 0
    best, where = probabilities.max(dim=-2)
    elsewhere = (where - bins).abs() > BAND
    return int((at_edge & elsewhere & (best >= .5)).sum())


###############################################################################
# Streaming
###############################################################################


class Stream:
    """Decode one sequence block by block, holding as little as possible

    Feed `update` the masked probabilities (360, n) of consecutive frames;
    `finish` returns (bins, pitch, periodicity), each (1, frames), equal to
    what `decoder` returns for the whole (1, 360, frames) tensor at once
    (the same dither draws included). The built-in decoders keep only the
    frames not yet decided; any other decoder is handed the whole tensor at
    the end.
    """

    def __init__(self, decoder, device='cpu'):
        self.decoder = decoder
        self.kind = next(
            (name for name, function in DECODERS.items() if function is decoder),
            None)
        self.path = ViterbiPath(device) if decoder in VITERBI_DECODERS else None
        self.held = []  # (360, n) probabilities of undecided frames
        self.bins, self.cents, self.periodicity = [], [], []
        self.trapped = 0  # see edge_trapped (Viterbi decoders only)

    def update(self, probabilities):
        if self.kind is None or self.path is not None:
            self.held.append(probabilities)
        if self.kind in ('argmax', 'weighted_argmax'):
            self._decided(probabilities, probabilities.argmax(dim=0))
        elif self.path is not None:
            self._release(self.path.update(probabilities))

    def finish(self):
        if self.kind is None:
            probabilities = torch.cat(self.held, 1)[None]
            bins, pitch = self.decoder(probabilities)
            return bins, pitch, probabilities.gather(1, bins.long()[:, None])[:, 0]
        if self.path is not None:
            self._release(self.path.finish())
        bins = torch.cat(self.bins)[None]
        periodicity = torch.cat(self.periodicity)[None]
        if self.cents:
            pitch = convert.cents_to_frequency(torch.cat(self.cents)[None])
            pitch = pitch.to(periodicity.dtype)
        else:
            pitch = convert.bins_to_frequency(bins)
        return bins, pitch, periodicity

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
        self.periodicity.append(probabilities.gather(0, bins[None])[0])
        if self.path is not None:
            self.trapped += edge_trapped(probabilities, bins)
        if self.kind == 'weighted_argmax':
            transform = torch.sigmoid
        elif self.kind == 'weighted_viterbi':
            transform = _non_negative
        else:
            return
        cents = local_average_cents(probabilities[None], bins[None], transform)
        self.cents.append(cents[0])


###############################################################################
# Viterbi kernels
###############################################################################


class _TorchKernel:
    """The recursion with torch operations, on the logits' own device"""

    def __init__(self, device):
        self.device = device
        self.band = torch.from_numpy(BAND_TABLE).to(device)
        self.index = torch.arange(PITCH_BINS, device=device)

    def start(self, log_probabilities):
        return log_probabilities.double() + LOG_START

    def forward(self, log_probabilities, value):
        """Advance `value` in place over (n, 360) frames; (n, 360) pointers"""
        pointers = torch.empty(
            len(log_probabilities), PITCH_BINS, dtype=torch.int16, device=self.device)
        index = self.index
        for t, frame in enumerate(log_probabilities.double()):
            # Out-of-band sources: all weigh log(epsilon); the earliest
            # maximum over i <= j - 12 and over i >= j + 12
            shifted = value + LOG_EPSILON
            prefix_value, prefix_index = _first_cummax(shifted)
            suffix_value, suffix_index = _first_cummax(shifted.flip(0), last=True)
            suffix_value = suffix_value.flip(0)
            suffix_index = PITCH_BINS - 1 - suffix_index.flip(0)

            # In-band sources j - 11 .. j + 11, earliest maximum
            padded = torch.nn.functional.pad(value, (BAND, BAND), value=-math.inf)
            candidates = padded.unfold(0, 2 * BAND + 1, 1).T + self.band
            best, offset = candidates.max(dim=0)
            source = index + offset - BAND

            # Regions in index order; a later region wins only if greater
            low = index - BAND - 1
            has_low = low >= 0
            low_value = torch.where(has_low, prefix_value[low.clamp(min=0)], -math.inf)
            low_index = prefix_index[low.clamp(min=0)]
            take = low_value >= best
            best = torch.where(take, low_value, best)
            source = torch.where(take, low_index, source)

            high = index + BAND + 1
            has_high = high < PITCH_BINS
            high_value = torch.where(
                has_high, suffix_value[high.clamp(max=PITCH_BINS - 1)], -math.inf)
            high_index = suffix_index[high.clamp(max=PITCH_BINS - 1)]
            take = high_value > best
            best = torch.where(take, high_value, best)
            source = torch.where(take, high_index, source)

            value.copy_(frame + best)
            pointers[t] = source.to(torch.int16)
        return pointers

    def best(self, value):
        return int(torch.argmax(value))  # the first maximum

    def trace(self, pointers, last):
        path = torch.empty(len(pointers) + 1, dtype=torch.long, device=self.device)
        state = torch.tensor(last, device=self.device)
        path[-1] = state
        for t in range(len(pointers) - 1, -1, -1):
            state = pointers[t, state].long()
            path[t] = state
        return path

    def coalesce(self, pointers):
        states = self.index
        for t in range(len(pointers) - 1, -1, -1):
            states = pointers[t, states].long()
            if bool((states == states[0]).all()):
                return t, int(states[0])
        return None


def _first_cummax(values, last=False):
    """Running maximum with the index of its first (or last) occurrence"""
    running = torch.cummax(values, dim=0).values
    previous = torch.cat([running.new_full((1,), -math.inf), running[:-1]])
    new = values >= previous if last else values > previous
    index = torch.arange(len(values), device=values.device)
    positions = torch.where(new, index, torch.zeros_like(index))
    return running, torch.cummax(positions, dim=0).values


class _NumbaKernel(_TorchKernel):
    """The same recursion compiled with numba for the CPU"""

    def __init__(self, device):
        super().__init__(device)
        self.numba = _numba_functions()

    def forward(self, log_probabilities, value):
        pointers = np.empty((len(log_probabilities), PITCH_BINS), dtype=np.int16)
        self.numba['forward'](
            log_probabilities.numpy(), value.numpy(), BAND_TABLE, pointers)
        return torch.from_numpy(pointers)

    def trace(self, pointers, last):
        path = np.empty(len(pointers) + 1, dtype=np.int64)
        self.numba['trace'](pointers.numpy(), last, path)
        return torch.from_numpy(path)

    def coalesce(self, pointers):
        found = self.numba['coalesce'](pointers.numpy())
        return None if found[0] < 0 else (int(found[0]), int(found[1]))


_NUMBA = {}


def _kernel_for(device):
    device = torch.device(device)
    if device.type == 'cpu' and _numba_functions() is not None:
        return _NumbaKernel(device)
    return _TorchKernel(device)


def _numba_functions():
    """Compile (once; numba caches to disk) the CPU Viterbi loops

    numba is installed with resampy, a dependency; without it the torch
    kernel runs instead, with the same result, more slowly.
    """
    if _NUMBA.get('unavailable'):
        return None
    if 'forward' in _NUMBA:
        return _NUMBA
    try:
        import numba
    except ImportError:
        _NUMBA['unavailable'] = True
        return None

    jit = numba.njit(cache=True, nogil=True)
    n_states = PITCH_BINS
    band = BAND
    log_epsilon = LOG_EPSILON
    radius = LOCAL_RADIUS
    cents_per_bin = float(CENTS_PER_BIN)
    cents_offset = CENTS_OFFSET

    @jit
    def forward(log_probabilities, value, table, pointers):
        shifted = np.empty(n_states)
        prefix_value = np.empty(n_states)
        prefix_index = np.empty(n_states, np.int64)
        suffix_value = np.empty(n_states)
        suffix_index = np.empty(n_states, np.int64)
        best = np.empty(n_states)
        source = np.empty(n_states, np.int64)
        stay = table[band]
        for t in range(log_probabilities.shape[0]):
            # Every bin can stay put, so its best in-band score is at least
            # value + log T[j, j]. Sources outside the band score at most
            # max(value) + log(epsilon); when that is below every such
            # floor, no out-of-band source can win or tie, and the two
            # sequential scans below are skipped
            highest = -np.inf
            floor = np.inf
            for i in range(n_states):
                highest = max(highest, value[i])
                floor = min(floor, value[i] + stay[i])
            jumps = highest + log_epsilon >= floor

            if jumps:
                for i in range(n_states):
                    shifted[i] = value[i] + log_epsilon

                # Earliest maximum of shifted[0..k] and of shifted[k..359]
                prefix_value[0] = shifted[0]
                prefix_index[0] = 0
                for i in range(1, n_states):
                    if shifted[i] > prefix_value[i - 1]:
                        prefix_value[i] = shifted[i]
                        prefix_index[i] = i
                    else:
                        prefix_value[i] = prefix_value[i - 1]
                        prefix_index[i] = prefix_index[i - 1]
                suffix_value[n_states - 1] = shifted[n_states - 1]
                suffix_index[n_states - 1] = n_states - 1
                for i in range(n_states - 2, -1, -1):
                    if shifted[i] >= suffix_value[i + 1]:
                        suffix_value[i] = shifted[i]
                        suffix_index[i] = i
                    else:
                        suffix_value[i] = suffix_value[i + 1]
                        suffix_index[i] = suffix_index[i + 1]

            # Sources before the band, then the band, then after it: a
            # later candidate replaces the best only if strictly greater
            for j in range(n_states):
                best[j] = -np.inf
                source[j] = -1
            if jumps:
                for j in range(band + 1, n_states):
                    best[j] = prefix_value[j - band - 1]
                    source[j] = prefix_index[j - band - 1]
            for offset in range(2 * band + 1):
                low = max(0, band - offset)
                high = min(n_states, n_states + band - offset)
                shift = offset - band
                row = table[offset]
                # Branch-free so that the loop vectorises
                for j in range(low, high):
                    candidate = value[j + shift] + row[j]
                    better = candidate > best[j]
                    best[j] = candidate if better else best[j]
                    source[j] = j + shift if better else source[j]
            if jumps:
                for j in range(n_states - band - 1):
                    candidate = suffix_value[j + band + 1]
                    better = candidate > best[j]
                    best[j] = candidate if better else best[j]
                    source[j] = suffix_index[j + band + 1] if better else source[j]

            for j in range(n_states):
                value[j] = log_probabilities[t, j] + best[j]
                pointers[t, j] = source[j]

    @jit
    def trace(pointers, last, path):
        state = last
        path[pointers.shape[0]] = state
        for t in range(pointers.shape[0] - 1, -1, -1):
            state = pointers[t, state]
            path[t] = state

    @jit
    def coalesce(pointers):
        states = np.arange(n_states)
        for t in range(pointers.shape[0] - 1, -1, -1):
            same = True
            for k in range(n_states):
                states[k] = pointers[t, states[k]]
                if states[k] != states[0]:
                    same = False
            if same:
                return t, states[0]
        return -1, -1

    # argmax and local_average take a range of frames (start, stop); fused
    # into one tiled loop they compiled to slower code, so they run whole
    @jit
    def argmax(values, start, stop, bins):
        # Bins outer, frames inner: rows are contiguous and the branch-free
        # update vectorises; a later bin replaces only a strictly greater
        # value, so the first maximum wins, and a NaN wins as in torch
        best = values[0, start:stop].copy()
        for t in range(start, stop):
            bins[t] = 0
        for j in range(1, values.shape[0]):
            row = values[j]
            for t in range(start, stop):
                candidate = row[t]
                previous = best[t - start]
                better = (candidate > previous) | (
                    (candidate != candidate) & (previous == previous))
                best[t - start] = candidate if better else previous
                bins[t] = j if better else bins[t]

    @jit
    def local_average(values, bins, kind, start, stop, cents):
        # The weighted mean of local_average_cents, frame by frame, in
        # float64; kind 0: weights as given, 1: sigmoid, 2: clamped at 0
        for t in range(start, stop):
            total = 0.
            weighted = 0.
            for j in range(max(bins[t] - radius, 0), min(bins[t] + radius + 1, n_states)):
                weight = np.float64(values[j, t])
                if kind == 1:
                    weight = 1. / (1. + np.exp(-weight))
                elif kind == 2:
                    weight = max(weight, 0.)
                total += weight
                weighted += weight * (cents_per_bin * j + cents_offset)
            if total > 0:
                cents[t] = weighted / total
            else:
                cents[t] = cents_per_bin * bins[t] + cents_offset

    @jit
    def whole_argmax(values, bins):
        argmax(values, 0, values.shape[1], bins)

    @numba.njit(cache=True, nogil=True, parallel=True)
    def whole_local_average(values, bins, kind, cents):
        # Reading 9 scattered values per frame waits on memory: two
        # threads over separate stretches of frames wait half as long,
        # and each frame's sum is the same whatever the split
        count = values.shape[1]
        stretch = 8192
        for part in numba.prange((count + stretch - 1) // stretch):
            local_average(values, bins, kind, part * stretch,
                          min(count, (part + 1) * stretch), cents)

    _NUMBA.update(forward=forward, trace=trace, coalesce=coalesce,
                  argmax=whole_argmax, local_average=whole_local_average)
    return _NUMBA
