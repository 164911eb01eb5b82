"""Folder mode: python -m torchcrepe --audio_dir IN --output_dir OUT ...

Every audio file under IN (or named in --audio_list) gets one output at
its relative path under OUT; torchcrepe.folder does the work and checks
its arguments (its messages name them as predict_from_folder_to_folder
does: jobs, output_dir, hop_length ...).
"""
import dataclasses
import sys

from .. import folder as library
from ..utils import ParameterError
from . import common, errors


def add_arguments(parser, inputs):
    """Add folder mode's options to an argparse parser; `inputs` is the
    mutually exclusive group of the inputs, which gets --audio_dir and
    --audio_list"""
    inputs.add_argument(
        '--audio_dir', metavar='IN',
        help='folder mode: every audio file under IN, recursively')
    inputs.add_argument(
        '--audio_list', metavar='FILE',
        help='folder mode: the audio files named in FILE, one path a line')
    group = parser.add_argument_group('folder mode (--audio_dir/--audio_list)')
    group.add_argument('--output_dir', metavar='OUT',
                       help='one output per input, at its relative path')
    group.add_argument('--format', default=library.FORMAT,
                       choices=library.FORMATS,
                       help=f'output format (default: {library.FORMAT}: time, '
                            'pitch, periodicity, settings)')
    group.add_argument('--jobs', type=int, metavar='N',
                       help='worker processes, each doing whole files (read, '
                            'network, decode, write) with cores/N threads; 0 '
                            'works in the main process (default, and most: '
                            'one per core); with --engine ray: the actors '
                            '(at most one per CPU of the cluster)')
    group.add_argument('--overwrite', action='store_true',
                       help='recompute files whose output exists')
    group.add_argument('--engine', default=library.ENGINE,
                       choices=library.ENGINES,
                       help="ray: run on a Ray cluster (pip install "
                            f"'torchcrepe[ray]') (default: {library.ENGINE})")
    group.add_argument('--ray_address', metavar='ADDRESS',
                       help='the Ray cluster (default: $RAY_ADDRESS, else a '
                            'local Ray)')


@dataclasses.dataclass(frozen=True)
class Plan:
    """A checked folder-mode run: torchcrepe.folder.Planned, ready for
    torchcrepe.folder.execute (OUT exists, nothing else is written)"""
    planned: library.Planned


def plan(args):
    """Check folder mode's arguments before any work, make OUT

    Arguments
        args (argparse.Namespace): parsed by cli.parser, with --audio_dir
            or --audio_list

    Returns a Plan. Raises ParameterError naming the argument.
    """
    if args.output_dir is None:
        raise ParameterError('--output_dir is required with --audio_dir/--audio_list')
    return Plan(library.plan(
        args.audio_dir, args.output_dir, args.audio_list, args.format,
        args.jobs, args.engine, args.ray_address, args.overwrite,
        args.voicing_threshold, common.progress(args),
        dataclasses.asdict(common.options(args))))


def run(plan):
    """Process every file of a Plan; returns the exit status

    0: every file done or skipped; 1: some file failed (listed in
    OUT/failures.jsonl); 130: Ctrl-C (run again to finish the rest).
    """
    try:
        summary = library.execute(plan.planned)
    except KeyboardInterrupt:
        return errors.interrupted('; run again to finish the rest')
    print(f'{errors.NAME}: {summary}', file=sys.stderr)
    return errors.FAILED if summary.failed else 0
