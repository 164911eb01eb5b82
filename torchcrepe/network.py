"""The network on normalised frames: `infer`, its model cache, fixed blocks.

`infer` is one object: the function 0.0.24 users call, and the cache of
the model it runs (`infer.model`, `infer.capacity`, as in 0.0.24), with
the device and reduced-precision copies it makes. Every network call sees
exactly `block_size(device, capacity, backend)` frames (the last block is padded),
so a frame's numbers never depend on how many frames came with it.
"""
from __future__ import annotations

import contextlib
import copy
import functools
import threading
from typing import Callable, ContextManager, Iterator, Tuple, cast

import torch

from . import checks, hardware, weights
from .folded import SIGMOID_ROWS, FoldedCrepe
from .model import CAPACITIES, Crepe
from .types import Device
from .utils import ParameterError

# What tells whether a model's weights changed (weights_state)
State = Tuple[Tuple[int, int], ...]


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

# The fewest frames a folded float32 CPU call on one thread may have and
# still give every frame the numbers it gets in a full block: any number,
# since folded.FoldedCrepe runs a one-frame call so that it does
FEWEST_FRAMES = 1

# From this many frames, a folded CPU call gives every frame the numbers
# of a full block on any thread count: the classifier's row groups
# (folded.FoldedCrepe). A live tracker that has fallen behind runs its
# backlog on every thread
MANY_FRAMES = SIGMOID_ROWS

# Frames per onnxruntime call (backend='onnx', CPU only)
ONNX_BLOCK_SIZE = 64

# Frames in each call of the precision probe (probe_run): enough that the
# per-frame work outweighs a call's fixed cost even for tiny (float32 tiny
# took 1.09 ms a frame in calls of 16 frames, 1.07 ms in blocks of 128, on
# 2 AVX2 cores), few enough to keep the probe short: it runs each precision
# at least twice (a warm-up and a timed pair), 32 frames of each in all
PROBE_FRAMES = 16


def block_size(device: Device, capacity: str | None = None, backend: str = 'torch') -> int:
    """Frames per network call on `device` for `capacity` (None: the
    device's default) with `backend`"""
    if backend == 'onnx':
        return ONNX_BLOCK_SIZE
    kind = torch.device(device).type
    if kind == 'cpu' and capacity is not None:
        return CPU_BLOCK_SIZE[capacity]
    return BLOCK_SIZE.get(kind, BLOCK_SIZE['cuda'])


def block_table() -> str:
    """The frames per network call of every device and backend, as the
    markdown table the README shows (tests/test_network.py holds the two
    equal)"""
    rows = [('CPU', {name: block_size('cpu', name) for name in CAPACITIES}),
            ('CUDA', {name: block_size('cuda', name) for name in CAPACITIES}),
            ("`backend='onnx'` (CPU)",
             {name: block_size('cpu', name, 'onnx') for name in CAPACITIES})]
    lines = ['| frames per call | ' + ' | '.join(CAPACITIES) + ' |',
             '|---|' + '--:|' * len(CAPACITIES)]
    lines += [f'| {where} | ' + ' | '.join(str(sizes[name]) for name in CAPACITIES) + ' |'
              for where, sizes in rows]
    return '\n'.join(lines)


def in_blocks(frames: torch.Tensor, size: int, run: Callable[[torch.Tensor], torch.Tensor],
              fewest: int | None = None) -> torch.Tensor:
    """`run` on consecutive blocks of exactly `size` frames

    Arguments
        frames (torch.tensor [shape=(N, 1024)])
        size (int): frames per call; the last block is zero-padded and the
            padding's outputs dropped
        run (callable): (size, 1024) -> (size, ...)
        fewest (int or None): pad the last block only up to this many
            frames instead of `size` (where calls of any size from
            `fewest` up give the same numbers: FEWEST_FRAMES)

    Returns
        (torch.tensor [shape=(N, ...)]), the outputs in order
    """
    outputs = []
    for start in range(0, max(frames.size(0), 1), size):
        block = frames[start:start + size]
        count = block.size(0)
        wanted = size if fewest is None else max(count, fewest)
        if count < wanted:
            block = torch.nn.functional.pad(block, (0, 0, 0, wanted - count))
        outputs.append(run(block)[:count])
    return outputs[0] if len(outputs) == 1 else torch.cat(outputs)


