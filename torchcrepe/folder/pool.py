"""The local engine: worker processes, each taking whole chunks of files.

Each worker (a `spawn` process) runs chunk.process on chunks of
chunk.SIZE files: it reads, resamples, frames, runs the network, decodes
and writes, with torch.set_num_threads(cores // jobs). Nothing but file
names and Records crosses a process boundary, and the workers never wait
on each other, so jobs workers keep jobs * threads cores busy.

This process lists the files, hands each worker at most IN_FLIGHT chunks
at a time (the one it works on and the next), and yields the Records in
listing order. Memory holds at most jobs * IN_FLIGHT chunks of audio.

A worker that dies (killed, out of memory, a crash inside a decoding
library) is replaced: the files of the chunk it was working on are
reported as failures (`WorkerDied`), its next chunk goes to another
worker. A worker whose parent dies stops too (Linux: at once; elsewhere
within WATCH_INTERVAL seconds).
"""
import collections
import contextlib
import ctypes
import ctypes.util
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time

from . import chunk, task
from .profile import Profile


# Chunks a worker holds at a time: the one it works on and the next, so
# that it never waits for this process between chunks
IN_FLIGHT = 2

# Chunks done ahead of the oldest unfinished one, per worker, at most: a
# slow chunk holds back the order of Records, not the other workers
LOOKAHEAD = 16

# Seconds between this process's checks on its workers' health
POLL_INTERVAL = .5

# Seconds between a worker's checks that its parent lives (where the
# system cannot signal it)
WATCH_INTERVAL = 1.

# Thread pools a library sizes at import (OpenMP, BLAS, numba), before a
# worker can call torch.set_num_threads: set in its environment, so that
# `jobs` workers do not each start a pool as wide as the machine
THREAD_VARIABLES = ('OMP_NUM_THREADS', 'MKL_NUM_THREADS',
                    'OPENBLAS_NUM_THREADS', 'NUMBA_NUM_THREADS')


def default_jobs():
    """Worker processes when jobs is not given: one per available core"""
    return cores()


def cores():
    """CPU cores this process may run on"""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def threads_per_worker(jobs):
    """torch threads of each of `jobs` workers: the cores shared out"""
    return max(1, cores() // max(1, jobs))


def records(items, job, jobs, profile=None):
    """Process items with `jobs` worker processes; yields one Record each,
    in the order of `items`

    Arguments
        items (iterable of listing.Item): the files to process
        job (task.Job)
        jobs (int): worker processes; 0 processes the files in this process
            (with torch's threads as they are)
        profile (Profile or None): seconds per stage, summed over workers,
            are added to it
    """
    profile = Profile() if profile is None else profile
    items = _timed(items, profile)
    if jobs == 0:
        for files in chunk.chunks(items):
            yield from chunk.process(files, job, profile)
        return
    pool = Pool(job, jobs)
    try:
        yield from pool.records(items, profile)
    finally:
        pool.close()


def _timed(items, profile):
    """items, the time taken to produce each added to 'listing'"""
    items = iter(items)
    while True:
        with profile.timed('listing'):
            item = next(items, None)
        if item is None:
            return
        yield item


class _Worker:
    """One worker process, the pipe to it, and the chunks it holds"""

    def __init__(self, context, job, threads):
        here, there = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(there, job, threads, os.getpid(), time.time()),
            daemon=True, name='torchcrepe-worker')
        with thread_environment(threads):
            self.process.start()
        there.close()
        self.connection = here
        self.chunks = collections.deque()  # chunk numbers, oldest first

    def send(self, number, files):
        self.chunks.append(number)
        try:
            self.connection.send((number, files))
        except OSError:  # it died: the chunk goes back with its others
            pass

    def received(self):
        """(number, records, profile) of each chunk the worker has sent back"""
        results = []
        try:
            while self.connection.poll():
                results.append(self.connection.recv())
        except (EOFError, OSError):  # it died; what it sent is read
            pass
        for number, _, _ in results:
            self.chunks.remove(number)
        return results

    def stop(self, timeout=5.):
        """An idle worker is told to end; a busy one (an interrupted run)
        is terminated (SIGTERM: it removes its unfinished temporary file)"""
        if not self.chunks:
            try:
                self.connection.send(None)
            except OSError:
                pass
            self.process.join(timeout)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()


