"""singing.score against trained annotators on the SSVD sight-singing
takes, on constructed exercises with known answers, and its speed.

    python benchmarks/scoring.py [FOLDER] [--limit N] [--output FILE]
        [--skip-constructed] [--skip-speed]

FOLDER (default ../shared/singing/ssvd; read its README.md): the 64 takes
with a written exercise (ID_score.txt: onset s, sung MIDI, written index,
written MIDI per sung note). Each take is tracked as the command line
does (`--model small`, weighted_viterbi: benchmarks/singing_real.tracked,
pitch tracks cached under .cache/scoring/, ignored by git) and analysed
(singing.analyse through singing_real.report). The written notes go to
singing.score in written order, each one beat long at NOMINAL_BPM
(timing='free', transpose='auto': the files hold no rhythm), scored
within the annotated span (first onset - 1 s to last offset + 1 s: some
takes begin with unannotated singing). Against the annotators:

    aligned      share of written notes the annotators matched to a sung
                 note whose reported sung onset lies within MATCH_SECONDS
                 (100 ms) of that note's annotated onset (the _notes.txt
                 onset nearest the _score.txt one: the later, corrected
                 version)
    transpose    share of takes whose score.transpose equals the
                 annotators' (the rounded median of sung minus written)
    cents        over aligned notes, |cents_error (+ 1200 octave) - the
                 annotators' sung minus written (after their transposition)|:
                 the median, and the share within 15 cents
    lost         where the other written notes went: the share whose
                 annotated onset has a report note starting within 100 ms
                 (what segmentation allows), aligned 100-300 ms away,
                 aligned over 300 ms away (another sung note), missed
    report notes the same cents check for the report's own notes, each
                 annotated note against the report note whose onset is
                 nearest within 100 ms (no scoring involved): the ceiling
                 the tracker and the annotation set on `cents`
    unsung       written notes the annotators left unsung: the files give
                 them no written pitch (rows `-1 -1 index -1`), so they
                 cannot be targets and only their count is printed; missed
                 notes are measured on the constructed exercises instead

The annotation itself is measured too: its pitch against the tracked
pitch (the median of the voiced frames in the middle half of each
annotated note) and against an FFT harmonic-sum estimate that shares
nothing with the network, the share of its pitches on the 5.38 Hz bins
of an 8192-point spectrum at 44.1 kHz, its own matches that lie 0.75
semitone or more from the written note, the cents and transposition
figures again with its pitch moved by its median offset (diagnostics
only), and the tracker's own offset against vocadito's hand-corrected f0.

As the data's README asks, the annotation is first moved by the take's
integer key shift (benchmarks/ssvd.key_shift: a few takes are annotated in
another key than sung). Halves A/B are ssvd.half's (by exercise).

Constructed exercises: real sung notes (the annotated notes of the
development takes, their pitch, loudness and voicing frames as tracked)
are laid on an exercise's timeline (singing.exercise) with a known start
offset and drift of the lag, each moved by whole semitones to its target
(its own cents error kept); some targets get no note (dropped) and real
notes of other pitches are added in the rests between keys (added). Then
singing.analyse and singing.score(timing='accompanied'): the offset and
the lag at the last target must come back within 20 ms, every dropped
target must be reported missed and every added note extra.

Speed: a constructed take of 5 minutes against 1,000 targets; the time of
singing.analyse and of singing.score are printed apart.
"""
import argparse
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks import singing_real, ssvd  # noqa: E402
from benchmarks.report import publish  # noqa: E402

CACHE = os.path.join(ROOT, '.cache', 'scoring')
NOMINAL_BPM = 60.
MATCH_SECONDS = .1
# Aligned further than this from the annotated onset: another sung note
FAR_SECONDS = .3
CENTS_TOLERANCE = 15.
# A reference match this many semitones from its written note (in the
# take's key) is a wrong note sung or a match one note out
REFERENCE_OFF = .75
# The tracked pitch of an annotated note, in the tables (see STATISTICS)
MAIN_STATISTIC = 'middle half, median'
# 44.1 kHz over an 8192-point FFT: the annotation tool's bin spacing, on
# which many annotated pitches lie
ANNOTATION_BIN = 44100 / 8192
TIME_TOLERANCE = .02


