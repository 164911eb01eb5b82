"""A pitch track made ready for singing analysis: checks, voicing, cents.

Everything in torchcrepe.singing works on three things that any pitch
tracker gives: pitch (Hz per frame, NaN or 0 where unvoiced), periodicity
(0..1 per frame, optional) and the hop between frames in seconds. Pitch is
turned into fractional MIDI numbers (69 = A4 at the tuning reference), on
which one semitone is 1 and one cent 0.01.
"""
import functools
import math
from typing import NamedTuple, Optional

import numpy as np
from scipy import ndimage, signal

# Frames with periodicity below VOICING_THRESHOLD are unvoiced: the same
# threshold the command line's .csv/.json outputs and plots use
from .. import checks, convert
from ..constants import VOICING_THRESHOLD

# The largest hop the analysis accepts (s): vibrato up to 8 Hz must still be
# sampled at least four times a cycle
MAX_HOP = .03

# Unvoiced gaps up to this long (s) inside a phrase are bridged: a consonant
# or a dropped frame does not end a note
MAX_GAP = .05

# Frames in the median that removes single-frame errors (octave blips, the
# 20-cent dither of the viterbi decoder) before anything else
MEDIAN_FRAMES = 5

# The trend: pitch low-passed at this frequency (Hz) by a zero-phase
# Butterworth filter of this order run forward and backward. At 4 Hz, the
# slowest vibrato, it keeps 2 % of the vibrato, so the trend follows the
# note's centre, glides and drift but not vibrato.
TREND_CUTOFF = 2.5
TREND_ORDER = 4

# The fast trend: pitch smoothed by a Gaussian of this standard deviation
# (s). Sharp enough that a note held 80 ms between two steps reads as held
# (notes.MIN_STEADY), smooth enough to drop the decoders' frame-to-frame
# dither (after the median of MEDIAN_FRAMES); a Gaussian
# because it does not ring: a 6 Hz Butterworth overshoots a semitone step
# by over 10 % and would read as gliding for 100 ms after it
FAST_SIGMA = .01


class Track(NamedTuple):
    """A checked pitch track

    midi (numpy.ndarray [shape=(frames,)]): fractional MIDI number under
        the tuning reference, NaN where unvoiced (gaps not bridged)
    voiced (numpy.ndarray [shape=(frames,)], bool): frames that are sung
    hop (float): seconds between frames
    start (float): time of frame 0 in seconds
    loudness (numpy.ndarray [shape=(frames,)] or None): dB per frame (the
        package's A-weighted loudness), or None: pitch alone
    """
    midi: np.ndarray
    voiced: np.ndarray
    hop: float
    start: float
    loudness: Optional[np.ndarray] = None

    def times(self):
        """Centre of each frame in seconds: (frames,)"""
        return self.start + self.hop * np.arange(len(self.midi))


def as_array(value, argument):
    """A 1-D float64 numpy array from a tensor (1, frames) or (frames,)"""
    if hasattr(value, 'detach'):
        value = value.detach().cpu().double().numpy()
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f'{argument} must be an array of numbers; got '
                         f'{type(value).__name__}') from None
    if array.ndim == 2 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 1:
        raise ValueError(f'{argument} must have shape (frames,) or (1, frames); '
                         f'got {array.shape}')
    return array


def check_hop(hop_seconds, frames=None, duration=None):
    """The hop as a float; raises ValueError if it cannot be the track's

    With `duration` (seconds of audio), the pitch's frame count must match
    it: between (duration - 0.064) / hop and 1 + duration / hop frames, with
    one frame of slack, which covers padded and unpadded framing.
    """
    if isinstance(hop_seconds, bool) or not isinstance(hop_seconds, (int, float)) \
            or not math.isfinite(hop_seconds) or not 0 < hop_seconds <= MAX_HOP:
        raise ValueError(
            f'hop_seconds must be a number of seconds with 0 < hop_seconds <= '
            f'{MAX_HOP} (e.g. 0.01 for 10 ms); got {hop_seconds!r}')
    if duration is not None:
        if not isinstance(duration, (int, float)) or not math.isfinite(duration) \
                or duration <= 0:
            raise ValueError(f'duration must be a positive number of seconds; '
                             f'got {duration!r}')
        low = (duration - .064) / hop_seconds - 1
        high = duration / hop_seconds + 2
        if not low <= frames <= high:
            raise ValueError(
                f'hop_seconds={hop_seconds} does not match the pitch: '
                f'{duration:g} s of audio gives {max(low, 0):.0f}..{high:.0f} '
                f'frames at that hop, but pitch has {frames}')
    return float(hop_seconds)