def exact_below_block(device: Device, precision: str | None, backend: str) -> bool:
    """Whether calls of FEWEST_FRAMES or more frames, not only whole
    blocks, give every frame its numbers: the folded float32 network on
    the CPU (folded.FoldedCrepe); elsewhere kernels may change with the
    call's size, so calls there stay whole blocks"""
    return backend == 'torch' and torch.device(device).type == 'cpu' \
        and precision in (None, 'float32')


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

    Gradients: under torch.no_grad, torch.inference_mode, or when the
    frames do not require grad, what runs is a copy of the network folded
    for inference (folded.FoldedCrepe), which computes no gradients. When
    grad mode is on and the frames require grad (CREPE as a pitch or
    perceptual loss), the plain network runs instead, 0.0.24's
    computation, and the output is differentiable with respect to the
    frames (and to `infer.model`'s parameters, when it is the one that
    runs: float32 on its own device).

    The cache: `infer.model` is the float32 network last loaded (on the
    device it was first needed on) and `infer.capacity` its capacity, as in
    0.0.24; both can be read or assigned (None unloads). Loaded networks
    and their copies are ordinary tensors even when made under
    torch.inference_mode, so they serve calls in any autograd mode. Copies
    (folded, or plain in another dtype or on another device) are made per
    device and dtype on first use and remade when the model or its
    weights change (`weights_state`). 'bfloat16' runs float32 where the
    hardware has no native bfloat16 (hardware.precision); here the flags
    alone decide: the probe of whether bfloat16 is also faster for the
    capacity runs where options are checked (pipeline.settings: predict,
    embed, the files, the command line, live, folder mode), not in this
    low-level call, which runs what it is asked. Lookups hold a lock, so
    threads may share it.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._model: torch.nn.Module | None = None
        self._capacity: str | None = None
        self._copies: dict[tuple[str, torch.dtype, bool], tuple[State, torch.nn.Module]] = {}

    @property
    def model(self) -> torch.nn.Module | None:
        return self._model

    @model.setter
    def model(self, network: torch.nn.Module | None) -> None:
        with self._lock:
            self._model = network
            self._copies.clear()

    @property
    def capacity(self) -> str | None:
        return self._capacity

    @capacity.setter
    def capacity(self, capacity: str | None) -> None:
        with self._lock:
            self._capacity = capacity
            self._copies.clear()

    def load(self, capacity: str, device: Device = 'cpu') -> Crepe:
        """Load a bundled capacity on `device` and make it the model"""
        checks.capacity(capacity, 'capacity')
        checks.device(device)
        network = weights.crepe(capacity, device)
        with self._lock:
            self._model, self._capacity = network, capacity
            self._copies.clear()
        return network

    def network(self, capacity: str, device: torch.device, dtype: torch.dtype = torch.float32,
                gradient: bool = False) -> torch.nn.Module:
        """What runs for a capacity on a device in a dtype

        Without `gradient`: the bundled network folded for inference
        (folded.FoldedCrepe), which computes no gradients. With it: the
        plain network (`Crepe`, 0.0.24's computation), the model itself or
        a copy on that device in that dtype. A network of the user's own
        (not a Crepe, or in training mode) always runs plain. Copies are
        cached and remade when the model or its weights change.
        """
        with self._lock:
            if self._model is None or self._capacity != capacity:
                self.load(capacity, device)
            model = cast(torch.nn.Module, self._model)  # load() set it
            folded = isinstance(model, Crepe) and not model.training and not gradient
            home = next(model.parameters()).device
            if not folded and dtype == torch.float32 and home == device:
                return model
            state = weights_state(model)
            key = (str(device), dtype, folded)
            cached = self._copies.get(key)
            if cached is not None and state is not None and cached[0] == state:
                return cached[1]
            # Copies are made of ordinary tensors even when the call comes
            # from inside torch.inference_mode, so that they serve later
            # calls outside it too
            with torch.inference_mode(False), torch.no_grad():
                if folded:
                    source = model if home == device else copy.deepcopy(model).to(device)
                    made: torch.nn.Module = FoldedCrepe(cast(Crepe, source), dtype)
                else:
                    made = copy.deepcopy(model).to(device=device, dtype=dtype)
            if state is not None:
                self._copies[key] = (state, made)
            return made

    def __call__(self, frames: torch.Tensor, model: str = 'full', device: Device = 'cpu',
                 embed: bool = False, *, precision: str | None = None,
                 backend: str = 'torch') -> torch.Tensor:
        return self.run(frames, model, device, embed, precision=precision,
                        backend=backend)

    def ready(self, frames: torch.Tensor, model: str = 'full', device: Device = 'cpu', *,
              precision: str | None = None, backend: str = 'torch') -> torch.Tensor:
        """Probabilities (frames, 360) of a few frames, with the numbers
        `infer` gives them, at the cost of these frames only

        For a caller that has a frame or two at a time (a live tracker):
        where the network gives each frame the same bits in any call of
        FEWEST_FRAMES frames or more (exact_below_block), the call holds
        just these frames and runs on one thread: a small call's ~20
        parallel regions each wait for every thread, so with another
        process busy on a core a one-frame call of tiny took 22-42 ms on
        two threads against 5-8 on one (2-core AVX2 EPYC), and on some CPUs
        oneDNN splits a small call's sums by thread. Torch's thread count
        is set to 1 for the call and then restored, which other threads
        running torch at that moment also see. MANY_FRAMES frames or more
        (a backlog) run on torch's threads as they are, in calls of
        MANY_FRAMES frames at least. Elsewhere a whole block, as `infer`.
        Without gradients.
        """
        fewest: int | None
        threads: ContextManager[None]
        fewest, threads = None, contextlib.nullcontext()
        if exact_below_block(device, precision, backend):
            fewest = FEWEST_FRAMES
            if frames.size(0) >= MANY_FRAMES:
                fewest = MANY_FRAMES
            else:
                threads = one_thread()
        with torch.no_grad(), threads:
            return self.run(frames, model, device, precision=precision,
                            backend=backend, fewest=fewest)

    def run(self, frames: torch.Tensor, model: str = 'full', device: Device = 'cpu',
            embed: bool = False, *, precision: str | None = None, backend: str = 'torch',
            fewest: int | None = None) -> torch.Tensor:
        """`infer`, with `in_blocks`'s `fewest`"""
        checks.capacity(model)
        device = checks.device(device)
        precision = checks.precision(precision, device)
        checks.backend(backend, device, precision)
        checks.tensor(frames, 'frames', ('batch', '1024'))
        precision = hardware.precision(precision, device)
        gradient = needs_gradient(frames)
        size = block_size(device, model, backend)
        if backend == 'onnx':
            if gradient:
                raise ParameterError(
                    "backend='onnx' computes no gradients, and these frames "
                    "require them; use backend='torch' (or torch.no_grad())")
            from . import runtime
            return in_blocks(frames.detach(), size,
                             lambda block: runtime.run(block, model, embed), fewest)
        dtype = getattr(torch, precision)
        network = self.network(model, _resolved(device), dtype, gradient)
        return in_blocks(
            frames, size,
            lambda block: network(block.to(device=device, dtype=dtype),
                                  embed=embed).float(), fewest)


