"""The Viterbi recursion over the banded model, in torch and compiled.

`ViterbiPath` decodes one sequence chunk by chunk with one of two kernels
that compute the same recursion from the same band table
(`banded.BAND_TABLES`): `TorchKernel` with torch operations on the logits'
own device, `CompiledKernel` with the numba loops of `kernels` on the CPU.
Both give exactly the path of the dense 360 x 360 algorithm (librosa's,
which 0.0.24 calls) for the same softmax probabilities, transition and
uniform start, ties included.
"""
import functools
import importlib.util
import math

import numpy as np
import torch

from ..constants import PITCH_BINS
from .banded import (BAND, BAND_TABLES, LOG_EPSILON, LOG_START, check_logits,
                     check_normalisation, log_probabilities)


@functools.lru_cache(maxsize=None)
def compiled():
    """The module of compiled CPU loops (`torchcrepe.decode.kernels`), or
    None when numba is not installed

    Imported on first use rather than with the package: importing numba
    takes about half a second that `import torchcrepe` should not cost.
    """
    if importlib.util.find_spec('numba') is None:
        return None
    from . import kernels
    return kernels


def kernel_for(device, normalisation='interior'):
    """The fastest kernel for `device`: compiled on the CPU when numba is
    installed, else torch"""
    device = torch.device(device)
    if device.type == 'cpu' and compiled() is not None:
        return CompiledKernel(device, normalisation)
    return TorchKernel(device, normalisation)


