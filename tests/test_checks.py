import math

import pytest
import torch

from torchcrepe import checks, decode
from torchcrepe.utils import ParameterError


@pytest.mark.parametrize('value', [0, -3, 2.5, True, '10'])
def test_positive_integer_refuses(value):
    with pytest.raises(ParameterError, match=r'hop_length must be a positive integer or None'):
        checks.hop_length(value)


def test_positive_integer_accepts():
    assert checks.hop_length(None) is None
    assert checks.batch_size(64) == 64
    assert checks.sample_rate(44100) == 44100


def test_frequency_range():
    assert checks.frequency_range(50, 1000) == (50., 1000.)
    assert checks.frequency_range(checks.MIN_FMIN, 2006.) == (31.7, 2006.)
    for fmin, fmax, message in ((31., 100., 'fmin must be at least 31.7 Hz'),
                                (50., 2100., 'fmax must be at most 2006.0 Hz'),
                                (500., 100., 'fmin must be below fmax'),
                                (math.nan, 100., 'fmin must be a finite number')):
        with pytest.raises(ParameterError, match=message):
            checks.frequency_range(fmin, fmax)


def test_decoder_by_name_or_function():
    assert checks.decoder('weighted_argmax') is decode.weighted_argmax
    assert checks.decoder(decode.viterbi) is decode.viterbi
    with pytest.raises(ParameterError, match="decoder must be one of 'argmax'"):
        checks.decoder('best')
    with pytest.raises(ParameterError, match='decoder must be a decoding function'):
        checks.decoder(3)


def test_device_precision_backend():
    assert checks.device('cpu') == torch.device('cpu')
    with pytest.raises(ParameterError, match="device must be a torch device"):
        checks.device('abacus')
    assert checks.precision(None, 'cpu') == 'float32'
    assert checks.precision(torch.bfloat16, 'cpu') == 'bfloat16'
    with pytest.raises(ParameterError, match="'float16' needs a CUDA device"):
        checks.precision('float16', 'cpu')
    with pytest.raises(ParameterError, match="precision must be None or one of 'float32'"):
        checks.precision('int8', 'cpu')
    with pytest.raises(ParameterError, match="backend must be one of 'torch', 'onnx'"):
        checks.backend('tensorflow')
    with pytest.raises(ParameterError, match="'onnx' computes in float32"):
        checks.backend('onnx', 'cpu', 'bfloat16')


def test_audio_is_made_mono_and_checked():
    stereo = torch.stack([torch.ones(100), -torch.ones(100) * .5])
    assert torch.equal(checks.audio(stereo), torch.full((1, 100), .25))
    assert checks.audio(torch.zeros(10)).shape == (1, 10)
    with pytest.raises(TypeError, match='audio must be a torch.Tensor'):
        checks.audio([0.] * 10)
    with pytest.raises(ParameterError, match=r'x is empty: shape \(1, 0\)'):
        checks.audio(torch.zeros(1, 0), 'x')
    with pytest.raises(ParameterError, match='must hold floating-point samples'):
        checks.audio(torch.zeros(1, 10, dtype=torch.int16))
    bad = torch.zeros(1, 10)
    bad[0, 9] = math.inf
    with pytest.raises(ParameterError, match='contains NaN or Inf'):
        checks.audio(bad)


def test_long_enough_only_without_padding():
    checks.long_enough(10, 16000, pad=True)
    checks.long_enough(1024, 16000, pad=False)
    with pytest.raises(ParameterError, match=r'1023 samples, shorter than one 1024-sample window'):
        checks.long_enough(1023, 16000, pad=False)
    # At 44.1 kHz one window is ceil(1024 * 44100 / 16000) = 2823 samples
    with pytest.raises(ParameterError, match=r'\(2823 at 44100 Hz\)'):
        checks.long_enough(2822, 44100, pad=False)
