"""Pitch tracking and embedding: framing, the network, decoding.

Audio (1, time) at any rate is resampled to 16 kHz, cut into 1024-sample
frames every `hop_length` samples, each frame normalised, run through the
network in fixed blocks, and decoded as the blocks arrive, so that memory
does not grow with the input's length and no number depends on `batch_size`.
"""
import copy
import ctypes
import dataclasses
import os
import sys
import warnings

import numpy as np
import torch
import tqdm

from . import checks, decode, files, hardware, load
from .constants import (CENTS_PER_BIN, MAX_FMAX, PITCH_BINS, SAMPLE_RATE,
                        UNVOICED, WINDOW_SIZE)
from .model import Crepe, FoldedCrepe


__all__ = ['CENTS_PER_BIN',
           'MAX_FMAX',
           'PITCH_BINS',
           'SAMPLE_RATE',
           'WINDOW_SIZE',
           'UNVOICED',
           'embed',
           'embed_from_file',
           'embed_from_file_to_file',
           'embed_from_files_to_files',
           'infer',
           'predict',
           'predict_from_file',
           'predict_from_file_to_file',
           'predict_from_files_to_files',
           'preprocess',
           'postprocess',
           'resample']


###############################################################################
# Batching
###############################################################################


# Frames per network call, by device type. Every call has exactly this many
# frames (the last is padded with silent frames), so each frame's numbers
# come from the same kernels wherever it falls: results never depend on the
# batch size. The CPU's size depends on the capacity: CPU_BLOCK_SIZE.
BLOCK_SIZE = {'cpu': 32, 'cuda': 512}

# On the CPU, per capacity: each call pays a fixed cost per layer (thread
# wake-ups, oneDNN set-up) that narrow networks amortise only over more
# frames. The first block's output (32 KB a frame per unit of width) stays
# between 16 and 32 MB; larger blocks gained little more, and every input
# shorter than a block costs a whole block.
CPU_BLOCK_SIZE = {'tiny': 128, 'small': 64, 'medium': 64, 'large': 32, 'full': 32}

# Frames cut from the audio at a time when batch_size is None: 2048 frames
# are 8 MB, so peak memory is that plus one block's activations (at most
# about 170 MB for 'full' on CPU), whatever the input's length.
DEFAULT_BATCH_SIZE = 2048

# Periodicity below which .csv/.json outputs and plots call a frame unvoiced
VOICING_THRESHOLD = .21


def block_size(device, capacity=None):
    """Frames per network call on `device` for `capacity` (None: the default)"""
    kind = torch.device(device).type
    if kind == 'cpu' and capacity is not None:
        return CPU_BLOCK_SIZE[capacity]
    return BLOCK_SIZE.get(kind, BLOCK_SIZE['cuda'])


def _malloc_trim():
    """glibc's malloc_trim, or None where the C library has none"""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError, TypeError):  # TypeError: Windows
        return None


_TRIM = _malloc_trim()


def _release_freed_memory():
    """Hand the C heap's free pages back to the system (glibc only)

    Every batch allocates and frees megabytes of frames and activations
    while small outputs stay alive between them. glibc keeps the freed
    space, and its dynamic mmap threshold sends later large blocks to the
    same heap, so without this the resident set crept up by about 110 MB
    over an hour of audio (tiny, CPU), and faster with a faster network.
    Trimming once per batch costs microseconds.
    """
    if _TRIM is not None:
        _TRIM(0)


###############################################################################
# Settings
###############################################################################


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
    # What runs is what the output files' metadata records
    precision = hardware.precision(precision, device)
    return Settings(
        hop_length, fmin, fmax, model, decoder, batch_size, device, bool(pad),
        precision, bool(progress), backend)


###############################################################################
# Crepe pitch prediction
###############################################################################


