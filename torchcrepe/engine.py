"""The one frame loop: frames -> network -> masked probabilities -> decoder.

Every way of tracking pitch runs the same steps on its frames, and this
module holds them once:

- `block_rows`, `batch_step`: the network's block and how many frames one
  call takes (whole blocks, so that only an input's last block is padded);
- `probabilities`: the network on normalised frames, (frames, 1024) ->
  (frames, 360);
- `Decoding`: one input's decoder, fed those probabilities in frame order
  in batches of any size; it transposes them to the decoders' (360,
  frames), sets the bins outside fmin..fmax to -inf and decodes as the
  batches arrive (decode.Stream), so that no number depends on how the
  frames were batched; `finish` returns the pitch and periodicity and
  warns when a Viterbi path stayed at an end of the range.

`Settings` holds one call's checked options (pipeline.settings makes
it); `metadata` describes them as results record them. `pipeline` (predict and the file functions), `live.Tracker` and folder
mode's cross-file batching all drive these; only this module makes a
decode.Stream.
"""
from __future__ import annotations

import dataclasses
import warnings

import torch

from . import convert, decode, framing, network
from .constants import SAMPLE_RATE, __version__
from .defaults import BATCH_SIZE, DECODER, FMAX, FMIN, MODEL
from .types import Decoder
from .utils import caller_level


@dataclasses.dataclass(frozen=True)
class Settings:
    """Checked options of one call; built once by pipeline.settings"""
    hop_length: int | None = None
    fmin: float = FMIN
    fmax: float = FMAX
    model: str = MODEL
    decoder: Decoder = decode.DECODERS[DECODER]
    batch_size: int | None = None
    device: torch.device = torch.device('cpu')
    pad: bool = True
    precision: str = 'float32'
    progress: bool = False
    backend: str = 'torch'


def block_rows(options: Settings) -> int:
    """Frames in one of the network's fixed blocks for these options (an
    int): calls of whole blocks pad nothing"""
    return network.block_size(options.device, options.model, options.backend)


def batch_step(options: Settings) -> int:
    """Frames per network call: batch_size (default defaults.BATCH_SIZE)
    rounded up to whole blocks, so that only an input's last block is
    padded; an int"""
    block = block_rows(options)
    return -(-(options.batch_size or BATCH_SIZE) // block) * block


def probabilities(frames: torch.Tensor, options: Settings, embed: bool = False,
                  ready: bool = False) -> torch.Tensor:
    """The network's output for normalised frames

    Arguments
        frames (torch.tensor [shape=(frames, 1024)]), on options.device
        options (Settings)
        embed (bool): the embedding instead of the probabilities
        ready (bool): `network.infer.ready` (live calls of a few frames,
            each given the bits of a whole block) instead of
            `network.infer`

    Returns
        torch.tensor [shape=(frames, 360)], or [shape=(frames, C5, 8, 1)]
        with embed
    """
    if ready:
        return network.infer.ready(frames, options.model, options.device,
                                   precision=options.precision,
                                   backend=options.backend)
    return network.infer(frames, options.model, options.device, embed,
                         precision=options.precision, backend=options.backend)


class Decoding:
    """One input's decoding, batch by batch

    Arguments
        options (Settings): decoder, device, fmin, fmax
        live (bool): decode.Stream's live mode (`take` and `force`)
        generator (torch.Generator or None): as decode.Stream

    `update` takes (frames, 360) probabilities in frame order; `finish`
    returns the pitch (Hz) and periodicity (0..1) of the frames not yet
    taken, each (1, frames), and warns if the path was trapped.
    """

    def __init__(self, options: Settings, live: bool = False,
                 generator: torch.Generator | None = None) -> None:
        self.decoder = options.decoder
        self.low, self.high = convert.bin_range(options.fmin, options.fmax)
        self.stream = decode.Stream(options.decoder, options.device, live=live,
                                    generator=generator)
        self.frames = 0

    @property
    def pending(self) -> int:
        """Frames given to `update` and not yet decided (live mode)"""
        return self.stream.pending

    def update(self, probabilities: torch.Tensor) -> None:
        """Decode the next (frames, 360) probabilities; not modified"""
        # The decoders take (360, frames); a copy even where the transpose
        # is contiguous already (one frame), since the mask writes in place
        self.stream.update(outside_to_inf(
            probabilities.T.clone(memory_format=torch.contiguous_format),
            self.low, self.high))
        self.frames += probabilities.size(0)

    def force(self, count: int) -> None:
        """Decide the `count` oldest undecided frames now (live mode)"""
        self.stream.force(count)

    def take(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Pitch (Hz) and periodicity of the frames decided so far and not
        yet taken (live mode), each (frames,)"""
        _, pitch, periodicity = self.stream.take()
        return pitch, periodicity

    def finish(self, name: str | None = None
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """Pitch (Hz) and periodicity (0..1) of the remaining frames, each
        (1, frames); `name` names the input in the trapped-path warning"""
        with torch.no_grad():
            _, pitch, periodicity = self.stream.finish()
        warn_if_trapped(self.stream.trapped, self.frames, self.decoder, name)
        return pitch, periodicity


def mask(probabilities: torch.Tensor, fmin: float, fmax: float) -> torch.Tensor:
    """A copy of (batch, 360, frames) with -inf outside fmin..fmax"""
    return outside_to_inf(probabilities.clone(), *convert.bin_range(fmin, fmax))


def outside_to_inf(probabilities: torch.Tensor, low: int, high: int
                   ) -> torch.Tensor:
    """Set bins outside [low, high) of (..., 360, frames) to -inf, in place;
    returns the tensor"""
    probabilities[..., :low, :] = -float('inf')
    probabilities[..., high:, :] = -float('inf')
    return probabilities


def warn_if_trapped(trapped: int, frames: int, decoder: Decoder,
                    name: str | None = None) -> None:
    """Warn (RuntimeWarning, pointing at the user's line) when a Viterbi
    path stayed at an end of the range on at least 1% of the frames and 10
    frames (decode.edge_trapped, decode.edge_message); `name` names the
    input in the message"""
    message = decode.edge_message(trapped, frames, decoder)
    if message:
        if name is not None:
            message = f'{name}: {message}'
        warnings.warn(message, RuntimeWarning, stacklevel=caller_level())


def metadata(options: Settings, sample_rate: int, voicing_threshold: float
             ) -> dict[str, object]:
    """The settings recorded with results (.json, .npz, folder mode): a
    dict of plain values"""
    return {
        'torchcrepe': __version__,
        'model': options.model,
        'decoder': getattr(options.decoder, '__name__', str(options.decoder)),
        'fmin': options.fmin,
        'fmax': options.fmax,
        'sample_rate': sample_rate,
        'hop_seconds': framing.model_hop(sample_rate, options.hop_length)
        / SAMPLE_RATE,
        'pad': options.pad,
        'precision': options.precision,
        'backend': options.backend,
        'voicing_threshold': voicing_threshold}
