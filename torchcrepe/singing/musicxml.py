"""Target notes from MusicXML: the melody of one part of a score, in seconds.

Reads .musicxml and .xml files (uncompressed MusicXML, partwise or
timewise) and .mxl files (compressed: a zip whose META-INF/container.xml
names the score file) with the standard library only. The score's
durations are kept as exact fractions of a quarter note until the tempo
map turns them into seconds.

What is read, and how:
- time: each note's <duration> in the part's current <divisions> (so
  dots, tuplets and divisions changes need nothing more); <backup> and
  <forward> move the time as written; a measure ends where its furthest
  voice ends.
- tempo: <sound tempo="..."/> (quarter notes per minute), else a
  <metronome> mark with one beat unit and a number per minute (dotted
  units count); a mark in any part applies to the whole score. Before the
  first mark, and without any, 120 quarter notes per minute (0.5 s each).
- pitch: the sounding pitch, written pitch plus the part's <transpose>
  (<chromatic> semitones and <octave-change>), as the singer hears it
  from a piano; fractional <alter> gives fractional MIDI.
- ties: tied notes (<tie> or <tied>) become one note; a tie's start is
  enough, as some exporters leave out its stop.
- skipped: rests, unpitched and cue notes (they still take their time),
  grace notes (no written duration of their own); repeats and jumps are
  not expanded: the notes are read once, in written order.
"""
from __future__ import annotations

import bisect
import re
import xml.etree.ElementTree as ElementTree
import zipfile
import zlib
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Iterable, NamedTuple

from ..convert import STEPS, letter_to_midi
from ..utils import ParameterError

# File extensions read here
EXTENSIONS = ('.musicxml', '.xml', '.mxl')

# Quarter notes per minute before the score's first tempo mark
DEFAULT_TEMPO = Fraction(120)

# Largest score (bytes) taken out of an .mxl: a guard against a zip bomb
MAX_BYTES = 256 * 2 ** 20


# Length of each <beat-unit> in quarter notes
BEAT_UNITS = {'maxima': Fraction(32), 'long': Fraction(16), 'breve': Fraction(8),
              'whole': Fraction(4), 'half': Fraction(2), 'quarter': Fraction(1),
              **{name: Fraction(1, 2 ** power) for power, name in enumerate(
                  ('eighth', '16th', '32nd', '64th', '128th', '256th', '512th',
                   '1024th'), 1)}}

NUMBER = re.compile(r'\d+(?:\.\d+)?')


class Part(NamedTuple):
    """One part of the score: its id, its <part-name> ('' if none) and
    its measures as (measure number, element holding the music)"""
    id: str
    name: str
    measures: list[tuple[str, ElementTree.Element]]


@dataclass
class Note:
    """A sounding note; onset and offset in quarter notes from the start"""
    onset: Fraction
    offset: Fraction
    midi: float
    measure: str


def read_musicxml(path: str, part: str | None = None) -> list[tuple[float, float, float]]:
    """The notes of one part of a MusicXML score (see the module's notes)

    Arguments
        path (str): a .musicxml, .xml or .mxl file that exists
        part (str or None): the <part-name> or id of the part to read;
            None: the first part in <part-list> order
    Returns
        list of (onset s, offset s, MIDI) in time order, sounding pitch
    Raises
        ParameterError naming the path: a file that cannot be read, a bad
        .mxl archive, malformed XML or MusicXML, a score without parts, a
        `part` no part has (the message lists the parts), a chosen part
        that is polyphonic (chords or voices that overlap) or holds no
        pitched note.
    """
    parts = score_parts(path, load(path))
    readers = [PartReader(path, label(found)) for found in parts]
    for reader, found in zip(readers, parts):
        reader.read(found.measures)
    if part is None:
        index = 0
    else:
        named = [number for number, found in enumerate(parts) if part in (found.id, found.name)]
        if not named:
            raise ParameterError(f'{path}: no part has the name or id part={part!r}; '
                                 f'the parts are {listing(parts)}')
        index = named[0]
    chosen = readers[index]
    notes = sorted(chosen.notes, key=lambda note: (note.onset, note.offset))
    if not notes:
        raise ParameterError(f'{path}: part {label(parts[index])} holds no pitched note')
    reason = polyphony(notes, chosen.chord)
    if reason:
        raise ParameterError(
            f'{path}: part {label(parts[index])} is polyphonic ({reason}): a target '
            f'must be one melody; name a monophonic part with part= (its name or '
            f'id); the parts are {listing(parts)}')
    seconds = tempo_map(tempo for reader in readers for tempo in reader.tempos)
    return [(float(seconds(note.onset)), float(seconds(note.offset)), note.midi)
            for note in notes]


def load(path: str) -> ElementTree.Element:
    """The root element of a MusicXML file (an .mxl's score file)"""
    if path.lower().endswith('.mxl'):
        data = unzip(path)
    else:
        try:
            with open(path, 'rb') as file:
                data = file.read()
        except OSError as error:
            raise ParameterError(f'{path}: cannot read the reference ({error})') from None
    if not data.strip():
        raise ParameterError(f'{path}: the reference is empty')
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise ParameterError(f'{path}: not well-formed XML ({error})') from None
    if root.tag not in ('score-partwise', 'score-timewise'):
        raise ParameterError(f'{path}: not a MusicXML score (its root element is '
                             f'<{root.tag}>, not <score-partwise> or <score-timewise>)')
    return root