def predict(audio,
            sample_rate,
            hop_length=None,
            fmin=50.,
            fmax=MAX_FMAX,
            model='full',
            decoder=decode.viterbi,
            return_harmonicity=False,
            return_periodicity=False,
            batch_size=None,
            device='cpu',
            pad=True,
            *,
            precision=None,
            progress=False,
            backend='torch'):
    """Estimate pitch (and periodicity) from audio

    Arguments
        audio (torch.tensor [shape=(1, time)])
            The signal; (channels, time) is averaged to mono, (time,) is
            one channel
        sample_rate (int)
            Its sampling rate in Hz; other rates than 16 kHz are resampled
        hop_length (int)
            Samples between frames at `sample_rate`; default 10 ms
        fmin, fmax (float)
            The pitch range in Hz, within 31.7 .. MAX_FMAX
        model (str)
            'tiny', 'small', 'medium', 'large' or 'full'
        decoder (function)
            One of decode.viterbi (default), decode.weighted_viterbi,
            decode.argmax, decode.weighted_argmax, or your own
        return_harmonicity (bool) [DEPRECATED]
            Same as return_periodicity
        return_periodicity (bool)
            Also return the network's confidence at the chosen bin
        batch_size (int)
            Frames cut from the audio at a time, rounded up to whole
            network blocks (BLOCK_SIZE); memory only: results do not depend
            on it. None for 2048
        device (str or torch.device)
            Where the network runs
        pad (bool)
            Zero-pad 512 samples on each side so frames are centred on
            multiples of the hop
        precision (str, keyword only)
            None/'float32' (exact), 'bfloat16' (CPU with AVX-512 BF16, or
            CUDA) or 'float16' (CUDA): faster, about 1 cent less exact
        progress (bool, keyword only)
            Show a progress bar over frames on stderr
        backend (str, keyword only)
            'torch' (default), or 'onnx': the same network exported to
            ONNX and run by onnxruntime on the CPU (float32 only; needs
            pip install 'torchcrepe[export]'); the same pre- and
            post-processing either way

    Returns
        pitch (torch.tensor [shape=(1, frames)]), Hz
        (Optional) periodicity (torch.tensor [shape=(1, frames)]), 0..1
        where frames = 1 + time // hop_length with pad, else
        1 + (time - 1024) // hop_length
    """
    return_periodicity = _deprecated_harmonicity(
        return_harmonicity, return_periodicity)
    options = settings(hop_length, fmin, fmax, model, decoder, batch_size,
                       device, pad, precision, progress, backend)
    return _predict(audio, sample_rate, options, return_periodicity)


def predict_from_file(audio_file,
                      hop_length=None,
                      fmin=50.,
                      fmax=MAX_FMAX,
                      model='full',
                      decoder=decode.viterbi,
                      return_harmonicity=False,
                      return_periodicity=False,
                      batch_size=None,
                      device='cpu',
                      pad=True,
                      *,
                      precision=None,
                      progress=False,
                      backend='torch'):
    """Estimate pitch from an audio file; arguments as `predict`"""
    return_periodicity = _deprecated_harmonicity(
        return_harmonicity, return_periodicity)
    options = settings(hop_length, fmin, fmax, model, decoder, batch_size,
                       device, pad, precision, progress, backend)
    return _predict(*load.audio(audio_file), options, return_periodicity,
                    name=_file_name(audio_file))


def predict_from_file_to_file(audio_file,
                              output_pitch_file,
                              output_harmonicity_file=None,
                              output_periodicity_file=None,
                              hop_length=None,
                              fmin=50.,
                              fmax=MAX_FMAX,
                              model='full',
                              decoder=decode.viterbi,
                              batch_size=None,
                              device='cpu',
                              pad=True,
                              *,
                              precision=None,
                              progress=False,
                              backend='torch',
                              voicing_threshold=VOICING_THRESHOLD):
    """Estimate pitch from a file and save it (torch.save)

    Arguments
        output_pitch_file (str): where to save pitch (1, frames)
        output_harmonicity_file [DEPRECATED]: same as output_periodicity_file
        output_periodicity_file (str or None): where to save periodicity
        voicing_threshold (float, keyword only): periodicity below which
            .csv/.json outputs leave a frame's frequency empty
        others as `predict`

    The format follows each output's extension (see torchcrepe.files):
    .npy, .csv, .json, or torch.save for .pt and anything else.
    """
    output_periodicity_file = _deprecated_harmonicity_file(
        output_harmonicity_file, output_periodicity_file)
    options = settings(hop_length, fmin, fmax, model, decoder, batch_size,
                       device, pad, precision, progress, backend)
    _predict_files([audio_file], [output_pitch_file],
                   [output_periodicity_file], options,
                   voicing_threshold=voicing_threshold)


