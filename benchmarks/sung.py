"""Synthetic sung phrases with known notes, detuning and vibrato; accuracy
of torchcrepe.singing on them per capacity.

    python benchmarks/sung.py [--capacities tiny small ...] [--seed 0] [--short]

Prints a Markdown table, a row per capacity (predict with weighted_viterbi,
fmax 1000 Hz), then a row for the exact pitch tracks (the analysis alone):
vibrato rate error (Hz), extent error (cents and % of the true extent),
onset error (ms), detuning error (note pitch against the sung pitch,
cents), the note pitch against the tracker's own median pitch over the note
(cents; tracked_centre), as median / max over the notes; how many notes
were found against the truth; notes without vibrato found with it (false)
and notes with vibrato found without it (missed).

The phrases (16 kHz, the vowel /a/ timbre of benchmarks/corpus.py, seeded):
FULL durations (7.35 s in all; SHORT, 4.9 s with three legato notes, for the tests):
    'vibrato'  three notes apart (0.15 s of silence between): 4 Hz +-150
               cents, 6 Hz +-50 cents and 8 Hz +-12 cents, detuned, with a
               random vibrato phase; the last swings narrower than vibrato
               is heard (TrueNote.heard): it must be found without one
    'legato'   four steady, detuned notes joined by 50 ms slides of 1 to
               3 semitones
    'glide'    a portamento (hold, a 0.3 s slide of 7 semitones, hold) and,
               after a rest, a note drifting up 60 cents over 0.8 s
A note's onset is where it starts after silence, or where the slide that
leads to it arrives within a quarter tone of it (`arrival`); its end is
where it stops or the slide out of it leaves it by a quarter tone
(`arrival` backwards); its true pitch the MIDI number it is sung at
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

    @property
    def heard(self):
        """Whether its swing is wide enough to be vibrato (the report's
        vibrato.HEARD_EXTENT); a narrower one is an unsteady note"""
        from torchcrepe.singing import vibrato
        return bool(self.rate) and self.extent >= vibrato.HEARD_EXTENT


class Phrase(NamedTuple):
    name: str
    audio: np.ndarray          # (samples,) float32, 16 kHz
    notes: list                # TrueNote in time order
    midi: np.ndarray           # (samples,) the sung MIDI curve, NaN silent


def _phrase(name, pieces, notes, rng):
    """A Phrase from MIDI curves, or None for REST seconds of silence"""
    audio, curves = [], []
    for piece in pieces:
        if piece is None:
            piece = np.full(int(REST * RATE), np.nan)
            audio.append(np.zeros(len(piece)))
        else:
            audio.append(_voice(piece, rng))
        curves.append(piece)
    return Phrase(name, np.concatenate(audio).astype(np.float32), notes,
                  np.concatenate(curves))


def hertz(midi):
    return 440. * 2 ** ((np.asarray(midi) - 69) / 12)


def _voice(midi_curve, rng):
    """A sung tone along a per-sample MIDI curve, peak 0.5"""
    return .5 * tone(hertz(midi_curve), TIMBRE, rng)


# (MIDI, seconds, vibrato Hz, cents) of the notes apart; (MIDI, seconds) of
# the legato notes; (hold, slide, drift) seconds of the glide phrase
FULL = dict(vibrato=[(57.07, 1.0, 4., 150.), (64. - .11, .8, 6., 50.),
                     (72. + .04, .7, 8., 12.)],
            legato=[(55.12, .45), (57. - .18, .4), (60.05, .45), (59. - .3, .4)],
            glide=(.35, .3, .8))
# A shorter corpus (4.9 s) for the tests, that run it with every capacity
SHORT = dict(vibrato=[(57.07, .75, 4., 150.), (64. - .11, .5, 6., 50.),
                      (72. + .04, .45, 8., 12.)],
             legato=[(55.12, .3), (57. - .18, .25), (60.05, .3)],
             glide=(.2, .2, .4))


def vibrato_phrase(rng, specification):
    """Separate notes with vibrato: (MIDI, seconds, rate Hz, cents)"""
    pieces, notes, time = [None], [], REST
    for midi, seconds, rate, cents in specification:
        t = np.arange(int(round(seconds * RATE))) / RATE
        curve = midi + cents / 100 * np.sin(2 * np.pi * rate * t + rng.uniform(0, 2 * np.pi))
        pieces += [curve, None]
        notes.append(TrueNote(time, time + seconds, midi, rate, cents))
        time += seconds + REST
    return _phrase('vibrato', pieces, notes, rng)


def arrival(start, seconds, semitones, leaving=False):
    """When a raised-cosine glide of `semitones` starting at `start` (s) and
    lasting `seconds` comes within a quarter tone of where it ends: where
    the legato note it leads to starts (torchcrepe.singing.notes, rule 4);
    with `leaving`, when it has left where it starts by a quarter tone"""
    share = 1 - 2 * (abs(semitones) - .5) / abs(semitones)
    if leaving:
        share = -share
    return start + seconds * np.arccos(share) / np.pi


def legato_phrase(rng, specification):
    """Steady detuned notes joined by SLIDE-second raised-cosine slides"""
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
        onset = arrival(time, SLIDE, midi - specification[index - 1][0]) \
            if index else time
        notes.append(TrueNote(onset, time + seconds, midi, 0., 0.))
        if index:
            notes[index - 1] = notes[index - 1]._replace(
                offset=arrival(time, SLIDE, midi - previous, leaving=True))
        time += seconds
    return _phrase('legato', [None, np.concatenate(curve), None], notes, rng)


def glide_phrase(rng, specification):
    """A portamento between two held notes, a rest, a note drifting up 60
    cents: (hold, slide, drift) seconds"""
    hold, slide, drift_seconds = specification
    t = np.arange(int(round((2 * hold + slide) * RATE))) / RATE
    position = np.clip((t - hold) / slide, 0, 1)
    portamento = 62. + 7. * (.5 - .5 * np.cos(np.pi * position))
    drift = 65. + .6 * np.arange(int(drift_seconds * RATE)) / (drift_seconds * RATE)
    middle = arrival(REST + hold, slide, 7.)
    second = REST + 2 * hold + slide + REST
    notes = [TrueNote(REST, arrival(REST + hold, slide, 7., leaving=True), 62., 0., 0.),
             TrueNote(middle, REST + 2 * hold + slide, 69., 0., 0.),
             TrueNote(second, second + drift_seconds, 65.3, 0., 0.)]
    return _phrase('glide', [None, portamento, None, drift, None], notes, rng)


def corpus(seed=0, short=False):
    """The sung phrases (a list of Phrase), the same for the same seed;
    short: the SHORT durations instead of FULL"""
    rng = np.random.default_rng(seed)
    durations = SHORT if short else FULL
    return [vibrato_phrase(rng, durations['vibrato']),
            legato_phrase(rng, durations['legato']),
            glide_phrase(rng, durations['glide'])]


def true_pitch(phrase, hop=.01):
    """The true pitch track (Hz, NaN silent) at frames centred on 0, hop,
    2 hop...: predict's framing with pad=True"""
    index = np.round(np.arange(0, len(phrase.midi), hop * RATE)).astype(int)
    return hertz(phrase.midi[index])


