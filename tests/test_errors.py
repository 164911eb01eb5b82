"""One error type for bad arguments, across the public functions.

Each case is a row of a table: a public callable, the keyword arguments
it is given (all good but one), the argument at fault and the error
expected. A bad argument must raise ParameterError (a ValueError), and
ParameterTypeError (a ParameterError that is also a TypeError) when its
type is one the argument never takes, e.g. a string where a number is
due; so `except torchcrepe.ParameterError` catches every refusal. The
message must name the argument (spelled with spaces for underscores
counts: 'audio file' names audio_file), or, for a path argument, the
path given.

Every call is refused before any work: no network runs, so the file takes
seconds. The command line's options are left to its own tests.
"""
import functools
import math
import os

import numpy as np
import pytest
import torch

import torchcrepe
from torchcrepe import convert, filter, load, loudness, threshold
from torchcrepe.utils import ParameterError, ParameterTypeError

from .signals import tone, write_wav


TYPE = ParameterTypeError
VALUE = ParameterError


###############################################################################
# Inputs of the cases
###############################################################################


class In:
    """A path inside the test's folder (see `folder`), resolved per call"""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


def resolved(value, root):
    return os.path.join(root, value.name) if isinstance(value, In) else value


@pytest.fixture(scope='module')
def folder(tmp_path_factory):
    """a.wav (0.1 s at 16 kHz), songs/b.wav (the same), notes.csv (one
    target), notes.txt, sub/ (empty)"""
    root = tmp_path_factory.mktemp('errors')
    write_wav(root / 'a.wav', tone(220, .1).numpy(), 16000)
    (root / 'songs').mkdir()
    write_wav(root / 'songs' / 'b.wav', tone(220, .1).numpy(), 16000)
    (root / 'notes.csv').write_text('onset,offset,midi\n0,1,60\n')
    (root / 'notes.txt').write_text('0 1 60\n')
    (root / 'sub').mkdir()
    return str(root)


AUDIO = tone(220, .1)
NAN_AUDIO = torch.full((1, 1600), math.nan)
PITCH = torch.full((1, 50), 220.)
PERIODICITY = torch.full((1, 50), .9)
PROBABILITIES = torch.rand(1, 360, 4)


@functools.lru_cache(maxsize=None)
def report():
    """A singing report of one second of 220 Hz"""
    from torchcrepe import singing
    return singing.analyse(torch.full((100,), 220.), None, .01)


###############################################################################
# Callables that need an object first
###############################################################################


def tracker_push(samples):
    return torchcrepe.live.Tracker(16000, model='tiny').push(samples)


def at_call(pitch=PITCH, periodicity=PERIODICITY):
    return threshold.At(.5)(pitch, periodicity)


def hysteresis_call(pitch=PITCH, periodicity=PERIODICITY):
    return threshold.Hysteresis()(pitch, periodicity)


def silence_call(periodicity=PERIODICITY, audio=AUDIO, sample_rate=16000,
                 hop_length=None, pad=True):
    return threshold.Silence()(periodicity, audio, sample_rate, hop_length,
                               pad)


def analyse(**arguments):
    from torchcrepe import singing
    return singing.analyse(**dict(dict(
        pitch=torch.full((100,), 220.), periodicity=None, hop_seconds=.01),
        **arguments))


def score(**arguments):
    from torchcrepe import singing
    return singing.score(**dict(dict(report=report(),
                                     target=[(0., 1., 57.)]), **arguments))


def report_save(path):
    return report().save(path)


def picture_save(**arguments):
    pytest.importorskip('matplotlib')
    from torchcrepe.singing import picture
    arguments.setdefault('report', report())
    return picture.save(**arguments)


def singing_function(name):
    def call(**arguments):
        from torchcrepe import singing
        return getattr(singing, name)(**arguments)
    call.__name__ = call.__qualname__ = f'singing.{name}'
    return call


def export_function(name, needs=None):
    def call(**arguments):
        if needs:
            pytest.importorskip(needs)
        from torchcrepe import export
        return getattr(export, name)(**arguments)
    call.__name__ = call.__qualname__ = f'export.{name}'
    return call


