"""Convert an original CREPE Keras weight file into a torchcrepe state dict.

    python tools/convert_keras.py INPUT OUTPUT [--capacity NAME]

INPUT is a Keras 2 HDF5 file (`.h5`) or the bzip2-compressed copy the
original CREPE release ships (`.h5.bz2`). Conv kernels may be stored as
(K, 1, C_in, C_out) or (K, C_in, C_out). The capacity is read from the
tensor shapes; every tensor is checked against torchcrepe's capacity table
before OUTPUT is written (atomically: a temporary file, then a rename).

Bad input ends with one line on stderr and exit status 1; nothing is written.
"""
import argparse
import bz2
import io
import os
import sys

import numpy as np
import torch

# Run as a script from a checkout, `tools/` is on sys.path but the
# repository root is not
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from torchcrepe import model as crepe_model  # noqa: E402
from torchcrepe.files import atomic_write  # noqa: E402


class ConversionError(Exception):
    """A weight file that cannot be converted; the message names it"""


# Keras variable name -> torch parameter name, per kind of layer
CONV_VARIABLES = {'kernel:0': 'weight', 'bias:0': 'bias'}
BATCH_NORM_VARIABLES = {
    'gamma:0': 'weight',
    'beta:0': 'bias',
    'moving_mean:0': 'running_mean',
    'moving_variance:0': 'running_var'}
DENSE_VARIABLES = {'kernel:0': 'weight', 'bias:0': 'bias'}


def layers():
    """(Keras group, torch module, variable map) for every weighted layer"""
    for i in range(1, len(crepe_model.KERNEL_SIZES) + 1):
        yield f'conv{i}', f'conv{i}', CONV_VARIABLES
        yield f'conv{i}-BN', f'conv{i}_BN', BATCH_NORM_VARIABLES
    yield 'classifier', 'classifier', DENSE_VARIABLES


###############################################################################
# Reading
###############################################################################


def read_keras(path):
    """Read every variable the network needs from a Keras weight file

    Returns
        dict mapping 'group/variable' (e.g. 'conv1/kernel:0') to a float32
        numpy array
    """
    import h5py  # only the converter needs it

    if not os.path.exists(path):
        raise ConversionError(f'{path}: no such file')
    if os.path.isdir(path):
        raise ConversionError(f'{path}: is a directory, not a weight file')

    try:
        if path.endswith('.bz2'):
            with bz2.open(path, 'rb') as file:
                source = io.BytesIO(file.read())
        else:
            source = path
        with h5py.File(source, 'r') as file:
            return {
                f'{group}/{variable}': read_variable(file, group, variable)
                for group, _, variables in layers()
                for variable in variables}
    except ConversionError as error:
        raise ConversionError(f'{path}: {error}') from None
    except (OSError, EOFError, ValueError) as error:
        # h5py and bz2 report a foreign, corrupt or truncated file this way
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ConversionError(
            f'{path}: not a readable Keras HDF5 weight file ({reason})'
        ) from None


def read_variable(file, group, variable):
    """Find `variable` anywhere below `group`, whatever the subgroup is called"""
    import h5py

    layer = file.get(group)
    if not isinstance(layer, h5py.Group):
        raise ConversionError(f'missing layer {group!r}')

    found = []
    layer.visititems(
        lambda name, item: found.append(item)
        if isinstance(item, h5py.Dataset) and name.split('/')[-1] == variable
        else None)
    if not found:
        raise ConversionError(f'missing variable {group}/{variable}')
    if len(found) > 1:
        raise ConversionError(
            f'{len(found)} variables named {group}/{variable}; expected one')

    array = found[0][()]
    if array.dtype != np.float32:
        raise ConversionError(
            f'{group}/{variable} is {array.dtype}; expected float32')
    if not np.isfinite(array).all():
        raise ConversionError(f'{group}/{variable} contains NaN or Inf')
    return array


###############################################################################
# Converting
###############################################################################


def infer_capacity(variables):
    """The capacity whose conv1 width matches the file's first kernel"""
    kernel = variables['conv1/kernel:0']
    try:
        return crepe_model.capacity_from_channels(kernel.shape[-1])
    except ValueError as error:
        raise ConversionError(str(error)) from None


