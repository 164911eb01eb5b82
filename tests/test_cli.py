"""The command line, run as users run it and in-process for the many cases"""
import csv
import json
import os
import struct
import subprocess
import sys

import numpy as np
import pytest
import torch

import torchcrepe
from torchcrepe import __main__ as cli

from .signals import tone, write_wav


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_cli(*arguments, cwd=None):
    """python -m torchcrepe, as a user types it"""
    environment = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, '-m', 'torchcrepe', *map(str, arguments)],
                          capture_output=True, text=True, cwd=cwd, env=environment)


def main(*arguments):
    """The command line in-process: (exit status, stderr) via SystemExit"""
    try:
        return cli.main([str(argument) for argument in arguments])
    except SystemExit as exit:
        return exit.code


@pytest.fixture
def voice(tmp_path):
    """1.5 s: a 220 Hz tone, silence, a 330 Hz tone, at 22.05 kHz"""
    audio = torch.cat([tone(220, .6, 22050, harmonics=4), torch.zeros(1, 6615),
                       tone(330, .6, 22050, harmonics=4)], 1)
    path = tmp_path / 'voice.wav'
    write_wav(path, audio.numpy(), 22050)
    return path


###############################################################################
# Outputs
###############################################################################


def test_model_small_writes_pitch_and_periodicity(voice, tmp_path):
    result = run_cli('--model', 'small', '--audio_files', voice,
                     '--output_files', tmp_path / 'out' / 'pitch.pt',
                     '--output_periodicity_files', tmp_path / 'out' / 'periodicity.pt')
    assert result.returncode == 0, result.stderr
    assert 'Traceback' not in result.stderr
    pitch = torch.load(tmp_path / 'out' / 'pitch.pt')
    periodicity = torch.load(tmp_path / 'out' / 'periodicity.pt')
    expected_pitch, expected_periodicity = torchcrepe.predict_from_file(
        voice, model='small', return_periodicity=True)
    assert pitch.shape == periodicity.shape == expected_pitch.shape == (1, 151)
    assert torch.equal(periodicity, expected_periodicity)
    # Same bins; only the dither differs between runs
    assert (1200 * torch.log2(pitch / expected_pitch)).abs().max() <= 40
    assert (1200 * torch.log2(pitch[0, 5:55] / 220)).abs().max() < 30


def read_csv(path):
    with open(path, newline='') as file:
        return list(csv.reader(file))


def test_csv_json_npy(voice, tmp_path):
    outputs = [tmp_path / name for name in ('p.csv', 'p.json', 'p.npy')]
    periodicities = [tmp_path / name for name in ('q.csv', 'q.json', 'q.npy')]
    for output, periodicity in zip(outputs, periodicities):
        assert main('--model', 'tiny', '--decoder', 'weighted_viterbi', '--audio_files', voice,
                    '--output_files', output, '--output_periodicity_files', periodicity) == 0

    torch.manual_seed(0)
    pitch, confidence = torchcrepe.predict_from_file(
        voice, model='tiny', decoder=torchcrepe.decode.weighted_viterbi,
        return_periodicity=True)
    voiced = confidence[0] >= torchcrepe.core.VOICING_THRESHOLD
    assert voiced[5:55].all() and not voiced[65:85].any()

    rows = read_csv(tmp_path / 'p.csv')
    assert rows[0] == ['time', 'frequency', 'periodicity']
    assert len(rows) == 1 + 151
    times = np.array([float(row[0]) for row in rows[1:]])
    # Frame centres: the hop is 220 samples at 22.05 kHz, 159 at 16 kHz
    assert np.allclose(times, np.arange(151) * 159 / 16000, atol=1e-6)
    for row, hz, p, v in zip(rows[1:], pitch[0], confidence[0], voiced):
        assert (row[1] == '') == (not v)
        if v:
            assert float(row[1]) == pytest.approx(hz.item(), abs=1e-3)
        assert float(row[2]) == pytest.approx(p.item(), abs=1e-6)
    assert read_csv(tmp_path / 'q.csv') == rows  # periodicity files alike

    document = json.loads((tmp_path / 'p.json').read_text())
    assert document['model'] == 'tiny' and document['decoder'] == 'weighted_viterbi'
    assert document['sample_rate'] == 22050
    assert len(document['time']) == len(document['frequency']) == 151
    assert [f is None for f in document['frequency']] == (~voiced).tolist()
    assert document['periodicity'] == pytest.approx(confidence[0].tolist(), abs=1e-6)

    assert np.allclose(np.load(tmp_path / 'p.npy'), pitch.numpy(), rtol=1e-6)
    assert np.array_equal(np.load(tmp_path / 'q.npy'), confidence.numpy())


