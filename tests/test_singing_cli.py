"""The singing options of the command line (torchcrepe.cli.singing)"""
import json
import os

import pytest

from torchcrepe import ParameterError, __main__ as main
from torchcrepe.cli import singing as cli

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
     '--reference: ')])
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