def predict_from_files_to_files(audio_files,
                                output_pitch_files,
                                output_harmonicity_files=None,
                                output_periodicity_files=None,
                                hop_length=None,
                                fmin=50.,
                                fmax=MAX_FMAX,
                                model='full',
                                decoder=decode.viterbi,
                                batch_size=None,
                                device='cpu',
                                pad=True,
                                *,
                                precision=None,
                                progress=False,
                                backend='torch',
                                voicing_threshold=VOICING_THRESHOLD):
    """Estimate pitch for many files, loading the model once

    Arguments as `predict_from_file_to_file`, with lists of files.
    """
    output_periodicity_files = _deprecated_harmonicity_file(
        output_harmonicity_files, output_periodicity_files, plural=True)
    options = settings(hop_length, fmin, fmax, model, decoder, batch_size,
                       device, pad, precision, progress, backend)
    if output_periodicity_files is None:
        output_periodicity_files = [None] * len(audio_files)
    _predict_files(audio_files, output_pitch_files, output_periodicity_files,
                   options, voicing_threshold=voicing_threshold)


###############################################################################
# Crepe pitch embedding
###############################################################################


def embed(audio,
          sample_rate,
          hop_length=None,
          model='full',
          batch_size=None,
          device='cpu',
          pad=True,
          *,
          precision=None,
          progress=False,
          backend='torch'):
    """Embed audio: the output of CREPE's fifth max-pool for every frame

    Arguments as `predict`.

    Returns
        embedding (torch.tensor [shape=(1, frames, 32, E)]) with E = 8, 16,
        32, 48, 64 for tiny, small, medium, large, full. Computed without
        gradients (use `infer(..., embed=True)` to differentiate).
    """
    options = settings(hop_length, model=model, batch_size=batch_size,
                       device=device, pad=pad, precision=precision,
                       progress=progress, backend=backend,
                       pitch=False)
    return _embed(audio, sample_rate, options)


def embed_from_file(audio_file,
                    hop_length=None,
                    model='full',
                    batch_size=None,
                    device='cpu',
                    pad=True,
                    *,
                    precision=None,
                    progress=False,
                    backend='torch'):
    """Embed an audio file; arguments as `embed`"""
    options = settings(hop_length, model=model, batch_size=batch_size,
                       device=device, pad=pad, precision=precision,
                       progress=progress, backend=backend,
                       pitch=False)
    return _embed(*load.audio(audio_file), options, name=_file_name(audio_file))


def embed_from_file_to_file(audio_file,
                            output_file,
                            hop_length=None,
                            model='full',
                            batch_size=None,
                            device='cpu',
                            pad=True,
                            *,
                            precision=None,
                            progress=False,
                            backend='torch'):
    """Embed an audio file and save the embedding (torch.save)"""
    options = settings(hop_length, model=model, batch_size=batch_size,
                       device=device, pad=pad, precision=precision,
                       progress=progress, backend=backend,
                       pitch=False)
    _embed_files([audio_file], [output_file], options)


def embed_from_files_to_files(audio_files,
                              output_files,
                              hop_length=None,
                              model='full',
                              batch_size=None,
                              device='cpu',
                              pad=True,
                              *,
                              precision=None,
                              progress=False,
                              backend='torch'):
    """Embed many audio files, loading the model once"""
    options = settings(hop_length, model=model, batch_size=batch_size,
                       device=device, pad=pad, precision=precision,
                       progress=progress, backend=backend,
                       pitch=False)
    _embed_files(audio_files, output_files, options)


###############################################################################
# Components for step-by-step prediction
###############################################################################