class Pool:
    """`jobs` worker processes for one Job

    `records(items, profile)` yields a Record per item in order; `close()`
    stops the workers (an interrupted run: at once).
    """

    def __init__(self, job, jobs):
        self.job = job
        self.jobs = jobs
        self.threads = threads_per_worker(jobs)
        self.context = multiprocessing.get_context('spawn')
        self.workers = [self._start() for _ in range(jobs)]

    def _start(self):
        return _Worker(self.context, self.job, self.threads)

    def close(self):
        for worker in self.workers:
            worker.stop()
        self.workers = []

    def records(self, items, profile):
        chunks = chunk.chunks(items)
        retry = collections.deque()  # (number, files) of dead workers
        sent = {}                    # number: files, sent and not back
        done = {}                    # number: records, back, not yielded
        issued = following = 0       # chunks taken; the next to yield
        exhausted = False
        while True:
            # Hand out chunks to workers with room, the least busy first
            while retry or not exhausted:
                worker = min(self.workers, key=lambda worker: len(worker.chunks))
                if len(worker.chunks) >= IN_FLIGHT:
                    break
                if retry:
                    number, files = retry.popleft()
                elif issued - following >= LOOKAHEAD * self.jobs:
                    break
                else:
                    files = next(chunks, None)
                    if files is None:
                        exhausted = True
                        break
                    number, issued = issued, issued + 1
                sent[number] = files
                worker.send(number, files)
            while following in done:
                yield from done.pop(following)
                following += 1
            if exhausted and not sent and not retry:
                return
            multiprocessing.connection.wait(
                [worker.connection for worker in self.workers]
                + [worker.process.sentinel for worker in self.workers],
                POLL_INTERVAL)
            for index, worker in enumerate(self.workers):
                for number, records, spent in worker.received():
                    done[number] = records
                    del sent[number]
                    profile.add(spent)
                if worker.process.exitcode is not None:
                    self.workers[index] = self._replace(worker, sent, done, retry)

    def _replace(self, worker, sent, done, retry):
        """A dead worker's first chunk fails, its others go to `retry`;
        returns a new worker"""
        lost = list(worker.chunks)
        worker.connection.close()
        if lost:
            first = lost[0]
            files = sent.pop(first)
            why = _death(worker.process.exitcode)
            done[first] = [
                task.Record(item, 0., 'WorkerDied',
                               f'the worker process processing the chunk of '
                               f'{len(files)} files holding {item.path!r} died '
                               f'({why}); its files that have no output were '
                               'not processed: run again to retry them')
                for item in files]
            for number in lost[1:]:
                retry.append((number, sent.pop(number)))
        return self._start()


@contextlib.contextmanager
def thread_environment(threads):
    """os.environ with THREAD_VARIABLES set to `threads`, for a child
    process started in the block to inherit"""
    variables = dict.fromkeys(THREAD_VARIABLES, str(threads))
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _death(exitcode):
    """How a process ended, in words"""
    if exitcode < 0:
        try:
            return f'killed by {signal.Signals(-exitcode).name}'
        except ValueError:
            return f'killed by signal {-exitcode}'
    return f'exit status {exitcode}'


###############################################################################
# The worker process
###############################################################################


def _serve(connection, job, threads, parent, spawned):
    """A worker's life: chunks from `connection` until None or EOF, each
    answered with (number, records, profile); `spawned`: time.time() when
    the parent started it (its imports count as start-up)"""
    _follow(parent)
    # Ctrl-C reaches the whole process group: the parent stops its
    # workers; SIGTERM unwinds, so that staged files are removed
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    import torch
    torch.set_num_threads(threads)
    profile = Profile()
    _load(job)
    profile.seconds['starting'] += max(0., time.time() - spawned)
    while True:
        with profile.timed('idle'):
            try:
                message = connection.recv()
            except (EOFError, OSError):
                return
        if message is None:
            return
        number, files = message
        records = chunk.process(files, job, profile)
        connection.send((number, records, profile.take()))


def _load(job):
    """Load the model before the first chunk (counted as start-up)"""
    import torch
    from . import base
    options = job.settings()
    with torch.no_grad():
        base.probabilities(torch.zeros(2, 1024), options)


def _follow(parent):
    """End this process when the parent process ends (a parent killed
    with SIGKILL cannot stop its workers itself)"""
    if sys.platform.startswith('linux'):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library('c'), use_errno=True)
            PR_SET_PDEATHSIG = 1
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # it ended before prctl
        os._exit(1)
    threading.Thread(target=_watch, args=(parent,), daemon=True).start()


def _watch(parent):
    while os.getppid() == parent:
        time.sleep(WATCH_INTERVAL)
    os._exit(1)
