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
    """0.0.24's CUDA smoke test, checked: the same bins and pitch as on the
    CPU, on the device"""
    fake_logits = torch.rand(8, 360, 128, device='cuda')
    bins, pitch = torchcrepe.decode.weighted_argmax(fake_logits)
    cpu_bins, cpu_pitch = torchcrepe.decode.weighted_argmax(fake_logits.cpu())
    assert bins.is_cuda and pitch.is_cuda and pitch.shape == (8, 128)
    assert torch.equal(bins.cpu(), cpu_bins)
    assert torch.allclose(pitch.cpu(), cpu_pitch, rtol=1e-5)


def test_nanmedian1d():
    """0.0.24's filter.nanmedian1d: the lower middle; NaN for no values"""
    from torchcrepe.filter import nanmedian1d
    assert nanmedian1d(torch.tensor([5., 1., 3., 9.])) == 3.
    assert nanmedian1d(torch.tensor([2.])) == 2.
    assert np.isnan(nanmedian1d(torch.tensor([])))


def test_command_line_names():
    """0.0.24's torchcrepe.__main__ has parse_args() and main()"""
    import sys
    from torchcrepe import __main__
    argv = sys.argv
    try:
        sys.argv = ['torchcrepe', '--audio_files', 'a.wav', '--output_files',
                    'a.pt', '--model', 'tiny', '--decoder', 'weighted_argmax']
        args = __main__.parse_args()
    finally:
        sys.argv = argv
    assert args.audio_files == ['a.wav'] and args.output_files == ['a.pt']
    assert args.model == 'tiny' and args.decoder == 'weighted_argmax'
    assert callable(__main__.main) and callable(__main__.make_parent_directory)
