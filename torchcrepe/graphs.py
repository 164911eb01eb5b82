"""The network as a portable graph: what the graph holds (CONTRACT,
Network) and the ONNX and Core ML writers. torchcrepe.export re-exports its
public names and holds `python -m torchcrepe.export`."""
from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import tempfile
import warnings
from types import ModuleType
from typing import Any, Iterator, cast

import torch

from . import constants, paths, weights
from .constants import (CENTS_OFFSET, CENTS_PER_BIN, PITCH_BINS, SAMPLE_RATE,
                         WINDOW_SIZE)
from .files import staged
from .model import Crepe, block, check_capacity, embedding_size, kernel_taps
from .types import FilePath
from .utils import ParameterError, ParameterTypeError, choice, require


__all__ = ['CONTRACT', 'FORMATS', 'OUTPUTS', 'PRECISIONS', 'coreml',
           'metadata', 'network', 'onnx', 'output_shape']


FORMATS = {'onnx': '.onnx', 'coreml': '.mlpackage'}
OUTPUTS = ('probabilities', 'embedding')
# Core ML computes in float32 or float16; it has no bfloat16
PRECISIONS = tuple(name for name in constants.PRECISIONS if name != 'bfloat16')
INPUT = 'frames'

# ONNX opset of the exported graphs: the oldest that torch's exporter
# writes directly (it does not convert this graph down to 17)
ONNX_OPSET = 18

# Frames per Core ML call the package accepts. Core ML needs a bounded range
# to plan memory; 100 frames is one second at the default hop.
BATCH_RANGE = (1, 4096)

# What an app must do around the network, with the exact constants. Written
# into every exported file's metadata, and printed in the README.
CONTRACT = {
    'sample_rate': str(SAMPLE_RATE),
    'frame_length': str(WINDOW_SIZE),
    'hop': 'frame i is centred on sample i * hop of the 16 kHz signal, which '
           f'is zero-padded by {WINDOW_SIZE // 2} samples at both ends; '
           'torchcrepe uses hop = 160 (10 ms)',
    'normalisation': 'per frame: subtract the mean, then divide by the '
                     'standard deviation with N - 1 in the denominator '
                     '(at least 1e-10)',
    'bins': f'{PITCH_BINS} bins; bin i is {CENTS_OFFSET!r} + {CENTS_PER_BIN} i '
            'cents above 10 Hz: f = 10 * 2 ** (cents / 1200)',
    'decoding': 'pitch: the probability-weighted mean of the cents of the 9 '
                'bins around the most probable one (or Viterbi); '
                'periodicity: the probability at the chosen bin; '
                'torchcrepe calls a frame unvoiced below 0.21',
    'license': 'MIT; weights from CREPE (Kim, Salamon, Li, Bello, 2018)',
}


###############################################################################
# The graph
###############################################################################


