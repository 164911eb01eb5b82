import os

import numpy as np
import pytest
import torch

import torchcrepe

from .signals import write_wav


FORMATS = {
    # format: largest error of the stored samples (half a step)
    'uint8': .5 / 2 ** 7, 'int16': .5 / 2 ** 15, 'int24': .5 / 2 ** 23,
    'int32': .5 / 2 ** 31, 'float32': 1e-7, 'float64': 0}


def signal(channels=1, samples=1000):
    times = np.arange(samples) / 8000
    return np.stack([0.8 * np.sin(2 * np.pi * (300 + 100 * c) * times)
                     for c in range(channels)])


@pytest.mark.parametrize('sample_format', list(FORMATS))
@pytest.mark.parametrize('channels', [1, 2])
def test_wav_formats(tmp_path, sample_format, channels):
    path = tmp_path / f'{sample_format}.wav'
    expected = signal(channels)
    write_wav(path, expected, 8000, sample_format)
    audio, sample_rate = torchcrepe.load.audio(path)
    assert sample_rate == 8000
    assert audio.dtype == torch.float32 and audio.shape == (channels, 1000)
    assert np.abs(audio.numpy() - expected).max() <= FORMATS[sample_format] + 1e-6


def test_pcm_scaling_limits(tmp_path):
    for sample_format, top in (('uint8', 127 / 128), ('int16', 32767 / 32768),
                               ('int24', 1 - 2 ** -23)):
        write_wav(tmp_path / 'a.wav', np.array([[-1., 0., 1.]]), 16000, sample_format)
        audio, _ = torchcrepe.load.audio(tmp_path / 'a.wav')
        assert torch.equal(audio, torch.tensor([[-1., 0., top]]))


def test_soundfile_formats(tmp_path):
    soundfile = pytest.importorskip('soundfile')
    expected = signal(2).T.astype(np.float32)
    soundfile.write(tmp_path / 'a.flac', expected, 8000, subtype='PCM_16')
    audio, sample_rate = torchcrepe.load.audio(tmp_path / 'a.flac')
    assert sample_rate == 8000 and audio.shape == (2, 1000)
    assert np.abs(audio.numpy() - expected.T).max() < 1e-4


@pytest.mark.parametrize('content, message', [
    (None, 'does not exist'),
    (b'', r'is empty \(0 bytes\)'),
    (b'just some text, not audio', 'not a readable'),
])
def test_bad_files(tmp_path, content, message):
    path = tmp_path / 'input.wav'
    if content is not None:
        path.write_bytes(content)
    error = FileNotFoundError if content is None else ValueError
    with pytest.raises(error, match=message) as raised:
        torchcrepe.load.audio(path)
    assert str(path) in str(raised.value)


def test_directory_is_refused(tmp_path):
    with pytest.raises(ValueError, match='is a directory'):
        torchcrepe.load.audio(tmp_path)


def test_truncated_wav(tmp_path):
    path = tmp_path / 'cut.wav'
    write_wav(path, signal(), 8000)
    data = path.read_bytes()
    path.write_bytes(data[:30])
    with pytest.raises(ValueError, match='not a readable'):
        torchcrepe.load.audio(path)


def test_empty_wav_is_refused_by_predict(tmp_path):
    path = tmp_path / 'silent.wav'
    write_wav(path, np.zeros((1, 0)), 16000)
    with pytest.raises(ValueError, match=f"audio file '{path}' is empty"):
        torchcrepe.predict_from_file(path, model='tiny')


def test_nan_wav_is_refused_by_predict(tmp_path):
    path = tmp_path / 'nan.wav'
    samples = signal()
    samples[0, 10] = np.nan
    write_wav(path, samples, 16000, 'float32')
    with pytest.raises(ValueError, match=f"audio file '{path}' contains NaN or Inf"):
        torchcrepe.predict_from_file(path, model='tiny')


def test_model_loading():
    torchcrepe.load.model('cpu', 'medium')
    assert torchcrepe.infer.capacity == 'medium'
    assert not torchcrepe.infer.model.training
    with pytest.raises(ValueError, match="capacity must be one of"):
        torchcrepe.load.model('cpu', 'giant')
    assert sorted(os.listdir(torchcrepe.load.ASSETS)) == \
        sorted(f'{name}.pth' for name in torchcrepe.CAPACITIES)
