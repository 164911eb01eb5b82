"""A sung take scored against the notes that were to be sung.

    targets = singing.exercise([0, 2, 4, 5, 7, 5, 4, 2, 0], 'C3', bpm=90, keys=2)
    result = singing.score(report, targets)            # accompanied, key kept
    result = singing.score(report, 'melody.csv', timing='free', transpose='auto')
    result.notes[0]['cents_error'], result.summary['score'], result.to_dict()

The alignment is described in singing.alignment; target notes and the
files they come from in singing.targets. Per target and summary figures:
see Score. Times are seconds on the report's clock, pitches fractional
MIDI numbers under the report's tuning.

settle_time is judged on the pitch averaged over the voiced frames within
SETTLE_WINDOW (about one vibrato cycle) around each frame, so that a
vibrato does not read as unsettled while a scoop or slide still does.
"""
from __future__ import annotations

import dataclasses
import os
import warnings
from typing import Any, Iterable, Tuple

import numpy as np
from scipy import ndimage

from ..types import Array, FilePath
from ..utils import ParameterError, ParameterTypeError
from . import track as tracks
from .alignment import (FREE_FIRST_SLACK, FREE_FIRST_WEIGHT, REACH,
                        TIMING_SLACK, TIMING_WEIGHT, align, class_candidates,
                        fit_line, local_pitch, octave_fold, octave_of, offset_search,
                        Units, units_of)
from .lengths import TIMINGS, ReferenceWarning, check_span
from .notes import midi_to_note_name
from .report import Report, rounded
from .targets import MAX_TRANSPOSE, Rows, Target, check_targets, read_targets

# An alignment: first and stop unit of each target (-1 where missed), the
# key shift, and the time map (offset s, tempo)
Alignment = Tuple[Array, Array, int, Tuple[float, float]]

# The default bands (cents) of `within`
BANDS = (10, 25, 50)
# A target is hit when sung within this many cents (and in its octave)
HIT_CENTS = 50
# The pitch counts as settled once it stays within this many cents of the
# note's final level
SETTLE_CENTS = 25
# Seconds over which the pitch is averaged before judging whether it has
# settled: about one cycle of a 5-7 Hz vibrato
SETTLE_WINDOW = .15

# The score's parts: see Score
PITCH_FULL, PITCH_NONE = 10., 50.
LAG_FULL, LAG_NONE = .05, .3
EXTRA_WEIGHT = .5

###############################################################################
# The score
###############################################################################