class Network(Crepe):
    """A capacity's network with the exported signature: frames -> output

    Arguments
        capacity (str): 'tiny', 'small', 'medium', 'large' or 'full'
        output (str): 'probabilities' or 'embedding'

    Each kernel is stored already cut to `model.kernel_taps` (the taps that
    can meet the signal) and squeezed to 1-D, so that the exported graph
    holds constants only, no slicing, and is smaller than the state dict
    (full: 57 MB instead of 85) with the same numbers.
    """

    def __init__(self, capacity: str, output: str = 'probabilities') -> None:
        with torch.random.fork_rng(devices=[]):  # as weights.crepe
            super().__init__(check_capacity(capacity, 'capacity'))
        self.output = choice(output, OUTPUTS, 'output')
        self.load_state_dict(weights.state_dict(capacity))
        for index in range(1, 7):
            conv = getattr(self, f'conv{index}')
            conv.weight = torch.nn.Parameter(
                conv.weight.detach()[..., kernel_taps(index)[0], 0].clone(),
                requires_grad=False)
        self.eval()

    # The exported signature: frames only, the output chosen at construction
    def forward(self, frames: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        """(batch, 1024) -> (batch, 360) probabilities or (batch, 32, E)"""
        if self.output == 'embedding':
            return self.embed(frames).reshape(frames.size(0), 32, -1)
        return super().forward(frames)

    def layer(self, x: torch.Tensor, index: int) -> torch.Tensor:
        conv = getattr(self, f'conv{index}')
        return block(x, index, conv.weight, conv.bias,
                     getattr(self, f'conv{index}_BN'))


def network(capacity: str, output: str = 'probabilities') -> Network:
    """The module that is exported, in eval mode on the CPU (float32)"""
    return Network(capacity, output)


def output_shape(capacity: str, output: str = 'probabilities') -> tuple[int, ...]:
    """Shape of one frame's output: (360,) or (32, E)"""
    check_capacity(capacity, 'capacity')
    if choice(output, OUTPUTS, 'output') == 'embedding':
        return (32, embedding_size(capacity))
    return (PITCH_BINS,)


def metadata(capacity: str, output: str = 'probabilities') -> dict[str, str]:
    """String metadata written into exported files"""
    check_capacity(capacity, 'capacity')
    shape = ', '.join(str(size) for size in output_shape(capacity, output))
    return {'capacity': capacity,
            'output': f'{output} float32 (batch, {shape})',
            'input': f'{INPUT} float32 (batch, {WINDOW_SIZE})',
            'torchcrepe_version': constants.__version__,
            **CONTRACT}


###############################################################################
# ONNX
###############################################################################


def onnx(capacity: str, path: FilePath, output: str = 'probabilities',
         opset: int = ONNX_OPSET) -> str:
    """Write a capacity's network as an ONNX file

    Arguments
        capacity (str): 'tiny', 'small', 'medium', 'large' or 'full'
        path (str or os.PathLike): the .onnx file; replaced atomically
        output (str): 'probabilities' (batch, 360) or 'embedding'
            (batch, 32, E)
        opset (int): ONNX opset, 17 or newer

    Returns
        path (str)
    """
    path = cast(str, os.fspath(paths.single(path, 'path')))
    onnx_ = _check(capacity, output, path, 'onnx')
    model = onnx_model(capacity, output, opset)
    onnx_.checker.check_model(model)
    with staged([path]) as (temporary,):
        onnx_.save(model, temporary)
    return path


def onnx_model(capacity: str, output: str = 'probabilities', opset: int = ONNX_OPSET) -> Any:
    """The ONNX ModelProto of a capacity's network, with metadata"""
    check_capacity(capacity, 'capacity')
    choice(output, OUTPUTS, 'output')
    if isinstance(opset, bool) or not isinstance(opset, int) or opset < ONNX_OPSET:
        raise (ParameterError if isinstance(opset, int) and not isinstance(opset, bool)
               else ParameterTypeError)(
            f'opset must be an integer of at least {ONNX_OPSET}; got {opset!r}')
    require('onnx', 'ONNX export', 'export')
    require('onnxscript', 'ONNX export', 'export')
    module = network(capacity, output)
    batch = torch.export.Dim('batch', min=1, max=1 << 20)
    with torch.no_grad(), _quiet('torch.onnx'):
        program = torch.onnx.export(
            module, (torch.zeros(2, WINDOW_SIZE),), None,
            input_names=[INPUT], output_names=[output], opset_version=opset,
            dynamo=True, dynamic_shapes=({0: batch},), optimize=True,
            verbose=False)
    model = program.model_proto  # type: ignore[union-attr]  # dynamo=True: a program
    model.producer_name = 'torchcrepe'
    model.doc_string = (f'CREPE pitch tracker, {capacity} capacity: '
                        f'normalised frames -> {output}')
    for key, value in metadata(capacity, output).items():
        model.metadata_props.add(key=key, value=value)
    return model


###############################################################################
# Core ML
###############################################################################


def coreml(capacity: str, path: FilePath, output: str = 'probabilities',
           precision: str = 'float32', batch_range: tuple[int, int] = BATCH_RANGE) -> str:
    """Write a capacity's network as a Core ML package (ML Program)

    Arguments
        capacity (str): 'tiny', 'small', 'medium', 'large' or 'full'
        path (str or os.PathLike): the .mlpackage directory; replaced
            atomically (written beside it, then renamed)
        output (str): 'probabilities' (batch, 360) or 'embedding'
            (batch, 32, E)
        precision (str): 'float32' or 'float16', the weights' and the
            arithmetic's type; input and output stay float32
        batch_range (tuple): (fewest, most) frames per call

    Returns
        path (str)
    """
    path = cast(str, os.fspath(paths.single(path, 'path')))
    _check(capacity, output, path, 'coreml')
    model = coreml_model(capacity, output, precision, batch_range)
    directory = os.path.dirname(os.path.abspath(path))
    staging = tempfile.mkdtemp(dir=directory, prefix=f'.{os.path.basename(path)}.')
    try:
        temporary = os.path.join(staging, os.path.basename(path))
        model.save(temporary)
        _replace_directory(temporary, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return path


def coreml_model(capacity: str, output: str = 'probabilities', precision: str = 'float32',
                 batch_range: tuple[int, int] = BATCH_RANGE) -> Any:
    """The coremltools MLModel of a capacity's network, with metadata"""
    import numpy as np

    check_capacity(capacity, 'capacity')
    choice(output, OUTPUTS, 'output')
    choice(precision, PRECISIONS, 'precision')
    low, high = _batch_range(batch_range)
    coremltools = _coremltools()
    module = network(capacity, output)
    with torch.no_grad():
        traced = torch.jit.trace(module, torch.zeros(2, WINDOW_SIZE))
    frames = coremltools.TensorType(
        name=INPUT, dtype=np.float32,
        shape=(coremltools.RangeDim(low, high, default=low), WINDOW_SIZE))
    # coremltools draws progress bars for its passes; a second's work
    with _quiet('coremltools'), contextlib.redirect_stderr(io.StringIO()):
        model = coremltools.convert(
            traced, inputs=[frames],
            outputs=[coremltools.TensorType(name=output, dtype=np.float32)],
            convert_to='mlprogram',
            compute_precision=getattr(coremltools.precision, precision.upper()),
            minimum_deployment_target=coremltools.target.iOS15)
    model.author = 'torchcrepe; weights: CREPE (Kim, Salamon, Li, Bello, 2018)'
    model.license = CONTRACT['license']
    model.short_description = (f'CREPE pitch tracker, {capacity} capacity, '
                               f'{precision} weights: normalised frames -> {output}')
    described = metadata(capacity, output)
    model.version = described['torchcrepe_version']
    model.input_description[INPUT] = (
        f'(batch, {WINDOW_SIZE}) frames of 16 kHz audio, each normalised')
    model.output_description[output] = described['output']
    for key, value in described.items():
        model.user_defined_metadata[key] = value
    model.user_defined_metadata['precision'] = precision
    return model


###############################################################################
# Utilities
###############################################################################


def _check(capacity: str, output: str, path: str, format_: str) -> ModuleType:
    """Check the arguments before any work; returns the format's module"""
    check_capacity(capacity, 'capacity')
    choice(output, OUTPUTS, 'output')
    suffix = FORMATS[format_]
    if not path.lower().endswith(suffix):
        raise ParameterError(f'path must end in {suffix} for {format_}; got {path!r}')
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise ParameterError(f'path {path!r}: directory {directory!r} does not exist')
    if format_ == 'onnx':
        require('onnxscript', 'ONNX export', 'export')
        return require('onnx', 'ONNX export', 'export')
    return _coremltools()


def _batch_range(batch_range: tuple[int, int]) -> tuple[int, int]:
    """(low, high): two integers 1 <= low <= high, else ParameterError"""
    message = f'batch_range must be two integers 1 <= low <= high; got {batch_range!r}'
    try:
        low, high = batch_range
    except (TypeError, ValueError):
        raise ParameterTypeError(message) from None
    if not all(isinstance(end, int) and not isinstance(end, bool) for end in (low, high)):
        raise ParameterTypeError(message)
    if not 1 <= low <= high:
        raise ParameterError(message)
    return low, high


def _coremltools() -> ModuleType:
    """coremltools, without its import-time notes about macOS-only parts"""
    with _quiet('coremltools'):
        return require('coremltools', 'Core ML export', 'export')


@contextlib.contextmanager
def _quiet(name: str) -> Iterator[None]:
    """Silence an exporter's warnings and log about its own internals"""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            yield
    finally:
        logger.setLevel(level)


def _replace_directory(source: str, target: str) -> None:
    """Move directory `source` onto `target`, keeping `target` until it can"""
    if not os.path.lexists(target):
        os.replace(source, target)
        return
    backup = tempfile.mkdtemp(dir=os.path.dirname(os.path.abspath(target)),
                              prefix=f'.{os.path.basename(target)}.old.')
    os.rmdir(backup)
    os.replace(target, backup)
    try:
        os.replace(source, target)
    except BaseException:
        os.replace(backup, target)
        raise
    if os.path.isdir(backup) and not os.path.islink(backup):
        shutil.rmtree(backup)
    else:
        os.unlink(backup)

