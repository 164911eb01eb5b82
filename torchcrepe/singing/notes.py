"""Notes from a pitch track: where each starts and ends, and its pitch.

A phrase is a run of voiced frames (gaps up to track.MAX_GAP bridged). Each
phrase's pitch, median filtered (track.smooth), is low-passed twice: the
*slow trend*, low-passed at track.TREND_CUTOFF Hz (vibrato gone; glides
and drift remain), and the *fast trend*, smoothed over track.FAST_SIGMA
seconds (it follows a step within about 25 ms, and follows vibrato too).

1. A frame of a trend is *held* when the trend moves slower than
   GLIDE_SPEED semitones per second; a run of held frames is a *held
   level*, at the trend's mean over the run, when it lasts MIN_STEADY
   seconds or more on the fast trend, MIN_HOLD on the slow one (the fast
   trend blurs 25-30 ms of a held level at each step: a semitone held 80 ms
   between two 50 ms slides, or a 120 ms note between two instant steps,
   splits; tests/test_singing.py). Held levels come from the fast trend first: they are sharp,
   so short notes of a fast legato run keep their own levels. Vibrato
   never makes one that could split a note: to stay under GLIDE_SPEED for
   MIN_STEADY, a vibrato at 3.5 Hz or faster must be narrower than +-20
   cents, and then its levels are less than SPLIT apart. The slow trend's
   held runs add the levels of vibrato notes: a slow run counts only where
   fast levels cover less than half of it, and then only its frames outside
   them (pieces of MIN_HOLD or more), so that the slow trend's blur of short
   steady notes never decides.
2. Consecutive held levels less than SPLIT semitones apart belong to one
   note (drift, a scoop, a dip). A level SPLIT or more away from the one
   before starts a new note: a change of a semitone or more held for at
   least 80 ms always does, after a step, a slide or a portamento. A change
   slower than GLIDE_SPEED throughout is drift, held all along: it does not
   split (a semitone sung as a one-second glide stays one note).
3. Two notes meet where the trend crosses halfway between their levels
   (the fast trend between two fast levels, else the slow trend: for a
   step or a symmetric slide, the middle of the transition); an unvoiced
   gap between them ends one note and starts the next instead.
4. The part of a phrase before its first held level, or after its last,
   is a glide note of its own when it lasts MIN_GLIDE seconds or more and
   its mean pitch (fast trend) is SPLIT semitones or more away from that
   level (a portamento into or out of silence). A shorter scoop or
   fall-off, or the ends of a vibrato, stay with the note.
5. A phrase without any held level (a sweep) is one note marked as a glide.
   Vibrato never splits a note (rule 1), nor does a glide between two
   levels less than SPLIT apart (it is a transition, not a held level).
   Phrases shorter than MIN_HOLD are not notes.
6. A note's pitch is the value halfway between its onset and offset
   (kept within its held frames) of the straight line fitted by least
   squares to its held voiced frames within OUTLIER semitones of its level
   (an octave error or a crack is left out). On a steady note that is
   their mean, so a decoder's dither averages out rather than pulling to a
   step; on a drifting note it is its pitch halfway, however much of its
   end (a release, a fall-off) did not read as held.

Times are seconds; a note spans from half a hop before its first frame to
half a hop after its last, or to the crossing point of rule 3.
"""
import dataclasses
from typing import NamedTuple, Optional

import numpy as np

from .. import convert
from . import track as tracks

# Semitones between consecutive held levels that start a new note (rule
# 2): below a semitone so that a semitone step still splits when a level's
# mean is pulled towards its neighbour by the trend filter
SPLIT = .75
# Seconds a level must be held to count (and the shortest note)
MIN_HOLD = .08
# Seconds a level of the fast trend must be held to count: shorter than
# MIN_HOLD as the fast trend's smoothing blurs each side of a step
MIN_STEADY = .05
# Semitones per second: a trend moving faster is gliding, not held
GLIDE_SPEED = 2.
# Seconds an unheld edge of a phrase must last to be a glide note (rule 4):
# longer than a scoop into a note or a fall-off at its end
MIN_GLIDE = .2
# Semitones from the trend's level beyond which a frame is left out of a
# note's pitch (an octave error, a crack)
OUTLIER = .5

