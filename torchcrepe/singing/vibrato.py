"""Vibrato of a note: where it is, its rate, extent and regularity; and
the note's stability.

A vibrato is a span inside a note's held frames (its attack left out:
notes.py) holding at least two whole, regular cycles at 3-9 Hz that stand
out of the note's detrended pitch:

    detrended curve  the note's pitch over its held frames (cents, unvoiced
                     gaps interpolated, no median so that vibrato peaks are
                     kept) minus its trend (track.trend, 2.5 Hz low-pass)
    regular cycles   cycles.spans: runs of at least four swings (two whole
                     cycles, up-down-up-down) of the smoothed curve between
                     turning points, each cycle lasting 1/9 to 1/3 s, each
                     swing within a factor of 2 of the run's median swing;
                     a one-cycle wobble, a scoop or a step is none
    stands out       in every window of two whole cycles, a sinusoid
                     a sin(2 pi f t) + b cos(2 pi f t) plus a straight line,
                     fitted by least squares (f within a factor 1.25 of the
                     window's own rate), explains at least MIN_FIT (2/3) of
                     what the line alone leaves of the curve, smoothed over
                     track.FAST_SIGMA to drop a decoder's frame-to-frame
                     dither: the vibrato carries twice the power of
                     everything else there. Its rate lies within RATE_RANGE
                     and its extent is MIN_EXTENT (8 cents: above the
                     tracker's own unsteadiness on a held note) or more.
                     A small vibrato whose swings are
                     lost in a noisy track stands out as a whole when one
                     sinusoid over the whole held part does (_whole)
    is heard         its extent, corrected for the trend filter and the
                     tracker's window, is HEARD_EXTENT (+-30 cents) or
                     more: the narrow end of sung vibrato (0.6 to 2
                     semitones peak to peak: Seashore 1938, Sundberg 1987,
                     as reviewed by Timmers and Desain 2000). A smaller
                     regular wobble is heard as an unsteady note, not as
                     vibrato: the note has no vibrato, and its pitch is
                     taken as a steady note's

A swing of MIN_EXTENT or more still counts where notes are cut
(swinging): the loudness that goes with a small swing is not a new note
either.

The longest run of windows that stand out is the note's vibrato; its
figures:

    start, end    seconds; start - the note's onset is its delay
                  (Note.vibrato_delay): singers often start a vibrato some
                  time into a held note
    rate_hz       f of one sinusoid plus a line fitted over the span, less
                  the note's first and last EDGE seconds (_inner)
    extent_cents  sqrt(a^2 + b^2), half the peak-to-peak swing, the median
                  over the windows, divided by what the trend filter
                  leaves of a sinusoid at f (above 97 % from 4 Hz up) and
                  by what the pitch tracker's analysis window leaves of it:
                  a frame-based tracker reports about the mean pitch under
                  its window, which flattens vibrato peaks
                  (TRACKER_WINDOW, a Hann window); window_seconds=0 turns
                  this off
    fit           the median over the windows of the share they explain
    cycles        whole cycles in the span (pairs of swings)
    regularity    1 - (CV of the cycles' rates + CV of their extents) / 2,
                  clipped to 0..1, where CV is standard deviation over
                  mean: 1 for a perfectly even vibrato

A note with vibrato gets as its pitch (Note.midi) the centre it swings
around: a sinusoid at the found rate and a constant are fitted together
to its pitch over the span, and the constant is the centre (centred).

Stability, for every note but glides, on its pitch over its held frames
with the fitted vibrato sinusoid removed over its span: drift is the
change (cents, end minus start) of the straight line fitted to it, jitter
the standard deviation of its frame-to-frame differences over sqrt(2)
(cents; for independent errors, their standard deviation; slow movement
does not count). A wobble that is no vibrato stays in the pitch: its
jitter and drift say how unsteady the note is.
"""
from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple, Optional

import numpy as np
import numpy.typing as npt
from scipy import ndimage, optimize, signal

from ..types import BoolArray, FloatArray
from . import cycles, track as tracks

# The window (s) of the Hann-window model of CREPE's averaging: its frames
# are WINDOW_SIZE / SAMPLE_RATE = 64 ms long, but on synthetic vibrato
# (benchmarks/sung.py, seed 0, 'small' and 'tiny') the network flattens
# 4-8 Hz vibrato as a 75 ms Hann window would: it keeps 96 % at 4 Hz,
# 83 % at 6 Hz, 79 % at 8 Hz (the 64 ms model predicts 96, 91, 84 %)
TRACKER_WINDOW = .075

