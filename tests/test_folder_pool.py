"""The local engine's worker pool: order, jobs=0 equals jobs=2 bit for bit,
a worker that dies"""
import os
import signal

import numpy as np
import pytest

import torchcrepe
from torchcrepe import files
from torchcrepe.folder import chunk, listing, pool, task
from torchcrepe.folder.profile import Profile, STAGES

from .signals import tone, write_wav


# 21 files: three chunks, the last one short; two of them broken
COUNT = 21
BROKEN = ('f05.wav', 'f16.wav')


@pytest.fixture(scope='module')
def tree(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('in'))
    for index in range(COUNT):
        name = f'f{index:02d}.wav'
        if name in BROKEN:
            with open(os.path.join(root, name), 'w') as file:
                file.write('not audio\n')
            continue
        rate = (16000, 22050)[index % 2]
        write_wav(os.path.join(root, name),
                  tone(120 + 17 * index, .15 + .01 * index, rate), rate)
    return root


def job(out):
    options = dict(hop_length=None, fmin=50., fmax=torchcrepe.MAX_FMAX,
                   model='tiny', decoder='viterbi', batch_size=None,
                   device='cpu', pad=True, precision=None, backend='torch')
    return task.Job(options, out)


def test_jobs_0_equals_jobs_2_in_order(tree, tmp_path):
    items = list(listing.walk(tree))
    results = {}
    for jobs in (0, 2):
        out = str(tmp_path / f'jobs{jobs}')
        profile = Profile()
        records = list(pool.records(iter(items), job(out), jobs, profile))
        # One Record per item, in listing order, failures in their place
        assert [record.item for record in records] == items
        assert [record.item.relative for record in records
                if record.error] == list(BROKEN)
        assert {record.error for record in records if record.error} == {'ValueError'}
        assert set(profile.seconds) == set(STAGES)
        assert profile.frames > 0 and profile.seconds['network'] > 0
        results[jobs] = (out, profile)
    # Worker start-up is counted for workers only
    assert results[0][1].seconds['starting'] == 0
    assert results[2][1].seconds['starting'] > 0
    assert results[0][1].frames == results[2][1].frames
    for item in items:
        if item.relative in BROKEN:
            continue
        first, second = (files.read_track(listing.output_path(results[jobs][0],
                                                          item.relative, 'npz'))
                         for jobs in (0, 2))
        for left, right in zip(first, second):
            np.testing.assert_array_equal(left, right)


def test_worker_that_dies_fails_its_chunk_only(tree, tmp_path):
    items = list(listing.walk(tree))
    workers = pool.Pool(job(str(tmp_path / 'out')), 1)
    killed = []

    def listed():
        for index, item in enumerate(items):
            if index == chunk.SIZE:
                # The first chunk is with the worker, still starting up
                victim = workers.workers[0]
                assert list(victim.chunks) == [0]
                os.kill(victim.process.pid, signal.SIGKILL)
                victim.process.join()
                killed.append(victim.process.pid)
            yield item
    try:
        records = list(workers.records(listed(), Profile()))
    finally:
        workers.close()
    assert killed and workers.workers == []
    assert [record.item for record in records] == items
    first = records[:chunk.SIZE]
    assert {record.error for record in first} == {'WorkerDied'}
    assert 'killed by SIGKILL' in first[0].message
    # The rest went to a new worker
    rest = records[chunk.SIZE:]
    assert [record.item.relative for record in rest if record.error] == ['f16.wav']
    assert sum(record.error is None for record in rest) == COUNT - chunk.SIZE - 1