def infer(frames, model='full', device='cpu', embed=False, *, precision=None,
          backend='torch'):
    """Run the network on normalised frames

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
        OR embedding (torch.tensor [shape=(frames, C5, 8, 1)])
    """
    checks.capacity(model)
    device = torch.device(device)
    precision = checks.precision(precision, device)
    checks.backend(backend, device, precision)
    precision = hardware.precision(precision, device)
    if backend == 'onnx':
        from . import runtime
        return runtime.infer(frames, model, embed)
    if getattr(infer, 'capacity', None) != model or \
            getattr(infer, 'model', None) is None:
        load.model(device, model)

    # Move model to the device (a no-op when already there)
    infer.model = infer.model.to(device)
    network, dtype = _network(precision)

    # Fixed-size blocks: see BLOCK_SIZE
    size = block_size(device, model)
    outputs = []
    for start in range(0, frames.size(0), size):
        block = frames[start:start + size].to(device=device, dtype=dtype)
        count = block.size(0)
        if count < size:
            block = torch.nn.functional.pad(block, (0, 0, 0, size - count))
        outputs.append(network(block, embed=embed)[:count].float())
    if not outputs:
        return network(frames.to(device=device, dtype=dtype), embed=embed).float()
    return outputs[0] if len(outputs) == 1 else torch.cat(outputs)


def postprocess(probabilities,
                fmin=0.,
                fmax=MAX_FMAX,
                decoder=decode.viterbi,
                return_harmonicity=False,
                return_periodicity=False):
    """Decode the network's probabilities into pitch and periodicity

    Arguments
        probabilities (torch.tensor [shape=(batch, 360, frames)])
            Not modified
        fmin, fmax (float)
            Bins outside [frequency_to_bins(fmin), frequency_to_bins(fmax,
            ceil)) are set to -inf before decoding; fmin=0 keeps all below
        decoder (function)
        return_harmonicity (bool) [DEPRECATED]
        return_periodicity (bool)

    Returns
        pitch (torch.tensor [shape=(batch, frames)]), Hz
        (Optional) periodicity (torch.tensor [shape=(batch, frames)])
    """
    return_periodicity = _deprecated_harmonicity(
        return_harmonicity, return_periodicity)
    decoder = checks.decoder(decoder)
    if fmin >= fmax:
        raise ValueError(f'fmin must be below fmax; got fmin={fmin}, fmax={fmax}')

    probabilities = mask(probabilities.detach(), fmin, fmax)
    bins, pitch = decoder(probabilities)
    if decoder in decode.VITERBI_DECODERS:
        _warn_if_trapped(decode.edge_trapped(probabilities, bins), bins.numel())
    if not return_periodicity:
        return pitch
    return pitch, periodicity(probabilities, bins)


def _warn_if_trapped(trapped, frames):
    """Warn when a Viterbi path stuck at an end of the range
    (decode.edge_trapped) on at least 1% of the frames and 10 frames"""
    if trapped >= max(10, frames / 100):
        warnings.warn(
            f'{trapped} of {frames} frames ({trapped / frames:.0%}) were decoded '
            f'within {decode.BAND} bins of an end of the pitch range (31.7 or '
            f'2005.5 Hz) while the network heard a pitch elsewhere: the Viterbi '
            f'path settled at the edge, where its transition (as in 0.0.24) keeps '
            f'the state cheaply, and did not follow the notes. Keep the range '
            f'off the edges (e.g. fmin=36, fmax=1766) or use the '
            f'weighted_argmax decoder.', RuntimeWarning, stacklevel=_caller_level())


def _caller_level():
    """The stacklevel of the first frame outside this package (warnings
    then point at the user's call)"""
    package = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(
            frame.f_code.co_filename).startswith(package + os.sep):
        frame, level = frame.f_back, level + 1
    return level


def mask(probabilities, fmin, fmax):
    """A copy of (batch, 360, frames) with -inf outside fmin..fmax"""
    low, high = checks.bin_range(fmin, fmax)
    probabilities = probabilities.clone()
    probabilities[:, :low] = -float('inf')
    probabilities[:, high:] = -float('inf')
    return probabilities


