"""Folder mode: outputs equal predict file by file, resume, failures, bad input"""
import json
import os
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
import torch

import torchcrepe
from torchcrepe import files
from torchcrepe import __main__ as cli
from torchcrepe.folder import listing, pool, ray_engine

from .signals import tone, write_wav


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name: (sample rate, seconds, kind); frame counts are not multiples of a
# 32-frame block, so the network's blocks mix frames of several files
GOOD = {'a/x.wav': (16000, .43, 'tone'),
        'a/y.wav': (22050, .31, 'noise'),
        'b/c/z.wav': (44100, 1.27, 'tone'),
        'short.wav': (16000, .02, 'tone')}
BAD = ['bad/empty.wav', 'bad/nan.wav', 'bad/text.wav']


def make_tree(root):
    """GOOD and BAD files under root, plus a file that is not audio"""
    generator = np.random.default_rng(3)
    for name, (rate, seconds, kind) in GOOD.items():
        os.makedirs(os.path.dirname(os.path.join(root, name)) or root, exist_ok=True)
        if kind == 'tone':
            samples = tone(lambda t: 180 * 2 ** t, seconds, rate, harmonics=3)
        else:
            samples = .2 * generator.standard_normal((1, int(seconds * rate)))
        write_wav(os.path.join(root, name), samples, rate)
    os.makedirs(os.path.join(root, 'bad'), exist_ok=True)
    open(os.path.join(root, 'bad/empty.wav'), 'wb').close()
    nan = np.full((1, 4000), np.nan)
    write_wav(os.path.join(root, 'bad/nan.wav'), nan, 16000, 'float32')
    with open(os.path.join(root, 'bad/text.wav'), 'w') as file:
        file.write('not audio at all\n')
    with open(os.path.join(root, 'notes.txt'), 'w') as file:
        file.write('ignored: not an audio extension\n')
    return root


@pytest.fixture(scope='module')
def tree(tmp_path_factory):
    return make_tree(str(tmp_path_factory.mktemp('in')))


def expected(root, name, decoder, pad=True):
    """predict on the file alone, under the file's seed"""
    audio, rate = torchcrepe.load.audio(os.path.join(root, name))
    torch.manual_seed(listing.seed_from(name))
    pitch, periodicity = torchcrepe.predict(
        audio, rate, model='tiny', decoder=torchcrepe.decode.DECODERS[decoder],
        return_periodicity=True, pad=pad)
    return pitch[0].numpy(), periodicity[0].numpy()


def assert_matches_predict(root, out, decoder, format='npz'):
    for name in GOOD:
        path = listing.output_path(out, name, format)
        time_, pitch, periodicity = files.read_track(path)
        want_pitch, want_periodicity = expected(root, name, decoder)
        assert pitch.dtype == np.float32 and pitch.shape == want_pitch.shape
        np.testing.assert_array_equal(pitch, want_pitch)
        np.testing.assert_array_equal(periodicity, want_periodicity)
        hop = torchcrepe.framing.model_hop(GOOD[name][0]) / 16000
        np.testing.assert_allclose(time_, np.arange(len(pitch)) * hop)


def frame_total(root):
    return sum(len(expected(root, name, 'weighted_argmax')[0]) for name in GOOD)


@pytest.fixture
def spy(monkeypatch):
    """Rows of every network call folder mode makes"""
    calls = []
    infer = torchcrepe.network.infer

    def counting(frames, *args, **kwargs):
        calls.append(frames.size(0))
        return infer(frames, *args, **kwargs)
    monkeypatch.setattr(torchcrepe.network, 'infer', counting)
    return calls


@pytest.mark.parametrize('decoder,jobs', [('viterbi', 1), ('viterbi', 2),
                                          ('weighted_viterbi', 0),
                                          ('weighted_argmax', 0),
                                          ('argmax', 0)])
