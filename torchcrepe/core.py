"""The public API: pitch tracking and embedding, as torchcrepe 0.0.24 has it.

Each function checks its options once (pipeline.settings), then hands the
work to the pipeline (audio -> frames -> network -> decoder) and, for the
file variants, to outputs (one multi-file runner, atomic writes). The
steps are reachable one by one too: `preprocess`, `infer`, `postprocess`.
"""
from __future__ import annotations

import warnings
from typing import Any, Iterator, Optional, Sequence, TypeVar

import torch

from . import checks, decode, framing, load, outputs, paths, pipeline
from .constants import (CENTS_PER_BIN, MAX_FMAX, PITCH_BINS, SAMPLE_RATE,
                        UNVOICED, VOICING_THRESHOLD, WINDOW_SIZE)
from .defaults import DECODER, FMAX, FMIN, MODEL, VOICING
from .framing import frame_count, frame_times, frames, model_hop
from .network import BLOCK_SIZE, block_size, infer
from .pipeline import (DEFAULT_BATCH_SIZE, Settings, mask, periodicity,
                       settings)
from .types import Decoder, Device, FilePath, Prediction

T = TypeVar('T')

# Output files, one per input; None where an output is not wanted
Files = Sequence[Optional[FilePath]]

# The default decoder, as the functions' signatures show it (0.0.24's)
DECODE: Decoder = decode.DECODERS[DECODER]


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

# Also importable from here, for code written against earlier 0.0.25
# builds: BLOCK_SIZE, DEFAULT_BATCH_SIZE, Settings, VOICING_THRESHOLD,
# block_size, frame_count, frame_times, frames, mask, model_hop,
# periodicity, settings


###############################################################################
# Crepe pitch prediction
###############################################################################


