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
   (levels.py): a held part is a pitch held 80 ms or more, on average
   within 25 cents of its level and moving slower than 4 semitones/s;
   consecutive parts less than 3/4 semitone apart are one note. Every
   held part 3/4 semitone or more from its neighbours is a note, however
   short (80 ms).
4. Where a note starts:
   - the first note of a syllable, where its vowel is heard: with
     loudness, where the loudness first comes within ONSET_DB of the
     loudest frame of the syllable's first ATTACK_PEAK seconds, so that
     a consonant and a swell before the vowel are not the note (singers
     time the vowel onset: Sundberg and Bauer-Huppmann 2007). Whatever
     the pitch does before then, a scoop at a pitch of its own included,
     is the note's *attack*, not a note. The syllable before it ends at
     the loudness minimum, so that a voiced consonant between them is in
     neither note;
   - where the voice is at full loudness at once, or without loudness:
     after silence or an unvoiced consonant, where the voice starts, even
     when it scoops up to its pitch (the scoop is the *attack*); a
     frame-based tracker's first voiced frame leads the voice
     (LEAD_SHARE); after a voiced consonant, at the loudness minimum;
   - after a voiced consonant, a note that a scoop leads into starts where
     the scoop arrives within a quarter tone of it, as a legato note does:
     the pitch moves while the consonant is sung, and the note is heard
     with the vowel on its pitch. After silence a scoop is heard as the
     start of the note (the first bullet);
   - after a legato transition from the previous note (a slide, a
     portamento, no new attack), where its pitch arrives: where it comes
     within a quarter tone of this note's level, the pitch a listener
     hears as this note (levels.ARRIVAL). The transition, from where the
     pitch leaves the previous note by a quarter tone to that arrival, is
     the note's attack and belongs to neither note's held part.
5. Where a note ends: where its pitch leaves it by a quarter tone on the
   way to the next note (the transition between them is in neither: a
   note lasts while its pitch is heard as it), at the next attack, or
   where the voice stops. The end of a syllable
   after its last held part (a release, a fall-off) stays with the note,
   unless it lasts MIN_GLIDE seconds or more and its mean pitch is SPLIT
   or more from the note: then it is a glide note of its own (a
   portamento into silence or into the next syllable).
6. A syllable without a held part (a sweep) is one note marked as a glide.
   Syllables shorter than MIN_NOTE are not notes.
7. A note's pitch is the value halfway between its onset and offset (kept
   within its held frames) of the straight line fitted by least squares to
   its held voiced frames within OUTLIER semitones of its level (an octave
   error or a crack is left out). On a steady note that is their mean, so
   that a decoder's dither averages out; on a drifting note its pitch
   halfway. The attack is left out of the fit: its intonation, stability
   and vibrato are those of its held frames.

Times are seconds on the track's clock (Track.start + hop * frame); a
note covers frames [first, last) of the track.
"""
from __future__ import annotations

import dataclasses
from typing import NamedTuple, Optional

import numpy as np

from .. import convert
from ..types import BoolArray, FloatArray
from . import articulation, levels, track as tracks, vibrato
from .vibrato import Vibrato

# levels.py's, by their names here too (the code reads levels')
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
# A frame-based tracker calls a frame voiced once part of its window holds
# the voice, so that its first voiced frame leads a voice that starts at
# once, and its last lags one that stops: by 15 ms for CREPE (the notes
# after silence of benchmarks/sung.py, tiny and small), a fifth of the
# 75 ms window vibrato.TRACKER_WINDOW models it by. A note that starts
# after silence or an unvoiced consonant starts LEAD_SHARE of that window
# after its first voiced frame's leading edge; one that ends before them
# ends as much before its last voiced frame's trailing edge
LEAD_SHARE = .2
# Decibels below the peak of its attack at which a syllable's first note
# is heard to start (rule 4): the perceptual onset of a tone lies where its
# envelope reaches 6-15 dB below its maximum (Vos and Rasch, "The
# perceptual onset of musical tones", Perception & Psychophysics 1981);
# the earliest of these, so that an onset is near both the annotators who
# mark the vowel and the musicians who mark the consonant (README)
ONSET_DB = 15.
# Seconds from where the voice starts within which that peak is looked for
ATTACK_PEAK = .3

# Name of the nearest semitone of a MIDI number: 69.2 -> 'A4'
midi_to_note_name = convert.midi_to_note_name

# Its earlier name (the argument is MIDI, not Hz as plot.note_name's)
note_name = midi_to_note_name


class Attack(NamedTuple):
    """How a note is reached: start (s) and length (s) of the movement of
    the pitch into it, its size (cents, positive from below), and its
    kind: 'scoop' (from where a syllable's voice starts: inside the note,
    or before its onset when its vowel is heard later) or
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
    first, last (int): frames [first, last) of the track it was cut from
        (a consonant, a scoop before its vowel and the transition after it
        included: its onset and offset may lie inside)
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
    held: BoolArray
    vibrato: Optional[Vibrato] = None
    drift: Optional[float] = None
    jitter: Optional[float] = None
    target: Optional[float] = None
    attack: Optional[Attack] = None

    @property
    def name(self) -> str:
        return midi_to_note_name(self.midi)

    @property
    def cents(self) -> float:
        """Cents from the nearest semitone, -50..50"""
        return float(100 * (self.midi - round(self.midi)))

    @property
    def duration(self) -> float:
        return self.offset - self.onset

    @property
    def held_seconds(self) -> float:
        """Seconds of its held frames (its attack and release left out)"""
        frames = self.last - self.first
        return float(self.held.sum() * self.duration / frames) if frames else 0.

    @property
    def vibrato_delay(self) -> float | None:
        """Seconds from the onset to the start of its vibrato, or None"""
        # vibrato.analyse gives every Vibrato its start
        return None if self.vibrato is None else \
            self.vibrato.start - self.onset  # type: ignore[operator]


