"""Synthetic sung phrases with known notes, detuning and vibrato; accuracy
of torchcrepe.singing on them per capacity.

    python benchmarks/sung.py [--capacities tiny small ...] [--seed 0]

Prints a Markdown table per capacity: vibrato rate error (Hz), extent error
(cents and %), onset error (ms) and detuning error (cents), as medians and
maxima over the corpus, and how many notes were found against the truth.

The phrases (16 kHz, the vowel /a/ timbre of benchmarks/corpus.py, seeded):
    'vibrato'  three notes apart (0.15 s of silence between): 4 Hz +-150
               cents, 6 Hz +-50 cents and 8 Hz +-12 cents, detuned, with a
               random vibrato phase
    'legato'   four steady, detuned notes joined by 50 ms slides of 1 to
               3 semitones
    'glide'    a portamento (hold, a 0.3 s slide of 7 semitones, hold) and,
               after a rest, a note drifting up 60 cents over 0.8 s
A note's onset is where it starts after silence, or the middle of the
slide that leads to it; its true pitch the MIDI number it is sung at
(detuning included), under A4 = 440 Hz.
"""
import argparse
import os
import sys
from typing import NamedTuple

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus import RATE, tone  # noqa: E402

TIMBRE = 'vowel /a/'
REST = .15        # seconds of silence before, between and after phrases
SLIDE = .05       # seconds of a legato slide between notes


class TrueNote(NamedTuple):
    onset: float      # s
    offset: float     # s
    midi: float       # sung pitch (with detuning), fractional MIDI
    rate: float       # vibrato Hz, 0 for none
    extent: float     # vibrato cents (half peak-to-peak), 0 for none


class Phrase(NamedTuple):
    name: str
    audio: np.ndarray          # (samples,) float32, 16 kHz
    notes: list                # TrueNote in time order
    glide_notes: int = 0       # notes that are glides or drift (no vibrato)


def hertz(midi):
    return 440. * 2 ** ((np.asarray(midi) - 69) / 12)


def _voice(midi_curve, rng):
    """A sung tone along a per-sample MIDI curve, peak 0.5"""
    return .5 * tone(hertz(midi_curve), TIMBRE, rng)


def vibrato_phrase(rng):
    """Three separate notes with vibrato: (MIDI, seconds, rate Hz, cents)"""
    specification = [(57.07, 1.0, 4., 150.), (64. - .11, .8, 6., 50.),
                     (72. + .04, .7, 8., 12.)]
    pieces, notes, time = [np.zeros(int(REST * RATE))], [], REST
    for midi, seconds, rate, cents in specification:
        t = np.arange(int(round(seconds * RATE))) / RATE
        curve = midi + cents / 100 * np.sin(2 * np.pi * rate * t + rng.uniform(0, 2 * np.pi))
        pieces += [_voice(curve, rng), np.zeros(int(REST * RATE))]
        notes.append(TrueNote(time, time + seconds, midi, rate, cents))
        time += seconds + REST
    return Phrase('vibrato', np.concatenate(pieces).astype(np.float32), notes)


def legato_phrase(rng):
    """Steady detuned notes joined by SLIDE-second raised-cosine slides"""
    specification = [(55.12, .45), (57. - .18, .4), (60.05, .45), (59. - .3, .4)]
    curve, notes, time = [], [], REST
    for index, (midi, seconds) in enumerate(specification):
        samples = int(round(seconds * RATE))
        piece = np.full(samples, midi)
        if index:
            # The slide from the previous note takes the first SLIDE seconds
            previous = specification[index - 1][0]
            width = int(SLIDE * RATE)
            shape = .5 - .5 * np.cos(np.pi * np.arange(width) / width)
            piece[:width] = previous + (midi - previous) * shape
        curve.append(piece)
        onset = time + (SLIDE / 2 if index else 0.)
        notes.append(TrueNote(onset, time + seconds, midi, 0., 0.))
        if index:
            notes[index - 1] = notes[index - 1]._replace(offset=onset)
        time += seconds
    voice = _voice(np.concatenate(curve), rng)
    rest = np.zeros(int(REST * RATE))
    return Phrase('legato', np.concatenate([rest, voice, rest]).astype(np.float32), notes)


