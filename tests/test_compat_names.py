"""Every public module-level name of torchcrepe 0.0.24 is importable from
the same place, and takes 0.0.24's positional parameters in 0.0.24's order
(anything added is keyword-only or comes after them, with a default).

The table lists, per module, each name and its positional parameters in
0.0.24 (None for a constant).
"""
import importlib
import inspect

import pytest

PREDICT = ('hop_length', 'fmin', 'fmax', 'model', 'decoder')
EMBED = ('hop_length', 'model', 'batch_size', 'device', 'pad')

NAMES_0024 = {
    '__main__': {'parse_args': (), 'make_parent_directory': ('file',), 'main': ()},
    'convert': {'bins_to_cents': ('bins',), 'bins_to_frequency': ('bins',),
                'cents_to_bins': ('cents', 'quantize_fn'),
                'cents_to_frequency': ('cents',),
                'frequency_to_bins': ('frequency', 'quantize_fn'),
                'frequency_to_cents': ('frequency',), 'dither': ('cents',)},
    'core': {
        'CENTS_PER_BIN': None, 'MAX_FMAX': None, 'PITCH_BINS': None,
        'SAMPLE_RATE': None, 'WINDOW_SIZE': None, 'UNVOICED': None,
        'predict': ('audio', 'sample_rate', *PREDICT, 'return_harmonicity',
                    'return_periodicity', 'batch_size', 'device', 'pad'),
        'predict_from_file': ('audio_file', *PREDICT, 'return_harmonicity',
                              'return_periodicity', 'batch_size', 'device', 'pad'),
        'predict_from_file_to_file': (
            'audio_file', 'output_pitch_file', 'output_harmonicity_file',
            'output_periodicity_file', *PREDICT, 'batch_size', 'device', 'pad'),
        'predict_from_files_to_files': (
            'audio_files', 'output_pitch_files', 'output_harmonicity_files',
            'output_periodicity_files', *PREDICT, 'batch_size', 'device', 'pad'),
        'embed': ('audio', 'sample_rate', *EMBED),
        'embed_from_file': ('audio_file', *EMBED),
        'embed_from_file_to_file': ('audio_file', 'output_file', *EMBED),
        'embed_from_files_to_files': ('audio_files', 'output_files', *EMBED),
        'infer': ('frames', 'model', 'device', 'embed'),
        'postprocess': ('probabilities', 'fmin', 'fmax', 'decoder',
                        'return_harmonicity', 'return_periodicity'),
        'preprocess': ('audio', 'sample_rate', 'hop_length', 'batch_size',
                       'device', 'pad'),
        'periodicity': ('probabilities', 'bins'),
        'resample': ('audio', 'sample_rate')},
    'decode': {'argmax': ('logits',), 'weighted_argmax': ('logits',),
               'viterbi': ('logits',)},
    'filter': {'mean': ('signals', 'win_length'),
               'median': ('signals', 'win_length'),
               'nanfilter': ('signals', 'win_length', 'filter_fn'),
               'nanmean': ('signals',), 'nanmedian': ('signals',),
               'nanmedian1d': ('signal',)},
    'load': {'audio': ('filename',), 'model': ('device', 'capacity')},
    'loudness': {'MIN_DB': None, 'REF_DB': None,
                 'a_weighted': ('audio', 'sample_rate', 'hop_length', 'pad'),
                 'perceptual_weights': ()},
    'model': {'Crepe': ('model',)},
    'threshold': {'At': ('value',),
                  'Hysteresis': ('lower_bound', 'upper_bound', 'width', 'stds',
                                 'return_threshold'),
                  'Silence': ('value',)},
}

# What `import torchcrepe` gave directly in 0.0.24
TOP_LEVEL = ['predict', 'predict_from_file', 'predict_from_file_to_file',
             'predict_from_files_to_files', 'embed', 'embed_from_file',
             'embed_from_file_to_file', 'embed_from_files_to_files', 'infer',
             'preprocess', 'postprocess', 'resample', 'Crepe', 'convert',
             'decode', 'filter', 'load', 'loudness', 'threshold',
             'CENTS_PER_BIN', 'MAX_FMAX', 'PITCH_BINS', 'SAMPLE_RATE',
             'WINDOW_SIZE', 'UNVOICED']


def positional(thing):
    """Names of the parameters that can be passed by position"""
    target = thing.__init__ if inspect.isclass(thing) else thing
    parameters = list(inspect.signature(target).parameters.values())
    if inspect.isclass(thing):
        parameters = parameters[1:]  # self
    return [parameter for parameter in parameters if parameter.kind in (
        parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)]


CASES = [(module, name, parameters) for module, names in NAMES_0024.items()
         for name, parameters in names.items()]


@pytest.mark.parametrize('module, name, parameters', CASES,
                         ids=[f'{module}.{name}' for module, name, _ in CASES])
def test_name_is_where_0024_had_it(module, name, parameters):
    thing = getattr(importlib.import_module(f'torchcrepe.{module}'), name)
    if parameters is None:
        return
    ours = positional(thing)
    assert [parameter.name for parameter in ours[:len(parameters)]] == list(parameters)
    # Anything after 0.0.24's positional parameters has a default
    assert all(parameter.default is not parameter.empty
               for parameter in ours[len(parameters):])


def test_top_level_names():
    import torchcrepe
    missing = [name for name in TOP_LEVEL if not hasattr(torchcrepe, name)]
    assert missing == []
    # Users read the loaded model from infer, as in 0.0.24
    assert hasattr(torchcrepe.infer, 'model') and hasattr(torchcrepe.infer, 'capacity')
