"""One folder run, whatever the engine: skip, process, log, summarise.

The engine is a function of an iterator of Items (those still to do) and
a profile.Profile (to which it adds its seconds per stage) that returns an
iterator of task.Record, one per item, in listing order.

The listing's refused entries (symlink loops, dangling links, unreadable
folders) are failures, written to failures.jsonl in listing order among
the engine's; its LeftOut entries (a second name of a file or folder
listed elsewhere) are one warning line each and are not counted, so the
Summary's counts match the outputs written.
"""
import collections
import os
import sys
import time

import tqdm

from . import base, listing, task
from .profile import Profile


FAILURES = 'failures.jsonl'

# Seconds a temporary file must predate the run to be called stale
STALE_MARGIN = 1.


def run(items, job, engine, progress=False, total=None):
    """Run `engine` over `items`; returns task.Summary

    OUT/failures.jsonl lists the failed files and the entries the listing
    refused (one JSON object a line: path, relative, error, message, in
    listing order); it is written atomically at the end,
    empty when nothing failed, and an interrupted run leaves the previous
    one in place.
    """
    summary = task.Summary(failures_file=os.path.join(job.output_dir, FAILURES),
                              profile=Profile())
    started = time.perf_counter()
    bar = tqdm.tqdm(total=total, desc='torchcrepe', unit='file',
                    dynamic_ncols=True, disable=not progress)

    since = time.time()
    _remove_stale(job.output_dir, job.format, since)
    # In listing order: a refused entry's failure Record, or None for an
    # item handed to the engine, whose Record comes back in the same order
    listed = collections.deque()

    def pending():
        for item in _distinct(items, job, since):
            if isinstance(item, listing.LeftOut):
                tqdm.tqdm.write(f'torchcrepe: warning: {item.path} is left '
                                f'out: {item.reason}', file=sys.stderr)
                bar.update()
            elif item.error is not None:
                listed.append(task.Record(item, 0., item.error, item.message))
            elif job.skip(item):
                summary.skipped += 1
                bar.update()
            else:
                listed.append(None)
                yield item

    with bar, base.staged([summary.failures_file]) as (target,):
        with open(target, 'w', encoding='utf-8') as failures:
            def note(record):
                _count(summary, failures, record)
                bar.update()
                bar.set_postfix_str(f'{summary.audio_seconds / 3600:.2f} audio-h, '
                                    f'{summary.failed} failed', refresh=False)
            for record in engine(pending(), summary.profile):
                while listed[0] is not None:
                    note(listed.popleft())
                listed.popleft()
                note(record)
            for record in listed:  # refused entries after the last item
                note(record)
    summary.seconds = time.perf_counter() - started
    return summary


def _count(summary, failures, record):
    """Count a Record in the summary; a failure is a line of `failures`"""
    if record.error is None:
        summary.succeeded += 1
        summary.audio_seconds += record.seconds
    else:
        summary.failed += 1
        failures.write(task.failure_line(record))
        failures.flush()


def _distinct(items, job, since):
    """Items, less those whose output path an earlier item of the same
    folder already takes (a.wav and a.flac): those are left out, and a
    warning line names them. Memory holds one folder's names at a time."""
    folder, taken = None, {}
    for item in items:
        if isinstance(item, listing.LeftOut) or item.error is not None:
            yield item  # writes nothing
            continue
        path = job.output(item)
        parent = os.path.dirname(path)
        if parent != folder:
            folder, taken = parent, {}
            if folder != job.output_dir:  # done before failures.jsonl's own
                _remove_stale(folder, job.format, since)
        if path in taken:
            tqdm.tqdm.write(f'torchcrepe: warning: {item.path} is left out: '
                            f'{taken[path]} already writes {path}',
                            file=sys.stderr)
            continue
        taken[path] = item.path
        yield item


def _remove_stale(folder, format, since):
    """Remove the temporary files a killed run left in `folder`

    files.staged writes `.NAME.RANDOM.tmp` beside each output and renames it
    when complete; a run killed with SIGKILL cannot remove its own. Only
    those of this format (or failures.jsonl) older than this run go, by a
    margin: file times come from a coarser clock than time.time().
    """
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if not (name.startswith('.') and name.endswith('.tmp')):
            continue
        target = name[1:-len('.tmp')].rpartition('.')[0]
        if target.endswith('.' + format) or target == FAILURES:
            try:
                if entry.stat().st_mtime < since - STALE_MARGIN:
                    os.unlink(entry.path)
            except OSError:
                pass