@dataclasses.dataclass
class Score:
    """A take scored against its targets

    notes: one dict per target, in time order:
        index, midi (target, fractional MIDI, written key), name, onset,
        offset (target, s); sung: {onset, offset (s), midi} of the sung
        note it was aligned to, or None when missed; cents_error (sung
        pitch of its held part against the target after transposition,
        in the octave sung: see octave); onset_lag (s, sung onset minus
        the target's onset on the fitted time map: offset and tempo, and
        for timing='free' the local tempo too); settle_time (s from the
        sung onset until the pitch, vibrato smoothed out, stays within
        SETTLE_CENTS of its final level; None if it never does); within
        ({band: share of its held frames within +-band cents}); steadiness
        (cents: the note's jitter, vibrato.py); octave (octaves the sung
        note lies from the target's, 0 when right); extra (sung notes
        after it that no target claims, before the next target's note:
        [{onset, offset, midi, name}])
    extra: sung notes before the first target's note that no target claims
    offset (s): sung time minus target time at the first target's onset
    tempo: sung durations over target durations (the fitted line's slope)
    drift (s per minute): how much the lag grows per minute of target
        time: (tempo - 1) * 60
    transpose (int): semitones the take was sung from the written key
    path: [(target time s, sung time s)] of each aligned note's onset
    timing, bands: as given
    tuning (Hz): A4 of the targets, as given
    summary: notes, sung, missed, extra, hit (within HIT_CENTS, right
        octave), hit_share, cents_mean_abs, cents_median_abs,
        within_<band> (share of all targets within +-band cents),
        lag_median, lag_spread (s: median and interquartile range of
        onset_lag), score (0..100):

            score = 100 * sum(credit) / (targets + EXTRA_WEIGHT * extras)
            credit = 0 for a missed note, else
                     pitch = 1 within PITCH_FULL (10) cents, 0 from
                             PITCH_NONE (50), linear between; halved
                             for a note sung in another octave
                     timing = 1 within LAG_FULL (50 ms) of onset lag,
                              0 from LAG_NONE (300 ms), linear between
                     credit = 0.75 pitch + 0.25 timing (accompanied),
                              pitch (free: the singer sets the time)
    """
    notes: list[dict[str, Any]]
    extra: list[dict[str, Any]]
    offset: float
    tempo: float
    drift: float
    transpose: int
    path: list[tuple[float, float]]
    timing: str
    bands: tuple[float, ...]
    summary: dict[str, Any]
    tuning: float = 440.

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready Python values"""
        return {'timing': self.timing, 'transpose': self.transpose, 'tuning': self.tuning,
                'offset': rounded(self.offset, 4), 'tempo': rounded(self.tempo, 4),
                'drift': rounded(self.drift, 4), 'bands': list(self.bands),
                'summary': self.summary, 'notes': self.notes, 'extra': self.extra,
                'path': [[rounded(a, 4), rounded(b, 4)] for a, b in self.path]}

    def sung_time(self, times: Any) -> Array:
        """(len(times),) seconds on the take's clock where the alignment
        puts target times `times` (seconds, a number or a list): on the
        fitted line (offset, tempo) for timing='accompanied'; for 'free'
        on the piecewise-linear map through `path`, continued beyond it
        with `tempo`. Where a missed target was due, for instance."""
        times = np.atleast_1d(np.asarray(times, float))
        first = self.notes[0]['onset'] if self.notes else 0.
        line = (first + self.offset - self.tempo * first, self.tempo)
        if self.timing == 'accompanied' or not self.path:
            return line[0] + line[1] * times
        anchors, sung = np.array(self.path, float).T
        return _through(times, anchors, sung, line)


def check_transpose(transpose: Any, timing: str) -> int | str:
    """`transpose` as `score` takes it: None gives timing's default (0
    accompanied, 'auto' free); 'auto' or an integer number of semitones
    within +-MAX_TRANSPOSE, else ParameterError naming `transpose`"""
    if transpose is None:
        transpose = 0 if timing == 'accompanied' else 'auto'
    if not (transpose == 'auto' if isinstance(transpose, str) else
            tracks.is_number(transpose) and float(transpose).is_integer()
            and abs(transpose) <= MAX_TRANSPOSE):
        raise tracks.refusal(transpose, str)(
            f"transpose must be 'auto' or an integer number of semitones within "
            f'+-{MAX_TRANSPOSE}; got {transpose!r}')
    return transpose


def _check(report: Any, timing: str, transpose: Any, bands: Any, span: Any
           ) -> tuple[Any, tuple[float, ...], tuple[float, float] | None]:
    """Arguments checked before any work (ParameterError naming them)"""
    if not hasattr(report, 'track') or not hasattr(report, 'notes'):
        raise ParameterTypeError('report must be a singing.Report (singing.analyse); '
                                 f'got {type(report).__name__}')
    if timing not in TIMINGS:
        raise (ParameterError if isinstance(timing, str) else ParameterTypeError)(
            f"timing must be 'accompanied' or 'free'; got {timing!r}")
    transpose = check_transpose(transpose, timing)
    try:
        bands = None if isinstance(bands, (str, bytes)) else tuple(bands)
    except TypeError:
        bands = None
    if not bands or not all(tracks.is_number(band) and 0 < band <= 1200 for band in bands):
        raise (ParameterTypeError if bands is None else ParameterError)('bands must be a non-empty list of cents, each within '
                             f'0 < band <= 1200; got {bands!r}')
    if span is not None:
        try:
            low, high = span
            kind = ParameterError
        except (TypeError, ValueError):
            low = high = None
            kind = ParameterTypeError
        if not (tracks.is_number(low) and tracks.is_number(high) and low < high):
            raise kind(f'span must be None or (start s, end s) with start '
                                 f'< end; got {span!r}')
        span = (float(low), float(high))
    return transpose, tuple(float(band) for band in bands), span


def score(report: Report, target: Rows | FilePath, *, timing: str = 'accompanied',
          transpose: int | str | None = None, bands: Iterable[float] = BANDS,
          span: tuple[float, float] | None = None, part: str | None = None,
          tuning: float = 440.) -> Score:
    """Score a take against the notes that were to be sung

    Arguments
        report (singing.Report): the take, from singing.analyse (its notes
            and pitch track are used as they are)
        target (list of Target or (onset s, offset s, midi), or a path
            read_targets reads): the notes to be sung
        timing ('accompanied' or 'free', keyword): accompanied: the take
            was recorded while the targets played, with an unknown offset
            (up to MAX_OFFSET, 1 s) and a slowly drifting lag; free: the
            targets' times are only relative (the singer's own tempo and
            rubato)
        transpose (int, 'auto' or None, keyword): semitones the singer is
            to sing from the written key; 'auto' finds it; None: 0 for
            accompanied, 'auto' for free
        bands (list of cents, keyword): the bands of `within` and the
            summary (default 10, 25, 50)
        span ((start s, end s) or None, keyword): score only the report's
            notes with onsets within it (the part of a recording where the
            exercise ran)
        part (str or None, keyword): the MIDI track when target is a path
        tuning (float, keyword): A4 in Hz of the targets (400..480); the
            sung pitch is moved there from the report's tuning_hz, so that
            a report made with tuning='estimate' is still scored against
            the targets as written
    Returns
        Score (see there; to_dict() for JSON)
    Raises
        ParameterError (a ValueError) naming the argument, before any work
    Warns
        ReferenceWarning when check_span finds the target far longer or
        shorter than the take (up to span's end when given)
    """
    transpose, bands, span = _check(report, timing, transpose, bands, span)
    tuning = tracks.check_tuning(tuning)
    if isinstance(target, (str, os.PathLike)):
        targets = read_targets(target, part)
    else:
        targets = check_targets(target)
    take = report.track
    end = take.start + take.hop * len(take.midi)
    problem = check_span(targets, min(end, span[1]) if span else end, timing)
    if problem:
        warnings.warn(problem, ReferenceWarning, stacklevel=2)
    # The pitch track under the targets' tuning
    track = report.track._replace(
        midi=report.track.midi + 12 * np.log2(report.tuning_hz / tuning))
    units = units_of(report, span, track)
    onsets = np.array([note.onset for note in targets])
    written = np.array([note.midi for note in targets])
    if not len(units.onset):
        result = _result(report, track, targets, units, np.full(len(targets), -1),
                         np.zeros(len(targets), int), 0. if transpose == 'auto'
                         else int(transpose), (0., 1.), timing, bands)
    else:
        start, stop, shift, line = _first_alignment(
            track, units, targets, onsets, written, timing, transpose)
        start, stop, shift, line = _second_alignment(
            units, onsets, written, start, stop, shift, line, timing, transpose)
        result = _result(report, track, targets, units, start, stop, shift, line,
                         timing, bands)
    result.tuning = tuning
    return result


def _first_alignment(track: tracks.Track, units: Units, targets: list[Target], onsets: Array,
                     written: Array, timing: str, transpose: int | str) -> Alignment:
    """The first alignment: a time map from the timing mode alone and the
    transposition; returns (start, stop, shift, line) as align gives them,
    with line = (offset s, tempo ratio)"""
    if timing == 'accompanied':
        candidates = range(12) if transpose == 'auto' else [int(transpose)]
        offset, shift = offset_search(track, targets, candidates)
        line = (offset, 1.)
        slack, weight = TIMING_SLACK[timing], TIMING_WEIGHT[timing]
        if transpose == 'auto':
            candidates = [shift]
    else:
        sung_start, sung_end = units.onset[0], units.offset[-1]
        tempo = max(sung_end - sung_start, 1e-3) / max(targets[-1].offset - onsets[0], 1e-3)
        line = (sung_start - onsets[0] * tempo, tempo)
        slack, weight = FREE_FIRST_SLACK, FREE_FIRST_WEIGHT
        candidates = class_candidates(units, targets) if transpose == 'auto' \
            else [int(transpose)]
    expected = line[0] + line[1] * onsets
    trials = []
    for candidate in candidates:
        shift = octave_of(candidate, units, targets) if transpose == 'auto' \
            else int(candidate)
        trials.append(align(units, written + shift, expected, slack, weight,
                             REACH[timing] if timing == 'accompanied' else None)
                      + (shift,))
    cost, start, stop, shift = min(trials, key=lambda trial: trial[0])

    return start, stop, shift, line


def _second_alignment(units: Units, onsets: Array, written: Array, start: Array, stop: Array,
                      shift: int, line: tuple[float, float], timing: str,
                      transpose: int | str) -> Alignment:
    """The second alignment: the time map refitted to the first one's
    matches and the singer's pitch drift followed; returns (start, stop,
    shift, line)"""
    matched = start >= 0
    if matched.any():
        sung_onsets = units.onset[start[matched]]
        line = fit_line(onsets[matched], sung_onsets)
        if timing == 'accompanied':
            expected = line[0] + line[1] * onsets
        else:
            expected = _through(onsets, onsets[matched], sung_onsets, line)
        errors = np.zeros(len(onsets))
        first_pitch = _run_pitch(units, start, stop)
        errors[matched] = octave_fold(first_pitch[matched] - written[matched] - shift)[0]
        local = local_pitch(errors, matched)
        cost, start, stop = align(units, written + shift + local, expected,
                                   TIMING_SLACK[timing], TIMING_WEIGHT[timing],
                                   REACH[timing])
        matched = start >= 0
        if transpose == 'auto' and matched.any():
            # The integer key shift as an annotator gives it: the rounded
            # median of sung minus written over the aligned notes
            pitch = _run_pitch(units, start, stop)[matched]
            shift = int(np.round(np.median(pitch - written[matched])))
        if matched.any():
            line = fit_line(onsets[matched], units.onset[start[matched]])
    return start, stop, shift, line


def _through(onsets: Array, anchors: Array, sung: Array,
             line: tuple[float, float]) -> Array:
    """Expected sung onsets of the targets on a piecewise-linear map
    through the matched (target onset, sung onset) anchors, extended
    beyond them with the line's slope"""
    expected = np.interp(onsets, anchors, sung)
    before, after = onsets < anchors[0], onsets > anchors[-1]
    expected[before] = sung[0] + line[1] * (onsets[before] - anchors[0])
    expected[after] = sung[-1] + line[1] * (onsets[after] - anchors[-1])
    return expected


