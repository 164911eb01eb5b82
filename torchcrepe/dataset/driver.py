"""One folder run, whatever the engine: skip, process, log, summarise.

The engine is a function of an iterator of Items (those still to do) and
a profile.Profile (to which it adds its seconds per stage) that returns an
iterator of outputs.Record, one per item, in listing order.
"""
import os
import time

import tqdm

from . import base, outputs
from .profile import Profile


FAILURES = 'failures.jsonl'

# Seconds a temporary file must predate the run to be called stale
STALE_MARGIN = 1.


def run(items, job, engine, progress=False, total=None):
    """Run `engine` over `items`; returns outputs.Summary

    OUT/failures.jsonl lists the failed files (one JSON object a line:
    path, relative, error, message); it is written atomically at the end,
    empty when nothing failed, and an interrupted run leaves the previous
    one in place.
    """
    summary = outputs.Summary(failures_file=os.path.join(job.output_dir, FAILURES),
                              profile=Profile())
    started = time.perf_counter()
    bar = tqdm.tqdm(total=total, desc='torchcrepe', unit='file',
                    dynamic_ncols=True, disable=not progress)

    since = time.time()
    _remove_stale(job.output_dir, job.format, since)

    def pending():
        for item in _distinct(items, job, since):
            if job.skip(item):
                summary.skipped += 1
                bar.update()
            else:
                yield item

    with bar, base.staged([summary.failures_file]) as (target,):
        with open(target, 'w', encoding='utf-8') as failures:
            for record in engine(pending(), summary.profile):
                if record.error is None:
                    summary.succeeded += 1
                    summary.audio_seconds += record.seconds
                else:
                    summary.failed += 1
                    failures.write(outputs.failure_line(record))
                    failures.flush()
                bar.update()
                bar.set_postfix_str(f'{summary.audio_seconds / 3600:.2f} audio-h, '
                                    f'{summary.failed} failed', refresh=False)
    summary.seconds = time.perf_counter() - started
    return summary


def _distinct(items, job, since):
    """Items, less those whose output path an earlier item of the same
    folder already takes (a.wav and a.flac): those are left out, and a
    warning line names them. Memory holds one folder's names at a time."""
    folder, taken = None, {}
    for item in items:
        path = job.output(item)
        parent = os.path.dirname(path)
        if parent != folder:
            folder, taken = parent, {}
            if folder != job.output_dir:  # done before failures.jsonl's own
                _remove_stale(folder, job.format, since)
        if path in taken:
            tqdm.tqdm.write(f'torchcrepe: warning: {item.path} is left out: '
                            f'{taken[path]} already writes {path}')
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
