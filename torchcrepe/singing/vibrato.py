"""Vibrato of a note: present or not, rate, extent, regularity; and stability.

Each note's pitch (cents, unvoiced gaps interpolated, no median so that
vibrato peaks are kept) minus its trend (track.trend) is the *detrended
curve*. A sinusoid a sin(2 pi f t) + b cos(2 pi f t) + c is fitted to it by
least squares for every rate f from RATE_SEARCH on a RATE_STEP grid, then
refined; the best fit gives

    rate_hz       f
    extent_cents  sqrt(a^2 + b^2), half the peak-to-peak swing, divided by
                  what the trend filter leaves of a sinusoid at f (above
                  97 % from 4 Hz up) and by what the pitch tracker's
                  analysis window leaves of it: a frame-based tracker
                  reports about the mean pitch under its window, which
                  flattens vibrato peaks (CREPE's 64 ms window keeps 96 %
                  of 4 Hz, 91 % of 6 Hz, 84 % of 8 Hz, modelled as a Hann
                  window of that length); window_seconds=0 turns this off
    fit           the share of the curve's variance the sinusoid explains

Vibrato is present when the note lasts at least MIN_CYCLES cycles at that
rate (onset to offset: the fitted frames, EDGE shorter at each end, may
hold fewer), the rate is within RATE_RANGE, the extent at least MIN_EXTENT
and the fit at least MIN_FIT. A steady note has no sinusoid to explain (fit near
0); a glide or drift lives in the trend, not in the curve.

regularity: the curve is cut into cycles at its upward crossings of zero
(with a hysteresis of a third of the extent); each cycle has a rate (1 /
its length) and an extent (half its peak-to-peak). regularity is
1 - (CV of the rates + CV of the extents) / 2, clipped to 0..1, where CV is
standard deviation over mean: 1 for a perfectly even vibrato; None when
fewer than two whole cycles were found.

A note with vibrato gets as its pitch (Note.midi) the centre it swings
around: a sinusoid at the found rate and a constant are fitted together
to its pitch over the fitted frames, and the constant is the centre
(centred).

Stability, for every note but glides, on its pitch with the fitted vibrato
sinusoid removed, over its held frames (notes.py): drift is the change
(cents, end minus start) of the straight line fitted to it, jitter the standard deviation of its
frame-to-frame differences over sqrt(2) (cents; for independent errors,
their standard deviation; slow movement does not count).
"""
import dataclasses
from typing import Optional

import numpy as np
from scipy import optimize, signal

from . import track as tracks

# The window (s) of the Hann-window model of CREPE's averaging: its frames
# are WINDOW_SIZE / SAMPLE_RATE = 64 ms long, but on synthetic vibrato
# (benchmarks/sung.py, seed 0, 'small' and 'tiny') the network flattens
# 4-8 Hz vibrato as a 75 ms Hann window would: it keeps 96 % at 4 Hz,
# 83 % at 6 Hz, 79 % at 8 Hz (the 64 ms model predicts 96, 91, 84 %)
TRACKER_WINDOW = .075

# Seconds left out at each end of a note's frames before vibrato is
# fitted: the pitch of frames that straddle an onset or a slide, and the
# trend filter's edges, are not vibrato
EDGE = .08

RATE_SEARCH = (3., 10.)
RATE_STEP = .05
RATE_RANGE = (3.5, 9.)
MIN_EXTENT = 5.
MIN_FIT = .4
MIN_CYCLES = 2.


@dataclasses.dataclass
class Vibrato:
    """rate_hz (Hz), extent_cents (half peak-to-peak), regularity (0..1 or
    None), rate_variation and extent_variation (CV, or None), cycles (whole
    cycles found), fit (0..1), curve (numpy.ndarray [shape=(frames,)],
    cents: the detrended curve from the note's first held frame on, one
    value a hop) and curve_start (s, time of its first value)"""
    rate_hz: float
    extent_cents: float
    regularity: Optional[float]
    rate_variation: Optional[float]
    extent_variation: Optional[float]
    cycles: int
    fit: float
    curve: np.ndarray
    curve_start: float


def analyse(notes, track, window_seconds=TRACKER_WINDOW):
    """Fill each Note's vibrato, drift and jitter in place; returns notes"""
    times = track.times()
    for note in notes:
        if note.glide or not note.held.any():
            continue
        span = fitted_span(note, track.hop)
        curve = detrended(track, note.first, note.last)[span]
        found = detect(curve, track.hop, window_seconds, note.duration)
        pitch = 100 * tracks.fill_gaps(track.midi[note.first:note.last])
        if found is not None:
            rate, extent, share, _ = found
            note.vibrato = _vibrato(curve, rate, extent, share, track.hop,
                                    float(times[note.first + span.start]))
            sinusoid, centre = centred(pitch, span, rate, track.hop)
            pitch = pitch - sinusoid
            note.midi = centre / 100
        note.drift, note.jitter = stability(pitch[note.held])
    return notes


def centred(pitch, span, rate, hop):
    """(sinusoid, centre) of a note's pitch (cents, (frames,)) with vibrato
    at `rate` Hz: a sinusoid and a constant fitted together by least
    squares over the `span` frames; the sinusoid over all the frames, and
    the constant (cents) as the centre. Fitted on the pitch itself, not the
    detrended curve: over a few cycles the trend filter lets part of the
    vibrato through, which would bias the centre (no slope: over two
    cycles it would take up part of the vibrato)"""
    local = (np.arange(len(pitch)) - span.start) * hop
    waves = np.stack([np.sin(2 * np.pi * rate * local),
                      np.cos(2 * np.pi * rate * local)], 1)
    design = np.concatenate([waves, np.ones((len(pitch), 1))], 1)
    coefficients, *_ = np.linalg.lstsq(design[span], pitch[span], rcond=None)
    return waves @ coefficients[:2], float(coefficients[2])


