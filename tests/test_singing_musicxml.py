"""singing.read_targets of MusicXML scores (.musicxml, .xml, .mxl): small
scores written here, each with the exact notes it must give"""
import zipfile
from fractions import Fraction

import pytest

from torchcrepe import singing
from torchcrepe.singing.targets import Target
from torchcrepe.utils import ParameterError


def note(step, octave, duration, extra='', alter=None, voice=1, chord=False):
    """A <note> element; `extra` (ties) goes after its duration"""
    shift = f'<alter>{alter}</alter>' if alter is not None else ''
    return (f'<note>{"<chord/>" if chord else ""}<pitch><step>{step}</step>{shift}'
            f'<octave>{octave}</octave></pitch><duration>{duration}</duration>'
            f'{extra}<voice>{voice}</voice></note>')


def rest(duration, voice=1):
    return f'<note><rest/><duration>{duration}</duration><voice>{voice}</voice></note>'


def grace(step, octave):
    return (f'<note><grace/><pitch><step>{step}</step><octave>{octave}</octave>'
            '</pitch><voice>1</voice></note>')


def tempo(bpm):
    return f'<direction><direction-type><words>a tempo</words></direction-type>' \
           f'<sound tempo="{bpm}"/></direction>'


def divisions(number):
    return f'<attributes><divisions>{number}</divisions></attributes>'


def tied(kinds):
    """A note's tie elements (sound) and tied notations (print)"""
    return (''.join(f'<tie type="{kind}"/>' for kind in kinds)
            + '<notations>' + ''.join(f'<tied type="{kind}"/>' for kind in kinds)
            + '</notations>')


def score(parts, listed=None):
    """A partwise score: parts [(id, name, [measure contents])]; `listed`:
    the <part-list> order of the ids, if not the order given"""
    names = {part_id: name for part_id, name, _ in parts}
    part_list = ''.join(f'<score-part id="{part_id}"><part-name>{names[part_id]}'
                        '</part-name></score-part>'
                        for part_id in listed or list(names))
    body = ''.join(f'<part id="{part_id}">' + ''.join(
        f'<measure number="{number}">{content}</measure>'
        for number, content in enumerate(measures, 1)) + '</part>'
        for part_id, _, measures in parts)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN"'
            ' "http://www.musicxml.org/dtds/partwise.dtd">\n'
            f'<score-partwise version="4.0"><part-list>{part_list}</part-list>'
            f'{body}</score-partwise>')


def write(tmp_path, text, name='score.musicxml'):
    path = tmp_path / name
    path.write_text(text, encoding='utf-8')
    return path


def seconds(quarters, bpm=120):
    """Exact float seconds of a time in quarter notes at a constant tempo"""
    return float(Fraction(quarters) * 60 / Fraction(bpm))


def test_melody_at_a_tempo(tmp_path):
    measures = [divisions(2) + tempo(150) + note('C', 4, 2) + note('D', 4, 1)
                + note('E', 4, 1) + note('F', 4, 4, alter=1),
                note('B', 4, 8, alter=-1)]
    path = write(tmp_path, score([('P1', 'Voice', measures)]))
    targets = singing.read_targets(path)
    assert all(isinstance(target, Target) for target in targets)
    assert targets == [(0., .4, 60.), (.4, .6, 62.), (.6, .8, 64.), (.8, 1.6, 66.),
                       (1.6, 3.2, 70.)]
    # A quarter-tone alter gives a fractional MIDI number
    measures[1] = note('E', 4, 8, alter=-0.5)
    assert singing.read_targets(write(tmp_path, score([('P1', 'Voice', measures)])))[-1] \
        == (1.6, 3.2, 63.5)


def test_default_tempo_and_grace_notes(tmp_path):
    """No tempo mark: a quarter is 0.5 s; grace notes are skipped and take
    no time"""
    measures = [divisions(1) + note('G', 4, 1) + grace('A', 4) + note('G', 4, 1)
                + note('E', 4, 2)]
    targets = singing.read_targets(write(tmp_path, score([('P1', 'Voice', measures)])))
    assert targets == [(0., .5, 67.), (.5, 1., 67.), (1., 2., 64.)]


