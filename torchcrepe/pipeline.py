"""Audio -> frames -> network -> probabilities -> decoder -> pitch.

Audio (1, time) at any rate is resampled to 16 kHz, cut into 1024-sample
frames every hop, each frame normalised, run through the network in fixed
blocks (network.in_blocks), and decoded as the batches arrive
(decode.Stream), so that memory does not grow with the input's length and
no number depends on `batch_size`. `Settings` carries one call's checked
options through every step.
"""
import dataclasses
import warnings

import torch
import tqdm

from . import checks, convert, decode, framing, hardware, network
from .constants import MAX_FMAX
from .decode import periodicity
from .utils import MEMORY, ParameterError, caller_level


# Frames cut from the audio at a time when batch_size is None: 2048 frames
# are 8 MB, so peak memory is that plus one block's activations (at most
# about 170 MB for 'full' on CPU), whatever the input's length.
DEFAULT_BATCH_SIZE = 2048


@dataclasses.dataclass(frozen=True)
class Settings:
    """Checked options of one call; built once by `settings`"""
    hop_length: int = None
    fmin: float = 50.
    fmax: float = MAX_FMAX
    model: str = 'full'
    decoder: object = decode.viterbi
    batch_size: int = None
    device: torch.device = torch.device('cpu')
    pad: bool = True
    precision: str = 'float32'
    progress: bool = False
    backend: str = 'torch'


def settings(hop_length=None, fmin=50., fmax=MAX_FMAX, model='full',
             decoder=decode.viterbi, batch_size=None, device='cpu', pad=True,
             precision=None, progress=False, backend='torch', pitch=True):
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
    return Settings(
        hop_length, fmin, fmax, model, decoder, batch_size, device, bool(pad),
        precision, bool(progress), backend)


###############################################################################
# Audio to probabilities
###############################################################################


def checked(audio, sample_rate, hop_length, pad, name='audio'):
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


def network_batches(audio, sample_rate, options, name='audio', embed=False):
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

    # Whole blocks per batch, so that only the very last block is padded
    block = network.block_size(options.device, options.model, options.backend)
    step = -(-(options.batch_size or DEFAULT_BATCH_SIZE) // block) * block
    # Shown only once the work has taken a second: long files, not short
    bar = tqdm.tqdm(total=total, desc='frames', unit='frame', leave=False,
                    disable=not options.progress, dynamic_ncols=True, delay=1.)
    with bar:
        for start in range(0, total, step):
            stop = min(start + step, total)
            batch = framing.frames(audio, hop, options.pad, start, stop,
                                   options.device)
            yield network.infer(batch, options.model, options.device, embed,
                                precision=options.precision,
                                backend=options.backend)
            # Free this batch's frames before trimming, not after the next
            del batch
            MEMORY()
            bar.update(stop - start)


###############################################################################
# Probabilities to pitch
###############################################################################


def track(audio, sample_rate, options, name='audio'):
    """Pitch (Hz) and periodicity of audio, each (1, frames), on audio's
    device (the CPU for a non-tensor input, which checks then refuse)"""
    output_device = audio.device if isinstance(audio, torch.Tensor) else None
    stream = decode.Stream(options.decoder, options.device)
    low, high = convert.bin_range(options.fmin, options.fmax)
    with torch.no_grad():
        for probabilities in network_batches(audio, sample_rate, options, name):
            # (frames, 360) -> (360, frames), as the decoders take them
            probabilities = probabilities.T.contiguous()
            stream.update(outside_to_inf(probabilities, low, high))
        _, pitch, periodicity_ = stream.finish()
    warn_if_trapped(stream.trapped, pitch.size(1), options.decoder)
    return pitch.to(output_device), periodicity_.to(output_device)


def embedding(audio, sample_rate, options, name='audio'):
    """The embedding (1, frames, 32, E) of audio, on audio's device"""
    output_device = audio.device if isinstance(audio, torch.Tensor) else None
    # Without gradients, so that memory holds one block's activations
    # rather than the graph of the whole input
    with torch.no_grad():
        blocks = [block.reshape(1, block.size(0), 32, -1).to(output_device)
                  for block in network_batches(audio, sample_rate, options,
                                               name, embed=True)]
    return torch.cat(blocks, 1)


def decode_probabilities(probabilities, fmin, fmax, decoder):
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


def mask(probabilities, fmin, fmax):
    """A copy of (batch, 360, frames) with -inf outside fmin..fmax"""
    return outside_to_inf(probabilities.clone(), *convert.bin_range(fmin, fmax))


def outside_to_inf(probabilities, low, high):
    """Set bins outside [low, high) of (..., 360, frames) to -inf, in place;
    returns the tensor"""
    probabilities[..., :low, :] = -float('inf')
    probabilities[..., high:, :] = -float('inf')
    return probabilities


def warn_if_trapped(trapped, frames, decoder, name=None):
    """Warn (RuntimeWarning, pointing at the user's line) when a Viterbi
    path stayed at an end of the range on at least 1% of the frames and 10
    frames (decode.edge_trapped, decode.edge_message); `name` names the
    input in the message"""
    message = decode.edge_message(trapped, frames, decoder)
    if message:
        if name is not None:
            message = f'{name}: {message}'
        warnings.warn(message, RuntimeWarning, stacklevel=caller_level())


###############################################################################
# Step by step: 0.0.24's preprocess
###############################################################################


def preprocess(audio, sample_rate, hop_length=None, batch_size=None,
               device='cpu', pad=True):
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
