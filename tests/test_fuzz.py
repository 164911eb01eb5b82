"""Bad values on every public surface: each is refused before any work.

For every case (a function or the command line, an argument, a bad value)
the call must raise ParameterError, FileNotFoundError or NotADirectoryError
(the command line: exit status 2) whose message names the argument; the
error must be raised by torchcrepe's own code, not deep inside numpy,
torch or scipy; and no file may change or appear.

The cases are a fixed table crossed with values drawn from a seeded
generator, so every run tries the same calls. Every call is refused
before the network runs, so the whole file takes seconds.
"""
import math
import os

import numpy as np
import pytest
import torch

import torchcrepe
from torchcrepe import __main__ as cli
from torchcrepe.utils import ParameterError

from .signals import tone, write_wav


PACKAGE = os.path.dirname(os.path.abspath(torchcrepe.__file__))
REFUSALS = (ParameterError, FileNotFoundError, NotADirectoryError)

# Seeded draws of bad numbers, the same on every run
DRAWS = np.random.default_rng(31)
NEGATIVE = [float(-value) for value in DRAWS.uniform(1e-3, 1e6, 3)]
HUGE = [float(value) for value in 10 ** DRAWS.uniform(30, 300, 2)]

NOT_FINITE = [math.nan, math.inf, -math.inf]
WRONG_TYPES = ['1', b'1', [1.], {'a': 1}, object(), True]


def bad_positive_integers():
    return [0, -1, 1.5, *NOT_FINITE, *NEGATIVE, *HUGE, '160', [160], True]


def bad_frequencies():
    return [*NOT_FINITE, 0., *NEGATIVE, *HUGE, '50', None, True, [50.]]


def bad_sample_rates():
    return [0, -1, 1, 63, 16000.5, *NOT_FINITE, '16000', None, True, [16000]]


def bad_audio():
    nan = torch.zeros(1, 1600)
    nan[0, 10] = math.nan
    infinite = torch.zeros(1, 1600)
    infinite[0, 5] = math.inf
    return [np.zeros(1600, np.float32), [0.] * 1600, None, torch.zeros(0),
            torch.zeros(1, 0), torch.zeros(1, 1, 1600), nan, infinite,
            torch.zeros(1, 1600, dtype=torch.int16), 'audio.wav']


# Every option predict and its relatives check; argument: bad values
OPTIONS = {
    'hop_length': bad_positive_integers(),
    'batch_size': bad_positive_integers(),
    'fmin': bad_frequencies(),
    'fmax': bad_frequencies(),
    'model': ['huge', '', 'Tiny', None, 3],
    'decoder': ['nope', 3, None],
    'device': ['gpu', 'cuda:0', 'cuda:99', 3.5, None],
    'precision': ['float64', 'int8', 3, 'float16'],
    'backend': ['tf', None, 3],
}
EMBED_OPTIONS = ('hop_length', 'batch_size', 'model', 'device', 'precision',
                 'backend')


@pytest.fixture
def root(tmp_path):
    """tmp_path holding a.wav (0.2 s at 16 kHz), keep.csv, and folder/"""
    write_wav(tmp_path / 'a.wav', tone(220, .2).numpy(), 16000)
    (tmp_path / 'keep.csv').write_text('an earlier result\n')
    (tmp_path / 'folder').mkdir()
    return tmp_path


def snapshot(root):
    found = {}
    for directory, folders, names in os.walk(root):
        for name in folders + names:
            path = os.path.join(directory, name)
            found[os.path.relpath(path, root)] = (
                None if os.path.isdir(path) else open(path, 'rb').read())
    return found


def raised_here(error):
    """Whether the innermost frame of the error's traceback is ours"""
    trace = error.__traceback__
    while trace.tb_next is not None:
        trace = trace.tb_next
    return os.path.abspath(trace.tb_frame.f_code.co_filename).startswith(PACKAGE)


def assert_refused(call, names, root):
    """call() raises a refusal naming one of `names` (str or tuple), from
    our code, with every file under root as it was"""
    names = (names,) if isinstance(names, str) else names
    before = snapshot(root)
    try:
        call()
    except REFUSALS as error:
        message = str(error)
        assert any(name in message for name in names), message
        assert raised_here(error), f'raised inside a dependency: {message}'
    else:
        pytest.fail(f'accepted; expected a refusal naming {names}')
    assert snapshot(root) == before


def option_cases(options):
    return [(name, value) for name in options for value in OPTIONS[name]]


###############################################################################
# The Python API
###############################################################################


