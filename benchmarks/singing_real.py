"""The singing report against people, on real singing, per capacity.

    python benchmarks/singing_real.py [FOLDER] [--capacities tiny small ...]
        [--seconds S] [--no-cache] [--per-file] [--sensitivity]
        [--pictures DIRECTORY]

FOLDER (default ../shared/singing from the repository root; it is not in
the wheel) holds real singing with people's marks (its README.md):
    vocadito_1_first16s.wav   notes by two musicians (_notesA1.csv,
                              _notesA2.csv: onset s, pitch Hz, duration s)
    vibrato/NAME.wav          vibrato marked by researchers (NAME.txt: time,
                              time, vib_on|vib_off, decimal commas)
Each file goes through what `python -m torchcrepe --model CAPACITY
--singing_report take.json` runs, everything else default: the same pitch
settings (cli.files.plan, cli.common.settings: weighted_viterbi, fmin
50 Hz, fmax 2006 Hz, 10 ms hop) and the same analysis
(cli.singing.analysis).

Prints per capacity (Markdown):
    notes   mir_eval.transcription F1 of the report's notes against each
            musician (A1, A2), and of A2 against A1: onset only, COnP
            (onset within 50 ms and pitch within 50 cents) and COnPOff
            (also the offset within 20 % of the note or 50 ms, mir_eval's
            default), as Molina et al. (ISMIR 2014) score sung notes
    vibrato precision, recall and F1 of frames (the report's 10 ms frames)
            inside a reported vibrato span against frames between a vib_on
            and the next vib_off, pooled over the files
Pitch tracks (pitch and periodicity per frame) are cached per
file and capacity under .cache/singing_real/ (ignored by git), so that
rerunning the analysis takes seconds; --no-cache recomputes them.
`evaluate` is the function the tests call on a short excerpt (--seconds).
--sensitivity then moves each threshold of the analysis by 20 % each way
in turn (small) and prints the figures; --pictures draws the report
picture of every recording, and of the vocadito excerpts joined (38 s).
The README's "On real singing" tables are this command's output.
"""
import argparse
import hashlib
import os
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_FOLDER = os.path.join(ROOT, '..', 'shared', 'singing')
CACHE = os.path.join(ROOT, '.cache', 'singing_real')
NOTES = 'vocadito_1_first16s'
MUSICIANS = ('A1', 'A2')
# mir_eval.transcription's settings (Molina et al. 2014): onsets within
# 50 ms, pitch within 50 cents; offsets within 20 % of the reference note
# or 50 ms, whichever is longer (mir_eval's defaults)
ONSET_TOLERANCE = .05
PITCH_TOLERANCE = 50.


###############################################################################
# People's marks
###############################################################################


def read_notes(path, seconds=None):
    """(intervals (notes, 2) s, pitches (notes,) Hz) of a notes .csv (onset,
    pitch, duration); with `seconds`, only notes that end by then"""
    rows = np.loadtxt(path, delimiter=',', ndmin=2)
    intervals = np.stack([rows[:, 0], rows[:, 0] + rows[:, 2]], 1)
    keep = np.ones(len(rows), bool) if seconds is None else intervals[:, 1] <= seconds
    return intervals[keep], rows[keep, 1]


def read_vibrato(path, seconds=None):
    """[(start, end)] s of the marked vibrato: from a vib_on to the next
    vib_off (decimal commas); with `seconds`, clipped to it"""
    spans, start = [], None
    with open(path, encoding='utf-8') as file:
        for line in file:
            fields = line.split()
            if len(fields) < 3:
                continue
            time = float(fields[0].replace(',', '.'))
            if fields[2] == 'vib_on' and start is None:
                start = time
            elif fields[2] == 'vib_off' and start is not None:
                spans.append((start, time))
                start = None
    if seconds is not None:
        spans = [(start, min(end, seconds)) for start, end in spans if start < seconds]
    return spans


