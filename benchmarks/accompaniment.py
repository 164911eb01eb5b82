"""The singer's pitch over a guide piano heard through a speaker and room,
with and without the accompaniment given.

    python benchmarks/accompaniment.py [FOLDER] [--takes N] [--levels DB ...]
        [--seconds S] [--per-file] [--rt60 S] [--speaker LOW HIGH]

Voices (FOLDER, default ../shared/singing; read its README.md):
    vocadito_1_first16s   its hand-corrected f0 is the reference; the
                          piano plays musician A1's notes
    ssvd/ID               the first N takes of each half (ssvd.half), up
                          to --seconds s each; the reference is our own
                          tracking of the clean voice; the piano plays
                          the annotated notes
The piano plays each note rounded to the semitone (a guide melody), as
General MIDI program 0 rendered by fluidsynth with FluidR3_GM (Debian:
fluidsynth, fluid-soundfont-gm; rendered into .cache/accompaniment/,
never committed). It then goes through a simulated phone speaker (a
band pass, --speaker, default 300 Hz .. 7 kHz) and room (an impulse
response: a direct path after a seeded delay of 50 .. 450 ms, then
exponentially decaying noise, --rt60, default 0.3 s), and is added at
LEVELS dB relative to the voice's RMS.

Each mixture is tracked as `--model small --singing_report` does
(weighted_viterbi, 10 ms hop), given nothing of the accompaniment
(`no`), its audio as played, the rendering before speaker and room
(`audio`: predict(accompaniment=)), or only the notes the piano played
(`notes`: predict(accompaniment_notes=), the delay found from them). Printed
per level, pooled over the voices (frames):
    RPA      share of reference-voiced frames within 50 cents (the
             pitch, whatever its periodicity: mir_eval's raw pitch
             accuracy)
    recall   share of reference-voiced frames reported voiced
             (periodicity >= the default voicing threshold 0.21)
    FA       share of reference-unvoiced frames reported voiced
    error    median absolute cents error over frames voiced in both
    offset   over frames where the reference is 20-60 cents from the
             piano's note: mean |reference - piano| -> mean of the
             tracked pitch's offset from the piano in the reference's
             direction
    notes F1 the singing report's notes (COnP: onset 50 ms, pitch 50
             cents) against the clean voice's report
    delay    the delay estimate's error (ms), worst over the voices
and the cost: each removal alone (accompaniment.cancel,
played_notes.cancel_notes, timed apart) as a share of tracking the
mixtures without it, all in one run.
"""
import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks import singing_real, ssvd  # noqa: E402

DEFAULT_FOLDER = os.path.join(ROOT, '..', 'shared', 'singing')
CACHE = os.path.join(ROOT, '.cache', 'accompaniment')
SOUNDFONT = '/usr/share/sounds/sf2/FluidR3_GM.sf2'
RATE = 44100
LEVELS = (None, -20., -12., -6., 0.)
CAPACITY = 'small'
VOICING = .21
# What the tracker is given of the accompaniment: nothing, its audio
# (accompaniment.cancel), or only its notes (played_notes.cancel_notes)
GIVEN = ('no', 'audio', 'notes')


###############################################################################
# The scene: a rendered piano through a speaker and a room
###############################################################################


def render(notes, seconds):
    """The piano (time,) at RATE playing notes [(onset s, offset s, midi)]
    rounded to the semitone, `seconds` long"""
    import mido
    digest = hashlib.sha1(repr((notes, seconds)).encode()).hexdigest()[:16]
    path = os.path.join(CACHE, f'piano.{digest}.npy')
    if os.path.exists(path):
        return np.load(path)
    os.makedirs(CACHE, exist_ok=True)
    events = []
    for onset, offset, midi in notes:
        key = int(round(midi))
        events += [(onset, 'note_on', key), (offset, 'note_off', key)]
    events.sort(key=lambda event: (event[0], event[1] == 'note_on'))
    song = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    song.tracks.append(track)
    track.append(mido.MetaMessage('set_tempo', tempo=500000))
    track.append(mido.Message('program_change', program=0))
    now = 0
    for when, kind, key in events:
        tick = int(round(when * 960))
        track.append(mido.Message(kind, note=key, velocity=90, time=tick - now))
        now = tick
    with tempfile.TemporaryDirectory() as folder:
        midi_path = os.path.join(folder, 'guide.mid')
        wav_path = os.path.join(folder, 'guide.wav')
        song.save(midi_path)
        subprocess.run(['fluidsynth', '-ni', '-g', '0.5', '-r', str(RATE), '-F', wav_path,
                        SOUNDFONT, midi_path], check=True, capture_output=True)
        import soundfile
        piano, rate = soundfile.read(wav_path, always_2d=True)
    assert rate == RATE
    piano = piano.mean(axis=1)
    length = int(round(seconds * RATE))
    piano = np.pad(piano, (0, max(0, length - len(piano))))[:length]
    np.save(path, piano)
    return piano


