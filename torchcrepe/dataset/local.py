"""The local engine: worker processes read, this process runs the network."""
from . import outputs, reading
from .tracking import Tracker


def records(items, job, jobs):
    """Process items with `jobs` reader processes; yields one Record each

    Arguments
        items (iterable of listing.Item): the files to process
        job (outputs.Job)
        jobs (int): reader processes (0: read in this process)
    """
    options = job.settings()
    tracker = Tracker(options)
    reader = reading.Reader(items, options.hop_length, options.pad, jobs)
    for result in reader:
        if isinstance(result, reading.Failed):
            yield outputs.Record(result.item, 0., result.error, result.message)
            continue
        for tracked in tracker.add(result):
            yield written(job, tracked)
    for tracked in tracker.finish():
        yield written(job, tracked)


def written(job, tracked):
    """Write a Tracked file; its Record (an OSError is the file's failure)"""
    try:
        outputs.write(job, tracked)
    except OSError as error:
        return outputs.Record(tracked.item, 0., type(error).__name__, str(error))
    return outputs.Record(tracked.item, tracked.seconds)