def vibrato_files(folder):
    """Names (without .wav) of the vibrato recordings with marks"""
    directory = os.path.join(folder, 'vibrato')
    return sorted(name[:-4] for name in os.listdir(directory)
                  if name.endswith('.wav') and
                  os.path.exists(os.path.join(directory, name[:-4] + '.txt')))


###############################################################################
# The command line's pitch tracks and reports
###############################################################################


def command(audio_file, capacity):
    """The checked plan (cli.files.Plan) of `python -m torchcrepe
    --audio_files FILE --model CAPACITY --singing_report take.json`"""
    from torchcrepe import cli
    from torchcrepe.cli import files
    return files.plan(cli.parse_args([
        '--audio_files', audio_file, '--model', capacity, '--singing_report',
        os.path.join(tempfile.gettempdir(), 'take.json')]))


def tracked(audio_file, capacity, seconds=None, cache=CACHE):
    """(audio (1, time), sample rate, pitch (1, frames), periodicity,
    loudness) of the first `seconds` of a file (all of it for None), as the
    command line computes them; pitch tracks cached under `cache` (None:
    no cache) by audio content, capacity and version"""
    import torchcrepe
    audio, sample_rate = torchcrepe.load.audio(audio_file)
    if seconds is not None:
        audio = audio[:, :int(round(seconds * sample_rate))]
    return (audio, sample_rate) + track_audio(
        os.path.basename(audio_file), audio, sample_rate, capacity, cache)


def track_audio(name, audio, sample_rate, capacity, cache=CACHE):
    """(pitch, periodicity, loudness), each (1, frames), of audio as the
    command line computes them for a file called `name`; the pitch track
    is cached, the loudness (cheap) always computed"""
    import torch
    import torchcrepe
    from torchcrepe.cli import common, singing
    plan = command(name, capacity)
    loudness = singing.loudness_of(plan.singing, audio, sample_rate)
    path = None
    if cache is not None:
        digest = hashlib.sha1(audio.numpy().tobytes()).hexdigest()[:16]
        path = os.path.join(cache, f'{name}.{capacity}.{digest}.'
                            f'{torchcrepe.__version__}.npz')
        if os.path.exists(path):
            saved = np.load(path)
            return tuple(torch.from_numpy(saved[key])
                         for key in ('pitch', 'periodicity')) + (loudness,)
    pitch, periodicity = torchcrepe.pipeline.track(
        audio, sample_rate, common.settings(plan.options))
    if path is not None:
        os.makedirs(cache, exist_ok=True)
        np.savez(path + '.tmp.npz', pitch=pitch.numpy(), periodicity=periodicity.numpy())
        os.replace(path + '.tmp.npz', path)
    return pitch, periodicity, loudness


def report(audio_file, capacity, seconds=None, cache=CACHE):
    """The command line's singing.Report of a file (its first `seconds`)"""
    from torchcrepe.cli import singing
    audio, sample_rate, pitch, periodicity, loudness = tracked(
        audio_file, capacity, seconds, cache)
    return singing.analysis(command(audio_file, capacity).singing, audio,
                            sample_rate, pitch, periodicity, loudness=loudness)


###############################################################################
# Scores
###############################################################################


def report_notes(found):
    """(intervals (notes, 2) s, pitches (notes,) Hz) of a Report's notes,
    every note it reports (glides too: a user sees them), but those the
    end of the recording cuts: a note still voiced in the last frame. The
    reference keeps only the notes that end within the recording
    (read_notes), so a note cut by the end of an excerpt counts on
    neither side"""
    last = len(found.track.midi)
    notes = [note for note in found.notes
             if not (note.last >= last and found.track.voiced[-1])]
    intervals = np.array([[note.onset, note.offset] for note in notes]).reshape(-1, 2)
    pitches = found.tuning_hz * 2 ** ((np.array([note.midi for note in notes]) - 69) / 12)
    return intervals, pitches