def preprocess(audio,
               sample_rate,
               hop_length=None,
               batch_size=None,
               device='cpu',
               pad=True):
    """Cut audio into normalised frames

    Arguments
        audio (torch.tensor [shape=(1, time)])
        sample_rate (int), Hz
        hop_length (int), samples at sample_rate; default 10 ms
        batch_size (int), frames per yielded batch; None for 2048
        device (str or torch.device)
        pad (bool)

    Yields
        frames (torch.tensor [shape=(batch, 1024)]), each mean-centred and
        divided by max(std, 1e-10)
    """
    checks.sample_rate(sample_rate)
    options = settings(hop_length, batch_size=batch_size, device=device,
                       pad=pad, pitch=False)
    audio = checks.audio(audio)
    checks.long_enough(audio.size(1), sample_rate, options.pad)
    audio, hop = _at_model_rate(audio, sample_rate, options.hop_length)
    total = frame_count(audio.size(1), hop, options.pad)
    step = options.batch_size or DEFAULT_BATCH_SIZE
    for start in range(0, total, step):
        yield frames(audio, hop, options.pad, start, min(start + step, total),
                     options.device)


###############################################################################
# Utilities
###############################################################################


def periodicity(probabilities, bins):
    """The probability at the decoded bins: (batch, 360, frames) -> (batch, frames)"""
    return probabilities.gather(1, bins.to(torch.int64)[:, None, :])[:, 0]


def resample(audio, sample_rate):
    """Resample (1, time) audio to 16 kHz with resampy (as original CREPE)"""
    import resampy

    device = audio.device
    samples = audio.detach().cpu().numpy().squeeze(0)
    samples = resampy.resample(samples, sample_rate, SAMPLE_RATE)
    return torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32)).to(device)[None]


def frame_count(samples, hop_length, pad):
    """Frames in `samples` samples at 16 kHz"""
    if pad:
        return 1 + samples // hop_length
    return 1 + (samples - WINDOW_SIZE) // hop_length


def frames(audio, hop_length, pad, start, stop, device='cpu'):
    """Normalised frames start .. stop - 1 of 16 kHz audio

    Arguments
        audio (torch.tensor [shape=(1, time)])
        hop_length (int), samples at 16 kHz
        pad (bool), whether frame i is centred on sample i * hop_length
        start, stop (int), frame indices

    Returns
        (torch.tensor [shape=(stop - start, 1024)]), float32 on `device`
    """
    offset = WINDOW_SIZE // 2 if pad else 0
    first = start * hop_length - offset
    last = (stop - 1) * hop_length - offset + WINDOW_SIZE
    low, high = max(first, 0), min(last, audio.size(1))

    # Only the samples these frames cover are copied, zero-padded at the
    # edges of the signal
    segment = audio[0, low:high].to(device=device, dtype=torch.float32)
    if low > first or high < last:
        segment = torch.nn.functional.pad(segment, (low - first, last - high))
    windows = segment.unfold(0, WINDOW_SIZE, hop_length)

    # As 0.0.24: centre, then divide by the (unbiased) deviation
    centred = windows - windows.mean(dim=1, keepdim=True)
    deviation = centred.std(dim=1, keepdim=True).clamp(min=1e-10)
    return centred / deviation


###############################################################################
# Pipeline
###############################################################################


def _predict(audio, sample_rate, options, return_periodicity, name='audio'):
    """predict() after its options were checked"""
    pitch, periodicity_ = _track(audio, sample_rate, options, name)
    if return_periodicity:
        return pitch, periodicity_
    return pitch


def _track(audio, sample_rate, options, name='audio'):
    """Pitch and periodicity (1, frames) of audio, on audio's device"""
    output_device = audio.device if isinstance(audio, torch.Tensor) else None
    stream = decode.Stream(options.decoder, options.device)
    low, high = checks.bin_range(options.fmin, options.fmax)
    with torch.no_grad():
        for probabilities in _network_blocks(audio, sample_rate, options, name):
            # (frames, 360) -> (360, frames), -inf outside fmin..fmax
            probabilities = probabilities.T.contiguous()
            probabilities[:low] = -float('inf')
            probabilities[high:] = -float('inf')
            stream.update(probabilities)
        _, pitch, periodicity_ = stream.finish()
    _warn_if_trapped(stream.trapped, pitch.size(1))
    return pitch.to(output_device), periodicity_.to(output_device)