def test_tempo_change_midway_in_another_part(tmp_path):
    """Tempo marks apply to the whole score whichever part holds them: 60
    at the start, 120 in the middle of measure 2, then a metronome mark
    (no <sound>) of a dotted quarter = 40, i.e. 60 quarters a minute"""
    voice = [divisions(1) + note('C', 4, 4),
             note('D', 4, 2) + note('E', 4, 2),
             note('F', 4, 3) + note('G', 4, 1)]
    metronome = ('<direction><direction-type><metronome><beat-unit>quarter'
                 '</beat-unit><beat-unit-dot/><per-minute>40</per-minute></metronome>'
                 '</direction-type></direction>')
    piano = [divisions(1) + '<sound tempo="60"/>' + rest(4),
             rest(2) + tempo(120) + rest(2),
             metronome + rest(4)]
    path = write(tmp_path, score([('P1', 'Voice', voice), ('P2', 'Piano', piano)]))
    assert singing.read_targets(path) == [
        (0., 4., 60.), (4., 6., 62.), (6., 7., 64.), (7., 10., 65.), (10., 11., 67.)]


def test_ties_join_notes(tmp_path):
    """A chain of ties across barlines (start, continue, stop) is one note;
    the same pitch again without a tie is another"""
    measures = [divisions(2) + note('A', 3, 4) + note('C', 4, 4, tied(['start'])),
                note('C', 4, 8, tied(['stop', 'start'])),
                note('C', 4, 2, tied(['stop'])) + note('C', 4, 2)
                + note('C', 4, 4, '<tie type="start"/>'),
                note('C', 4, 4, '<tie type="stop"/>') + rest(4)]
    targets = singing.read_targets(write(tmp_path, score([('P1', 'Voice', measures)])))
    assert targets == [(0., 1., 57.), (1., 4.5, 60.), (4.5, 5., 60.), (5., 7., 60.)]


def test_tie_without_its_stop(tmp_path):
    """Some exporters write a tie's start only: the next note of that
    pitch, where the tied one ends, continues it; another pitch does not"""
    measures = [divisions(1) + note('E', 5, 4, tied(['start'])),
                note('E', 5, 2) + note('E', 5, 1, tied(['start'])) + note('D', 5, 1)]
    targets = singing.read_targets(write(tmp_path, score([('P1', 'Voice', measures)])))
    assert targets == [(0., 3., 76.), (3., 3.5, 76.), (3.5, 4., 74.)]


def test_rests(tmp_path):
    measures = [divisions(1) + rest(1) + note('E', 4, 1) + rest(2),
                '<note><rest measure="yes"/><duration>4</duration></note>',
                note('F', 4, 1) + rest(1) + note('G', 4, 2)]
    targets = singing.read_targets(write(tmp_path, score([('P1', 'Voice', measures)])))
    assert targets == [(.5, 1., 64.), (4., 4.5, 65.), (5., 6., 67.)]


def test_divisions_change_dots_and_tuplets(tmp_path):
    """Durations count in the divisions in force: 1 a quarter, then 12 (a
    dotted eighth is 9, a triplet eighth 4), and a change mid-measure"""
    measures = [divisions(1) + note('C', 4, 2) + note('D', 4, 2),
                divisions(12) + note('E', 4, 9) + note('F', 4, 3) + note('G', 4, 4)
                + note('A', 4, 4) + note('B', 4, 4) + divisions(3) + note('C', 5, 6)]
    targets = singing.read_targets(write(tmp_path, score([('P1', 'Voice', measures)])))
    assert targets == [
        (0., 1., 60.), (1., 2., 62.), (2., 2.375, 64.), (2.375, 2.5, 65.),
        (2.5, seconds('16/3'), 67.), (seconds('16/3'), seconds('17/3'), 69.),
        (seconds('17/3'), 3., 71.), (3., 4., 72.)]


