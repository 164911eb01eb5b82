"""Command line: python -m torchcrepe --audio_files A ... --output_files O ...

Exit status: 0 when every file was processed, 1 when some file could not be
(each is named on stderr; the others are still processed unless
--fail-fast), 2 for a usage error, found before any work starts.
"""
import argparse
import os
import sys
import warnings


from . import (checks, decode, files, folder, outputs, paths, pipeline,
               plot)
from .constants import MAX_FMAX, PRECISIONS, VOICING_THRESHOLD
from .model import CAPACITIES
from .live import cli as live_cli
from .utils import command_line


PROGRAM = 'python -m torchcrepe'


def _singing_cli():
    """torchcrepe.singing.cli, imported when used: folder mode's worker
    processes import this module (spawn) and never need it"""
    from .singing import cli
    return cli


def parser():
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description='Track the pitch of audio files with CREPE (or embed '
                    'them). Output formats follow the extension: .csv, '
                    '.json, .npy, or .pt (torch.save, also for any other).')
    inputs = parser.add_mutually_exclusive_group(required=True)
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
        '--hop_length', type=int, metavar='SAMPLES',
        help='samples between frames at the file\'s rate (default: 10 ms)')
    parser.add_argument(
        '--fmin', type=float, default=50., metavar='HZ',
        help=f'lowest pitch in Hz, at least {checks.MIN_FMIN} (default: 50)')
    parser.add_argument(
        '--fmax', type=float, default=MAX_FMAX, metavar='HZ',
        help=f'highest pitch in Hz, at most {MAX_FMAX:g} (default: {MAX_FMAX:g})')
    parser.add_argument(
        '--model', default='full', choices=list(CAPACITIES),
        help='model capacity, smallest and fastest first (default: full)')
    parser.add_argument(
        '--decoder', choices=list(decode.DECODERS),
        help='how pitch is read from the network (default: viterbi; '
             'weighted_viterbi with --singing_report)')
    parser.add_argument(
        '--voicing_threshold', type=float, default=VOICING_THRESHOLD,
        metavar='P',
        help='periodicity below which .csv/.json/plots show a frame as '
             f'unvoiced (default: {VOICING_THRESHOLD})')
    parser.add_argument(
        '--batch_size', type=int, metavar='FRAMES',
        help='frames held in memory at a time (default: 2048)')
    parser.add_argument(
        '--gpu', type=int, metavar='INDEX', help='run on this CUDA device')
    parser.add_argument(
        '--precision', choices=PRECISIONS,
        help='float32 (default, exact); bfloat16: kept where the hardware '
             'has native bfloat16 (AVX-512 BF16 or AMX CPUs, CUDA compute '
             'capability 8.0+) and, on a CPU, a short probe at model load '
             'finds it faster for this model; otherwise runs float32 with a '
             'warning (TORCHCREPE_BFLOAT16=always|never skips the probe); '
             'float16: CUDA only')
    parser.add_argument(
        '--backend', default='torch', choices=checks.BACKENDS,
        help="onnx: run the network with onnxruntime (CPU, float32; needs "
             "pip install 'torchcrepe[export]') (default: torch)")
    parser.add_argument(
        '--no_pad', action='store_true',
        help='do not zero-pad: the first frame starts at the first sample')
    parser.add_argument(
        '--fail-fast', '--fail_fast', dest='fail_fast', action='store_true',
        help='stop at the first file that cannot be processed')
    parser.add_argument(
        '--quiet', action='store_true', help='no progress bars')
    _singing_cli().add_arguments(parser)
    folder.add_arguments(parser, inputs)
    live_cli.add_arguments(parser, inputs)
    return parser


def parse_args(argv=None):
    """The parsed command line (sys.argv[1:] by default), as in 0.0.24;
    `main` also checks it before any work starts"""
    return parser().parse_args(argv)


def make_parent_directory(file):
    """Create the folder `file` goes in, if it does not exist (0.0.24's
    helper; the command line makes its output folders itself)"""
    directory = os.path.dirname(os.path.abspath(os.fspath(file)))
    os.makedirs(directory, exist_ok=True)


