"""live.Tracker: audio in as it is recorded, pitch out as frames become final.

`Tracker` takes samples in pushes of any length and returns each frame as
soon as its pitch is final. Concatenated, the frames it returns are
`predict`'s for the whole recording with the same options (pad=True):
bit for bit at 16 kHz, and at other rates within the streaming
resampler's difference (torchcrepe.streaming).

How, step by step:
- frame i (pad=True) covers 16 kHz samples i * hop - 512 .. i * hop + 511,
  so it is complete once sample i * hop + 511 has arrived (the last
  frames, which reach into the zero padding after the end, at `finish`);
- each push runs the network on exactly the frames it completed
  (network.infer.ready: a call of any size gives each frame the bits of
  a whole block, so a push pays for its frames only);
- the decoder (engine.Decoding in live mode) returns the frames it has
  decided: argmax decoders at once, Viterbi decoders once every path
  through the later frames agrees, or, with `max_delay`, when a frame
  has waited that long (a forced decision: the best path so far, the one
  documented difference from offline);
- the dither of argmax/viterbi is drawn frame by frame from a copy of
  torch's global CPU generator taken when the Tracker is made, so
  `torch.manual_seed(s)` before making it gives `predict`'s dither
  after the same seed.
"""
from __future__ import annotations

import dataclasses
import math
import numbers
from typing import Any

import numpy as np
import torch

from .. import checks, decode, engine, framing, pipeline
from ..constants import SAMPLE_RATE, WINDOW_SIZE
from ..defaults import DECODER, FMAX, FMIN, MODEL
from ..types import Decoder, Device
from ..utils import ParameterError, ParameterTypeError


__all__ = ['Frames', 'Tracker']


@dataclasses.dataclass(frozen=True)
class Frames:
    """Frames that became final: 1-D numpy arrays of the same length

    time (float64): frame centres in seconds (as `predict`'s frames with
        pad=True: frame i at i * hop_length / sample_rate)
    pitch (float32): Hz
    periodicity (float32): 0..1
    """
    time: np.ndarray
    pitch: np.ndarray
    periodicity: np.ndarray

    def __len__(self) -> int:
        return len(self.time)


