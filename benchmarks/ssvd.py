"""The singing report's notes against trained annotators on the SSVD
sight-singing takes, in two halves.

    python benchmarks/ssvd.py [FOLDER] [--capacity small] [--limit N]
        [--output FILE] [--pitch-offset CENTS]

FOLDER (default ../shared/singing/ssvd; read its README.md) holds 130
takes (ID.flac) with the notes as sung (ID_notes.txt: onset s, offset s,
fractional MIDI) and, for 64, the written exercise (ID_score.txt). Each
take goes through what `python -m torchcrepe --model CAPACITY
--singing_report` runs (benchmarks/singing_real.report: the same pitch
settings and analysis, pitch tracks cached the same way), and its notes
are scored with mir_eval.transcription as singing_real.py scores them:
onset F1 (50 ms), COnP (and pitch within 50 cents), COnPOff (and the
offset).

As the data's README asks:
- only reported notes whose onset lies within the annotated span (first
  onset - 1 s .. last offset + 1 s) are scored: some takes have
  unannotated singing before the exercise;
- the annotation is moved by the take's integer key shift, the median
  difference (rounded) between each annotated note and the reported note
  whose onset is nearest within 100 ms, when at least three match; a
  take with another shift than 0 is counted in the output.

Halves: the data names no singer, so takes are split by exercise. Takes
with a written exercise (ID_score.txt) are grouped by its melody (the
written notes' intervals, so a transposed exercise is the same), the
others each form a group; groups go to half A or B by a hash of the group,
so that no exercise lies in both. The figures are means over the takes of
each half, and over all.

--pitch-offset CENTS (a diagnostic, default 0) moves every annotated
pitch down by CENTS before scoring: the annotated pitch sits a median
20.4 cents above the audio's (benchmarks/scoring.py measures it), so
`--pitch-offset 20.4` shows how much of the COnP gap that offset holds.
"""
import argparse
import hashlib
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks import singing_real  # noqa: E402
from benchmarks.report import publish  # noqa: E402

DEFAULT_FOLDER = os.path.join(ROOT, '..', 'shared', 'singing', 'ssvd')
SPAN_MARGIN = 1.
MATCH_SECONDS = .1
MEASURES = ('onset', 'conp', 'conpoff')


def takes(folder):
    """The IDs of the takes that have notes, in sorted order"""
    return sorted(name[:-len('_notes.txt')] for name in os.listdir(folder)
                  if name.endswith('_notes.txt'))


def annotated(folder, take, pitch_offset=0.):
    """(intervals (notes, 2) s, midi (notes,)) of a take's notes, the
    pitch moved down by `pitch_offset` cents"""
    rows = np.loadtxt(os.path.join(folder, f'{take}_notes.txt'), ndmin=2)
    return rows[:, :2], rows[:, 2] - pitch_offset / 100


def half(folder, take):
    """'A' or 'B': the half of the take's exercise"""
    path = os.path.join(folder, f'{take}_score.txt')
    group = f'take {take}'
    if os.path.isfile(path):
        rows = np.loadtxt(path, ndmin=2)
        written = {}
        for _, _, index, midi in rows:
            if index >= 0:
                written.setdefault(int(index), midi)
        melody = [written[index] for index in sorted(written)]
        group = 'exercise ' + ' '.join(f'{b - a:g}' for a, b in zip(melody, melody[1:]))
    return 'AB'[hashlib.sha1(group.encode()).digest()[0] % 2]


def key_shift(reference, estimate):
    """The integer number of semitones to add to the annotation"""
    (ref_intervals, ref_midi), (est_intervals, est_midi) = reference, estimate
    differences = []
    for onset, midi in zip(ref_intervals[:, 0], ref_midi):
        if len(est_intervals) == 0:
            break
        nearest = int(np.argmin(np.abs(est_intervals[:, 0] - onset)))
        if abs(est_intervals[nearest, 0] - onset) <= MATCH_SECONDS:
            differences.append(est_midi[nearest] - midi)
    return int(np.round(np.median(differences))) if len(differences) >= 3 else 0


def score(folder, take, capacity, cache=singing_real.CACHE, pitch_offset=0.):
    """({measure: F1}, key shift) of one take; pitch tracks cached under
    `cache` (None: not cached); the annotated pitch moved down by
    `pitch_offset` cents"""
    found = singing_real.report(os.path.join(folder, f'{take}.flac'), capacity,
                                cache=cache)
    intervals, hertz = singing_real.report_notes(found)
    midi = 69 + 12 * np.log2(hertz / found.tuning_hz) if len(hertz) else hertz
    ref_intervals, ref_midi = annotated(folder, take, pitch_offset)
    low, high = ref_intervals[0, 0] - SPAN_MARGIN, ref_intervals[-1, 1] + SPAN_MARGIN
    keep = (intervals[:, 0] >= low) & (intervals[:, 0] <= high)
    intervals, midi = intervals[keep], midi[keep]
    shift = key_shift((ref_intervals, ref_midi), (intervals, midi))
    reference = (ref_intervals, found.tuning_hz * 2 ** ((ref_midi + shift - 69) / 12))
    estimate = (intervals, found.tuning_hz * 2 ** ((midi - 69) / 12))
    scores = singing_real.note_scores(reference, estimate)
    return {name: scores[name][2] for name in MEASURES}, shift


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('folder', nargs='?', default=DEFAULT_FOLDER)
    parser.add_argument('--capacity', default='small')
    parser.add_argument('--limit', type=int, help='only the first N takes')
    parser.add_argument('--output', help='also write the table to this file')
    parser.add_argument('--pitch-offset', type=float, default=0., metavar='CENTS',
                        help='move the annotated pitch down by CENTS (a diagnostic)')
    args = parser.parse_args()
    if not os.path.isdir(args.folder):
        parser.error(f'{args.folder} is not a folder (see --help)')
    results = {'A': [], 'B': []}
    shifted = 0
    for take in takes(args.folder)[:args.limit]:
        figures, shift = score(args.folder, take, args.capacity,
                               pitch_offset=args.pitch_offset)
        results[half(args.folder, take)].append(figures)
        shifted += shift != 0
        print(take, shift, {name: round(value, 3) for name, value in figures.items()},
              file=sys.stderr, flush=True)
    lines = [f'SSVD, --model {args.capacity} --singing_report, everything else '
             f'default; mean F1 over takes, within the annotated span, after '
             f'each take\'s integer key shift ({shifted} takes shifted)'
             + (f'; annotated pitch moved down by {args.pitch_offset:g} cents'
                if args.pitch_offset else '') + '.', '',
             '| half | takes | onset | COnP | COnPOff |', '|---|--:|--:|--:|--:|']
    for name, rows in (('A', results['A']), ('B', results['B']),
                       ('all', results['A'] + results['B'])):
        means = [np.mean([row[measure] for row in rows]) for measure in MEASURES]
        lines.append(f'| {name} | {len(rows)} | '
                     + ' | '.join(f'{value:.3f}' for value in means) + ' |')
    publish('\n'.join(lines), args.output)


if __name__ == '__main__':
    main()
