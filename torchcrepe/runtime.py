"""backend='onnx': the network exported to ONNX, run by onnxruntime.

Framing, normalisation and decoding are the same code as with PyTorch;
only `infer` changes. The session is built once per capacity and output
from the bundled weights (exported in memory, about a second), or from an
exported file given to `session`.
"""
import os

import numpy as np
import torch

from . import export
from .constants import WINDOW_SIZE
from .model import check_capacity


# Frames per onnxruntime call. Fixed, like core.BLOCK_SIZE, so that the
# last block is padded and no number depends on the batch size; memory
# stays at one block's activations.
BLOCK_SIZE = 64

_sessions = {}


def session(capacity, output='probabilities', path=None):
    """The onnxruntime InferenceSession that backend='onnx' uses

    Arguments
        capacity (str): 'tiny', 'small', 'medium', 'large' or 'full'
        output (str): 'probabilities' or 'embedding'
        path (str or None): an exported .onnx file to use from now on for
            this capacity and output; None keeps the current session, or
            exports the bundled weights in memory on first use
    """
    check_capacity(capacity, 'capacity')
    export._choice(output, export.OUTPUTS, 'output')
    onnxruntime = export._require('onnxruntime', "backend='onnx'")
    key = (capacity, output)
    if path is None and key in _sessions:
        return _sessions[key]
    if path is None:
        model = export.onnx_model(capacity, output).SerializeToString()
    else:
        model = os.fspath(path)
        if not os.path.isfile(model):
            raise FileNotFoundError(f'ONNX file {model!r} does not exist')
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors only
    _sessions[key] = onnxruntime.InferenceSession(
        model, options, providers=['CPUExecutionProvider'])
    _check(_sessions[key], capacity, output, path)
    return _sessions[key]


def infer(frames, capacity, embed=False):
    """core.infer for backend='onnx'

    Arguments
        frames (torch.tensor [shape=(frames, 1024)]), normalised, on the CPU
        capacity (str)
        embed (bool)

    Returns
        probabilities (torch.tensor [shape=(frames, 360)])
        OR embedding (torch.tensor [shape=(frames, C5, 8, 1)]), float32
    """
    output = 'embedding' if embed else 'probabilities'
    runner = session(capacity, output)
    frames = frames.detach().to('cpu', torch.float32).numpy()
    count = frames.shape[0]
    outputs = []
    for start in range(0, max(count, 1), BLOCK_SIZE):
        block = frames[start:start + BLOCK_SIZE]
        size = block.shape[0]
        if size < BLOCK_SIZE:
            block = np.concatenate(
                [block, np.zeros((BLOCK_SIZE - size, WINDOW_SIZE), np.float32)])
        result = runner.run([output], {export.INPUT: block})[0]
        outputs.append(result[:size])
    result = torch.from_numpy(np.concatenate(outputs))
    if embed:
        # (frames, 32, E) -> the network's (frames, C5, 8, 1)
        return result.reshape(result.shape[0], -1, 8, 1)
    return result


def _check(runner, capacity, output, path):
    """A session from a file must be the capacity and output asked for"""
    inputs = [node.name for node in runner.get_inputs()]
    outputs = [node.name for node in runner.get_outputs()]
    if inputs != [export.INPUT] or outputs != [output]:
        raise ValueError(
            f'ONNX file {path!r} has inputs {inputs} and outputs {outputs}; '
            f'expected [{export.INPUT!r}] and [{output!r}]')
    recorded = runner.get_modelmeta().custom_metadata_map.get('capacity')
    if recorded is not None and recorded != capacity:
        raise ValueError(
            f'ONNX file {path!r} holds the {recorded!r} capacity, not {capacity!r}')
