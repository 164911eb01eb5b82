"""Notes from a pitch track: where each starts and ends, and its pitch.

The rule, on the trend of each phrase (a run of voiced frames, gaps up to
track.MAX_GAP bridged; the trend is the pitch low-passed at
track.TREND_CUTOFF Hz, so vibrato is gone and glides and drift remain):

1. A frame is *held* when the trend moves slower than GLIDE_SPEED semitones
   per second; a run of held frames lasting MIN_HOLD seconds or more is a
   held level, at the trend's mean over the run.
2. Consecutive held levels less than SPLIT semitones apart belong to one
   note (drift, a scoop, a dip). A level SPLIT or more away from the one
   before starts a new note: a change of a semitone or more held for at
   least 80 ms.
3. Two notes meet where the trend crosses halfway between their levels
   (for a step or a symmetric slide, the middle of the transition); an
   unvoiced gap between them ends one note and starts the next instead.
4. A note found so that has no vibrato (vibrato.detect) is split again by
   rules 1-3 on the pitch low-passed at track.FAST_CUTOFF Hz instead, so
   that short notes in a fast legato run are not blurred together; its
   outer onset and offset stay.
6. A note's pitch is the mean of its held voiced frames (those within
   OUTLIER semitones of the trend's level), so a decoder's dither averages
   out.
5. A phrase without any held level (a sweep) is one note marked as a glide.
   Vibrato never splits a note (the trend does not follow it), nor does a
   glide (it is a transition, not a held level). Phrases shorter than
   MIN_HOLD are not notes.

Times are seconds; a note spans from half a hop before its first frame to
half a hop after its last, or to the crossing point of rule 3.
"""
import dataclasses
from typing import Optional

import numpy as np

from . import track as tracks
from . import vibrato

# Semitones between consecutive held levels of the trend that start a new
# note: a semitone step measures at least 0.75 on the trend of a note held
# only 0.2 s, which the filter blurs towards its neighbours
SPLIT = .75
# Seconds a level must be held to count (and the shortest note)
MIN_HOLD = .08
# Semitones per second: a trend moving faster is gliding, not held
GLIDE_SPEED = 2.
# Semitones from the trend's level beyond which a frame is left out of a
# note's pitch (an octave error, a crack)
OUTLIER = .5

NOTE_NAMES = ('C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B')


def note_name(midi):
    """Name of the nearest semitone: 69.2 -> 'A4', 61 -> 'C#4'"""
    nearest = int(round(midi))
    return f'{NOTE_NAMES[nearest % 12]}{nearest // 12 - 1}'


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


def segment(track, window_seconds=vibrato.TRACKER_WINDOW):
    """The notes of a tracks.Track, in time order (a list of Note);
    window_seconds as vibrato.detect's, for rule 4"""
    notes = []
    times = track.times()
    for first, last in tracks.phrases(track.voiced, track.hop):
        if (last - first) * track.hop < MIN_HOLD:
            continue
        midi = tracks.smooth(track.midi[first:last])
        slow = tracks.trend(midi, track.hop)
        found = _phrase_notes(slow, track.voiced[first:last], first, times,
                              track.hop)
        notes += _split_again(found, track, times, window_seconds)
    for note in notes:
        note.midi = level(note, track)
    return notes


def level(note, track):
    """A note's pitch: the mean of its held voiced frames within OUTLIER
    semitones of the trend's level. The mean, not a median, so that a
    decoder's 20-cent steps average out rather than pull to a step"""
    if note.glide:
        return note.midi
    midi = track.midi[note.first:note.last][note.held]
    kept = midi[np.abs(midi - note.midi) <= OUTLIER]
    return float(kept.mean()) if len(kept) else note.midi