def _embed(audio, sample_rate, options, name='audio'):
    """embed() after its options were checked"""
    output_device = audio.device if isinstance(audio, torch.Tensor) else None
    # Without gradients, so that memory holds one block's activations
    # rather than the graph of the whole input
    with torch.no_grad():
        blocks = [block.reshape(1, block.size(0), 32, -1).to(output_device)
                  for block in _network_blocks(audio, sample_rate, options,
                                               name, embed=True)]
    return torch.cat(blocks, 1)


def _network_blocks(audio, sample_rate, options, name, embed=False):
    """The network's output for consecutive batches of frames"""
    checks.sample_rate(sample_rate)
    audio = checks.audio(audio, name)
    checks.long_enough(audio.size(1), sample_rate, options.pad, name)
    audio, hop = _at_model_rate(audio, sample_rate, options.hop_length)
    total = frame_count(audio.size(1), hop, options.pad)

    # Whole blocks per step, so that only the very last block is padded
    block = block_size(options.device, options.model)
    step = -(-(options.batch_size or DEFAULT_BATCH_SIZE) // block) * block
    # Shown only once the work has taken a second: long files, not short
    bar = tqdm.tqdm(total=total, desc='frames', unit='frame', leave=False,
                    disable=not options.progress, dynamic_ncols=True, delay=1.)
    with bar:
        for start in range(0, total, step):
            stop = min(start + step, total)
            batch = frames(audio, hop, options.pad, start, stop, options.device)
            yield infer(batch, options.model, options.device, embed,
                        precision=options.precision, backend=options.backend)
            # Free this batch's frames before trimming, not after the next
            del batch
            _release_freed_memory()
            bar.update(stop - start)


def _at_model_rate(audio, sample_rate, hop_length):
    """(audio at 16 kHz, hop in 16 kHz samples); hop defaults to 10 ms"""
    hop_length = model_hop(sample_rate, hop_length)
    if sample_rate != SAMPLE_RATE:
        audio = resample(audio, sample_rate)
    if hop_length < 1:
        raise ValueError(
            f'hop_length must be at least one sample at {SAMPLE_RATE} Hz once '
            f'resampled; got {hop_length} at {sample_rate} Hz')
    return audio, hop_length


def _network(precision):
    """infer.model folded for inference (model.FoldedCrepe), cached, and its dtype"""
    dtype = getattr(torch, precision)
    if not isinstance(infer.model, Crepe) or infer.model.training:
        # A network of the user's own: run it as given (a copy if reduced)
        if dtype == torch.float32:
            return infer.model, dtype
        return copy.deepcopy(infer.model).to(dtype), dtype
    # Parameter versions change with any in-place write (load_state_dict)
    tensors = [*infer.model.parameters(), *infer.model.buffers()]
    key = (id(infer.model), tuple(t._version for t in tensors),
           str(next(infer.model.parameters()).device), dtype)
    cached = getattr(infer, 'reduced', None)
    if cached is None or cached[0] != key:
        infer.reduced = (key, FoldedCrepe(infer.model, dtype))
    return infer.reduced[1], dtype


def _predict_files(audio_files, pitch_files, periodicity_files, options,
                   plot_files=None, voicing_threshold=VOICING_THRESHOLD,
                   fail_fast=True, report=None):
    """Track each file and write its outputs, loading the model once

    Every output of a file is written to a temporary file and all are
    renamed together once complete, so a failure leaves no partial output
    and keeps existing files. With fail_fast the first failure raises;
    otherwise it is passed to `report(audio_file, error)` and the run goes
    on. Returns the list of (audio_file, error) that failed.
    """
    plot_files = plot_files or [None] * len(audio_files)
    jobs = list(zip(audio_files, pitch_files, periodicity_files, plot_files))
    failures = []
    for audio_file, pitch_file, periodicity_file, plot_file in tqdm.tqdm(
            jobs, desc='torchcrepe', unit='file', dynamic_ncols=True,
            disable=not options.progress or len(jobs) < 2):
        try:
            audio, sample_rate = load.audio(audio_file)
            pitch, periodicity_ = _track(
                audio, sample_rate, options, _file_name(audio_file))
            _write_track(audio, sample_rate, pitch, periodicity_, options,
                         voicing_threshold,
                         [pitch_file, periodicity_file, plot_file])
        except (ValueError, OSError, RuntimeError) as error:
            if fail_fast:
                raise
            failures.append((audio_file, error))
            if report is not None:
                report(audio_file, error)
    return failures


def _write_track(audio, sample_rate, pitch, periodicity_, options,
                 voicing_threshold, paths):
    """Write [pitch, periodicity, plot] files (None to skip) together"""
    hop = model_hop(sample_rate, options.hop_length)
    times = frame_times(pitch.size(-1), hop, options.pad)
    voiced = (periodicity_ >= voicing_threshold).cpu().numpy().reshape(-1)
    metadata = {
        'torchcrepe': _version(),
        'model': options.model,
        'decoder': getattr(options.decoder, '__name__', str(options.decoder)),
        'fmin': options.fmin,
        'fmax': options.fmax,
        'sample_rate': sample_rate,
        'hop_seconds': hop / SAMPLE_RATE,
        'pad': options.pad,
        'precision': options.precision,
        'backend': options.backend,
        'voicing_threshold': voicing_threshold}
    wanted = [(kind, path) for kind, path in
              zip(('pitch', 'periodicity', 'plot'), paths) if path is not None]
    with files.staged([path for _, path in wanted]) as targets:
        for (kind, path), target in zip(wanted, targets):
            if kind == 'plot':
                from . import plot
                plot.save(target, audio, sample_rate, times, pitch,
                          periodicity_, voiced, options)
            else:
                files.save_track(kind, path, pitch, periodicity_, times,
                                 voiced, metadata, target)


def _embed_files(audio_files, output_files, options, fail_fast=True,
                 report=None):
    """Embed each file and save it; failures as in _predict_files"""
    failures = []
    jobs = list(zip(audio_files, output_files))
    for audio_file, output_file in tqdm.tqdm(
            jobs, desc='torchcrepe', unit='file', dynamic_ncols=True,
            disable=not options.progress or len(jobs) < 2):
        try:
            embedding = _embed(*load.audio(audio_file), options,
                               _file_name(audio_file))
            with files.staged([output_file]) as (target,):
                files.save_tensor(embedding, output_file, target)
        except (ValueError, OSError, RuntimeError) as error:
            if fail_fast:
                raise
            failures.append((audio_file, error))
            if report is not None:
                report(audio_file, error)
    return failures


def model_hop(sample_rate, hop_length=None):
    """The hop in samples at 16 kHz for a hop given at `sample_rate`"""
    hop_length = sample_rate // 100 if hop_length is None else hop_length
    if sample_rate != SAMPLE_RATE:
        hop_length = int(hop_length * SAMPLE_RATE / sample_rate)
    return hop_length


def frame_times(count, hop_length, pad):
    """Centre of each frame in seconds: (count,) float64 numpy array"""
    offset = 0 if pad else WINDOW_SIZE // 2
    return (np.arange(count) * hop_length + offset) / SAMPLE_RATE


def _version():
    from . import __version__
    return __version__


def _file_name(path):
    return f'audio file {str(path)!r}'


###############################################################################
# Deprecations
###############################################################################


_HARMONICITY = (
    'The torchcrepe {} argument is deprecated and will be removed in a future '
    'release; use {} instead.')


def _deprecated_harmonicity(return_harmonicity, return_periodicity):
    if return_harmonicity:
        warnings.warn(
            _HARMONICITY.format('return_harmonicity', 'return_periodicity'),
            DeprecationWarning, stacklevel=3)
        return True
    return return_periodicity


def _deprecated_harmonicity_file(harmonicity, periodicity, plural=False):
    if harmonicity is not None:
        suffix = 's' if plural else ''
        warnings.warn(
            _HARMONICITY.format(f'output_harmonicity_file{suffix}',
                                f'output_periodicity_file{suffix}'),
            DeprecationWarning, stacklevel=3)
        return harmonicity
    return periodicity