def viterbi_bins(logits, normalisation='interior'):
    """The Viterbi path of each batch item

    Arguments
        logits (torch.tensor [shape=(batch, 360, time)])
        normalisation: the transition's, one of banded.NORMALISATIONS

    Returns
        (torch.tensor [shape=(batch, time)], int64), on the logits' device
    """
    check_logits(logits)
    check_normalisation(normalisation)
    if logits.size(2) == 0:
        return torch.zeros(logits.size(0), 0, dtype=torch.long, device=logits.device)
    paths = []
    for item in logits:
        stream = ViterbiPath(logits.device, normalisation)
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
    the whole sequence, whatever the chunks. Memory holds only the
    undecided frames, which in practice is tens of frames behind the newest.

    `force(count)` decides the oldest frames before the paths meet (a
    live tracker's bound on delay) by the best path so far: fixed-lag
    decoding. The recursion itself is not changed by it, so the frames
    decided later are the offline path's wherever that path is reached,
    and a forced frame can disagree with the frames after it.

    Arguments
        device: where the recursion runs
        normalisation: the transition's, one of banded.NORMALISATIONS
        eager (bool): look for decided frames at every update (a live
            tracker, which wants each frame as soon as it is decided)
            rather than each time the held frames have doubled; the path
            is the same
    """

    def __init__(self, device='cpu', normalisation='interior', eager=False):
        check_normalisation(normalisation)
        self.eager = eager
        self.device = torch.device(device)
        self.value = None  # (360,) float64 log score of the newest frame
        self.pointers = []  # per undecided frame (but the first): (n, 360)
        self.undecided = 0  # frames held in self.pointers (+1 first frame)
        self.checked = 0  # frames held when convergence was last checked
        self.forced = 0  # held frames, from the oldest, already returned by force
        self.kernel = kernel_for(self.device, normalisation)

    @property
    def pending(self):
        """Frames fed but not yet returned"""
        return self.undecided - self.forced

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
        if self.undecided >= 2 * max(self.checked, 16) or \
                (self.eager and self.undecided > 1):
            self.checked = self.undecided
            return self._emit_converged()
        return self._empty()

    def finish(self):
        """The path of every frame not yet returned"""
        if self.value is None:
            return self._empty()
        last = self.kernel.best(self.value)
        path = self.kernel.trace(self._stacked(), last)[self.forced:]
        self.value, self.pointers, self.undecided, self.checked = None, [], 0, 0
        self.forced = 0
        return path

    def force(self, count):
        """Decide the oldest `count` frames not yet returned (at most
        `pending`) by the best path to the newest frame; returns their
        bins (int64)"""
        count = min(count, self.pending)
        if count <= 0:
            return self._empty()
        path = self.kernel.trace(self._stacked(), self.kernel.best(self.value))
        self.forced += count
        return path[self.forced - count:self.forced]

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
        # Frames force returned already are not returned again
        skip = min(self.forced, frame)
        self.forced -= skip
        return path[skip:-1]

    def _stacked(self):
        if len(self.pointers) > 1:
            self.pointers = [torch.cat(self.pointers)]
        if self.pointers:
            return self.pointers[0]
        return torch.zeros(0, PITCH_BINS, dtype=torch.int16, device=self.kernel.device)

    def _empty(self):
        return torch.zeros(0, dtype=torch.long, device=self.kernel.device)


class TorchKernel:
    """The recursion with torch operations, on the logits' own device

    Scores are float64 (360,); back pointers int16 (frames, 360).
    """

    def __init__(self, device, normalisation='interior'):
        self.device = torch.device(device)
        self.table = BAND_TABLES[normalisation]
        self.band = torch.tensor(self.table, device=self.device)
        self.index = torch.arange(PITCH_BINS, device=self.device)

    def start(self, log_probabilities):
        """The scores of the first frame, under the uniform start"""
        return log_probabilities.double() + LOG_START

    def forward(self, log_probabilities, value):
        """Advance `value` in place over (n, 360) frames; (n, 360) pointers"""
        pointers = torch.empty(
            len(log_probabilities), PITCH_BINS, dtype=torch.int16, device=self.device)
        for t, frame in enumerate(log_probabilities.double()):
            best, source = self._step(value)
            value.copy_(frame + best)
            pointers[t] = source.to(torch.int16)
        return pointers

    def _step(self, value):
        """The best predecessor score and bin of every bin, ties to the lowest"""
        index = self.index

        # Out-of-band sources all weigh log(epsilon): the earliest maximum
        # over i <= j - 12 and over i >= j + 12
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
        low = (index - BAND - 1).clamp(min=0)
        low_value = torch.where(index > BAND, prefix_value[low], -math.inf)
        take = low_value >= best
        best = torch.where(take, low_value, best)
        source = torch.where(take, prefix_index[low], source)

        high = (index + BAND + 1).clamp(max=PITCH_BINS - 1)
        high_value = torch.where(
            index < PITCH_BINS - BAND - 1, suffix_value[high], -math.inf)
        take = high_value > best
        best = torch.where(take, high_value, best)
        source = torch.where(take, suffix_index[high], source)
        return best, source

    def best(self, value):
        """The bin where the path ends: the first maximum"""
        return int(torch.argmax(value))

    def trace(self, pointers, last):
        """The path (n + 1,) ending in bin `last`, from pointers (n, 360)"""
        path = torch.empty(len(pointers) + 1, dtype=torch.long, device=self.device)
        state = torch.tensor(last, device=self.device)
        path[-1] = state
        for t in range(len(pointers) - 1, -1, -1):
            state = pointers[t, state].long()
            path[t] = state
        return path

    def coalesce(self, pointers):
        """(frame, bin) where every held path meets last, or None"""
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


class CompiledKernel(TorchKernel):
    """The same recursion, compiled with numba, for the CPU"""

    def __init__(self, device, normalisation='interior'):
        super().__init__(device, normalisation)
        self.loops = compiled()

    def forward(self, log_probabilities, value):
        pointers = np.empty((len(log_probabilities), PITCH_BINS), dtype=np.int16)
        self.loops.forward(log_probabilities.numpy(), value.numpy(), self.table, pointers)
        return torch.from_numpy(pointers)

    def trace(self, pointers, last):
        path = np.empty(len(pointers) + 1, dtype=np.int64)
        self.loops.trace(pointers.numpy(), last, path)
        return torch.from_numpy(path)

    def coalesce(self, pointers):
        found = self.loops.coalesce(pointers.numpy())
        return None if found[0] < 0 else (int(found[0]), int(found[1]))
