"""A synthetic, labelled pitch corpus for measuring accuracy (nothing downloaded).

    python benchmarks/corpus.py [--size full|slice] [--seed 0] [--wav DIR]

Prints each item's name, category, length and scored frames; with --wav also
writes the items as 16-bit WAV files into DIR to listen to.

Everything is synthesised at 16 kHz from a seeded numpy Generator, so the
same seed gives the same audio and labels bit for bit. Each item carries the
true f0 of every 10 ms frame (hop 160 samples), frame i centred on sample
i * 160 as `torchcrepe.predict` frames audio with pad=True; there are
1 + samples // 160 frames.

Labels (`Item.f0`, float64 Hz):
    > 0   voiced: the instantaneous f0 at the frame's centre sample
    0     unvoiced: every sample of the frame's 1024-sample window is
          silence or noise
    NaN   not scored: the window straddles a voiced/unvoiced boundary (the
          start or end of a note; outside the audio counts as unvoiced,
          since predict pads with zeros): every frame centred within 512
          samples of a note's start or end

The full corpus (36 s, 3692 frames, 2956 scored):
    'clean note'   60 steady notes of 0.3 s, log-spaced from 32 Hz to 1900 Hz,
                   about 1.2 semitones apart, the five timbres interleaved
                   along the scale so that each covers the whole range
    'vibrato'      6 notes of 0.8 s from 82 to 1175 Hz, 5-7 Hz rate,
                   +-20, +-50 and +-100 cents deep
    'glide'        5 items of about 1 s: exponential sweeps over 2-3 octaves,
                   up and down, and two portamenti (hold, slide, hold)
    'snr N dB'     the same 3 notes (0.35 s) in white noise at N = 30, 20,
                   10 and 0 dB SNR (note power over its length against noise
                   power), with 0.1 s of noise alone before and after
    'unvoiced'     0.5 s each of digital silence, white, pink and brown noise

Timbres (partials above 7.6 kHz are left out, fading from 7 kHz):
    'sine'         the fundamental alone
    'tilt -12 dB'  harmonics falling 12 dB per octave (amplitude 1/k^2)
    'tilt -3 dB'   harmonics falling 3 dB per octave (1/sqrt(k)): bright
    'sawtooth'     1/k partials with a sawtooth's phases
    'vowel /a/'    1/k source through three formant resonances at 700,
                   1220 and 2600 Hz (bandwidths 130, 70, 160 Hz)

The 'slice' corpus (2.8 s, 287 frames) is for the regression test: five
clean harmonic notes (55 to 1047 Hz), 0.5 s of white noise alone and one
note with vibrato.
"""
import argparse
import os
from typing import NamedTuple

import numpy as np

RATE = 16000
HOP = 160
WINDOW = 1024

# The notes span LOWEST .. HIGHEST Hz. CREPE's 360 bins are 20 cents apart,
# centred from 31.7 Hz to 2005.5 Hz, so every note lies between two bins;
# score with fmin 31.7 Hz (the least torchcrepe accepts) and fmax 2006 Hz
# (torchcrepe.MAX_FMAX) to keep them all.
LOWEST = 32.
HIGHEST = 1900.

TIMBRES = ('sine', 'tilt -12 dB', 'tilt -3 dB', 'sawtooth', 'vowel /a/')
SNRS = (30, 20, 10, 0)

# Partials fade out between these frequencies (Hz), well below Nyquist
PARTIAL_FADE = 7000.
PARTIAL_LIMIT = 7600.

# Formants of the vowel /a/: (centre, bandwidth) in Hz
FORMANTS = ((700., 130.), (1220., 70.), (2600., 160.))

# Fade in and out of every note (samples): 10 ms raised cosine
RAMP = 160


class Item(NamedTuple):
    name: str
    category: str
    audio: np.ndarray   # (samples,) float32 at 16 kHz, within [-1, 1]
    f0: np.ndarray      # (1 + samples // HOP,) float64 Hz, 0 unvoiced, NaN unscored
    timbre: str = ''    # one of TIMBRES, '' for noise and silence


###############################################################################
# Synthesis
###############################################################################


def frame_count(samples):
    """Frames of `samples` samples at hop 160 with centred (padded) frames"""
    return 1 + samples // HOP


def formant_gain(frequency):
    """Gain of the /a/ formant filter at `frequency` Hz (1 at 0 Hz)"""
    gain = np.ones_like(frequency)
    for centre, bandwidth in FORMANTS:
        gain = gain * centre ** 2 / np.sqrt(
            (centre ** 2 - frequency ** 2) ** 2 + (bandwidth * frequency) ** 2)
    return gain