# Name of the nearest semitone of a MIDI number: 69.2 -> 'A4'
note_name = convert.midi_to_note_name


@dataclasses.dataclass
class Note:
    """One sung note

    onset, offset (float): seconds
    midi (float): fractional MIDI number under the tuning reference (rule
        6; vibrato.analyse sets it to the vibrato's centre)
    glide (bool): no level was held (a sweep); left out of intonation
    first, last (int): frames [first, last) of the track it covers
    held (numpy.ndarray [shape=(last - first,)], bool): its held frames
    vibrato (vibrato.Vibrato or None), drift, jitter (cents or None):
        filled by vibrato.analyse
    target (float or None): MIDI of the matched reference note, if any
    """
    onset: float
    offset: float
    midi: float
    glide: bool
    first: int
    last: int
    held: np.ndarray
    vibrato: Optional[object] = None
    drift: Optional[float] = None
    jitter: Optional[float] = None
    target: Optional[float] = None

    @property
    def name(self):
        return note_name(self.midi)

    @property
    def cents(self):
        """Cents from the nearest semitone, -50..50"""
        return float(100 * (self.midi - round(self.midi)))

    @property
    def duration(self):
        return self.offset - self.onset


def segment(track):
    """The notes of a tracks.Track, in time order (a list of Note)"""
    notes = []
    times = track.times()
    for first, last in tracks.phrases(track.voiced, track.hop):
        if (last - first) * track.hop < MIN_HOLD:
            continue
        midi = tracks.smooth(track.midi[first:last])
        notes += _phrase_notes(
            tracks.trend(midi, track.hop),
            tracks.fast_trend(midi, track.hop),
            track.voiced[first:last], first, times, track.hop)
    for note in notes:
        note.midi = level(note, track)
    return notes


def level(note, track):
    """A note's pitch by rule 6 (MIDI)"""
    if note.glide:
        return note.midi
    midi = track.midi[note.first:note.last]
    frames = np.flatnonzero(note.held & (np.abs(midi - note.midi) <= OUTLIER))
    if not len(frames):
        return note.midi
    if len(frames) < 3:
        return float(midi[frames].mean())
    slope, intercept = np.polyfit(frames, midi[frames], 1)
    middle = ((note.onset + note.offset) / 2 - track.start) / track.hop - note.first
    return float(intercept + slope * np.clip(middle, frames[0], frames[-1]))


def held_runs(trend, hop, seconds=MIN_HOLD):
    """(start, stop) of each run of held frames of a trend lasting
    `seconds` or more, local indices"""
    speed = np.abs(np.gradient(trend)) / hop if len(trend) > 1 else np.zeros(1)
    return _runs(speed <= GLIDE_SPEED, _frames(seconds, hop))


def _frames(seconds, hop):
    return int(np.ceil(seconds / hop - 1e-9))


def _runs(mask, minimum):
    """(start, stop) of each run of True in a bool array, minimum long"""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(int), [0]])))
    return [(int(start), int(stop)) for start, stop in zip(edges[::2], edges[1::2])
            if stop - start >= minimum]


class Level(NamedTuple):
    """A held level of a phrase: frames [start, stop), its MIDI value and
    the trend it was held on (rule 3 cuts on it)"""
    start: int
    stop: int
    value: float
    trend: np.ndarray


def levels(slow, fast, hop):
    """The held levels of one phrase by rule 1, in time order"""
    steady = np.zeros(len(fast), bool)
    found = []
    for start, stop in held_runs(fast, hop, MIN_STEADY):
        steady[start:stop] = True
        found.append(Level(start, stop, float(fast[start:stop].mean()), fast))
    for start, stop in held_runs(slow, hop):
        if steady[start:stop].mean() >= .5:
            continue
        for begin, end in _runs(~steady[start:stop], _frames(MIN_HOLD, hop)):
            begin, end = start + begin, start + end
            found.append(Level(begin, end, float(slow[begin:end].mean()), slow))
    return sorted(found, key=lambda level_: level_.start)


def _groups(found):
    """Held levels grouped into notes by rule 2: a list of lists of Level"""
    groups = []
    for index, level_ in enumerate(found):
        if not index or abs(level_.value - found[index - 1].value) >= SPLIT:
            groups.append([])
        groups[-1].append(level_)
    return groups


