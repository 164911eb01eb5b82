
import pytest

import torchcrepe
from torchcrepe import outputs, pipeline

from .signals import tone, write_wav


def test_run_goes_on_after_a_failure_when_asked():
    done, reported = [], []

    def work(name, value):
        if value < 0:
            raise ValueError(f'{name} is negative')
        done.append(name)
    jobs = [('a', 1), ('b', -1), ('c', 2)]
    options = pipeline.settings()
    failures = outputs.run(jobs, work, options, fail_fast=False,
                           report=lambda name, error: reported.append(name))
    assert done == ['a', 'c'] and reported == ['b']
    assert [(name, str(error)) for name, error in failures] == [('b', 'b is negative')]
    with pytest.raises(ValueError, match='b is negative'):
        outputs.run(jobs, work, options)


def test_predict_files_writes_every_output_of_a_file(tmp_path):
    path = tmp_path / 'a.wav'
    write_wav(path, tone(250, .5).numpy()[0], 16000)
    options = pipeline.settings(model='tiny', decoder='weighted_argmax')
    failures = outputs.predict_files(
        [path, tmp_path / 'missing.wav'], [tmp_path / 'a.csv', tmp_path / 'm.csv'],
        [tmp_path / 'a.npy', None], options, fail_fast=False)
    assert [str(name) for name, _ in failures] == [str(tmp_path / 'missing.wav')]
    assert (tmp_path / 'a.csv').exists() and (tmp_path / 'a.npy').exists()
    assert not (tmp_path / 'm.csv').exists()
    pitch = torchcrepe.predict_from_file(path, model='tiny', decoder=torchcrepe.decode.weighted_argmax)
    rows = (tmp_path / 'a.csv').read_text().splitlines()[1:]
    assert len(rows) == pitch.size(1)
    assert abs(float(rows[20].split(',')[1]) - float(pitch[0, 20])) < 1e-3


def test_predict_files_draws_the_picture_in_its_extensions_format(tmp_path):
    pytest.importorskip('matplotlib')
    path = tmp_path / 'a.wav'
    write_wav(path, tone(250, .5).numpy()[0], 16000)
    options = pipeline.settings(model='tiny', decoder='weighted_argmax')
    outputs.predict_files([path], [None], [None], options,
                          plot_files=[tmp_path / 'a.jpg'])
    assert (tmp_path / 'a.jpg').read_bytes()[:2] == b'\xff\xd8'

    # An extension no picture format has is refused before any work
    with pytest.raises(torchcrepe.ParameterError, match=r'plot_files.*a\.wavy'):
        outputs.predict_files([path], [tmp_path / 'a.csv'], [None], options,
                              plot_files=[tmp_path / 'a.wavy'])
    assert not (tmp_path / 'a.csv').exists()