def to_torch(keras_name, array, torch_shape):
    """Rearrange one Keras array into torch's layout, checking its shape"""
    if keras_name.endswith('kernel:0') and len(torch_shape) == 4:
        c_out, c_in, kernel, _ = torch_shape
        # Original release (K, 1, C_in, C_out); PyPI copies (K, C_in, C_out)
        accepted = ((kernel, 1, c_in, c_out), (kernel, c_in, c_out))
    elif keras_name.endswith('kernel:0'):
        accepted = (tuple(reversed(torch_shape)),)
    else:
        accepted = (tuple(torch_shape),)
    if array.shape not in accepted:
        raise ConversionError(
            f'{keras_name} has shape {array.shape}; expected '
            + ' or '.join(str(shape) for shape in accepted))

    if len(torch_shape) == 4:
        if array.ndim == 3:
            array = array[:, None]
        # (K, 1, C_in, C_out) -> (C_out, C_in, K, 1)
        array = array.transpose(3, 2, 0, 1)
    elif array.ndim == 2:
        # Dense (in, out) -> (out, in)
        array = array.T
    return torch.from_numpy(np.ascontiguousarray(array))


def convert(path, capacity=None):
    """Convert a Keras weight file into a state dict for `Crepe(capacity)`

    Arguments
        path (str)
            The `.h5` or `.h5.bz2` file
        capacity (str or None)
            The capacity the file must hold; None to infer it

    Returns
        (capacity, state_dict)

    Raises
        ConversionError, whose message names the file and what is wrong
    """
    if capacity is not None:
        try:
            crepe_model.check_capacity(capacity, '--capacity')
        except ValueError as error:
            raise ConversionError(str(error)) from None

    variables = read_keras(path)
    try:
        found = infer_capacity(variables)
        if capacity is not None and capacity != found:
            raise ConversionError(
                f'holds the {found!r} model (conv1 has '
                f'{variables["conv1/kernel:0"].shape[-1]} output channels), '
                f'not the requested {capacity!r}')

        shapes = crepe_model.parameter_shapes(found)
        state_dict = {}
        for group, module, names in layers():
            for keras_variable, torch_name in names.items():
                key = f'{module}.{torch_name}'
                keras_name = f'{group}/{keras_variable}'
                state_dict[key] = to_torch(
                    keras_name, variables[keras_name], shapes[key])
            if module.endswith('_BN'):
                state_dict[f'{module}.num_batches_tracked'] = torch.tensor(0)
    except ConversionError as error:
        raise ConversionError(f'{path}: {error}') from None

    # Order the keys as torch does, then prove the dict loads strictly
    state_dict = {key: state_dict[key] for key in shapes}
    crepe_model.Crepe(found).load_state_dict(state_dict, strict=True)
    return found, state_dict


###############################################################################
# Writing
###############################################################################


def save_atomically(state_dict, output):
    """torch.save to a temporary file beside `output`, then rename it"""
    directory = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(directory):
        raise ConversionError(f'{output}: directory {directory} does not exist')
    try:
        with atomic_write(output) as file:
            torch.save(state_dict, file)
    except OSError as error:
        raise ConversionError(
            f'{output}: cannot write ({error.strerror or error})') from None


def convert_file(path, output, capacity=None):
    """Convert `path` and write the state dict to `output`; returns capacity"""
    found, state_dict = convert(path, capacity)
    save_atomically(state_dict, output)
    return found


###############################################################################
# Entry point
###############################################################################


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog='convert_keras.py',
        description='Convert an original CREPE Keras weight file (.h5 or '
                    '.h5.bz2) into a torchcrepe state dict (.pth).')
    parser.add_argument('input', help='Keras weight file, .h5 or .h5.bz2')
    parser.add_argument('output', help='state dict to write, e.g. tiny.pth')
    parser.add_argument(
        '--capacity',
        choices=list(crepe_model.CAPACITIES),
        help='the capacity the file must hold (default: read from its shapes)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        capacity = convert_file(args.input, args.output, args.capacity)
    except ConversionError as error:
        print(f'convert_keras.py: error: {error}', file=sys.stderr)
        return 1
    print(f'{args.input} -> {args.output} ({capacity})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