def test_backup_forward_second_voice_in_a_named_part(tmp_path):
    """The second part's two voices take turns: voice 1 sings the first
    half of measure 1, voice 2 (after <backup> and <forward>) the second;
    the first part has chords, so it is refused unless another is named"""
    alto = [divisions(1) + note('C', 4, 2) + '<backup><duration>2</duration></backup>'
            + '<forward><duration>2</duration></forward>'
            + note('E', 4, 1, voice=2) + note('G', 4, 1, voice=2),
            note('D', 4, 2) + '<backup><duration>2</duration></backup>'
            + '<forward><duration>2</duration></forward>' + note('F', 4, 2, voice=2)]
    piano = [divisions(1) + note('C', 3, 4) + note('G', 3, 4, chord=True), rest(4)]
    path = write(tmp_path, score([('P1', 'Piano', piano), ('P2', 'Alto', alto)]))
    expected = [(0., 1., 60.), (1., 1.5, 64.), (1.5, 2., 67.), (2., 3., 62.), (3., 4., 65.)]
    assert singing.read_targets(path, part='Alto') == expected
    assert singing.read_targets(path, part='P2') == expected
    with pytest.raises(ParameterError, match='chord in measure 1') as error:
        singing.read_targets(path)
    message = str(error.value)
    assert str(path) in message and "'Piano' (id 'P1')" in message
    assert "'Alto' (id 'P2')" in message and 'part=' in message


def test_first_part_in_part_list_order(tmp_path):
    """The first part is the first in <part-list>, not in the file"""
    parts = [('P1', 'Flute', [divisions(1) + note('C', 5, 4)]),
             ('P2', 'Voice', [divisions(1) + note('C', 4, 4)])]
    path = write(tmp_path, score(parts, listed=['P2', 'P1']))
    assert singing.read_targets(path) == [(0., 2., 60.)]


def test_transposing_instrument_gives_sounding_pitch(tmp_path):
    """A B-flat clarinet's written D4 sounds C4; a tenor saxophone's
    (a ninth and an octave down) written D5 sounds C4 too"""
    clarinet = ('<attributes><divisions>1</divisions><transpose><diatonic>-1</diatonic>'
                '<chromatic>-2</chromatic></transpose></attributes>')
    saxophone = ('<attributes><transpose><diatonic>-1</diatonic><chromatic>-2'
                 '</chromatic><octave-change>-1</octave-change></transpose></attributes>')
    measures = [clarinet + note('D', 4, 4), saxophone + note('D', 5, 2) + note('E', 5, 2)]
    path = write(tmp_path, score([('P1', 'Clarinet in Bb', measures)]))
    assert singing.read_targets(path) == [(0., 2., 60.), (2., 3., 60.), (3., 4., 62.)]


def test_overlapping_voices_are_polyphonic(tmp_path):
    measures = [divisions(1) + note('C', 4, 4) + '<backup><duration>3</duration></backup>'
                + note('E', 4, 3, voice=2)]
    path = write(tmp_path, score([('P1', 'Duet', measures)]))
    for part in (None, 'Duet'):
        with pytest.raises(ParameterError, match="polyphonic.*overlap.*'Duet'"):
            singing.read_targets(path, part=part)


def test_unknown_part_lists_the_parts(tmp_path):
    parts = [('P1', 'Soprano', [divisions(1) + note('C', 5, 4)]),
             ('P2', 'Alto', [divisions(1) + note('A', 4, 4)])]
    path = write(tmp_path, score(parts))
    with pytest.raises(ParameterError, match="part='Tenor'") as error:
        singing.read_targets(path, part='Tenor')
    assert str(path) in str(error.value)
    assert "'Soprano' (id 'P1'), 'Alto' (id 'P2')" in str(error.value)


