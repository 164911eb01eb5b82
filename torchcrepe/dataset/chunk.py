"""One chunk of files, start to end, in this process: read, resample,
frame, run the network, decode, write.

The one code path of folder mode: the local engine's worker processes
(pool.py), `jobs=0` (the driver's own process) and the Ray actors
(torchcrepe.distributed) all call `process`. The frames of a chunk's files
share the network's blocks (tracking.Batcher), so small files do not each
pad a block of their own.
"""
from . import outputs, reading
from .profile import Profile
from .tracking import Batcher


# Files per chunk: enough that the network's blocks mix several short
# files, few enough that a chunk's arrays are small and a worker that
# dies takes few files with it
SIZE = 8


def process(items, job, profile=None):
    """Process `items` (a list of listing.Item) and write their outputs

    Arguments
        items (list of listing.Item)
        job (outputs.Job)
        profile (Profile or None): seconds per stage are added to it

    Returns
        list of outputs.Record, one per item, in the order of `items`
    """
    profile = Profile() if profile is None else profile
    options = job.settings()
    tracker = Batcher(options, profile)
    records = {}
    for item in items:
        with profile.timed('reading'):
            prepared = reading.prepare(item, options.hop_length, options.pad)
        if isinstance(prepared, reading.Failed):
            records[item] = outputs.Record(item, 0., prepared.error,
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
            outputs.write(job, tracked)
    except OSError as error:
        return outputs.Record(tracked.item, 0., type(error).__name__, str(error))
    return outputs.Record(tracked.item, tracked.seconds)