def test_embed_outputs(voice, tmp_path):
    assert main('--embed', '--model', 'tiny', '--audio_files', voice, voice,
                '--output_files', tmp_path / 'e.pt', tmp_path / 'e.npy') == 0
    embedding = torch.load(tmp_path / 'e.pt')
    assert embedding.shape == (1, 151, 32, 8)
    assert np.array_equal(np.load(tmp_path / 'e.npy'), embedding.numpy())


def test_plot(voice, tmp_path):
    pytest.importorskip('matplotlib')
    assert main('--model', 'tiny', '--audio_files', voice, '--plot', tmp_path / 'plots') == 0
    png = (tmp_path / 'plots' / 'voice.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n'
    width, height = struct.unpack('>II', png[16:24])
    assert (width, height) == (1000, 560)
    assert 20_000 < len(png) < 1_000_000


def test_plot_without_matplotlib(voice, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(torchcrepe.plot, 'available', lambda: False)
    status = main('--model', 'tiny', '--audio_files', voice,
                  '--output_files', tmp_path / 'p.csv', '--plot', tmp_path / 'p.png')
    error = capsys.readouterr().err
    assert status == 1
    assert 'pip install matplotlib' in error
    assert (tmp_path / 'p.csv').exists() and not (tmp_path / 'p.png').exists()

    # Asked for nothing but a plot: a usage error, before any work
    assert main('--model', 'tiny', '--audio_files', voice, '--plot', tmp_path / 'p.png') == 2
    assert 'pip install matplotlib' in capsys.readouterr().err


def test_stereo_is_averaged(tmp_path):
    left, right = tone(220, .5, harmonics=3), 0.3 * tone(220, .5, harmonics=2)
    write_wav(tmp_path / 'stereo.wav', torch.cat([left, right]).numpy(), 16000, 'float32')
    write_wav(tmp_path / 'mono.wav', ((left + right) / 2).numpy(), 16000, 'float32')
    for name in ('stereo', 'mono'):
        assert main('--model', 'tiny', '--decoder', 'weighted_argmax',
                    '--audio_files', tmp_path / f'{name}.wav',
                    '--output_files', tmp_path / f'{name}.npy',
                    '--output_periodicity_files', tmp_path / f'{name}-p.npy') == 0
    assert np.allclose(np.load(tmp_path / 'stereo.npy'), np.load(tmp_path / 'mono.npy'),
                       rtol=1e-6)
    assert np.allclose(np.load(tmp_path / 'stereo-p.npy'), np.load(tmp_path / 'mono-p.npy'),
                       atol=1e-6)


###############################################################################
# Many files, failures
###############################################################################


def test_bad_file_in_the_middle(voice, tmp_path):
    bad = tmp_path / 'bad.wav'
    bad.write_text('not audio')
    outputs = [tmp_path / f'{i}.csv' for i in range(3)]
    result = run_cli('--model', 'tiny', '--audio_files', voice, bad, voice,
                     '--output_files', *outputs)
    assert result.returncode == 1
    assert 'Traceback' not in result.stderr
    assert f"audio file '{bad}' is not a readable audio file" in result.stderr
    assert f'1 of 3 files failed: {bad}' in result.stderr
    assert outputs[0].exists() and outputs[2].exists() and not outputs[1].exists()
    assert not [name for name in os.listdir(tmp_path) if name.endswith('.tmp')]


def test_fail_fast_stops(voice, tmp_path, capsys):
    outputs = [tmp_path / f'{i}.pt' for i in range(3)]
    status = main('--fail-fast', '--model', 'tiny', '--audio_files', voice,
                  tmp_path / 'missing.wav', voice, '--output_files', *outputs)
    assert status == 1
    assert 'missing.wav' in capsys.readouterr().err
    assert outputs[0].exists() and not outputs[1].exists() and not outputs[2].exists()


def test_failed_run_keeps_existing_outputs(tmp_path, capsys):
    output = tmp_path / 'pitch.csv'
    output.write_text('previous results\n')
    (tmp_path / 'empty.wav').write_bytes(b'')
    assert main('--model', 'tiny', '--audio_files', tmp_path / 'empty.wav',
                '--output_files', output) == 1
    assert output.read_text() == 'previous results\n'
    assert sorted(os.listdir(tmp_path)) == ['empty.wav', 'pitch.csv']


###############################################################################
# Bad input: one row each, with message and exit status
###############################################################################


USAGE_ERRORS = [
    (['--model', 'huge'], "argument --model: invalid choice: 'huge' (choose from 'tiny', 'small', 'medium', 'large', 'full')"),
    (['--decoder', 'best'], "argument --decoder: invalid choice: 'best' (choose from 'argmax', 'weighted_argmax', 'viterbi', 'weighted_viterbi', 'viterbi_0024', 'weighted_viterbi_0024')"),
    (['--fmin', '400', '--fmax', '300'], 'fmin must be below fmax; got fmin=400.0, fmax=300.0'),
    (['--fmin', '20'], 'fmin must be at least 31.7 Hz, the lowest pitch bin; got 20.0'),
    (['--fmax', '4000'], 'fmax must be at most 2006.0 Hz (MAX_FMAX); got 4000.0'),
    (['--hop_length', '0'], '--hop_length must be a positive integer or None; got 0'),
    (['--hop_length', '-5'], '--hop_length must be a positive integer or None; got -5'),
    (['--batch_size', '0'], '--batch_size must be a positive integer or None; got 0'),
    (['--voicing_threshold', '1.5'], '--voicing_threshold must be within 0..1'),
    (['--output_periodicity_files', 'a.pt', 'b.pt'], '--output_periodicity_files needs one path per audio file: got 2 for 1 audio files'),
]


@pytest.mark.parametrize('arguments, message', USAGE_ERRORS)
def test_usage_errors(voice, tmp_path, capsys, arguments, message):
    status = main('--audio_files', voice, '--output_files', tmp_path / 'p.pt', *arguments)
    error = capsys.readouterr().err
    assert status == 2
    assert message in error
    assert not (tmp_path / 'p.pt').exists()


def test_different_numbers_of_audio_and_output_files(voice, tmp_path):
    result = run_cli('--audio_files', voice, voice, '--output_files', tmp_path / 'p.pt')
    assert result.returncode == 2
    assert '--output_files needs one path per audio file: got 1 for 2 audio files' in result.stderr
    assert 'Traceback' not in result.stderr


def test_unwritable_output_directory(voice, tmp_path, capsys):
    blocker = tmp_path / 'file'
    blocker.write_text('a file where a folder is needed')
    status = main('--audio_files', voice, '--output_files', blocker / 'sub' / 'p.csv')
    assert status == 2
    err = capsys.readouterr().err
    assert f"--output_files '{blocker / 'sub' / 'p.csv'}'" in err
    assert f'cannot create output directory {blocker}' in err


def test_output_directory_without_permission(voice, tmp_path, capsys, monkeypatch):
    real_access = os.access
    monkeypatch.setattr(os, 'access', lambda path, mode: False
                        if str(path) == str(tmp_path / 'locked') else real_access(path, mode))
    (tmp_path / 'locked').mkdir()
    status = main('--audio_files', voice, '--output_files', tmp_path / 'locked' / 'p.csv')
    assert status == 2
    err = capsys.readouterr().err
    assert f"--output_files '{tmp_path / 'locked' / 'p.csv'}'" in err
    assert f"cannot write to output directory {tmp_path / 'locked'}" in err


def silent_wav(path):
    write_wav(path, np.zeros((1, 0)), 16000)


def nan_wav(path):
    samples = np.zeros((1, 4000))
    samples[0, 100] = np.nan
    write_wav(path, samples, 16000, 'float32')


def short_wav(path):
    write_wav(path, np.zeros((1, 500)), 16000)


FILE_ERRORS = [
    ('missing', None, "audio file '{}' does not exist", []),
    ('empty file', lambda path: path.write_bytes(b''), "audio file '{}' is empty (0 bytes)", []),
    ('not audio', lambda path: path.write_text('hello'), "audio file '{}' is not a readable audio file", []),
    ('a directory', lambda path: path.mkdir(), "audio file '{}' is a directory", []),
    ('no samples', silent_wav, "audio file '{}' is empty: shape (1, 0)", []),
    ('NaN', nan_wav, "audio file '{}' contains NaN or Inf", []),
    ('shorter than a window', short_wav, "audio file '{}' has 500 samples, shorter than one 1024-sample window", ['--no_pad']),
]


@pytest.mark.parametrize('case, make, message, options', FILE_ERRORS, ids=[c[0] for c in FILE_ERRORS])
def test_file_errors(tmp_path, capsys, case, make, message, options):
    path = tmp_path / 'input.wav'
    if make is not None:
        make(path)
    status = main('--model', 'tiny', '--audio_files', path,
                  '--output_files', tmp_path / 'p.pt', *options)
    error = capsys.readouterr().err
    assert status == 1
    assert message.format(path) in error
    assert not (tmp_path / 'p.pt').exists()


def test_unreadable_file(tmp_path, capsys, monkeypatch):
    path = tmp_path / 'secret.wav'
    write_wav(path, np.zeros((1, 2000)), 16000)
    real_access = os.access
    monkeypatch.setattr(torchcrepe.load.os, 'access', lambda p, mode: False
                        if str(p) == str(path) else real_access(p, mode))
    assert main('--model', 'tiny', '--audio_files', path, '--output_files', tmp_path / 'p.pt') == 1
    assert f"audio file '{path}' cannot be read (permission denied)" in capsys.readouterr().err


def test_no_traceback_as_a_user_types_it(tmp_path):
    """A few bad inputs through the real entry point: clean messages only"""
    for arguments, status in [
            (['--audio_files', tmp_path / 'nope.wav', '--output_files', tmp_path / 'x.pt'], 1),
            (['--audio_files', 'a.wav', '--output_files', 'x.pt', '--fmin', 'low'], 2),
            (['--audio_files', 'a.wav', '--output_files', 'x.csv', '--embed'], 2)]:
        result = run_cli(*arguments, cwd=tmp_path)
        assert result.returncode == status
        assert 'Traceback' not in result.stderr
        assert 'error:' in result.stderr


def test_no_progress_bar_without_terminal(voice, tmp_path):
    result = run_cli('--model', 'tiny', '--audio_files', voice, voice,
                     '--output_files', tmp_path / 'a.pt', tmp_path / 'b.pt')
    assert result.returncode == 0 and result.stderr == ''


###############################################################################
# One table of clashes, one way out, plans that leave the arguments alone
###############################################################################


def test_clash_table_names_options_of_the_parser():
    from torchcrepe.cli import clashes, parser
    assert set(clashes.MODES) <= set(vars(parser.parse_args(['--live', '-'])))
    assert all(modes <= {clashes.FILES, clashes.FOLDER, clashes.LIVE}
               for modes in clashes.MODES.values())


@pytest.mark.parametrize('mode, arguments, message', [
    ('folder', ['--output_harmonicity_files', 'x.pt'],
     '--output_harmonicity_files cannot be used with --audio_dir/--audio_list'),
    ('folder', ['--max_delay', '1'], '--max_delay needs --live'),
    ('live', ['--jobs', '2', '--format', 'csv'],
     '--format, --jobs need --audio_dir or --audio_list'),
    ('live', ['--no_pad', '--plot', 'p.png'], '--plot, --no_pad cannot be used with --live'),
    ('files', ['--live_rate', '8000'], '--live_rate needs --live')])
def test_every_mode_refuses_through_the_usage_error(tmp_path, capsys, mode, arguments,
                                                    message):
    """Folder mode too: the usage line, the message, exit status 2, nothing
    written"""
    inputs = {'folder': ['--audio_dir', tmp_path, '--output_dir', tmp_path / 'out'],
              'live': ['--live', '-', '--live_rate', 16000],
              'files': ['--audio_files', tmp_path / 'a.wav', '--output_files',
                        tmp_path / 'out' / 'a.csv']}[mode]
    assert main(*inputs, *arguments) == 2
    error = capsys.readouterr().err
    assert error.startswith('usage: python -m torchcrepe')
    assert f'python -m torchcrepe: error: {message}' in error
    assert os.listdir(tmp_path) == []


def test_plans_leave_the_arguments_alone(voice, tmp_path):
    """plan reads the arguments and returns a frozen plan: the singing
    report's decoder is the plan's, not written into the arguments"""
    import dataclasses
    from torchcrepe.cli import files
    args = cli.parse_args(['--audio_files', str(voice), '--singing_report',
                           str(tmp_path / 'take.json'), '--tuning', '442'])
    before = dict(vars(args))
    plan = files.plan(args)
    assert vars(args) == before and args.decoder is None
    assert plan.options.decoder == torchcrepe.defaults.SINGING_DECODER
    assert plan.singing.tuning == 442.
    assert plan.singing.reports == (str(tmp_path / 'take.json'),)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.embed = True
    args = cli.parse_args(['--audio_files', str(voice), '--output_files',
                           str(tmp_path / 'p.csv')])
    assert files.plan(args).options.decoder == torchcrepe.defaults.DECODER