def note_scores(reference, estimate):
    """{'onset', 'conp', 'conpoff'}: mir_eval.transcription (precision,
    recall, F1) of estimated notes against reference notes, each given as
    (intervals (notes, 2) s, pitches (notes,) Hz)"""
    from mir_eval import transcription
    (ref_intervals, ref_pitches), (est_intervals, est_pitches) = reference, estimate
    onset = transcription.onset_precision_recall_f1(
        ref_intervals, est_intervals, onset_tolerance=ONSET_TOLERANCE)
    conp = transcription.precision_recall_f1_overlap(
        ref_intervals, ref_pitches, est_intervals, est_pitches,
        onset_tolerance=ONSET_TOLERANCE, pitch_tolerance=PITCH_TOLERANCE,
        offset_ratio=None)[:3]
    conpoff = transcription.precision_recall_f1_overlap(
        ref_intervals, ref_pitches, est_intervals, est_pitches,
        onset_tolerance=ONSET_TOLERANCE, pitch_tolerance=PITCH_TOLERANCE)[:3]
    return {'onset': onset, 'conp': conp, 'conpoff': conpoff}


def vibrato_spans(found):
    """[(start, end)] s of the vibrato a Report holds"""
    spans = []
    for note in found.notes:
        if note.vibrato is not None:
            spans.append((getattr(note.vibrato, 'start', note.onset),
                          getattr(note.vibrato, 'end', note.offset)))
    return spans


def inside(times, spans):
    """(frames,) bool: times within any [start, end) span"""
    mask = np.zeros(len(times), bool)
    for start, end in spans:
        mask |= (times >= start) & (times < end)
    return mask


def frame_counts(times, marked, found):
    """(true positive, false positive, false negative) frames of reported
    vibrato spans `found` against `marked` spans at `times`"""
    truth, guess = inside(times, marked), inside(times, found)
    return (int((truth & guess).sum()), int((~truth & guess).sum()),
            int((truth & ~guess).sum()))


