"""The singer's pitch when only the notes of the accompaniment are known.

Where the app knows what it played as notes (a note list or a MIDI file)
but not as audio, `cancel_notes` removes a piano-like accompaniment from
the recording by modelling each note it played:

1. the delay (0 .. max_delay s) is where the recording's onsets line up
   with the notes' onsets: the rise of energy between FLUX_BAND Hz (a
   hammer's stroke is broadband there, a vowel's onset is not), summed at
   each note's onset shifted by the lag, peaks;
2. each key played has its partials found in the first PARTIAL_SECONDS
   of its longest note, each the strongest frequency near where it is
   expected: the lowest SEARCH_SPLIT within 25 cents of a string of
   stretch STRETCH (a piano string's partials lie sharp of harmonic), the
   others within 5 cents of where the tuning and stretch those show put
   them, so that a voice's harmonic near a weak upper partial is not
   taken for it;
3. over each note (from its shifted onset to its offset, then the release
   for RELEASE s after it, each cut where the key is struck again) every
   partial is a sinusoid of one frequency whose amplitude decays
   exponentially: its complex amplitude and decay rate (of DECAYS) are
   fitted by least squares to the recording mixed down by the partial's
   frequency. A voice near the partial's frequency turns over the note in
   that mix, which one decaying phasor cannot follow, so the fit takes
   the piano and leaves most of the voice;
4. the model cannot take all of the piano (its stroke, the room's
   colouring of the decay), and CREPE normalises each frame, so in the
   singer's pauses even a faint remainder would read as a clear pitch:
   each short-time spectral bin (MASK_WINDOW) keeps max(0, 1 - OVER * |model|^2 /
   |recording|^2) of itself (spectral subtraction with over-subtraction,
   Berouti et al. 1979): bins the model explains are silenced, bins where
   the voice is far louder than the model are left.

Where no strokes are heard at the notes' onsets (the piano was not
played, or is too quiet to matter: STROKES_HEARD), nothing is removed.
Everything is estimated at CREPE's 16 kHz; what is removed goes back to
the recording's rate and is subtracted there (accompaniment.resampled,
accompaniment.guarded), as the audio path does. Notes are MIDI numbers
(rounded to the key, A4 = 440 Hz) on the accompaniment's clock, which
starts at most max_delay s before the recording hears it.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from . import accompaniment
from .constants import SAMPLE_RATE
from .types import FloatArray
from .utils import ParameterError

# The band (Hz) whose energy rises at a hammer's stroke, and the hop (16
# kHz samples) of the onset curve
FLUX_BAND = (2000., 6000.)
FLUX_WINDOW = 256
FLUX_HOP = 80
# The notes are modelled only where their onsets, at the best lag, meet
# this many times the rise they meet at a typical lag (the median over
# the lags searched). Measured (benchmarks/accompaniment.py's voices):
# the voice alone 1.8-2.6 (5.4-6.3 on the 3 notes of the test scene),
# the piano 20 dB under the voice 2.0-5.4, as loud as the voice 9.2-21.5
STROKES_HEARD = 8.
# Partials modelled: up to this frequency (Hz), at most this many per key
TOP_FREQUENCY = 7000.
MAX_PARTIALS = 40
# A piano string's inharmonicity: partial h lies near
# h * f0 * sqrt(1 + STRETCH * h^2) (mid-range strings: 1e-4 .. 1e-3)
STRETCH = 3e-4
# The largest stretch fitted (a piano's shortest treble strings)
MAX_STRETCH = 2e-3
# Cents searched around each partial's expected frequency: the lowest
# SEARCH_SPLIT on their own, the others around where the stretch those
# show puts them
SEARCH_CENTS = (25., 5.)
SEARCH_SPLIT = 4
# Seconds of a key's longest note its partials are found in, after the
# stroke's first STROKE seconds
PARTIAL_SECONDS = .6
STROKE = .03
# Points of the zero-padded spectrum they are found in (0.06 Hz apart)
SPECTRUM_SIZE = 1 << 18
# Seconds after a note's offset its release and the room's decay are
# modelled for
RELEASE = .5
# Decay rates (1/s) tried for each partial's amplitude over a note
DECAYS = np.array([0., 1., 2., 4., 8., 16., 32.])
# Baseband samples averaged per fitted value: 2 ms at 16 kHz, far
# shorter than any decay fitted; the average is a low-pass, and the fit
# needs the mixed-down partial only within a few Hz of 0
DECIMATE = 32
# Spectral subtraction: the audio path's frames (128 ms, bins 7.8 Hz
# apart: a singer 30 cents off a 220 Hz piano note has every partial
# from the second up in other bins than the piano's) every quarter
# frame, and its over-subtraction factor. 64 ms frames took more of the
# voice with the piano (voicing recall 0.889 against 0.933 at 0 dB)
MASK_WINDOW = accompaniment.WINDOW
OVER = 2.


def check_notes(notes: Any, argument: str = 'accompaniment_notes') -> FloatArray:
    """notes as a float64 array (notes, 3) of onset s, offset s, MIDI, or
    ParameterError naming `argument`: finite, onset >= 0, offset > onset,
    MIDI within 21 .. 108 (a piano's keys); no notes is (0, 3)"""
    try:
        rows = np.asarray(notes, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f'{argument} must be rows of (onset s, offset s, MIDI); '
                             f'got {type(notes).__name__}') from None
    if rows.size == 0:
        return np.zeros((0, 3))
    if rows.ndim != 2 or rows.shape[1] != 3:
        raise ParameterError(f'{argument} must have shape (notes, 3): onset s, offset s, '
                             f'MIDI; got shape {rows.shape}')
    if not np.isfinite(rows).all():
        raise ParameterError(f'{argument} holds NaN or infinite values')
    if (rows[:, 0] < 0).any() or (rows[:, 1] <= rows[:, 0]).any():
        raise ParameterError(f'{argument}: every onset must be >= 0 and before its offset')
    if (rows[:, 2] < 21).any() or (rows[:, 2] > 108).any():
        raise ParameterError(f'{argument}: MIDI numbers must lie within 21 .. 108 '
                             '(A0 .. C8, a piano\'s keys)')
    return rows


def notes_delay(heard: FloatArray, onsets: FloatArray, max_delay: float
                ) -> tuple[float, float]:
    """(lag, strength): the lag (s, 0 .. max_delay, in FLUX_HOP steps) at
    which the rises of FLUX_BAND energy in `heard` (time,) at 16 kHz line
    up best with the notes' `onsets` (s), and how much better than at a
    typical lag (the best sum over the median sum of all lags searched)"""
    import scipy.ndimage
    import scipy.signal
    frequencies, _, spectrum = scipy.signal.stft(
        heard, SAMPLE_RATE, nperseg=FLUX_WINDOW, noverlap=FLUX_WINDOW - FLUX_HOP,
        boundary=None, padded=False)
    band = (frequencies >= FLUX_BAND[0]) & (frequencies <= FLUX_BAND[1])
    level = np.log(np.abs(spectrum[band]) ** 2 + 1e-10)
    rise = np.maximum(np.diff(level, axis=1), 0).sum(axis=0)
    # Rises above the local level only: a steady noise or voice adds none
    rise = np.maximum(rise - scipy.ndimage.median_filter(rise, 41), 0)
    if not len(rise):
        return 0., 0.
    peak = scipy.ndimage.maximum_filter1d(rise, 3)
    # Frame i + 1 of the onset curve ends FLUX_WINDOW / 2 samples after its centre
    times = (np.arange(len(rise)) + 1) * FLUX_HOP / SAMPLE_RATE + FLUX_WINDOW / 2 / SAMPLE_RATE
    lags = np.arange(0., max_delay + 1e-9, FLUX_HOP / SAMPLE_RATE)
    scores = np.array([peak[np.clip(np.searchsorted(times, onsets + lag), 0,
                                    len(peak) - 1)].sum() for lag in lags])
    typical = float(np.median(scores))
    best = int(np.argmax(scores))
    return float(lags[best]), float(scores[best] / typical) if typical > 0 else float('inf')


def partials(heard: FloatArray, key: int, start: float, stop: float) -> FloatArray:
    """Frequencies (Hz, (partials,)) of a key's partials, each the
    strongest within SEARCH_CENTS of where it is expected, found in
    heard[start + STROKE .. min(stop, start + PARTIAL_SECONDS)] (s)"""
    first = int((start + STROKE) * SAMPLE_RATE)
    last = min(int(min(stop, start + PARTIAL_SECONDS) * SAMPLE_RATE), len(heard))
    piece = heard[first:last]
    if len(piece) < 64:
        return np.zeros(0)
    # One zero-padded spectrum: bins SAMPLE_RATE / SPECTRUM_SIZE (0.06 Hz) apart
    strength = np.abs(np.fft.rfft(piece * np.hanning(len(piece)), SPECTRUM_SIZE))
    spacing = SAMPLE_RATE / SPECTRUM_SIZE
    top = min(TOP_FREQUENCY, .45 * SAMPLE_RATE)

    def strongest(expected: float, cents: float) -> float:
        width = 2 ** (cents / 1200)
        low, high = int(expected / width / spacing), int(np.ceil(expected * width / spacing))
        return (low + int(np.argmax(strength[low:high + 1]))) * spacing

    fundamental = 440. * 2 ** ((key - 69) / 12)
    numbers = np.arange(1, MAX_PARTIALS + 1)
    expected = numbers * fundamental * np.sqrt(1 + STRETCH * numbers ** 2)
    numbers, expected = numbers[expected <= top], expected[expected <= top]
    if not len(numbers):
        return np.zeros(0)
    # The lowest partials, each searched on its own, fix the string's
    # tuning and stretch: log(f_h / h) = log f + log(1 + B h^2) / 2, close to
    # a line in h^2; the higher ones, weaker and near the voice's
    # harmonics, are searched only close to where that line puts them
    low = numbers[:SEARCH_SPLIT]
    measured = np.array([strongest(value, SEARCH_CENTS[0]) for value in expected[:len(low)]])
    if len(low) >= 3:
        slope, intercept = np.polyfit(low.astype(float) ** 2, np.log(measured / low), 1)
        # A string's B lies within 0 .. 2e-3 (the slope is about B / 2)
        slope = float(np.clip(slope, 0., MAX_STRETCH / 2))
        expected = numbers * np.exp(intercept + slope * numbers.astype(float) ** 2)
    rest = [strongest(value, SEARCH_CENTS[1]) for value in expected[len(low):]
            if value * 2 ** (SEARCH_CENTS[1] / 1200) < SAMPLE_RATE / 2]
    return np.concatenate([measured, rest])


def decaying(heard: FloatArray, first: int, last: int, frequency: float) -> FloatArray:
    """The partial at `frequency` (Hz) over heard[first:last] as one
    decaying sinusoid fitted by least squares (DECAYS): (last - first,)"""
    time = np.arange(first, last) / SAMPLE_RATE
    carrier = np.exp(-2j * np.pi * frequency * time)
    mixed = heard[first:last] * carrier
    blocks = len(mixed) // DECIMATE
    if blocks < 2:
        return np.zeros(last - first)
    coarse = mixed[:blocks * DECIMATE].reshape(blocks, DECIMATE).mean(axis=1)
    local = (np.arange(blocks) + .5) * DECIMATE / SAMPLE_RATE
    shapes = np.exp(-DECAYS[:, None] * local[None])
    amplitudes = (shapes @ coarse) / np.sum(shapes ** 2, axis=1)
    errors = np.sum(np.abs(coarse[None] - amplitudes[:, None] * shapes) ** 2, axis=1)
    best = int(np.argmin(errors))
    envelope = amplitudes[best] * np.exp(-DECAYS[best] * (time - time[0]))
    return 2 * np.real(envelope * np.conj(carrier))


def model(heard: FloatArray, notes: FloatArray, lag: float) -> FloatArray:
    """The accompaniment (time,) at 16 kHz that the notes, `lag` s late,
    explain in `heard` (time,): every key's partials over each of its
    notes and their releases"""
    total = np.zeros(len(heard))
    keys: dict[int, list[tuple[float, float]]] = {}
    for onset, offset, midi in notes:
        keys.setdefault(int(round(midi)), []).append((onset + lag, offset + lag))
    end = len(heard) / SAMPLE_RATE
    for key, spans in keys.items():
        spans.sort()
        longest = max(spans, key=lambda span: span[1] - span[0])
        frequencies = partials(heard, key, *longest)
        for index, (onset, offset) in enumerate(spans):
            struck = spans[index + 1][0] if index + 1 < len(spans) else end
            for start, stop in ((onset, min(offset, struck)),
                                (min(offset, struck), min(offset + RELEASE, struck))):
                first, last = int(start * SAMPLE_RATE), min(int(stop * SAMPLE_RATE), len(heard))
                if last - first < 2 * DECIMATE:
                    continue
                for frequency in frequencies:
                    total[first:last] += decaying(heard, first, last, frequency)
    return total


def subtracted(heard: FloatArray, modelled: FloatArray) -> FloatArray:
    """`heard` (time,) with each short-time bin scaled by max(0, 1 - OVER
    * |model|^2 / |heard|^2)"""
    import scipy.signal
    overlap = MASK_WINDOW * 3 // 4
    _, _, spectrum = scipy.signal.stft(heard, SAMPLE_RATE, nperseg=MASK_WINDOW,
                                       noverlap=overlap)
    _, _, explained = scipy.signal.stft(modelled, SAMPLE_RATE, nperseg=MASK_WINDOW,
                                        noverlap=overlap)
    gain = np.clip(1 - OVER * np.abs(explained) ** 2 / (np.abs(spectrum) ** 2 + 1e-20), 0, 1)
    _, cleaned = scipy.signal.istft(gain * spectrum, SAMPLE_RATE, nperseg=MASK_WINDOW,
                                    noverlap=overlap)
    return np.pad(cleaned, (0, max(0, len(heard) - len(cleaned))))[:len(heard)]


def cancel_notes(audio: torch.Tensor, sample_rate: int, notes: Any,
                 max_delay: float = accompaniment.MAX_DELAY) -> accompaniment.Cancelled:
    """Remove an accompaniment known by its notes from a recording

    Arguments
        audio (torch.tensor [shape=(1, time)]): the recording, mono
        sample_rate (int): its rate (Hz)
        notes (array-like [shape=(notes, 3)]): what was played: onset (s),
            offset (s), MIDI number (rounded to the key) of each note, on
            the accompaniment's clock, which starts at most `max_delay` s
            before the recording hears it
        max_delay (float): the longest delay searched (s), 0 .. 2

    Returns accompaniment.Cancelled: the recording less what the notes
    explain, at `sample_rate`; what was removed; the delay found (s).

    Raises ParameterError naming the argument, before any work, for audio
    that is not (1, time) or not finite, notes that are not (notes, 3)
    rows of finite onset < offset and MIDI 21 .. 108, or a max_delay out
    of range. Not differentiable: the result holds no gradient.
    """
    recording = accompaniment.recording_input(audio, sample_rate)
    rows = check_notes(notes)
    accompaniment.check_seconds('max_delay', max_delay, 0., 2.)
    if not len(rows):
        return accompaniment.nothing_removed(audio, 0.)
    heard = accompaniment.resampled(recording, sample_rate, SAMPLE_RATE)
    lag, strength = notes_delay(heard, rows[:, 0], max_delay)
    if strength < STROKES_HEARD:
        # No piano's strokes at the notes' onsets: too quiet to matter, or
        # not played; modelling the notes would only take the voice's
        # partials that lie near them
        return accompaniment.nothing_removed(audio, lag)
    cleaned = subtracted(heard, model(heard, rows, lag))
    return accompaniment.removed_from(audio, sample_rate, heard, cleaned, lag)
