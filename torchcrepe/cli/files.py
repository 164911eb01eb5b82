"""File mode: python -m torchcrepe --audio_files A ... --output_files O ...

Each audio file's pitch and periodicity (or, with --embed, its embedding)
go to the files named for it; output formats follow the extension (.csv,
.json, .npy, else torch.save); --plot draws the pitch over the
spectrogram; --singing_report (cli.singing) analyses the singing too.
Every path is checked and every output folder made before any work; a
file that cannot be processed is named on stderr and the others are still
processed (unless --fail-fast).
"""
import argparse
import dataclasses
import functools
import os
import sys
import warnings

import numpy as np

from .. import checks, files, load, outputs, paths, played_notes, plot
from ..defaults import DECODER, SINGING_DECODER
from ..utils import ParameterError
from . import common, errors, singing

# How the multi-file runner's messages name the command line's lists
PITCH_OPTIONS = outputs.Arguments(
    '--audio_files', ('--output_files', '--output_periodicity_files', '--plot'),
    indexed=False)
# --accompaniment files read as notes (singing.targets.FORMATS, spelt
# here so that the command line imports torchcrepe.singing, and scipy
# under it, only when it reads one; tests/test_played_notes.py checks they
# agree)
NOTE_FORMATS = ('.csv', '.json', '.mid', '.midi', '.musicxml', '.xml', '.mxl')
EMBED_OPTIONS = outputs.Arguments('--audio_files', ('--output_files',),
                                  indexed=False)


def add_arguments(parser, inputs):
    """Add file mode's own options to an argparse parser; `inputs` is the
    mutually exclusive group of the inputs, which gets --audio_files"""
    inputs.add_argument(
        '--audio_files', nargs='+', metavar='AUDIO',
        help='audio files: WAV, or FLAC/OGG/MP3 with soundfile installed')
    parser.add_argument(
        '--output_files', nargs='+', metavar='OUTPUT',
        help='one pitch (or, with --embed, embedding) file per audio file')
    parser.add_argument(
        '--output_periodicity_files', nargs='+', metavar='OUTPUT',
        help='one periodicity file per audio file')
    parser.add_argument(
        '--output_harmonicity_files', nargs='+', metavar='OUTPUT',
        help=argparse.SUPPRESS)  # deprecated alias of the above
    parser.add_argument(
        '--plot', nargs='+', metavar='PNG',
        help='draw the pitch over the spectrogram (with --singing_report: '
             'the singing report picture): one .png per audio file, '
             'or one directory (needs matplotlib)')
    parser.add_argument(
        '--embed', action='store_true',
        help='save the embedding (.pt or .npy) instead of pitch')
    parser.add_argument(
        '--accompaniment', nargs='+', metavar='FILE',
        help='what was played while each file was recorded (a guide piano '
             'heard through a speaker): its audio, whose echo is removed '
             'before tracking, or only its notes (.csv, .json, .mid, .midi, '
             '.musicxml, .xml, .mxl, as --reference reads them), whose piano '
             "is removed, so pitch, periodicity and the singing report are the "
             "singer's; one file for all audio files or one per audio file")
    parser.add_argument(
        '--fail-fast', '--fail_fast', dest='fail_fast', action='store_true',
        help='stop at the first file that cannot be processed')


@dataclasses.dataclass(frozen=True)
class Plan:
    """A checked file-mode run

    audio_files (tuple): as given
    outputs, periodicity (tuple): one path or None per audio file
    plots (tuple or None): one .png per audio file (the spectrogram plot,
        or with a singing report its picture), None for none
    plot_skipped (bool): --plot was given but matplotlib is missing
    written (tuple of paths.Named): every output, named by its option
    options (common.Options): checked, the decoder filled in
    voicing_threshold (float), embed (bool), fail_fast (bool),
        progress (bool): as given
    singing (cli.singing.Plan or None): the singing report
    accompaniments (tuple or None): --accompaniment, one path per audio
        file
    """
    audio_files: tuple
    outputs: tuple
    periodicity: tuple
    plots: object
    plot_skipped: bool
    written: tuple
    options: common.Options
    voicing_threshold: float
    embed: bool
    fail_fast: bool
    progress: bool
    singing: object
    accompaniments: object = None