def written_notes(folder, take):
    """(written MIDI (notes,) in written order, rows of _score.txt (n, 4))"""
    rows = np.loadtxt(os.path.join(folder, f'{take}_score.txt'), ndmin=2)
    written = {}
    for _, _, index, midi in rows:
        # A written pitch of -1 is unknown (one row of the data)
        if index >= 0 and midi >= 0:
            written.setdefault(int(index), float(midi))
    count = int(rows[:, 2].max()) + 1
    return [written.get(index) for index in range(count)], rows


def clock_difference(old, new):
    """Seconds to add to the _score.txt onsets `old` to reach the
    _notes.txt onsets `new`: of all pairwise differences, the one that
    brings the most onsets within MATCH_SECONDS, refined as the median of
    those; 0 when it matches no more than 0 does"""
    def matched(lag):
        return np.abs(new[None, :] - old[:, None] - lag) <= MATCH_SECONDS

    candidates = np.unique(np.round((new[None, :] - old[:, None]).ravel(), 2))
    counts = [matched(lag).any(1).sum() for lag in candidates]
    best = candidates[int(np.argmax(counts))]
    if max(counts) <= matched(0.).any(1).sum():
        return 0.
    pairs = matched(best)
    return float(np.median((new[None, :] - old[:, None])[pairs]))


def load_audio(path):
    """(audio (channels, samples), sample rate) of a file, as the package reads it"""
    import torchcrepe
    return torchcrepe.load.audio(path)


def report(folder, take):
    """The take's singing.Report (pitch track cached under CACHE)"""
    return singing_real.report(os.path.join(folder, f'{take}.flac'), 'small', cache=CACHE)


def targets_of(written):
    """Targets of the written notes, one beat each at NOMINAL_BPM; notes
    of unknown pitch (None) are left out"""
    from torchcrepe import singing
    beat = 60. / NOMINAL_BPM
    return [singing.Target(index * beat, (index + 1) * beat, midi)
            for index, midi in enumerate(written) if midi is not None]