def speaker_room(piano, seed, rt60=.3, band=(300, 7000)):
    """(what the microphone hears of the piano (time,), the delay s)"""
    import scipy.signal
    generator = np.random.default_rng(seed)
    band = scipy.signal.butter(2, list(band), 'bandpass', fs=RATE, output='sos')
    speaker = scipy.signal.sosfilt(band, piano)
    delay = generator.uniform(.05, .45)
    tail = np.arange(int(rt60 * RATE)) / RATE
    response = generator.standard_normal(len(tail)) * 10 ** (-3 * tail / rt60) * .08
    response[:int(.002 * RATE)] = 0
    response[0] = 1
    response = np.concatenate([np.zeros(int(round(delay * RATE))), response])
    heard = scipy.signal.fftconvolve(speaker, response)[:len(piano)]
    return heard, delay


def mix(voice, heard, level):
    """voice + heard at `level` dB relative to the voice's RMS"""
    if level is None:
        return voice
    gain = np.sqrt(np.mean(voice ** 2) / np.mean(heard ** 2)) * 10 ** (level / 20)
    return voice + gain * heard


###############################################################################
# Voices
###############################################################################


def voices(folder, takes, seconds):
    """[(name, voice (time,) at RATE, piano notes, reference f0 or None)]"""
    import resampy
    import torchcrepe
    found = []
    name = 'vocadito_1_first16s'
    audio, rate = torchcrepe.load.audio(os.path.join(folder, name + '.wav'))
    voice = resampy.resample(audio[0].numpy().astype(np.float64), rate, RATE)
    rows = np.loadtxt(os.path.join(folder, name + '_notesA1.csv'), delimiter=',', ndmin=2)
    notes = [(onset, onset + length, 69 + 12 * np.log2(hz / 440))
             for onset, hz, length in rows]
    f0 = np.loadtxt(os.path.join(folder, name + '_f0.csv'), delimiter=',')
    found.append((name, voice, notes, f0))
    directory = os.path.join(folder, 'ssvd')
    chosen = {'A': [], 'B': []}
    for take in ssvd.takes(directory):
        group = chosen[ssvd.half(directory, take)]
        if len(group) < takes:
            group.append(take)
    for take in chosen['A'] + chosen['B']:
        audio, rate = torchcrepe.load.audio(os.path.join(directory, take + '.flac'))
        voice = resampy.resample(audio[0].numpy().astype(np.float64), rate, RATE)
        voice = voice[:int(seconds * RATE)]
        rows = np.loadtxt(os.path.join(directory, take + '_notes.txt'), ndmin=2)
        notes = [tuple(row) for row in rows if row[0] < seconds]
        found.append((f'ssvd/{take}', voice, notes, None))
    return found


###############################################################################
# Tracking and figures
###############################################################################


def track(audio, accompaniment=None, notes=None):
    """(pitch Hz (frames,), periodicity (frames,), seconds taken, delay s
    or None, the audio without the echo (time,), seconds the cancellation
    alone takes) as `--model small --singing_report` tracks. With the
    accompaniment, this is what predict(accompaniment=) runs
    (pipeline.without_accompaniment: accompaniment.cancel, then the
    tracking), in two steps so that the cancellation is timed apart"""
    import torch
    import torchcrepe
    from torchcrepe.cli import common
    options = common.settings(singing_real.command('take.wav', CAPACITY).options)
    tensor = torch.from_numpy(audio.astype(np.float32))[None]
    lag, heard, cost = None, audio, 0.
    start = time.perf_counter()
    if accompaniment is not None or notes is not None:
        if notes is not None:
            from torchcrepe import played_notes
            cancelled = played_notes.cancel_notes(tensor, RATE, notes)
        else:
            played = torch.from_numpy(accompaniment.astype(np.float32))[None]
            cancelled = torchcrepe.accompaniment.cancel(tensor, RATE, played)
        cost = time.perf_counter() - start
        tensor, lag = cancelled.audio, cancelled.delay
        heard = tensor[0].numpy().astype(np.float64)
    pitch, periodicity = torchcrepe.predict(
        tensor, RATE, fmin=options.fmin, fmax=options.fmax, model=CAPACITY,
        decoder=options.decoder, return_periodicity=True)
    taken = time.perf_counter() - start
    return pitch[0].numpy(), periodicity[0].numpy(), taken, lag, heard, cost