def plan(args):
    """Check file mode's arguments before any work, make the output folders

    Arguments
        args (argparse.Namespace): parsed by cli.parser, with --audio_files

    Returns a Plan. Raises ParameterError (a ValueError; ParameterTypeError
    also a TypeError) naming the option and what is allowed.
    """
    count = len(args.audio_files)
    report = singing.plan(args)
    periodicity = args.output_periodicity_files
    if args.output_harmonicity_files is not None:
        warnings.warn('--output_harmonicity_files is deprecated; use '
                      '--output_periodicity_files', DeprecationWarning)
        periodicity = args.output_harmonicity_files
    options = common.checked(common.options(
        args, DECODER if report is None else SINGING_DECODER))
    accompaniments = _accompaniments(args.accompaniment, args.audio_files)
    if args.embed:
        if accompaniments is not None:
            raise ParameterError('--accompaniment cannot be used with --embed: the '
                                 'embedding is of the recording as it is')
        _check_embedding(args.output_files, periodicity, args.plot)
    else:
        checks.frequency_range(args.fmin, args.fmax)
        checks.voicing_threshold(args.voicing_threshold, '--voicing_threshold')
        if args.output_files is None and args.plot is None and report is None:
            raise ParameterError('give --output_files, --plot, '
                                 '--singing_report or several')

    pitch = _per_file(args.output_files, count, '--output_files')
    periodicity = _per_file(periodicity, count, '--output_periodicity_files')
    plots = _plot_paths(args.plot, args.audio_files)
    plot_skipped = plots is not None and not plot.available()
    if plot_skipped:
        if args.output_files is None and report is None:
            raise ParameterError(f'--plot: {plot.INSTALL_HINT}')
        plots = None

    written = tuple(target for option, group in (
                        ('--output_files', pitch),
                        ('--output_periodicity_files', periodicity),
                        ('--plot', plots), ('--singing_report', args.singing_report))
                    if group for target in paths.named(group, option, False))
    paths.check_outputs(paths.named(args.audio_files, '--audio_files', False),
                        written)
    _make_folders(written)
    if report is not None:
        report = dataclasses.replace(report, pictures=plots)
    return Plan(tuple(args.audio_files), pitch or (None,) * count,
                periodicity or (None,) * count, plots, plot_skipped, written,
                options, args.voicing_threshold, args.embed, args.fail_fast,
                common.progress(args), report, accompaniments)


def run(plan):
    """Process every file of a Plan; returns the exit status

    0: every output written; 1: some file failed (each named on stderr,
    then a count), or --plot skipped for want of matplotlib; 130: Ctrl-C.
    """
    failures = []

    def report(audio_file, error):
        failures.append(audio_file)
        errors.failure(_naming_option(error, plan.written))

    try:
        _process(plan, report)
    except (ValueError, OSError, RuntimeError) as error:
        # --fail-fast: the first failure ends the run
        return errors.failure(_naming_option(error, plan.written))
    except KeyboardInterrupt:
        return errors.interrupted()

    if plan.plot_skipped:
        errors.failure(f'{plot.INSTALL_HINT}; the other outputs were written')
    if failures:
        print(f'{errors.NAME}: {len(failures)} of {len(plan.audio_files)} '
              'files failed: ' + ', '.join(map(str, failures)), file=sys.stderr)
        return errors.FAILED
    return errors.FAILED if plan.plot_skipped else 0


def _process(plan, report):
    """Run outputs.embed_files or outputs.predict_files on a Plan, passing
    each failure to `report(audio_file, error)` (unless fail_fast)"""
    if plan.embed:
        outputs.embed_files(
            plan.audio_files, plan.outputs,
            common.settings(plan.options, plan.progress, pitch=False),
            fail_fast=plan.fail_fast, report=report, arguments=EMBED_OPTIONS)
        return
    also = span = None
    if plan.singing is not None:
        also = functools.partial(singing.run, plan.singing)
        span = functools.partial(singing.warn_span, plan.singing)
    before = functools.partial(_before, span, plan.accompaniments, plan.audio_files)
    outputs.predict_files(
        plan.audio_files, plan.outputs, plan.periodicity,
        common.settings(plan.options, plan.progress),
        None if plan.singing is not None else plan.plots,
        plan.voicing_threshold, fail_fast=plan.fail_fast, report=report,
        also=also, arguments=PITCH_OPTIONS, before=before)


def _accompaniments(given, audio_files):
    """--accompaniment as one entry per audio file, or None: an audio
    file's path, or for a note file (singing.targets.FORMATS) its notes
    as a (notes, 3) array of onset s, offset s, MIDI, read here, before
    any work"""
    if given is None:
        return None
    read = {}
    for path in given:
        if not os.path.isfile(path):
            raise ParameterError(f'--accompaniment: {path!r} is not a file')
        if files.extension(path) in NOTE_FORMATS and path not in read:
            from ..singing import read_targets
            try:
                notes = read_targets(path)
                read[path] = played_notes.check_notes(
                    [(note.onset, note.offset, note.midi) for note in notes])
            except ParameterError as error:
                raise ParameterError(f'--accompaniment {path}: {error}') from None
    entries = paths.one_or_per_file(given, len(audio_files), '--accompaniment')
    return tuple(read.get(path, path) for path in entries)


