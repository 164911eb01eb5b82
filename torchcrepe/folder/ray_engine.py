"""Pitch tracking on Ray: a Ray Data callable, and folder mode's Ray engine.

Needs `pip install 'torchcrepe[ray]'`; `ray` is imported only inside the
functions here, so torchcrepe works without it.

Ray Data (your own pipeline):

    import ray
    from torchcrepe.distributed import PitchTracker

    paths = [line.strip() for line in open('clips.txt')]
    ds = ray.data.from_items([{'path': path} for path in paths])
    ds = ds.map_batches(PitchTracker, fn_constructor_kwargs={'model': 'tiny'},
                        batch_size=64, concurrency=4,
                        num_gpus=0)                  # 1: one GPU per actor
    ds.write_parquet('/shared/pitch')               # or .iter_rows()

Folder mode (`engine='ray'`, `--engine ray`): files go in chunks to actors
(`FolderWorker`), each reading, tracking and writing its files to OUT
exactly as the local engine does, so the arrays are the same bit for bit.
Fault tolerance: the actors are created with `max_restarts=MAX_RESTARTS`
and `max_task_retries=MAX_TASK_RETRIES`: an actor process that dies
(killed, out of memory) is restarted and its unfinished chunk is run again;
outputs are written atomically, so a chunk run twice writes the same files.
"""
from __future__ import annotations

import collections
import os
import socket
import warnings
from typing import Any

import torch

from ..defaults import DECODER, FMAX, FMIN, MODEL
from ..types import Device
from ..utils import ParameterError, caller_level, require
from . import base, chunk, reading
from .batching import Batcher
from .listing import Item
from .profile import Profile


# An actor that dies is restarted up to this many times, and the call it
# was running is retried up to MAX_TASK_RETRIES times
MAX_RESTARTS = 3
MAX_TASK_RETRIES = 3

# Calls (of chunk.SIZE files) in flight per actor
IN_FLIGHT = 2

# Seconds to wait for a named cluster's port before calling it unreachable
CONNECT_TIMEOUT = 5.


def _ray():
    """The ray module, or ParameterError naming the extra (a usage error
    for the command line)"""
    try:
        return require('ray', '--engine ray', 'ray')
    except ImportError as error:
        raise ParameterError(str(error)) from None


def check(address=None):
    """Ray's address for folder mode, checked before any work

    Returns `address`, else $RAY_ADDRESS, else None (a local Ray). Raises
    ParameterError (a ValueError) without Ray installed, or when a named
    cluster's host:port does not answer within CONNECT_TIMEOUT seconds.
    """
    _ray()
    address = address or os.environ.get('RAY_ADDRESS') or None
    if address in (None, 'auto', 'local'):
        return address
    hostport = address.split('://', 1)[-1].rsplit('/', 1)[0]
    host, _, port = hostport.rpartition(':')
    try:
        with socket.create_connection((host or 'localhost', int(port)),
                                      timeout=CONNECT_TIMEOUT):
            pass
    except (OSError, ValueError) as error:
        raise ParameterError(
            f'cannot reach the Ray cluster at {address!r} ({error}); check '
            '--ray_address / RAY_ADDRESS, or unset it for a local Ray') from None
    return address


###############################################################################
# Ray Data
###############################################################################


class PitchTracker:
    """A callable class for ray.data.Dataset.map_batches

    Arguments (fn_constructor_kwargs): model, decoder (a name, default
    'viterbi'), hop_length, fmin, fmax, pad, precision, batch_size as
    predict's; device: None for the GPU Ray assigned this actor, if any,
    else the CPU.

    Each batch (a dict of columns) holds either `path` (audio files) or
    `audio` (float arrays (time,) or (channels, time)) and `sample_rate`.
    The model is loaded once per actor. Returns the input columns plus
    `time` (frames,) s, `pitch` (frames,) Hz, `periodicity` (frames,) and
    `error` ('' for a good row; for a bad one the message, with empty
    arrays). Dither (viterbi, argmax) is seeded from `key` if given, else
    `path`, as folder mode seeds it from the relative path.
    """

    def __init__(self, model: str = MODEL, decoder: str = DECODER,
                 hop_length: int | None = None, fmin: float = FMIN,
                 fmax: float = FMAX, pad: bool = True,
                 precision: str | None = None, batch_size: int | None = None,
                 device: Device | None = None) -> None:
        if device is None:
            device = 'cuda' if _ray().get_gpu_ids() and torch.cuda.is_available() else 'cpu'
        # settings checks the decoder's name (a ParameterError naming it)
        self.options = base.settings(
            hop_length, fmin, fmax, model, decoder, batch_size, device, pad,
            precision)
        with torch.no_grad():  # load the model now, once
            base.probabilities(torch.zeros(1, 1024), self.options)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        keys = batch.get('key', batch.get('path'))
        count = len(next(iter(batch.values())))
        keys = [str(key) for key in keys] if keys is not None else \
            [str(index) for index in range(count)]
        results = {}
        tracker = Batcher(self.options)
        for index, key in enumerate(keys):
            path = str(batch['path'][index]) if 'path' in batch else key
            item = Item(path, key)
            if 'path' in batch:
                prepared = reading.prepare(item, self.options.hop_length,
                                           self.options.pad)
            else:
                prepared = reading.prepare_audio(
                    item, torch.as_tensor(batch['audio'][index]),
                    int(batch['sample_rate'][index]), self.options.hop_length,
                    self.options.pad)
            if isinstance(prepared, reading.Failed):
                results[index] = prepared.message
                continue
            for tracked in tracker.add(prepared):
                results[keys.index(tracked.item.relative)] = tracked
        for tracked in tracker.finish():
            results[keys.index(tracked.item.relative)] = tracked
        return dict(batch, **_columns([results[index] for index in range(count)]))


