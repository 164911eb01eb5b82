"""Target notes to be sung: the Target type, scale-drill exercises, and
note lists read from CSV, JSON, exercise JSON, MIDI and MusicXML files
(MusicXML is read in musicxml; the scoring of a take against the targets
is in scoring)."""
from __future__ import annotations

import csv
import json
import math
import os
import re
from typing import Any, Iterable, NamedTuple, Sequence

from ..convert import letter_to_midi
from ..types import FilePath
from ..utils import ParameterError, ParameterTypeError, require
from . import musicxml
from . import track as tracks

# Notes given as (onset s, offset s, MIDI) rows: Targets, tuples or lists
Rows = Iterable[Sequence[float]]

# Largest |transpose| (semitones) accepted: four octaves
MAX_TRANSPOSE = 48


class Target(NamedTuple):
    """One note to be sung: onset and offset in seconds, fractional MIDI"""
    onset: float
    offset: float
    midi: float


###############################################################################
# Targets: checks, exercises, files
###############################################################################


def check_targets(target: Iterable[Any], argument: str = 'target', *, empty: bool = False,
                  paths: bool = True) -> list[Target]:
    """A list of Target sorted by onset, from Targets or (onset, offset,
    midi) rows; each needs 0 <= onset < offset <= track.MAX_SECONDS and
    midi within 0..127, and there must be at least one unless `empty`.
    Else ParameterError naming `argument` and the row. `paths`: whether
    the message for a wrong type offers a file path (score's targets) or
    not (analyse's reference melody)."""
    if isinstance(target, (str, bytes)) or not hasattr(target, '__iter__'):
        raise ParameterTypeError(f'{argument} must be a list of (onset s, offset s, '
                                 f'midi) notes{" or a file path" if paths else ""}; '
                                 f'got {type(target).__name__}')
    rows = []
    for index, row in enumerate(target):
        try:
            row = tuple(row)
        except TypeError:
            row = (row,)
        if len(row) != 3 or not all(tracks.is_number(value) and math.isfinite(value)
                                    for value in row):
            raise ParameterError(f'{argument}[{index}] must be (onset s, offset s, '
                                 f'midi), three finite numbers; got {row!r}')
        onset, offset, midi = map(float, row)
        if not 0 <= onset < offset <= tracks.MAX_SECONDS or not 0 <= midi <= 127:
            raise ParameterError(
                f'{argument}[{index}] needs 0 <= onset < offset <= '
                f'{tracks.MAX_SECONDS:g} (seconds) and midi within 0..127; '
                f'got {row!r}')
        rows.append(Target(onset, offset, midi))
    if not rows and not empty:
        raise ParameterError(f'{argument} must hold at least one note; got none')
    return sorted(rows)


NAME = re.compile(r'^\s*([A-Ga-g])([#b\u266f\u266d]*)(-?\d+)\s*$')


def note_midi(name: str | float, argument: str = 'start') -> float:
    """MIDI number of a note name ('C3', 'F#4', 'Bb2'; C4 = 60) or of a
    MIDI number 0..127; else ParameterError naming `argument`"""
    if tracks.is_number(name):
        if not math.isfinite(name) or not 0 <= name <= 127:
            raise ParameterError(f'{argument} must be a MIDI number within 0..127 '
                                 f"or a note name such as 'C3'; got {name!r}")
        return float(name)
    match = NAME.match(name) if isinstance(name, str) else None
    if match is None:
        raise tracks.refusal(name, str)(f'{argument} must be a note name such as \'C3\', '
                             f"'F#4' or 'Bb2', or a MIDI number; got {name!r}")
    letter, accidentals, octave = match.groups()
    midi = letter_to_midi(letter.upper(), int(octave),
                          sum(1 if sign in '#\u266f' else -1 for sign in accidentals))
    if not 0 <= midi <= 127:
        raise ParameterError(f'{argument} {name!r} lies outside MIDI 0..127')
    return float(midi)


