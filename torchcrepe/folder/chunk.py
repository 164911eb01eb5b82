"""One chunk of files, start to end, in this process: read, resample,
frame, run the network, decode, write.

The one code path of folder mode: the local engine's worker processes
(pool.py), `jobs=0` (the driver's own process) and the Ray actors
(torchcrepe.folder.ray_engine) all call `process`. The frames of a chunk's files
share the network's blocks (batching.Batcher), so small files do not each
pad a block of their own.
"""
import os

from . import base, reading, task
from .batching import Batcher
from .profile import Profile


# Files per chunk: enough that the network's blocks mix several short
# files, few enough that a chunk's arrays are small and a worker that
# dies takes few files with it
SIZE = 8


def process(items, job, profile=None):
    """Process `items` (a list of listing.Item) and write their outputs

    Arguments
        items (list of listing.Item)
        job (task.Job)
        profile (Profile or None): seconds per stage are added to it

    Returns
        list of task.Record, one per item, in the order of `items`
    """
    profile = Profile() if profile is None else profile
    options = job.settings()
    tracker = Batcher(options, profile)
    records = {}
    for item in items:
        with profile.timed('reading'):
            prepared = reading.prepare(item, options.hop_length, options.pad)
        if isinstance(prepared, reading.Failed):
            records[item] = task.Record(item, 0., prepared.error,
                                        prepared.message)
            continue
        for tracked in tracker.add(prepared):
            records[tracked.item] = _written(job, tracked, profile)
    for tracked in tracker.finish():
        records[tracked.item] = _written(job, tracked, profile)
    return [records[item] for item in items]


def chunks(items, size=SIZE):
    """Lists of `size` consecutive items (the last one shorter)"""
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _written(job, tracked, profile):
    """Write a Tracked file; its Record (an OSError is the file's failure)"""
    try:
        with profile.timed('writing'):
            write(job, tracked)
    except OSError as error:
        return task.Record(tracked.item, 0., type(error).__name__, str(error))
    return task.Record(tracked.item, tracked.seconds)


def write(job, tracked):
    """Write one Tracked file's output (a track format of torchcrepe.files,
    by job.format) atomically, making its folders"""
    path = job.output(tracked.item)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    voiced = base.voiced(tracked.periodicity, job.voicing_threshold)
    with base.staged([path]) as (target,):
        base.save_track('pitch', path, tracked.pitch, tracked.periodicity,
                        tracked.times, voiced, job.metadata(tracked), target)