def plot_function(name, needs='matplotlib'):
    def call(**arguments):
        if needs:
            pytest.importorskip(needs)
        from torchcrepe import plot
        return getattr(plot, name)(**arguments)
    call.__name__ = call.__qualname__ = f'plot.{name}'
    return call


def runtime_session(**arguments):
    pytest.importorskip('onnxruntime')
    from torchcrepe import runtime
    return runtime.session(**arguments)


###############################################################################
# The table
###############################################################################


def short(value):
    """A test id's account of a bad value"""
    if isinstance(value, torch.Tensor):
        return f'tensor{list(value.shape)}{str(value.dtype)[6:]}'
    if isinstance(value, np.ndarray):
        return f'array{list(value.shape)}'
    if isinstance(value, (list, tuple)) and len(value) > 3:
        return f'{type(value).__name__}{len(value)}'
    text = repr(value)
    return text if len(text) <= 20 else text[:17] + '...'


def name_of(function):
    name = getattr(function, '__qualname__', None) or type(function).__name__
    module = getattr(function, '__module__', '') or ''
    if module.startswith('torchcrepe.') and '.' not in name:
        name = f'{module.rsplit(".", 1)[-1]}.{name}'
    return name


def cases(function, given, argument, *bad):
    """Rows for `function` called with `given` and each (value, error) of
    `bad` as `argument`"""
    return [pytest.param(function, given, argument, value, error,
                         id=f'{name_of(function)}-{argument}-{short(value)}')
            for value, error in bad]


def pending(rows, *ids):
    """`rows` with those whose id ends in one of `ids` marked as expected
    to fail: their refusal is raised in a module another change owns"""
    marked = []
    for row in rows:
        if row.id.endswith(ids):
            row = pytest.param(*row.values, id=row.id, marks=pytest.mark.xfail(
                strict=True, reason=f'{OWNED}: {row.id}'))
        marked.append(row)
    return marked


# Refusals of the wrong type, raised in modules this change could not edit
OWNED = 'raised as the wrong type in a module being changed elsewhere'


def option_cases(function, given, options=None):
    """The pipeline options of predict and its relatives"""
    rows = []
    for argument, bad in OPTIONS.items():
        if options is None or argument in options:
            rows += cases(function, given, argument, *bad)
    return rows


OPTIONS = {
    'hop_length': [('160', TYPE), (1.5, TYPE), (0, VALUE), (-160, VALUE)],
    'fmin': [('50', TYPE), (math.nan, VALUE), (10., VALUE)],
    'fmax': [([2000.], TYPE), (1e6, VALUE), (40., VALUE)],
    'model': [(3, TYPE), ('huge', VALUE)],
    'decoder': [(3, TYPE), ('nope', VALUE)],
    'batch_size': [('x', TYPE), (0, VALUE)],
    'device': [(3.5, TYPE), ('gpu', VALUE)],
    'precision': [(3, TYPE), ('float64', VALUE)],
    'backend': [(3, TYPE), ('tf', VALUE)],
}
EMBED = ('hop_length', 'model', 'batch_size', 'device', 'precision', 'backend')
AUDIO_CASES = [([0.] * 160, TYPE), (np.zeros(160, np.float32), TYPE),
               (torch.zeros(1, 0), VALUE), (torch.zeros(1, 1, 160), VALUE),
               (NAN_AUDIO, VALUE)]
RATE_CASES = [('16000', TYPE), (16000.5, TYPE), (0, VALUE), (-1, VALUE)]
TINY = {'model': 'tiny'}
FILE = {'audio_file': In('a.wav'), 'model': 'tiny'}
FILES = {'audio_files': [In('a.wav')], 'model': 'tiny'}