def _key_steps(keys: Any) -> list[int]:
    """Semitone shift of each repetition from `keys` (see exercise)"""
    steps: list[Any] | None
    if tracks.is_number(keys) and float(keys).is_integer() and abs(keys) <= MAX_TRANSPOSE:
        top = int(keys)
        way = range(0, top + 1) if top >= 0 else range(0, top - 1, -1)
        steps = list(way)
        return steps + steps[-2::-1]
    try:
        steps = list(keys)
    except TypeError:
        steps = None
    if not steps or not all(tracks.is_number(step) and float(step).is_integer()
                            and abs(step) <= MAX_TRANSPOSE for step in steps or [None]):
        listed = steps is not None and not isinstance(keys, (str, bytes))
        raise (ParameterError if listed else tracks.refusal(keys))(
            'keys must be an integer n (the pattern n semitone steps up, one '
            'key at a time, then back down; negative: down first) or a list of '
            f'integer semitone shifts within +-{MAX_TRANSPOSE}; got {keys!r}')
    return [int(step) for step in steps]


def exercise(pattern: Sequence[float], start: str | float, bpm: float,
             keys: int | Sequence[int] = 0, lead_in: float = 0., *,
             gap: float = 1.) -> list[Target]:
    """The target notes of a scale drill

    Arguments
        pattern (list of numbers): semitones from the key's first note,
            one per note, each one beat long (e.g. [0, 2, 4, 5, 7, 5, 4, 2, 0])
        start (str or number): the first key's first note, a name ('C3',
            'F#4', 'Bb2'; C4 = MIDI 60) or a MIDI number
        bpm (number): beats per minute, 20..400
        keys (int or list of int): n: the pattern at 0, 1, ..., n semitones
            from start and back down to 0 (2 gives keys 0 1 2 1 0; -2 goes
            down first); a list: each key's shift in semitones. 0: once
        lead_in (number): beats before the first note (a count-in), >= 0
        gap (number, keyword): beats of rest between two keys, >= 0
    Returns
        list of Target (onset s, offset s, MIDI), in time order
    Raises
        ParameterError naming the argument, or a note beyond MIDI 0..127
    """
    steps: list[Any] | None
    try:
        steps = None if isinstance(pattern, (str, bytes)) else list(pattern)
    except TypeError:
        steps = None
    if not steps or not all(tracks.is_number(step) and math.isfinite(step)
                            and abs(step) <= MAX_TRANSPOSE for step in steps):
        kind = ParameterTypeError if steps is None else ParameterError
        raise kind('pattern must be a non-empty list of semitone steps '
                   f'(numbers within +-{MAX_TRANSPOSE}); got {pattern!r}')
    pattern = steps
    first = note_midi(start, 'start')
    if not tracks.is_number(bpm) or not 20 <= bpm <= 400:
        raise tracks.refusal(bpm)(f'bpm must be a number of beats per minute within '
                             f'20..400; got {bpm!r}')
    steps = _key_steps(keys)
    for value, argument in ((lead_in, 'lead_in'), (gap, 'gap')):
        if not tracks.is_number(value) or not math.isfinite(value) or not 0 <= value <= 1000:
            raise tracks.refusal(value)(f'{argument} must be a number of beats '
                                        f'within 0..1000; got {value!r}')
    beat = 60. / bpm
    targets, time = [], lead_in * beat
    for number, step in enumerate(steps):
        if number:
            time += gap * beat
        for interval in pattern:
            midi = first + step + interval
            if not 0 <= midi <= 127:
                raise ParameterError(
                    f'the exercise reaches MIDI {midi:g} (start {start!r}, key '
                    f'{step:+d}, step {interval:+g}), outside 0..127')
            targets.append(Target(time, time + beat, float(midi)))
            time += beat
    return targets


FORMATS = ('.csv', '.json', '.mid', '.midi') + musicxml.EXTENSIONS


