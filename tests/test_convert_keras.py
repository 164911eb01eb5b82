import bz2
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import torchcrepe

# The converter reads HDF5 with h5py, the 'convert' extra
h5py = pytest.importorskip('h5py', reason="pip install 'torchcrepe[convert]'")
from tools import convert_keras  # noqa: E402

from .conftest import asset


ORIGINAL = asset('model-tiny.h5.bz2')
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bundled(capacity):
    return torch.load(os.path.join(torchcrepe.load.ASSETS, f'{capacity}.pth'),
                      weights_only=True)


def assert_same_state(state, reference):
    assert list(state) == list(reference)
    for key in reference:
        assert state[key].dtype == reference[key].dtype, key
        assert torch.equal(state[key], reference[key]), key


@pytest.fixture(scope='module')
def original_h5(tmp_path_factory):
    """The original release's tiny weights, decompressed"""
    path = tmp_path_factory.mktemp('keras') / 'model-tiny.h5'
    path.write_bytes(bz2.decompress(open(ORIGINAL, 'rb').read()))
    return str(path)


def rewrite(source, target, edit):
    """Copy a Keras file, letting `edit(name, array)` change each variable

    `edit` returns the array to write, or None to leave the variable out.
    The subgroups are renamed (conv1_3 -> conv1), as in the PyPI copies.
    """
    with h5py.File(source, 'r') as old, h5py.File(target, 'w') as new:
        for key, value in old.attrs.items():
            new.attrs[key] = value

        def copy(name, item):
            if isinstance(item, h5py.Dataset):
                group, _, variable = name.split('/')
                array = edit(f'{group}/{variable}', item[()])
                if array is not None:
                    new.create_dataset(f'{group}/{group}/{variable}', data=array)
        old.visititems(copy)


def three_dimensional(name, array):
    """(K, 1, C_in, C_out) kernels as (K, C_in, C_out)"""
    return array[:, 0] if array.ndim == 4 else array


def test_original_release_equals_bundled_asset(original_h5):
    capacity, state = convert_keras.convert(ORIGINAL)
    assert capacity == 'tiny'
    assert_same_state(state, bundled('tiny'))
    torchcrepe.Crepe('tiny').load_state_dict(state, strict=True)

    # The decompressed .h5 gives the same
    assert_same_state(convert_keras.convert(original_h5)[1], bundled('tiny'))


def test_three_dimensional_kernels(original_h5, tmp_path):
    """The PyPI layout (K, C_in, C_out) converts to the same tensors"""
    source = tmp_path / 'weights.h5'
    rewrite(original_h5, source, three_dimensional)
    with h5py.File(source, 'r') as file:
        assert file['conv2/conv2/kernel:0'].shape == (64, 128, 16)
    output = tmp_path / 'tiny.pth'
    assert convert_keras.main([str(source), str(output), '--capacity', 'tiny']) == 0
    assert_same_state(torch.load(output, weights_only=True), bundled('tiny'))


def test_writes_loadable_file_with_usual_permissions(tmp_path):
    output = tmp_path / 'tiny.pth'
    assert convert_keras.main([ORIGINAL, str(output)]) == 0
    network = torchcrepe.Crepe('tiny')
    network.load_state_dict(torch.load(output, weights_only=True), strict=True)
    assert oct(os.stat(output).st_mode & 0o777) == oct(0o666 & ~_umask())
    assert os.listdir(tmp_path) == ['tiny.pth']


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def run_bad(source, tmp_path, capsys, *options):
    """Run the converter expecting failure; returns its stderr"""
    output = tmp_path / 'out' / 'model.pth'
    output.parent.mkdir(exist_ok=True)
    status = convert_keras.main([str(source), str(output), *options])
    error = capsys.readouterr().err
    assert status == 1
    assert error.count('\n') == 1 and 'Traceback' not in error
    assert not output.exists()
    assert os.listdir(output.parent) == []
    return error


def test_missing_file(tmp_path, capsys):
    missing = tmp_path / 'nowhere.h5'
    error = run_bad(missing, tmp_path, capsys)
    assert str(missing) in error and 'no such file' in error


def test_not_hdf5(tmp_path, capsys):
    text = tmp_path / 'notes.h5'
    text.write_text('these are not weights\n')
    error = run_bad(text, tmp_path, capsys)
    assert str(text) in error and 'not a readable Keras HDF5' in error


def test_truncated_file(original_h5, tmp_path, capsys):
    truncated = tmp_path / 'truncated.h5'
    data = open(original_h5, 'rb').read()
    truncated.write_bytes(data[:len(data) // 2])
    error = run_bad(truncated, tmp_path, capsys)
    assert str(truncated) in error and 'not a readable Keras HDF5' in error

    # A truncated .bz2 is reported the same way
    truncated_bz2 = tmp_path / 'truncated.h5.bz2'
    data = open(ORIGINAL, 'rb').read()
    truncated_bz2.write_bytes(data[:len(data) // 2])
    error = run_bad(truncated_bz2, tmp_path, capsys)
    assert str(truncated_bz2) in error and 'not a readable' in error


def test_missing_layer(original_h5, tmp_path, capsys):
    source = tmp_path / 'no-conv3.h5'
    rewrite(original_h5, source,
            lambda name, array: None if name.startswith('conv3/') else array)
    error = run_bad(source, tmp_path, capsys)
    assert str(source) in error and "missing layer 'conv3'" in error


def test_missing_variable(original_h5, tmp_path, capsys):
    source = tmp_path / 'no-variance.h5'
    rewrite(original_h5, source,
            lambda name, array: None if name == 'conv4-BN/moving_variance:0' else array)
    error = run_bad(source, tmp_path, capsys)
    assert 'missing variable conv4-BN/moving_variance:0' in error


def test_wrong_shape(original_h5, tmp_path, capsys):
    source = tmp_path / 'narrow.h5'
    rewrite(original_h5, source,
            lambda name, array: array[..., :15] if name == 'conv2/kernel:0' else array)
    error = run_bad(source, tmp_path, capsys)
    assert 'conv2/kernel:0 has shape (64, 1, 128, 15)' in error
    assert '(64, 1, 128, 16)' in error and '(64, 128, 16)' in error


def test_not_a_crepe_width(original_h5, tmp_path, capsys):
    source = tmp_path / 'odd.h5'
    rewrite(original_h5, source,
            lambda name, array: array[..., :100] if name == 'conv1/kernel:0' else array)
    error = run_bad(source, tmp_path, capsys)
    assert 'conv1 has 100 output channels' in error and '128 (tiny)' in error


def test_capacity_mismatch(tmp_path, capsys):
    error = run_bad(ORIGINAL, tmp_path, capsys, '--capacity', 'full')
    assert "holds the 'tiny' model" in error and "'full'" in error


def test_failure_keeps_existing_output(tmp_path, capsys):
    output = tmp_path / 'tiny.pth'
    output.write_bytes(b'previous')
    bad = tmp_path / 'bad.h5'
    bad.write_bytes(b'\x89HDF\r\n\x1a\n' + b'\0' * 100)
    assert convert_keras.main([str(bad), str(output)]) == 1
    assert output.read_bytes() == b'previous'
    assert sorted(os.listdir(tmp_path)) == ['bad.h5', 'tiny.pth']


def test_command_line_has_no_traceback(tmp_path):
    missing = tmp_path / 'missing.h5.bz2'
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, 'tools', 'convert_keras.py'),
         str(missing), str(tmp_path / 'x.pth')],
        capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.strip() == \
        f'convert_keras.py: error: {missing}: no such file'
    assert not (tmp_path / 'x.pth').exists()