def test_matches_predict_file_by_file(tree, tmp_path, spy, decoder, jobs):
    out = str(tmp_path / 'out')
    summary = torchcrepe.predict_from_folder_to_folder(
        tree, out, model='tiny', decoder=decoder, jobs=jobs)
    calls = list(spy)  # folder mode's, not predict's below
    assert (summary.succeeded, summary.skipped, summary.failed) == (4, 0, 3)
    assert_matches_predict(tree, out, decoder)
    # Cross-file batching: the 4 files' frames (not multiples of 32) go
    # to the network in one call, not one call per file (the spy sees the
    # calls of this process: jobs=0)
    assert summary.profile.frames == frame_total(tree) == 207
    if jobs == 0:
        assert calls == [207]
    assert summary.audio_seconds == pytest.approx(sum(s for _, s, _ in GOOD.values()), abs=1e-3)


def test_small_batches_mix_files_in_blocks(tree, tmp_path, spy):
    out = str(tmp_path / 'out')
    torchcrepe.predict_from_folder_to_folder(
        tree, out, model='tiny', decoder='weighted_viterbi', jobs=0,
        batch_size=40)
    calls = list(spy)  # folder mode's, not predict's below
    assert_matches_predict(tree, out, 'weighted_viterbi')
    # Calls of whole 32-frame blocks (the step is 64 frames), then the rest
    assert calls[:-1] and all(rows % 32 == 0 for rows in calls[:-1])
    assert sum(calls) == frame_total(tree)


def test_failures_and_summary(tree, tmp_path):
    out = str(tmp_path / 'out')
    status = cli.main(['--audio_dir', tree, '--output_dir', out, '--model',
                       'tiny', '--jobs', '0', '--quiet'])
    assert status == 1
    with open(os.path.join(out, 'failures.jsonl')) as file:
        lines = [json.loads(line) for line in file]
    assert [line['relative'] for line in lines] == BAD
    # An unreadable file is a ValueError; NaN samples are refused as a bad
    # `audio` argument, a ParameterError (itself a ValueError)
    assert [line['error'] for line in lines] == ['ValueError', 'ParameterError', 'ValueError']
    assert 'empty' in lines[0]['message'] and 'NaN' in lines[1]['message']
    assert 'not a readable' in lines[2]['message']
    written = sorted(os.path.relpath(os.path.join(folder, name), out)
                     for folder, _, names in os.walk(out) for name in names)
    assert written == sorted(['failures.jsonl', 'a/x.npz', 'a/y.npz',
                              'b/c/z.npz', 'short.npz'])
    with np.load(os.path.join(out, 'a/x.npz')) as arrays:
        settings = json.loads(str(arrays['settings']))
    assert settings['model'] == 'tiny' and settings['decoder'] == 'viterbi'
    assert settings['sample_rate'] == 16000 and settings['hop_seconds'] == .01


def test_resume_skips_existing_and_matches(tree, tmp_path):
    out = str(tmp_path / 'out')
    first = torchcrepe.predict_from_folder_to_folder(
        tree, out, model='tiny', jobs=0)
    os.remove(os.path.join(out, 'a/y.npz'))
    # What a run killed mid-write leaves: a temporary beside the output
    stale = os.path.join(out, 'a', '.y.npz.k2j4x.tmp')
    other = os.path.join(out, 'a', '.notes.txt.tmp')
    for path in (stale, other):
        with open(path, 'wb') as file:
            file.write(b'half')
        os.utime(path, (time.time() - 60, time.time() - 60))
    before = os.stat(os.path.join(out, 'a/x.npz')).st_mtime_ns
    second = torchcrepe.predict_from_folder_to_folder(
        tree, out, model='tiny', jobs=0)
    assert (second.succeeded, second.skipped, second.failed) == (1, 3, 3)
    assert os.stat(os.path.join(out, 'a/x.npz')).st_mtime_ns == before
    assert not os.path.exists(stale) and os.path.exists(other)
    assert first.failed == 3
    assert_matches_predict(tree, out, 'viterbi')
    third = torchcrepe.predict_from_folder_to_folder(
        tree, out, model='tiny', jobs=0, overwrite=True)
    assert (third.succeeded, third.skipped) == (4, 0)