def _run_pitch(units: Units, start: Array, stop: Array) -> Array:
    """(targets,) MIDI of each matched run: its longest unit's pitch and
    the units within half a semitone of it, weighted by length; NaN when
    missed"""
    result = np.full(len(start), np.nan)
    single = (start >= 0) & (stop - start == 1)
    result[single] = units.midi[start[single]]
    for index in np.flatnonzero((start >= 0) & ~single):
        span = slice(start[index], stop[index])
        lengths = units.offset[span] - units.onset[span]
        pitches = units.midi[span]
        main = pitches[np.argmax(lengths)]
        near = np.abs(pitches - main) <= .5
        result[index] = np.average(pitches[near], weights=np.maximum(lengths[near], 1e-6))
    return result


def _unit_dict(units: Units, index: int | np.integer[Any]) -> dict[str, Any]:
    midi = float(units.midi[index])
    return {'onset': rounded(units.onset[index], 4), 'offset': rounded(units.offset[index], 4),
            'midi': rounded(midi, 3), 'name': midi_to_note_name(midi)}


def _held_mask(report: Report) -> Array:
    """(frames,) bool: frames held in their note (notes.Note.held) and
    voiced"""
    mask = np.zeros(len(report.track.voiced), bool)
    for note in report.notes:
        mask[note.first:note.last] |= note.held
    return mask & report.track.voiced


