import csv
import json
import os

import numpy as np
import pytest
import torch

from torchcrepe import files


PITCH = torch.tensor([[220., 221.5, 0.]])
PERIODICITY = torch.tensor([[.9, .5, .05]])
TIMES = np.array([0., .01, .02])
VOICED = np.array([True, True, False])


def test_csv(tmp_path):
    path = tmp_path / 'out.csv'
    files.save_track('pitch', path, PITCH, PERIODICITY, TIMES, VOICED, {})
    with open(path, newline='') as file:
        rows = list(csv.reader(file))
    assert rows == [['time', 'frequency', 'periodicity'],
                    ['0.000000', '220.0000', '0.900000'],
                    ['0.010000', '221.5000', '0.500000'],
                    ['0.020000', '', '0.050000']]


def test_json_holds_the_settings(tmp_path):
    path = tmp_path / 'out.json'
    files.save_track('pitch', path, PITCH, PERIODICITY, TIMES, VOICED, {'model': 'tiny'})
    document = json.loads(path.read_text())
    assert document['model'] == 'tiny'
    assert document['frequency'] == [220.0, 221.5, None]
    assert document['periodicity'] == [.9, .5, .05]
    assert document['time'] == [0., .01, .02]


@pytest.mark.parametrize('suffix', ['.npy', '.pt'])
def test_arrays_hold_one_tensor(tmp_path, suffix):
    path = tmp_path / f'out{suffix}'
    files.save_track('periodicity', path, PITCH, PERIODICITY, TIMES, VOICED, {})
    loaded = np.load(path) if suffix == '.npy' else torch.load(path).numpy()
    assert np.array_equal(loaded, PERIODICITY.numpy())


def test_npz_holds_the_whole_track_and_the_settings(tmp_path):
    path = tmp_path / 'out.npz'
    # A pitch file and a periodicity file in .npz hold the same track
    files.save_track('periodicity', path, PITCH, PERIODICITY, TIMES, VOICED,
                     {'model': 'tiny'})
    with np.load(path) as arrays:  # no pickle needed
        assert sorted(arrays.files) == ['periodicity', 'pitch', 'settings', 'time']
        assert arrays['time'].dtype == np.float64
        assert arrays['pitch'].dtype == arrays['periodicity'].dtype == np.float32
        np.testing.assert_array_equal(arrays['pitch'], PITCH[0].numpy())
        np.testing.assert_array_equal(arrays['periodicity'], PERIODICITY[0].numpy())
        assert json.loads(str(arrays['settings'])) == {'model': 'tiny'}


@pytest.mark.parametrize('suffix', ['.npz', '.csv', '.json'])
def test_read_track_reads_every_track_format(tmp_path, suffix):
    path = tmp_path / f'out{suffix}'
    files.save_track('pitch', path, PITCH, PERIODICITY, TIMES, VOICED, {})
    time, pitch, periodicity = files.read_track(path)
    np.testing.assert_allclose(time, TIMES)
    np.testing.assert_allclose(periodicity, PERIODICITY[0].numpy(), rtol=1e-6)
    # .npz keeps every pitch; the tables show unvoiced frames as empty
    expected = PITCH[0].numpy() if suffix == '.npz' else [220., 221.5, np.nan]
    np.testing.assert_allclose(pitch, expected)


def test_read_track_refuses_one_tensor_formats(tmp_path):
    path = tmp_path / 'out.npy'
    files.save_track('pitch', path, PITCH, PERIODICITY, TIMES, VOICED, {})
    with pytest.raises(files.ParameterError, match=r"path must be a track file "
                       r"\(\.npz, \.csv, \.json\); got '.*out\.npy'"):
        files.read_track(path)


def test_staged_writes_all_or_nothing(tmp_path):
    first, second = tmp_path / 'a.txt', tmp_path / 'b.txt'
    second.write_text('old')
    with pytest.raises(RuntimeError):
        with files.staged([first, second]) as (a, b):
            open(a, 'w').write('new a')
            open(b, 'w').write('new b')
            raise RuntimeError('failed half way')
    assert not first.exists() and second.read_text() == 'old'
    assert sorted(os.listdir(tmp_path)) == ['b.txt']
    with files.staged([first, second]) as (a, b):
        open(a, 'w').write('new a')
        open(b, 'w').write('new b')
    assert first.read_text() == 'new a' and second.read_text() == 'new b'


def test_atomic_write_uses_the_usual_permissions(tmp_path):
    path = tmp_path / 'x.csv'
    with files.atomic_write(path, 'w') as file:
        file.write('a,b\n')
    mask = os.umask(0)
    os.umask(mask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~mask
