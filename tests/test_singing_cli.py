"""The singing options of the command line (torchcrepe.cli.singing)"""
import dataclasses
import json
import os
import warnings

import pytest
import torch

from torchcrepe import ParameterError, __main__ as main
from torchcrepe.cli import singing as cli
from torchcrepe.singing.lengths import ReferenceWarning, check_span

EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       'examples', 'sung_phrase.wav')


def test_singing_report(tmp_path, capsys):
    # --fmax 1000 until issue 11's fix of the Viterbi edge trap is merged;
    # the lead drops it then (the decoder is already the singing default)
    report = tmp_path / 'take.json'
    assert main.main(['--audio_files', EXAMPLE, '--model', 'tiny', '--fmax', '1000',
                      '--singing_report', str(report), '--quiet']) == 0
    saved = json.loads(report.read_text())
    # The fall after E4 lands on A3 for 80 ms: at the edge of the 80 ms
    # rule, tiny reads it as a glide note (B3, its median), small and up as
    # the attack of a note A3
    assert [note['name'] for note in saved['notes'][:3]] == ['G3', 'D4', 'E4']
    assert saved['notes'][3]['glide'] or saved['notes'][3]['name'] == 'A3'
    assert saved['kpis']['sustained_notes'] == 3
    assert abs(saved['notes'][1]['vibrato']['rate_hz'] - 5.5) <= .2
    assert saved['tuning_hz'] == 440. and saved['hop_seconds'] == .01
    out = capsys.readouterr().out
    assert out.startswith(f'{EXAMPLE}: 4 notes (G3 to E4)') and 'vibrato' in out
    assert sorted(os.listdir(tmp_path)) == ['take.json']


def test_singing_report_picture(tmp_path):
    pytest.importorskip('matplotlib')
    paths = [tmp_path / 'take.json', tmp_path / 'take.png']
    assert main.main(['--audio_files', EXAMPLE, '--model', 'tiny', '--fmax', '1000',
                      '--singing_report', str(paths[0]), '--plot', str(paths[1]),
                      '--tuning', 'estimate', '--quiet']) == 0
    assert paths[1].read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert abs(json.loads(paths[0].read_text())['tuning_hz'] - 440) < 3


def test_singing_report_with_a_reference(tmp_path, capsys):
    # The example's three held notes, written with their own (equal)
    # durations: sung at the singer's tempo, in the written key
    melody = tmp_path / 'melody.csv'
    melody.write_text('onset,offset,midi\n0,1,55\n1,2,62\n2,3,64\n')
    report = tmp_path / 'take.json'
    assert main.main(['--audio_files', EXAMPLE, '--model', 'tiny', '--quiet',
                      '--singing_report', str(report), '--reference', str(melody),
                      '--timing', 'free', '--transpose', '0']) == 0
    saved = json.loads(report.read_text())
    assert [note['name'] for note in saved['notes'][:3]] == ['G3', 'D4', 'E4']
    score = saved['score']
    assert score['timing'] == 'free' and score['transpose'] == 0
    assert [note['name'] for note in score['notes']] == ['G3', 'D4', 'E4']
    assert all(note['sung'] is not None and note['octave'] == 0
               for note in score['notes'])
    # Each sung note's held pitch is within 5 cents of the report's note
    for target, note in zip(score['notes'], saved['notes'][:3]):
        assert abs(target['sung']['midi'] - note['midi']) < .05
    assert score['summary']['missed'] == 0
    out = capsys.readouterr().out
    assert '  score ' in out and 'of 3 target notes hit, 0 missed' in out