CORE = [
    *cases(torchcrepe.predict, dict(TINY, sample_rate=16000), 'audio', *AUDIO_CASES),
    *cases(torchcrepe.predict, dict(TINY, audio=AUDIO), 'sample_rate', *RATE_CASES),
    *option_cases(torchcrepe.predict, dict(TINY, audio=AUDIO, sample_rate=16000)),
    *cases(torchcrepe.predict_from_file, TINY, 'audio_file',
           (3, TYPE), (None, TYPE), (In('sub'), VALUE)),
    *option_cases(torchcrepe.predict_from_file, FILE, ('hop_length', 'fmin')),
    *cases(torchcrepe.predict_from_file_to_file,
           dict(FILE, output_pitch_file=In('p.csv')), 'voicing_threshold',
           ('.5', TYPE), (1.5, VALUE), (math.nan, VALUE)),
    *cases(torchcrepe.predict_from_file_to_file, FILE, 'output_pitch_file',
           (3, TYPE), (In('sub'), VALUE), (In('a.wav'), VALUE)),
    *cases(torchcrepe.predict_from_file_to_file,
           dict(FILE, output_pitch_file=In('p.csv')), 'output_periodicity_file',
           (3, TYPE), (In('p.csv'), VALUE)),
    *option_cases(torchcrepe.predict_from_file_to_file,
                  dict(FILE, output_pitch_file=In('p.csv')), ('model',)),
    *cases(torchcrepe.predict_from_files_to_files,
           dict(TINY, output_pitch_files=[In('p.csv')]), 'audio_files',
           (In('a.wav'), TYPE), (3, TYPE), ([3], TYPE)),
    *cases(torchcrepe.predict_from_files_to_files, FILES, 'output_pitch_files',
           (In('p.csv'), TYPE), ([In('p.csv'), In('q.csv')], VALUE)),
    *cases(torchcrepe.predict_from_files_to_files,
           dict(FILES, output_pitch_files=[In('p.csv')]),
           'output_periodicity_files', ([3], TYPE), ([], VALUE)),
    *cases(torchcrepe.predict_from_files_to_files,
           dict(FILES, output_pitch_files=[In('p.csv')]), 'voicing_threshold',
           (None, TYPE), (-.1, VALUE)),
    *cases(torchcrepe.embed, dict(TINY, sample_rate=16000), 'audio', *AUDIO_CASES[:3]),
    *cases(torchcrepe.embed, dict(TINY, audio=AUDIO), 'sample_rate', *RATE_CASES[:3]),
    *option_cases(torchcrepe.embed, dict(TINY, audio=AUDIO, sample_rate=16000), EMBED),
    *cases(torchcrepe.embed_from_file, TINY, 'audio_file', (3, TYPE), (In('sub'), VALUE)),
    *option_cases(torchcrepe.embed_from_file, FILE, ('model', 'hop_length')),
    *cases(torchcrepe.embed_from_file_to_file, FILE, 'output_file',
           (3, TYPE), (In('sub'), VALUE), (In('a.wav'), VALUE)),
    *cases(torchcrepe.embed_from_file_to_file,
           dict(TINY, output_file=In('e.npy')), 'audio_file', (3, TYPE)),
    *cases(torchcrepe.embed_from_files_to_files, FILES, 'output_files',
           (In('e.npy'), TYPE), ([], VALUE)),
    *cases(torchcrepe.embed_from_files_to_files, dict(TINY, output_files=[In('e.npy')]),
           'audio_files', (In('a.wav'), TYPE)),
    *option_cases(torchcrepe.embed_from_files_to_files,
                  dict(FILES, output_files=[In('e.npy')]), ('batch_size',)),
    *cases(torchcrepe.preprocess, {'sample_rate': 16000}, 'audio', *AUDIO_CASES[:3]),
    *cases(torchcrepe.preprocess, {'audio': AUDIO}, 'sample_rate', *RATE_CASES[:3]),
    *option_cases(torchcrepe.preprocess, {'audio': AUDIO, 'sample_rate': 16000},
                  ('hop_length', 'batch_size', 'device')),
    *cases(torchcrepe.postprocess, {}, 'probabilities',
           ([0.] * 360, TYPE), (torch.rand(1, 300, 4), VALUE), (torch.rand(360, 4), VALUE)),
    *cases(torchcrepe.postprocess, {'probabilities': PROBABILITIES}, 'fmin',
           ('50', TYPE), (math.nan, VALUE), (3000., VALUE)),
    *cases(torchcrepe.postprocess, {'probabilities': PROBABILITIES}, 'fmax',
           ('2000', TYPE), (-1., VALUE)),
    *cases(torchcrepe.postprocess, {'probabilities': PROBABILITIES}, 'decoder',
           (3, TYPE), ('nope', VALUE)),
    *cases(torchcrepe.infer, TINY, 'frames',
           ([0.] * 1024, TYPE), (torch.zeros(2, 1000), VALUE), (torch.zeros(1024), VALUE)),
    *cases(torchcrepe.infer, {'frames': torch.zeros(2, 1024)}, 'model',
           (3, TYPE), ('huge', VALUE)),
    *cases(torchcrepe.infer, dict(TINY, frames=torch.zeros(2, 1024)), 'device',
           (3.5, TYPE), ('gpu', VALUE)),
    *cases(torchcrepe.resample, {'sample_rate': 8000}, 'audio', *AUDIO_CASES[:3]),
    *cases(torchcrepe.resample, {'audio': AUDIO}, 'sample_rate', *RATE_CASES[:3]),
    *cases(torchcrepe.Crepe, {}, 'model', (3, TYPE), ('huge', VALUE)),
    *cases(torchcrepe.load.model, {'device': 'cpu'}, 'capacity', (3, TYPE), ('huge', VALUE)),
    *cases(torchcrepe.load.model, {'capacity': 'tiny'}, 'device', (3.5, TYPE), ('gpu', VALUE)),
    *cases(load.audio, {}, 'filename', (3, TYPE), (None, TYPE), (In('sub'), VALUE)),
]

