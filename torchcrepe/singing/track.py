"""A pitch track made ready for singing analysis: checks, voicing, cents.

Everything in torchcrepe.singing works on three things that any pitch
tracker gives: pitch (Hz per frame, NaN or 0 where unvoiced), periodicity
(0..1 per frame, optional) and the hop between frames in seconds. Pitch is
turned into fractional MIDI numbers (69 = A4 at the tuning reference), on
which one semitone is 1 and one cent 0.01.

What is refused (ParameterError, a ValueError, naming the argument and
what is allowed, before any analysis): a hop outside MIN_HOP..MAX_HOP
seconds; a pitch that is neither unvoiced (NaN or 0) nor within
MIN_PITCH..MAX_PITCH Hz (negative, infinite, 1e9 Hz ...: the message
names the first such frame and its value); periodicity outside 0..1; a
start or duration outside 0..MAX_SECONDS; loudness beyond +-MAX_LOUDNESS
dB; arrays of text or complex numbers; numbers given as text or bool.
"""
import functools
import math
import numbers
from typing import TYPE_CHECKING, NamedTuple, Optional

import numpy as np
from scipy import ndimage, signal

# Frames with periodicity below VOICING_THRESHOLD are unvoiced: the same
# threshold the command line's .csv/.json outputs and plots use
from .. import checks, convert
from ..constants import SAMPLE_RATE, VOICING_THRESHOLD
from ..utils import ParameterError, ParameterTypeError

if TYPE_CHECKING:  # Python 3.10's
    from typing import TypeGuard

# The largest hop the analysis accepts (s): vibrato up to 8 Hz must still be
# sampled at least four times a cycle
MAX_HOP = .03

# The smallest hop (s): CREPE's finest, one sample at its 16 kHz (62.5 us).
# The analysis works there (its filters and windows are set in seconds)
# at a cost that grows with the frames: 3 s of audio, 48,000 frames, take
# about 10 s. Finer hops only resample the same pitch, and a hop of a few
# nanoseconds asks for gigabytes (a 50 ms gap is then millions of frames)
MIN_HOP = 1 / SAMPLE_RATE

# Voiced pitch (Hz) must lie within MIN_PITCH..MAX_PITCH: 20 Hz is the
# lowest pitch people hear as one (below it, beats); 5 kHz is above the
# piano's top C8 (4,186 Hz) and any sung or played fundamental. CREPE's
# own output lies within about 32..2,006 Hz. A value outside is no pitch
# (a wrong unit, a tracker's error code), and would read as a note such
# as A#25; 0 and NaN, not negative values, mark unvoiced frames
MIN_PITCH, MAX_PITCH = 20., 5000.

# The latest start and longest duration (s): 100 hours, longer than any
# take; a larger number is in another unit (samples, say)
MAX_SECONDS = 360000.

# Loudness (dB) within +-MAX_LOUDNESS: the loudest sound air carries is
# 194 dB SPL and the package's A-weighted loudness stops at -100 dB; a
# level further out is a value in another unit or a corrupted frame
MAX_LOUDNESS = 1000.

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
        package's loudness.band_level), or None: pitch alone
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
    """A 1-D float64 numpy array from a tensor (1, frames) or (frames,)

    Text and complex numbers are refused: converting them would read text
    as numbers or silently drop the imaginary part.
    """
    if hasattr(value, 'detach'):
        if value.is_complex():
            raise ParameterTypeError(f'{argument} must hold real numbers; got a '
                                     f'{value.dtype} tensor')
        value = value.detach().cpu().double().numpy()
    try:
        kind = np.asarray(value).dtype.kind
        if kind in 'USc':
            raise TypeError
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterTypeError(f'{argument} must be an array of numbers; got '
                                 f'{type(value).__name__}') from None
    if array.ndim == 2 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 1:
        raise ParameterError(f'{argument} must have shape (frames,) or (1, frames); '
                             f'got {array.shape}')
    return array


def is_number(value: object) -> 'TypeGuard[float]':
    """Whether `value` is a real number (bool is not one)"""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def refusal(value, allowed=()):
    """The error type that refuses `value`: ParameterError for a number
    (or an instance of `allowed`), ParameterTypeError for anything else"""
    return ParameterError if is_number(value) or isinstance(value, allowed) \
        else ParameterTypeError


def seconds(value, argument, low=0., high=MAX_SECONDS, zero=True):
    """`value` as a float if it is a number of seconds within low..high
    (above low when zero is False); else ParameterError naming `argument`"""
    if not is_number(value) or not math.isfinite(value) or not low <= value <= high \
            or (not zero and value == low):
        relation = '<=' if zero else '<'
        raise refusal(value)(f'{argument} must be a number of seconds with {low:g} '
                             f'{relation} {argument} <= {high:g}; got {value!r}')
    return float(value)