# Seconds left out of the fit at a note's ends (_inner)
EDGE = .08
RATE_SEARCH = (3., 10.)
RATE_STEP = .05
# The longest tracker window (s) the extent correction models: beyond it
# even the slowest rate searched falls where window_response stops
# following the Hann window's response (rate x window >= 0.9), and a
# vibrato would be corrected by a guess
MAX_WINDOW = .9 / RATE_SEARCH[0]
# cycles.py's, by its name here too (the code reads cycles')
RATE_RANGE = cycles.RATE_RANGE
# Cents: the smallest extent reported: above the tracker's own
# unsteadiness on a held note (the frame-to-frame jitter of CREPE small on
# the sung notes of ../shared/singing: medians of 3.6-7.4 cents), below the
# smallest vibrato the synthetic checks hold (+-10 cents)
MIN_EXTENT = 8.
# Cents: the smallest extent reported as vibrato, half the 0.6-semitone
# peak-to-peak swing at the narrow end of sung vibrato (see the module
# docstring); every vibrato of ../shared/singing is +-61 cents or more,
# so these files cannot choose it
HEARD_EXTENT = 30.
# Share of what a straight line leaves of a two-cycle window that the
# vibrato's sinusoid explains at least: twice the power of the rest
MIN_FIT = 2 / 3
MIN_CYCLES = 2


@dataclasses.dataclass
class Vibrato:
    """rate_hz (Hz), extent_cents (half peak-to-peak), regularity (0..1 or
    None), rate_variation and extent_variation (CV, or None), cycles (whole
    cycles in the span), fit (0..1), curve (numpy.ndarray [shape=(frames,)],
    cents: the detrended curve over the note's held frames, one value a
    hop), curve_start (s, time of its first value), start and end (s: the
    span of the vibrato inside the note)"""
    rate_hz: float
    extent_cents: float
    regularity: Optional[float]
    rate_variation: Optional[float]
    extent_variation: Optional[float]
    cycles: int
    fit: float
    curve: FloatArray
    curve_start: float
    start: Optional[float] = None
    end: Optional[float] = None


def analyse(notes: list[Any], track: tracks.Track,
            window_seconds: float = TRACKER_WINDOW) -> list[Any]:
    """Fill each Note's vibrato, drift and jitter in place; returns notes
    (a list of notes.Note, which imports this module)"""
    times = track.times()
    for note in notes:
        if note.glide or not note.held.any():
            continue
        held = np.flatnonzero(note.held)
        first, last = held[0], held[-1] + 1
        curve = detrended(track, note.first + first, note.first + last)
        found = find(curve, track.hop, window_seconds)
        pitch = 100 * tracks.fill_gaps(track.midi[note.first:note.last])
        if found is not None:
            (span, rate, _, share), extent = found
            edge = track.start + track.hop * (note.first + first - .5)
            note.vibrato = _vibrato(curve, span, rate, extent, share, track.hop,
                                    float(times[note.first + first]), edge)
            frames = slice(first + span.start, first + span.stop)
            sinusoid, centre = centred(pitch, frames, rate, track.hop)
            pitch = pitch - sinusoid
            note.midi = centre / 100
        note.drift, note.jitter = stability(pitch[note.held])
    return notes


def centred(pitch: FloatArray, span: slice, rate: float, hop: float
            ) -> tuple[FloatArray, float]:
    """(sinusoid, centre) of a note's pitch (cents, (frames,)) with vibrato
    at `rate` Hz over the `span` frames (a slice): a sinusoid and a
    constant fitted together by least squares there; the sinusoid over
    those frames (zero elsewhere), and the constant (cents) as the centre.
    Fitted on the pitch itself, not the detrended curve: over a few cycles
    the trend filter lets part of the vibrato through, which would bias the
    centre (no slope: over two cycles it would take up part of the
    vibrato)"""
    local = (np.arange(len(pitch)) - span.start) * hop
    waves = np.stack([np.sin(2 * np.pi * rate * local),
                      np.cos(2 * np.pi * rate * local)], 1)
    design = np.concatenate([waves, np.ones((len(pitch), 1))], 1)
    coefficients, *_ = np.linalg.lstsq(design[span], pitch[span], rcond=None)
    sinusoid = np.zeros(len(pitch))
    sinusoid[span] = waves[span] @ coefficients[:2]
    return sinusoid, float(coefficients[2])