def _before(span, accompaniments, audio_files, index, audio, sample_rate):
    """outputs.predict_files' `before` step of file mode: the reference's
    length check (`span`, or None), then the audio without its
    accompaniment when one was given (the delay found is printed on
    stderr), else None (the file's audio as read)"""
    if span is not None:
        span(index, audio, sample_rate)
    if accompaniments is None:
        return None
    from .. import accompaniment
    given = accompaniments[index]
    mono = audio.mean(dim=0, keepdim=True)
    if isinstance(given, np.ndarray):
        cancelled = played_notes.cancel_notes(mono, sample_rate, given)
        if not cancelled.echo.any():
            print(f'{audio_files[index]}: no piano strokes heard at the accompaniment '
                  'notes\' onsets; nothing removed', file=sys.stderr)
        else:
            print(f'{audio_files[index]}: accompaniment notes found '
                  f'{cancelled.delay * 1000:.0f} ms late', file=sys.stderr)
        return cancelled.audio
    played, rate = load.audio(given)
    try:
        cancelled = accompaniment.cancel(mono, sample_rate, played, rate)
    except ParameterError as error:
        raise ParameterError(f'--accompaniment {given}: {error}') from None
    print(f'{audio_files[index]}: accompaniment {given} found '
          f'{cancelled.delay * 1000:.0f} ms late', file=sys.stderr)
    return cancelled.audio


def make_parent_directory(file):
    """Create the folder `file` goes in, if it does not exist (0.0.24's
    helper; file mode makes its output folders itself)"""
    directory = os.path.dirname(os.path.abspath(os.fspath(file)))
    os.makedirs(directory, exist_ok=True)


def _check_embedding(output_files, periodicity, plot_files):
    """Refuse what --embed cannot write: no --output_files, a periodicity
    file or plot, a table format"""
    if output_files is None:
        raise ParameterError('--embed needs --output_files')
    for option, given in (('--output_periodicity_files', periodicity),
                          ('--plot', plot_files)):
        if given is not None:
            raise ParameterError(f'{option} cannot be used with --embed')
    for path in output_files:
        if files.extension(path) in files.TRACK_FORMATS:
            raise ParameterError(
                f'--output_files: embeddings are saved as .pt or .npy, '
                f'not {files.extension(path)} ({path})')


def _naming_option(error, written):
    """The error's message, led by the option of the output it names"""
    if isinstance(error, OSError) and error.filename is not None:
        for target in written:
            if os.path.abspath(target.path) == os.path.abspath(error.filename):
                return f'{target.argument}: {error}'
    return str(error)


def _per_file(given, count, option):
    """`given` as a tuple of one path per audio file, or None"""
    return None if given is None else tuple(paths.one_per_file(given, count, option))


def _plot_paths(given, audio_files):
    """One .png per audio file (a tuple), from as many paths or from a
    directory to put <name>.png in; None without --plot"""
    if given is None:
        return None
    if len(given) == 1 and (os.path.isdir(given[0]) or given[0].endswith(os.sep)
                            or not os.path.splitext(given[0])[1]):
        directory = given[0]
        names = [os.path.splitext(os.path.basename(str(path)))[0] + '.png'
                 for path in audio_files]
        if len(set(names)) != len(names):
            raise ParameterError(
                '--plot: audio files with the same name would share a plot; '
                'give one .png per audio file instead of a directory')
        return tuple(os.path.join(directory, name) for name in names)
    _per_file(given, len(audio_files), '--plot')
    for path in given:
        if files.extension(path) != '.png':
            raise ParameterError(f'--plot: {path} must end in .png (or be a directory)')
    return tuple(given)


def _make_folders(written):
    """Make every output's folder (as 0.0.24's command line did), and
    refuse outputs that cannot be written there, naming the option

    Arguments
        written ([paths.Named]): the outputs
    """
    for target in written:
        directory = os.path.dirname(os.path.abspath(target.path))
        try:
            os.makedirs(directory, exist_ok=True)
        except OSError as error:
            raise ParameterError(
                f'{target}: cannot create output directory {directory} '
                f'({error.strerror or error})') from None
        if not os.access(directory, os.W_OK | os.X_OK):
            raise ParameterError(f'{target}: cannot write to output directory '
                             f'{directory}')
    paths.check_writable(written)