POST_PROCESSING = [
    *cases(filter.mean, {}, 'signals', ([[1., 2.]], TYPE), (torch.zeros(10), VALUE)),
    *cases(filter.mean, {'signals': PITCH}, 'win_length',
           ('3', TYPE), (2.5, TYPE), (0, VALUE), (-3, VALUE)),
    *cases(filter.median, {'win_length': 3}, 'signals',
           ([[1., 2.]], TYPE), (torch.zeros(1, 2, 3), VALUE)),
    *cases(filter.median, {'signals': PITCH}, 'win_length', (None, TYPE), (0, VALUE)),
    *cases(filter.nanfilter, {'win_length': 3, 'filter_fn': filter.nanmean},
           'signals', ('x', TYPE), (torch.zeros(10), VALUE)),
    *cases(filter.nanfilter, {'signals': PITCH, 'filter_fn': filter.nanmean},
           'win_length', ('3', TYPE), (0, VALUE)),
    *cases(filter.nanfilter, {'signals': PITCH, 'win_length': 3}, 'filter_fn',
           ('mean', TYPE)),
    *cases(filter.nanmean, {}, 'signals', ([1.], TYPE), (torch.zeros(3), VALUE)),
    *cases(filter.nanmedian, {}, 'signals', ([1.], TYPE), (torch.zeros(3), VALUE)),
    *cases(filter.nanmedian1d, {}, 'signal', ([1.], TYPE), ('x', TYPE)),
    *cases(threshold.At, {}, 'value', ('0.5', TYPE), (math.nan, VALUE), (1.5, VALUE)),
    *cases(at_call, {'periodicity': PERIODICITY}, 'pitch',
           ([220.], TYPE), (torch.zeros(1, 3), VALUE)),
    *cases(at_call, {'pitch': PITCH}, 'periodicity', ([.9], TYPE), (torch.zeros(1, 3), VALUE)),
    *cases(threshold.Hysteresis, {}, 'lower_bound', ('x', TYPE), (-.1, VALUE), (math.nan, VALUE)),
    *cases(threshold.Hysteresis, {}, 'upper_bound', ('x', TYPE), (1.5, VALUE)),
    *cases(threshold.Hysteresis, {}, 'width', ('x', TYPE), (-1., VALUE), (math.inf, VALUE)),
    *cases(threshold.Hysteresis, {}, 'stds', ('x', TYPE), (-1., VALUE), (math.nan, VALUE)),
    *cases(hysteresis_call, {'periodicity': PERIODICITY}, 'pitch',
           ([220.], TYPE), (torch.zeros(1, 3), VALUE)),
    *cases(hysteresis_call, {'pitch': PITCH}, 'periodicity', (None, TYPE)),
    *cases(threshold.Silence, {}, 'value', ('-60', TYPE), (math.nan, VALUE), (-math.inf, VALUE)),
    *cases(silence_call, {}, 'periodicity', ([.9], TYPE), (torch.zeros(1, 3), VALUE)),
    *cases(silence_call, {}, 'audio', ([0.] * 160, TYPE), (torch.zeros(1, 0), VALUE)),
    *cases(silence_call, {}, 'sample_rate', ('16000', TYPE), (0, VALUE)),
    *cases(silence_call, {}, 'hop_length', ('160', TYPE), (0, VALUE)),
    *cases(loudness.a_weighted, {'sample_rate': 16000}, 'audio', *AUDIO_CASES[:4]),
    *cases(loudness.a_weighted, {'audio': AUDIO}, 'sample_rate', *RATE_CASES),
    *cases(loudness.a_weighted, {'audio': AUDIO, 'sample_rate': 16000}, 'hop_length',
           ('160', TYPE), (0, VALUE)),
    *cases(loudness.band_level, {'sample_rate': 16000}, 'audio', *AUDIO_CASES[:4]),
    *cases(loudness.band_level, {'audio': AUDIO}, 'sample_rate', *RATE_CASES),
    *cases(loudness.band_level, {'audio': AUDIO, 'sample_rate': 16000}, 'hop_length',
           ('160', TYPE), (0, VALUE)),
    *cases(loudness.a_weighting, {}, 'frequencies', ('x', TYPE), ([1., 'x'], TYPE)),
]