@pytest.mark.parametrize('name, value', option_cases(OPTIONS))
def test_predict_and_file_variants_refuse_bad_options(root, name, value):
    audio = tone(220, .2)
    a = str(root / 'a.wav')
    keywords = dict({'model': 'tiny'}, **{name: value})
    assert_refused(lambda: torchcrepe.predict(audio, 16000, **keywords), name, root)
    assert_refused(lambda: torchcrepe.predict_from_file(a, **keywords), name, root)
    assert_refused(lambda: torchcrepe.predict_from_file_to_file(
        a, str(root / 'p.csv'), **keywords), name, root)
    assert_refused(lambda: torchcrepe.predict_from_files_to_files(
        [a], [str(root / 'p.csv')], **keywords), name, root)


@pytest.mark.parametrize('name, value', option_cases(EMBED_OPTIONS))
def test_embed_and_file_variants_refuse_bad_options(root, name, value):
    keywords = dict({'model': 'tiny'}, **{name: value})
    a = str(root / 'a.wav')
    assert_refused(lambda: torchcrepe.embed(tone(220, .2), 16000, **keywords),
                   name, root)
    assert_refused(lambda: torchcrepe.embed_from_files_to_files(
        [a], [str(root / 'e.npy')], **keywords), name, root)


@pytest.mark.parametrize('value', bad_sample_rates())
def test_bad_sample_rates(root, value):
    audio = tone(220, .2)
    assert_refused(lambda: torchcrepe.predict(audio, value, model='tiny'),
                   'sample_rate', root)
    assert_refused(lambda: torchcrepe.embed(audio, value, model='tiny'),
                   'sample_rate', root)
    assert_refused(lambda: torchcrepe.live.Tracker(value, model='tiny'),
                   'sample_rate', root)


@pytest.mark.parametrize('index', range(len(bad_audio())))
def test_bad_audio(root, index):
    value = bad_audio()[index]
    assert_refused(lambda: torchcrepe.predict(value, 16000, model='tiny'),
                   'audio', root)
    assert_refused(lambda: torchcrepe.embed(value, 16000, model='tiny'),
                   'audio', root)
    assert_refused(lambda: torchcrepe.preprocess(value, 16000), 'audio', root)


@pytest.mark.parametrize('value', [*NOT_FINITE, -.1, 1.5, *HUGE, '0.2', True])
def test_bad_voicing_thresholds(root, value):
    a = str(root / 'a.wav')
    assert_refused(lambda: torchcrepe.predict_from_file_to_file(
        a, str(root / 'p.csv'), model='tiny', voicing_threshold=value),
        'voicing_threshold', root)
    assert_refused(lambda: torchcrepe.predict_from_folder_to_folder(
        str(root), str(root / 'out'), model='tiny', voicing_threshold=value,
        jobs=0), 'voicing_threshold', root)


def output_paths(root):
    """Bad output paths: (path, words one of which the error names)"""
    return [(root / 'a.wav', 'destroy the audio'),
            (root / 'folder', 'is a folder'),
            (root / 'missing' / 'p.csv', 'does not exist'),
            (root / 'keep.csv' / 'p.csv', 'is not a folder'),
            ('', 'must be a path'), (3, 'must be a path'),
            (b'p.csv', 'must be a path')]


@pytest.mark.parametrize('index', range(7))
def test_bad_output_paths(root, index):
    target, words = output_paths(root)[index]
    target = os.fspath(target) if isinstance(target, os.PathLike) else target
    a = str(root / 'a.wav')
    assert_refused(lambda: torchcrepe.predict_from_file_to_file(
        a, target, model='tiny'), ('output_pitch_file', words), root)
    assert_refused(lambda: torchcrepe.predict_from_file_to_file(
        a, str(root / 'p.csv'), output_periodicity_file=target, model='tiny'),
        ('output_periodicity_file', words), root)
    assert_refused(lambda: torchcrepe.predict_from_files_to_files(
        [a], [target], model='tiny'), ('output_pitch_files[0]', words), root)
    assert_refused(lambda: torchcrepe.embed_from_file_to_file(
        a, target, model='tiny'), ('output_file', words), root)


@pytest.mark.parametrize('value', [lambda root: root / 'missing.wav',
                                   lambda root: root / 'folder',
                                   lambda root: 3, lambda root: None])