def partial_amplitude(timbre, k, frequency):
    """Amplitude of partial k (1 = fundamental) at `frequency` Hz (array)"""
    if timbre == 'sine':
        amplitude = np.full_like(frequency, 1. if k == 1 else 0.)
    elif timbre == 'tilt -12 dB':
        amplitude = np.full_like(frequency, k ** -2.)
    elif timbre == 'tilt -3 dB':
        amplitude = np.full_like(frequency, k ** -.5)
    elif timbre == 'sawtooth':
        amplitude = np.full_like(frequency, 1. / k)
    elif timbre == 'vowel /a/':
        amplitude = formant_gain(frequency) / k
    else:
        raise ValueError(f'unknown timbre {timbre!r}')
    fade = np.clip((PARTIAL_LIMIT - frequency) / (PARTIAL_LIMIT - PARTIAL_FADE), 0., 1.)
    return amplitude * fade


def tone(f0, timbre, rng):
    """A harmonic tone following `f0` (Hz per sample, > 0), peak 1, float64

    The phase is the running sum of f0, so the instantaneous frequency of
    partial k at sample n is exactly k * f0[n]."""
    phase = 2 * np.pi * np.cumsum(f0) / RATE + rng.uniform(0, 2 * np.pi)
    signal = np.zeros_like(f0)
    partials = int(PARTIAL_LIMIT // f0.min())
    offsets = rng.uniform(0, 2 * np.pi, partials)
    for k in range(1, partials + 1):
        amplitude = partial_amplitude(timbre, k, k * f0)
        if not amplitude.any():
            continue
        # A sawtooth's partials alternate in sign, all in phase; others random
        offset = np.pi * (k + 1) if timbre == 'sawtooth' else offsets[k - 1]
        signal += amplitude * np.sin(k * phase + offset)
    signal *= ramp(len(signal))
    return signal / np.abs(signal).max()


def ramp(samples):
    """An envelope rising and falling over RAMP samples (raised cosine)"""
    envelope = np.ones(samples)
    rise = .5 - .5 * np.cos(np.pi * (np.arange(RAMP) + .5) / RAMP)
    envelope[:RAMP] = rise
    envelope[-RAMP:] = rise[::-1]
    return envelope


def noise(samples, colour, rng):
    """White, pink or brown Gaussian noise, peak 1, float64"""
    white = rng.standard_normal(samples)
    if colour == 'white':
        signal = white
    else:
        # Shape the spectrum: power falls as 1/f (pink) or 1/f^2 (brown),
        # flat below 20 Hz
        exponent = {'pink': 1., 'brown': 2.}[colour]
        frequencies = np.maximum(np.fft.rfftfreq(samples, 1 / RATE), 20.)
        spectrum = np.fft.rfft(white) * frequencies ** (-exponent / 2)
        signal = np.fft.irfft(spectrum, samples)
    return signal / np.abs(signal).max()


def labels(f0):
    """Per-frame truth from per-sample f0 (0 = unvoiced): see the docstring"""
    samples = len(f0)
    voiced = np.concatenate([[0], np.cumsum(f0 > 0)])
    truth = np.full(frame_count(samples), np.nan)
    for frame in range(len(truth)):
        centre = frame * HOP
        low, high = centre - WINDOW // 2, centre + WINDOW // 2
        inside = high <= samples and low >= 0
        count = voiced[min(max(high, 0), samples)] - voiced[min(max(low, 0), samples)]
        if count == 0:
            truth[frame] = 0.
        elif inside and count == WINDOW:
            truth[frame] = f0[centre]
    return truth


def item(name, category, audio, f0, timbre=''):
    """An Item from float64 audio and per-sample f0"""
    assert len(audio) == len(f0)
    return Item(name, category, audio.astype(np.float32), labels(f0), timbre)


###############################################################################
# Items
###############################################################################


def note(frequency, seconds, timbre, rng, category='clean note'):
    f0 = np.full(int(round(seconds * RATE)), float(frequency))
    audio = rng.uniform(.2, .6) * tone(f0, timbre, rng)
    return item(f'{timbre}, {frequency:.1f} Hz', category, audio, f0, timbre)


def vibrato(frequency, cents, rate, seconds, timbre, rng):
    time = np.arange(int(round(seconds * RATE))) / RATE
    depth = cents / 1200 * np.sin(2 * np.pi * rate * time + rng.uniform(0, 2 * np.pi))
    f0 = frequency * 2 ** depth
    audio = rng.uniform(.2, .6) * tone(f0, timbre, rng)
    return item(f'{timbre}, {frequency:.1f} Hz +-{cents:.0f} cents at {rate:.1f} Hz',
                'vibrato', audio, f0, timbre)


def glide(points, timbre, rng):
    """Straight lines in log frequency between (seconds, Hz) points"""
    times, frequencies = zip(*points)
    time = np.arange(int(round(times[-1] * RATE))) / RATE
    f0 = 2 ** np.interp(time, times, np.log2(frequencies))
    audio = rng.uniform(.2, .6) * tone(f0, timbre, rng)
    path = ' -> '.join(f'{frequency:.0f}' for frequency in dict.fromkeys(frequencies))
    return item(f'{timbre}, {path} Hz in {times[-1]:.2f} s', 'glide', audio, f0, timbre)


def noisy(frequency, timbre, snr, rng, seconds=.35, margin=.1):
    """A note with `margin` seconds of noise alone on both sides, at `snr` dB"""
    edge = int(round(margin * RATE))
    voiced = tone(np.full(int(round(seconds * RATE)), float(frequency)), timbre, rng)
    f0 = np.concatenate([np.zeros(edge), np.full(len(voiced), float(frequency)), np.zeros(edge)])
    signal = np.concatenate([np.zeros(edge), voiced, np.zeros(edge)])
    power = np.mean(voiced ** 2) / 10 ** (snr / 10)
    signal = signal + np.sqrt(power) * rng.standard_normal(len(signal))
    audio = rng.uniform(.2, .6) * signal / np.abs(signal).max()
    return item(f'{timbre}, {frequency:.1f} Hz, {snr} dB SNR', f'snr {snr} dB',
                audio, f0, timbre)


def unvoiced(colour, seconds, rng):
    samples = int(round(seconds * RATE))
    if colour == 'silence':
        audio = np.zeros(samples)
    else:
        audio = rng.uniform(.05, .5) * noise(samples, colour, rng)
    name = 'digital silence' if colour == 'silence' else f'{colour} noise'
    return item(name, 'unvoiced', audio, np.zeros(samples))


def corpus(size='full', seed=0):
    """The labelled items (a list of Item); size 'full' or 'slice'"""
    rng = np.random.default_rng(seed)
    if size == 'slice':
        return [
            *(note(frequency, .3, timbre, rng) for frequency, timbre in (
                (55., 'sawtooth'), (131., 'vowel /a/'), (262., 'tilt -12 dB'),
                (523., 'tilt -3 dB'), (1047., 'sawtooth'))),
            unvoiced('white', .5, rng),
            vibrato(220., 50., 6., .8, 'vowel /a/', rng)]
    if size != 'full':
        raise ValueError(f"size must be 'full' or 'slice'; got {size!r}")

    items = []

    # Clean notes: 12 per timbre, all 60 log-spaced, timbres interleaved
    count = 12 * len(TIMBRES)
    for index in range(count):
        frequency = LOWEST * (HIGHEST / LOWEST) ** (index / (count - 1))
        items.append(note(frequency, .3, TIMBRES[index % len(TIMBRES)], rng))

    # Vibrato around six notes, three depths, rate 5-7 Hz
    for frequency, cents, timbre in (
            (82.41, 100., 'vowel /a/'), (146.8, 50., 'sawtooth'),
            (233.1, 20., 'tilt -12 dB'), (392., 100., 'tilt -3 dB'),
            (659.3, 50., 'vowel /a/'), (1174.7, 20., 'sine')):
        items.append(vibrato(frequency, cents, rng.uniform(5., 7.), .8, timbre, rng))

    # Glides: sweeps and portamenti
    for points, timbre in (
            (((0., 65.), (1., 520.)), 'sine'),
            (((0., 880.), (1., 220.)), 'sawtooth'),
            (((0., 40.), (1., 160.)), 'tilt -12 dB'),
            (((0., 196.), (.35, 196.), (.5, 293.7), (.85, 293.7)), 'vowel /a/'),
            (((0., 1396.9), (.3, 1396.9), (.5, 698.5), (.8, 698.5)), 'tilt -3 dB')):
        items.append(glide(points, timbre, rng))

    # The same three notes in white noise at each SNR
    for snr in SNRS:
        for frequency, timbre in ((98., 'vowel /a/'), (246.9, 'sawtooth'), (622.3, 'tilt -3 dB')):
            items.append(noisy(frequency, timbre, snr, rng))

    # Silence and noise alone
    for colour in ('silence', 'white', 'pink', 'brown'):
        items.append(unvoiced(colour, .5, rng))
    return items


###############################################################################
# A recording-like signal
###############################################################################


# Formants (centre, bandwidth) in Hz of the vowels the syllables cycle through
VOWELS = {
    'a': ((700., 130.), (1220., 70.), (2600., 160.)),
    'e': ((530., 60.), (1840., 100.), (2480., 120.)),
    'i': ((300., 60.), (2300., 100.), (3000., 120.)),
    'o': ((500., 70.), (900., 80.), (2400., 120.)),
    'u': ((320., 60.), (870., 80.), (2250., 120.))}

# Reverberation: an exponentially decaying noise tail, 60 dB down after
# REVERB_SECONDS; frames whose window ends within TAIL_SECONDS of a voiced
# stretch still hold its echo and are not scored
REVERB_SECONDS = .25
TAIL_SECONDS = .08


def vowel(f0, formants, rng):
    """A glottal-like harmonic source (1/k partials with a 12 dB/octave
    roll-off above the first) through `formants`, following `f0` (Hz per
    sample), with 20 ms fades; float64, peak 1"""
    phase = 2 * np.pi * np.cumsum(f0) / RATE + rng.uniform(0, 2 * np.pi)
    signal = np.zeros_like(f0)
    for k in range(1, int(PARTIAL_LIMIT // f0.min()) + 1):
        frequency = k * f0
        gain = np.ones_like(frequency)
        for centre, bandwidth in formants:
            gain = gain * centre ** 2 / np.sqrt(
                (centre ** 2 - frequency ** 2) ** 2 + (bandwidth * frequency) ** 2)
        fade = np.clip((PARTIAL_LIMIT - frequency) / (PARTIAL_LIMIT - PARTIAL_FADE), 0., 1.)
        signal += gain * fade / k ** 1.5 * np.sin(k * phase + rng.uniform(0, 2 * np.pi))
    envelope = np.minimum(1., np.minimum(np.arange(len(f0)), np.arange(len(f0))[::-1]) / 320.)
    signal *= np.sin(np.pi / 2 * envelope) ** 2
    return signal / np.abs(signal).max()


def band_noise(samples, low, high, rng):
    """Gaussian noise between `low` and `high` Hz with 30 ms fades, peak 1"""
    spectrum = np.fft.rfft(rng.standard_normal(samples))
    frequencies = np.fft.rfftfreq(samples, 1 / RATE)
    spectrum[(frequencies < low) | (frequencies > high)] = 0
    signal = np.fft.irfft(spectrum, samples)
    envelope = np.minimum(1., np.minimum(np.arange(samples), np.arange(samples)[::-1]) / 480.)
    signal *= envelope
    return signal / np.abs(signal).max()


def phrase(base, rng):
    """A spoken phrase: 2-5 syllables on a falling intonation from `base`
    Hz, joined directly or by a fricative; (audio, per-sample f0) float64"""
    audio, f0 = [], []
    syllables = int(rng.integers(2, 6))
    for index in range(syllables):
        samples = int(rng.uniform(.12, .35) * RATE)
        # Intonation falls about 4 semitones over the phrase, each syllable
        # rising or falling up to 2 semitones, with a slow wobble
        start = base * 2 ** (-4 / 12 * index / syllables + rng.uniform(-1, 1) / 12)
        end = start * 2 ** (rng.uniform(-2, 1) / 12)
        time = np.arange(samples) / RATE
        contour = start * (end / start) ** (time / time[-1]) * \
            2 ** (.15 / 12 * np.sin(2 * np.pi * rng.uniform(3, 6) * time))
        formants = VOWELS['aeiou'[int(rng.integers(5))]]
        audio.append(rng.uniform(.5, 1.) * vowel(contour, formants, rng))
        f0.append(contour)
        if index < syllables - 1 and rng.uniform() < .6:
            samples = int(rng.uniform(.04, .1) * RATE)
            audio.append(rng.uniform(.05, .2) * band_noise(samples, 2500., 7500., rng))
            f0.append(np.zeros(samples))
    return np.concatenate(audio), np.concatenate(f0)


def recording_labels(f0):
    """labels(f0), with the frames that hold a voiced stretch's echo
    (window ending within TAIL_SECONDS after it) not scored"""
    truth = labels(f0)
    voiced = (f0 > 0).astype(float)
    tail = int(TAIL_SECONDS * RATE)
    echo = np.convolve(voiced, np.ones(tail))[:len(voiced)] > 0
    count = np.concatenate([[0], np.cumsum(echo)])
    for frame in np.flatnonzero(truth == 0):
        low = min(max(frame * HOP - WINDOW // 2, 0), len(f0))
        high = min(max(frame * HOP + WINDOW // 2, 0), len(f0))
        if count[high] > count[low]:
            truth[frame] = np.nan
    return truth


def recording(seconds=20., seed=0):
    """A seeded recording-like signal: speech-like phrases (male and female
    registers, 90-260 Hz, falling intonation, vowels, fricatives), a sung
    vowel with vibrato, pauses with breath noise, room noise (pink, about
    40 dB below the voice) and reverberation, at 16 kHz; an Item whose f0
    labels follow `labels` and `recording_labels`

    The pieces are appended until `seconds` is reached; a sung vowel
    (1.2 s at 196-392 Hz, +-40 cents at 5.5 Hz) comes third."""
    rng = np.random.default_rng(seed)
    audio, f0 = [np.zeros(int(.3 * RATE))], [np.zeros(int(.3 * RATE))]
    while sum(map(len, audio)) < seconds * RATE:
        if len(audio) == 5:
            time = np.arange(int(1.2 * RATE)) / RATE
            contour = rng.uniform(196., 392.) * 2 ** (
                40 / 1200 * np.sin(2 * np.pi * 5.5 * time))
            piece, truth = vowel(contour, VOWELS['a'], rng), contour
        else:
            piece, truth = phrase(rng.choice([rng.uniform(90., 140.), rng.uniform(170., 260.)]),
                                  rng)
        audio.append(rng.uniform(.3, .6) * piece)
        f0.append(truth)
        # A pause, half of them with a breath in it
        pause = int(rng.uniform(.2, .6) * RATE)
        gap = np.zeros(pause)
        if rng.uniform() < .5:
            breath = int(min(pause - 800, rng.uniform(.15, .3) * RATE))
            offset = int(rng.integers(400, pause - breath - 399))
            gap[offset:offset + breath] = rng.uniform(.02, .05) * \
                band_noise(breath, 300., 5000., rng)
        audio.append(gap)
        f0.append(np.zeros(pause))
    dry, f0 = np.concatenate(audio), np.concatenate(f0)

    tail = np.arange(int(REVERB_SECONDS * RATE)) / RATE
    response = rng.standard_normal(len(tail)) * 10 ** (-3 * tail / REVERB_SECONDS)
    wet = np.convolve(dry, response)[:len(dry)]
    signal = dry + .3 * wet * np.abs(dry).max() / np.abs(wet).max()
    room = noise(len(signal), 'pink', rng)
    signal += room * np.sqrt(np.mean(dry[f0 > 0] ** 2) / np.mean(room ** 2)) * 10 ** (-40 / 20)
    signal *= .7 / np.abs(signal).max()
    return Item(f'recording-like, {seconds:.0f} s, seed {seed}', 'recording',
                signal.astype(np.float32), recording_labels(f0))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', default='full', choices=('full', 'slice'))
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--wav', metavar='DIR', help='write each item as a WAV file here')
    args = parser.parse_args()
    items = corpus(args.size, args.seed)
    for index, entry in enumerate(items):
        scored = int(np.sum(~np.isnan(entry.f0)))
        voiced = int(np.sum(entry.f0 > 0))
        print(f'{index:3d}  {entry.category:11s}  {entry.name:48s}  '
              f'{len(entry.audio) / RATE:5.2f} s  {len(entry.f0):4d} frames  '
              f'{scored:4d} scored ({voiced} voiced)')
        if args.wav:
            from scipy.io import wavfile
            os.makedirs(args.wav, exist_ok=True)
            wavfile.write(os.path.join(args.wav, f'{index:03d}.wav'), RATE,
                          np.round(entry.audio * 32767).astype(np.int16))
    samples = sum(len(entry.audio) for entry in items)
    frames = sum(len(entry.f0) for entry in items)
    scored = sum(int(np.sum(~np.isnan(entry.f0))) for entry in items)
    print(f'{len(items)} items, {samples / RATE:.1f} s, {frames} frames, {scored} scored')


if __name__ == '__main__':
    main()
