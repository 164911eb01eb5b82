"""The network on normalised frames: `infer`, its model cache, fixed blocks.

`infer` is one object: the function 0.0.24 users call, and the cache of
the model it runs (`infer.model`, `infer.capacity`, as in 0.0.24), with
the device and reduced-precision copies it makes. Every network call sees
exactly `block_size(device, capacity, backend)` frames (the last block is padded),
so a frame's numbers never depend on how many frames came with it.
"""
import copy
import threading

import torch

from . import checks, hardware, weights
from .model import Crepe, FoldedCrepe


# Frames per network call, by device type. Every call has exactly this many
# frames, so each frame's numbers come from the same kernels wherever it
# falls: results never depend on the batch size.
BLOCK_SIZE = {'cpu': 32, 'cuda': 512}

# On the CPU, per capacity: each call pays a fixed cost per layer (thread
# wake-ups, oneDNN set-up) that narrow networks amortise only over more
# frames. The first block's output (32 KB a frame per unit of width) stays
# between 16 and 32 MB; larger blocks gained little more, and every input
# shorter than a block costs a whole block.
CPU_BLOCK_SIZE = {'tiny': 128, 'small': 64, 'medium': 64, 'large': 32, 'full': 32}

# Frames per onnxruntime call (backend='onnx', CPU only)
ONNX_BLOCK_SIZE = 64


def block_size(device, capacity=None, backend='torch'):
    """Frames per network call on `device` for `capacity` (None: the
    device's default) with `backend`"""
    if backend == 'onnx':
        return ONNX_BLOCK_SIZE
    kind = torch.device(device).type
    if kind == 'cpu' and capacity is not None:
        return CPU_BLOCK_SIZE[capacity]
    return BLOCK_SIZE.get(kind, BLOCK_SIZE['cuda'])


def in_blocks(frames, size, run):
    """`run` on consecutive blocks of exactly `size` frames

    Arguments
        frames (torch.tensor [shape=(N, 1024)])
        size (int): frames per call; the last block is zero-padded and the
            padding's outputs dropped
        run (callable): (size, 1024) -> (size, ...)

    Returns
        (torch.tensor [shape=(N, ...)]), the outputs in order
    """
    outputs = []
    for start in range(0, max(frames.size(0), 1), size):
        block = frames[start:start + size]
        count = block.size(0)
        if count < size:
            block = torch.nn.functional.pad(block, (0, 0, 0, size - count))
        outputs.append(run(block)[:count])
    return outputs[0] if len(outputs) == 1 else torch.cat(outputs)


class Inference:
    """Run the network on normalised frames: `infer(frames, model, ...)`

    Arguments
        frames (torch.tensor [shape=(frames, 1024)])
            Normalised frames, as `preprocess` yields them
        model (str)
            The capacity; loaded on first use and kept as `infer.model`
        device (str or torch.device)
        embed (bool)
            Return the fifth block's output instead of probabilities
        precision (str, keyword only)
            None/'float32', 'bfloat16' or 'float16' (see `predict`)
        backend (str, keyword only)
            'torch' or 'onnx' (see `predict`)

    Returns
        probabilities (torch.tensor [shape=(frames, 360)]), sigmoid outputs
        OR embedding (torch.tensor [shape=(frames, C5, 8, 1)]), float32

    The cache: `infer.model` is the float32 network last loaded (on the
    device it was first needed on) and `infer.capacity` its capacity, as in
    0.0.24; both can be read or assigned (None unloads). What runs is a
    copy folded for inference per device and dtype (model.FoldedCrepe),
    made on first use and remade when the model or its weights change.
    'bfloat16' runs float32 where the hardware has no native bfloat16
    (hardware.precision). Lookups hold a lock, so threads may share it.
    """

    def __init__(self):
        self._lock = threading.RLock()
        self._model = None
        self._capacity = None
        self._copies = {}

    @property
    def model(self):
        return self._model

    @model.setter
    def model(self, network):
        with self._lock:
            self._model = network
            self._copies.clear()

    @property
    def capacity(self):
        return self._capacity

    @capacity.setter
    def capacity(self, capacity):
        with self._lock:
            self._capacity = capacity
            self._copies.clear()

    def load(self, capacity, device='cpu'):
        """Load a bundled capacity on `device` and make it the model"""
        network = weights.crepe(capacity, device)
        with self._lock:
            self._model, self._capacity = network, capacity
            self._copies.clear()
        return network

    def network(self, capacity, device, dtype=torch.float32):
        """What runs for a capacity on a device in a dtype: the bundled
        network folded for inference (model.FoldedCrepe); a network of the
        user's own (not a Crepe, or in training mode) as given, or a copy on
        that device in that dtype. Copies are cached and remade when the
        model or its weights change."""
        with self._lock:
            if self._model is None or self._capacity != capacity:
                self.load(capacity, device)
            model = self._model
            foldable = isinstance(model, Crepe) and not model.training
            home = next(model.parameters()).device
            if not foldable and dtype == torch.float32 and home == device:
                return model
            # Tensor versions change with any in-place write (load_state_dict)
            versions = tuple(tensor._version for tensor in
                             (*model.parameters(), *model.buffers()))
            key = (str(device), dtype)
            cached = self._copies.get(key)
            if cached is None or cached[0] != versions:
                if foldable:
                    source = model if home == device else copy.deepcopy(model).to(device)
                    made = FoldedCrepe(source, dtype)
                else:
                    made = copy.deepcopy(model).to(device=device, dtype=dtype)
                cached = self._copies[key] = (versions, made)
            return cached[1]

    def __call__(self, frames, model='full', device='cpu', embed=False, *,
                 precision=None, backend='torch'):
        checks.capacity(model)
        device = checks.device(device)
        precision = checks.precision(precision, device)
        checks.backend(backend, device, precision)
        precision = hardware.precision(precision, device)
        size = block_size(device, model, backend)
        if backend == 'onnx':
            from . import runtime
            return in_blocks(frames.detach(), size,
                             lambda block: runtime.run(block, model, embed))
        dtype = getattr(torch, precision)
        network = self.network(model, _resolved(device), dtype)
        return in_blocks(
            frames, size,
            lambda block: network(block.to(device=device, dtype=dtype),
                                  embed=embed).float())


def _resolved(device):
    """'cuda' as 'cuda:N' of the current device, so that cache keys and
    parameter devices compare equal"""
    if device.type == 'cuda' and device.index is None:
        return torch.device('cuda', torch.cuda.current_device())
    return device


# The one instance: torchcrepe.infer
infer = Inference()
