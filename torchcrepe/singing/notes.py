"""Notes from a pitch track: where each starts and ends, its pitch, its attack.

The conventions follow how people hear and mark sung notes (Molina et al.,
"Evaluation framework for automatic singing transcription", ISMIR 2014;
the vocadito annotations, Bittner et al. 2021):

1. A *phrase* is a run of voiced frames (unvoiced gaps up to
   track.MAX_GAP bridged). Its pitch is median filtered (track.smooth),
   smoothed (track.fast_trend) and has its vibrato taken out
   (vibrato.centre_line), so that a vibrato of any extent never reads as
   notes.
2. A phrase is cut into *syllables* where the voice is articulated again
   (articulation.py: a loudness dip, or without loudness an unvoiced gap):
   a new syllable starts a new note, on the same pitch too.
3. Each syllable's pitch is explained as *held parts* and *transitions*
   (levels.py): a held part is a pitch held within +-40 cents of its
   level for 80 ms or more; consecutive parts less than 3/4 semitone apart
   are one note. Every held part is a note, however short (80 ms).
4. Where a note starts:
   - after silence or a new attack, where the voice starts (the first
     voiced frame, or the loudness minimum of a voiced consonant), even
     when it scoops up to its pitch: the scoop is the note's *attack*;
   - after a legato transition from the previous note (a slide, a
     portamento, no new attack), where its pitch arrives: within a quarter
     tone (50 cents) of its level. The transition is the note's attack and
     belongs to neither note's held part: the previous note ends where its
     pitch leaves its own quarter tone.
5. Where a note ends: where its pitch leaves it for the next note, or
   where its syllable ends (the voice stops, or the next attack). The end
   of a syllable after its last held part (a release, a fall-off) stays
   with the note, unless it lasts MIN_GLIDE seconds or more and its mean
   pitch is SPLIT or more from the note: then it is a glide note of its own
   (a portamento into silence or into the next syllable).
6. A syllable without a held part (a sweep) is one note marked as a glide.
   Syllables shorter than MIN_NOTE are not notes.
7. A note's pitch is the value halfway between its onset and offset (kept
   within its held frames) of the straight line fitted by least squares to
   its held voiced frames within OUTLIER semitones of its level (an octave
   error or a crack is left out). On a steady note that is their mean; on
   a drifting note its pitch halfway. The attack is left out: its pitch,
   intonation, stability and vibrato are those of its held frames.

Times are seconds; a note spans from half a hop before its first frame to
half a hop after its last.
"""
import dataclasses
from typing import NamedTuple, Optional

import numpy as np

from .. import convert
from . import articulation, levels, track as tracks, vibrato

SPLIT = levels.SPLIT
MIN_NOTE = levels.MIN_NOTE
# The shortest phrase that can be a note (the old name of MIN_NOTE)
MIN_HOLD = MIN_NOTE
# Seconds the end of a syllable after its last held part must last to be
# a glide of its own (rule 5): longer than a fall-off at a note's end
MIN_GLIDE = .2
# Semitones from a note's level beyond which a frame is left out of its
# pitch (an octave error, a crack)
OUTLIER = .5

# Name of the nearest semitone of a MIDI number: 69.2 -> 'A4'
note_name = convert.midi_to_note_name


class Attack(NamedTuple):
    """How a note is reached: start (s) and length (s) of the movement of
    the pitch into it, its size (cents, positive from below), and its
    kind: 'scoop' (after silence or a new attack, inside the note) or
    'transition' (from the previous note, before the note's onset)"""
    start: float
    length: float
    cents: float
    kind: str


@dataclasses.dataclass
class Note:
    """One sung note

    onset, offset (float): seconds
    midi (float): fractional MIDI number under the tuning reference (rule
        7; vibrato.analyse sets it to the vibrato's centre)
    glide (bool): no pitch was held (a sweep); left out of intonation
    first, last (int): frames [first, last) of the track it covers
    held (numpy.ndarray [shape=(last - first,)], bool): its held frames
    vibrato (vibrato.Vibrato or None), drift, jitter (cents or None):
        filled by vibrato.analyse
    target (float or None): MIDI of the matched reference note, if any
    attack (Attack or None): the scoop or transition into it, if any
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
    attack: Optional[Attack] = None

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

    @property
    def vibrato_delay(self):
        """Seconds from the onset to the start of its vibrato, or None"""
        return None if self.vibrato is None else self.vibrato.start - self.onset


def segment(track):
    """The notes of a tracks.Track, in time order (a list of Note)"""
    notes = []
    hop = track.hop
    for first, last in tracks.phrases(track.voiced, hop):
        if (last - first) * hop < MIN_NOTE:
            continue
        fast = tracks.fast_trend(tracks.smooth(track.midi[first:last]), hop)
        centred = vibrato.centre_line(fast, hop)
        loudness = None if track.loudness is None else track.loudness[first:last]
        for start, stop in articulation.syllables(
                track.voiced[first:last], loudness, fast, hop):
            notes += _syllable_notes(track, fast[start:stop], centred[start:stop],
                                     first + start)
    for note in notes:
        note.midi = level(note, track)
    return notes


def level(note, track):
    """A note's pitch by rule 7 (MIDI)"""
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


def _time(track, frame):
    """Time (s) of the edge before a frame: half a hop before its centre"""
    return track.start + track.hop * (frame - .5)


def _syllable_notes(track, fast, centred, offset):
    """Notes of one syllable (rules 3-6); `offset` is its first frame in
    the track, fast and centred its pitch (MIDI) before and after the
    vibrato was taken out"""
    hop, length = track.hop, len(fast)
    if length < levels.frames(MIN_NOTE, hop):
        return []
    parts = levels.parts(centred, hop)
    if not parts:
        return [_glide(track, fast, 0, length, offset)]
    notes, tail = [], None
    end = parts[-1].stop
    if (length - end) * hop >= MIN_GLIDE and \
            abs(fast[end:].mean() - parts[-1].level) >= SPLIT:
        tail = _glide(track, fast, end, length, offset)
        length = end
    for index, part in enumerate(parts):
        first = 0 if index == 0 else part.start
        last = length if index == len(parts) - 1 else part.stop
        held = np.zeros(last - first, bool)
        held[part.start - first:part.stop - first] = True
        if index == 0:
            attack = None if part.start == 0 else Attack(
                _time(track, offset), part.start * hop,
                100 * (part.level - fast[0]), 'scoop')
        else:
            before = parts[index - 1]
            attack = Attack(_time(track, offset + before.stop),
                            (part.start - before.stop) * hop,
                            100 * (part.level - before.level), 'transition')
        notes.append(Note(_time(track, offset + first), _time(track, offset + last),
                          part.level, False, offset + first, offset + last, held,
                          attack=attack))
    return notes + ([tail] if tail else [])


def _glide(track, fast, first, last, offset):
    """A glide note over local frames [first, last) of a syllable"""
    return Note(_time(track, offset + first), _time(track, offset + last),
                float(np.median(fast[first:last])), True, offset + first,
                offset + last, np.zeros(last - first, bool))
