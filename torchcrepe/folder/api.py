"""Folder mode: every audio file under a folder (or in a list), one output each.

    python -m torchcrepe --audio_dir IN --output_dir OUT [--format npz]
        [--jobs N] [--overwrite] [--engine local|ray] [--ray_address ADDR]

Python: `predict_from_folder_to_folder(audio_dir, output_dir, ...)`: `plan`
(every check, before any work) then `execute`, which the command line
(torchcrepe.cli.folder) calls apart. Outputs mirror the input tree;
existing outputs are skipped (resume); failures go to OUT/failures.jsonl.
--jobs N: N worker processes (default one per core), each doing whole
files (read, resample, network, decode, write) with cores // N torch
threads; 0: all in this process; more than the cores are capped at the
cores, with a warning. Symbolic links are followed, each real directory
and file once: a link loop, a dangling link or an unreadable folder is a
failure of that entry, and a second path to a file (a link, a repeated
line of --audio_list) is left out with a warning (listing says
which path wins). The parts are the other modules of torchcrepe.folder.
"""
from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Iterator
from typing import Any

from ..defaults import DECODER, FMAX, FMIN, MODEL, VOICING
from ..types import Decoder, Device, FilePath
from ..utils import ParameterError, ParameterTypeError, caller_level, choice
from . import base, driver, listing, pool, ray_engine, task


ENGINES = ('local', 'ray')

# The output formats: torchcrepe.files' track formats, each holding time,
# pitch, periodicity; and the format and engine when none is named
FORMATS = tuple(suffix[1:] for suffix in base.TRACK_FORMATS)
FORMAT = 'npz'
ENGINE = 'local'


def predict_from_folder_to_folder(audio_dir: FilePath | None = None,
                                  output_dir: FilePath | None = None,
                                  hop_length: int | None = None,
                                  fmin: float = FMIN,
                                  fmax: float = FMAX,
                                  model: str = MODEL,
                                  decoder: str | Decoder = DECODER,
                                  batch_size: int | None = None,
                                  device: Device = 'cpu',
                                  pad: bool = True,
                                  *,
                                  precision: str | None = None,
                                  progress: bool = False,
                                  backend: str = 'torch',
                                  voicing_threshold: float = VOICING,
                                  format: str = FORMAT,
                                  jobs: int | None = None,
                                  overwrite: bool = False,
                                  engine: str = ENGINE,
                                  audio_list: FilePath | None = None,
                                  ray_address: str | None = None
                                  ) -> task.Summary:
    """Track the pitch of every audio file under a folder, one output each

    Arguments
        audio_dir (str): the input tree, read recursively (extensions in
            listing.AUDIO_EXTENSIONS); or None with audio_list
        output_dir (str): OUT; each file's output goes to the same
            relative path with its extension replaced by `format`'s
        format (str): 'npz' (default), 'npy', 'csv', 'json' or 'pt' (see
            writing); every format holds time, pitch, periodicity
        jobs (int or None): worker processes, each reading, tracking and
            writing whole chunks of files with cores // jobs torch threads;
            None for one per core; 0 for none (all in this process, with
            torch's threads as they are). More than the cores this process
            may run on (pool.cores()) is capped at the cores, with a
            UserWarning: each worker needs a core for its thread, and more
            would only take turns on them. With engine='ray': the actors
            (None: one per CPU, or GPU, of the cluster), capped the same way
            at the cluster's CPUs (GPUs) when the run starts (see
            ray_engine.actor_count). Refused: negative, bool, not an int
        overwrite (bool): recompute files whose output exists
        engine (str): 'local', or 'ray' (pip install 'torchcrepe[ray]')
        audio_list (str or None): a text file of audio paths, one a line,
            instead of audio_dir; lines naming the same file are done
            once, at the first of them (listing.manifest)
        ray_address (str or None): a Ray cluster; None for $RAY_ADDRESS,
            else a local Ray instance
        decoder (str or function): one of decode.DECODERS; viterbi and
            argmax draw their dither from a generator seeded from the
            file's relative path (listing.seed_from)
        others as predict_from_files_to_files

    Returns
        task.Summary: succeeded, skipped, failed, audio_seconds
        (files; an entry left out as a second path to a file is in none)

    Raises ParameterError (a ValueError, naming the argument) before any
    work for bad arguments; a bad file, a symlink loop or a dangling link
    is a line of OUT/failures.jsonl and counts as failed, not an error.
    """
    return execute(plan(
        audio_dir, output_dir, audio_list, format, jobs, engine, ray_address,
        overwrite, voicing_threshold, progress,
        dict(hop_length=hop_length, fmin=fmin, fmax=fmax, model=model,
             decoder=decoder, batch_size=batch_size, device=device, pad=pad,
             precision=precision, backend=backend)))


@dataclasses.dataclass(frozen=True)
class Planned:
    """A folder run whose arguments passed every check: what `plan`
    returns and `execute` runs (once: `items` is consumed)

    job (task.Job): the settings and output folder of each file
    items (iterator): the listing, its first entry already found
    total (int or None): the entries, counted for the progress bar
    address (str or None): the Ray cluster, with engine 'ray'
    engine (str), jobs (int or None), progress (bool): as given
    """
    job: task.Job
    items: Iterator[Any]
    total: int | None
    address: str | None
    engine: str
    jobs: int | None
    progress: bool


