"""Synthesise examples/sung_phrase.wav, the recording the README tracks.

    python examples/make_example.py

A 4-second sung-like phrase at 16 kHz: an "ah" vowel (harmonics shaped by
three formants) rising by a glide, holding a note with 5.5 Hz vibrato,
a breath, then a falling portamento. The true pitch is written beside it
as examples/sung_phrase_f0.csv (time in s, frequency in Hz, 0 = silence).
Deterministic: the same bytes every run.
"""
import os

import numpy as np
from scipy.io import wavfile

SAMPLE_RATE = 16000
HERE = os.path.dirname(os.path.abspath(__file__))

# (start s, end s, start Hz, end Hz, vibrato cents) of each sung segment;
# within a segment pitch moves on a smooth (raised-cosine) glide
SEGMENTS = [
    (0.15, 0.75, 196.00, 196.00, 0),    # G3
    (0.75, 1.00, 196.00, 293.66, 0),    # glide up to D4
    (1.00, 2.20, 293.66, 293.66, 60),   # D4 with vibrato
    (2.60, 3.10, 329.63, 329.63, 20),   # E4 after a breath
    (3.10, 3.85, 329.63, 220.00, 0),    # portamento down to A3
]
FORMANTS = [(700, 110), (1220, 120), (2600, 160)]  # "ah": (Hz, bandwidth)


def pitch_curve(times):
    """True f0 in Hz at each time (0 where silent)"""
    f0 = np.zeros_like(times)
    for start, end, low, high, vibrato in SEGMENTS:
        inside = (times >= start) & (times < end)
        position = (times[inside] - start) / (end - start)
        glide = low * (high / low) ** (0.5 - 0.5 * np.cos(np.pi * position))
        depth = vibrato * np.sin(2 * np.pi * 5.5 * (times[inside] - start))
        f0[inside] = glide * 2 ** (depth / 1200)
    return f0


def formant_gain(frequency):
    """Resonance of the vocal tract at `frequency`, with a -6 dB/oct tilt"""
    gain = np.zeros_like(frequency)
    for centre, width in FORMANTS:
        gain += 1 / (1 + ((frequency - centre) / width) ** 2)
    return (0.05 + gain) * (100 / np.maximum(frequency, 100))


def main():
    times = np.arange(int(4.0 * SAMPLE_RATE)) / SAMPLE_RATE
    f0 = pitch_curve(times)
    phase = 2 * np.pi * np.cumsum(f0) / SAMPLE_RATE

    voice = np.zeros_like(times)
    for harmonic in range(1, 40):
        frequency = harmonic * f0
        audible = frequency < SAMPLE_RATE / 2 - 500
        voice += np.where(audible, formant_gain(frequency) * np.sin(harmonic * phase), 0)

    # Soft attack and release on each phrase, a breath between
    envelope = np.zeros_like(times)
    for start, end in ((0.15, 2.20), (2.60, 3.85)):
        inside = (times >= start) & (times < end)
        position = times[inside] - start
        envelope[inside] = np.minimum(1, position / 0.06) * np.minimum(1, (end - times[inside]) / 0.12)
    random = np.random.default_rng(0)
    breath = (times >= 2.30) & (times < 2.55)
    noise = random.standard_normal(len(times)) * (0.002 + 0.03 * breath)

    audio = voice * envelope
    audio = 0.5 * audio / np.abs(audio).max() + noise
    wavfile.write(os.path.join(HERE, 'sung_phrase.wav'), SAMPLE_RATE,
                  np.round(audio * 32767).astype(np.int16))

    hop = SAMPLE_RATE // 100
    with open(os.path.join(HERE, 'sung_phrase_f0.csv'), 'w') as file:
        file.write('time,frequency\n')
        for index in range(0, len(times), hop):
            voiced = envelope[index] > 0
            file.write(f'{times[index]:.2f},{f0[index] * voiced:.3f}\n')


if __name__ == '__main__':
    main()
