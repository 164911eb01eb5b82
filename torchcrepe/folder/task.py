"""A folder run described: Job (what every worker needs), Record (what
became of one file), Summary (how the run went)."""
import dataclasses
import json
import os

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
        """base.settings of the options, checked once per process (each
        process decides its own device and precision)"""
        settings = self.__dict__.get('_settings')
        if settings is None:
            settings = base.settings(**self.options)
            object.__setattr__(self, '_settings', settings)
        return settings

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop('_settings', None)
        return state

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