def match(found, truth):
    """For each true note, the found note overlapping it most (or None)"""
    matched = []
    for note in truth:
        overlaps = [min(n.offset, note.offset) - max(n.onset, note.onset) for n in found]
        best = int(np.argmax(overlaps)) if overlaps else -1
        matched.append(found[best] if best >= 0 and overlaps[best] > 0 else None)
    return matched


def exact_track(phrase):
    """(pitch Hz, periodicity) of the true pitch, as a perfect tracker's"""
    pitch = true_pitch(phrase)
    return pitch, np.where(np.isnan(pitch), 0., 1.)


def tracked_midi(pitch, periodicity):
    """MIDI (NaN unvoiced) of a pitch track, voiced at the singing threshold"""
    from torchcrepe.singing import track as tracks
    midi = np.full(len(pitch), np.nan)
    voiced = (np.nan_to_num(pitch) > 0) & (periodicity >= tracks.VOICING_THRESHOLD)
    midi[voiced] = 69 + 12 * np.log2(pitch[voiced] / 440.)
    return midi


def tracked_centre(midi, truth, hop=.01, edge=.08):
    """The tracker's own pitch of a true note: the median of the tracked
    MIDI over the note less `edge` s at each end; for a vibrato note the
    mean over whole vibrato cycles from there (the centre of the tracked
    vibrato, which the tracker may flatten more on one side than on the
    other, so that its median is not its centre)"""
    start = truth.onset + edge
    stop = truth.offset - edge
    if truth.rate:
        stop = start + np.floor((stop - start) * truth.rate) / truth.rate
    frames = midi[int(np.ceil(start / hop)):int(np.floor(stop / hop)) + 1]
    return float(np.nanmean(frames) if truth.rate else np.nanmedian(frames))