def glide_phrase(rng):
    """A portamento between two held notes, a rest, a drifting note"""
    hold, slide = .35, .3
    t = np.arange(int(round((2 * hold + slide) * RATE))) / RATE
    position = np.clip((t - hold) / slide, 0, 1)
    portamento = 62. + 7. * (.5 - .5 * np.cos(np.pi * position))
    drift_seconds = .8
    drift = 65. + .6 * np.arange(int(drift_seconds * RATE)) / (drift_seconds * RATE)
    rest = np.zeros(int(REST * RATE))
    audio = np.concatenate([rest, _voice(portamento, rng), rest, _voice(drift, rng), rest])
    middle = REST + hold + slide / 2
    second = REST + 2 * hold + slide + REST
    notes = [TrueNote(REST, middle, 62., 0., 0.),
             TrueNote(middle, REST + 2 * hold + slide, 69., 0., 0.),
             TrueNote(second, second + drift_seconds, 65.3, 0., 0.)]
    return Phrase('glide', audio.astype(np.float32), notes, glide_notes=1)


def corpus(seed=0):
    """The sung phrases (a list of Phrase), the same for the same seed"""
    rng = np.random.default_rng(seed)
    return [vibrato_phrase(rng), legato_phrase(rng), glide_phrase(rng)]


def match(found, truth):
    """For each true note, the found note overlapping it most (or None)"""
    matched = []
    for note in truth:
        overlaps = [min(n.offset, note.offset) - max(n.onset, note.onset) for n in found]
        best = int(np.argmax(overlaps)) if overlaps else -1
        matched.append(found[best] if best >= 0 and overlaps[best] > 0 else None)
    return matched


def errors(phrases, tracks):
    """Per-note errors of singing.analyse on each phrase's (pitch, periodicity)

    Returns a dict of lists: rate (Hz), extent (cents), extent_share (of the
    true extent), onset (s), detune (cents), notes (found - true count).
    """
    from torchcrepe import singing
    result = {key: [] for key in ('rate', 'extent', 'extent_share', 'onset',
                                  'detune', 'notes')}
    for phrase, (pitch, periodicity) in zip(phrases, tracks):
        report = singing.analyse(pitch, periodicity, .01)
        result['notes'].append(len(report.notes) - len(phrase.notes))
        for truth, note in zip(phrase.notes, match(report.notes, phrase.notes)):
            if note is None:
                continue
            result['onset'].append(abs(note.onset - truth.onset))
            result['detune'].append(abs(100 * (note.midi - truth.midi)))
            if truth.rate and note.vibrato is not None:
                result['rate'].append(abs(note.vibrato.rate_hz - truth.rate))
                error = abs(note.vibrato.extent_cents - truth.extent)
                result['extent'].append(error)
                result['extent_share'].append(error / truth.extent)
    return result


def track(phrases, capacity):
    """(pitch, periodicity) numpy arrays of each phrase with one capacity"""
    import torch
    import torchcrepe
    tracks = []
    for phrase in phrases:
        pitch, periodicity = torchcrepe.predict(
            torch.from_numpy(phrase.audio)[None], RATE, model=capacity, fmax=1000.,
            decoder=torchcrepe.decode.weighted_viterbi, return_periodicity=True)
        tracks.append((pitch[0].numpy(), periodicity[0].numpy()))
    return tracks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--capacities', nargs='+',
                        default=['tiny', 'small', 'medium', 'large', 'full'])
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    phrases = corpus(args.seed)
    print('| capacity | rate error, Hz (median / max) | extent error, cents '
          '(median / max) | onset error, ms (median / max) | detuning error, '
          'cents (median / max) | notes found / true |')
    print('|---|---|---|---|---|---|')
    true_count = sum(len(phrase.notes) for phrase in phrases)
    for capacity in args.capacities:
        found = errors(phrases, track(phrases, capacity))
        cells = [f"{np.median(found[key]) * scale:.2f} / {np.max(found[key]) * scale:.2f}"
                 for key, scale in (('rate', 1), ('extent', 1), ('onset', 1000),
                                    ('detune', 1))]
        print(f"| {capacity} | " + ' | '.join(cells) +
              f" | {true_count + sum(found['notes'])} / {true_count} |")


if __name__ == '__main__':
    main()