def predict(audio: torch.Tensor,
            sample_rate: int,
            hop_length: int | None = None,
            fmin: float = FMIN,
            fmax: float = FMAX,
            model: str = MODEL,
            decoder: Decoder = DECODE,
            return_harmonicity: bool = False,
            return_periodicity: bool = False,
            batch_size: int | None = None,
            device: Device = 'cpu',
            pad: bool = True,
            *,
            precision: str | None = None,
            progress: bool = False,
            backend: str = 'torch',
            accompaniment: torch.Tensor | None = None,
            accompaniment_rate: int | None = None, accompaniment_notes: Any = None
            ) -> Prediction:
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
            None/'float32' (exact), 'bfloat16' or 'float16' (CUDA): faster,
            about 1 cent less exact. Where the hardware has no native
            bfloat16 (AVX-512 BF16 or AMX; CUDA 8.0+), 'bfloat16' warns once
            and runs float32 (see hardware.precision)
        progress (bool, keyword only)
            Show a progress bar over frames on stderr
        backend (str, keyword only)
            'torch' (default), or 'onnx': the same network exported to
            ONNX and run by onnxruntime on the CPU (float32 only; needs
            pip install 'torchcrepe[export]'); the same pre- and
            post-processing either way
        accompaniment, accompaniment_rate, accompaniment_notes (keyword only)
            What was played: its audio (channels, time') at its rate (None:
            sample_rate), accompaniment.cancel, or only its notes (notes, 3)
            of onset s, offset s, MIDI, played_notes.cancel_notes; removed first

    Returns
        pitch (torch.tensor [shape=(1, frames)]), Hz
        (Optional) periodicity (torch.tensor [shape=(1, frames)]), 0..1
        where frames = 1 + time // hop_length with pad, else
        1 + (time - 1024) // hop_length
    """
    return_periodicity = _deprecated_harmonicity(
        return_harmonicity, return_periodicity)
    options = pipeline.settings(hop_length, fmin, fmax, model, decoder, batch_size, device,
                                pad, precision, progress, backend)
    audio = pipeline.without_accompaniment(audio, sample_rate, accompaniment,
                                           accompaniment_rate, notes=accompaniment_notes)
    return _returned(pipeline.track(audio, sample_rate, options),
                     return_periodicity)


def predict_from_file(audio_file: FilePath,
                      hop_length: int | None = None,
                      fmin: float = FMIN,
                      fmax: float = FMAX,
                      model: str = MODEL,
                      decoder: Decoder = DECODE,
                      return_harmonicity: bool = False,
                      return_periodicity: bool = False,
                      batch_size: int | None = None,
                      device: Device = 'cpu',
                      pad: bool = True,
                      *,
                      precision: str | None = None,
                      progress: bool = False,
                      backend: str = 'torch') -> Prediction:
    """Estimate pitch from an audio file; arguments as `predict`"""
    paths.single(audio_file, 'audio_file')
    return_periodicity = _deprecated_harmonicity(
        return_harmonicity, return_periodicity)
    options = pipeline.settings(hop_length, fmin, fmax, model, decoder,
                                batch_size, device, pad, precision, progress,
                                backend)
    track = pipeline.track(*load.audio(audio_file), options,
                           outputs.describe(audio_file))
    return _returned(track, return_periodicity)


def predict_from_file_to_file(audio_file: FilePath,
                              output_pitch_file: FilePath,
                              output_harmonicity_file: FilePath | None = None,
                              output_periodicity_file: FilePath | None = None,
                              hop_length: int | None = None,
                              fmin: float = FMIN,
                              fmax: float = FMAX,
                              model: str = MODEL,
                              decoder: Decoder = DECODE,
                              batch_size: int | None = None,
                              device: Device = 'cpu',
                              pad: bool = True,
                              *,
                              precision: str | None = None,
                              progress: bool = False,
                              backend: str = 'torch',
                              voicing_threshold: float = VOICING) -> None:
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
    options = pipeline.settings(hop_length, fmin, fmax, model, decoder,
                                batch_size, device, pad, precision, progress,
                                backend)
    outputs.predict_files([audio_file], [output_pitch_file],
                          [output_periodicity_file], options,
                          voicing_threshold=voicing_threshold,
                          arguments=outputs.PREDICT_FILE)


def predict_from_files_to_files(audio_files: Sequence[FilePath],
                                output_pitch_files: Sequence[FilePath],
                                output_harmonicity_files: Files | None = None,
                                output_periodicity_files: Files | None = None,
                                hop_length: int | None = None,
                                fmin: float = FMIN,
                                fmax: float = FMAX,
                                model: str = MODEL,
                                decoder: Decoder = DECODE,
                                batch_size: int | None = None,
                                device: Device = 'cpu',
                                pad: bool = True,
                                *,
                                precision: str | None = None,
                                progress: bool = False,
                                backend: str = 'torch',
                                voicing_threshold: float = VOICING) -> None:
    """Estimate pitch for many files, loading the model once

    Arguments as `predict_from_file_to_file`, with lists of files.
    """
    output_periodicity_files = _deprecated_harmonicity_file(
        output_harmonicity_files, output_periodicity_files, plural=True)
    options = pipeline.settings(hop_length, fmin, fmax, model, decoder,
                                batch_size, device, pad, precision, progress,
                                backend)
    outputs.predict_files(audio_files, output_pitch_files,
                          output_periodicity_files, options,
                          voicing_threshold=voicing_threshold)


###############################################################################
# Crepe pitch embedding
###############################################################################


def embed(audio: torch.Tensor,
          sample_rate: int,
          hop_length: int | None = None,
          model: str = MODEL,
          batch_size: int | None = None,
          device: Device = 'cpu',
          pad: bool = True,
          *,
          precision: str | None = None,
          progress: bool = False,
          backend: str = 'torch') -> torch.Tensor:
    """Embed audio: the output of CREPE's fifth max-pool for every frame

    Arguments as `predict`.

    Returns
        embedding (torch.tensor [shape=(1, frames, 32, E)]) with E = 8, 16,
        32, 48, 64 for tiny, small, medium, large, full. Computed without
        gradients (use `infer(..., embed=True)` to differentiate).
    """
    options = pipeline.settings(
        hop_length, model=model, batch_size=batch_size, device=device,
        pad=pad, precision=precision, progress=progress, backend=backend,
        pitch=False)
    return pipeline.embedding(audio, sample_rate, options)


def embed_from_file(audio_file: FilePath,
                    hop_length: int | None = None,
                    model: str = MODEL,
                    batch_size: int | None = None,
                    device: Device = 'cpu',
                    pad: bool = True,
                    *,
                    precision: str | None = None,
                    progress: bool = False,
                    backend: str = 'torch') -> torch.Tensor:
    """Embed an audio file; arguments as `embed`"""
    paths.single(audio_file, 'audio_file')
    options = pipeline.settings(
        hop_length, model=model, batch_size=batch_size, device=device,
        pad=pad, precision=precision, progress=progress, backend=backend,
        pitch=False)
    return pipeline.embedding(*load.audio(audio_file), options,
                              outputs.describe(audio_file))


def embed_from_file_to_file(audio_file: FilePath,
                            output_file: FilePath,
                            hop_length: int | None = None,
                            model: str = MODEL,
                            batch_size: int | None = None,
                            device: Device = 'cpu',
                            pad: bool = True,
                            *,
                            precision: str | None = None,
                            progress: bool = False,
                            backend: str = 'torch') -> None:
    """Embed an audio file and save the embedding (torch.save)"""
    options = pipeline.settings(
        hop_length, model=model, batch_size=batch_size, device=device,
        pad=pad, precision=precision, progress=progress, backend=backend,
        pitch=False)
    outputs.embed_files([audio_file], [output_file], options,
                        arguments=outputs.EMBED_FILE)


def embed_from_files_to_files(audio_files: Sequence[FilePath],
                              output_files: Sequence[FilePath],
                              hop_length: int | None = None,
                              model: str = MODEL,
                              batch_size: int | None = None,
                              device: Device = 'cpu',
                              pad: bool = True,
                              *,
                              precision: str | None = None,
                              progress: bool = False,
                              backend: str = 'torch') -> None:
    """Embed many audio files, loading the model once"""
    options = pipeline.settings(
        hop_length, model=model, batch_size=batch_size, device=device,
        pad=pad, precision=precision, progress=progress, backend=backend,
        pitch=False)
    outputs.embed_files(audio_files, output_files, options)


###############################################################################
# Components for step-by-step prediction
###############################################################################


def postprocess(probabilities: torch.Tensor,
                fmin: float = 0.,
                fmax: float = FMAX,
                decoder: Decoder = DECODE,
                return_harmonicity: bool = False,
                return_periodicity: bool = False) -> Prediction:
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
    decode.check_logits(probabilities, 'probabilities')
    checks.frequency_bounds(fmin, fmax)
    return _returned(
        pipeline.decode_probabilities(probabilities, fmin, fmax, decoder),
        return_periodicity)


def preprocess(audio: torch.Tensor,
               sample_rate: int,
               hop_length: int | None = None,
               batch_size: int | None = None,
               device: Device = 'cpu',
               pad: bool = True) -> Iterator[torch.Tensor]:
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
    return pipeline.preprocess(audio, sample_rate, hop_length, batch_size,
                               device, pad)


def resample(audio: torch.Tensor, sample_rate: int) -> torch.Tensor:
    """Resample audio to 16 kHz with resampy (as original CREPE)

    Arguments
        audio (torch.tensor [shape=(1, time)]); (channels, time) is
            averaged to mono, (time,) is one channel
        sample_rate (int), Hz

    Returns
        (torch.tensor [shape=(1, time')]), float32 on audio's device
    """
    checks.sample_rate(sample_rate)
    return framing.resample(checks.audio(audio), sample_rate)


def _returned(track: tuple[torch.Tensor, torch.Tensor],
              return_periodicity: bool) -> Prediction:
    """(pitch, periodicity) or pitch alone, as asked"""
    return track if return_periodicity else track[0]


###############################################################################
# Deprecations
###############################################################################


_HARMONICITY = (
    'The torchcrepe {} argument is deprecated and will be removed in a future '
    'release; use {} instead.')


def _deprecated_harmonicity(return_harmonicity: bool, return_periodicity: bool) -> bool:
    if return_harmonicity:
        warnings.warn(
            _HARMONICITY.format('return_harmonicity', 'return_periodicity'),
            DeprecationWarning, stacklevel=3)
        return True
    return return_periodicity


def _deprecated_harmonicity_file(harmonicity: T, periodicity: T, plural: bool = False) -> T:
    if harmonicity is not None:
        suffix = 's' if plural else ''
        warnings.warn(
            _HARMONICITY.format(f'output_harmonicity_file{suffix}',
                                f'output_periodicity_file{suffix}'),
            DeprecationWarning, stacklevel=3)
        return harmonicity
    return periodicity