def main(argv=None):
    """Run the command line; returns the exit status"""
    args, jobs = command_line(parser(), plan, argv)
    if args.live is not None:
        return live_cli.run(args, jobs)
    if jobs is None:
        return folder.run(args, PROGRAM)

    progress = not args.quiet and sys.stderr.isatty()
    failures = []

    def report(audio_file, error):
        failures.append(audio_file)
        print(f'torchcrepe: error: {_naming_option(error, jobs)}',
              file=sys.stderr)

    try:
        if args.embed:
            options = pipeline.settings(
                args.hop_length, model=args.model, batch_size=args.batch_size,
                device=jobs['device'], pad=not args.no_pad,
                precision=args.precision, progress=progress,
                backend=args.backend, pitch=False)
            outputs.embed_files(args.audio_files, jobs['outputs'], options,
                                fail_fast=args.fail_fast, report=report,
                                arguments=EMBED_OPTIONS)
        else:
            options = pitch_settings(args, jobs['device'], progress)
            singing = None
            if jobs['singing']:
                singing = _singing_cli().reporter(args, jobs['plots'])
            outputs.predict_files(
                args.audio_files, jobs['outputs'], jobs['periodicity'],
                options, None if jobs['singing'] else jobs['plots'],
                args.voicing_threshold, fail_fast=args.fail_fast,
                report=report, also=singing, arguments=PITCH_OPTIONS)
    except (ValueError, OSError, RuntimeError) as error:
        # --fail-fast: the first failure ends the run
        print(f'torchcrepe: error: {_naming_option(error, jobs)}',
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print('torchcrepe: interrupted; finished outputs are kept, no partial '
              'file is left', file=sys.stderr)
        return 130

    if jobs['plot_skipped']:
        print(f'torchcrepe: error: {plot.INSTALL_HINT}; the other outputs '
              'were written', file=sys.stderr)
    if failures:
        print(f'torchcrepe: {len(failures)} of {len(args.audio_files)} files '
              'failed: ' + ', '.join(map(str, failures)), file=sys.stderr)
        return 1
    return 1 if jobs['plot_skipped'] else 0


# How the multi-file runner's messages name the command line's lists
PITCH_OPTIONS = outputs.Arguments(
    '--audio_files', ('--output_files', '--output_periodicity_files', '--plot'),
    indexed=False)
EMBED_OPTIONS = outputs.Arguments('--audio_files', ('--output_files',),
                                  indexed=False)


def _naming_option(error, jobs):
    """The error's message, led by the option of the output it names"""
    if isinstance(error, OSError) and error.filename is not None:
        for target in jobs['written']:
            if os.path.abspath(target.path) == os.path.abspath(error.filename):
                return f'{target.argument}: {error}'
    return str(error)


def pitch_settings(args, device='cpu', progress=False):
    """The pipeline.Settings of pitch tracking from checked arguments (what
    the command line runs; benchmarks/singing_real.py runs the same)"""
    return pipeline.settings(
        args.hop_length, args.fmin, args.fmax, args.model, args.decoder,
        args.batch_size, device, not args.no_pad, args.precision, progress,
        args.backend)


def checked_device(args):
    """The device --gpu names, with --precision and --backend checked
    against it; raises ValueError naming the option"""
    device = 'cpu' if args.gpu is None else f'cuda:{args.gpu}'
    checks.device(device, '--gpu')
    precision = checks.precision(args.precision, device, '--precision')
    checks.backend(args.backend, device, precision, '--backend')
    return device


def plan(args):
    """Check the arguments; returns the output paths per audio file

    Raises ValueError naming the argument and what is allowed. Folder mode
    (--audio_dir/--audio_list) is checked by folder.run: returns None.
    """
    if args.live is not None:
        folder.check_unused(args)
        checks.hop_length(args.hop_length, '--hop_length')
        return live_cli.plan(args, checked_device(args))
    live_cli.check_unused(args)
    if args.audio_files is None:
        return None
    folder.check_unused(args)
    count = len(args.audio_files)
    singing = _singing_cli().plan(args)
    if args.output_harmonicity_files is not None:
        warnings.warn('--output_harmonicity_files is deprecated; use '
                      '--output_periodicity_files', DeprecationWarning)
        args.output_periodicity_files = args.output_harmonicity_files

    checks.hop_length(args.hop_length, '--hop_length')
    checks.batch_size(args.batch_size, '--batch_size')
    device = checked_device(args)

    if args.embed:
        if args.output_files is None:
            raise ValueError('--embed needs --output_files')
        for name in ('output_periodicity_files', 'plot'):
            if getattr(args, name) is not None:
                raise ValueError(f'--{name} cannot be used with --embed')
        for path in args.output_files:
            if files.extension(path) in files.TABLE_FORMATS:
                raise ValueError(
                    f'--output_files: embeddings are saved as .pt or .npy, '
                    f'not {files.extension(path)} ({path})')
    else:
        checks.frequency_range(args.fmin, args.fmax)
        checks.voicing_threshold(args.voicing_threshold, '--voicing_threshold')
        if args.output_files is None and args.plot is None and not singing:
            raise ValueError('give --output_files, --plot, --singing_report '
                             'or several')

    outputs = _per_file(args.output_files, count, '--output_files')
    periodicity = _per_file(args.output_periodicity_files, count,
                            '--output_periodicity_files')
    plots = _plot_paths(args.plot, args.audio_files)
    plot_skipped = plots is not None and not plot.available()
    if plot_skipped:
        if args.output_files is None and not singing:
            raise ValueError(f'--plot: {plot.INSTALL_HINT}')
        plots = None

    written = [target for option, group in (
                   ('--output_files', outputs),
                   ('--output_periodicity_files', periodicity),
                   ('--plot', plots), ('--singing_report', args.singing_report))
               if group for target in paths.named(group, option, False)]
    paths.check_outputs(paths.named(args.audio_files, '--audio_files', False),
                        written)
    _make_folders(written)
    return {
        'device': device,
        'outputs': outputs or [None] * count,
        'periodicity': periodicity or [None] * count,
        'plots': plots,
        'plot_skipped': plot_skipped,
        'singing': singing,
        'written': written}


def _per_file(given, count, option):
    return None if given is None else paths.one_per_file(given, count, option)


def _plot_paths(given, audio_files):
    """One .png per audio file, or a directory to put <name>.png in"""
    if given is None:
        return None
    if len(given) == 1 and (os.path.isdir(given[0]) or given[0].endswith(os.sep)
                            or not os.path.splitext(given[0])[1]):
        directory = given[0]
        names = [os.path.splitext(os.path.basename(str(path)))[0] + '.png'
                 for path in audio_files]
        if len(set(names)) != len(names):
            raise ValueError(
                '--plot: audio files with the same name would share a plot; '
                'give one .png per audio file instead of a directory')
        return [os.path.join(directory, name) for name in names]
    _per_file(given, len(audio_files), '--plot')
    for path in given:
        if files.extension(path) != '.png':
            raise ValueError(f'--plot: {path} must end in .png (or be a directory)')
    return given


def _make_folders(outputs):
    """Make every output's folder (as 0.0.24's command line did), and
    refuse outputs that cannot be written there, naming the option

    Arguments
        outputs ([paths.Named])
    """
    for target in outputs:
        directory = os.path.dirname(os.path.abspath(target.path))
        try:
            os.makedirs(directory, exist_ok=True)
        except OSError as error:
            raise ValueError(
                f'{target}: cannot create output directory {directory} '
                f'({error.strerror or error})') from None
        if not os.access(directory, os.W_OK | os.X_OK):
            raise ValueError(f'{target}: cannot write to output directory '
                             f'{directory}')
    paths.check_writable(outputs)


def run():
    """Console-script entry point"""
    sys.exit(main())


if __name__ == '__main__':
    run()