@pytest.mark.skipif(not os.path.isdir('/proc'), reason='finds workers in /proc')
def test_killed_run_resumes_to_the_same_outputs(tmp_path):
    root = str(tmp_path / 'in')
    for index in range(16):
        os.makedirs(root, exist_ok=True)
        write_wav(os.path.join(root, f'{index:02d}.wav'),
                  tone(150 + 10 * index, .5, 16000), 16000)
    out = str(tmp_path / 'out')
    command = [sys.executable, '-m', 'torchcrepe', '--audio_dir', root,
               '--output_dir', out, '--model', 'tiny', '--jobs', '1',
               '--batch_size', '32', '--quiet']
    process = subprocess.Popen(command, env=dict(os.environ, PYTHONPATH=ROOT),
                               stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while not os.path.exists(os.path.join(out, '02.npz')) and time.time() < deadline:
        time.sleep(.02)
    workers = _children(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait()
    # Its reader process sees it gone and exits too
    assert workers
    deadline = time.time() + 10
    while any(os.path.exists(f'/proc/{pid}') for pid in workers) and time.time() < deadline:
        time.sleep(.1)
    assert not any(os.path.exists(f'/proc/{pid}') for pid in workers)
    done = [name for name in os.listdir(out) if name.endswith('.npz')]
    assert 3 <= len(done) < 16
    finished = subprocess.run(command, env=dict(os.environ, PYTHONPATH=ROOT),
                              capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert f'{16 - len(done)} succeeded, {len(done)} skipped' in finished.stderr
    assert not [name for name in os.listdir(out) if name.endswith('.tmp')]
    for index in range(16):
        name = f'{index:02d}.wav'
        _, pitch, periodicity = files.read_track(listing.output_path(out, name, 'npz'))
        want_pitch, want_periodicity = expected(root, name, 'viterbi')
        np.testing.assert_array_equal(pitch, want_pitch)
        np.testing.assert_array_equal(periodicity, want_periodicity)


def _children(pid):
    """Processes whose parent is pid (Linux /proc)"""
    children = []
    for entry in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open(f'/proc/{entry}/stat') as file:
                fields = file.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(entry))
    return children


@pytest.mark.parametrize('format', ['csv', 'json'])
def test_formats_hold_time_pitch_periodicity(tree, tmp_path, format):
    out = str(tmp_path / 'out')
    torchcrepe.predict_from_folder_to_folder(
        tree, out, model='tiny', decoder='weighted_argmax', jobs=0,
        format=format, voicing_threshold=0.)
    for name in GOOD:
        time_, pitch, periodicity = files.read_track(listing.output_path(out, name, format))
        want_pitch, want_periodicity = expected(tree, name, 'weighted_argmax')
        np.testing.assert_allclose(pitch, want_pitch, atol=5e-5)
        np.testing.assert_allclose(periodicity, want_periodicity, atol=5e-7)
        hop = torchcrepe.framing.model_hop(GOOD[name][0]) / 16000
        np.testing.assert_allclose(time_, np.arange(len(pitch)) * hop, atol=1e-6)


@pytest.mark.parametrize('format', ['npy', 'pt'])
def test_one_tensor_formats_are_refused(tree, tmp_path, format):
    # .npy and .pt hold one (1, frames) tensor in every mode; a folder run
    # writes one file per input holding the whole track
    out = tmp_path / 'out'
    with pytest.raises(torchcrepe.ParameterError,
                       match=rf"format must be one of 'npz', 'csv', 'json'; got '{format}'"):
        torchcrepe.predict_from_folder_to_folder(tree, str(out), model='tiny',
                                                 format=format, jobs=0)
    assert not out.exists()


def test_same_layout_as_a_file_written_by_predict_from_file_to_file(tree, tmp_path):
    out = str(tmp_path / 'out')
    torchcrepe.predict_from_folder_to_folder(
        tree, out, model='tiny', decoder='weighted_argmax', jobs=0,
        voicing_threshold=0.)
    name = sorted(GOOD)[0]
    single = str(tmp_path / 'single.npz')
    torchcrepe.predict_from_file_to_file(
        os.path.join(tree, name), single, model='tiny',
        decoder=torchcrepe.decode.weighted_argmax)
    with np.load(listing.output_path(out, name, 'npz')) as folder, \
            np.load(single) as file:
        assert sorted(folder.files) == sorted(file.files) == [
            'periodicity', 'pitch', 'settings', 'time']
        for key in ('time', 'pitch', 'periodicity'):
            assert folder[key].dtype == file[key].dtype
            np.testing.assert_array_equal(folder[key], file[key])


def test_audio_list(tree, tmp_path):
    manifest = tmp_path / 'list.txt'
    manifest.write_text(f'# two of the tree, one missing\n{tree}/a/x.wav\n'
                        f'{tree}/b/c/z.wav\n\n{tree}/gone.wav\n')
    out = str(tmp_path / 'out')
    status = cli.main(['--audio_list', str(manifest), '--output_dir', out,
                       '--model', 'tiny', '--decoder', 'weighted_viterbi',
                       '--jobs', '0', '--quiet'])
    assert status == 1
    relative = tree.lstrip(os.sep)
    for name in ('a/x.wav', 'b/c/z.wav'):
        _, pitch, _ = files.read_track(listing.output_path(out, f'{relative}/{name}', 'npz'))
        np.testing.assert_array_equal(pitch, expected(tree, name, 'weighted_viterbi')[0])
    with open(os.path.join(out, 'failures.jsonl')) as file:
        (line,) = [json.loads(line) for line in file]
    assert line['error'] == 'FileNotFoundError' and 'gone.wav' in line['message']


def test_too_short_without_padding_is_a_failure(tmp_path):
    root = tmp_path / 'in'
    root.mkdir()
    write_wav(str(root / 'long.wav'), tone(200, .2, 16000), 16000)
    write_wav(str(root / 'short.wav'), tone(200, .05, 16000), 16000)
    out = str(tmp_path / 'out')
    summary = torchcrepe.predict_from_folder_to_folder(
        str(root), out, model='tiny', pad=False, jobs=0)
    assert (summary.succeeded, summary.failed) == (1, 1)
    assert sorted(os.listdir(out)) == ['failures.jsonl', 'long.npz']
    with open(os.path.join(out, 'failures.jsonl')) as file:
        (line,) = [json.loads(line) for line in file]
    assert line['relative'] == 'short.wav' and 'no_pad' in line['message']


def usage_error(capsys, *arguments):
    """(exit status, stderr) of the command line, in process"""
    try:
        status = cli.main([str(argument) for argument in arguments])
    except SystemExit as exit:
        status = exit.code
    error = capsys.readouterr().err
    assert 'Traceback' not in error
    return status, error


def test_bad_arguments(tree, tmp_path, capsys):
    out = tmp_path / 'out'
    status, error = usage_error(capsys, '--audio_dir', tmp_path / 'missing',
                                '--output_dir', out)
    assert status == 2 and 'audio_dir' in error and 'does not exist' in error
    status, error = usage_error(capsys, '--audio_dir', f'{tree}/a/x.wav',
                                '--output_dir', out)
    assert status == 2 and 'is not a directory' in error
    empty = tmp_path / 'empty'
    (empty / 'sub').mkdir(parents=True)
    (empty / 'sub' / 'readme.txt').write_text('no audio')
    status, error = usage_error(capsys, '--audio_dir', empty, '--output_dir', out)
    assert status == 2 and 'no audio files' in error and '.wav' in error
    blocker = tmp_path / 'file'
    blocker.write_text('')
    status, error = usage_error(capsys, '--audio_dir', tree, '--output_dir',
                                blocker / 'out')
    assert status == 2 and 'output_dir' in error and 'cannot be created' in error
    status, error = usage_error(capsys, '--audio_dir', tree, '--output_dir', blocker)
    assert status == 2 and 'not a directory' in error
    status, error = usage_error(capsys, '--audio_dir', tree, '--audio_files',
                                f'{tree}/a/x.wav', '--output_dir', out)
    assert status == 2 and 'not allowed with' in error
    status, error = usage_error(capsys, '--audio_dir', tree, '--output_dir',
                                out, '--jobs', '-1')
    assert status == 2 and 'jobs must be None or an integer >= 0' in error
    status, error = usage_error(capsys, '--audio_dir', tree, '--output_files',
                                'x.npy', '--output_dir', out)
    assert status == 2 and '--output_files cannot be used' in error
    status, error = usage_error(capsys, '--audio_list', tmp_path / 'none.txt',
                                '--output_dir', out)
    assert status == 2 and 'audio_list' in error
    assert not out.exists()


def test_engine_ray_without_ray(tree, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, 'ray', None)  # import ray fails
    out = tmp_path / 'out'
    status, error = usage_error(capsys, '--audio_dir', tree, '--output_dir',
                                out, '--engine', 'ray')
    assert status == 2 and "pip install 'torchcrepe[ray]'" in error
    assert not out.exists()


def test_listing_is_sorted_and_skips_output_dir(tree, tmp_path):
    names = [item.relative for item in listing.walk(tree)]
    # A folder's files, then its subfolders, each in sorted order
    assert names == ['short.wav', 'a/x.wav', 'a/y.wav', 'b/c/z.wav'] + BAD
    assert [item.relative for item in listing.walk(tree, skip=f'{tree}/b')] == \
        ['short.wav', 'a/x.wav', 'a/y.wav'] + BAD
    assert listing.seed_from('a/x.wav') == listing.seed_from('a/x.wav') != \
        listing.seed_from('a/y.wav')
    assert listing.seed_from('a/x.wav') == int.from_bytes(
        __import__('hashlib').sha256(b'a/x.wav').digest()[:8], 'little') & (2 ** 63 - 1)


###############################################################################
# Links, repeated list lines, --jobs beyond the cores
###############################################################################


def written(out):
    """Every file under out, relative, sorted"""
    return sorted(os.path.relpath(os.path.join(folder, name), out).replace(os.sep, '/')
                  for folder, _, names in os.walk(out) for name in names)


def failures(out):
    with open(os.path.join(out, 'failures.jsonl')) as file:
        return [json.loads(line) for line in file]


def short_wav(path, frequency=200.):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_wav(path, tone(frequency, .1, 16000), 16000)


# Symbolic links on Windows need a privilege
links = pytest.mark.skipif(sys.platform == 'win32', reason='symbolic links')


@links
def test_symlink_loop_is_a_failure_never_followed(tmp_path, capsys):
    root = tmp_path / 'in'
    short_wav(str(root / 'a.wav'))
    short_wav(str(root / 'sub' / 'b.wav'), 300.)
    (root / 'z.wav').write_text('not audio')  # a failure after the loop
    os.symlink('.', root / 'loop')        # the folder itself
    os.symlink('..', root / 'sub' / 'up')  # its parent, the root
    out = str(tmp_path / 'out')
    status = cli.main(['--audio_dir', str(root), '--output_dir', out,
                       '--model', 'tiny', '--jobs', '0', '--quiet'])
    assert status == 1
    error = capsys.readouterr().err
    assert 'Traceback' not in error
    assert 'torchcrepe: 2 succeeded, 0 skipped (output exists), 3 failed' in error
    assert written(out) == ['a.npz', 'failures.jsonl', 'sub/b.npz']
    lines = failures(out)
    # In listing order, among the files' own failures
    assert [(line['relative'], line['error']) for line in lines] == [
        ('loop', 'SymlinkLoop'), ('z.wav', 'ValueError'), ('sub/up', 'SymlinkLoop')]
    assert lines[0]['path'] == str(root / 'loop')
    assert 'is a symlink loop' in lines[0]['message']
    assert 'not followed' in lines[2]['message']


@links
def test_symlinks_reach_each_real_file_once(tmp_path, capsys):
    root, outside = tmp_path / 'in', tmp_path / 'ext' / 'd'
    short_wav(str(root / 'real' / 'x.wav'))
    short_wav(str(root / 'real' / 'y.wav'), 250.)
    short_wav(str(outside / 'e.wav'), 300.)
    short_wav(str(outside / 'f.wav'), 350.)
    os.symlink('real', root / 'alias')                   # a folder of the tree
    os.symlink('real/x.wav', root / 'b.wav')             # a file of the tree
    os.symlink(outside / 'e.wav', root / 'c.wav')        # a file outside it
    os.symlink(outside, root / 'ext1')                   # a folder outside it,
    os.symlink(outside, root / 'ext2')                   # twice
    os.symlink(tmp_path / 'nowhere.wav', root / 'gone.wav')
    os.symlink(tmp_path / 'nowhere', root / 'gone.txt')  # not audio: ignored
    os.link(root / 'real' / 'y.wav', root / 'hard.wav')  # a second name
    out = str(tmp_path / 'out')
    summary = torchcrepe.predict_from_folder_to_folder(
        str(root), out, model='tiny', jobs=0)
    # x under its own path, e.wav at its first path (c.wav, before ext1/),
    # y at its first name (hard.wav, before real/)
    assert (summary.succeeded, summary.skipped, summary.failed) == (4, 0, 1)
    assert written(out) == ['c.npz', 'ext1/f.npz', 'failures.jsonl', 'hard.npz',
                            'real/x.npz']
    (line,) = failures(out)
    assert (line['relative'], line['error']) == ('gone.wav', 'DanglingSymlink')
    assert 'is a dangling symlink' in line['message'] and 'nowhere.wav' in line['message']
    left_out = [text for text in capsys.readouterr().err.splitlines()
                if 'is left out' in text]
    assert left_out == [
        f'torchcrepe: warning: {root}/alias is left out: a symlink to '
        f'{os.path.realpath(root / "real")!r}, which is walked under its own path',
        f'torchcrepe: warning: {root}/b.wav is left out: a symlink to '
        f'{os.path.realpath(root / "real" / "x.wav")!r}, which is listed under '
        'its own path',
        f'torchcrepe: warning: {root}/ext2 is left out: the same folder as '
        "'ext1', walked before it",
        f'torchcrepe: warning: {root}/ext1/e.wav is left out: the same file as '
        "'c.wav', listed before it",
        f'torchcrepe: warning: {root}/real/y.wav is left out: the same file as '
        "'hard.wav', listed before it"]
    # The outputs are those of the real files
    for name, real in (('c.wav', outside / 'e.wav'),
                       ('real/x.wav', root / 'real' / 'x.wav')):
        _, pitch, _ = files.read_track(listing.output_path(out, name, 'npz'))
        audio, rate = torchcrepe.load.audio(str(real))
        torch.manual_seed(listing.seed_from(name))
        want = torchcrepe.predict(audio, rate, model='tiny',
                                  decoder=torchcrepe.decode.viterbi)
        np.testing.assert_array_equal(pitch, want[0].numpy())


def test_unreadable_folder_is_a_failure(tmp_path, monkeypatch):
    root = tmp_path / 'in'
    short_wav(str(root / 'a.wav'))
    short_wav(str(root / 'locked' / 'b.wav'))
    scandir = os.scandir

    def refusing(path='.'):
        if os.fspath(path).endswith('locked'):
            raise PermissionError(13, 'Permission denied', os.fspath(path))
        return scandir(path)
    monkeypatch.setattr(listing.os, 'scandir', refusing)
    out = str(tmp_path / 'out')
    summary = torchcrepe.predict_from_folder_to_folder(
        str(root), out, model='tiny', jobs=0)
    assert (summary.succeeded, summary.failed) == (1, 1)
    (line,) = failures(out)
    assert (line['relative'], line['error']) == ('locked', 'PermissionError')
    assert 'cannot be read (Permission denied)' in line['message']


@links
def test_audio_list_repeated_file_done_once(tmp_path, capsys):
    root = tmp_path / 'in'
    short_wav(str(root / 'sub' / 'a.wav'))
    short_wav(str(root / 'other' / 'b.wav'), 300.)
    os.symlink('sub/a.wav', root / 'link.wav')
    manifest = root / 'list.txt'
    manifest.write_text('sub/a.wav\nother/b.wav\nsub/../sub/a.wav\n'
                        f'{root}/sub/a.wav\nlink.wav\ngone.wav\n./gone.wav\n')
    out = str(tmp_path / 'out')
    status = cli.main(['--audio_list', str(manifest), '--output_dir', out,
                       '--model', 'tiny', '--jobs', '0', '--quiet'])
    assert status == 1
    error = capsys.readouterr().err
    # One file, one output, one count: the first line wins
    assert 'torchcrepe: 2 succeeded, 0 skipped (output exists), 1 failed' in error
    assert written(out) == ['failures.jsonl', 'other/b.npz', 'sub/a.npz']
    (line,) = failures(out)
    assert (line['relative'], line['error']) == ('gone.wav', 'FileNotFoundError')
    left_out = [text for text in error.splitlines() if 'is left out' in text]
    assert left_out == [
        f'torchcrepe: warning: {path} is left out: the same file as line '
        f'{first} of {manifest}'
        for path, first in ((root / 'sub' / 'a.wav', 1), (root / 'sub' / 'a.wav', 1),
                            (root / 'link.wav', 1), (root / 'gone.wav', 6))]


def test_jobs_beyond_the_cores_are_capped(tree, tmp_path, monkeypatch):
    used = []
    records = pool.records

    def recording(items, job, jobs, profile=None):
        used.append(jobs)
        return records(items, job, 0, profile)  # no processes in this test
    monkeypatch.setattr(pool, 'records', recording)
    monkeypatch.setattr(pool, 'cores', lambda: 2)
    with pytest.warns(UserWarning) as caught:
        summary = torchcrepe.predict_from_folder_to_folder(
            tree, str(tmp_path / 'out'), model='tiny', jobs=1000)
    assert [str(warning.message) for warning in caught] == [
        'jobs=1000 (--jobs 1000) is more than the 2 CPU cores this process '
        'may run on; using jobs=2: each worker process needs a core of its '
        'own for its torch thread, and more workers would only take turns on '
        'the same cores']
    assert used == [2] and (summary.succeeded, summary.failed) == (4, 3)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        torchcrepe.predict_from_folder_to_folder(
            tree, str(tmp_path / 'out2'), model='tiny', jobs=2)
    assert used == [2, 2]


def test_ray_actors_capped_at_the_cluster():
    assert ray_engine.actor_count(None, {'CPU': 4.}) == 4
    assert ray_engine.actor_count(3, {'CPU': 4.}) == 3
    with pytest.warns(UserWarning, match=r'jobs=8 \(--jobs 8\) is more than the '
                                         r'4 CPUs of the Ray cluster; using jobs=4'):
        assert ray_engine.actor_count(8, {'CPU': 4.}) == 4
    with pytest.warns(UserWarning, match='the 1 GPU of the Ray cluster'):
        assert ray_engine.actor_count(2, {'CPU': 8., 'GPU': 1.}, gpu=True) == 1


@pytest.mark.parametrize('arguments', [
    dict(jobs=-1), dict(jobs=True), dict(jobs=2.), dict(jobs='2'),
    dict(output_dir=None), dict(audio_list='list.txt'), dict(format='wav'),
    dict(decoder=lambda x: x), dict(engine='spark')])
def test_refused_arguments_are_parameter_errors(tree, tmp_path, arguments):
    arguments = dict(dict(audio_dir=tree, output_dir=str(tmp_path / 'out'),
                          model='tiny'), **arguments)
    with pytest.raises(torchcrepe.ParameterError):
        torchcrepe.predict_from_folder_to_folder(**arguments)
    assert not (tmp_path / 'out').exists()


def test_engine_ray_without_ray_is_a_parameter_error(tree, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, 'ray', None)
    with pytest.raises(torchcrepe.ParameterError, match='torchcrepe\\[ray\\]'):
        torchcrepe.predict_from_folder_to_folder(
            tree, str(tmp_path / 'out'), model='tiny', engine='ray')