def segment(track: tracks.Track, window_seconds: float = 0.) -> list[Note]:
    """The notes of a tracks.Track, in time order (a list of Note);
    window_seconds: the pitch tracker's window (vibrato.TRACKER_WINDOW for
    CREPE), by which its voicing leads a voice that starts (rule 4)"""
    notes: list[Note] = []
    hop = track.hop
    lead = LEAD_SHARE * window_seconds
    # Frames whose window straddles the voice starting or stopping
    straddle = int(round(window_seconds / 2 / hop))
    for first, last in tracks.phrases(track.voiced, hop):
        if (last - first) * hop < levels.MIN_NOTE:
            continue
        fast = tracks.fast_trend(tracks.smooth(track.midi[first:last]), hop)
        swinging = vibrato.swinging(fast, hop)
        centred = vibrato.centre_line(fast, hop, swinging)
        loudness = None if track.loudness is None else track.loudness[first:last]
        for syllable in articulation.syllables(track.voiced[first:last], loudness, hop,
                                               swinging):
            start, stop = syllable.start, syllable.stop
            found = _syllable_notes(track, fast[start:stop], centred[start:stop],
                                    first + start)
            if found and not syllable.sounding_before:
                _starts_after_silence(found[0], lead, straddle)
            if found and loudness is not None:
                found = _vowel_onset(found, loudness[start:stop], track, first + start)
            if found and syllable.sounding_before:
                _starts_on_arrival(found[0], track)
            if found and not syllable.sounding_after:
                found[-1].offset -= lead
                found[-1].held[max(len(found[-1].held) - straddle, 0):] = False
            notes += found
    for note in notes:
        note.midi = level(note, track)
    return notes


def _starts_after_silence(note: Note, lead: float, straddle: int) -> None:
    """The first note of a syllable after silence or an unvoiced gap: its
    onset lead seconds later (rule 4), its attack from there, and not held
    over the frames whose window straddles the voice starting"""
    note.onset += lead
    if note.attack is not None:
        note.attack = note.attack._replace(
            start=note.onset, length=max(note.attack.length - lead, 0.))
    held = np.flatnonzero(note.held)
    if len(held) and held[0] < straddle:
        note.held[:straddle] = False


def _starts_on_arrival(note: Note, track: tracks.Track) -> None:
    """The first note of a syllable after a voiced consonant, when a scoop
    leads into it: its onset where the scoop arrives within a quarter tone
    of its pitch (rule 4, as a legato note's), if that is later than where
    its vowel is heard"""
    if note.attack is not None and note.attack.kind == 'scoop' and not note.glide:
        _start_later(note, note.attack.start + note.attack.length, track)


def _start_later(note: Note, time: float, track: tracks.Track) -> None:
    """Move a note's onset to `time` (s) if that is later, but never later
    than MIN_NOTE before its offset; its frames before the onset are not
    held"""
    time = min(time, note.offset - levels.MIN_NOTE)
    if time > note.onset:
        note.onset = time
        before = int(np.ceil((time - track.start) / track.hop)) - note.first
        note.held[:max(before, 0)] = False