def test_bad_audio_files(root, value):
    value = value(root)
    value = str(value) if isinstance(value, os.PathLike) else value
    names = ('audio file', 'audio_file')
    assert_refused(lambda: torchcrepe.predict_from_file(value, model='tiny'),
                   names, root)
    assert_refused(lambda: torchcrepe.predict_from_file_to_file(
        value, str(root / 'p.csv'), model='tiny'), names, root)
    assert_refused(lambda: torchcrepe.embed_from_file(value, model='tiny'),
                   names, root)


@pytest.mark.parametrize('outputs, periodicity, words', [
    ('p.csv', None, 'output_pitch_files must be a list'),
    (['p.csv'], 'q.csv', 'output_periodicity_files must be a list'),
    (['p.csv', 'q.csv'], None, 'needs one path per audio file'),
    (['p.csv'], [], 'output_periodicity_files needs one path per audio file'),
    (['p.csv'], ['p.csv'], 'the same file'),
    ([None], ['a.wav'], 'destroy the audio'),
])
def test_bad_lists(root, outputs, periodicity, words):
    def rooted(paths):
        if paths is None or isinstance(paths, str):
            return None if paths is None else str(root / paths)
        return [None if path is None else str(root / path) for path in paths]
    assert_refused(lambda: torchcrepe.predict_from_files_to_files(
        [str(root / 'a.wav')], rooted(outputs), model='tiny',
        output_periodicity_files=rooted(periodicity)), words, root)


@pytest.mark.parametrize('name, value', [
    ('jobs', -1), ('jobs', 1.5), ('jobs', True), ('jobs', '2'),
    ('format', 'wav'), ('format', None), ('engine', 'spark'),
    ('decoder', 'nope'), ('model', 'huge'), ('fmin', math.nan),
    ('hop_length', 0), ('output_dir', None),
])
def test_folder_mode_refuses_bad_arguments(root, name, value):
    keywords = dict(dict(audio_dir=str(root), output_dir=str(root / 'out'),
                         model='tiny', jobs=0), **{name: value})
    assert_refused(lambda: torchcrepe.predict_from_folder_to_folder(**keywords),
                   name, root)


def test_folder_mode_refuses_bad_folders(root):
    assert_refused(lambda: torchcrepe.predict_from_folder_to_folder(
        str(root / 'missing'), str(root / 'out'), model='tiny', jobs=0),
        'audio_dir', root)
    assert_refused(lambda: torchcrepe.predict_from_folder_to_folder(
        str(root), str(root / 'keep.csv'), model='tiny', jobs=0),
        'output_dir', root)
    assert_refused(lambda: torchcrepe.predict_from_folder_to_folder(
        audio_list=str(root / 'missing.txt'), output_dir=str(root / 'out'),
        model='tiny', jobs=0), 'audio_list', root)


@pytest.mark.parametrize('name, value', [
    ('sample_rate', 0), ('hop_length', 0), ('fmin', -1.), ('model', 'huge'),
    ('max_delay', -1.), ('max_delay', math.nan), ('decoder', 'nope'),
])
def test_live_tracker_refuses_bad_arguments(root, name, value):
    keywords = dict(dict(sample_rate=16000, model='tiny'), **{name: value})
    assert_refused(lambda: torchcrepe.live.Tracker(**keywords), name, root)


@pytest.mark.parametrize('value', [[0.] * 10, torch.zeros(2, 10),
                                   torch.full((10,), math.nan), None, 'x'])
def test_live_push_refuses_bad_samples(root, value):
    tracker = torchcrepe.live.Tracker(16000, model='tiny')
    assert_refused(lambda: tracker.push(value), 'samples', root)


@pytest.mark.parametrize('call, name', [
    (lambda: torchcrepe.filter.median(torch.zeros(1, 10), 0), 'win_length'),
    (lambda: torchcrepe.filter.mean(torch.zeros(1, 10), -3), 'win_length'),
    (lambda: torchcrepe.filter.median(torch.zeros(10), 3), 'signals'),
    (lambda: torchcrepe.loudness.a_weighted(torch.zeros(1, 100), 0), 'sample_rate'),
    (lambda: torchcrepe.loudness.a_weighted([0.] * 100, 16000), 'audio'),
])
def test_post_processing_refuses_bad_arguments(root, call, name):
    assert_refused(call, name, root)


###############################################################################
# Singing analysis
###############################################################################


def voiced_track(frames=200, hz=220.):
    """(pitch, periodicity) in float64, which holds the huge draws"""
    return (torch.full((1, frames), hz, dtype=torch.float64),
            torch.full((1, frames), .9, dtype=torch.float64))