CONVERT = [
    *cases(convert.bins_to_cents, {}, 'bins', ([1, 2], TYPE), ('1', TYPE)),
    *cases(convert.bins_to_cents, {'bins': torch.arange(3)}, 'generator', (3, TYPE)),
    *cases(convert.bins_to_frequency, {}, 'bins', ([1, 2], TYPE)),
    *cases(convert.cents_to_bins, {}, 'cents', ([1200.], TYPE)),
    *cases(convert.cents_to_bins, {'cents': torch.zeros(3)}, 'quantize_fn', ('floor', TYPE)),
    *cases(convert.cents_to_frequency, {}, 'cents', ('1200', TYPE), ([1200.], TYPE)),
    *cases(convert.frequency_to_bins, {}, 'frequency', ([440.], TYPE)),
    *cases(convert.frequency_to_bins, {'frequency': torch.full((3,), 440.)}, 'quantize_fn',
           (3, TYPE)),
    *cases(convert.frequency_to_cents, {}, 'frequency', ('440', TYPE), ([440.], TYPE)),
    *cases(convert.frequency_to_midi, {}, 'frequency', ('440', TYPE)),
    *cases(convert.frequency_to_midi, {'frequency': 440.}, 'tuning',
           ('440', TYPE), (0., VALUE), (math.nan, VALUE)),
    *cases(convert.dither, {}, 'cents', ([1.], TYPE)),
    *cases(convert.dither, {'cents': torch.zeros(3)}, 'generator', ('seed', TYPE)),
    *cases(convert.bin_range, {'fmax': 2000.}, 'fmin', ('50', TYPE), (math.nan, VALUE)),
    *cases(convert.bin_range, {'fmin': 50.}, 'fmax', (None, TYPE), (math.inf, VALUE)),
    *cases(convert.hz_to_note_name, {}, 'frequency',
           ('440', TYPE), (0., VALUE), (-440., VALUE), (math.nan, VALUE), (math.inf, VALUE)),
    *cases(convert.midi_to_note_name, {}, 'midi',
           ('69', TYPE), (None, TYPE), (math.nan, VALUE), (-math.inf, VALUE)),
]