def _vowel_onset(found: list[Note], loudness: FloatArray, track: tracks.Track,
                 offset: int) -> list[Note]:
    """The notes of a syllable (a list of Note), its first one starting
    where its vowel is heard (rule 4): where the loudness (dB per frame
    of the syllable, (frames,), its first frame `offset` in the track)
    first comes within ONSET_DB of the loudest frame of its first
    ATTACK_PEAK seconds, but never later than MIN_NOTE before its offset.
    A note that ends before then (by less than MIN_NOTE / 2 after it) is
    the attack of the next, a scoop, not a note"""
    hop = track.hop
    head = loudness[:levels.frames(ATTACK_PEAK, hop)]
    above = np.flatnonzero(head >= head.max() - ONSET_DB)
    crossing = int(above[0])
    if crossing == 0:
        return found
    # Where the loudness crosses that level between two frames' centres
    low, high = head[crossing - 1], head[crossing]
    heard = track.start + hop * (offset + crossing - (
        high - (head.max() - ONSET_DB)) / max(high - low, 1e-9))
    while len(found) > 1 and found[0].offset - heard < levels.MIN_NOTE / 2 and \
            not found[0].glide:
        scoop, found = found[0], found[1:]
        found[0] = _with_scoop(found[0], scoop)
    _start_later(found[0], heard, track)
    return found


def _with_scoop(note: Note, scoop: Note) -> Note:
    """`note` with `scoop`, the note before it in its syllable, as its
    attack: from where the scoop starts to where `note` is arrived at"""
    held = np.concatenate([np.zeros(note.first - scoop.first, bool), note.held])
    arrived = note.onset if note.attack is None else \
        note.attack.start + note.attack.length
    attack = Attack(scoop.onset, arrived - scoop.onset,
                    100 * (note.midi - scoop.midi), 'scoop')
    return dataclasses.replace(note, onset=scoop.onset, first=scoop.first,
                               held=held, attack=attack)


def level(note: Note, track: tracks.Track) -> float:
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


def _time(track: tracks.Track, frame: float) -> float:
    """Time (s) of the edge before a frame: half a hop before its centre"""
    return track.start + track.hop * (frame - .5)


def _syllable_notes(track: tracks.Track, fast: FloatArray, centred: FloatArray,
                    offset: int) -> list[Note]:
    """Notes of one syllable (rules 3-6); `offset` is its first frame in
    the track, fast and centred its pitch (MIDI) before and after the
    vibrato was taken out"""
    hop, length = track.hop, len(fast)
    if length < levels.frames(levels.MIN_NOTE, hop):
        return []
    parts = levels.parts(centred, hop)
    if not parts:
        return [_glide(track, fast, 0, length, offset)]
    tail = None
    end = parts[-1].last
    if (length - end) * hop >= MIN_GLIDE and \
            abs(fast[end:].mean() - parts[-1].level) >= levels.SPLIT:
        tail = _glide(track, fast, end, length, offset)
        length = end
    # Where each note's frames hand over to the next: where the next one
    # is arrived at (its offset is earlier, where its pitch leaves it)
    cuts = [0.] + [after.first - .5 for after in parts[1:]] + [None]
    notes = []
    for index, part in enumerate(parts):
        start, stop = cuts[index], cuts[index + 1]
        first = int(np.ceil(start))
        last = length if stop is None else min(int(np.floor(stop)) + 1, length)
        held = np.zeros(last - first, bool)
        held[part.start - first:part.stop - first] = True
        if index == 0:
            attack = None if part.first == 0 else Attack(
                _time(track, offset), part.first * hop,
                100 * (part.level - fast[0]), 'scoop')
        else:
            before = parts[index - 1]
            attack = Attack(_time(track, offset + before.last),
                            (part.first - before.last) * hop,
                            100 * (part.level - before.level), 'transition')
        onset = _time(track, offset) if index == 0 else \
            _time(track, offset + start + .5)
        offset_time = _time(track, offset + length) if stop is None else \
            _time(track, offset + min(part.last, stop + .5))
        notes.append(Note(onset, offset_time, part.level, False, offset + first,
                          offset + last, held, attack=attack))
    return notes + ([tail] if tail else [])


def _glide(track: tracks.Track, fast: FloatArray, first: int, last: int,
           offset: int) -> Note:
    """A glide note over local frames [first, last) of a syllable"""
    return Note(_time(track, offset + first), _time(track, offset + last),
                float(np.median(fast[first:last])), True, offset + first,
                offset + last, np.zeros(last - first, bool))
