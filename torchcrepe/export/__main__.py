"""Command line: python -m torchcrepe.export MODEL PATH | --all DIRECTORY

The format follows PATH's extension: .onnx or .mlpackage (Core ML).
Exit status: 0 on success, 1 when an export failed (a missing optional
package included), 2 for a usage error, found before any work starts.
"""
import argparse
import os
import sys

from . import BATCH_RANGE, FORMATS, ONNX_OPSET, OUTPUTS, PRECISIONS, coreml, onnx
from ..utils import command_line
from ..model import CAPACITIES


PROGRAM = 'python -m torchcrepe.export'


def parser():
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description='Export CREPE networks for on-device use: ONNX (.onnx) '
                    'or Core ML (.mlpackage), input "frames" float32 '
                    '(batch, 1024), output float32 (batch, 360). Needs '
                    "pip install 'torchcrepe[export]'.")
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
        '--output', choices=OUTPUTS, default='probabilities',
        help='what the graph returns (default: probabilities)')
    parser.add_argument(
        '--precision', choices=PRECISIONS, default='float32',
        help='Core ML weights and arithmetic (default: float32)')
    parser.add_argument(
        '--opset', type=int, default=ONNX_OPSET,
        help=f'ONNX opset, at least {ONNX_OPSET} (default: {ONNX_OPSET})')
    parser.add_argument(
        '--max_batch', type=int, default=BATCH_RANGE[1], metavar='FRAMES',
        help=f'most frames per Core ML call (default: {BATCH_RANGE[1]})')
    return parser


def main(argv=None):
    """Run the command line; returns the exit status"""
    args, jobs = command_line(parser(), plan, argv)

    for capacity, path, precision in jobs:
        try:
            if path.endswith(FORMATS['onnx']):
                onnx(capacity, path, args.output, args.opset)
            else:
                coreml(capacity, path, args.output, precision,
                       (BATCH_RANGE[0], args.max_batch))
        except (ImportError, ValueError, OSError, RuntimeError) as error:
            print(f'{PROGRAM}: error: {path}: {error}', file=sys.stderr)
            return 1
        print(f'{path}\t{_size(path) / 1e6:.1f} MB')
    return 0


def plan(args):
    """Check the arguments; returns [(capacity, path, precision)]"""
    if args.opset < ONNX_OPSET:
        raise ValueError(f'--opset must be at least {ONNX_OPSET}; got {args.opset}')
    if args.max_batch < BATCH_RANGE[0]:
        raise ValueError(f'--max_batch must be at least 1; got {args.max_batch}')
    if args.all is not None:
        if args.model is not None:
            raise ValueError('give MODEL PATH or --all DIRECTORY, not both')
        if not os.path.isdir(args.all):
            raise ValueError(f'--all: {args.all!r} is not a directory')
        return [(capacity, os.path.join(args.all, name), precision)
                for capacity in CAPACITIES
                for name, precision in ((f'{capacity}.onnx', 'float32'),
                                        (f'{capacity}.mlpackage', 'float32'),
                                        (f'{capacity}-float16.mlpackage', 'float16'))]
    if args.model is None or args.path is None:
        raise ValueError('give MODEL and PATH (or --all DIRECTORY)')
    suffixes = tuple(FORMATS.values())
    if not args.path.lower().endswith(suffixes):
        raise ValueError(
            f'PATH must end in {" or ".join(suffixes)}; got {args.path!r}')
    directory = os.path.dirname(os.path.abspath(args.path))
    if not os.path.isdir(directory):
        raise ValueError(f'PATH {args.path!r}: directory {directory!r} does not exist')
    if args.path.lower().endswith('.onnx') and args.precision != 'float32':
        raise ValueError('--precision float16 applies to Core ML (.mlpackage) only')
    return [(args.model, args.path, args.precision)]


def _size(path):
    """Bytes in a file, or in every file under a directory"""
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(root, name))
               for root, _, names in os.walk(path) for name in names)


def run():
    sys.exit(main())


if __name__ == '__main__':
    run()