def errors(phrases, tracks, window_seconds=None):
    """Per-note errors of singing.analyse on each phrase's (pitch, periodicity)

    window_seconds: singing.analyse's (None: its default, CREPE's; 0 for
    exact pitch tracks).

    Returns a dict of lists: rate (Hz), extent (cents), extent_share (of the
    true extent), onset (s), detune (cents from the true pitch), tracked
    (cents from the tracker's own median, tracked_centre), notes (found -
    true count per phrase), false_vibrato (notes without vibrato, or with
    a swing narrower than vibrato is heard, found with it), missed_vibrato
    (notes with vibrato found without it).
    """
    from torchcrepe import singing
    result = {key: [] for key in ('rate', 'extent', 'extent_share', 'onset',
                                  'detune', 'tracked', 'notes', 'false_vibrato',
                                  'missed_vibrato')}
    for phrase, (pitch, periodicity) in zip(phrases, tracks):
        report = singing.analyse(pitch, periodicity, .01, **(
            {} if window_seconds is None else {'window_seconds': window_seconds}))
        midi = tracked_midi(pitch, periodicity)
        result['notes'].append(len(report.notes) - len(phrase.notes))
        for truth, note in zip(phrase.notes, match(report.notes, phrase.notes)):
            if note is None:
                continue
            result['onset'].append(abs(note.onset - truth.onset))
            result['detune'].append(abs(100 * (note.midi - truth.midi)))
            result['tracked'].append(abs(100 * (note.midi - tracked_centre(midi, truth))))
            result['false_vibrato'].append(bool(not truth.heard and note.vibrato is not None))
            result['missed_vibrato'].append(bool(truth.heard and note.vibrato is None))
            if truth.heard and note.vibrato is not None:
                result['rate'].append(abs(note.vibrato.rate_hz - truth.rate))
                error = abs(note.vibrato.extent_cents - truth.extent)
                result['extent'].append(error)
                result['extent_share'].append(error / truth.extent)
    return result


def track(phrases, capacity):
    """(pitch, periodicity) numpy arrays of each phrase with one capacity"""
    # weighted_viterbi and fmax=1000 until the fix of the default Viterbi's
    # edge trap (issue 11) is merged; the lead switches to the defaults then
    import torch
    import torchcrepe
    tracks = []
    for phrase in phrases:
        pitch, periodicity = torchcrepe.predict(
            torch.from_numpy(phrase.audio)[None], RATE, model=capacity, fmax=1000.,
            decoder=torchcrepe.decode.weighted_viterbi, return_periodicity=True)
        tracks.append((pitch[0].numpy(), periodicity[0].numpy()))
    return tracks


HEADER = ('| capacity | rate error, Hz | extent error, cents | extent error, % | '
          'onset error, ms | detuning error, cents | note - tracked median, '
          'cents | notes found / true | vibrato false / missed |\n'
          '|---|--:|--:|--:|--:|--:|--:|--:|--:|')


def row(capacity, found, true_count):
    """One Markdown row of errors(): median / max of each error"""
    cells = [f"{np.median(found[key]) * scale:.2f} / {np.max(found[key]) * scale:.2f}"
             for key, scale in (('rate', 1), ('extent', 1), ('extent_share', 100),
                                ('onset', 1000), ('detune', 1), ('tracked', 1))]
    return (f"| {capacity} | " + ' | '.join(cells) +
            f" | {true_count + sum(found['notes'])} / {true_count} | "
            f"{sum(found['false_vibrato']):d} / {sum(found['missed_vibrato']):d} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--capacities', nargs='+',
                        default=['tiny', 'small', 'medium', 'large', 'full'])
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--short', action='store_true',
                        help="the tests' shorter corpus (SHORT)")
    args = parser.parse_args()
    phrases = corpus(args.seed, args.short)
    true_count = sum(len(phrase.notes) for phrase in phrases)
    print(HEADER)
    for capacity in args.capacities:
        print(row(capacity, errors(phrases, track(phrases, capacity)), true_count),
              flush=True)
    exact = errors(phrases, [exact_track(phrase) for phrase in phrases], 0.)
    print(row('exact pitch (no tracker)', exact, true_count))


if __name__ == '__main__':
    main()