LIVE = [
    *cases(torchcrepe.live.Tracker, TINY, 'sample_rate', *RATE_CASES),
    *option_cases(torchcrepe.live.Tracker, dict(TINY, sample_rate=16000),
                  ('hop_length', 'fmin', 'fmax', 'model', 'decoder', 'device',
                   'precision', 'backend')),
    *cases(torchcrepe.live.Tracker, dict(TINY, sample_rate=16000), 'max_delay',
           ('1', TYPE), (0., VALUE), (math.nan, VALUE)),
    *cases(tracker_push, {}, 'samples', ([0.] * 10, TYPE), ('x', TYPE),
           (torch.zeros(2, 10), VALUE), (torch.full((10,), math.nan), VALUE)),
]

FOLDER = [
    *cases(torchcrepe.predict_from_folder_to_folder,
           dict(TINY, output_dir=In('out'), jobs=0), 'audio_dir',
           (3, TYPE), (In('missing'), VALUE), (In('a.wav'), VALUE)),
    *cases(torchcrepe.predict_from_folder_to_folder,
           dict(TINY, audio_dir=In('songs'), jobs=0), 'output_dir',
           (3, TYPE), (None, VALUE), (In('a.wav'), VALUE)),
    *cases(torchcrepe.predict_from_folder_to_folder,
           dict(TINY, audio_dir=In('songs'), output_dir=In('out')), 'jobs',
           ('2', TYPE), (1.5, TYPE), (-1, VALUE)),
    *cases(torchcrepe.predict_from_folder_to_folder,
           dict(TINY, audio_dir=In('songs'), output_dir=In('out'), jobs=0), 'format',
           (3, TYPE), ('wav', VALUE)),
    *cases(torchcrepe.predict_from_folder_to_folder,
           dict(TINY, audio_dir=In('songs'), output_dir=In('out'), jobs=0), 'engine',
           (3, TYPE), ('spark', VALUE)),
    *cases(torchcrepe.predict_from_folder_to_folder,
           dict(TINY, audio_dir=In('songs'), output_dir=In('out'), jobs=0),
           'voicing_threshold', ('.5', TYPE), (2., VALUE)),
    *cases(torchcrepe.predict_from_folder_to_folder,
           dict(TINY, output_dir=In('out'), jobs=0), 'audio_list',
           (3, TYPE), (In('songs'), VALUE)),
    *option_cases(torchcrepe.predict_from_folder_to_folder,
                  dict(TINY, audio_dir=In('songs'), output_dir=In('out'), jobs=0)),
]