def stability(pitch):
    """(drift, jitter) in cents of a held pitch (cents, vibrato removed)"""
    if len(pitch) < 3:
        return 0., 0.
    local = np.arange(len(pitch))
    slope = np.polyfit(local, pitch, 1)[0]
    return float(slope * local[-1]), float(np.std(np.diff(pitch)) / np.sqrt(2))


def fitted_span(note, hop):
    """Local frames of a note vibrato is fitted on: all its frames less
    EDGE seconds at each end, as far as that leaves 0.25 s"""
    start, stop = 0, note.last - note.first
    trim = max(0, min(int(round(EDGE / hop)), (stop - start - int(.25 / hop)) // 2))
    return slice(start + trim, stop - trim)


def detrended(track, first, last):
    """Cents of frames [first, last) of a track minus their trend"""
    midi = track.midi[first:last]
    slow = tracks.trend(tracks.smooth(midi), track.hop)
    return 100 * (tracks.fill_gaps(midi) - slow)


def detect(curve, hop, window_seconds=TRACKER_WINDOW, seconds=None):
    """(rate Hz, extent cents, fit, (a, b, c)) if a detrended curve
    (cents, one value a hop) holds vibrato by the rules above, else None;
    seconds: the note's duration (default: the curve's)"""
    fitted = fit(curve, hop)
    if fitted is None:
        return None
    rate, a, b, c, share = fitted
    extent = np.hypot(a, b) / kept(rate, hop) / window_response(rate, window_seconds)
    if not (RATE_RANGE[0] <= rate <= RATE_RANGE[1] and extent >= MIN_EXTENT
            and share >= MIN_FIT and (seconds or len(curve) * hop) * rate >= MIN_CYCLES):
        return None
    return rate, float(extent), share, (a, b, c)


def window_response(rate, window_seconds):
    """Share of a vibrato at `rate` Hz a tracker averaging over a Hann
    window of `window_seconds` keeps (1 for window_seconds=0)"""
    if window_seconds < 0 or not np.isfinite(window_seconds):
        raise ValueError(f'window_seconds must be 0 or more; got {window_seconds}')
    x = rate * window_seconds
    return float(np.sinc(x) / (1 - x * x)) if x < .9 else float(np.sinc(.9) / .19)


def fit(curve, hop):
    """Best sinusoid (rate Hz, a, b, c, explained share) of a curve, or None"""
    if len(curve) < 8 or not np.any(curve != curve[0]):
        return None
    time = np.arange(len(curve)) * hop
    total = np.sum((curve - curve.mean()) ** 2)

    def residual(rate):
        design = np.stack([np.sin(2 * np.pi * rate * time),
                           np.cos(2 * np.pi * rate * time), np.ones_like(time)], 1)
        coefficients, *_ = np.linalg.lstsq(design, curve, rcond=None)
        return np.sum((curve - design @ coefficients) ** 2), coefficients

    grid = np.arange(RATE_SEARCH[0], RATE_SEARCH[1] + RATE_STEP / 2, RATE_STEP)
    errors = [residual(rate)[0] for rate in grid]
    best = grid[int(np.argmin(errors))]
    refined = optimize.minimize_scalar(
        lambda rate: residual(rate)[0], bounds=(best - RATE_STEP, best + RATE_STEP),
        method='bounded', options={'xatol': 1e-4})
    rate = float(refined.x)
    error, (a, b, c) = residual(rate)
    return rate, float(a), float(b), float(c), float(1 - error / total)


def kept(rate, hop):
    """Share of a sinusoid at `rate` Hz left in the curve by the trend filter"""
    sections = signal.butter(tracks.TREND_ORDER, tracks.TREND_CUTOFF / (.5 / hop),
                             output='sos')
    _, response = signal.sosfreqz(sections, worN=[rate], fs=1 / hop)
    return float(1 - np.abs(response[0]) ** 2)


def cycles(curve, extent):
    """(start, stop) frame of each whole cycle, cut at upward zero crossings"""
    threshold = extent / 3
    starts, armed = [], False
    for index in range(1, len(curve)):
        if curve[index] < -threshold:
            armed = True
        elif armed and curve[index - 1] < 0 <= curve[index]:
            starts.append(index)
            armed = False
    return list(zip(starts, starts[1:]))


def _vibrato(curve, rate, extent, share, hop, start):
    """A Vibrato, with the cycle-to-cycle regularity of its curve"""
    whole = cycles(curve, extent)
    rates = np.array([1 / ((stop - begin) * hop) for begin, stop in whole])
    extents = np.array([(curve[begin:stop].max() - curve[begin:stop].min()) / 2
                        for begin, stop in whole])
    regularity = rate_variation = extent_variation = None
    if len(whole) >= 2:
        rate_variation = float(rates.std() / rates.mean())
        extent_variation = float(extents.std() / extents.mean())
        regularity = float(np.clip(1 - (rate_variation + extent_variation) / 2, 0, 1))
    return Vibrato(float(rate), float(extent), regularity, rate_variation,
                   extent_variation, len(whole), share, curve.astype(np.float64),
                   start)
