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


@pytest.mark.parametrize('sample_format, channels', [('int16', 1), ('int24', 2),
                                                     ('float32', 1)])
def test_wav_cut_short_is_read_with_a_warning(tmp_path, sample_format, channels):
    """An interrupted copy: the header declares 1000 samples, 1 kB is left.
    What is there is read, with a warning naming the file and both lengths"""
    path = tmp_path / 'cut.wav'
    expected = signal(channels)
    write_wav(path, expected, 8000, sample_format)
    path.write_bytes(path.read_bytes()[:1024])
    with pytest.warns(torchcrepe.load.TruncatedAudioWarning) as caught:
        audio, sample_rate = torchcrepe.load.audio(path)
    held = audio.shape[1]
    assert 0 < held < 1000 and sample_rate == 8000
    message = str(caught[0].message)
    assert f"audio file '{path}' is truncated" in message
    assert 'declares 1000 samples (0.125 s)' in message
    assert f'holds {held} ({held / 8000:.3f} s)' in message
    assert caught[0].filename == __file__
    np.testing.assert_allclose(audio.numpy(), expected[:, :held],
                               atol=FORMATS[sample_format] + 1e-7)


def test_whole_wav_has_no_warning(tmp_path, recwarn):
    path = tmp_path / 'whole.wav'
    write_wav(path, signal(2), 8000, 'int24')
    assert torchcrepe.load.wav_declared_samples(path) == 1000
    torchcrepe.load.audio(path)
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]


def test_streamed_wav_of_unknown_length_has_no_warning(tmp_path, recwarn):
    """Writers that stream (e.g. to a pipe) leave the data size 0xFFFFFFFF"""
    path = tmp_path / 'streamed.wav'
    write_wav(path, signal(), 8000)
    data = bytearray(path.read_bytes())
    at = data.index(b'data') + 4
    data[at:at + 4] = (0xFFFFFFFF).to_bytes(4, 'little')
    path.write_bytes(bytes(data))
    assert torchcrepe.load.wav_declared_samples(path) is None
    assert torchcrepe.load.audio(path)[0].shape == (1, 1000)
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]


def test_truncated_wav_through_predict_from_file_and_the_command_line(tmp_path):
    """A 2 s file cut to 1 kB: 490 samples, 4 frames, and the user is told why"""
    path = tmp_path / 'cut.wav'
    write_wav(path, np.sin(np.arange(32000) * .1)[None] * .5, 16000)
    path.write_bytes(path.read_bytes()[:1024])
    with pytest.warns(torchcrepe.load.TruncatedAudioWarning, match='truncated'):
        pitch = torchcrepe.predict_from_file(path, model='tiny')
    assert pitch.shape == (1, 1 + 490 // 160)
    import subprocess
    import sys
    result = subprocess.run(
        [sys.executable, '-m', 'torchcrepe', '--model', 'tiny', '--audio_files',
         str(path), '--output_files', str(tmp_path / 'p.csv')],
        capture_output=True, text=True)
    assert result.returncode == 0
    assert 'declares 32000 samples (2.000 s), the file holds 490' in result.stderr


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