def probe_run(capacity: str, device: Device = 'cpu') -> Callable[[str], int]:
    """What hardware.precision's probe times for `capacity` on `device`

    Returns a callable precision (str) -> frames (int) that runs the
    network as `infer` does without gradients (the folded copy it caches
    for that dtype, loading the capacity if it is not the model) once on
    PROBE_FRAMES fixed frames (`probe_frames`). Nothing runs until it is
    called, so a request with a verdict already made costs nothing. The
    copy of the precision that lost stays in infer's cache, as any copy
    made for a call does.
    """
    def run(precision: str) -> int:
        # Resolved here, not on every settings call: it may start CUDA
        where = _resolved(torch.device(device))
        dtype = getattr(torch, precision)
        frames = probe_frames().to(device=where, dtype=dtype)
        network = infer.network(capacity, where, dtype)
        with torch.no_grad():
            network(frames)
        return frames.size(0)
    return run


@functools.lru_cache(maxsize=1)
def probe_frames() -> torch.Tensor:
    """PROBE_FRAMES frames of seeded noise, each zero-mean and of unit
    variance as `preprocess` makes frames: (PROBE_FRAMES, 1024), float32.
    A generator of its own leaves torch's global random state alone"""
    generator = torch.Generator().manual_seed(0)
    frames = torch.randn(PROBE_FRAMES, 1024, generator=generator)
    frames = frames - frames.mean(dim=1, keepdim=True)
    return frames / frames.std(dim=1, keepdim=True)


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """torch on one thread inside the block, its thread count restored
    after (a process-wide setting: other threads see it meanwhile)"""
    threads = torch.get_num_threads()
    if threads != 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if threads != 1:
            torch.set_num_threads(threads)


def needs_gradient(frames: torch.Tensor) -> bool:
    """Whether a call on `frames` must be differentiable: grad mode is on
    (not under torch.no_grad or torch.inference_mode) and the frames
    require a gradient"""
    return torch.is_grad_enabled() and frames.requires_grad


def weights_state(model: torch.nn.Module) -> State | None:
    """What tells whether a model's weights changed since a copy was made:
    each parameter's and buffer's identity and version counter, or None
    when one is an inference tensor (made under torch.inference_mode),
    which keeps no version counter: such a model is copied afresh on
    every call rather than risk a stale copy"""
    tensors = (*model.parameters(), *model.buffers())
    if any(tensor.is_inference() for tensor in tensors):
        return None
    return tuple((id(tensor), tensor._version) for tensor in tensors)


def _resolved(device: torch.device) -> torch.device:
    """'cuda' as 'cuda:N' of the current device, so that cache keys and
    parameter devices compare equal"""
    if device.type == 'cuda' and device.index is None:
        return torch.device('cuda', torch.cuda.current_device())
    return device


# The one instance: torchcrepe.infer
infer = Inference()