def _columns(results):
    empty = torch.zeros(0).numpy()
    columns = collections.defaultdict(list)
    for result in results:
        failed = isinstance(result, str)
        columns['time'].append(empty.astype('float64') if failed else result.times)
        columns['pitch'].append(empty if failed else result.pitch[0].numpy())
        columns['periodicity'].append(
            empty if failed else result.periodicity[0].numpy())
        columns['error'].append(result if failed else '')
    return dict(columns)


###############################################################################
# Folder mode's engine
###############################################################################


class FolderWorker:
    """One Ray actor of folder mode: reads, tracks and writes whole chunks"""

    def __init__(self, job):
        torch.set_num_threads(max(1, int(_ray().get_runtime_context()
                                          .get_assigned_resources().get('CPU', 1))))
        self.job = job

    def process(self, items):
        """(task.Record for each item, after writing its output; the
        chunk's profile.Profile)"""
        profile = Profile()
        return chunk.process(items, self.job, profile), profile


def records(pending, job, address=None, actors=None, profile=None):
    """folder mode's engine on Ray: yields one Record per item, in order

    Arguments
        pending (iterator of Item), job (task.Job)
        address (str or None): checked by `check`; None starts a local Ray
            unless one is running in this process already
        actors (int or None): FolderWorker actors; None for one per CPU of
            the cluster (one per GPU when job's device is CUDA); more are
            capped at that number (actor_count)
    """
    ray = _ray()
    started = not ray.is_initialized()
    if started:
        ray.init(address=address, include_dashboard=False,
                 log_to_driver=False, configure_logging=False)
    gpu = torch.device(job.options['device']).type == 'cuda'
    worker = ray.remote(FolderWorker).options(
        num_cpus=1, num_gpus=1 if gpu else 0, max_restarts=MAX_RESTARTS,
        max_task_retries=MAX_TASK_RETRIES)
    count = actor_count(actors, ray.cluster_resources(), gpu)
    pool = [worker.remote(job) for _ in range(count)]
    try:
        flight = collections.deque()
        for index, files in enumerate(chunk.chunks(pending)):
            flight.append(pool[index % count].process.remote(files))
            if len(flight) >= IN_FLIGHT * count:
                yield from _collected(ray.get(flight.popleft()), profile)
        while flight:
            yield from _collected(ray.get(flight.popleft()), profile)
    finally:
        for actor in pool:
            ray.kill(actor)
        if started:
            ray.shutdown()


def actor_count(actors, resources, gpu=False):
    """The FolderWorker actors to start: `actors`, at most one per CPU (GPU
    when `gpu`) in `resources` (ray.cluster_resources() as the run starts)

    Capped, with a UserWarning, rather than left to Ray: chunks are dealt
    to the actors in turn, and an actor the cluster has no CPU (GPU) for
    is never placed on a cluster that does not grow, so the chunks dealt to
    it would wait for ever. An autoscaling cluster is taken at its size
    when the run starts (start its nodes first, or use PitchTracker with
    Ray Data, which scales with the cluster). None: one per CPU (GPU).
    """
    kind = 'GPU' if gpu else 'CPU'
    available = max(1, int(resources.get(kind, 1)))
    if actors is None or actors == 0:
        return available
    if actors <= available:
        return actors
    kinds = kind if available == 1 else f'{kind}s'
    warnings.warn(
        f'jobs={actors} (--jobs {actors}) is more than the {available} '
        f'{kinds} of the Ray cluster; using jobs={available}: each actor '
        f'needs a {kind} of its own, and one the cluster cannot place would '
        'hold its files for ever', UserWarning, stacklevel=caller_level())
    return available


def _collected(result, profile):
    records, spent = result
    profile.add(spent)
    return records