def check_hop(hop_seconds, frames=None, duration=None):
    """The hop as a float; raises ParameterError if it cannot be the track's

    hop_seconds must be a number within MIN_HOP..MAX_HOP seconds (62.5 us,
    one sample at 16 kHz, to 30 ms). With `duration` (seconds of audio,
    above 0 and up to MAX_SECONDS), the pitch's frame count must match it:
    between (duration - 0.064) / hop and 1 + duration / hop frames, with
    one frame of slack, which covers padded and unpadded framing.
    """
    if not is_number(hop_seconds) or not math.isfinite(hop_seconds) \
            or not MIN_HOP <= hop_seconds <= MAX_HOP:
        raise refusal(hop_seconds)(
            f'hop_seconds must be a number of seconds with {MIN_HOP:g} <= '
            f'hop_seconds <= {MAX_HOP} (one sample at 16 kHz to 30 ms; e.g. '
            f'0.01 for 10 ms); got {hop_seconds!r}')
    if duration is not None:
        duration = seconds(duration, 'duration', zero=False)
        low = (duration - .064) / hop_seconds - 1
        high = duration / hop_seconds + 2
        if not low <= frames <= high:
            raise ParameterError(
                f'hop_seconds={hop_seconds} does not match the pitch: '
                f'{duration:g} s of audio gives {max(low, 0):.0f}..{high:.0f} '
                f'frames at that hop, but pitch has {frames}')
    return float(hop_seconds)


def prepare(pitch, periodicity, hop_seconds, tuning=440., start=0.,
            voicing_threshold=VOICING_THRESHOLD, duration=None, loudness=None):
    """Check a pitch track and convert it to MIDI numbers

    Arguments
        pitch (array [shape=(frames,) or (1, frames)]): Hz; NaN or 0 marks
            an unvoiced frame, any other value must lie within
            MIN_PITCH..MAX_PITCH (20..5000 Hz)
        periodicity (array like pitch, or None): 0..1; None trusts pitch
        hop_seconds (float): seconds between frames, MIN_HOP..MAX_HOP
        tuning (float): the frequency of A4 in Hz, 400..480
        start (float): time of the first frame's centre in seconds,
            0..MAX_SECONDS
        voicing_threshold (float): periodicity below it is unvoiced, 0..1
        duration (float or None): seconds of audio, to check the hop against
        loudness (array like pitch, or None): dB per frame (finite, within
            +-MAX_LOUDNESS; e.g. torchcrepe.loudness.band_level on the same
            frames)

    Raises ParameterError (a ValueError), naming the argument, before any
    analysis.
    """
    pitch = check_pitch(pitch)
    hop = check_hop(hop_seconds, len(pitch), duration)
    checks.voicing_threshold(voicing_threshold)
    tuning = check_tuning(tuning)
    start = seconds(start, 'start')
    voiced = np.nan_to_num(pitch, nan=0.) > 0
    if periodicity is not None:
        allowed = 'finite and within 0..1'
        periodicity = frame_values(periodicity, 'periodicity', pitch.shape, allowed)
        if periodicity.min(initial=0) < 0 or periodicity.max(initial=0) > 1:
            raise ParameterError(f'periodicity must be {allowed}')
        voiced &= periodicity >= voicing_threshold
    if loudness is not None:
        loudness = frame_values(loudness, 'loudness', pitch.shape,
                                'finite (dB per frame)')
        if np.abs(loudness).max(initial=0) > MAX_LOUDNESS:
            frame = int(np.argmax(np.abs(loudness) > MAX_LOUDNESS))
            raise ParameterError(
                f'loudness must be dB per frame within +-{MAX_LOUDNESS:g}; '
                f'frame {frame} is {loudness[frame]:g}')
    midi = np.full(len(pitch), np.nan)
    midi[voiced] = convert.frequency_to_midi(pitch[voiced], tuning)
    return Track(midi, voiced, hop, start, loudness)


def check_pitch(pitch):
    """pitch (Hz) as a (frames,) float64 array if each frame is unvoiced
    (NaN or 0) or within MIN_PITCH..MAX_PITCH; else ParameterError naming
    the range and the first frame that is neither, and its value"""
    pitch = as_array(pitch, 'pitch')
    wrong = ~(np.isnan(pitch) | (pitch == 0) |
              ((pitch >= MIN_PITCH) & (pitch <= MAX_PITCH)))
    if wrong.any():
        frame = int(np.argmax(wrong))
        value = pitch[frame]
        if np.isinf(value):
            problem = 'must not hold infinite values'
        elif value < 0:
            problem = 'must not be negative'
        else:
            problem = 'must lie within the pitch of a voice or instrument'
        raise ParameterError(
            f'pitch {problem}: NaN or 0 marks an unvoiced frame, a voiced one '
            f'is {MIN_PITCH:g}..{MAX_PITCH:g} Hz; frame {frame} is {value:g} Hz')
    return pitch


def frame_values(values, argument, shape, allowed):
    """`values` as a finite float64 array of `shape` (pitch's), else
    ParameterError naming `argument` and what is `allowed`"""
    values = as_array(values, argument)
    if values.shape != shape:
        raise ParameterError(f'{argument} must have the shape of pitch '
                             f'{shape}; got {values.shape}')
    if not np.isfinite(values).all():
        raise ParameterError(f'{argument} must be {allowed}')
    return values


def check_tuning(tuning):
    """A4 in Hz, a number within 400..480; else ParameterError"""
    if not is_number(tuning) or not 400 <= tuning <= 480:
        raise refusal(tuning, str)(f"tuning must be the frequency of A4 in Hz, within "
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