def stability(pitch: FloatArray) -> tuple[float, float]:
    """(drift, jitter) in cents of a held pitch (cents, vibrato removed)"""
    if len(pitch) < 3:
        return 0., 0.
    local = np.arange(len(pitch))
    slope = np.polyfit(local, pitch, 1)[0]
    return float(slope * local[-1]), float(np.std(np.diff(pitch)) / np.sqrt(2))


def detrended(track: tracks.Track, first: int, last: int) -> FloatArray:
    """Cents of frames [first, last) of a track minus their trend"""
    midi = track.midi[first:last]
    slow = tracks.trend(tracks.smooth(midi), track.hop)
    return 100 * (tracks.fill_gaps(midi) - slow)


class Found(NamedTuple):
    """A vibrato found in a curve: its cycles.Span, rate (Hz), amplitude
    (cents, as fitted: not corrected) and fit (0..1)"""
    span: cycles.Span
    rate: float
    amplitude: float
    share: float


def find(curve: FloatArray, hop: float, window_seconds: float = TRACKER_WINDOW
         ) -> tuple[Found, float] | None:
    """The longest vibrato of a detrended curve (cents, one value a hop)
    by the rules above, as (Found, extent cents), or None"""
    for found in standing_out(curve, hop):
        extent = found.amplitude / kept(found.rate, hop) / \
            window_response(found.rate, window_seconds)
        if extent >= HEARD_EXTENT:
            return found, float(extent)
    return None


def standing_out(curve: FloatArray, hop: float, whole: bool = True) -> list[Found]:
    """Every run of regular cycles of a curve (cents, (frames,)) in which
    each two whole cycles stand out (a list of Found, longest first)

    Each window of MIN_SWINGS consecutive swings (two whole cycles) of a
    cycles.Span is fitted on its own (local_fit: real vibrato drifts in
    rate and extent, so that one sinusoid cannot follow a long one); the
    windows that stand out (fit MIN_FIT or more, rate within RATE_RANGE)
    and follow one another make a vibrato. With `whole`, when no window
    stands out, the whole curve is one when a single sinusoid over all of
    it does (_whole): for a note's detrended pitch, not for a phrase's,
    whose steps and glides a slow sinusoid can follow.
    """
    smooth = ndimage.gaussian_filter1d(curve, tracks.FAST_SIGMA / hop, mode='nearest')
    found: list[Found] = []
    fits: list[Any]
    for span in cycles.spans(curve, hop):
        turns, fits = span.turns, []
        for index in range(len(turns) - cycles.MIN_SWINGS):
            first, last = turns[index], turns[index + cycles.MIN_SWINGS] + 1
            rate = cycles.MIN_SWINGS / 2 / ((last - 1 - first) * hop)
            fitted = local_fit(curve[first:last], smooth[first:last], hop, rate)
            fits.append(fitted if _in_range(fitted[0])
                        and fitted[2] >= MIN_FIT else None)
        passing = np.array([fitted is not None for fitted in fits])
        for first, last in cycles.true_runs(passing):
            chosen = fits[first:last]
            points = turns[first:last + cycles.MIN_SWINGS]
            quarter = (points[1] - points[0]) / 2, (points[-1] - points[-2]) / 2
            start = max(0, int(round(points[0] - quarter[0])))
            stop = min(len(curve), int(round(points[-1] + quarter[1])) + 1)
            run = cycles.Span(start, stop, points,
                              span.swings[first:last + cycles.MIN_SWINGS - 1])
            overall = fit(curve[_inner(start, stop, len(curve), hop)], hop, line=True)
            rate = overall[0] if overall is not None else np.median([f[0] for f in chosen])
            found.append(Found(run, float(rate),
                               float(np.median([f[1] for f in chosen])),
                               float(np.median([f[2] for f in chosen]))))
    single = _whole(curve, smooth, hop) if whole and not found else None
    if single is not None:
        found.append(single)
    return sorted(found, key=lambda item: item.span.stop - item.span.start, reverse=True)


def _whole(curve: FloatArray, smooth: FloatArray, hop: float) -> Found | None:
    """The whole curve as one vibrato (a Found) when one sinusoid over all
    of it stands out: a small vibrato in a noisy track, whose swings the
    windows lose among the noise, still stands out over many cycles. Its
    swings are cut with a hysteresis of the sinusoid's amplitude"""
    fitted = fit(curve, hop)
    if fitted is None or len(curve) * hop * fitted[0] < MIN_CYCLES:
        return None
    rate, a, b, _, _ = fitted
    amplitude = float(np.hypot(a, b))
    share = local_fit(curve, smooth, hop, rate, spread=1.)[2]
    turns = cycles.turning_points(smooth, amplitude)
    if not _in_range(rate) or share < MIN_FIT or \
            len(turns) < cycles.MIN_SWINGS + 1:
        return None
    swings = np.abs(np.diff(smooth[turns]))
    return Found(cycles.Span(0, len(curve), turns, swings), rate, amplitude, share)


