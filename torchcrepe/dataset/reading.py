"""Reading and resampling files, in worker processes, ahead of the network.

`prepare` turns one file into 16 kHz audio exactly as predict does (load,
check, mono, resample). `Reader` runs it in a pool of processes with a
bounded window of files in flight, and hands results back in listing order,
so that the network in the main process never waits on a file that a
worker could have read already, and memory holds at most `window` files.
"""
import collections
import concurrent.futures
import dataclasses
import multiprocessing
import os
import threading
import time

import numpy as np
import torch

from . import base


@dataclasses.dataclass
class Prepared:
    """One file ready for the network

    audio (numpy.ndarray [shape=(time,)]): float32 mono at 16 kHz
    sample_rate (int): the file's own rate, Hz; hop (int): 16 kHz samples
    seconds (float): the file's duration
    """
    item: object
    audio: np.ndarray
    sample_rate: int
    hop: int
    seconds: float


@dataclasses.dataclass
class Failed:
    """One file that could not be processed: error is the exception's type
    name, message its text"""
    item: object
    error: str
    message: str


# What a bad file raises: load.audio and the checks raise ValueError (a
# non-audio or empty file, NaN samples, too short), OSError for a missing
# or unreadable file, RuntimeError from deep inside a decoder library
FILE_ERRORS = (ValueError, OSError, RuntimeError, EOFError)


def prepare(item, hop_length, pad):
    """Read, check and resample one file; returns Prepared or Failed"""
    try:
        if item.relative.split('/')[0] == '..':
            raise ValueError(
                f'{item.path!r} lies outside the list\'s directory (a ".." in '
                'the line); give an absolute path or one below the list')
        audio, sample_rate = base.load_audio(item.path)
        return prepare_audio(item, audio, sample_rate, hop_length, pad)
    except FILE_ERRORS as error:
        return Failed(item, type(error).__name__, str(error))


def prepare_audio(item, audio, sample_rate, hop_length, pad):
    """Check and resample decoded audio (channels, time) or (time,) at
    `sample_rate` Hz; returns Prepared or Failed"""
    try:
        name = f'audio file {item.path!r}'
        resampled, hop = base.checked(audio, sample_rate, hop_length, pad, name)
        seconds = audio.size(-1) / sample_rate
        return Prepared(item, resampled[0].numpy(), sample_rate, hop, seconds)
    except (*FILE_ERRORS, TypeError) as error:
        return Failed(item, type(error).__name__, str(error))


def _initialise_worker(parent):
    # One thread per worker: the workers and the network share the cores
    torch.set_num_threads(1)
    # A main process killed with SIGKILL cannot stop its workers: each one
    # watches for its parent to go, and then exits too
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent, interval=1.):
    while os.getppid() == parent:
        time.sleep(interval)
    os._exit(1)


class Reader:
    """prepare() over a stream of items, in order, `jobs` processes wide

    Arguments
        items (iterable of Item)
        hop_length (int or None), pad (bool): as predict's
        jobs (int): worker processes; 0 reads in this process
        window (int or None): files in flight at most; default 2 * jobs + 2

    A worker that dies (killed, out of memory) breaks the pool: a new pool
    is started and the files in flight are read again; a file that was
    first in line twice when a pool broke is reported as Failed.
    """

    def __init__(self, items, hop_length, pad, jobs, window=None):
        self.items = iter(items)
        self.arguments = (hop_length, pad)
        self.jobs = jobs
        self.window = window or 2 * jobs + 2
        self.pool = None
        self.broken = collections.Counter()

    def __iter__(self):
        if self.jobs == 0:
            for item in self.items:
                yield prepare(item, *self.arguments)
            return
        flight = collections.deque()
        try:
            self._start()
            self._fill(flight)
            while flight:
                item, future = flight[0]
                try:
                    result = future.result()
                except concurrent.futures.process.BrokenProcessPool:
                    self._restart(flight)
                    continue
                flight.popleft()
                self._fill(flight)
                yield result
        finally:
            self._stop()

    def _start(self):
        context = multiprocessing.get_context('spawn')
        self.pool = concurrent.futures.ProcessPoolExecutor(
            self.jobs, mp_context=context, initializer=_initialise_worker,
            initargs=(os.getpid(),))

    def _stop(self):
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def _fill(self, flight):
        while len(flight) < self.window:
            item = next(self.items, None)
            if item is None:
                return
            flight.append((item, self._submit(item)))

    def _submit(self, item):
        if self.broken[item.relative] >= 2:
            done = concurrent.futures.Future()
            done.set_result(Failed(item, 'WorkerDied',
                                   f'reading {item.path!r} killed its worker '
                                   'process twice'))
            return done
        return self.pool.submit(prepare, item, *self.arguments)

    def _restart(self, flight):
        self.broken[flight[0][0].relative] += 1
        self._stop()
        self._start()
        for index, (item, _) in enumerate(flight):
            flight[index] = (item, self._submit(item))


def default_jobs():
    """Reader processes when --jobs is not given: one per available core"""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)