def _bounds(groups, slow, fast, hop):
    """Fractional local frames where each note starts and stops (None for
    the phrase's edges), and glide spans [first, last) by rules 3-4"""
    cuts = [None]
    for before, after in zip(groups, groups[1:]):
        last, next_ = before[-1], after[0]
        trend = last.trend if last.trend is next_.trend else slow
        cuts.append(_crossing(trend, last.stop - 1, next_.start,
                              (last.value + next_.value) / 2))
    cuts.append(None)
    glides = []
    first, last = groups[0][0], groups[-1][-1]
    if _is_glide(fast[:first.start], first.value, hop):
        glides.append((0, first.start))
        cuts[0] = first.start - .5
    if _is_glide(fast[last.stop:], last.value, hop):
        glides.append((last.stop, len(fast)))
        cuts[-1] = last.stop - .5
    return cuts, glides


def _is_glide(edge, value, hop):
    """Rule 4: whether an unheld edge of a phrase (its fast trend) is a
    glide of its own. Its mean, not its extreme, must be SPLIT away: over
    MIN_GLIDE seconds vibrato averages to within 0.25 of its extent"""
    return len(edge) * hop >= MIN_GLIDE and abs(edge.mean() - value) >= SPLIT


def _phrase_notes(slow, fast, voiced, offset, times, hop):
    """Notes of one phrase; `offset` is its first frame in the track"""
    length = len(slow)
    groups = _groups(levels(slow, fast, hop))
    if not groups:
        return [_note(slow, voiced, np.zeros(length, bool), None, 0, length,
                      offset, times, hop, None, None)]
    cuts, glides = _bounds(groups, slow, fast, hop)
    notes = [_note(slow, voiced, np.zeros(stop - start, bool), None, start, stop,
                   offset, times, hop, None, None) for start, stop in glides]
    held_value = np.full(length, np.nan)
    for level_ in (level_ for group in groups for level_ in group):
        held_value[level_.start:level_.stop] = level_.trend[level_.start:level_.stop]
    for index, group in enumerate(groups):
        start, stop = cuts[index], cuts[index + 1]
        first = 0 if start is None else int(np.ceil(start))
        last = length if stop is None else min(int(np.floor(stop)) + 1, length)
        held = np.zeros(last - first, bool)
        for level_ in group:
            held[max(level_.start - first, 0):max(level_.stop - first, 0)] = True
        held &= ~np.isnan(held_value[first:last])
        notes.append(_note(slow, voiced, held, held_value, first, last, offset,
                           times, hop, None if start is None else offset + start,
                           None if stop is None else offset + stop))
    return sorted(notes, key=lambda note: note.first)


def _crossing(slow, low, high, level):
    """Fractional frame in low..high where `slow` crosses `level`"""
    segment_ = slow[low:high + 1] - level
    signs = np.sign(segment_)
    changes = np.flatnonzero(signs[:-1] * signs[1:] <= 0)
    if not len(changes):
        return (low + high) / 2.
    # The crossing nearest the middle of the transition
    index = changes[np.argmin(np.abs(changes - (len(segment_) - 1) / 2))]
    a, b = segment_[index], segment_[index + 1]
    fraction = a / (a - b) if a != b else .5
    return low + index + float(fraction)


def _note(slow, voiced, held, held_value, first, last, offset, times, hop,
          crossing_start, crossing_stop):
    """A Note over local frames [first, last) of a phrase; a glide when
    held_value (the held levels' trend per frame, NaN elsewhere) is None"""
    sung = np.flatnonzero(voiced[first:last])
    start_time = times[offset + first + sung[0]] - hop / 2
    stop_time = times[offset + first + sung[-1]] + hop / 2
    # A legato boundary (rule 3) is the crossing time, unless a gap
    # separates the notes
    if crossing_start is not None:
        start_time = max(start_time, times[0] + hop * crossing_start)
    if crossing_stop is not None:
        stop_time = min(stop_time, times[0] + hop * crossing_stop)
    glide = held_value is None
    level_ = float(np.median(slow[first:last])) if glide else \
        float(held_value[first:last][held].mean())
    return Note(float(start_time), float(stop_time), level_, glide,
                offset + first, offset + last, held)