def _steady(track: tracks.Track) -> Array:
    """(frames,) MIDI: the pitch averaged over the voiced frames within
    SETTLE_WINDOW s around each frame (NaN where none), so that vibrato
    and dither average out while a scoop or slide of 100 ms or more
    still shows; computed once for the whole track"""
    size = max(1, int(round(SETTLE_WINDOW / track.hop)))
    voiced = track.voiced.astype(float)
    total = ndimage.uniform_filter1d(np.where(track.voiced, track.midi, 0.), size,
                                     mode='constant')
    count = ndimage.uniform_filter1d(voiced, size, mode='constant')
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(count > 1e-9, total / np.maximum(count, 1e-12), np.nan)


def _settle(track: tracks.Track, steady: Array, first: int, frames: Array, level: float,
            onset: float) -> float | None:
    """Seconds from onset until the steady pitch (see _steady), from frame
    `first` (the sung note's first) to its last held frame, stays within
    SETTLE_CENTS of `level`; None if it never settles"""
    if not len(frames):
        return None
    curve = steady[first:frames[-1] + 1]
    outside = np.flatnonzero(~(np.abs(curve - level) * 100 <= SETTLE_CENTS))
    if len(outside) and outside[-1] == len(curve) - 1:
        return None
    settled = first + (outside[-1] + 1 if len(outside) else 0)
    return max(float(track.start + track.hop * (settled - .5) - onset), 0.)


def _linear_credit(value: float, full: float, none: float) -> float:
    """1 up to `full`, 0 from `none`, linear between"""
    return min(max((none - value) / (none - full), 0.), 1.)