def _split_again(found, track, times, window_seconds):
    """Rule 4: consecutive notes without vibrato split on the sharper trend"""
    result, block = [], []
    for index, note in enumerate(found + [None]):
        if note is not None and not vibrato.has_vibrato(note, track, window_seconds):
            block.append(note)
            continue
        if block:
            parts = _phrase_notes(
                tracks.trend(tracks.smooth(track.midi[block[0].first:block[-1].last]),
                             track.hop, tracks.FAST_CUTOFF),
                track.voiced[block[0].first:block[-1].last], block[0].first,
                times, track.hop)
            if sum(part.glide for part in parts) > sum(n.glide for n in block):
                parts = block
            # Boundaries with a vibrato note stay where the slow trend put them
            if found[0] is not block[0]:
                parts[0].onset = block[0].onset
            if note is not None:
                parts[-1].offset = block[-1].offset
            result += parts
            block = []
        if note is not None:
            result.append(note)
    return result


def held_runs(slow, hop):
    """(start, stop) of each run of held frames of a trend, local indices"""
    speed = np.abs(np.gradient(slow)) / hop if len(slow) > 1 else np.zeros(1)
    held = speed <= GLIDE_SPEED
    edges = np.flatnonzero(np.diff(np.concatenate([[0], held.astype(int), [0]])))
    minimum = int(np.ceil(MIN_HOLD / hop - 1e-9))
    return [(start, stop) for start, stop in zip(edges[::2], edges[1::2])
            if stop - start >= minimum]


def _groups(slow, runs):
    """Held runs grouped into notes by rule 2: lists of (start, stop)"""
    groups = []
    previous = None
    for start, stop in runs:
        level = slow[start:stop].mean()
        if previous is None or abs(level - previous) >= SPLIT:
            groups.append([])
        groups[-1].append((start, stop))
        previous = level
    return groups


def _phrase_notes(slow, voiced, offset, times, hop):
    """Notes of one phrase; `offset` is its first frame in the track"""
    length = len(slow)
    runs = held_runs(slow, hop)
    groups = _groups(slow, runs)
    if not groups:
        held = np.zeros(length, bool)
        return [_note(slow, voiced, held, 0, length, offset, times, hop,
                      None, None, glide=True)]

    # Rule 3: each boundary where the trend crosses between the levels
    cuts = []
    for before, after in zip(groups, groups[1:]):
        low, high = before[-1][1], after[0][0]
        level_before = slow[slice(*before[-1])].mean()
        level_after = slow[slice(*after[0])].mean()
        cuts.append(_crossing(slow, low - 1, high, (level_before + level_after) / 2))

    notes = []
    bounds = [0.] + cuts + [float(length)]
    for index, group in enumerate(groups):
        start, stop = bounds[index], bounds[index + 1]
        first = int(np.ceil(start)) if index else 0
        last = int(np.floor(stop)) + 1 if index < len(groups) - 1 else length
        last = min(last, length)
        held = np.zeros(last - first, bool)
        for run_start, run_stop in group:
            held[max(run_start - first, 0):run_stop - first] = True
        crossing_start = offset + start if index else None
        crossing_stop = offset + stop if index < len(groups) - 1 else None
        notes.append(_note(slow, voiced, held, first, last, offset, times, hop,
                           crossing_start, crossing_stop, glide=False))
    return notes


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


def _note(slow, voiced, held, first, last, offset, times, hop,
          crossing_start, crossing_stop, glide):
    """A Note over local frames [first, last) of a phrase"""
    sung = np.flatnonzero(voiced[first:last])
    start_time = times[offset + first + sung[0]] - hop / 2
    stop_time = times[offset + first + sung[-1]] + hop / 2
    # A legato boundary (rule 3) is the crossing time, unless a gap
    # separates the notes
    if crossing_start is not None:
        start_time = max(start_time, times[0] + hop * crossing_start)
    if crossing_stop is not None:
        stop_time = min(stop_time, times[0] + hop * crossing_stop)
    level = slow[first:last][held].mean() if held.any() else \
        float(np.median(slow[first:last]))
    return Note(float(start_time), float(stop_time), float(level), glide,
                offset + first, offset + last, held)