def read_targets(path: FilePath, part: str | None = None) -> list[Target]:
    """Target notes from a file

    Arguments
        path (str or os.PathLike): one of
            .csv   a header row onset,offset,midi then one note a row
                   (seconds, seconds, fractional MIDI)
            .json  a list of {"onset", "offset", "midi"} objects, or
                   {"notes": [...]} of them, or an exercise:
                   {"exercise": {"pattern": [...], "start": "C3", "bpm": 90,
                   "keys": 2, "lead_in": 0, "gap": 1}} (see exercise)
            .mid, .midi  a standard MIDI file (needs mido: pip install
                   torchcrepe[score]): the only monophonic track with
                   notes, or the track named `part`
            .musicxml, .xml, .mxl  a MusicXML score (.mxl: compressed),
                   read with the standard library: the first part, or
                   the part whose name or id is `part`. Sounding pitch
                   (after <transpose>); tied notes joined; rests, grace
                   notes and repeats as written (grace notes skipped,
                   repeats not expanded); times follow the score's tempo
                   marks, 120 quarter notes per minute before the first
                   (see torchcrepe.singing.musicxml)
        part (str or None): the MIDI track's name, or the MusicXML
            part's name or id, to read
    Returns
        list of Target in time order
    Raises
        FileNotFoundError for a missing file; ParameterError (a ValueError)
        naming the path and what is wrong for a folder, another extension,
        an unreadable, empty or malformed file (a bad .mxl archive too), a
        polyphonic MIDI track or several candidate tracks without `part`,
        a polyphonic or empty MusicXML part, or a `part` no track or part
        has (the message lists them); ImportError naming the extra for
        MIDI without mido.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ParameterTypeError(f'path must be a file path (str or os.PathLike); got '
                                 f'{type(path).__name__}')
    path = os.fspath(path)
    if part is not None and not isinstance(part, str):
        raise ParameterTypeError(f'part must be a track or part name (str) or None; '
                                 f'got {part!r}')
    extension = os.path.splitext(path)[1].lower()
    if extension not in FORMATS:
        raise ParameterError(f'{path}: the reference must be one of '
                             f'{", ".join(FORMATS)}; got {extension or "no extension"!r}')
    if not os.path.exists(path):
        raise FileNotFoundError(f'{path}: no such reference file')
    if os.path.isdir(path):
        raise ParameterError(f'{path} is a folder, not a reference file')
    if extension in ('.mid', '.midi'):
        rows = _read_midi(path, part)
    elif extension in musicxml.EXTENSIONS:
        rows = musicxml.read_musicxml(path, part)
    else:
        try:
            with open(path, encoding='utf-8-sig') as file:
                text = file.read()
        except (OSError, UnicodeDecodeError) as error:
            raise ParameterError(f'{path}: cannot read the reference ({error})') from None
        if not text.strip():
            raise ParameterError(f'{path}: the reference is empty')
        rows = _read_csv(path, text) if extension == '.csv' else _read_json(path, text)
        if not len(rows):
            raise ParameterError(f'{path}: the reference holds no note')
    try:
        return check_targets(rows, 'note')
    except ParameterError as error:
        raise ParameterError(f'{path}: {error}') from None


def _read_csv(path: str, text: str) -> Sequence[Sequence[float]]:
    """Rows of a CSV reference with the header onset,offset,midi"""
    lines = [row for row in csv.reader(text.splitlines()) if any(cell.strip() for cell in row)]
    header = [cell.strip().lower() for cell in lines[0]]
    if header != ['onset', 'offset', 'midi']:
        raise ParameterError(f'{path}: the first row must be the header '
                             f'onset,offset,midi; got {",".join(lines[0])!r}')
    rows = []
    for number, row in enumerate(lines[1:], 2):
        try:
            if len(row) != 3:
                raise ValueError
            rows.append(tuple(float(cell) for cell in row))
        except ValueError:
            raise ParameterError(f'{path}: row {number} must be three numbers '
                                 f'onset,offset,midi; got {",".join(row)!r}') from None
    return rows


def _read_json(path: str, text: str) -> Sequence[Sequence[float]]:
    """Rows of a JSON reference (a note list, {"notes"} or {"exercise"})"""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ParameterError(f'{path}: not valid JSON ({error})') from None
    if isinstance(data, dict) and 'exercise' in data:
        drill = data['exercise']
        if not isinstance(drill, dict) or not {'pattern', 'start', 'bpm'} <= set(drill):
            raise ParameterError(f'{path}: "exercise" must be an object with '
                                 '"pattern", "start" and "bpm" (and optionally '
                                 '"keys", "lead_in", "gap")')
        unknown = set(drill) - {'pattern', 'start', 'bpm', 'keys', 'lead_in', 'gap'}
        if unknown:
            raise ParameterError(f'{path}: unknown exercise fields {sorted(unknown)}')
        try:
            return exercise(drill['pattern'], drill['start'], drill['bpm'],
                            drill.get('keys', 0), drill.get('lead_in', 0.),
                            gap=drill.get('gap', 1.))
        except ParameterError as error:
            raise ParameterError(f'{path}: {error}') from None
    if isinstance(data, dict) and 'notes' in data:
        data = data['notes']
    if not isinstance(data, list):
        raise ParameterError(f'{path}: the JSON must be a list of notes, '
                             '{"notes": [...]} or {"exercise": {...}}')
    rows = []
    for index, note in enumerate(data):
        if not isinstance(note, dict) or not {'onset', 'offset', 'midi'} <= set(note):
            raise ParameterError(f'{path}: note {index} must be an object with '
                                 f'"onset", "offset" and "midi"; got {note!r}')
        rows.append((note['onset'], note['offset'], note['midi']))
    return rows


def _read_midi(path: str, part: str | None) -> Sequence[Sequence[float]]:
    """Rows of the melody track of a MIDI file (mido, imported here only)"""
    mido = require('mido', 'reading MIDI references', 'score')
    try:
        midi = mido.MidiFile(path)
    except Exception as error:  # mido raises OSError, EOFError, ValueError ...
        raise ParameterError(f'{path}: not a readable MIDI file ({error})') from None
    # Tempo changes may sit on any track (type 1 files: the first); turn
    # ticks into seconds with the merged tempo map
    tempo_map = [(0, 500000)]
    for track in midi.tracks:
        tick = 0
        for message in track:
            tick += message.time
            if message.type == 'set_tempo':
                tempo_map.append((tick, message.tempo))
    tempo_map.sort(key=lambda change: change[0])
    per_beat = midi.ticks_per_beat

    def seconds(tick: int) -> float:
        elapsed, last_tick, tempo = 0., 0, 500000
        for change_tick, change_tempo in tempo_map:
            if change_tick >= tick:
                break
            elapsed += (change_tick - last_tick) * tempo / per_beat / 1e6
            last_tick, tempo = change_tick, change_tempo
        return elapsed + (tick - last_tick) * tempo / per_beat / 1e6

    tracks_found = []
    sounding: dict[tuple[int, int], int]
    for number, track in enumerate(midi.tracks):
        name = track.name or f'track {number}'
        tick, sounding, notes, overlap = 0, {}, [], False
        for message in track:
            tick += message.time
            if message.type == 'note_on' and message.velocity > 0:
                key = (message.channel, message.note)
                overlap |= bool(sounding)
                sounding[key] = tick
            elif message.type in ('note_off', 'note_on'):
                key = (message.channel, message.note)
                if key in sounding:
                    notes.append((sounding.pop(key), tick, message.note))
        if notes:
            tracks_found.append((name, sorted(notes), overlap))
    if not tracks_found:
        raise ParameterError(f'{path}: the MIDI file holds no notes')
    names = [name for name, _, _ in tracks_found]
    if part is not None:
        chosen = [found for found in tracks_found if found[0] == part]
        if not chosen:
            raise ParameterError(f'{path}: no track named part={part!r}; the '
                                 f'tracks with notes are {names}')
        if chosen[0][2]:
            raise ParameterError(f'{path}: track {part!r} is polyphonic (notes '
                                 'overlap): a target must be one melody')
    else:
        chosen = [found for found in tracks_found if not found[2]]
        if len(chosen) != 1:
            raise ParameterError(
                f'{path}: {"several" if chosen else "no"} monophonic tracks among '
                f'{names}: name the melody with part=')
    return [(seconds(on), seconds(off), float(key)) for on, off, key in chosen[0][1]
            if off > on]