def _result(report: Report, track: tracks.Track, targets: list[Target], units: Units,
            start: Array, stop: Array, shift: float, line: tuple[float, float], timing: str,
            bands: tuple[float, ...]) -> Score:
    """The Score of an alignment (start, stop per target; line: the fitted
    (intercept, slope) of sung onset on target onset; track: the report's
    under the targets' tuning)"""
    intercept, tempo = line
    results, path, credits = [], [], []
    claimed = np.zeros(len(units.onset), bool)
    index: int | np.integer[Any]
    for index in np.flatnonzero(start >= 0):
        claimed[start[index]:stop[index]] = True
    # The target whose sung note comes last before each unit
    owners = np.full(len(units.onset), -1)
    owners[start[start >= 0]] = np.flatnonzero(start >= 0)
    following = np.maximum.accumulate(owners)
    pitches = _run_pitch(units, start, stop)
    steady = _steady(track)
    held_mask = _held_mask(report)
    for index, target in enumerate(targets):
        entry: dict[str, Any] = {'index': index, 'midi': rounded(target.midi, 3),
                 'name': midi_to_note_name(target.midi),
                 'onset': rounded(target.onset, 4), 'offset': rounded(target.offset, 4),
                 'sung': None, 'cents_error': None, 'onset_lag': None,
                 'settle_time': None, 'within': None, 'steadiness': None,
                 'octave': None, 'extra': []}
        if start[index] >= 0:
            begin, end = int(start[index]), int(stop[index])
            pitch = float(pitches[index])
            aim = target.midi + shift
            octave = int(octave_fold(pitch - aim)[1])
            aim += 12 * octave
            onset, offset = float(units.onset[begin]), float(units.offset[end - 1])
            first = int(units.first[begin])
            frames = np.flatnonzero(held_mask[first:int(units.last[end - 1])]) + first
            held = track.midi[frames]
            # Frames of another octave (a tracker's octave jump) are no
            # part of the note's pitch
            held = held[np.abs(held - pitch) <= 1.]
            lag = onset - (intercept + tempo * target.onset)
            jitters = sorted(report.notes[note].jitter for note in set(units.note[begin:end])
                             if report.notes[note].jitter is not None)
            cents_off = np.abs(held - aim) * 100
            entry.update({
                'sung': {'onset': rounded(onset, 4), 'offset': rounded(offset, 4),
                         'midi': rounded(pitch, 3)},
                'cents_error': rounded(100 * (pitch - aim), 1),
                'onset_lag': rounded(lag, 4),
                'settle_time': rounded(_settle(track, steady, first, frames, pitch, onset), 4),
                'within': {f'{band:g}': round(np.count_nonzero(cents_off <= band)
                                              / len(held), 3)
                           if len(held) else None for band in bands},
                'steadiness': rounded(.5 * (jitters[(len(jitters) - 1) // 2] +
                                           jitters[len(jitters) // 2]), 1)
                if jitters else None,
                'octave': octave})
            path.append((target.onset, onset))
            cents = abs(100 * (pitch - aim))
            credit = _linear_credit(cents, PITCH_FULL, PITCH_NONE) * (.5 if octave else 1.)
            if timing == 'accompanied':
                credit = .75 * credit + .25 * _linear_credit(abs(lag), LAG_FULL, LAG_NONE)
            credits.append(credit)
        results.append(entry)
    before: list[dict[str, Any]] = []
    for unit in np.flatnonzero(~claimed):
        owner = following[unit]
        (before if owner < 0 else results[owner]['extra']).append(_unit_dict(units, unit))
    extras = int((~claimed).sum())
    summary = _summary(results, bands, extras, credits)
    return Score(results, before, float(intercept + tempo * targets[0].onset
                                        - targets[0].onset), float(tempo),
                 float((tempo - 1.) * 60.), int(shift), path, timing, bands, summary)


def _summary(results: list[dict[str, Any]], bands: tuple[float, ...], extras: int,
             credits: list[float]) -> dict[str, Any]:
    """The Score's summary dict (see Score)"""
    count = len(results)
    sung = [entry for entry in results if entry['sung'] is not None]
    cents = np.array([abs(entry['cents_error']) for entry in sung])
    right = np.array([entry['octave'] == 0 for entry in sung], bool)
    lags = np.array([entry['onset_lag'] for entry in sung])
    hit = int(((cents <= HIT_CENTS) & right).sum()) if len(sung) else 0
    summary = {
        'notes': count, 'sung': len(sung), 'missed': count - len(sung), 'extra': extras,
        'hit': hit, 'hit_share': rounded(hit / count, 4),
        'cents_mean_abs': rounded(cents.mean(), 1) if len(cents) else None,
        'cents_median_abs': rounded(np.median(cents), 1) if len(cents) else None}
    for band in bands:
        inside = int(((cents <= band) & right).sum()) if len(sung) else 0
        summary[f'within_{band:g}'] = rounded(inside / count, 4)
    summary['lag_median'] = rounded(np.median(lags), 4) if len(lags) else None
    summary['lag_spread'] = rounded(np.subtract(*np.percentile(lags, [75, 25])), 4) \
        if len(lags) else None
    summary['score'] = rounded(100 * sum(credits) / (count + EXTRA_WEIGHT * extras), 1)
    return summary