@pytest.mark.parametrize('arguments, message', [
    (['--singing_report', 'a.json', 'b.json'], 'one .json per audio file'),
    (['--singing_report', 'take.txt'], 'must end in .json'),
    (['--singing_report', 'take.json', '--tuning', '500'], '--tuning must be A4'),
    (['--singing_report', 'take.json', '--embed'], 'cannot be used with --embed'),
    (['--output_files', 'take.csv', '--tuning', 'estimate'], '--tuning needs --singing_report'),
    # Only the Python API writes other picture formats
    (['--singing_report', 'take.json', '--plot', 'take.jpg'], 'take.jpg must end in .png'),
    (['--output_files', 'take.csv', '--reference', 'notes.csv'],
     '--reference needs --singing_report'),
    (['--singing_report', 'take.json', '--timing', 'free'], '--timing needs --reference'),
    (['--singing_report', 'take.json', '--transpose', '2'], '--transpose needs --reference'),
    (['--singing_report', 'take.json', '--reference', 'a.csv', 'b.csv'],
     'one file for all audio files or one per audio file'),
    (['--singing_report', 'take.json', '--reference', 'missing.csv'], '--reference: '),
    (['--singing_report', 'take.json', '--reference', 'notes.txt'], '--reference: '),
    (['--singing_report', 'take.json', '--reference', 'notes.csv', '--transpose', 'up'],
     "--transpose must be 'auto' or a whole number"),
    (['--singing_report', 'take.json', '--reference', 'notes.csv', '--transpose', '100'],
     '--transpose must be'),
    (['--singing_report', 'take.json', '--reference', 'notes.csv', '--transpose', '0'],
     '--reference: '),
    (['--singing_report', 'take.json', '--reference_part', 'alto'],
     '--reference_part needs --reference'),
    (['--output_files', 'take.csv', '--reference_part', 'alto'],
     '--reference_part needs --singing_report'),
    (['--singing_report', 'take.json', '--reference', 'notes.csv', '--reference_part', 'alto'],
     '--reference_part names a MIDI track or MusicXML part; notes.csv is a note list')])