def unzip(path: str) -> bytes:
    """The score file of an .mxl archive, as named by META-INF/container.xml"""
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                container = ElementTree.fromstring(archive.read('META-INF/container.xml'))
            except KeyError:
                raise ParameterError(f'{path}: not a MusicXML archive (no '
                                     'META-INF/container.xml)') from None
            except ElementTree.ParseError as error:
                raise ParameterError(f'{path}: META-INF/container.xml is not '
                                     f'well-formed XML ({error})') from None
            # The first rootfile is the score; others may be PDFs or images
            names = [element.get('full-path') for element in container.iter()
                     if element.tag.rsplit('}', 1)[-1] == 'rootfile']
            if not names or not names[0]:
                raise ParameterError(f'{path}: META-INF/container.xml names no rootfile')
            try:
                info = archive.getinfo(names[0])
            except KeyError:
                raise ParameterError(f'{path}: the archive lacks its score file '
                                     f'{names[0]!r}') from None
            if info.file_size > MAX_BYTES:
                raise ParameterError(f'{path}: the score file {names[0]!r} is larger '
                                     f'than {MAX_BYTES // 2 ** 20} MiB')
            return archive.read(info)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError,
            zlib.error) as error:
        raise ParameterError(f'{path}: not a readable .mxl archive ({error})') from None


def score_parts(path: str, root: ElementTree.Element) -> list[Part]:
    """The parts of a partwise or timewise score, in <part-list> order
    (parts missing from the list follow, in the order they come)"""
    measures: dict[str, list[tuple[str, ElementTree.Element]]] = {}
    if root.tag == 'score-partwise':
        for element in root.findall('part'):
            measures.setdefault(element.get('id', ''), []).extend(
                (measure.get('number', str(number)), measure)
                for number, measure in enumerate(element.findall('measure'), 1))
    else:
        for number, measure in enumerate(root.findall('measure'), 1):
            for element in measure.findall('part'):
                measures.setdefault(element.get('id', ''), []).append(
                    (measure.get('number', str(number)), element))
    names = {element.get('id', ''): (element.findtext('part-name') or '').strip()
             for element in root.findall('part-list/score-part')}
    order = [name for name in names if name in measures]
    order += [name for name in measures if name not in names]
    if not order:
        raise ParameterError(f'{path}: the MusicXML score holds no part')
    return [Part(name, names.get(name, ''), measures[name]) for name in order]


def label(part: Part) -> str:
    """A part for messages: its name and id"""
    return f'{part.name!r} (id {part.id!r})' if part.name else f'id {part.id!r}'


def listing(parts: list[Part]) -> str:
    """All parts for messages"""
    return ', '.join(label(part) for part in parts)


def polyphony(notes: list[Note], chord: str | None) -> str | None:
    """Why a part's notes (sorted by onset) are not one melody, or None"""
    if chord is not None:
        return f'a chord in measure {chord}'
    end = None
    for note in notes:
        if end is not None and note.onset < end:
            return f'notes overlap in measure {note.measure}'
        end = note.offset if end is None else max(end, note.offset)
    return None


def tempo_map(tempos: Iterable[tuple[Fraction, Fraction]]) -> Callable[[Fraction], Fraction]:
    """Seconds from the start at a time in quarter notes, given the
    (time in quarter notes, quarter notes per minute) tempo marks of all
    parts; when two disagree at one time, the later given wins"""
    marks = {Fraction(0): DEFAULT_TEMPO}
    marks.update(tempos)
    times = sorted(marks)
    starts = [Fraction(0)]
    for before, after in zip(times, times[1:]):
        starts.append(starts[-1] + (after - before) * 60 / marks[before])

    def seconds(time: Fraction) -> Fraction:
        index = bisect.bisect_right(times, time) - 1
        return starts[index] + (time - times[index]) * 60 / marks[times[index]]

    return seconds


def metronome(element: ElementTree.Element) -> Fraction | None:
    """Quarter notes per minute of a <metronome> mark; None for a mark
    that gives no number to follow (text only, or a metric modulation)"""
    units = element.findall('beat-unit')
    match = NUMBER.search(element.findtext('per-minute') or '')
    if len(units) != 1 or match is None or (units[0].text or '').strip() not in BEAT_UNITS:
        return None
    dots = len(element.findall('beat-unit-dot'))
    unit = BEAT_UNITS[(units[0].text or '').strip()] * (2 - Fraction(1, 2 ** dots))
    tempo = Fraction(match.group()) * unit
    return tempo if tempo > 0 else None