def evaluate_take(folder, take, found=None):
    """Figures of one take: dict with aligned, notes, cents (list of
    |difference| of aligned notes), own (the same for the report's own
    notes), transpose_right, shift, fix, unsung, the Score, and the
    annotated intervals and midi (with the key fix applied) that `pairs`
    (written index -> annotated note) points into"""
    from torchcrepe import singing
    found = report(folder, take) if found is None else found
    written, rows = written_notes(folder, take)
    intervals, midi = ssvd.annotated(folder, take)
    notes = [note for note in found.notes]
    estimate = (np.array([[note.onset, note.offset] for note in notes]).reshape(-1, 2),
                np.array([note.midi for note in notes]))
    fix = ssvd.key_shift((intervals, midi), estimate)
    midi = midi + fix
    span = (intervals[0, 0] - ssvd.SPAN_MARGIN, intervals[-1, 1] + ssvd.SPAN_MARGIN)
    known = [index for index, value in enumerate(written) if value is not None]
    result = singing.score(found, targets_of(written), timing='free', transpose='auto',
                           span=span)
    by_index = {index: note for index, note in zip(known, result.notes)}
    # The annotators' sung note of each written note: the _notes.txt note
    # whose onset is nearest the _score.txt one, once the two files' clocks
    # agree (some _score.txt files run a constant few seconds apart)
    lag = clock_difference(rows[:, 0], intervals[:, 0])
    pairs = {int(index): int(np.argmin(np.abs(intervals[:, 0] - onset - lag)))
             for onset, _, index, _ in rows
             if index >= 0 and written[int(index)] is not None}
    annotated = {index: (intervals[nearest, 0], midi[nearest])
                 for index, nearest in pairs.items()}
    differences = np.array([annotated[index][1] - written[index] for index in annotated])
    shift = int(np.round(np.median(differences)))
    aligned, cents, signed = 0, [], []
    # Where the others went: reported missed, or aligned to a sung onset
    # 100-300 ms away (the onset placed otherwise) or further (another note)
    lost = {'missed': 0, 'near': 0, 'far': 0}
    report_onsets = np.array([note.onset for note in notes])
    ceiling = sum(bool(len(report_onsets)) and
                  np.min(np.abs(report_onsets - onset)) <= MATCH_SECONDS
                  for onset, _ in annotated.values())
    for index, (onset, sung_midi) in annotated.items():
        note = by_index[index]
        if note['sung'] is None:
            lost['missed'] += 1
            continue
        off = abs(note['sung']['onset'] - onset)
        if off > MATCH_SECONDS:
            lost['near' if off <= FAR_SECONDS else 'far'] += 1
            continue
        aligned += 1
        theirs = 100 * (sung_midi - written[index] - shift)
        ours = note['cents_error'] + 1200 * note['octave']
        ours += 100 * (result.transpose - shift)
        cents.append(abs(ours - theirs))
        signed.append(ours - theirs)
    # For reference, the report's own notes against the annotated pitch:
    # |difference| in cents of each annotated note whose nearest report
    # note onset lies within MATCH_SECONDS (no alignment involved)
    own = []
    for (onset, _), value in zip(intervals, midi):
        if len(notes):
            nearest = int(np.argmin(np.abs(estimate[0][:, 0] - onset)))
            if abs(estimate[0][nearest, 0] - onset) <= MATCH_SECONDS:
                own.append(abs(100 * (estimate[1][nearest] - value)))
    return {'aligned': aligned, 'notes': len(annotated), 'cents': cents, 'own': own,
            'transpose_right': result.transpose == shift, 'shift': shift, 'fix': fix,
            'unsung': int(((rows[:, 2] >= 0) & (rows[:, 0] < 0)).sum()),
            'ceiling': ceiling, **lost, 'score': result,
            'differences': differences, 'signed': np.array(signed), 'pairs': pairs,
            'written': written, 'intervals': intervals, 'midi': midi,
            'offsets': annotation_offsets(found.track, intervals, midi),
            'grid': on_grid(midi - fix),
            **reference_checks(annotated, written, shift, by_index, result.transpose)}


