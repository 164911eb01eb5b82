"""What torchcrepe 0.0.24's own test suite does, against this package.

Its tests read tests/assets/test.wav with torchcrepe.load.audio (resampling
when it is not at 16 kHz), embed it with tiny and full, compare `infer` on
CREPE's frames with the Keras activations (mixing torch and numpy as they
do), and check threshold.At and the filters. Here the same calls run on a
10-second recording made in the test and on our reference data.
"""
import numpy as np
import pytest
import torch

import torchcrepe
from torchcrepe.filter import mean, median, nanfilter, nanmean, nanmedian

from .signals import tone, write_wav


@pytest.fixture(scope='module')
def audio(tmp_path_factory):
    path = tmp_path_factory.mktemp('compat') / 'test.wav'
    write_wav(path, tone(lambda t: 200 + 50 * np.sin(t), 10., 44100).numpy(), 44100)
    audio, sample_rate = torchcrepe.load.audio(path)
    if sample_rate != torchcrepe.SAMPLE_RATE:
        audio = torchcrepe.resample(audio, sample_rate)
    return audio


def test_embed_tiny(audio):
    embedding = torchcrepe.embed(audio, torchcrepe.SAMPLE_RATE, 160, 'tiny')
    assert embedding.size() == (1, 1001, 32, 8)


def test_embed_full(audio):
    embedding = torchcrepe.embed(audio, torchcrepe.SAMPLE_RATE, 160, 'full')
    assert embedding.size() == (1, 1001, 32, 64)


def test_infer_tiny(frames, keras_activation):
    activation = torchcrepe.infer(frames, 'tiny').detach()
    diff = np.abs(activation - keras_activation('tiny'))
    assert diff.max() < 1e-5 and diff.mean() < 1e-7


def test_infer_full(frames, keras_activation):
    activation = torchcrepe.infer(frames, 'full').detach().numpy()
    diff = np.abs(activation - keras_activation('full'))
    assert diff.max() < 1e-5 and diff.mean() < 1e-7


def test_at():
    input_pitch = torch.tensor([100., 110., 120., 130., 140.])
    harmonicity = torch.tensor([.19, .22, .25, .17, .30])
    output_pitch = torchcrepe.threshold.At(.20)(input_pitch, harmonicity)
    assert not (input_pitch == output_pitch).all()
    isnan = torch.isnan(output_pitch)
    assert isnan[0] and isnan[3]
    assert not isnan[1] and not isnan[2] and not isnan[4]


@pytest.mark.parametrize('fast, slow', [(mean, nanmean), (median, nanmedian)])
def test_filters(fast, slow):
    x = torch.rand(1, 44100)
    x[torch.rand_like(x) < 0.1] = float('nan')
    for width in (3, 9):
        assert torch.allclose(fast(x, width), nanfilter(x, width, slow), equal_nan=True)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')
def test_weighted_argmax_decode_on_cuda():
    fake_logits = torch.rand(8, 360, 128, device='cuda')
    torchcrepe.decode.weighted_argmax(fake_logits)