def cents(a, b):
    return 1200 * np.log2(a / b)


def figures(pitch, periodicity, reference, piano):
    """Per-frame pieces of the figures: dicts of arrays to pool"""
    voiced = periodicity >= VOICING
    ref_voiced = reference > 0
    both = voiced & ref_voiced
    error = np.abs(cents(np.where(both, pitch, 1), np.where(both, reference, 1)))
    near = ref_voiced & (piano > 0)
    true = cents(np.where(near, reference, 1), np.where(near, piano, 1))
    off = near & (np.abs(true) >= 20) & (np.abs(true) <= 60)
    tracked = cents(pitch[off], piano[off]) * np.sign(true[off])
    # As mir_eval's raw pitch accuracy: the pitch, whatever the voicing
    raw = np.abs(cents(np.where(ref_voiced, pitch, 1), np.where(ref_voiced, reference, 1)))
    return {'hit': (raw < 50) & ref_voiced, 'recall': both, 'ref': ref_voiced,
            'fa': voiced & ~ref_voiced,
            'unref': ~ref_voiced, 'error': error[both], 'true': np.abs(true[off]),
            'tracked': tracked}


def frame_values(times, f0_times, f0):
    """A reference f0 (Hz, 0 unvoiced) at `times`, nearest frame"""
    index = np.clip(np.searchsorted(f0_times, times), 0, len(f0) - 1)
    return f0[index]


def piano_pitch(times, notes):
    """The piano's note (Hz, 0 in rests) at `times`"""
    values = np.zeros(len(times))
    for onset, offset, midi in notes:
        values[(times >= onset) & (times < offset)] = 440 * 2 ** ((round(midi) - 69) / 12)
    return values


def notes_of(audio, rate, pitch, periodicity):
    """(intervals (notes, 2) s, pitches Hz) of the singing report"""
    import torch
    from torchcrepe.cli import singing
    plan = singing_real.command('take.wav', CAPACITY)
    found = singing.analysis(plan.singing, torch.from_numpy(audio.astype(np.float32))[None],
                             rate, torch.from_numpy(pitch)[None],
                             torch.from_numpy(periodicity)[None])
    return singing_real.report_notes(found)


def notes_f1(reference, estimate):
    import mir_eval
    (ref_intervals, ref_hz), (est_intervals, est_hz) = reference, estimate
    if not len(ref_intervals) or not len(est_intervals):
        return 0.
    return mir_eval.transcription.precision_recall_f1_overlap(
        ref_intervals, ref_hz, est_intervals, est_hz, offset_ratio=None)[2]


def pooled(pieces):
    keys = pieces[0].keys()
    joined = {key: np.concatenate([piece[key] for piece in pieces]) for key in keys}
    return {
        'RPA': joined['hit'].sum() / max(1, joined['ref'].sum()),
        'recall': joined['recall'].sum() / max(1, joined['ref'].sum()),
        'FA': joined['fa'].sum() / max(1, joined['unref'].sum()),
        'error': float(np.median(joined['error'])) if len(joined['error']) else np.nan,
        'true': float(np.mean(joined['true'])) if len(joined['true']) else np.nan,
        'tracked': float(np.mean(joined['tracked'])) if len(joined['tracked']) else np.nan}