def test_empty_part_is_refused(tmp_path):
    parts = [('P1', 'Count-in', [divisions(1) + rest(4)]),
             ('P2', 'Voice', [divisions(1) + grace('C', 4) + note('C', 4, 4)])]
    path = write(tmp_path, score(parts))
    with pytest.raises(ParameterError, match="'Count-in'.* no pitched note") as error:
        singing.read_targets(path)
    assert str(path) in str(error.value)
    assert singing.read_targets(path, part='Voice') == [(0., 2., 60.)]


@pytest.mark.parametrize('name, text, problem', [
    ('broken.musicxml', '<score-partwise><part-list>', 'not well-formed XML'),
    ('blank.musicxml', '  \n', 'empty'),
    ('other.xml', '<html><body/></html>', 'not a MusicXML score'),
    ('nodivisions.musicxml', score([('P1', 'Voice', [note('C', 4, 1)])]), 'divisions'),
    ('nopitch.musicxml', score([('P1', 'Voice', [divisions(1) + note('H', 4, 1)])]),
     'measure 1.*<step>'),
    ('badtempo.musicxml', score([('P1', 'Voice', [divisions(1) + tempo('fast')
                                                  + note('C', 4, 1)])]), 'tempo'),
    ('backup.musicxml', score([('P1', 'Voice', [
        divisions(1) + note('C', 4, 1) + '<backup><duration>2</duration></backup>'])]),
     'backup')])
def test_malformed_scores(tmp_path, name, text, problem):
    path = write(tmp_path, text, name)
    with pytest.raises(ParameterError, match=problem) as error:
        singing.read_targets(path)
    assert name in str(error.value)


MELODY = score([('P1', 'Voice', [divisions(1) + note('C', 4, 2) + note('G', 4, 2)])])


def test_xml_extension_and_timewise(tmp_path):
    expected = [(0., 1., 60.), (1., 2., 67.)]
    assert singing.read_targets(write(tmp_path, MELODY, 'melody.XML')) == expected
    timewise = ('<score-timewise><part-list><score-part id="P1"><part-name>Voice'
                '</part-name></score-part></part-list><measure number="1"><part id="P1">'
                + divisions(1) + note('C', 4, 2) + note('G', 4, 2)
                + '</part></measure></score-timewise>')
    assert singing.read_targets(write(tmp_path, timewise, 'timewise.xml')) == expected


CONTAINER = ('<?xml version="1.0" encoding="UTF-8"?><container><rootfiles>'
             '<rootfile full-path="{}" media-type="application/vnd.recordare.'
             'musicxml+xml"/></rootfiles></container>')


def test_compressed_mxl(tmp_path):
    path = tmp_path / 'melody.mxl'
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as archive:
        archive.writestr('mimetype', 'application/vnd.recordare.musicxml')
        archive.writestr('META-INF/container.xml', CONTAINER.format('scores/melody.xml'))
        archive.writestr('scores/melody.xml', MELODY)
    assert singing.read_targets(path) == [(0., 1., 60.), (1., 2., 67.)]


@pytest.mark.parametrize('files, problem', [
    (None, 'not a readable .mxl archive'),
    ({'melody.xml': MELODY}, 'container.xml'),
    ({'META-INF/container.xml': CONTAINER.format('missing.xml')}, 'missing.xml'),
    ({'META-INF/container.xml': '<container>', 'melody.xml': MELODY}, 'well-formed'),
    ({'META-INF/container.xml': CONTAINER.format('melody.xml'),
      'melody.xml': '<score-partwise'}, 'not well-formed XML')])
def test_bad_mxl(tmp_path, files, problem):
    path = tmp_path / 'bad.mxl'
    if files is None:
        path.write_text('this is not a zip archive')
    else:
        with zipfile.ZipFile(path, 'w') as archive:
            for name, text in files.items():
                archive.writestr(name, text)
    with pytest.raises(ParameterError, match=problem) as error:
        singing.read_targets(path)
    assert 'bad.mxl' in str(error.value)