def test_bad_singing_options(tmp_path, capsys, monkeypatch, arguments, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main.main(['--audio_files', EXAMPLE, '--model', 'tiny'] + arguments)
    assert stop.value.code == 2 and message in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize('text', ['500', 'nan', 'inf', '', 'auto'])
def test_tuning_option_is_a_parameter_error(text):
    with pytest.raises(ParameterError, match='--tuning must be A4 in Hz within 400..480'):
        cli.tuning(text)
    assert cli.tuning('442.5') == 442.5 and cli.tuning('estimate') == 'estimate'


def test_timing_choices_are_scores():
    from torchcrepe.singing import scoring
    assert cli.TIMINGS == scoring.TIMINGS and cli.TIMING in scoring.TIMINGS


###############################################################################
# --reference_part, the picture's targets, a reference that does not fit
###############################################################################


def write_midi(path, tracks):
    """A type-1 MIDI file at 120 BPM (0.5 s a beat): tracks of (name,
    [(start beat, end beat, key)])"""
    mido = pytest.importorskip('mido')
    song = mido.MidiFile(ticks_per_beat=480)
    for name, notes in tracks:
        track = mido.MidiTrack([mido.MetaMessage('track_name', name=name, time=0)])
        now = 0
        for start, end, key in notes:
            track.append(mido.Message('note_on', note=key, velocity=64,
                                      time=int(start * 480) - now))
            track.append(mido.Message('note_off', note=key, velocity=64,
                                      time=int((end - start) * 480)))
            now = int(end * 480)
        song.tracks.append(track)
    song.save(path)


def test_reference_part_names_the_track(tmp_path, capsys, monkeypatch):
    song = str(tmp_path / 'duet.mid')
    write_midi(song, [('soprano', [(0, 1, 67), (1, 2, 69)]), ('alto', [(0, 2, 60)])])
    targets, timing, transpose, references = cli.reference([song], 'free', None, 2, 'alto')
    assert [[tuple(note) for note in one] for one in targets] == [[(0., 1., 60.)]] * 2
    assert references == (song, song) and (timing, transpose) == ('free', None)
    assert [tuple(note) for note in cli.reference([song], 'free', None, 1, 'soprano')[0][0]] \
        == [(0., .5, 67.), (.5, 1., 69.)]
    # Two monophonic tracks and no part: a usage error before any work
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main.main(['--audio_files', EXAMPLE, '--model', 'tiny', '--singing_report',
                   'take.json', '--reference', song])
    assert stop.value.code == 2 and '--reference: ' in capsys.readouterr().err
    assert os.listdir(tmp_path) == ['duet.mid']


@pytest.mark.parametrize('inputs, message', [
    (['--audio_dir', '.', '--output_dir', 'out'],
     '--reference_part cannot be used with --audio_dir/--audio_list'),
    (['--live', '-', '--live_rate', '16000'], '--reference_part cannot be used with --live')])
def test_reference_part_is_file_mode_only(tmp_path, capsys, monkeypatch, inputs, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main.main(inputs + ['--reference_part', 'alto'])
    assert stop.value.code == 2 and message in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


def plan_of(targets, timing='accompanied'):
    return cli.Plan(('take.wav',), ('take.json',), 440., None, True, .5,
                    targets=(targets,), timing=timing, references=('notes.csv',))


def notes_ending(end, count=1):
    """`count` notes, the last ending at `end` seconds"""
    step = end / count
    return [(index * step, (index + 1) * step, 60.) for index in range(count)]


@pytest.mark.parametrize('seconds, targets, timing, problem', [
    # Accompanied, far longer: more than max(2 s, 25 %) past the take's end
    (4., notes_ending(6.), 'accompanied', None),
    (4., notes_ending(6.01), 'accompanied', 'far longer'),
    (20., notes_ending(25.), 'accompanied', None),
    (20., notes_ending(24.99 + .02), 'accompanied', 'far longer'),
    # Far shorter: ending before half of the take
    (4., notes_ending(2.), 'accompanied', None),
    (4., notes_ending(1.99), 'accompanied', 'far shorter'),
    # Free: the length does not count, more than 8 notes a second does
    (4., notes_ending(1., 32), 'free', None),
    (4., notes_ending(60.), 'free', None),
    (4., notes_ending(1., 33), 'free', 'far too many notes'),
    (4., notes_ending(60., 33), 'free', 'far too many notes')])
def test_a_reference_that_does_not_fit_is_warned_of(seconds, targets, timing, problem):
    message = check_span(targets, seconds, timing)
    assert message is None if problem is None else problem in message
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        cli.warn_span(plan_of(targets, timing), 0, torch.zeros(1, int(seconds * 16000)),
                      16000)
    if problem is None:
        assert caught == []
    else:
        (warning,) = caught
        assert warning.category is ReferenceWarning
        assert str(warning.message) == f'--reference notes.csv for audio file take.wav: ' \
                                       f'{message}'
        assert f'{seconds:.1f} s' in message
    # Without --reference nothing is checked
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        cli.warn_span(dataclasses.replace(plan_of(targets, timing), targets=None), 0,
                      torch.zeros(1, 16000), 16000)


def test_check_span_refuses_wrong_arguments():
    with pytest.raises(ParameterError, match='^targets'):
        check_span([], 4.)
    with pytest.raises(ParameterError, match='^seconds'):
        check_span(notes_ending(1.), -1.)
    with pytest.raises(ParameterError, match='^seconds'):
        check_span(notes_ending(1.), '4')
    with pytest.raises(ParameterError, match='^timing'):
        check_span(notes_ending(1.), 4., 'late')


def test_far_longer_reference_warned_before_tracking_and_drawn(tmp_path, monkeypatch):
    """The example (4.0 s) against a reference ending at 6.5 s: warned of
    once the file is read, before it is tracked; still scored, and the
    picture gets the score"""
    pytest.importorskip('matplotlib')
    from torchcrepe import pipeline
    from torchcrepe.singing import picture
    melody = tmp_path / 'melody.csv'
    melody.write_text('onset,offset,midi\n0,1,55\n1,2,62\n2,3,64\n5,6.5,60\n')
    events, drawn = [], []
    track, save = pipeline.track, picture.save

    def tracked(*arguments, **keywords):
        events.append(('track', len(caught)))
        return track(*arguments, **keywords)

    def saved(*arguments, **keywords):
        drawn.append(keywords.get('score'))
        return save(*arguments, **keywords)
    monkeypatch.setattr(pipeline, 'track', tracked)
    monkeypatch.setattr(picture, 'save', saved)
    paths = [tmp_path / 'take.json', tmp_path / 'take.png']
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        assert main.main(['--audio_files', EXAMPLE, '--model', 'tiny', '--quiet',
                          '--singing_report', str(paths[0]), '--plot', str(paths[1]),
                          '--reference', str(melody)]) == 0
    # One warning, the command line's (score's own is not repeated), given
    # before the file was tracked
    warned = [item for item in caught if item.category is ReferenceWarning]
    assert len(warned) == 1 and events == [('track', 1)]
    message = str(warned[0].message)
    assert message.startswith(f'--reference {melody} for audio file {EXAMPLE}: the '
                              'reference is far longer than the take')
    assert 'ends at 6.5 s, the take at 4.0 s' in message
    score = json.loads(paths[0].read_text())['score']
    assert score['notes'][3]['sung'] is None and score['summary']['missed'] >= 1
    assert len(drawn) == 1 and drawn[0].to_dict()['notes'] == score['notes']
    assert paths[1].read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