def prf(true_positive, false_positive, false_negative):
    """(precision, recall, F1); 0 where undefined"""
    precision = true_positive / max(true_positive + false_positive, 1)
    recall = true_positive / max(true_positive + false_negative, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    return precision, recall, f1


def evaluate(folder=DEFAULT_FOLDER, capacity='small', seconds=None, cache=CACHE,
             vibrato=None):
    """Every score of one capacity on the folder's marked files

    seconds: only the first `seconds` of each file (notes that end by then,
    vibrato marks clipped to it); cache: where pitch tracks are kept (None:
    recompute); vibrato: the names of the vibrato recordings to score
    (default: all). Returns {'A1': note_scores, 'A2': note_scores,
    'A2 vs A1': note_scores, 'vibrato': (precision, recall, F1),
    'vibrato_files': {name: (tp, fp, fn)}, 'reports': {name: Report}}.
    """
    scores = {'reports': {}, 'vibrato_files': {}}
    audio_file = os.path.join(folder, NOTES + '.wav')
    found = report(audio_file, capacity, seconds, cache)
    scores['reports'][NOTES] = found
    estimate = report_notes(found)
    references = {name: read_notes(os.path.join(folder, f'{NOTES}_notes{name}.csv'), seconds)
                  for name in MUSICIANS}
    for name in MUSICIANS:
        scores[name] = note_scores(references[name], estimate)
    scores['A2 vs A1'] = note_scores(references['A1'], references['A2'])
    totals = np.zeros(3, int)
    for name in vibrato_files(folder) if vibrato is None else vibrato:
        path = os.path.join(folder, 'vibrato', name)
        found = report(path + '.wav', capacity, seconds, cache)
        scores['reports'][name] = found
        counts = frame_counts(found.track.times(), read_vibrato(path + '.txt', seconds),
                              vibrato_spans(found))
        scores['vibrato_files'][name] = counts
        totals += counts
    scores['vibrato'] = prf(*totals)
    return scores


###############################################################################
# Tables
###############################################################################


HEADER = ('| capacity | notes vs | onset F1 | COnP P / R / F1 | COnPOff F1 | '
          'vibrato P / R / F1 |\n|---|---|--:|--:|--:|--:|')


def rows(capacity, scores):
    """Markdown rows of one capacity's scores"""
    lines = []
    vibrato = ' / '.join(f'{value:.3f}' for value in scores['vibrato'])
    for name in MUSICIANS + ('A2 vs A1',):
        notes = scores[name]
        who = 'A2 vs A1 (people)' if name == 'A2 vs A1' else name
        conp = ' / '.join(f'{value:.3f}' for value in notes['conp'])
        lines.append(f"| {capacity if name == 'A1' else ''} | {who} | "
                     f"{notes['onset'][2]:.3f} | {conp} | {notes['conpoff'][2]:.3f} | "
                     f"{vibrato if name == 'A1' else ''} |")
    return lines


def pictures(folder, capacity, directory, cache=CACHE):
    """Draw the singing report picture of every recording in the folder,
    and of the vocadito excerpts one after the other (a take of about
    40 s), into `directory`; returns the paths written"""
    import torch
    from torchcrepe.cli import singing
    from torchcrepe.singing import picture
    os.makedirs(directory, exist_ok=True)
    names = sorted(name for name in os.listdir(folder) if name.endswith('.wav'))
    paths = [os.path.join(folder, name) for name in names]
    paths += [os.path.join(folder, 'vibrato', name + '.wav') for name in vibrato_files(folder)]
    written, takes = [], []
    for path in paths:
        audio, sample_rate, pitch, periodicity, loudness = tracked(path, capacity, cache=cache)
        found = singing.analysis(command(path, capacity).singing, audio,
                                 sample_rate, pitch, periodicity, loudness=loudness)
        name = os.path.basename(path)[:-4]
        written.append(os.path.join(directory, f'{name}.{capacity}.png'))
        picture.save(written[-1], found, title=f'{name} ({capacity})')
        if name.startswith('vocadito'):
            takes.append((audio, sample_rate))
    if takes and len({rate for _, rate in takes}) == 1:
        audio = torch.cat([audio for audio, _ in takes], 1)
        sample_rate = takes[0][1]
        pitch, periodicity, loudness = track_audio('vocadito_all', audio, sample_rate,
                                                   capacity, cache)
        found = singing.analysis(command('vocadito_all.wav', capacity).singing,
                                 audio, sample_rate, pitch, periodicity,
                                 loudness=loudness)
        written.append(os.path.join(directory, f'vocadito_all.{capacity}.png'))
        picture.save(written[-1], found, title=f'vocadito excerpts one after the other '
                     f'({audio.shape[1] / sample_rate:.0f} s, {capacity})')
    return written


# The thresholds of the analysis moved by SENSITIVITY each way in turn:
# (module of torchcrepe.singing, name)
THRESHOLDS = [('levels', 'HELD'), ('levels', 'ARRIVAL'), ('levels', 'SPLIT'),
              ('levels', 'MIN_NOTE'), ('levels', 'GLIDE_SPEED'), ('levels', 'PART_COST'),
              ('articulation', 'DIP_DB'), ('articulation', 'STOP_DB'),
              ('articulation', 'DIP_WINDOW'),
              ('notes', 'MIN_GLIDE'), ('notes', 'LEAD_SHARE'), ('notes', 'OUTLIER'),
              ('notes', 'ONSET_DB'), ('notes', 'ATTACK_PEAK'),
              ('track', 'MAX_GAP'), ('track', 'FAST_SIGMA'), ('track', 'TREND_CUTOFF'),
              ('cycles', 'RATE_RANGE'), ('cycles', 'TURN'), ('cycles', 'SWING_RATIO'),
              ('vibrato', 'MIN_FIT'), ('vibrato', 'MIN_EXTENT'), ('vibrato', 'HEARD_EXTENT'),
              ('vibrato', 'EDGE')]
SENSITIVITY = .2


def figures(scores):
    """(onset F1 A1, A2, COnP F1 A1, A2, vibrato F1) of evaluate's scores"""
    return (scores['A1']['onset'][2], scores['A2']['onset'][2],
            scores['A1']['conp'][2], scores['A2']['conp'][2], scores['vibrato'][2])


def sensitivity(folder, capacity='small', cache=CACHE):
    """Markdown rows: the figures with each of THRESHOLDS times 0.8 and 1.2
    (the others at their values), on the cached pitch tracks"""
    import importlib
    rows = ['| threshold | value | -20 %: onset A1 / A2, COnP A1 / A2, vibrato | '
            '+20 %: onset A1 / A2, COnP A1 / A2, vibrato |', '|---|--:|---|---|']
    rows.append(f"| (none) | | {' / '.join(f'{v:.2f}' for v in figures(evaluate(folder, capacity, cache=cache)))} | |")
    for module_name, name in THRESHOLDS:
        module = importlib.import_module(f'torchcrepe.singing.{module_name}')
        value = getattr(module, name)
        cells = []
        for factor in (1 - SENSITIVITY, 1 + SENSITIVITY):
            moved = tuple(v * factor for v in value) if isinstance(value, tuple) \
                else value * factor
            setattr(module, name, moved)
            try:
                cells.append(' / '.join(f'{v:.2f}' for v in figures(
                    evaluate(folder, capacity, cache=cache))))
            finally:
                setattr(module, name, value)
        shown = ', '.join(f'{v:g}' for v in value) if isinstance(value, tuple) else f'{value:g}'
        rows.append(f'| {module_name}.{name} | {shown} | {cells[0]} | {cells[1]} |')
    return rows


def per_file(scores):
    """Lines of vibrato frame counts per file"""
    return [f'    {name}: P / R / F1 ' + ' / '.join(f'{value:.2f}' for value in prf(*counts))
            + f' (tp {counts[0]}, fp {counts[1]}, fn {counts[2]})'
            for name, counts in scores['vibrato_files'].items()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('folder', nargs='?', default=DEFAULT_FOLDER)
    parser.add_argument('--capacities', nargs='+',
                        default=['tiny', 'small', 'medium', 'large', 'full'])
    parser.add_argument('--seconds', type=float,
                        help='only the first SECONDS of each file')
    parser.add_argument('--no-cache', action='store_true',
                        help='recompute the pitch tracks')
    parser.add_argument('--per-file', action='store_true',
                        help='vibrato scores per file too')
    parser.add_argument('--sensitivity', action='store_true',
                        help='also move each threshold by 20 %% each way (small)')
    parser.add_argument('--pictures', metavar='DIRECTORY',
                        help='also draw the report picture of every recording '
                             '(and of the vocadito excerpts joined) there')
    args = parser.parse_args()
    if not os.path.isdir(args.folder):
        parser.error(f'{args.folder} is not a folder (see --help)')
    if args.pictures:
        for capacity in args.capacities:
            for path in pictures(args.folder, capacity, args.pictures,
                                 None if args.no_cache else CACHE):
                print(path, file=sys.stderr)
    print(HEADER)
    for capacity in args.capacities:
        scores = evaluate(args.folder, capacity, args.seconds,
                          None if args.no_cache else CACHE)
        print('\n'.join(rows(capacity, scores)), flush=True)
        if args.per_file:
            print('\n'.join(per_file(scores)), file=sys.stderr)
    if args.sensitivity:
        print('\n' + '\n'.join(sensitivity(args.folder, 'small',
                                            None if args.no_cache else CACHE)))


if __name__ == '__main__':
    main()
