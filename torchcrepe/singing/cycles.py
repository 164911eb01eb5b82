"""Regular cycles in a pitch curve: where a vibrato may be, and the pitch
with it taken out.

A vibrato is a run of regular cycles of the pitch at 3-9 Hz. Sung vibrato
lies at 5-7 Hz with extents of +-30 to +-150 cents (Seashore 1932;
Sundberg, "The Science of the Singing Voice", 1987; Prame, JASA 1994 and
1997: 4.6-6.6 Hz, +-34 to +-123 cents in ten tenors and sopranos), and
RATE_RANGE is the 3-9 Hz the vibrato literature treats as vibrato. A slow
wobble, a scoop or a step is not: they do not repeat.

The curve (cents, one value a hop), smoothed over track.FAST_SIGMA (the
decoders' frame-to-frame dither gone), is cut into *swings*, the moves
between alternating turning points (a turn counts once the curve has moved
back by TURN cents, so that small ripples are not turns; a step or a scoop
is one swing, a neighbour note two). A *cycle* is two consecutive swings
(up and down). A run of swings is *regular* when each of its cycles lasts
1/9 to 1/3 s and each swing is within a factor SWING_RATIO of the run's
median swing (a step or a scoop is one large swing among small ones; a
vibrato that grows by less than that factor a swing stays regular). A span
holds at least MIN_SWINGS swings: two whole cycles, up-down-up-down.

spans() gives such runs of a curve as frame spans, starting and ending a
quarter cycle outside their first and last turning point (where the
oscillation crosses its centre); vibrato.py decides on each whether it
stands out of the pitch, and takes it out (band_pass: zero phase, around
the vibrato band) of the pitch notes are found on.
"""
from typing import NamedTuple

import numpy as np
from scipy import ndimage, signal

from . import track as tracks

# Rates (Hz) a vibrato's cycles may have
RATE_RANGE = (3., 9.)
# Pass band (Hz) of the zero-phase band-pass: the vibrato band with room on
# each side, so that the band edges lose little of a 3 or 9 Hz vibrato
BAND = (2., 13.5)
BAND_ORDER = 2
# Cents the pitch must move back by for a turning point to count: a swing
# of a vibrato of the smallest extent vibrato.py reports (+-5 cents); the
# ripple left of a decoder's dither after smoothing is smaller
TURN = 10.
# Each swing of a regular run is within this factor of the run's median
SWING_RATIO = 2.
# Swings in a span: two whole cycles
MIN_SWINGS = 4


class Span(NamedTuple):
    """A run of regular swings: frames [start, stop) of the curve, its
    turning points (frames) and the band-passed curve's swings (cents,
    peak-to-peak, one per pair of consecutive turning points)"""
    start: int
    stop: int
    turns: np.ndarray
    swings: np.ndarray

    def cycles(self):
        """Whole cycles: pairs of swings"""
        return len(self.swings) // 2


def band_pass(curve, hop):
    """The curve (cents, (frames,)) band-passed to BAND, zero phase; zeros
    when it is too short to filter"""
    nyquist = .5 / hop
    high = min(BAND[1] / nyquist, .95)
    sections = signal.butter(BAND_ORDER, [BAND[0] / nyquist, high], 'bandpass',
                             output='sos')
    padding = min(len(curve) - 1, int(round(.5 / hop)))
    if padding < 4:
        return np.zeros(len(curve))
    padded = np.pad(curve - np.mean(curve), padding, mode='reflect')
    return signal.sosfiltfilt(sections, padded, padlen=0)[padding:-padding]


def turning_points(curve, threshold):
    """Frames of the alternating maxima and minima of a curve: a maximum
    counts once the curve has fallen `threshold` below it, a minimum once
    it has risen `threshold` above it (numpy.ndarray of int)"""
    points, direction = [], 0
    low = high = pivot = 0
    for index in range(1, len(curve)):
        value = curve[index]
        if direction == 0:
            low = index if value < curve[low] else low
            high = index if value > curve[high] else high
            if value - curve[low] >= threshold:
                points.append(low)
                direction, pivot = 1, index
            elif curve[high] - value >= threshold:
                points.append(high)
                direction, pivot = -1, index
        elif direction * (value - curve[pivot]) > 0:
            pivot = index
        elif direction * (curve[pivot] - value) >= threshold:
            points.append(pivot)
            direction, pivot = -direction, index
    return np.array(points, int)


def _regular(durations, swings):
    """Runs (first, last + 1) of swing indices by the rules above"""
    cycle = durations[:-1] + durations[1:]
    fits = (cycle >= 1 / RATE_RANGE[1]) & (cycle <= 1 / RATE_RANGE[0])
    # A swing is in range when a cycle it belongs to is
    usable = np.zeros(len(swings), bool)
    usable[:-1] |= fits
    usable[1:] |= fits
    runs = []
    for first, last in true_runs(usable):
        # Drop swings far from the run's median, then take what is left
        while last - first >= MIN_SWINGS:
            median = np.median(swings[first:last])
            inside = (swings[first:last] <= SWING_RATIO * median) & \
                (swings[first:last] >= median / SWING_RATIO)
            if inside.all():
                runs.append((first, last))
                break
            pieces = [(first + a, first + b) for a, b in true_runs(inside)]
            longest = max(pieces, key=lambda piece: piece[1] - piece[0])
            if longest == (first, last):
                break
            first, last = longest
    return runs


def true_runs(mask):
    """[(first, last + 1)] of each run of True in a bool array"""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(int), [0]])))
    return list(zip(edges[::2], edges[1::2]))


def spans(curve, hop):
    """The runs of regular swings of a curve (cents, (frames,), no NaN) as
    a list of Span, longest first"""
    smooth = ndimage.gaussian_filter1d(np.asarray(curve, dtype=np.float64),
                                       tracks.FAST_SIGMA / hop, mode='nearest')
    turns = turning_points(smooth, TURN)
    if len(turns) < MIN_SWINGS + 1:
        return []
    durations = np.diff(turns) * hop
    swings = np.abs(np.diff(smooth[turns]))
    found = []
    for first, last in _regular(durations, swings):
        if last - first < MIN_SWINGS:
            continue
        points = turns[first:last + 1]
        # A quarter cycle before the first turn and after the last
        start = max(0, int(round(points[0] - (points[1] - points[0]) / 2)))
        stop = min(len(curve), int(round(points[-1] + (points[-1] - points[-2]) / 2)) + 1)
        found.append(Span(start, stop, points, swings[first:last]))
    return sorted(found, key=lambda span: span.stop - span.start, reverse=True)