def run(folder, takes, seconds, levels, per_file, rt60=.3, band=(300, 7000)):
    import torchcrepe
    rows = {}
    times_taken = {}
    for index, (name, voice, notes, f0) in enumerate(voices(folder, takes, seconds)):
        piano = render(notes, len(voice) / RATE)
        heard, true_delay = speaker_room(piano, index, rt60, band)
        clean_pitch, clean_periodicity, *_ = track(voice)
        hop = torchcrepe.framing.model_hop(RATE, None)
        times = torchcrepe.framing.frame_times(len(clean_pitch), hop, True)
        if f0 is None:
            reference = np.where(clean_periodicity >= VOICING, clean_pitch, 0)
        else:
            reference = frame_values(times, f0[:, 0], f0[:, 1])
        played = piano_pitch(times, notes)
        clean_notes = notes_of(voice, RATE, clean_pitch, clean_periodicity)
        for level in levels:
            audio = mix(voice, heard, level)
            for given in (('no',) if level is None else GIVEN):
                pitch, periodicity, taken, lag, cleaned, cost = track(
                    audio, piano if given == 'audio' else None,
                    np.array(notes) if given == 'notes' else None)
                times_taken[given] = times_taken.get(given, 0.) + taken
                times_taken[f'cancel {given}'] = times_taken.get(f'cancel {given}', 0.) + cost
                f1 = notes_f1(clean_notes, notes_of(cleaned, RATE, pitch, periodicity))
                piece = figures(pitch, periodicity, reference, played)
                key = ('clean' if level is None else f'{level:+.0f} dB', given)
                entry = rows.setdefault(key, {'pieces': [], 'f1': [], 'delay': []})
                entry['pieces'].append(piece)
                entry['f1'].append(f1)
                if given != 'no':
                    entry['delay'].append(abs(lag - true_delay) * 1000)
                if per_file:
                    one = pooled([piece])
                    print(f'{name:24s} {key[0]:8s} {given:5s} '
                          f'RPA {one["RPA"]:.3f} rec {one["recall"]:.3f} FA {one["FA"]:.3f} err {one["error"]:.1f} '
                          f'offset {one["true"]:.1f}->{one["tracked"]:.1f} F1 {f1:.3f}'
                          + (f' delay err {abs(lag - true_delay) * 1000:.1f} ms'
                             if given != 'no' else ''),
                          flush=True)
    print('| piano level | accompaniment given | RPA | voicing recall | voicing FA | median abs error (cents) '
          '| 20-60 cents off: true -> tracked | notes F1 vs clean | worst delay error (ms) |')
    print('|---|---|--:|--:|--:|--:|---|--:|--:|')
    for (level, given), entry in rows.items():
        figure = pooled(entry['pieces'])
        delay = f'{max(entry["delay"]):.1f}' if entry['delay'] else ''
        print(f'| {level} | {given} | {figure["RPA"]:.3f} | '
              f'{figure["recall"]:.3f} | '
              f'{figure["FA"]:.3f} | {figure["error"]:.1f} | {figure["true"]:.1f} -> '
              f'{figure["tracked"]:.1f} | {np.mean(entry["f1"]):.3f} | {delay} |')
    for given in GIVEN[1:]:
        if given in times_taken:
            print(f'\ntracking the mixtures: {times_taken["no"]:.1f} s without the '
                  f'accompaniment, {times_taken[given]:.1f} s with its {given}; the '
                  f'removal alone {times_taken[f"cancel {given}"]:.1f} s, '
                  f'{100 * times_taken[f"cancel {given}"] / times_taken["no"]:.0f} % of '
                  f'the tracking without it')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('folder', nargs='?', default=DEFAULT_FOLDER)
    parser.add_argument('--takes', type=int, default=2,
                        help='SSVD takes per half (default 2)')
    parser.add_argument('--seconds', type=float, default=30.)
    parser.add_argument('--levels', type=float, nargs='+', default=None)
    parser.add_argument('--per-file', action='store_true')
    parser.add_argument('--rt60', type=float, default=.3,
                        help="the room's reverberation time (s, default 0.3)")
    parser.add_argument('--speaker', type=float, nargs=2, default=(300., 7000.),
                        metavar=('LOW', 'HIGH'), help="the speaker's band (Hz)")
    args = parser.parse_args()
    levels = LEVELS if args.levels is None else (None,) + tuple(args.levels)
    run(args.folder, args.takes, args.seconds, levels, args.per_file, args.rt60,
        tuple(args.speaker))


if __name__ == '__main__':
    main()
