"""Streaming resampling to 16 kHz: resampy's 'kaiser_best', chunk by chunk.

`Resampler(sample_rate)` takes mono audio (floats in [-1, 1]) at
`sample_rate` Hz in chunks of any length and returns float32 samples at
`target` Hz (16000, the network's rate) as soon as they are final.

The promise: for any chunking, the concatenation of everything `push` and
`finish` return equals `framing.resample(audio[None], sample_rate)[0]`, that
is `resampy.resample(float32 audio, sample_rate, 16000)` with its default
'kaiser_best' filter, in length (int(time * 16000 / sample_rate) samples)
and in value, bit for bit with resampy 0.4 (whose kernel this mirrors:
the same filter table, the same linear interpolation into it, the same
taps, and the same float32 sum in the same order; the one exception, a
sum that underflows to -0. where this gives +0., does not arise from
audio). Where resampy refuses a signal too short to give one sample,
`finish` returns nothing. At `sample_rate == target` every sample is
returned as pushed, bit for bit, with no delay.

Units: samples are floats in [-1, 1] (other values resample too, NaN
spreads over the filter's span as in resampy); rates in Hz; times in
input samples unless named seconds.

Output sample t lies at input time t * sample_rate / target (in input
samples). It is returned by the first push after which every input sample
its filter reads has arrived: the filter's right wing, at most `lookahead`
input samples after its time (about 3.1 ms at 22.05, 32, 44.1 and 48 kHz;
6.25 ms at 8 kHz, where the filter is not narrowed).

Memory stays bounded: only the input tail the filter still reads is kept
(twice `lookahead` plus the last push). The interpolation runs in numba
(which resampy needs anyway), imported when the first resampling
`Resampler` is made; that call compiles it, or loads it from numba's
cache after the first time, so that pushes never wait for the compiler.
"""
import functools

import numpy as np
import torch

from . import checks
from .constants import SAMPLE_RATE
from .utils import ParameterError


# resampy's default filter, the one `framing.resample` uses
FILTER = 'kaiser_best'

# Output samples computed together: each sample's sum is a chain of float32
# roundings, so summing many samples side by side keeps the CPU busy
BLOCK = 64


class Resampler:
    """Streaming resampy.resample(x, sample_rate, target) ('kaiser_best')

    Arguments
        sample_rate (int): input rate in Hz
        target (int): output rate in Hz, 16000 by default

    Attributes
        lookahead (int): input samples after an output sample's time that
            it may need; 0 when sample_rate == target
        lookahead_seconds (float): lookahead / sample_rate
    """

    def __init__(self, sample_rate, target=SAMPLE_RATE):
        self.sample_rate = checks.sample_rate(sample_rate)
        self.target = checks.sample_rate(target, 'target')
        self._finished = False
        self._pushed = 0   # input samples so far
        self._emitted = 0  # output samples so far
        if self.sample_rate == self.target:
            self.lookahead = 0
            self.lookahead_seconds = 0.
            return
        self._filter = _filter(self.sample_rate, self.target)
        # Both wings of the filter span at most this many input samples
        self.lookahead = self._filter.taps
        self.lookahead_seconds = self.lookahead / self.sample_rate
        # The buffer holds input samples self._first .. self._pushed - 1;
        # `taps` zeros before the signal stand for resampy's left edge,
        # where it skips the taps (a tap on a zero adds nothing to the sum)
        self._first = -self._filter.taps
        self._buffer = np.zeros(self._filter.taps, np.float32)
        self._terms = np.empty((2, BLOCK, self.lookahead))
        self._kernel = _kernel()
        self._run(final=False)  # compile now, not in the first push

    def push(self, samples):
        """Take the next input samples; return the output that became final

        Arguments
            samples (numpy array or torch CPU tensor [shape=(time,)]):
                floats at sample_rate Hz; any length, including 0

        Returns
            (numpy array [shape=(time',)]): float32 samples at target Hz
        """
        self._check_open('push')
        samples = _as_samples(samples)
        if self.sample_rate == self.target:
            self._pushed += len(samples)
            return samples.copy()
        if len(samples) == 0:
            return np.zeros(0, np.float32)
        self._buffer = np.concatenate((self._buffer, samples))
        self._pushed += len(samples)
        return self._run(final=False)

    def finish(self):
        """Return the rest of the output; the end of the input is the end

        Returns
            (numpy array [shape=(time',)]): float32 samples at target Hz
        """
        self._check_open('finish')
        self._finished = True
        if self.sample_rate == self.target:
            return np.zeros(0, np.float32)
        # Zeros after the end stand for resampy's right edge, as at the start
        self._buffer = np.concatenate(
            (self._buffer, np.zeros(self._filter.taps, np.float32)))
        output = self._run(final=True)
        self._buffer = None
        return output

    def _check_open(self, method):
        if self._finished:
            raise RuntimeError(
                f'Resampler.{method}() called after finish(); make a new '
                'Resampler for the next signal')

    def _run(self, final):
        """Compute the output samples whose inputs have all arrived"""
        spec = self._filter
        # resampy's output length for the input so far, computed its way
        stop = int(self._pushed * float(self.target) / float(self.sample_rate))
        output = np.empty(max(stop - self._emitted, 0), np.float32)
        count = self._kernel(
            self._buffer, self._first, self._pushed, self._emitted, stop,
            final, spec.window, spec.delta, spec.size, spec.table,
            spec.scale, spec.increment, output, self._terms)
        self._emitted += count
        # Keep only the tail that the next output's left wing reads
        centre = int(self._emitted * spec.increment)
        keep = max(centre - spec.taps, self._first)
        self._buffer = self._buffer[keep - self._first:]
        self._first = keep
        return output[:count]