def prepare(pitch, periodicity, hop_seconds, tuning=440., start=0.,
            voicing_threshold=VOICING_THRESHOLD, duration=None, loudness=None):
    """Check a pitch track and convert it to MIDI numbers

    Arguments
        pitch (array [shape=(frames,) or (1, frames)]): Hz; NaN, 0 or
            below marks an unvoiced frame
        periodicity (array like pitch, or None): 0..1; None trusts pitch
        hop_seconds (float): seconds between frames, 0 < hop <= MAX_HOP
        tuning (float): the frequency of A4 in Hz
        start (float): time of the first frame's centre in seconds
        voicing_threshold (float): periodicity below it is unvoiced
        duration (float or None): seconds of audio, to check the hop against
        loudness (array like pitch, or None): dB per frame (finite; e.g.
            torchcrepe.loudness.a_weighted on the same frames)

    Raises ValueError, naming the argument, before any analysis.
    """
    pitch = as_array(pitch, 'pitch')
    hop = check_hop(hop_seconds, len(pitch), duration)
    if np.isinf(pitch).any():
        raise ValueError('pitch must not hold infinite values; mark unvoiced '
                         'frames with NaN or 0')
    voiced = np.nan_to_num(pitch, nan=0.) > 0
    if periodicity is not None:
        periodicity = as_array(periodicity, 'periodicity')
        if periodicity.shape != pitch.shape:
            raise ValueError(f'periodicity must have the shape of pitch '
                             f'{pitch.shape}; got {periodicity.shape}')
        if not np.isfinite(periodicity).all() or periodicity.min(initial=0) < 0 \
                or periodicity.max(initial=0) > 1:
            raise ValueError('periodicity must be finite and within 0..1')
        voiced &= periodicity >= voicing_threshold
    checks.voicing_threshold(voicing_threshold)
    tuning = check_tuning(tuning)
    if not isinstance(start, (int, float)) or not math.isfinite(start):
        raise ValueError(f'start must be a finite number of seconds; got {start!r}')
    if loudness is not None:
        loudness = as_array(loudness, 'loudness')
        if loudness.shape != pitch.shape:
            raise ValueError(f'loudness must have the shape of pitch '
                             f'{pitch.shape}; got {loudness.shape}')
        if not np.isfinite(loudness).all():
            raise ValueError('loudness must be finite (dB per frame)')
    midi = np.full(len(pitch), np.nan)
    midi[voiced] = convert.frequency_to_midi(pitch[voiced], tuning)
    return Track(midi, voiced, hop, float(start), loudness)


def check_tuning(tuning):
    """A4 in Hz, a positive number within 400..480"""
    if isinstance(tuning, bool) or not isinstance(tuning, (int, float)) \
            or not 400 <= tuning <= 480:
        raise ValueError(f"tuning must be the frequency of A4 in Hz, within "
                         f"400..480, or 'estimate'; got {tuning!r}")
    return float(tuning)


def phrases(voiced, hop):
    """(first, last + 1) frame of each run of voiced frames, short gaps bridged"""
    gap = int(round(MAX_GAP / hop))
    filled = ndimage.binary_closing(
        np.pad(voiced, gap + 1), np.ones(gap + 1, bool))[gap + 1:-gap - 1] \
        if gap > 0 else voiced
    filled = filled | voiced
    edges = np.flatnonzero(np.diff(np.concatenate([[0], filled.astype(int), [0]])))
    return list(zip(edges[::2], edges[1::2]))


def smooth(midi):
    """(frames,) MIDI of one phrase, gaps interpolated, median filtered"""
    midi = fill_gaps(midi)
    size = min(MEDIAN_FRAMES, len(midi) - (len(midi) + 1) % 2)
    if size >= 3:
        padded = np.pad(midi, size // 2, mode='edge')
        midi = ndimage.median_filter(padded, size, mode='nearest')[size // 2:-(size // 2)]
    return midi


def fill_gaps(midi):
    """Unvoiced frames (NaN) linearly interpolated from their neighbours"""
    missing = np.isnan(midi)
    if missing.any() and not missing.all():
        index = np.arange(len(midi))
        midi = midi.copy()
        midi[missing] = np.interp(index[missing], index[~missing], midi[~missing])
    return midi


def trend(midi, hop, cutoff=TREND_CUTOFF):
    """The slow part of a phrase's pitch: vibrato and jitter removed

    midi (numpy.ndarray [shape=(frames,)]): no NaN; hop in seconds;
    cutoff in Hz (below the Nyquist frequency 0.5 / hop).
    Returns (frames,) MIDI. Edges are extended by even reflection so that a
    note's first and last frames are not pulled towards zero.
    """
    sections = low_pass(TREND_ORDER, min(cutoff / (.5 / hop), .99))
    padding = min(len(midi) - 1, int(round(.5 / hop)))
    if padding < 1:
        return midi.copy()
    padded = np.pad(midi, padding, mode='reflect')
    return signal.sosfiltfilt(sections, padded, padlen=0)[padding:-padding]


@functools.lru_cache(maxsize=64)
def low_pass(order, cutoff):
    """Second-order sections of a Butterworth low-pass (cutoff as a share
    of the Nyquist frequency), designed once per setting: a module-level
    cache of a few small arrays, keyed by (order, cutoff)"""
    return signal.butter(order, cutoff, output='sos')


def fast_trend(midi, hop):
    """A phrase's pitch with dither removed but steps and vibrato kept

    midi (numpy.ndarray [shape=(frames,)]): no NaN; hop in seconds.
    Returns (frames,) MIDI, smoothed by a Gaussian of FAST_SIGMA seconds.
    """
    return ndimage.gaussian_filter1d(midi, FAST_SIGMA / hop, mode='nearest')
