"""A picture of a pitch track: the curve over the spectrogram, and periodicity.

Needs matplotlib (the optional `plot` extra); nothing else in torchcrepe does.
"""
import numpy as np
import torch

from . import convert, framing
from .constants import SAMPLE_RATE


INSTALL_HINT = ("plots need matplotlib, which is not installed: "
                "pip install matplotlib (or pip install 'torchcrepe[plot]')")

# Columns of the spectrogram at most; longer inputs use a longer hop
MAX_COLUMNS = 2000


def available():
    """Whether matplotlib can be imported"""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def save(path, audio, sample_rate, times, pitch, periodicity, voiced, options,
         title=None):
    """Draw the pitch track over the input's spectrogram into a PNG

    Arguments
        path (str): the PNG to write
        audio (torch.tensor [shape=(channels, time)]), sample_rate (int)
        times (numpy.ndarray [shape=(frames,)]): frame centres, seconds
        pitch, periodicity (torch.tensor [shape=(1, frames)])
        voiced (numpy.ndarray [shape=(frames,)], bool)
        options (pipeline.Settings): the fmin, fmax, model and decoder used
    """
    if not available():
        raise ValueError(INSTALL_HINT)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, NullLocator

    pitch = pitch.detach().cpu().double().numpy().reshape(-1)
    periodicity = periodicity.detach().cpu().double().numpy().reshape(-1)
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

    # Note names on the right, at every C and A in range
    notes = top.twinx()
    notes.set_yscale('log')
    notes.set_ylim(low, high)
    ticks, labels = _note_ticks(low, high)
    notes.yaxis.set_major_locator(FixedLocator(ticks))
    notes.yaxis.set_minor_locator(NullLocator())
    notes.set_yticks(ticks, labels)
    notes.set_ylabel('Note')

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

    figure.savefig(path, format='png')


def _decoder_name(options):
    return getattr(options.decoder, '__name__', 'custom decoder')


def _frequency_limits(frequency, fmin, fmax):
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


def _spectrogram(audio, sample_rate, top_frequency):
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


def _round_frequencies(low, high):
    """Tick values 1, 1.5, 2, 3, 4, 5, 7 x 10^k within low..high"""
    ticks = [mantissa * 10 ** exponent for exponent in range(0, 5)
             for mantissa in (1, 1.5, 2, 3, 4, 5, 7)]
    return [tick for tick in ticks if low <= tick <= high]


def _note_ticks(low, high):
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


def note_name(frequency):
    """The nearest equal-tempered note, e.g. 440 -> 'A4'"""
    return convert.midi_to_note_name(convert.frequency_to_midi(frequency))