def _in_range(rate: float) -> bool:
    """Whether a rate (Hz) is a vibrato's (cycles.RATE_RANGE)"""
    return cycles.RATE_RANGE[0] <= rate <= cycles.RATE_RANGE[1]


def _inner(start: int, stop: int, length: int, hop: float) -> slice:
    """The frames of [start, stop) of a curve `length` long that the rate
    and extent are fitted on: none of the first or last EDGE seconds of the
    curve (the pitch of frames that straddle an onset or the start of a
    slide, and the trend filter's edges, are not vibrato), as far as that
    leaves 0.25 s"""
    edge = int(round(EDGE / hop))
    spare = max(0, (stop - start - int(round(.25 / hop))) // 2)
    first = start + min(max(edge - start, 0), spare)
    last = stop - min(max(stop - (length - edge), 0), spare)
    return slice(first, last)


def local_fit(curve: FloatArray, smooth: FloatArray, hop: float, guess: float,
              spread: float = 1.25) -> tuple[float, float, float]:
    """(rate Hz, amplitude cents, fit) of the sinusoid plus straight line
    that best fits a short curve, the rate searched within a factor
    `spread` of `guess`; fit is the share of what the line alone leaves of
    `smooth` that the sinusoid explains"""
    time = np.arange(len(curve)) * hop
    line = np.stack([np.ones_like(time), time], 1)
    rates = np.arange(max(RATE_SEARCH[0], guess / spread),
                      min(RATE_SEARCH[1], guess * spread) + RATE_STEP / 2, RATE_STEP)
    rates = rates if len(rates) else np.array([guess])
    errors, solutions = _sweep(curve, time, rates, line)
    index = int(np.argmin(errors))
    rate = rates[index]
    design = np.concatenate([_design(rate, time)[:, :2], line], 1)
    best = errors[index], rate, design, solutions[index]
    _, rate, design, coefficients = best
    base = np.linalg.lstsq(line, smooth, rcond=None)[0]
    total = np.sum((smooth - line @ base) ** 2)
    coefficients, *_ = np.linalg.lstsq(design, smooth, rcond=None)
    share = 1 - np.sum((smooth - design @ coefficients) ** 2) / total if total else 0.
    return float(rate), float(np.hypot(*best[3][:2])), float(share)


def swinging(midi: npt.ArrayLike, hop: float) -> BoolArray:
    """Frames of a phrase's pitch (MIDI, (frames,), no NaN) inside a run
    of regular cycles that stand out (standing_out, on the pitch itself:
    each window has its own straight line, so a step inside a run of
    swings does not stand out), out to the phrase's ends when less than a
    cycle is left outside: (frames,) bool"""
    cents = 100 * np.asarray(midi, dtype=np.float64)
    inside = np.zeros(len(cents), bool)
    for found in standing_out(cents, hop, whole=False):
        span = found.span
        if found.amplitude < MIN_EXTENT:
            continue
        cycle = 2 * np.mean(np.diff(span.turns))
        start = 0 if span.start < cycle else span.start
        stop = len(cents) if len(cents) - span.stop < cycle else span.stop
        inside[start:stop] = True
    return inside


def centre_line(midi: npt.ArrayLike, hop: float,
                inside: BoolArray | None = None) -> FloatArray:
    """A phrase's pitch (MIDI, (frames,), no NaN) with its vibrato taken
    out, for finding notes on (notes.py): inside its swinging frames
    (`inside`, computed by swinging() when None) the band-passed
    oscillation is removed; elsewhere the pitch is unchanged"""
    cents = 100 * np.asarray(midi, dtype=np.float64)
    if inside is None:
        inside = swinging(midi, hop)
    if inside.any():
        cents[inside] -= cycles.band_pass(cents, hop)[inside]
    return cents / 100


def check_window(window_seconds: float) -> float:
    """The tracker's window in seconds as a float, 0..MAX_WINDOW (0.3 s);
    else ParameterError naming window_seconds"""
    return tracks.seconds(window_seconds, 'window_seconds', high=MAX_WINDOW)


def window_response(rate: float, window_seconds: float) -> float:
    """Share of a vibrato at `rate` Hz a tracker averaging over a Hann
    window of `window_seconds` keeps (1 for window_seconds=0)"""
    x = rate * check_window(window_seconds)
    return float(np.sinc(x) / (1 - x * x)) if x < .9 else float(np.sinc(.9) / .19)


def _sweep(curve: FloatArray, time: FloatArray, rates: FloatArray, fixed: FloatArray
           ) -> tuple[FloatArray, FloatArray]:
    """(errors (rates,), coefficients (rates, 2 + k)) of the least-squares
    fits of a sinusoid at each rate plus the `fixed` columns (frames, k) to
    a curve, all rates at once by their normal equations"""
    phase = 2 * np.pi * rates[:, None] * time[None, :]
    columns = np.concatenate([np.sin(phase)[..., None], np.cos(phase)[..., None],
                              np.broadcast_to(fixed, (len(rates),) + fixed.shape)], 2)
    gram = np.einsum('gni,gnj->gij', columns, columns)
    gram += 1e-9 * np.trace(gram, axis1=1, axis2=2)[:, None, None] * np.eye(gram.shape[1])
    right = np.einsum('gni,n->gi', columns, curve)
    coefficients = np.linalg.solve(gram, right[..., None])[..., 0]
    errors = np.sum(curve ** 2) - np.sum(coefficients * right, 1)
    return errors, coefficients


def _design(rate: float, time: FloatArray) -> FloatArray:
    return np.stack([np.sin(2 * np.pi * rate * time),
                     np.cos(2 * np.pi * rate * time), np.ones_like(time)], 1)


def fit(curve: FloatArray, hop: float, line: bool = False
        ) -> tuple[float, float, float, float, float] | None:
    """Best sinusoid (rate Hz, a, b, c, explained share) of a curve, or
    None: a sin(2 pi f t) + b cos(2 pi f t) + c, plus a straight line's
    slope when `line` (share: of the variance around that line)"""
    if len(curve) < 8 or not np.any(curve != curve[0]):
        return None
    time = np.arange(len(curve)) * hop
    fixed = np.stack([np.ones_like(time), time], 1) if line else np.ones((len(time), 1))
    total = np.sum((curve - fixed @ np.linalg.lstsq(fixed, curve, rcond=None)[0]) ** 2)

    def residual(rate: float) -> tuple[float, FloatArray]:
        design = np.concatenate([_design(rate, time)[:, :2], fixed], 1)
        coefficients, *_ = np.linalg.lstsq(design, curve, rcond=None)
        return np.sum((curve - design @ coefficients) ** 2), coefficients

    grid = np.arange(RATE_SEARCH[0], RATE_SEARCH[1] + RATE_STEP / 2, RATE_STEP)
    errors, _ = _sweep(curve, time, grid, fixed)
    best = grid[int(np.argmin(errors))]
    refined = optimize.minimize_scalar(
        lambda rate: residual(rate)[0], bounds=(best - RATE_STEP, best + RATE_STEP),
        method='bounded', options={'xatol': 1e-4})
    rate = float(refined.x)
    error, coefficients = residual(rate)
    a, b, c = coefficients[:3]
    return rate, float(a), float(b), float(c), float(1 - error / total) if total else 0.


def kept(rate: float, hop: float) -> float:
    """Share of a sinusoid at `rate` Hz left in the curve by the trend filter"""
    sections = tracks.low_pass(tracks.TREND_ORDER, tracks.TREND_CUTOFF / (.5 / hop))
    _, response = signal.sosfreqz(sections, worN=[rate], fs=1 / hop)
    return float(1 - np.abs(response[0]) ** 2)


def _vibrato(curve: FloatArray, span: cycles.Span, rate: float, extent: float, share: float,
             hop: float, curve_start: float, edge: float) -> Vibrato:
    """A Vibrato over a cycles.Span of the held curve, with the
    cycle-to-cycle regularity of its swings; `edge` is the time (s) of the
    held part's first frame's leading edge"""
    pairs = len(span.swings) // 2
    periods = np.array([(span.turns[2 * i + 2] - span.turns[2 * i]) * hop
                        for i in range(pairs)])
    extents = np.array([(span.swings[2 * i] + span.swings[2 * i + 1]) / 4
                        for i in range(pairs)])
    rate_variation = float(periods.std() / periods.mean())
    extent_variation = float(extents.std() / extents.mean())
    regularity = float(np.clip(1 - (rate_variation + extent_variation) / 2, 0, 1))
    return Vibrato(float(rate), float(extent), regularity, rate_variation,
                   extent_variation, pairs, share, curve.astype(np.float64),
                   curve_start, edge + span.start * hop, edge + span.stop * hop)