class PartReader:
    """Reads one part measure by measure: its notes, the tempo marks it
    holds, and the first measure with a chord"""

    def __init__(self, path: str, name: str) -> None:
        self.where = f'{path}: part {name}'
        self.notes: list[Note] = []
        self.tempos: list[tuple[Fraction, Fraction]] = []
        self.chord: str | None = None
        self.divisions: Fraction | None = None
        self.shift = 0.  # semitones from written to sounding pitch
        self.start = self.time = self.last_onset = Fraction(0)
        self.measure = ''
        # A tie joins two notes of one pitch: the open ones by pitch
        self.ties: dict[float, Note] = {}

    def error(self, problem: str) -> ParameterError:
        return ParameterError(f'{self.where}, measure {self.measure}: {problem}')

    def read(self, measures: list[tuple[str, ElementTree.Element]]) -> None:
        """Read the measures in order (times in quarter notes)"""
        steps = {'note': self.note, 'backup': self.backup, 'forward': self.forward,
                 'attributes': self.attributes, 'direction': self.direction,
                 'sound': self.sound}
        for number, element in measures:
            self.measure = number
            self.time = self.last_onset = end = self.start
            for child in element:
                step = steps.get(child.tag)
                if step is not None:
                    step(child)
                    end = max(end, self.time)
            self.start = end

    def number(self, element: ElementTree.Element, name: str) -> Fraction:
        """The non-negative number in `element`'s child `name`"""
        text = element.findtext(name)
        try:
            value = Fraction((text or '').strip())
        except (ValueError, ZeroDivisionError, OverflowError):
            value = Fraction(-1)
        if value < 0:
            raise self.error(f'<{element.tag}> needs a number >= 0 in <{name}>; '
                             f'got {text!r}')
        return value

    def duration(self, element: ElementTree.Element) -> Fraction:
        """`element`'s <duration> in quarter notes"""
        if self.divisions is None:
            raise self.error(f'a <{element.tag}> duration before any <divisions>')
        return self.number(element, 'duration') / self.divisions

    def backup(self, element: ElementTree.Element) -> None:
        self.time -= self.duration(element)
        if self.time < self.start:
            raise self.error('<backup> goes back before the start of the measure')

    def forward(self, element: ElementTree.Element) -> None:
        self.time += self.duration(element)

    def attributes(self, element: ElementTree.Element) -> None:
        if element.find('divisions') is not None:
            self.divisions = self.number(element, 'divisions')
            if not self.divisions:
                raise self.error('<divisions> must be > 0')
        transpose = element.find('transpose')
        if transpose is not None:
            try:
                chromatic = float(transpose.findtext('chromatic') or '')
                octaves = int(transpose.findtext('octave-change') or 0)
            except ValueError:
                raise self.error('<transpose> needs a number of semitones in '
                                 '<chromatic> and a whole <octave-change>') from None
            self.shift = chromatic + 12 * octaves

    def direction(self, element: ElementTree.Element) -> None:
        sound = element.find('sound')
        if sound is not None and sound.get('tempo') is not None:
            self.sound(sound)
            return
        # Without <sound tempo>, the printed mark is what a player follows
        for mark in element.iter('metronome'):
            tempo = metronome(mark)
            if tempo is not None:
                self.tempos.append((self.time, tempo))
                return

    def sound(self, element: ElementTree.Element) -> None:
        text = element.get('tempo')
        if text is None:
            return
        try:
            tempo = Fraction(text.strip())
        except (ValueError, ZeroDivisionError, OverflowError):
            tempo = Fraction(0)
        if tempo <= 0:
            raise self.error(f'<sound tempo> must be a number > 0 of quarter notes '
                             f'per minute; got {text!r}')
        self.tempos.append((self.time, tempo))

    def pitch(self, element: ElementTree.Element) -> float:
        """Sounding MIDI number of a <pitch>"""
        step = (element.findtext('step') or '').strip()
        try:
            octave = int(element.findtext('octave') or '')
            alter = float(element.findtext('alter') or 0)
            if step not in STEPS:
                raise ValueError(step)
        except ValueError:
            raise self.error('<pitch> needs a <step> A..G, a whole <octave> and '
                             'a number in <alter> if any') from None
        return letter_to_midi(step, octave, alter) + self.shift

    def note(self, element: ElementTree.Element) -> None:
        if element.find('grace') is not None:
            return
        duration = self.duration(element)
        if element.find('chord') is not None:
            onset = self.last_onset
        else:
            onset = self.last_onset = self.time
            self.time += duration
        pitch = element.find('pitch')
        if pitch is None or element.find('cue') is not None or not duration:
            return
        if element.find('chord') is not None and self.chord is None:
            self.chord = self.measure
        midi = self.pitch(pitch)
        kinds = {tie.get('type') for tie in element.findall('tie')}
        kinds |= {tie.get('type') for tie in element.findall('notations/tied')}
        held = self.ties.pop(midi, None)
        # Some exporters write a tie's start but not its stop: the note
        # of that pitch where the tied one ends continues it all the same
        if held is not None and held.offset == onset:
            held.offset = onset + duration
        else:
            held = Note(onset, onset + duration, midi, self.measure)
            self.notes.append(held)
        if kinds & {'start', 'continue'}:
            self.ties[midi] = held
