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