def execute(planned: Planned) -> task.Summary:
    """Run a Planned folder run; returns task.Summary"""
    if planned.engine == 'ray':
        def engine_(pending: Iterator[Any], profile: Any) -> Iterator[Any]:
            return ray_engine.records(pending, planned.job, planned.address,
                                       planned.jobs, profile)
    else:
        jobs = pool.default_jobs() if planned.jobs is None else _capped(planned.jobs)

        def engine_(pending: Iterator[Any], profile: Any) -> Iterator[Any]:
            return pool.records(pending, planned.job, jobs, profile)
    return driver.run(planned.items, planned.job, engine_, planned.progress,
                      planned.total)


def plan(audio_dir: FilePath | None, output_dir: FilePath | None,
         audio_list: FilePath | None, format: str, jobs: int | None,
         engine: str, ray_address: str | None, overwrite: bool,
         voicing_threshold: float, progress: bool,
         options: dict[str, Any]) -> Planned:
    """Check everything before any work; returns a Planned run

    Arguments as predict_from_folder_to_folder's, `options` being the
    pipeline's (hop_length, fmin, fmax, model, decoder, batch_size, device,
    pad, precision, backend) as a dict. Raises ParameterError naming the
    argument. Nothing is written before the checks pass (OUT is made last).
    """
    settings = base.settings(**options, progress=False)
    options = dict(options, decoder=_decoder_name(settings.decoder),
                   fmin=settings.fmin, fmax=settings.fmax,
                   device=str(settings.device), pad=settings.pad)
    if format in ('npy', 'pt'):
        raise ParameterError(
            f'format must be one of {", ".join(map(repr, FORMATS))}; got '
            f'{format!r}: folder mode writes one file per input, holding time, '
            f'pitch and periodicity, and .{format} holds one tensor (the '
            f'layout predict_from_file_to_file writes)')
    choice(format, FORMATS, 'format')
    choice(engine, ENGINES, 'engine')
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int)):
        raise ParameterTypeError(f'jobs must be None or an integer >= 0; got {jobs!r}')
    if jobs is not None and jobs < 0:
        raise ParameterError(f'jobs must be None or an integer >= 0; got {jobs!r}')
    base.checks.voicing_threshold(voicing_threshold)
    for value, argument in ((audio_dir, 'audio_dir'), (audio_list, 'audio_list'),
                            (output_dir, 'output_dir')):
        base.single_path(value, argument, allow_none=True)
    items = _listing(audio_dir, audio_list, output_dir)
    head, items = listing.first(items)
    if head is None:
        where = f'under {audio_dir!r}' if audio_list is None else f'in {audio_list!r}'
        raise ParameterError(f'no audio files {where} (looked for '
                             f'{", ".join(listing.AUDIO_EXTENSIONS)})')
    address = None
    if engine == 'ray':
        address = ray_engine.check(ray_address)
    assert output_dir is not None  # _listing refuses None
    _make_output_dir(output_dir)
    total = None
    if progress:
        total = sum(1 for _ in _listing(audio_dir, audio_list, output_dir))
    job = task.Job(options, os.path.abspath(output_dir), format,
                      bool(overwrite), float(voicing_threshold))
    return Planned(job, items, total, address, engine, jobs, bool(progress))


def _capped(jobs: int) -> int:
    """jobs, at most the cores this process may run on (one warning)"""
    cores = pool.cores()
    if jobs <= cores:
        return jobs
    plural = 's' if cores > 1 else ''
    warnings.warn(
        f'jobs={jobs} (--jobs {jobs}) is more than the {cores} CPU core{plural} '
        f'this process may run on; using jobs={cores}: each worker process '
        'needs a core of its own for its torch thread, and more workers would '
        'only take turns on the same cores', UserWarning, stacklevel=caller_level())
    return cores


def _decoder_name(decoder: Decoder) -> str:
    try:
        return base.decoder_name(decoder)
    except StopIteration:
        names = ', '.join(map(repr, base.DECODERS))
        raise ParameterError(
            f'decoder must be one of {names} in folder mode (a custom '
            f'decoder cannot be seeded per file); got {decoder!r}') from None


def _listing(audio_dir: FilePath | None, audio_list: FilePath | None,
             output_dir: FilePath | None) -> Iterator[Any]:
    if (audio_dir is None) == (audio_list is None):
        raise ParameterError('give exactly one of audio_dir and audio_list')
    if output_dir is None:
        raise ParameterError('output_dir is required')
    if audio_list is not None:
        if not os.path.isfile(audio_list):
            raise ParameterError(f'audio_list {audio_list!r} is not a file')
        if not os.access(audio_list, os.R_OK):
            raise ParameterError(f'audio_list {audio_list!r} cannot be read')
        return listing.manifest(audio_list)
    assert audio_dir is not None  # exactly one of the two is given
    if not os.path.isdir(audio_dir):
        state = 'is not a directory' if os.path.exists(audio_dir) else 'does not exist'
        raise ParameterError(f'audio_dir {audio_dir!r} {state}')
    return listing.walk(audio_dir, skip=output_dir)


def _make_output_dir(output_dir: FilePath) -> None:
    if os.path.exists(output_dir) and not os.path.isdir(output_dir):
        raise ParameterError(f'output_dir {output_dir!r} exists and is not a directory')
    try:
        os.makedirs(output_dir, exist_ok=True)
    except OSError as error:
        raise ParameterError(f'output_dir {output_dir!r} cannot be created '
                             f'({error.strerror or error})') from None
    if not os.access(output_dir, os.W_OK | os.X_OK):
        raise ParameterError(f'output_dir {output_dir!r} is not writable')
