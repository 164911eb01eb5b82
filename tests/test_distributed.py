"""Ray: the same arrays as the local engine, a killed worker, Ray Data"""
import json
import os
import signal
import threading
import time

import numpy as np
import pytest
import torch

import torchcrepe
from torchcrepe import files
from torchcrepe import __main__ as cli
from torchcrepe.folder import listing

from .signals import tone, write_wav
from .test_folder import BAD, GOOD, expected, make_tree


ray = pytest.importorskip('ray')


@pytest.fixture(scope='module')
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             configure_logging=False)
    yield
    ray.shutdown()


@pytest.fixture(scope='module')
def tree(tmp_path_factory):
    return make_tree(str(tmp_path_factory.mktemp('in')))


def arrays(out, names, format='npz'):
    return {name: files.read_track(listing.output_path(out, name, format))
            for name in names}


def test_ray_engine_equals_local(local_ray, tree, tmp_path):
    local, remote = str(tmp_path / 'local'), str(tmp_path / 'ray')
    for out, engine in ((local, 'local'), (remote, 'ray')):
        summary = torchcrepe.predict_from_folder_to_folder(
            tree, out, model='tiny', decoder='viterbi', jobs=0 if engine ==
            'local' else 2, engine=engine)
        assert (summary.succeeded, summary.skipped, summary.failed) == (4, 0, 3)
    for name, (time_, pitch, periodicity) in arrays(remote, GOOD).items():
        want = arrays(local, [name])[name]
        for got, wanted in zip((time_, pitch, periodicity), want):
            assert got.dtype == wanted.dtype
            np.testing.assert_array_equal(got, wanted)
        np.testing.assert_array_equal(pitch, expected(tree, name, 'viterbi')[0])
    with open(os.path.join(local, 'failures.jsonl')) as file:
        local_failures = file.read()
    with open(os.path.join(remote, 'failures.jsonl')) as file:
        assert file.read() == local_failures
    assert [json.loads(line)['relative'] for line in local_failures.splitlines()] == BAD
    # Resumable as the local engine
    again = torchcrepe.predict_from_folder_to_folder(
        tree, remote, model='tiny', engine='ray', jobs=2)
    assert (again.succeeded, again.skipped, again.failed) == (0, 4, 3)


def _worker_pids():
    pids = []
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open(f'/proc/{pid}/cmdline', 'rb') as file:
                command = file.read()
        except OSError:
            continue
        if command.startswith(b'ray::FolderWorker'):
            pids.append(int(pid))
    return pids


@pytest.mark.skipif(not os.path.isdir('/proc'), reason='finds workers in /proc')
def test_killed_worker_is_retried(local_ray, tmp_path):
    root = str(tmp_path / 'in')
    os.makedirs(root)
    names = [f'{index:02d}.wav' for index in range(24)]
    for index, name in enumerate(names):
        write_wav(os.path.join(root, name), tone(150 + 5 * index, .5, 16000), 16000)
    out = str(tmp_path / 'out')
    result = {}
    run = threading.Thread(target=lambda: result.update(
        summary=torchcrepe.predict_from_folder_to_folder(
            root, out, model='tiny', decoder='weighted_argmax', engine='ray',
            jobs=2)))
    run.start()
    deadline = time.time() + 60
    while time.time() < deadline and not (
            os.path.isdir(out) and any(name.endswith('.npz') for name in os.listdir(out))):
        time.sleep(.01)
    killed = _worker_pids()
    assert killed, 'no FolderWorker process found'
    os.kill(killed[0], signal.SIGKILL)
    run.join(120)
    summary = result['summary']
    assert (summary.succeeded, summary.failed) == (24, 0)
    assert killed[0] not in _worker_pids()
    for name, (_, pitch, periodicity) in arrays(out, names[::5]).items():
        want_pitch, want_periodicity = expected(root, name, 'weighted_argmax')
        np.testing.assert_array_equal(pitch, want_pitch)
        np.testing.assert_array_equal(periodicity, want_periodicity)


def test_unreachable_address(tree, tmp_path, capsys):
    out = tmp_path / 'out'
    try:
        status = cli.main(['--audio_dir', tree, '--output_dir', str(out),
                           '--engine', 'ray', '--ray_address', '127.0.0.1:1'])
    except SystemExit as exit:
        status = exit.code
    error = capsys.readouterr().err
    assert status == 2 and 'cannot reach the Ray cluster' in error
    assert 'Traceback' not in error and not out.exists()


def test_pitch_tracker_on_ray_data(local_ray, tree):
    from torchcrepe.distributed import PitchTracker

    names = ['a/x.wav', 'bad/text.wav', 'b/c/z.wav']
    dataset = ray.data.from_items(
        [{'path': os.path.join(tree, name), 'key': name} for name in names])
    rows = dataset.map_batches(
        PitchTracker, fn_constructor_kwargs={'model': 'tiny'}, batch_size=3,
        concurrency=1).take_all()
    rows = {row['key']: row for row in rows}
    for name in ('a/x.wav', 'b/c/z.wav'):
        want_pitch, want_periodicity = expected(tree, name, 'viterbi')
        assert rows[name]['error'] == ''
        np.testing.assert_array_equal(rows[name]['pitch'], want_pitch)
        np.testing.assert_array_equal(rows[name]['periodicity'], want_periodicity)
    assert 'not a readable' in rows['bad/text.wav']['error']
    assert len(rows['bad/text.wav']['pitch']) == 0


def test_pitch_tracker_takes_decoded_audio():
    from torchcrepe.distributed import PitchTracker

    tracker = PitchTracker(model='tiny', decoder='weighted_viterbi', device='cpu')
    audio = tone(220, .5, 22050)[0].numpy()
    columns = tracker({'audio': [audio, np.full(100, np.nan, np.float32)],
                       'sample_rate': np.array([22050, 16000])})
    want = torchcrepe.predict(torch.from_numpy(audio), 22050, model='tiny',
                              decoder=torchcrepe.decode.weighted_viterbi)
    np.testing.assert_array_equal(columns['pitch'][0], want[0].numpy())
    assert list(columns['error']) == ['', columns['error'][1]]
    assert 'NaN' in columns['error'][1]
