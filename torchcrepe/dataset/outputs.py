"""Writing folder mode's outputs: one file per input, never half-written.

Formats (each holds pitch, periodicity and frame times):
- `npz` (default): arrays `time` (frames,) float64 seconds, `pitch`
  (frames,) float32 Hz, `periodicity` (frames,) float32, and `settings`, a
  0-d string array holding JSON (model, decoder, fmin, fmax, sample_rate,
  hop_seconds, pad, precision, backend, torchcrepe version);
  `numpy.load(path)` reads it without pickle
- `npy`: one (3, frames) float64 array, rows time, pitch, periodicity
  (float32 values widened exactly)
- `pt`: torch.save of {'time': (frames,) float64, 'pitch': (1, frames),
  'periodicity': (1, frames), 'settings': dict}
- `csv`, `json`: as torchcrepe.files writes them (frequency empty/null
  where periodicity is below the voicing threshold)
"""
import dataclasses
import json
import os

import numpy as np
import torch

from . import base
from .listing import output_path


@dataclasses.dataclass(frozen=True)
class Job:
    """Everything a worker needs to process and write a file; picklable

    options: keyword arguments of base.settings (decoder by name)
    """
    options: dict
    output_dir: str
    format: str = 'npz'
    overwrite: bool = False
    voicing_threshold: float = base.VOICING_THRESHOLD

    def settings(self):
        return base.settings(**self.options)

    def output(self, item):
        return output_path(self.output_dir, item.relative, self.format)

    def skip(self, item):
        """Whether the item's output exists already (atomic writes: then it
        is complete) and is to be kept"""
        return not self.overwrite and os.path.exists(self.output(item))

    def metadata(self, tracked):
        """The settings recorded with an output, as torchcrepe.outputs
        records them for single files"""
        return base.metadata(self.settings(), tracked.sample_rate,
                             self.voicing_threshold)


def write(job, tracked):
    """Write one Tracked file's output atomically, making its folders"""
    path = job.output(tracked.item)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    metadata = job.metadata(tracked)
    times = tracked.times
    pitch, periodicity = tracked.pitch, tracked.periodicity
    with base.staged([path]) as (target,):
        if job.format == 'npz':
            with open(target, 'wb') as file:
                np.savez(file, time=times, pitch=pitch[0].numpy(),
                         periodicity=periodicity[0].numpy(),
                         settings=np.array(json.dumps(metadata)))
        elif job.format == 'npy':
            with open(target, 'wb') as file:
                np.save(file, np.stack([times, pitch[0].double().numpy(),
                                        periodicity[0].double().numpy()]))
        elif job.format == 'pt':
            with open(target, 'wb') as file:
                torch.save({'time': torch.from_numpy(times), 'pitch': pitch,
                            'periodicity': periodicity, 'settings': metadata},
                           file)
        else:
            voiced = (periodicity >= job.voicing_threshold).numpy().reshape(-1)
            base.save_track('pitch', path, pitch, periodicity, times, voiced,
                            metadata, target)


def read(path):
    """(time, pitch, periodicity) numpy arrays (frames,) of any output"""
    format = os.path.splitext(path)[1][1:]
    if format == 'npz':
        with np.load(path) as arrays:
            return arrays['time'], arrays['pitch'], arrays['periodicity']
    if format == 'npy':
        time, pitch, periodicity = np.load(path)
        return time, pitch.astype(np.float32), periodicity.astype(np.float32)
    if format == 'pt':
        data = torch.load(path, weights_only=True)
        return (data['time'].numpy(), data['pitch'][0].numpy(),
                data['periodicity'][0].numpy())
    with open(path, encoding='utf-8') as file:
        if format == 'json':
            document = json.load(file)
            return (np.array(document['time']),
                    np.array([np.nan if hz is None else hz
                              for hz in document['frequency']]),
                    np.array(document['periodicity']))
        rows = [line.rstrip('\n').split(',') for line in file][1:]
    return tuple(np.array([float(row[column]) if row[column] else np.nan
                           for row in rows]) for column in range(3))


@dataclasses.dataclass
class Record:
    """What became of one file: error None when its output was written"""
    item: object
    seconds: float = 0.
    error: str = None
    message: str = None


def failure_line(record):
    """One line of failures.jsonl"""
    return json.dumps({'path': record.item.path,
                       'relative': record.item.relative,
                       'error': record.error,
                       'message': record.message}) + '\n'


@dataclasses.dataclass
class Summary:
    """How a folder run went; `audio_seconds` counts the processed files;
    `profile` (profile.Profile): seconds per stage, summed over workers"""
    succeeded: int = 0
    skipped: int = 0
    failed: int = 0
    audio_seconds: float = 0.
    seconds: float = 0.
    failures_file: str = None
    profile: object = None

    def __str__(self):
        text = (f'{self.succeeded} succeeded, {self.skipped} skipped (output '
                f'exists), {self.failed} failed; {self.audio_seconds / 3600:.2f} '
                f'audio-hours in {self.seconds:.1f} s')
        if self.failed:
            text += f'; see {self.failures_file}'
        return text