class Tracker:
    """Pitch of audio pushed as it arrives

    Arguments as `predict` (pad is always True; there is no batch size):
        sample_rate (int): of the pushed samples, Hz
        hop_length (int): samples between frames at `sample_rate`;
            default 10 ms
        fmin, fmax (float), model (str), decoder (function), device
        max_delay (float, keyword only): seconds; with a Viterbi decoder,
            a frame that has waited this long after its centre (audio
            time, at the end of a push) is decided by the best path so
            far rather than waiting for every path to agree. None
            (default): never forced, so the frames equal `predict`'s.
            No frame is returned earlier than its window's right half
            (32 ms) after its centre.
        precision, backend (keyword only): as `predict`

    Use
        tracker = Tracker(16000, model='tiny')
        for chunk in chunks:
            frames = tracker.push(chunk)  # Frames, possibly empty
        frames = tracker.finish()  # the rest

    Delay (from a frame's centre to the end of the push that returns it):
    argmax decoders: at most 32 ms plus one push, plus the resampler's
    lookahead at rates other than 16 kHz; Viterbi decoders: until the
    path is decided, at most max_delay plus one push (plus lookahead)
    when max_delay is set.

    Cost: each push runs the network on the frames it completed, on the
    CPU (one frame costs one frame on AVX2 CPUs, two elsewhere); on CUDA, with
    backend='onnx' or in reduced precision every call is a whole block
    (network.block_size), since only the CPU float32 network is known
    to give a frame the same bits in calls of any size. The dither is
    drawn on the CPU, so on CUDA argmax/viterbi pitch keeps predict's
    bins but not its CUDA dither draws.
    """

    def __init__(self, sample_rate: int, hop_length: int | None = None,
                 fmin: float = FMIN, fmax: float = FMAX, model: str = MODEL,
                 decoder: Decoder | str = decode.DECODERS[DECODER],
                 device: Device = 'cpu', *, max_delay: float | None = None,
                 precision: str | None = None, backend: str = 'torch') -> None:
        self.options = pipeline.settings(
            hop_length, fmin, fmax, model, decoder, None, device, True,
            precision, False, backend)
        checks.sample_rate(sample_rate)
        self.hop = framing.checked_hop(sample_rate, hop_length)
        self.max_delay = checked_max_delay(max_delay)
        self.sample_rate = sample_rate
        self.resampler = None
        if sample_rate != SAMPLE_RATE:
            from .. import streaming
            self.resampler = streaming.Resampler(sample_rate, SAMPLE_RATE)
        self.decoding = engine.Decoding(self.options, live=True)
        # The zero-padded 16 kHz signal from the first sample of frame
        # `computed` on: it starts with the padding before the signal
        self.buffer = torch.zeros(WINDOW_SIZE // 2)
        self.computed = 0  # frames run through the network
        self.returned = 0  # frames returned
        self.received = 0  # samples pushed, at sample_rate
        self.samples = 0  # samples at 16 kHz
        self.finished = False

    @property
    def lookahead(self) -> float:
        """Seconds of input the resampler holds back (0 at 16 kHz)"""
        return 0. if self.resampler is None else self.resampler.lookahead_seconds

    def warm(self) -> None:
        """Load the network and compile the decoder now, so that the first
        push costs what the others do; changes nothing else"""
        # Calls of a few sizes, a few times: the first calls of a size
        # set up kernels and memory that later calls reuse
        frames = torch.randn(WARM_FRAMES[-1], WINDOW_SIZE,
                             generator=torch.Generator().manual_seed(0))
        for count in WARM_FRAMES:
            probabilities = self._network(frames[:count])
        decoding = engine.Decoding(self.options, live=True,
                                   generator=torch.Generator())
        decoding.update(probabilities)
        decoding.force(1)
        decoding.update(probabilities)
        decoding.finish()

    def push(self, samples: np.ndarray | torch.Tensor) -> Frames:
        """Take the next samples; returns the frames that became final

        Arguments
            samples (numpy.ndarray or torch.tensor [shape=(time,)]):
                floating point, any length (0 included)

        Returns
            Frames
        """
        if self.finished:
            raise RuntimeError('this Tracker is finished; make a new one')
        samples = checked_samples(samples)
        self.received += len(samples)
        if self.resampler is not None:
            samples = torch.from_numpy(
                np.ascontiguousarray(self.resampler.push(samples.numpy()),
                                     dtype=np.float32))
        self._feed(samples)
        self._force()
        return self._taken()

    def finish(self) -> Frames:
        """The remaining frames, the zero padding after the end included
        (`predict` has 1 + samples // hop frames at 16 kHz); the Tracker
        takes no more samples after this"""
        if self.finished:
            raise RuntimeError('this Tracker is finished; make a new one')
        self.finished = True
        if self.resampler is not None:
            self._feed(torch.from_numpy(np.ascontiguousarray(
                self.resampler.finish(), dtype=np.float32)))
        if self.samples == 0:
            return self._taken()
        self._feed(torch.zeros(WINDOW_SIZE // 2), padding=True)
        frames = self._taken()
        pitch, confidence = self.decoding.finish()
        rest = self._frames(pitch[0], confidence[0])
        return Frames(*(np.concatenate(pair) for pair in zip(
            dataclasses.astuple(frames), dataclasses.astuple(rest))))

    def _feed(self, samples: torch.Tensor, padding: bool = False) -> None:
        """Append 16 kHz samples; run the frames they complete"""
        if not padding:
            self.samples += len(samples)
        if len(samples) == 0:
            return
        self.buffer = torch.cat([self.buffer, samples])
        count = (len(self.buffer) - WINDOW_SIZE) // self.hop + 1
        if count <= 0:
            return
        frames = framing.frames(self.buffer[None], self.hop, False, 0, count,
                                self.options.device)
        self.decoding.update(self._network(frames))
        self.buffer = self.buffer[count * self.hop:]
        self.computed += count

    def _network(self, frames: torch.Tensor) -> torch.Tensor:
        """Probabilities (frames, 360) of (frames, 1024) normalised frames"""
        return engine.probabilities(frames, self.options, ready=True)

    def _force(self) -> None:
        """With max_delay: decide the frames that have waited that long"""
        if self.max_delay is None:
            return
        # The newest frame whose centre is max_delay or more before now
        now = self.received / self.sample_rate
        last = math.floor((now - self.max_delay) * SAMPLE_RATE / self.hop + 1e-9)
        decided = self.computed - self.decoding.pending
        self.decoding.force(last + 1 - decided)

    def _taken(self) -> Frames:
        return self._frames(*self.decoding.take())

    def _frames(self, pitch: torch.Tensor, confidence: torch.Tensor) -> Frames:
        count = len(pitch)
        time = framing.frame_times(count, self.hop, True, self.returned)
        self.returned += count
        return Frames(time, pitch.detach().cpu().float().numpy(),
                      confidence.detach().cpu().float().numpy())


# Frames per network call in `warm`, in order: mostly the 1-2 frames of a
# push every hop, then the few of a late push
WARM_FRAMES = (1, 2, 1, 2, 3, 4, 1, 2, 8, 1, 2)


def checked_samples(samples: Any, argument: str = 'samples') -> torch.Tensor:
    """A push's samples as a 1-D float32 CPU tensor

    Raises ParameterError (ParameterTypeError for a wrong type) naming
    `argument`.
    """
    if isinstance(samples, np.ndarray):
        samples = torch.from_numpy(samples)
    if not isinstance(samples, torch.Tensor):
        raise ParameterTypeError(f'{argument} must be a 1-D numpy array or torch.Tensor; '
                        f'got {type(samples).__name__}')
    if samples.dim() != 1:
        raise ParameterError(f'{argument} must have shape (time,); '
                             f'got {tuple(samples.shape)}')
    if not samples.is_floating_point():
        raise ParameterError(f'{argument} must hold floating-point samples in '
                             f'[-1, 1]; got {samples.dtype}')
    samples = samples.detach().to('cpu', torch.float32)
    if not bool(torch.isfinite(samples).all()):
        raise ParameterError(f'{argument} contains NaN or Inf')
    return samples


def checked_max_delay(value: Any, argument: str = 'max_delay') -> float | None:
    """None, or a positive finite number of seconds (as float)"""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterTypeError(f'{argument} must be a positive number of '
                                 f'seconds (or None: no bound); got {value!r}')
    if not math.isfinite(value) or value <= 0:
        raise ParameterError(f'{argument} must be a positive number of seconds '
                             f'(or None: no bound); got {value!r}')
    return float(value)
