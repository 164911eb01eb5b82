"""python -m torchcrepe.export MODEL PATH | --all DIRECTORY

The format follows PATH's extension: .onnx or .mlpackage (Core ML); the
work is torchcrepe.export's. Exit status: 0 on success, 1 when an export
failed (a missing optional package included), 2 for a usage error, found
before any work starts.
"""
import dataclasses
import os

from ..graphs import BATCH_RANGE, FORMATS, ONNX_OPSET, OUTPUTS, PRECISIONS, coreml, onnx
from ..model import CAPACITIES
from ..utils import ParameterError
from . import errors

PROGRAM = 'python -m torchcrepe.export'

DESCRIPTION = ('Export CREPE networks for on-device use: ONNX (.onnx) or Core '
               'ML (.mlpackage), input "frames" float32 (batch, 1024), output '
               'float32 (batch, 360). Needs pip install \'torchcrepe[export]\'.')

# --output and --precision when not given
OUTPUT = OUTPUTS[0]
PRECISION = 'float32'


def add_arguments(parser):
    """Add the export's arguments to an argparse parser"""
    parser.add_argument(
        'model', nargs='?', choices=list(CAPACITIES), metavar='MODEL',
        help='capacity: ' + ', '.join(CAPACITIES))
    parser.add_argument(
        'path', nargs='?', metavar='PATH',
        help='output file: .onnx or .mlpackage')
    parser.add_argument(
        '--all', metavar='DIRECTORY',
        help='export every capacity as DIRECTORY/{model}.onnx, '
             '{model}.mlpackage and {model}-float16.mlpackage')
    parser.add_argument(
        '--output', choices=OUTPUTS, default=OUTPUT,
        help=f'what the graph returns (default: {OUTPUT})')
    parser.add_argument(
        '--precision', choices=PRECISIONS, default=PRECISION,
        help=f'Core ML weights and arithmetic (default: {PRECISION})')
    parser.add_argument(
        '--opset', type=int, default=ONNX_OPSET,
        help=f'ONNX opset, at least {ONNX_OPSET} (default: {ONNX_OPSET})')
    parser.add_argument(
        '--max_batch', type=int, default=BATCH_RANGE[1], metavar='FRAMES',
        help=f'most frames per Core ML call (default: {BATCH_RANGE[1]})')


@dataclasses.dataclass(frozen=True)
class Plan:
    """A checked export run

    exports (tuple of (capacity, path, precision)): what to write, in order
    output (str): 'probabilities' or 'embedding'
    opset (int): the ONNX opset
    max_batch (int): most frames per Core ML call
    """
    exports: tuple
    output: str
    opset: int
    max_batch: int


def plan(args):
    """Check the export's arguments before any work

    Arguments
        args (argparse.Namespace): parsed by the parser add_arguments fills

    Returns a Plan. Raises ParameterError naming the argument and what is
    allowed.
    """
    if args.opset < ONNX_OPSET:
        raise ParameterError(f'--opset must be at least {ONNX_OPSET}; got {args.opset}')
    if args.max_batch < BATCH_RANGE[0]:
        raise ParameterError(f'--max_batch must be at least {BATCH_RANGE[0]}; '
                             f'got {args.max_batch}')
    return Plan(_exports(args), args.output, args.opset, args.max_batch)


def _exports(args):
    """The (capacity, path, precision) to write, checked"""
    if args.all is not None:
        if args.model is not None:
            raise ParameterError('give MODEL PATH or --all DIRECTORY, not both')
        if not os.path.isdir(args.all):
            raise ParameterError(f'--all: {args.all!r} is not a directory')
        return tuple((capacity, os.path.join(args.all, name), precision)
                     for capacity in CAPACITIES
                     for name, precision in (
                         (f'{capacity}.onnx', 'float32'),
                         (f'{capacity}.mlpackage', 'float32'),
                         (f'{capacity}-float16.mlpackage', 'float16')))
    if args.model is None or args.path is None:
        raise ParameterError('give MODEL and PATH (or --all DIRECTORY)')
    suffixes = tuple(FORMATS.values())
    if not args.path.lower().endswith(suffixes):
        raise ParameterError(
            f'PATH must end in {" or ".join(suffixes)}; got {args.path!r}')
    directory = os.path.dirname(os.path.abspath(args.path))
    if not os.path.isdir(directory):
        raise ParameterError(
            f'PATH {args.path!r}: directory {directory!r} does not exist')
    if args.path.lower().endswith(FORMATS['onnx']) and args.precision != 'float32':
        raise ParameterError('--precision float16 applies to Core ML '
                             '(.mlpackage) only')
    return ((args.model, args.path, args.precision),)


def run(plan):
    """Write every export of a Plan, printing each path and size; returns
    the exit status (1 at the first export that fails, which is named)"""
    for capacity, path, precision in plan.exports:
        try:
            if path.endswith(FORMATS['onnx']):
                onnx(capacity, path, plan.output, plan.opset)
            else:
                coreml(capacity, path, plan.output, precision,
                       (BATCH_RANGE[0], plan.max_batch))
        except (ImportError, ValueError, OSError, RuntimeError) as error:
            return errors.failure(f'{path}: {error}', PROGRAM)
        print(f'{path}\t{output_size(path) / 1e6:.1f} MB')
    return 0


def output_size(path):
    """Bytes in a file, or in every file under a directory (a .mlpackage)"""
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(root, name))
               for root, _, names in os.walk(path) for name in names)