# Per-note pitch statistics of the tracked frames inside an annotated
# note (MIDI (frames,) in time order, loudness dB or None) -> MIDI
STATISTICS = {
    'middle half, median': lambda midi, _: np.median(midi[len(midi) // 4:
                                                          max(3 * len(midi) // 4, 1)]),
    'median': lambda midi, _: np.median(midi),
    'mean in Hz': lambda midi, _: 69 + 12 * np.log2(np.mean(2 ** ((midi - 69) / 12))),
    '75th percentile': lambda midi, _: np.percentile(midi, 75),
    '90th percentile': lambda midi, _: np.percentile(midi, 90),
    'maximum': lambda midi, _: np.max(midi),
    'first quarter, median': lambda midi, _: np.median(midi[:len(midi) // 4 + 1]),
    'last quarter, median': lambda midi, _: np.median(midi[3 * len(midi) // 4:]),
    'loudest fifth, median': lambda midi, loud: np.median(
        midi[np.argsort(loud)[-max(3, len(midi) // 5):]]) if loud is not None else np.nan,
    'mid-range after the first eighth': lambda midi, _: (
        np.max(midi[len(midi) // 8:]) + np.min(midi[len(midi) // 8:])) / 2}


def annotation_offsets(track, intervals, midi):
    """{statistic: (notes,) cents of each annotated pitch (key-fixed MIDI)
    above that STATISTICS entry of the voiced tracked frames inside the
    annotated note}; notes of under 10 such frames are left out"""
    times = track.times()
    offsets = {name: [] for name in STATISTICS}
    for (onset, offset), value in zip(intervals, midi):
        inside = (times >= onset) & (times < offset) & track.voiced
        if inside.sum() < 10:
            continue
        loudness = None if track.loudness is None else track.loudness[inside]
        for name, statistic in STATISTICS.items():
            offsets[name].append(100 * (value - statistic(track.midi[inside], loudness)))
    return {name: np.array(values) for name, values in offsets.items()}


def harmonic_offsets(audio, sample_rate, intervals, midi):
    """(notes,) cents of each annotated pitch above an estimate that
    shares nothing with the network: the f0 within +-1 semitone of the
    annotation whose first five harmonics have the largest summed log
    magnitude in a 2**18-point spectrum of the note's middle (Hann, up
    to 0.4 s), for notes of 0.3 s or more (NaN for shorter ones)"""
    signal = audio.numpy().mean(0)
    spectrum_size = 2 ** 18
    bins = np.fft.rfftfreq(spectrum_size, 1 / sample_rate)
    cents = np.arange(-100, 100.5, .5)
    harmonics = np.arange(1, 6)
    offsets = []
    for (onset, offset), value in zip(intervals, midi):
        if offset - onset < .3:
            offsets.append(np.nan)
            continue
        centre, width = (onset + offset) / 2, min(.4, (offset - onset) / 2)
        piece = signal[int((centre - width / 2) * sample_rate):
                       int((centre + width / 2) * sample_rate)]
        magnitude = np.abs(np.fft.rfft(piece * np.hanning(len(piece)), spectrum_size))
        f0 = 440 * 2 ** ((value - 69) / 12) * 2 ** (cents / 1200)
        partials = f0[:, None] * harmonics[None, :]
        strength = np.log(np.interp(partials, bins, magnitude) + 1e-9).sum(1)
        offsets.append(-cents[int(np.argmax(strength))])
    return np.array(offsets)


def harmonic_shift(row):
    """The key shift (semitones) of a take by the FFT estimate: the median
    over written notes of the annotated sung note's FFT pitch minus the
    written pitch, rounded; None where no matched note has an estimate"""
    differences = [row['midi'][nearest] - row['harmonic'][nearest] / 100
                   - row['written'][index] for index, nearest in row['pairs'].items()
                   if np.isfinite(row['harmonic'][nearest])]
    return int(np.round(np.median(differences))) if differences else None


def folded(semitones):
    """Semitones folded into [-6, 6): octave errors set aside"""
    return (np.asarray(semitones) + 6) % 12 - 6


def reference_checks(annotated, written, shift, by_index, transpose):
    """Counts that test the reference's own matching: `off` written notes
    whose annotated sung note lies REFERENCE_OFF semitones or more from
    the written pitch in the annotators' key (octaves set aside: a wrong
    note sung, or a match one note out), and `far_ours_fit`: those of
    them aligned over FAR_SECONDS from the annotated onset to a sung
    note within half a semitone of the written pitch in our key"""
    off = far_fit = 0
    for index, (onset, sung_midi) in annotated.items():
        wrong = abs(folded(sung_midi - written[index] - shift)) >= REFERENCE_OFF
        off += wrong
        sung = by_index[index]['sung']
        if wrong and sung is not None and abs(sung['onset'] - onset) > FAR_SECONDS:
            far_fit += abs(folded(sung['midi'] - written[index] - transpose)) < .5
    return {'reference_off': int(off), 'far_ours_fit': int(far_fit)}


def halves(results):
    """(name, rows) for half A, half B and all, each with at least one
    take, of results [(half, row)]"""
    for name in ('A', 'B', 'all'):
        rows = [row for half, row in results if name in (half, 'all')]
        if rows:
            yield name, rows


def table(results):
    """Markdown lines of the SSVD figures per half and for all"""
    lines = ['| half | takes | targets | aligned (100 ms) | transposition right | '
             'median abs cents diff | within 15 cents | report notes within 15 cents '
             '| unsung (not scorable) |',
             '|---|--:|--:|--:|--:|--:|--:|--:|--:|']
    for name, rows in halves(results):
        notes = sum(row['notes'] for row in rows)
        aligned = sum(row['aligned'] for row in rows)
        cents = np.concatenate([row['cents'] for row in rows]) if notes else np.zeros(0)
        right = np.mean([row['transpose_right'] for row in rows])
        unsung = sum(row['unsung'] for row in rows)
        own = np.concatenate([row['own'] for row in rows])
        lines.append(
            f'| {name} | {len(rows)} | {notes} | {aligned / notes:.3f} | {right:.3f} | '
            f'{np.median(cents):.1f} | {np.mean(cents <= CENTS_TOLERANCE):.3f} | '
            f'{np.mean(own <= CENTS_TOLERANCE):.3f} | {unsung} |')
    lines += ['', '| half | aligned (100 ms) | a report note starts within 100 ms of the '
              'annotated onset | aligned 100-300 ms away | aligned over 300 ms away '
              '(another sung note) | reported missed |', '|---|--:|--:|--:|--:|--:|']
    for name, rows in halves(results):
        notes = sum(row['notes'] for row in rows)
        if not notes:
            continue
        share = [sum(row[key] for row in rows) / notes
                 for key in ('aligned', 'ceiling', 'near', 'far', 'missed')]
        lines.append(f'| {name} | ' + ' | '.join(f'{value:.3f}' for value in share) + ' |')
    return lines


def on_grid(midi):
    """(notes,) bool: annotated pitches within 0.05 of a multiple of
    ANNOTATION_BIN Hz"""
    bins = 440 * 2 ** ((np.asarray(midi) - 69) / 12) / ANNOTATION_BIN
    return np.abs(bins - np.round(bins)) < .05


def tracker_bias(folder=singing_real.DEFAULT_FOLDER):
    """Median cents of the tracked pitch (`small`, as above) above the
    hand-corrected f0 of vocadito's first 16 s, over the frames voiced in
    both; None without the files"""
    audio_file = os.path.join(folder, 'vocadito_1_first16s.wav')
    f0_file = os.path.join(folder, 'vocadito_1_first16s_f0.csv')
    if not (os.path.isfile(audio_file) and os.path.isfile(f0_file)):
        return None
    _, _, pitch, periodicity, _ = singing_real.tracked(audio_file, 'small')
    reference = np.loadtxt(f0_file, delimiter=',', ndmin=2)
    times = np.arange(pitch.shape[-1]) * .01
    tracked = np.interp(reference[:, 0], times, pitch[0].numpy())
    voiced = (reference[:, 1] > 0) & (np.interp(reference[:, 0], times,
                                               periodicity[0].numpy()) > .3)
    return float(np.median(1200 * np.log2(tracked[voiced] / reference[voiced, 1])))


def annotation_table(results):
    """Markdown lines: what the annotation itself allows (its pitch
    against the tracked pitch, its own matches against the written notes)"""
    lines = ['| half | annotated notes | annotated pitch above tracked, median cents | '
             'within 15 cents | within 15 cents, each take\'s median offset removed | '
             f'on the {ANNOTATION_BIN:.2f} Hz grid | reference matches >= '
             f'{REFERENCE_OFF:g} semitone off the written note | aligned over 300 ms away | '
             'of those, reference off and ours within 50 cents of written |',
             '|---|--:|--:|--:|--:|--:|--:|--:|--:|']
    for name, rows in halves(results):
        offsets = np.concatenate([row['offsets'][MAIN_STATISTIC] for row in rows])
        centred = np.concatenate([row['offsets'][MAIN_STATISTIC]
                                  - np.median(row['offsets'][MAIN_STATISTIC])
                                  for row in rows if len(row['offsets'][MAIN_STATISTIC])])
        grid = np.concatenate([row['grid'] for row in rows])
        notes = sum(row['notes'] for row in rows)
        lines.append(
            f'| {name} | {len(offsets)} | {np.median(offsets):+.1f} | '
            f'{np.mean(np.abs(offsets) <= CENTS_TOLERANCE):.3f} | '
            f'{np.mean(np.abs(centred) <= CENTS_TOLERANCE):.3f} | {grid.mean():.3f} | '
            f'{sum(row["reference_off"] for row in rows) / notes:.3f} | '
            f'{sum(row["far"] for row in rows)} | '
            f'{sum(row["far_ours_fit"] for row in rows)} |')
    harmonic = np.concatenate([row['harmonic'] for _, row in results])
    harmonic = harmonic[np.isfinite(harmonic)]
    lines += ['', f'Annotated pitch above an FFT harmonic-sum estimate of the same notes '
              f'(the {len(harmonic)} notes of 0.3 s or more): median {np.median(harmonic):+.1f} '
              f'cents, within 15 cents {np.mean(np.abs(harmonic) <= CENTS_TOLERANCE):.3f}.']
    # The annotators' key shift again, with their pitch moved down by its
    # median offset from the tracked pitch
    lines += ['', '| tracked pitch of a note | annotated above it, median cents | within 15 '
              'cents | within 15 cents, that median removed |', '|---|--:|--:|--:|']
    for name in STATISTICS:
        offsets = np.concatenate([row['offsets'][name] for _, row in results])
        lines.append(f'| {name} | {np.median(offsets):+.1f} | '
                     f'{np.mean(np.abs(offsets) <= CENTS_TOLERANCE):.3f} | '
                     f'{np.mean(np.abs(offsets - np.median(offsets)) <= CENTS_TOLERANCE):.3f} |')
    centre = np.median(np.concatenate([row['offsets'][MAIN_STATISTIC]
                                       for _, row in results])) / 100
    right = [int(np.round(np.median(row['differences']) - centre)) == row['score'].transpose
             for _, row in results]
    signed = np.concatenate([row['signed'] for _, row in results]) + 100 * centre
    lines += ['', f'cents_error within 15 cents of the annotators\' with their pitch moved '
              f'by that median offset: {np.mean(np.abs(signed) <= CENTS_TOLERANCE):.3f} of '
              f'{len(signed)} aligned notes (as annotated: '
              f'{np.mean(np.abs(signed - 100 * centre) <= CENTS_TOLERANCE):.3f}).']
    lines += ['', f'Transposition right against the annotators\' key shift recomputed with '
              f'their pitch moved by that median offset: {sum(right)} of {len(right)} takes '
              f'(as annotated: {sum(row["transpose_right"] for _, row in results)}).']
    keys = [(harmonic_shift(row), row['score'].transpose, row['shift']) for _, row in results]
    keys = [key for key in keys if key[0] is not None]
    lines += ['', f'Transposition from the FFT estimate of the annotated notes (the median of '
              f'its pitch minus the written one, rounded; no network involved), on the '
              f'{len(keys)} takes with notes of 0.3 s or more: equal to score.transpose on '
              f'{sum(fft == ours for fft, ours, _ in keys)}, to the annotators\' on '
              f'{sum(fft == theirs for fft, _, theirs in keys)}.']
    bias = tracker_bias()
    if bias is not None:
        lines += ['', f'The same tracking against a hand-corrected f0 (vocadito track 1, '
                  f'first 16 s): median {bias:+.1f} cents.']
    return lines


###############################################################################
# Constructed exercises
###############################################################################


def note_pieces(folder, take, found):
    """[(pitch Hz (frames,), loudness dB (frames,), annotated MIDI)] of the
    take's annotated notes: the tracked frames from the annotated onset to
    the offset, voiced frames only at their ends trimmed"""
    track = found.track
    hertz = found.tuning_hz * 2 ** ((track.midi - 69) / 12)
    intervals, midi = ssvd.annotated(folder, take)
    pieces = []
    for (onset, offset), value in zip(intervals, midi):
        first = int(np.ceil((onset - track.start) / track.hop))
        last = int(np.floor((offset - track.start) / track.hop))
        if last - first < 20:
            continue
        voiced = track.voiced[first:last]
        if voiced.mean() < .8 or not voiced[0]:
            continue
        pieces.append((hertz[first:last].copy(), track.loudness[first:last].copy(),
                       float(value), found.tuning_hz))
    return pieces


def construct(pieces, targets, offset, drift, dropped, added, hop, seed):
    """(pitch Hz, loudness dB) of a take singing `targets` with real note
    pieces: each target's note starts at onset + offset + drift * onset /
    60 (drift: s of lag gained per minute) and lasts its duration less a
    short breath; targets in `dropped` get none; `added` ((time s, MIDI))
    are extra notes. Returns also the placed note times."""
    rng = np.random.default_rng(seed)
    end = targets[-1].offset + offset + drift * targets[-1].offset / 60 + 2
    frames = int(end / hop)
    pitch = np.full(frames, np.nan)
    loudness = np.full(frames, -90.)

    def place(time, midi, length):
        hertz, loud, sung, tuning = pieces[rng.integers(len(pieces))]
        sung_midi = 69 + 12 * np.log2(hertz / tuning)
        # Whole semitones to the target; the singer's cents error is kept
        moved = sung_midi + round(midi - sung)
        count = min(len(moved), int(length / hop))
        first = int(round(time / hop))
        pitch[first:first + count] = 440 * 2 ** ((moved[:count] - 69) / 12)
        loudness[first:first + count] = loud[:count]

    for index, target in enumerate(targets):
        if index in dropped:
            continue
        place(target.onset + offset + drift * target.onset / 60, target.midi,
              target.offset - target.onset - .08)
    for time, midi in added:
        place(time + offset + drift * time / 60, midi, .35)
    return pitch, loudness


def constructed(pieces, repeats=12):
    """Rows of (case, offset error s, end lag error s, dropped found, added
    found) over constructed exercises"""
    from torchcrepe import singing
    hop = .01
    rows = []
    cases = [('five-tone scale', [0, 2, 4, 5, 7, 5, 4, 2, 0], 'C3', 90, 3),
             ('arpeggio', [0, 4, 7, 12, 12, 12, 12, 7, 4, 0], 'G3', 120, 2),
             ('octave scale', [0, 2, 4, 5, 7, 9, 11, 12, 11, 9, 7, 5, 4, 2, 0], 'A3', 150, 1)]
    for number in range(repeats):
        name, pattern, start, bpm, keys = cases[number % len(cases)]
        rng = np.random.default_rng(number)
        targets = singing.exercise(pattern, start, bpm, keys=keys, lead_in=2)
        offset = float(rng.uniform(-.9, .9))
        drift = float(rng.uniform(-.3, .3))
        dropped = set(rng.choice(np.arange(1, len(targets) - 1), 3, replace=False).tolist())
        beat = 60 / bpm
        # Extra notes in the rests between keys, a fifth above the key's end
        ends = [index for index in range(len(targets) - 1)
                if targets[index + 1].onset - targets[index].offset > beat / 2]
        added = [(targets[index].offset + .1, targets[index].midi + 7) for index in ends]
        pitch, loudness = construct(pieces, targets, offset, drift, dropped, added, hop,
                                    number)
        found = singing.analyse(pitch, None, hop, loudness=loudness)
        result = singing.score(found, targets, timing='accompanied')
        span = targets[-1].onset - targets[0].onset
        end_lag = result.offset + result.drift * span / 60
        true_end = offset + drift * targets[-1].onset / 60
        true_start = offset + drift * targets[0].onset / 60
        missed = {note['index'] for note in result.notes if note['sung'] is None}
        extras = [extra for note in result.notes for extra in note['extra']] + result.extra
        found_added = sum(any(abs(extra['onset'] - (time + offset + drift * time / 60)) < .1
                              for extra in extras) for time, _ in added)
        rows.append((name, result.offset - true_start, end_lag - true_end,
                     len(dropped & missed), len(dropped), len(missed - dropped),
                     found_added, len(added)))
    return rows


def speed(pieces):
    """(seconds of analyse, seconds of score) for 5 minutes against 1,000
    targets"""
    from torchcrepe import singing
    hop = .01
    targets = singing.exercise([0, 2, 4, 5, 7, 9, 11, 12, 11, 9, 7, 5, 4, 2, 0, 0, 0, 0, 0, 0],
                               'C3', 200, keys=list(range(-12, 13)) * 2, gap=0)[:1000]
    pitch, loudness = construct(pieces, targets, .3, .1, set(), [], hop, 0)
    started = time.perf_counter()
    found = singing.analyse(pitch, None, hop, loudness=loudness)
    analysed = time.perf_counter()
    result = singing.score(found, targets, timing='accompanied')
    scored = time.perf_counter()
    auto_start = time.perf_counter()
    singing.score(found, targets, timing='free', transpose='auto')
    auto = time.perf_counter() - auto_start
    return (len(pitch) * hop, len(targets), analysed - started, scored - analysed, auto,
            result.summary['hit_share'])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('folder', nargs='?', default=ssvd.DEFAULT_FOLDER)
    parser.add_argument('--limit', type=int, help='only the first N takes')
    parser.add_argument('--output', help='also write the tables to this file')
    parser.add_argument('--skip-constructed', action='store_true')
    parser.add_argument('--skip-speed', action='store_true')
    args = parser.parse_args()
    if not os.path.isdir(args.folder):
        parser.error(f'{args.folder} is not a folder (see --help)')
    names = [take for take in ssvd.takes(args.folder)
             if os.path.isfile(os.path.join(args.folder, f'{take}_score.txt'))][:args.limit]
    results, pieces = [], []
    for take in names:
        found = report(args.folder, take)
        row = evaluate_take(args.folder, take, found)
        audio, sample_rate = load_audio(os.path.join(args.folder, f'{take}.flac'))
        row['harmonic'] = harmonic_offsets(audio, sample_rate, row['intervals'], row['midi'])
        results.append((ssvd.half(args.folder, take), row))
        pieces += note_pieces(args.folder, take, found)
        print(take, ssvd.half(args.folder, take), f'aligned {row["aligned"]}/{row["notes"]}',
              f'transpose {row["score"].transpose} vs {row["shift"]} (fix {row["fix"]}, '
              f'FFT {harmonic_shift(row)})',
              f'cents within 15: {np.mean(np.array(row["cents"]) <= 15):.2f}',
              file=sys.stderr, flush=True)
    lines = [f'SSVD takes with a written exercise, singing.score(timing=\'free\', '
             f"transpose='auto'), written notes one beat each at {NOMINAL_BPM:g} BPM; "
             'pitch tracks of --model small (weighted_viterbi).', ''] + table(results)
    lines += ['', 'What the annotation allows:', ''] + annotation_table(results)
    if not args.skip_constructed and pieces:
        rows = constructed(pieces)
        lines += ['', 'Constructed exercises (real sung notes, known offset and drift, '
                  'accompanied):', '',
                  '| exercise | offset error ms | end-lag error ms | dropped reported missed | '
                  'other targets missed | added reported extra |',
                  '|---|--:|--:|--:|--:|--:|']
        for name, start_error, end_error, hit, dropped, wrong, found, added in rows:
            lines.append(f'| {name} | {1000 * start_error:+.1f} | {1000 * end_error:+.1f} | '
                         f'{hit}/{dropped} | {wrong} | {found}/{added} |')
    if not args.skip_speed and pieces:
        seconds, count, analysed, scored, auto, hit = speed(pieces)
        lines += ['', f'Speed: a {seconds / 60:.1f}-minute constructed take against '
                  f'{count} targets: singing.analyse {analysed:.2f} s, singing.score '
                  f'{scored:.2f} s (accompanied; free with transpose=auto {auto:.2f} s); '
                  f'hit share {hit:.3f}.']
    publish('\n'.join(lines), args.output)


if __name__ == '__main__':
    main()
