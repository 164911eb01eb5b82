"""Results to files: the settings recorded with them, one multi-file runner.

Every output of one audio file is written to a temporary file and all are
renamed together once complete (files.staged), so a failure leaves no
partial output and keeps existing files.
"""
import dataclasses

import tqdm

from . import checks, files, framing, load, paths, pipeline
from .engine import metadata
from .constants import VOICING_THRESHOLD


@dataclasses.dataclass(frozen=True)
class Arguments:
    """How messages name a runner's lists: the caller's argument names, and
    whether each is a list (`output_pitch_files[1]`) or one path"""
    audio: str = 'audio_files'
    outputs: tuple = ('output_pitch_files', 'output_periodicity_files',
                      'plot_files')
    indexed: bool = True


# The names of predict_from_files_to_files, embed_from_files_to_files and
# their one-file variants
PREDICT_FILES = Arguments()
EMBED_FILES = Arguments(outputs=('output_files',))
PREDICT_FILE = Arguments('audio_file', ('output_pitch_file',
                                        'output_periodicity_file',
                                        'plot_file'), indexed=False)
EMBED_FILE = Arguments('audio_file', ('output_file',), indexed=False)


def describe(path):
    """How messages name an audio file"""
    return f'audio file {str(path)!r}'


def run(jobs, work, options, fail_fast=True, report=None):
    """Call `work(*job)` for each job, one after the other

    Arguments
        jobs (list of tuples): each starts with the audio file
        work (callable): does one job, raising on failure
        options (pipeline.Settings): whether to show progress
        fail_fast (bool): re-raise the first failure; otherwise pass it to
            `report(audio_file, error)` and go on

    Returns
        the list of (audio_file, error) that failed
    """
    failures = []
    for job in tqdm.tqdm(jobs, desc='torchcrepe', unit='file',
                         dynamic_ncols=True,
                         disable=not options.progress or len(jobs) < 2):
        try:
            work(*job)
        except (ValueError, OSError, RuntimeError) as error:
            if fail_fast:
                raise
            failures.append((job[0], error))
            if report is not None:
                report(job[0], error)
    return failures


def checked_paths(audio_files, output_lists, arguments):
    """The runner's lists, checked before any work (see torchcrepe.paths)

    Arguments
        audio_files: the inputs; output_lists: one list (or None) per name
            in `arguments.outputs`, None entries skipping that output
        arguments (Arguments): how messages name them

    Returns
        (audio_files, [output list]) as lists, None lists as [None] * count

    Raises ParameterError naming the argument for a single path where a
    list is due, lists of other lengths, an output that is an input or
    another output; FileNotFoundError for an output's missing folder.
    """
    check = paths.file_list if arguments.indexed else _one
    audio_files = check(audio_files, arguments.audio)
    count = len(audio_files)
    lists = []
    for argument, values in zip(arguments.outputs, output_lists):
        if values is None:
            lists.append([None] * count)
            continue
        values = check(values, argument, allow_none=True)
        lists.append(paths.one_per_file(values, count, argument))
    written = [target for argument, values in zip(arguments.outputs, lists)
               for target in paths.named(values, argument, arguments.indexed)]
    paths.check_outputs(
        paths.named(audio_files, arguments.audio, arguments.indexed), written)
    paths.check_writable(written)
    return audio_files, lists


def _one(values, argument, allow_none=False):
    """A one-path variant's list of one, its entry checked as one path"""
    return [paths.single(value, argument, allow_none) for value in values]


def predict_files(audio_files, pitch_files, periodicity_files, options,
                  plot_files=None, voicing_threshold=VOICING_THRESHOLD,
                  fail_fast=True, report=None, also=None,
                  arguments=PREDICT_FILES, before=None):
    """Track each file and write its outputs (None skips one); the model is
    loaded once. Paths are checked first (`checked_paths`); failures as in
    `run`.

    `also(index, audio, sample_rate, pitch, periodicity)`, if given, is
    called for each file after its outputs are written, with the same
    pitch track (e.g. the command line's singing report).
    `before(index, audio, sample_rate)`, if given, is called for each file
    once it is read, before it is tracked: a check cheap next to the
    network (e.g. the command line's warning of a reference that does not
    fit the file's length). It may return audio of the same rate and
    length to use instead, from tracking on (e.g. the recording without
    its accompaniment); None keeps the file's.
    """
    checks.voicing_threshold(voicing_threshold)
    audio_files, (pitch_files, periodicity_files, plot_files) = \
        checked_paths(audio_files, [pitch_files, periodicity_files,
                                    plot_files], arguments)
    pictures = [path for path in plot_files if path is not None]
    if pictures:
        from . import plot
        for path in pictures:
            plot.image_format(path, argument=arguments.outputs[2])
    count = len(audio_files)

    def work(audio_file, pitch_file, periodicity_file, plot_file, index):
        audio, sample_rate = load.audio(audio_file)
        if before is not None:
            prepared = before(index, audio, sample_rate)
            if prepared is not None:
                audio = prepared
        pitch, periodicity = pipeline.track(
            audio, sample_rate, options, describe(audio_file))
        write_track(audio, sample_rate, pitch, periodicity, options,
                    voicing_threshold, [pitch_file, periodicity_file, plot_file])
        if also is not None:
            also(index, audio, sample_rate, pitch, periodicity)

    jobs = list(zip(audio_files, pitch_files, periodicity_files, plot_files,
                    range(count)))
    return run(jobs, work, options, fail_fast, report)


def embed_files(audio_files, output_files, options, fail_fast=True,
                report=None, arguments=EMBED_FILES):
    """Embed each file and save it (.npy or torch.save); paths checked as
    in `checked_paths`, failures as in `run`"""
    audio_files, (output_files,) = checked_paths(
        audio_files, [output_files], arguments)
    def work(audio_file, output_file):
        audio, sample_rate = load.audio(audio_file)
        embedding = pipeline.embedding(audio, sample_rate, options,
                                       describe(audio_file))
        with files.staged([output_file]) as (target,):
            files.save_tensor(embedding, output_file, target)

    return run(list(zip(audio_files, output_files)), work, options,
               fail_fast, report)


def write_track(audio, sample_rate, pitch, periodicity, options,
                voicing_threshold, paths):
    """Write [pitch, periodicity, plot] files (None to skip) together

    Arguments
        audio (torch.tensor [shape=(channels, time)]): for the plot
        sample_rate (int), Hz
        pitch, periodicity (torch.tensor [shape=(1, frames)])
        options (pipeline.Settings)
        voicing_threshold (float): periodicity below which .csv/.json and
            the plot leave a frame unvoiced
        paths (list of 3 str or None)
    """
    hop = framing.model_hop(sample_rate, options.hop_length)
    times = framing.frame_times(pitch.size(-1), hop, options.pad)
    voiced = files.voiced(periodicity, voicing_threshold)
    settings = metadata(options, sample_rate, voicing_threshold)
    wanted = [(kind, path) for kind, path in
              zip(('pitch', 'periodicity', 'plot'), paths) if path is not None]
    with files.staged([path for _, path in wanted]) as targets:
        for (kind, path), target in zip(wanted, targets):
            if kind == 'plot':
                from . import plot
                plot.save(target, audio, sample_rate, times, pitch,
                          periodicity, voiced, options,
                          format=plot.image_format(path))
            else:
                files.save_track(kind, path, pitch, periodicity, times,
                                 voiced, settings, target)