SINGING = [
    *cases(analyse, {}, 'pitch', ('x', TYPE), (torch.zeros(2, 3, 4), VALUE),
           (torch.full((100,), 1e9), VALUE)),
    *cases(analyse, {}, 'periodicity', ('x', TYPE), (torch.zeros(7), VALUE)),
    *cases(analyse, {}, 'hop_seconds', ('0.01', TYPE), (0., VALUE), (math.nan, VALUE)),
    *cases(analyse, {}, 'tuning', ('A', VALUE), (None, TYPE), (1000., VALUE)),
    *cases(analyse, {}, 'reference', ('x', TYPE), ([(1., 0., 60.)], VALUE)),
    *cases(analyse, {}, 'start', ('0', TYPE), (math.inf, VALUE)),
    *cases(analyse, {}, 'voicing_threshold', ('.5', TYPE), (2., VALUE)),
    *cases(analyse, {}, 'duration', ('1', TYPE), (-1., VALUE)),
    *cases(analyse, {}, 'window_seconds', ('0', TYPE), (-1., VALUE), (10., VALUE)),
    *cases(analyse, {}, 'loudness', ('x', TYPE), (torch.zeros(3), VALUE)),
    *cases(score, {}, 'report', ('x', TYPE)),
    *cases(score, {}, 'target', (3, TYPE), ([], VALUE), ([(1., 0., 60.)], VALUE)),
    *cases(score, {}, 'timing', (3, TYPE), ('late', VALUE)),
    *cases(score, {}, 'transpose', ([1], TYPE), (.5, VALUE), (100, VALUE)),
    *cases(score, {}, 'bands', (3, TYPE), ([], VALUE), ([-5.], VALUE)),
    *cases(score, {}, 'span', (3, TYPE), ((2., 1.), VALUE)),
    *cases(score, {'target': In('notes.csv')}, 'part', (3, TYPE)),
    *cases(score, {}, 'tuning', ([440.], TYPE), (0., VALUE)),
    *cases(singing_function('exercise'), {'start': 'C4', 'bpm': 90}, 'pattern',
           (3, TYPE), ([], VALUE), (['x'], VALUE)),
    *cases(singing_function('exercise'), {'pattern': [0, 2], 'bpm': 90}, 'start',
           (None, TYPE), ('H9', VALUE), (200, VALUE)),
    *cases(singing_function('exercise'), {'pattern': [0, 2], 'start': 60}, 'bpm',
           ('90', TYPE), (0, VALUE), (1000, VALUE)),
    *cases(singing_function('exercise'), {'pattern': [0], 'start': 60, 'bpm': 90},
           'keys', ('2', TYPE), (1.5, VALUE)),
    *cases(singing_function('exercise'), {'pattern': [0], 'start': 60, 'bpm': 90},
           'lead_in', ('1', TYPE), (-1., VALUE)),
    *cases(singing_function('exercise'), {'pattern': [0], 'start': 60, 'bpm': 90},
           'gap', ('1', TYPE), (math.nan, VALUE)),
    *cases(singing_function('read_targets'), {}, 'path',
           (3, TYPE), (In('sub'), VALUE), (In('notes.txt'), VALUE)),
    *cases(singing_function('read_targets'), {'path': In('notes.csv')}, 'part', (3, TYPE)),
    *cases(singing_function('midi_to_note_name'), {}, 'midi', ('60', TYPE), (math.nan, VALUE)),
    *cases(singing_function('note_name'), {}, 'midi', ('60', TYPE)),
    *cases(report_save, {}, 'path', (3, TYPE), (In('sub'), VALUE)),
    *cases(picture_save, {}, 'path', (3, TYPE), (In('sub'), VALUE)),
    *cases(picture_save, {'path': In('picture.png')}, 'report', ('x', TYPE)),
    *cases(picture_save, {'path': In('picture.png')}, 'title', (3, TYPE)),
    *cases(picture_save, {'path': In('picture.png')}, 'format', (3, TYPE), ('wav', VALUE)),
    *cases(picture_save, {'path': In('picture.png')}, 'score', ('x', TYPE), ({'notes': []}, TYPE)),
]

EXPORT = [
    *cases(export_function('network'), {}, 'capacity', (3, TYPE), ('huge', VALUE)),
    *cases(export_function('network'), {'capacity': 'tiny'}, 'output',
           (3, TYPE), ('pitch', VALUE)),
    *cases(export_function('output_shape'), {}, 'capacity', (None, TYPE), ('huge', VALUE)),
    *cases(export_function('output_shape'), {'capacity': 'tiny'}, 'output', ('pitch', VALUE)),
    *cases(export_function('metadata'), {}, 'capacity', ('huge', VALUE)),
    *cases(export_function('metadata'), {'capacity': 'tiny'}, 'output', ('pitch', VALUE)),
    *cases(export_function('onnx'), {'path': In('m.onnx')}, 'capacity', ('huge', VALUE)),
    *cases(export_function('onnx'), {'capacity': 'tiny'}, 'path',
           (3, TYPE), (In('m.mlpackage'), VALUE), (In('missing/m.onnx'), VALUE)),
    *cases(export_function('onnx', 'onnx'), {'capacity': 'tiny', 'path': In('m.onnx')},
           'opset', ('17', TYPE), (16, VALUE)),
    *cases(export_function('onnx'), {'capacity': 'tiny', 'path': In('m.onnx')},
           'output', ('pitch', VALUE)),
    *cases(export_function('onnx_model'), {}, 'capacity', ('huge', VALUE)),
    *cases(export_function('onnx_model', 'onnx'), {'capacity': 'tiny'}, 'opset',
           ('17', TYPE), (3, VALUE)),
    *cases(export_function('coreml'), {'path': In('m.mlpackage')}, 'capacity',
           ('huge', VALUE)),
    *cases(export_function('coreml'), {'capacity': 'tiny'}, 'path',
           (3, TYPE), (In('m.onnx'), VALUE)),
    *cases(export_function('coreml', 'coremltools'),
           {'capacity': 'tiny', 'path': In('m.mlpackage')}, 'precision',
           (3, TYPE), ('int8', VALUE)),
    *cases(export_function('coreml', 'coremltools'),
           {'capacity': 'tiny', 'path': In('m.mlpackage')}, 'batch_range',
           (3, TYPE), ((0, 4), VALUE), ((8, 4), VALUE)),
    *cases(export_function('coreml_model'), {}, 'capacity', ('huge', VALUE)),
    *cases(export_function('coreml_model', 'coremltools'), {'capacity': 'tiny'},
           'precision', ('int8', VALUE)),
    *cases(export_function('coreml_model', 'coremltools'), {'capacity': 'tiny'},
           'batch_range', ('x', TYPE), ((4, 2), VALUE)),
]