def _as_samples(samples):
    """A 1-D float array or tensor as a float32 numpy array"""
    if isinstance(samples, torch.Tensor):
        samples = samples.detach().cpu().numpy()
    else:
        samples = np.asarray(samples)
    if samples.ndim != 1:
        raise ParameterError(
            f'samples must be 1-D (time,), mono; got shape {samples.shape}')
    if samples.dtype.kind != 'f':
        raise ParameterError(
            f'samples must hold floating-point samples in [-1, 1]; got '
            f'{samples.dtype}')
    return np.ascontiguousarray(samples, dtype=np.float32)


class _Filter:
    """resampy's interpolation table prepared for one rate pair, as
    resampy.resample prepares it, then cut into rows by phase

    Output t's weights for tap i of a wing are window[offset + i * step]
    + eta * delta[offset + i * step] for an offset within 0 .. step and
    the fraction eta. Row `offset` of `window`/`delta` here holds those
    entries (zeros past the table's end), so that a sample's taps are read
    contiguously.
    """

    def __init__(self, sample_rate, target):
        import resampy

        window, table, _ = resampy.filters.get_filter(FILTER)
        ratio = float(target) / sample_rate
        if ratio < 1:
            # Downsampling widens the filter and lowers its gain
            window = ratio * window
        delta = np.diff(window, append=window[-1])
        self.size = len(window)
        self.table = int(table)  # table entries per zero crossing
        self.scale = min(1., ratio)
        self.increment = 1. / ratio  # input samples per output sample
        # Table entries between taps; resampy divides by it
        self.step = int(self.scale * self.table)
        if self.step < 1:
            raise ParameterError(
                f'sample_rate must be at most {target * self.table} Hz to '
                f'resample to {target} Hz; got {sample_rate}')
        # Each wing reads (size - offset) // step input samples: `taps` or
        # `taps - 1`
        self.taps = self.size // self.step
        index = (np.arange(self.step + 1)[:, None]
                 + self.step * np.arange(self.taps)[None])
        inside = index < self.size
        index = np.minimum(index, self.size - 1)
        self.window = np.where(inside, window[index], 0.)
        self.delta = np.where(inside, delta[index], 0.)


@functools.lru_cache(maxsize=8)
def _filter(sample_rate, target):
    return _Filter(sample_rate, target)


@functools.lru_cache(maxsize=None)
def _kernel():
    """The interpolation loop, compiled by numba on first use"""
    import numba

    try:
        # Compiling takes seconds; numba's on-disk cache makes that once per
        # installation rather than once per process
        return numba.njit(nogil=True, cache=True)(_interpolate)
    except RuntimeError:  # no writable cache location
        return numba.njit(nogil=True)(_interpolate)


def _interpolate(buffer, first, pushed, start, stop, final, window, delta,
                 size, table, scale, increment, output, terms):
    """Write output samples start, start + 1, ... into output[0], ...

    Output t reads input samples n - i (left wing) and n + 1 + k (right
    wing), n = int(t * increment), with weights interpolated in the table
    exactly as resampy's kernel does, summed in the same order, rounding to
    float32 after each tap as resampy's float32 output does. It stops at
    `stop`, or (unless `final`) at the first sample whose right wing reaches
    past the `pushed` input samples.

    Arguments
        buffer (float32 [shape=(pushed - first,)]): input samples first ..
            pushed - 1, plus zeros past the end when final
        window, delta (float64 [shape=(step + 1, taps)]): _Filter's rows
        output (float32 [shape=(>= stop - start,)])
        terms (float64 [shape=(2, BLOCK, taps)]): room for each tap's
            weighted input (left wing, right wing), filled a sample at a
            time from contiguous rows, then summed a tap at a time over the
            block's samples, whose float32 sums are independent

    Returns
        (int): how many samples were written
    """
    step = int(scale * table)
    taps = window.shape[1]
    centre = np.empty(BLOCK, np.int64)
    offsets = np.empty((2, BLOCK), np.int64)
    etas = np.empty((2, BLOCK), np.float64)
    counts = np.empty((2, BLOCK), np.int64)
    total = np.empty(BLOCK, np.float32)
    t = start
    while t < stop:
        # The block's offsets and fractions, computed as resampy does
        block = 0
        while block < BLOCK and t + block < stop:
            time = (t + block) * increment
            n = int(time)
            fraction = scale * (time - n)
            for wing in range(2):
                index = fraction * table
                offset = int(index)
                offsets[wing, block] = offset
                etas[wing, block] = index - offset
                counts[wing, block] = (size - offset) // step
                fraction = scale - fraction
            if not final and n + counts[1, block] + 1 > pushed:
                break
            centre[block] = n - first
            block += 1
        if block == 0:
            break
        for b in range(block):
            # Left wing: inputs n, n - 1, ...
            row, eta, last = offsets[0, b], etas[0, b], centre[b]
            for i in range(counts[0, b]):
                weight = window[row, i] + eta * delta[row, i]
                terms[0, b, i] = weight * np.float64(buffer[last - i])
            # Right wing: inputs n + 1, n + 2, ...
            row, eta, after = offsets[1, b], etas[1, b], centre[b] + 1
            for i in range(counts[1, b]):
                weight = window[row, i] + eta * delta[row, i]
                terms[1, b, i] = weight * np.float64(buffer[after + i])
        total[:block] = 0
        for wing in range(2):
            # Every sample has taps - 1 or taps taps in a wing
            for i in range(taps - 1):
                for b in range(block):
                    total[b] = np.float32(total[b] + terms[wing, b, i])
            i = taps - 1
            for b in range(block):
                if counts[wing, b] > i:
                    total[b] = np.float32(total[b] + terms[wing, b, i])
        output[t - start:t - start + block] = total[:block]
        t += block
    return t - start
