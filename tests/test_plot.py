import os

import numpy as np
import pytest
import torch

from torchcrepe import ParameterError, pipeline, plot

from .signals import tone


def test_note_names():
    assert plot.hz_to_note_name(440.) == 'A4'
    assert plot.hz_to_note_name(261.63) == 'C4'
    assert plot.hz_to_note_name(450.) == 'A4'  # 39 cents sharp is still A4
    # The earlier name, which takes Hz too
    assert plot.note_name is plot.hz_to_note_name
    assert plot.note_name(440.) == 'A4'


def track(frames=101):
    """save()'s arguments after the path: a 220 Hz tone and its track"""
    audio = tone(220, 1., 22050)
    times = np.arange(frames) / 100
    pitch = torch.full((1, frames), 220.)
    periodicity = torch.linspace(0, 1, frames)[None]
    voiced = periodicity[0].numpy() > .21
    return dict(audio=audio, sample_rate=22050, times=times, pitch=pitch,
                periodicity=periodicity, voiced=voiced,
                options=pipeline.settings(model='tiny'))


def test_save_draws_a_png(tmp_path):
    pytest.importorskip('matplotlib', reason="pip install 'torchcrepe[plot]'")
    path = tmp_path / 'pitch.png'
    plot.save(path, **track())
    assert path.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert path.stat().st_size > 10000


def test_image_formats():
    pytest.importorskip('matplotlib')
    formats = plot.image_formats()
    assert {'png', 'jpg', 'jpeg', 'pdf', 'svg'} <= set(formats)
    assert 'pgf' not in formats and list(formats) == sorted(formats)


@pytest.mark.parametrize('extension, magic', [
    ('png', b'\x89PNG'), ('jpg', b'\xff\xd8'), ('JPEG', b'\xff\xd8'),
    ('pdf', b'%PDF'), ('svg', b'<?xml')])
def test_save_format_follows_the_extension(tmp_path, extension, magic):
    pytest.importorskip('matplotlib')
    path = tmp_path / f'pitch.{extension}'
    plot.save(path, **track(21))
    data = path.read_bytes()
    assert data.startswith(magic) and (extension != 'svg' or b'<svg' in data)


def test_save_of_a_staged_temporary(tmp_path):
    # outputs.write_track hands over files.staged's temporary: the command
    # line's --plot is always .png; format= names another
    pytest.importorskip('matplotlib')
    path = tmp_path / '.pitch.png.abc123.tmp'
    plot.save(path, **track(21))
    assert path.read_bytes().startswith(b'\x89PNG')
    plot.save(path, **track(21), format='pdf')
    assert path.read_bytes().startswith(b'%PDF')


@pytest.mark.parametrize('name', ['pitch.txt', 'pitch', 'pitch.pgf', 'pitch.png.bak'])
def test_save_refuses_what_matplotlib_cannot_write(tmp_path, name):
    pytest.importorskip('matplotlib')
    with pytest.raises(ParameterError) as error:
        plot.save(tmp_path / name, **track(21))
    message = str(error.value)
    assert message.startswith('path must end in a picture format matplotlib writes')
    assert '.jpg, ' in message and '.png, ' in message and '.pgf,' not in message
    assert os.listdir(tmp_path) == []
    with pytest.raises(ParameterError, match=r'format must be .*; got .bmp.'):
        plot.save(tmp_path / 'pitch.png', **track(21), format='bmp')
    assert os.listdir(tmp_path) == []


def test_save_refuses_folders_and_missing_folders(tmp_path):
    pytest.importorskip('matplotlib')
    (tmp_path / 'pitch.png').mkdir()
    with pytest.raises(ParameterError, match='path must name a file, not a folder'):
        plot.save(tmp_path / 'pitch.png', **track(21))
    with pytest.raises(FileNotFoundError) as error:
        plot.save(tmp_path / 'missing' / 'pitch.png', **track(21))
    assert error.value.filename == str(tmp_path / 'missing' / 'pitch.png')
    with pytest.raises(ParameterError, match='path must be a file path'):
        plot.save(None, **track(21))
    assert os.listdir(tmp_path) == ['pitch.png']


def changed(**values):
    arguments = track(21)
    arguments.update(values)
    return arguments


def pitch_with(value):
    pitch = torch.full((1, 21), 220.)
    pitch[0, 20] = value  # voiced: periodicity 1
    return pitch


@pytest.mark.parametrize('arguments, match', [
    (changed(sample_rate=0), 'sample_rate must be a positive integer'),
    (changed(sample_rate=-22050), 'sample_rate'),
    (changed(sample_rate=22050.), 'sample_rate'),
    (changed(sample_rate=float('nan')), 'sample_rate'),
    (changed(sample_rate='22050'), 'sample_rate'),
    (changed(sample_rate=True), 'sample_rate'),
    (changed(audio=np.zeros((1, 22050))), 'audio must be a torch.Tensor'),
    (changed(audio=torch.full((1, 100), float('nan'))), 'audio contains NaN'),
    (changed(audio=torch.zeros(1, 0)), 'audio is empty'),
    (changed(times=np.full(21, np.nan)), 'times must be the finite'),
    (changed(times=np.full(21, '0')), 'times must be real numbers'),
    (changed(pitch=pitch_with(1e9)), 'pitch must be within 0 < pitch <= 8000 Hz'),
    (changed(pitch=pitch_with(-220.)), 'pitch must be within'),
    (changed(pitch=pitch_with(0.)), 'pitch must be within'),
    (changed(pitch=pitch_with(float('nan'))), 'pitch must be within'),
    (changed(pitch=torch.full((1, 20), 220.)), 'pitch must be 21 real numbers'),
    (changed(pitch=torch.full((1, 21), 220., dtype=torch.complex64)), 'pitch must be 21'),
    (changed(periodicity=torch.full((1, 21), 2.)), 'periodicity must be finite and within 0..1'),
    (changed(periodicity=torch.full((1, 21), float('nan'))), 'periodicity must be'),
    (changed(periodicity='high'), 'periodicity must be 21 real numbers'),
    (changed(voiced=np.ones(20, bool)), 'voiced must be a bool numpy array of shape'),
    (changed(voiced=np.ones(21)), 'voiced must be a bool'),
    (changed(options=None), 'options must be a pipeline.Settings'),
    (changed(title=5), 'title must be a str or None')])
def test_save_refuses_bad_arguments(tmp_path, arguments, match):
    pytest.importorskip('matplotlib')
    with pytest.raises(ParameterError, match=match):
        plot.save(tmp_path / 'pitch.png', **arguments)
    assert os.listdir(tmp_path) == []