@pytest.mark.parametrize('name, value', [
    ('hop_seconds', 1e-9), ('hop_seconds', 0.), ('hop_seconds', -.01),
    ('hop_seconds', math.nan), ('hop_seconds', math.inf), ('hop_seconds', '0.01'),
    ('tuning', math.nan), ('tuning', 0.), ('tuning', 1e9), ('tuning', 'A'),
    ('voicing_threshold', 2.), ('start', math.inf),
])
def test_singing_analyse_refuses_bad_arguments(root, name, value):
    singing = pytest.importorskip('torchcrepe.singing')
    pitch, periodicity = voiced_track()
    keywords = dict(dict(hop_seconds=.01), **{name: value})
    assert_refused(lambda: singing.analyse(pitch, periodicity, **keywords),
                   name, root)


@pytest.mark.parametrize('hz', [1e9, -220., *HUGE, 1e5])
def test_singing_analyse_refuses_impossible_pitch(root, hz):
    singing = pytest.importorskip('torchcrepe.singing')
    pitch, periodicity = voiced_track()
    pitch[0, 50] = hz
    assert_refused(lambda: singing.analyse(pitch, periodicity, .01), 'pitch', root)


@pytest.mark.parametrize('value', [torch.zeros(2, 3, 4), 'x', None,
                                   torch.full((1, 10), math.inf)])
def test_singing_analyse_refuses_bad_tracks(root, value):
    singing = pytest.importorskip('torchcrepe.singing')
    assert_refused(lambda: singing.analyse(value, None, .01), 'pitch', root)


###############################################################################
# The command line
###############################################################################


def main(*arguments):
    try:
        return cli.main([str(argument) for argument in arguments])
    except SystemExit as exit:
        return exit.code


CLI_CASES = [
    (['--hop_length', '0'], '--hop_length'),
    (['--hop_length', '-160'], '--hop_length'),
    (['--hop_length', 'x'], '--hop_length'),
    (['--fmin', 'nan'], 'fmin'),
    (['--fmin', '-1'], 'fmin'),
    (['--fmax', '1e300'], 'fmax'),
    (['--fmax', 'inf'], 'fmax'),
    (['--batch_size', '0'], '--batch_size'),
    (['--voicing_threshold', '2'], '--voicing_threshold'),
    (['--voicing_threshold', 'nan'], '--voicing_threshold'),
    (['--gpu', '0'], '--gpu'),
    (['--precision', 'float16'], '--precision'),
    (['--model', 'huge'], '--model'),
    (['--decoder', 'nope'], '--decoder'),
    (['--tuning', '1000', '--singing_report', 'r.json'], '--tuning'),
    (['--singing_report', 'r.csv'], '--singing_report'),
    (['--plot', 'p.jpg'], '--plot'),
    (['--output_periodicity_files', 'a.wav'], '--output_periodicity_files'),
    (['--output_periodicity_files', 'keep.csv/x.csv'], '--output_periodicity_files'),
    (['--output_periodicity_files', 'folder'], '--output_periodicity_files'),
    (['--jobs', '2'], '--jobs'),
    (['--live_rate', '0'], '--live'),
]


@pytest.mark.parametrize('arguments, name', CLI_CASES)
def test_command_line_refuses_bad_options(root, capsys, monkeypatch, arguments,
                                          name):
    monkeypatch.chdir(root)
    before = snapshot(root)
    status = main('--model', 'tiny', '--audio_files', 'a.wav', '--output_files',
                  'p.csv', *arguments) if '--model' not in arguments else \
        main('--audio_files', 'a.wav', '--output_files', 'p.csv', *arguments)
    err = capsys.readouterr().err
    assert status == 2, err
    assert name in err
    assert 'Traceback' not in err
    assert snapshot(root) == before


@pytest.mark.parametrize('arguments, name', [
    (['--jobs', '-1'], 'jobs'), (['--format', 'wav'], '--format'),
    (['--engine', 'spark'], '--engine'), (['--fmin', 'nan'], 'fmin'),
    (['--output_files', 'p.csv'], '--output_files'),
])
def test_folder_command_line_refuses_bad_options(root, capsys, monkeypatch,
                                                 arguments, name):
    monkeypatch.chdir(root)
    before = snapshot(root)
    status = main('--model', 'tiny', '--audio_dir', '.', '--output_dir', 'out',
                  *arguments)
    err = capsys.readouterr().err
    assert status == 2, err
    assert name in err
    assert 'Traceback' not in err
    assert snapshot(root) == before
