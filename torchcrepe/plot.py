"""A picture of a pitch track: the curve over the spectrogram, and periodicity.

Also `image_format`, which torchcrepe.singing's picture shares: a
picture's format follows the user's path's extension (png, jpg/jpeg, pdf, svg ... whatever matplotlib
writes, `image_formats()`) and is passed to matplotlib explicitly, since
files are written under a temporary name and renamed.

Needs matplotlib (the optional `plot` extra); nothing else in torchcrepe does.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import torch

from . import checks, convert, files, framing, paths
from .engine import Settings
from .constants import SAMPLE_RATE
from .types import Array, BoolArray, FilePath, FloatArray, Values

if TYPE_CHECKING:  # matplotlib is optional: imported where drawing starts
    from matplotlib.axes import Axes
from .utils import ParameterError, ParameterTypeError


INSTALL_HINT = ("plots need matplotlib, which is not installed: "
                "pip install matplotlib (or pip install 'torchcrepe[plot]')")

# Columns of the spectrogram at most; longer inputs use a longer hop
MAX_COLUMNS = 2000

# Formats matplotlib lists but cannot write on its own: pgf is LaTeX
# source, and writing it runs a TeX installation
NEEDS_LATEX = ('pgf',)

# The extension of files.staged's temporary names: outputs.write_track
# hands save() such a path, and the command line's --plot is always .png
TEMPORARY = '.tmp'


def available() -> bool:
    """Whether matplotlib can be imported"""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def image_formats() -> tuple[str, ...]:
    """The picture formats a path may end in, as extensions without the
    dot: those matplotlib's canvas writes (png, jpg, jpeg, pdf, svg, ...),
    pgf left out (NEEDS_LATEX). Raises ValueError without matplotlib."""
    if not available():
        raise ValueError(INSTALL_HINT)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    return tuple(sorted(set(FigureCanvasAgg.get_supported_filetypes())
                        - set(NEEDS_LATEX)))


def image_format(path: FilePath, format: str | None = None, argument: str = 'path') -> str:
    """The format (e.g. 'png', 'jpg') to write a picture at `path` in

    `format` when given (case and a leading dot ignored), else `path`'s
    extension. Raises ParameterError naming `format` or `argument` and
    listing image_formats() when it is not one of them (a path with no
    extension too); ValueError without matplotlib.
    """
    formats = image_formats()
    listed = ', '.join('.' + name for name in formats)
    if format is not None:
        if not isinstance(format, str) or format.lower().lstrip('.') not in formats:
            raise (ParameterError if isinstance(format, str) else ParameterTypeError)(
                f'format must be a picture format matplotlib writes, one of '
                f'{listed}; got {format!r}')
        return format.lower().lstrip('.')
    suffix = files.extension(path)[1:]
    if suffix not in formats:
        raise ParameterError(
            f'{argument} must end in a picture format matplotlib writes, one '
            f'of {listed}; got {os.fspath(path)!r}')
    return suffix


def save(path: FilePath, audio: torch.Tensor, sample_rate: int, times: npt.ArrayLike,
         pitch: Values, periodicity: Values, voiced: npt.ArrayLike,
         options: Settings, title: str | None = None,
         format: str | None = None) -> None:
    """Draw the pitch track over the input's spectrogram into a picture

    Arguments
        path (str or os.PathLike): the picture to write; its extension
            gives the format (image_formats(): .png, .jpg, .pdf, .svg ...).
            A temporary path ending in .tmp (files.staged's) is PNG
        audio (torch.tensor [shape=(channels, time)]), float, finite
        sample_rate (int), Hz
        times (array [shape=(frames,)]): frame centres, seconds, finite
        pitch, periodicity (torch.tensor or array, frames values): Hz,
            within 0 < pitch <= 8000 (the spectrogram's top) where voiced;
            periodicity within 0..1
        voiced (numpy.ndarray [shape=(frames,)], bool)
        options (Settings): the fmin, fmax, model and decoder used
        title (str or None)
        format (str or None): the picture format, overriding the extension

    Raises ParameterError naming the argument, FileNotFoundError for a
    missing folder, before drawing (paths.output_file, image_format); ValueError
    without matplotlib.
    """
    if not available():
        raise ValueError(INSTALL_HINT)
    path = paths.output_file(path)
    if format is None and files.extension(path) == TEMPORARY:
        format = 'png'
    format = image_format(path, format)
    audio, sample_rate, times, pitch, periodicity, voiced = _checked_track(
        audio, sample_rate, times, pitch, periodicity, voiced, options, title)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, NullLocator

    frequency = np.where(voiced, pitch, np.nan)
    low, high = _frequency_limits(frequency, options.fmin, options.fmax)

    figure = Figure(figsize=(10, 5.6), dpi=100, layout='constrained')
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(
        2, 1, sharex=True, gridspec_kw={'height_ratios': [3, 1]})

    # Spectrogram on a log-frequency axis
    column_times, bin_frequencies, level = _spectrogram(audio, sample_rate, high)
    keep = bin_frequencies >= low * 0.9
    top.pcolormesh(column_times, bin_frequencies[keep], level[keep],
                   shading='auto', cmap='magma', vmin=level.max() - 80,
                   vmax=level.max(), rasterized=True)
    top.plot(times, frequency, color='#3fd0ff', linewidth=1.6,
             label=f'pitch ({options.model}, {_decoder_name(options)})')
    top.set_yscale('log')
    top.set_ylim(low, high)
    top.set_ylabel('Frequency (Hz)')
    top.yaxis.set_major_locator(FixedLocator(_round_frequencies(low, high)))
    top.yaxis.set_minor_locator(NullLocator())
    top.yaxis.set_major_formatter('{x:g}')
    top.legend(loc='upper right', fontsize='small')
    if title:
        top.set_title(title)

    _note_axis(top, low, high)

    # Periodicity below, with the voicing threshold
    bottom.plot(times, periodicity, color='#444444', linewidth=1)
    bottom.fill_between(times, 0, periodicity, where=voiced, color='#3fd0ff',
                        alpha=.5, linewidth=0, label='voiced')
    bottom.set_ylim(0, 1)
    bottom.set_ylabel('Periodicity')
    bottom.set_xlabel('Time (s)')
    bottom.set_xlim(0, max(float(times[-1]) if len(times) else 0,
                           audio.size(-1) / sample_rate))
    bottom.legend(loc='upper right', fontsize='small')

    figure.savefig(path, format=format)


def _note_axis(top: Axes, low: float, high: float) -> None:
    """Note names on the right of the `top` axes, at every C and A within
    low..high Hz"""
    from matplotlib.ticker import FixedLocator, NullLocator
    notes = top.twinx()
    notes.set_yscale('log')
    notes.set_ylim(low, high)
    ticks, labels = _note_ticks(low, high)
    notes.yaxis.set_major_locator(FixedLocator(ticks))
    notes.yaxis.set_minor_locator(NullLocator())
    notes.set_yticks(ticks, labels)
    notes.set_ylabel('Note')


def _frame_values(value: Values, argument: str, frames: int | None = None) -> FloatArray:
    """(frames,) float64 numpy values of a tensor or array (any count when
    frames is None), else ParameterError naming `argument`: text, complex
    numbers and ragged lists too"""
    array = None
    if isinstance(value, torch.Tensor):
        if not value.is_complex():
            array = value.detach().cpu().double().numpy().reshape(-1)
    else:
        try:
            found = np.asarray(value)
        except ValueError:  # a ragged list
            found = None
        if found is not None and found.dtype.kind in 'biuf':
            array = found.astype(np.float64).reshape(-1)
    if array is None or frames is not None and len(array) != frames:
        count = 'real numbers' if frames is None else f'{frames} real numbers'
        raise ParameterError(
            f'{argument} must be {count}, one per frame; got '
            f'{type(value).__name__}'
            + ('' if array is None else f' of {len(array)} values'))
    return array


def _checked_track(audio: torch.Tensor, sample_rate: int, times: npt.ArrayLike,
                   pitch: Values, periodicity: Values, voiced: npt.ArrayLike,
                   options: Settings, title: str | None
                   ) -> tuple[torch.Tensor, int, FloatArray, FloatArray, FloatArray, BoolArray]:
    """save()'s arguments checked, as (mono audio, sample_rate, times,
    pitch, periodicity, voiced), numpy (frames,) from times on"""
    if not isinstance(audio, torch.Tensor):
        raise ParameterError(f'audio must be a torch.Tensor of shape '
                             f'(channels, time); got {type(audio).__name__}')
    audio = checks.audio(audio)
    sample_rate = checks.sample_rate(sample_rate)
    times = _frame_values(times, 'times')
    if not np.isfinite(times).all():
        raise ParameterError('times must be the finite centres of the '
                             'frames, in seconds')
    try:
        voiced = np.asarray(voiced)
    except ValueError:  # a ragged list
        voiced = np.zeros(0, object)
    if voiced.dtype != bool or voiced.shape != times.shape:
        raise ParameterError(f'voiced must be a bool numpy array of shape '
                             f'{times.shape}; got {voiced.dtype} {voiced.shape}')
    pitch = _frame_values(pitch, 'pitch', len(times))
    periodicity = _frame_values(periodicity, 'periodicity', len(times))
    if not ((pitch[voiced] > 0) & (pitch[voiced] <= SAMPLE_RATE / 2)).all():
        raise ParameterError(f'pitch must be within 0 < pitch <= '
                             f'{SAMPLE_RATE // 2} Hz where voiced')
    if not ((periodicity >= 0) & (periodicity <= 1)).all():
        raise ParameterError('periodicity must be finite and within 0..1')
    if not isinstance(options, Settings):
        raise ParameterError(f'options must be a pipeline.Settings (from '
                             f'pipeline.settings); got {type(options).__name__}')
    if title is not None and not isinstance(title, str):
        raise ParameterError(f'title must be a str or None; got {title!r}')
    return audio, sample_rate, times, pitch, periodicity, voiced


def _decoder_name(options: Settings) -> str:
    return getattr(options.decoder, '__name__', 'custom decoder')


def _frequency_limits(frequency: Array, fmin: float, fmax: float) -> tuple[float, float]:
    """Half an octave around the voiced pitch, else fmin..fmax"""
    voiced = frequency[np.isfinite(frequency)]
    if len(voiced) == 0:
        return fmin, fmax
    low = max(np.percentile(voiced, 1) / 2 ** .5, 25.)
    high = min(np.percentile(voiced, 99) * 2 ** .5, SAMPLE_RATE / 2)
    if high / low < 4:  # show at least two octaves
        middle = (low * high) ** .5
        low, high = middle / 2, middle * 2
    return low, high


def _spectrogram(audio: torch.Tensor, sample_rate: int, top_frequency: float
                 ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(column times s, bin frequencies Hz, level dB) of the mono input"""
    audio = framing.mono(audio.float().cpu())
    if sample_rate != SAMPLE_RATE:
        audio = framing.resample(audio, sample_rate)
    signal = audio[0]

    size = 2048  # 7.8 Hz bins: fine enough for low voices
    hop = max(80, -(-signal.numel() // MAX_COLUMNS))
    signal = torch.nn.functional.pad(signal, (size // 2, size // 2))
    if signal.numel() < size:
        signal = torch.nn.functional.pad(signal, (0, size - signal.numel()))
    frames = signal.unfold(0, size, hop) * torch.hann_window(size)
    magnitude = torch.fft.rfft(frames, dim=1).abs().T.numpy()
    frequencies = np.fft.rfftfreq(size, 1 / SAMPLE_RATE)
    rows = frequencies <= top_frequency * 1.05
    level = 20 * np.log10(np.maximum(magnitude[rows], 1e-6))
    times = np.arange(magnitude.shape[1]) * hop / SAMPLE_RATE
    return times, frequencies[rows], level


def _round_frequencies(low: float, high: float) -> list[float]:
    """Tick values 1, 1.5, 2, 3, 4, 5, 7 x 10^k within low..high"""
    ticks = [mantissa * 10 ** exponent for exponent in range(0, 5)
             for mantissa in (1, 1.5, 2, 3, 4, 5, 7)]
    return [tick for tick in ticks if low <= tick <= high]


def _note_ticks(low: float, high: float) -> tuple[list[float], list[str]]:
    """Frequencies and names of the C and A notes within low..high"""
    ticks, labels = [], []
    lowest = int(np.floor(convert.frequency_to_midi(low)))
    highest = int(np.ceil(convert.frequency_to_midi(high)))
    for midi in range(lowest, highest + 1):
        frequency = 440 * 2 ** ((midi - 69) / 12)
        if low <= frequency <= high and midi % 12 in (0, 9):  # C and A
            ticks.append(frequency)
            labels.append(convert.midi_to_note_name(midi))
    return ticks, labels


# The nearest equal-tempered note of a frequency in Hz, e.g. 440 -> 'A4'
hz_to_note_name = convert.hz_to_note_name

# Its earlier name (the argument is Hz, not MIDI as singing.note_name's)
note_name = hz_to_note_name
