"""backend='onnx': the network exported to ONNX, run by onnxruntime.

Framing, normalisation, the fixed blocks (network.in_blocks) and decoding
are the same code as with PyTorch; only the call on one block changes.
The session is built once per capacity and output from the bundled weights
(exported in memory, about a second), or from an exported file given to
`session`.
"""
import os
import threading

import torch

from . import graphs, paths
from .model import check_capacity
from .utils import ParameterError, choice, require


class Sessions(dict):
    """The one cache of onnxruntime sessions: (capacity, output) -> session;
    a lock makes building one safe from several threads"""

    def __init__(self):
        super().__init__()
        self.lock = threading.RLock()


SESSIONS = Sessions()


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
    choice(output, graphs.OUTPUTS, 'output')
    onnxruntime = require('onnxruntime', "backend='onnx'", 'export')
    key = (capacity, output)
    with SESSIONS.lock:
        if path is None and key in SESSIONS:
            return SESSIONS[key]
        SESSIONS[key] = _build(onnxruntime, capacity, output, path)
        return SESSIONS[key]


def _build(onnxruntime, capacity, output, path):
    """A new session from the bundled weights or an .onnx file"""
    if path is None:
        model = graphs.onnx_model(capacity, output).SerializeToString()
    else:
        model = os.fspath(paths.single(path, 'path'))
        if not os.path.isfile(model):
            raise FileNotFoundError(f'ONNX file {model!r} does not exist')
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors only
    runner = onnxruntime.InferenceSession(
        model, options, providers=['CPUExecutionProvider'])
    _check(runner, capacity, output, path)
    return runner


def run(block, capacity, embed=False):
    """One onnxruntime call on a block of normalised frames

    Arguments
        block (torch.tensor [shape=(frames, 1024)]), on the CPU
        capacity (str)
        embed (bool)

    Returns
        probabilities (torch.tensor [shape=(frames, 360)])
        OR embedding (torch.tensor [shape=(frames, C5, 8, 1)]), float32
    """
    output = 'embedding' if embed else 'probabilities'
    block = block.to('cpu', torch.float32).numpy()
    result = torch.from_numpy(
        session(capacity, output).run([output], {graphs.INPUT: block})[0])
    if embed:
        # (frames, 32, E) -> the network's (frames, C5, 8, 1)
        return result.reshape(result.shape[0], -1, 8, 1)
    return result


def _check(runner, capacity, output, path):
    """A session from a file must be the capacity and output asked for"""
    inputs = [node.name for node in runner.get_inputs()]
    outputs = [node.name for node in runner.get_outputs()]
    if inputs != [graphs.INPUT] or outputs != [output]:
        raise ParameterError(
            f'path: the ONNX file {path!r} has inputs {inputs} and outputs '
            f'{outputs}; expected [{graphs.INPUT!r}] and [{output!r}]')
    recorded = runner.get_modelmeta().custom_metadata_map.get('capacity')
    if recorded is not None and recorded != capacity:
        raise ParameterError(
            f'path: the ONNX file {path!r} holds the {recorded!r} capacity, '
            f'not {capacity!r}')