DECODERS = [
    row for decoder in torchcrepe.decode.DECODERS.values()
    for row in cases(decoder, {}, 'logits', ([0.] * 360, TYPE),
                     (torch.rand(1, 300, 4), VALUE), (torch.rand(360, 4), VALUE))]

PLOT = [
    *cases(plot_function('hz_to_note_name', None), {}, 'frequency',
           ('440', TYPE), (0., VALUE)),
    *cases(plot_function('note_name', None), {}, 'frequency', (None, TYPE), (math.nan, VALUE)),
    *cases(plot_function('image_format'), {}, 'path', (In('picture.wav'), VALUE)),
    *cases(plot_function('image_format'), {'path': In('p.png')}, 'format',
           (3, TYPE), ('wav', VALUE)),
    *cases(runtime_session, {}, 'capacity', (3, TYPE), ('huge', VALUE)),
    *cases(runtime_session, {'capacity': 'tiny'}, 'output', (3, TYPE), ('pitch', VALUE)),
    *cases(runtime_session, {'capacity': 'tiny'}, 'path', (3, TYPE), ('', VALUE)),
]

TABLE = (CORE + DECODERS + POST_PROCESSING + CONVERT + LIVE + FOLDER + SINGING
         + EXPORT + PLOT)


###############################################################################
# The test
###############################################################################


def names(argument, value, root):
    """What the message must hold, one of"""
    found = [argument, argument.replace('_', ' ')]
    if isinstance(value, In):
        found.append(resolved(value, root))
    return found


@pytest.mark.parametrize('function, given, argument, value, error', TABLE)
def test_bad_argument_raises_parameter_error(folder, function, given,
                                             argument, value, error):
    arguments = {name: ([resolved(item, folder) for item in given_value]
                        if isinstance(given_value, list) else
                        resolved(given_value, folder))
                 for name, given_value in dict(given, **{argument: value}).items()}
    before = sorted(os.listdir(folder))
    with pytest.raises(ParameterError) as caught:
        function(**arguments)
    message = str(caught.value)
    assert isinstance(caught.value, error), \
        f'{type(caught.value).__name__}, not {error.__name__}: {message}'
    assert any(name in message for name in names(argument, value, folder)), message
    assert sorted(os.listdir(folder)) == before


def test_every_refusal_is_caught_as_one_type():
    """ParameterError is a ValueError; ParameterTypeError both it and a
    TypeError, and both are importable from the package's top"""
    assert issubclass(ParameterError, ValueError)
    assert issubclass(ParameterTypeError, ParameterError)
    assert issubclass(ParameterTypeError, TypeError)
    assert torchcrepe.ParameterError is ParameterError
    assert torchcrepe.ParameterTypeError is ParameterTypeError
