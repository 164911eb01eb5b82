"""Audio -> frames -> network -> probabilities -> decoder -> pitch.

Audio (1, time) at any rate is resampled to 16 kHz, cut into 1024-sample
frames every hop, each frame normalised, run through the network in fixed
blocks (network.in_blocks), and decoded as the batches arrive
(engine.Decoding), so that memory does not grow with the input's length and
no number depends on `batch_size`. `Settings` carries one call's checked
options through every step.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import torch
import tqdm

from . import accompaniment as accompaniment_
from . import checks, decode, engine, framing, hardware, network, played_notes
from .decode import periodicity
from .defaults import BATCH_SIZE as DEFAULT_BATCH_SIZE, DECODER, FMAX, FMIN, MODEL
from .engine import Settings, mask, warn_if_trapped
from .types import Decoder, Device
from .utils import MEMORY, ParameterError


def settings(hop_length: int | None = None, fmin: float = FMIN,
             fmax: float = FMAX, model: str = MODEL,
             decoder: Decoder | str = decode.DECODERS[DECODER],
             batch_size: int | None = None, device: Device = 'cpu',
             pad: bool = True, precision: str | None = None,
             progress: bool = False, backend: str = 'torch',
             pitch: bool = True) -> Settings:
    """Check every option before any work starts; returns Settings

    `pitch=False` skips the options only pitch tracking uses (embedding).
    """
    checks.hop_length(hop_length)
    checks.capacity(model)
    checks.batch_size(batch_size)
    device = checks.device(device)
    if pitch:
        fmin, fmax = checks.frequency_range(fmin, fmax)
        decoder = checks.decoder(decoder)
    precision = checks.precision(precision, device)
    checks.backend(backend, device, precision)
    # What runs is what the output files' metadata records. Given the
    # capacity, a CPU with native bfloat16 also measures whether bfloat16
    # is faster for it (once per process; nothing runs for float32)
    precision = hardware.precision(precision, device, model,
                                   network.probe_run(model, device))
    # Embedding (pitch=False) records the decoder as given: it decodes nothing
    return Settings(
        hop_length, fmin, fmax, model, cast(Decoder, decoder), batch_size,
        device, bool(pad), precision, bool(progress), backend)


###############################################################################
# Audio to probabilities
###############################################################################


def checked(audio: Any, sample_rate: int, hop_length: int | None, pad: bool,
            name: str = 'audio') -> tuple[torch.Tensor, int]:
    """Check an input and bring it to the model's rate

    Arguments
        audio (torch.tensor [shape=(time,) or (channels, time)])
        sample_rate (int), Hz
        hop_length (int or None), samples at sample_rate
        pad (bool)
        name (str): how errors name the input

    Returns
        audio (torch.tensor [shape=(1, time')]), mono at 16 kHz
        hop (int), samples at 16 kHz
    """
    checks.sample_rate(sample_rate)
    audio = checks.audio(audio, name)
    checks.long_enough(audio.size(1), sample_rate, pad, name)
    return framing.at_model_rate(audio, sample_rate, hop_length)


def network_batches(audio: Any, sample_rate: int, options: Settings,
                    name: str = 'audio', embed: bool = False
                    ) -> Iterator[torch.Tensor]:
    """The network's output for consecutive batches of frames of `audio`

    Arguments
        audio (torch.tensor [shape=(channels, time)]), sample_rate (int), Hz
        options (Settings)
        name (str): how errors name the input
        embed (bool): embeddings instead of probabilities

    Yields
        (torch.tensor [shape=(batch, 360)] or [shape=(batch, C5, 8, 1)]),
        in frame order; together one row per frame
    """
    audio, hop = checked(audio, sample_rate, options.hop_length, options.pad,
                         name)
    total = framing.frame_count(audio.size(1), hop, options.pad)

    step = engine.batch_step(options)
    # Shown only once the work has taken a second: long files, not short
    bar = tqdm.tqdm(total=total, desc='frames', unit='frame', leave=False,
                    disable=not options.progress, dynamic_ncols=True, delay=1.)
    with bar:
        for start in range(0, total, step):
            stop = min(start + step, total)
            batch = framing.frames(audio, hop, options.pad, start, stop,
                                   options.device)
            yield engine.probabilities(batch, options, embed)
            # Free this batch's frames before trimming, not after the next
            del batch
            MEMORY()
            bar.update(stop - start)


def without_accompaniment(audio: Any, sample_rate: int, accompaniment: Any,
                          accompaniment_rate: int | None = None,
                          name: str = 'audio', notes: Any = None) -> Any:
    """audio (torch.tensor [shape=(1, time)]) at sample_rate, mono, less
    the accompaniment: its echo when given as audio (accompaniment.cancel),
    what its notes explain when given as `notes` (played_notes.cancel_notes);
    `audio` itself, untouched, for neither. The inputs are checked first
    (ParameterError naming them). The result holds no gradient: the
    removal is not differentiable, so audio that needs one is refused"""
    if accompaniment is None and notes is None:
        if accompaniment_rate is not None:
            raise ParameterError('accompaniment_rate needs accompaniment')
        return audio
    if accompaniment is not None and notes is not None:
        raise ParameterError('give accompaniment (its audio) or accompaniment_notes '
                             '(its notes), not both')
    if notes is not None and accompaniment_rate is not None:
        raise ParameterError('accompaniment_rate needs accompaniment (audio), not '
                             'accompaniment_notes')
    checks.sample_rate(sample_rate)
    audio = checks.audio(audio, name)
    if audio.requires_grad:
        raise ParameterError(f'{name} requires grad: the accompaniment\'s removal is '
                             'not differentiable; pass accompaniment=None to track a '
                             'gradient through the network')
    if notes is not None:
        return played_notes.cancel_notes(audio, sample_rate, notes).audio
    return accompaniment_.cancel(audio, sample_rate, accompaniment, accompaniment_rate).audio


###############################################################################
# Probabilities to pitch
###############################################################################


def track(audio: Any, sample_rate: int, options: Settings, name: str = 'audio'
          ) -> tuple[torch.Tensor, torch.Tensor]:
    """Pitch (Hz) and periodicity of audio, each (1, frames), on audio's
    device (the CPU for a non-tensor input, which checks then refuse)"""
    output_device = audio.device if isinstance(audio, torch.Tensor) else None
    decoding = engine.Decoding(options)
    with torch.no_grad():
        for probabilities in network_batches(audio, sample_rate, options, name):
            decoding.update(probabilities)
    pitch, periodicity_ = decoding.finish()
    return pitch.to(output_device), periodicity_.to(output_device)


def embedding(audio: Any, sample_rate: int, options: Settings,
              name: str = 'audio') -> torch.Tensor:
    """The embedding (1, frames, 32, E) of audio, on audio's device"""
    output_device = audio.device if isinstance(audio, torch.Tensor) else None
    # Without gradients, so that memory holds one block's activations
    # rather than the graph of the whole input
    with torch.no_grad():
        blocks = [block.reshape(1, block.size(0), 32, -1).to(output_device)
                  for block in network_batches(audio, sample_rate, options,
                                               name, embed=True)]
    return torch.cat(blocks, 1)


def decode_probabilities(probabilities: torch.Tensor, fmin: float, fmax: float,
                         decoder: Decoder | str
                         ) -> tuple[torch.Tensor, torch.Tensor]:
    """Decode (batch, 360, frames) probabilities; not modified

    Returns
        pitch (torch.tensor [shape=(batch, frames)]), Hz
        periodicity (torch.tensor [shape=(batch, frames)]), 0..1
    """
    decoder = checks.decoder(decoder)
    if fmin >= fmax:
        raise ParameterError(
            f'fmin must be below fmax; got fmin={fmin}, fmax={fmax}')
    probabilities = mask(probabilities.detach(), fmin, fmax)
    bins, pitch = decoder(probabilities)
    if decoder in decode.VITERBI_DECODERS:
        warn_if_trapped(decode.edge_trapped(probabilities, bins), bins.numel(),
                        decoder)
    return pitch, periodicity(probabilities, bins)


###############################################################################
# Step by step: 0.0.24's preprocess
###############################################################################


def preprocess(audio: Any, sample_rate: int, hop_length: int | None = None,
               batch_size: int | None = None, device: Device = 'cpu',
               pad: bool = True) -> Iterator[torch.Tensor]:
    """Cut audio into normalised frames; see core.preprocess

    The arguments are checked on the call, not on the first iteration, so
    that bad ones are refused where they are given.
    """
    options = settings(hop_length, batch_size=batch_size, device=device,
                       pad=pad, pitch=False)
    audio, hop = checked(audio, sample_rate, options.hop_length, options.pad)
    total = framing.frame_count(audio.size(1), hop, options.pad)
    step = options.batch_size or DEFAULT_BATCH_SIZE
    return (framing.frames(audio, hop, options.pad, start,
                           min(start + step, total), options.device)
            for start in range(0, total, step))
