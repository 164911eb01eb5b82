"""The decoders' CPU loops, compiled with numba.

Importing this module imports numba (about half a second); the functions
compile on their first call and numba caches the machine code on disk.
`torchcrepe.decode.recursion.compiled` imports it on first use, and only
when numba is installed (it comes with resampy, a dependency); without it
the torch code runs instead, with the same results, more slowly.

Arrays are numpy; every function writes its result into an output array.
"""
import numba
import numpy as np

from ..constants import CENTS_OFFSET, CENTS_PER_BIN, PITCH_BINS
from .banded import BAND, LOCAL_RADIUS, LOG_EPSILON

_jit = numba.njit(cache=True, nogil=True)

# Frames per thread in the parallel local average
STRETCH = 8192


###############################################################################
# Viterbi
###############################################################################


@_jit
def out_of_band(value, prefix_value, prefix_index, suffix_value, suffix_index):
    """Earliest maximum of value[0..k] + log(epsilon) and latest-index-first
    maximum of value[k..359] + log(epsilon), for every k, into the outputs"""
    prefix_value[0] = value[0] + LOG_EPSILON
    prefix_index[0] = 0
    for i in range(1, PITCH_BINS):
        shifted = value[i] + LOG_EPSILON
        if shifted > prefix_value[i - 1]:
            prefix_value[i] = shifted
            prefix_index[i] = i
        else:
            prefix_value[i] = prefix_value[i - 1]
            prefix_index[i] = prefix_index[i - 1]
    last = PITCH_BINS - 1
    suffix_value[last] = value[last] + LOG_EPSILON
    suffix_index[last] = last
    for i in range(last - 1, -1, -1):
        shifted = value[i] + LOG_EPSILON
        if shifted >= suffix_value[i + 1]:
            suffix_value[i] = shifted
            suffix_index[i] = i
        else:
            suffix_value[i] = suffix_value[i + 1]
            suffix_index[i] = suffix_index[i + 1]


@_jit
def in_band(value, table, best, source):
    """Let the 23 in-band sources of every bin compete for best/source

    A later candidate replaces the best only if strictly greater, so that
    ties go to the lowest source, as in the dense algorithm."""
    for offset in range(2 * BAND + 1):
        low = max(0, BAND - offset)
        high = min(PITCH_BINS, PITCH_BINS + BAND - offset)
        shift = offset - BAND
        row = table[offset]
        # Branch-free so that the loop vectorises
        for j in range(low, high):
            candidate = value[j + shift] + row[j]
            better = candidate > best[j]
            best[j] = candidate if better else best[j]
            source[j] = j + shift if better else source[j]


@_jit
def forward(log_probabilities, value, table, pointers):
    """Advance the Viterbi scores `value` (360,) in place over the frames of
    `log_probabilities` (n, 360), writing each frame's back pointers into
    `pointers` (n, 360); `table` is a band table (23, 360)"""
    prefix_value = np.empty(PITCH_BINS)
    prefix_index = np.empty(PITCH_BINS, np.int64)
    suffix_value = np.empty(PITCH_BINS)
    suffix_index = np.empty(PITCH_BINS, np.int64)
    best = np.empty(PITCH_BINS)
    source = np.empty(PITCH_BINS, np.int64)
    stay = table[BAND]
    for t in range(log_probabilities.shape[0]):
        # Every bin can stay put, so its best in-band score is at least
        # value + log T[j, j]. Sources outside the band score at most
        # max(value) + log(epsilon); when that is below every such floor,
        # no out-of-band source can win or tie, and their scans are skipped
        highest = -np.inf
        floor = np.inf
        for i in range(PITCH_BINS):
            highest = max(highest, value[i])
            floor = min(floor, value[i] + stay[i])
        jumps = highest + LOG_EPSILON >= floor

        # Sources before the band, then the band, then after it
        best[:] = -np.inf
        source[:] = -1
        if jumps:
            out_of_band(value, prefix_value, prefix_index, suffix_value, suffix_index)
            for j in range(BAND + 1, PITCH_BINS):
                best[j] = prefix_value[j - BAND - 1]
                source[j] = prefix_index[j - BAND - 1]
        in_band(value, table, best, source)
        if jumps:
            for j in range(PITCH_BINS - BAND - 1):
                candidate = suffix_value[j + BAND + 1]
                better = candidate > best[j]
                best[j] = candidate if better else best[j]
                source[j] = suffix_index[j + BAND + 1] if better else source[j]

        for j in range(PITCH_BINS):
            value[j] = log_probabilities[t, j] + best[j]
            pointers[t, j] = source[j]


@_jit
def trace(pointers, last, path):
    """The path (n + 1,) that ends in bin `last`, from pointers (n, 360)"""
    state = last
    path[pointers.shape[0]] = state
    for t in range(pointers.shape[0] - 1, -1, -1):
        state = pointers[t, state]
        path[t] = state


@_jit
def coalesce(pointers):
    """(frame, bin): the latest frame through which the paths ending in
    every bin of the newest frame pass, and the bin; (-1, -1) if none"""
    states = np.arange(PITCH_BINS)
    for t in range(pointers.shape[0] - 1, -1, -1):
        same = True
        for k in range(PITCH_BINS):
            states[k] = pointers[t, states[k]]
            if states[k] != states[0]:
                same = False
        if same:
            return t, states[0]
    return -1, -1


###############################################################################
# Argmax and local average
###############################################################################


@_jit
def argmax(values, bins):
    """values.argmax(axis=0) of (360, n) values into bins (n,), as torch:
    the first maximum wins, and NaN counts as largest"""
    # Bins outer, frames inner: rows are contiguous and the branch-free
    # update vectorises; a later bin replaces only a strictly greater
    # value, so the first maximum wins
    best = values[0].copy()
    bins[:] = 0
    for j in range(1, values.shape[0]):
        row = values[j]
        for t in range(values.shape[1]):
            candidate = row[t]
            previous = best[t]
            better = (candidate > previous) | (
                (candidate != candidate) & (previous == previous))
            best[t] = candidate if better else previous
            bins[t] = j if better else bins[t]


@_jit
def local_average_range(values, bins, kind, start, stop, cents):
    """The weighted mean of the cents of bins[t] - 4 .. bins[t] + 4
    for frames start .. stop - 1, in float64, into cents (n,)

    kind 0: the weights are `values` (360, n) as given; 1: their sigmoid;
    2: clamped at 0. Where every weight is 0, the centre bin's cents."""
    for t in range(start, stop):
        total = 0.
        weighted = 0.
        for j in range(max(bins[t] - LOCAL_RADIUS, 0),
                       min(bins[t] + LOCAL_RADIUS + 1, PITCH_BINS)):
            weight = np.float64(values[j, t])
            if kind == 1:
                weight = 1. / (1. + np.exp(-weight))
            elif kind == 2:
                weight = max(weight, 0.)
            total += weight
            weighted += weight * (CENTS_PER_BIN * j + CENTS_OFFSET)
        if total > 0:
            cents[t] = weighted / total
        else:
            cents[t] = CENTS_PER_BIN * bins[t] + CENTS_OFFSET


@numba.njit(cache=True, nogil=True, parallel=True)
def local_average(values, bins, kind, cents):
    """local_average_range over every frame, stretches of frames in parallel

    Reading 9 scattered values per frame waits on memory: two threads over
    separate stretches of frames wait half as long, and each frame's sum is
    the same whatever the split."""
    count = values.shape[1]
    for part in numba.prange((count + STRETCH - 1) // STRETCH):
        local_average_range(values, bins, kind, part * STRETCH,
                            min(count, (part + 1) * STRETCH), cents)
