"""The options every mode of `python -m torchcrepe` reads: the pitch
tracker's (range, capacity, decoder, hop), the device's, and how a run
reports progress.

Each mode turns them into `Options` (`options`); file and live mode check
them here, naming the options as the command line spells them
(`checked`); folder mode hands them to torchcrepe.folder.plan,
which checks them under its own argument names.
"""
import dataclasses
import sys

from .. import checks, decode, pipeline
from ..constants import PRECISIONS
from ..defaults import (BATCH_SIZE, DECODER, FMAX, FMIN, MODEL,
                        SINGING_DECODER, VOICING)
from ..model import CAPACITIES


def add_arguments(parser):
    """Add the shared options to an argparse parser"""
    parser.add_argument(
        '--hop_length', type=int, metavar='SAMPLES',
        help='samples between frames at the file\'s rate (default: 10 ms)')
    parser.add_argument(
        '--fmin', type=float, default=FMIN, metavar='HZ',
        help=f'lowest pitch in Hz, at least {checks.MIN_FMIN} (default: {FMIN:g})')
    parser.add_argument(
        '--fmax', type=float, default=FMAX, metavar='HZ',
        help=f'highest pitch in Hz, at most {FMAX:g} (default: {FMAX:g})')
    parser.add_argument(
        '--model', default=MODEL, choices=list(CAPACITIES),
        help=f'model capacity, smallest and fastest first (default: {MODEL})')
    # No default here: the mode picks it (the singing report's is another)
    parser.add_argument(
        '--decoder', choices=list(decode.DECODERS),
        help=f'how pitch is read from the network (default: {DECODER}; '
             f'{SINGING_DECODER} with --singing_report)')
    parser.add_argument(
        '--voicing_threshold', type=float, default=VOICING,
        metavar='P',
        help='periodicity below which .csv/.json/plots show a frame as '
             f'unvoiced (default: {VOICING})')
    parser.add_argument(
        '--batch_size', type=int, metavar='FRAMES',
        help=f'frames held in memory at a time (default: {BATCH_SIZE})')
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
        '--quiet', action='store_true', help='no progress bars')


@dataclasses.dataclass(frozen=True)
class Options:
    """The pipeline's options as the command line gives them: the names
    and meaning of pipeline.settings' (and predict_from_folder_to_folder's)
    arguments; `decoder` is a name of decode.DECODERS, `device` a string
    ('cpu' or 'cuda:INDEX')"""
    hop_length: object
    fmin: float
    fmax: float
    model: str
    decoder: str
    batch_size: object
    device: str
    pad: bool
    precision: object
    backend: str


def options(args, decoder=DECODER):
    """The Options of parsed arguments, unchecked

    Arguments
        args (argparse.Namespace): parsed by cli.parser
        decoder (str): the decoder when --decoder is not given
    """
    return Options(args.hop_length, args.fmin, args.fmax, args.model,
                   args.decoder or decoder, args.batch_size,
                   'cpu' if args.gpu is None else f'cuda:{args.gpu}',
                   not args.no_pad, args.precision, args.backend)


def checked(given):
    """`given` (Options), once its hop, batch size, device, precision and
    backend pass their checks; raises ParameterError naming the option
    (--hop_length, --batch_size, --gpu, --precision, --backend)"""
    checks.hop_length(given.hop_length, '--hop_length')
    checks.batch_size(given.batch_size, '--batch_size')
    checks.device(given.device, '--gpu')
    precision = checks.precision(given.precision, given.device, '--precision')
    checks.backend(given.backend, given.device, precision, '--backend')
    return given


def settings(given, progress=False, pitch=True):
    """pipeline.Settings of checked Options (what the run uses); `pitch`
    False for embeddings, which need neither the range nor the decoder"""
    if not pitch:
        return pipeline.settings(
            given.hop_length, model=given.model, batch_size=given.batch_size,
            device=given.device, pad=given.pad, precision=given.precision,
            progress=progress, backend=given.backend, pitch=False)
    return pipeline.settings(
        given.hop_length, given.fmin, given.fmax, given.model,
        given.decoder, given.batch_size, given.device, given.pad,
        given.precision, progress, given.backend)


def progress(args):
    """Whether to show progress bars: not --quiet, and stderr a terminal"""
    return not args.quiet and sys.stderr.isatty()
