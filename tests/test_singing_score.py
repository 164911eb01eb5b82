"""singing.score: constructed takes with exact answers, target files, bad
arguments, and a short check on real takes (skipped without the data)"""
import json
import os
import sys

import numpy as np
import pytest

from torchcrepe import singing
from torchcrepe.singing.targets import Target, note_midi
from torchcrepe.utils import ParameterError

HOP = .01
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SSVD = os.path.join(ROOT, '..', 'shared', 'singing', 'ssvd')


def take(notes, seed=0, end=None, floor=-90.):
    """A Report of a sung take: notes (onset s, offset s, MIDI) sung as
    steady pitches with a 3-cent dither, loudness -30 dB while singing and
    `floor` dB between notes"""
    rng = np.random.default_rng(seed)
    end = end or max(note[1] for note in notes) + .5
    frames = int(end / HOP)
    times = np.arange(frames) * HOP
    pitch = np.full(frames, np.nan)
    loudness = np.full(frames, floor)
    for onset, offset, midi in notes:
        inside = (times >= onset) & (times < offset)
        cents = rng.normal(0, 3, inside.sum())
        pitch[inside] = 440 * 2 ** ((midi + cents / 100 - 69) / 12)
        loudness[inside] = -30.
    return singing.analyse(pitch, None, HOP, loudness=loudness)


def sung_as(targets, lag=lambda time: 0., breath=.08, shift=0., cents=0.):
    """Each target sung from onset + lag(onset) to its offset less a
    breath, `shift` semitones and `cents` off"""
    return [(target.onset + lag(target.onset), target.offset + lag(target.onset) - breath,
             target.midi + shift + cents / 100) for target in targets]


SCALE = [0, 2, 4, 5, 7, 5, 4, 2, 0]


def test_exercise():
    targets = singing.exercise(SCALE, 'C3', 120, keys=2, lead_in=2)
    assert len(targets) == 5 * len(SCALE)
    assert targets[0] == Target(1., 1.5, 48.)
    # Keys 0 1 2 1 0 with one beat of rest between them
    firsts = [targets[index * len(SCALE)] for index in range(5)]
    assert [target.midi for target in firsts] == [48, 49, 50, 49, 48]
    assert firsts[1].onset == pytest.approx(1 + 9 * .5 + .5)
    assert [t.midi for t in singing.exercise([0], 60, 60, keys=[0, -2])] == [60, 58]
    assert [t.midi for t in singing.exercise([0], 'A4', 60, keys=-1)] == [69, 68, 69]
    assert note_midi('Bb2') == 46 and note_midi('F#4') == 66 and note_midi('c-1') == 0


@pytest.mark.parametrize('arguments, name', [
    (([], 'C3', 90), 'pattern'), ((SCALE, 'H3', 90), 'start'),
    ((SCALE, 'C3', 0), 'bpm'), ((SCALE, 'C3', '90'), 'bpm'),
    ((SCALE, 'C3', 90, 1.5), 'keys'), ((SCALE, 'C3', 90, 0, -1), 'lead_in'),
    (([0, 48], 'C8', 90), 'outside')])
def test_exercise_refuses(arguments, name):
    with pytest.raises(ParameterError, match=name):
        singing.exercise(*arguments)


def test_offset_and_drift():
    targets = singing.exercise(SCALE, 'G3', 90, keys=3)
    # 0.7 s late at the start, 0.3 s more per minute
    lag = lambda time: .7 + .3 * time / 60  # noqa: E731
    result = singing.score(take(sung_as(targets, lag)), targets)
    # A report's onset after silence lies 10 ms after the voice's first
    # frame (notes.LEAD_SHARE of the window, less half a hop)
    assert result.offset == pytest.approx(.71, abs=.01)
    assert result.drift == pytest.approx(.3, abs=.02)
    assert result.transpose == 0
    assert result.summary['missed'] == 0 and result.summary['extra'] == 0
    assert result.summary['hit'] == len(targets)
    for note in result.notes:
        assert note['sung']['onset'] == pytest.approx(
            note['onset'] + lag(note['onset']) + .01, abs=.011)
        assert abs(note['onset_lag']) < .015
        assert abs(note['cents_error']) < 3
        assert note['settle_time'] == pytest.approx(0, abs=.02)
        assert note['within']['25'] > .95
    assert json.dumps(result.to_dict(), allow_nan=False)


def test_early_late_and_wrong_notes():
    targets = singing.exercise(SCALE, 'C4', 100, keys=1)
    sung = sung_as(targets, lambda time: .4)
    # Target 3 sung 200 ms late, target 6 a semitone flat
    sung[3] = (sung[3][0] + .2, sung[3][1], sung[3][2])
    sung[6] = (sung[6][0], sung[6][1], sung[6][2] - 1)
    result = singing.score(take(sung), targets)
    assert result.summary['missed'] == 0
    assert result.notes[3]['onset_lag'] == pytest.approx(.2, abs=.02)
    assert result.notes[6]['cents_error'] == pytest.approx(-100, abs=4)
    assert result.summary['hit'] == len(targets) - 1


def test_missed_and_extra_notes():
    targets = singing.exercise(SCALE, 'C4', 90, keys=1)
    sung = sung_as(targets, lambda time: .25)
    del sung[4]
    # An extra note in the rest between the two keys, far from any target
    rest = targets[len(SCALE) - 1].offset + .25
    sung.append((rest + .05, rest + .45, 79.))
    result = singing.score(take(sorted(sung)), targets)
    assert result.notes[4]['sung'] is None
    assert result.summary['missed'] == 1
    extras = result.notes[len(SCALE) - 1]['extra']
    assert len(extras) == 1 and extras[0]['name'] == 'G5'
    assert result.summary['extra'] == 1
    assert all(note['sung'] is not None for index, note in enumerate(result.notes)
               if index != 4)


def test_same_pitch_repeats():
    # The arpeggio's four top notes sung legato, re-attacked by a 10 ms
    # dropout and a 2 dB dip: too slight for the report to cut (below
    # articulation.STOP_DB)
    targets = singing.exercise([0, 4, 7, 12, 12, 12, 12, 7, 4, 0], 'C4', 120)
    sung = sung_as(targets, lambda time: .3, breath=.01)
    report = take(sung, floor=-32.)
    assert len(report.notes) < len(targets)
    # A 4 dB dip where the voice stops is a re-attack the report cuts
    assert len(take(sung, floor=-34.).notes) == len(targets)
    result = singing.score(report, targets)
    assert result.summary['missed'] == 0
    for note, (onset, _, _) in zip(result.notes, sung):
        assert note['sung']['onset'] == pytest.approx(onset, abs=.03)


def test_split_note_is_one_note():
    # The singer re-attacks target 2 twice: one sung note of two parts
    targets = singing.exercise(SCALE, 'C4', 60)
    sung = sung_as(targets, lambda time: .2)
    onset, offset, midi = sung[2]
    sung[2:3] = [(onset, onset + .4, midi), (onset + .45, offset, midi)]
    result = singing.score(take(sung), targets)
    assert result.summary['missed'] == 0
    assert result.notes[2]['sung']['onset'] == pytest.approx(onset + .01, abs=.015)
    assert result.notes[2]['sung']['offset'] > onset + .8


def test_transposition_auto_and_free_tempo():
    targets = singing.exercise([0, 2, 4, 5, 7, 9, 7, 5, 4, 2, 0], 'D4', 100, keys=1)
    # Sung a minor third higher, 1.3 times slower, with rubato
    rng = np.random.default_rng(1)
    jitter = rng.uniform(-.08, .08, len(targets))
    sung = [(1.3 * target.onset + 2 + wobble, 1.3 * target.offset + 2 + wobble - .1,
             target.midi + 3.1) for target, wobble in zip(targets, jitter)]
    result = singing.score(take(sung), targets, timing='free', transpose='auto')
    assert result.transpose == 3
    assert result.tempo == pytest.approx(1.3, abs=.03)
    assert result.summary['missed'] == 0
    for note, (onset, _, _) in zip(result.notes, sung):
        assert note['sung']['onset'] == pytest.approx(onset + .01, abs=.015)
        assert note['cents_error'] == pytest.approx(10, abs=4)
    # Held to the written key, the take scores far worse
    kept = singing.score(take(sung), targets, timing='free', transpose=0)
    assert kept.transpose == 0 and kept.summary['score'] < result.summary['score'] - 30


def test_octave_errors():
    targets = singing.exercise(SCALE, 'C4', 90)
    sung = sung_as(targets, lambda time: .1)
    sung[4] = (sung[4][0], sung[4][1], sung[4][2] - 12)
    result = singing.score(take(sung), targets)
    assert result.notes[4]['octave'] == -1
    assert abs(result.notes[4]['cents_error']) < 4
    assert result.summary['hit'] == len(targets) - 1
    assert all(note['octave'] == 0 for index, note in enumerate(result.notes) if index != 4)
    # A whole take an octave low: transpose='auto' calls it -12, no error
    low = singing.score(take(sung_as(targets, shift=-12)), targets, transpose='auto')
    assert low.transpose == -12 and low.summary['hit'] == len(targets)


def test_nothing_sung_and_score_formula():
    targets = singing.exercise(SCALE, 'C4', 90)
    silent = singing.analyse(np.full(500, np.nan), None, HOP)
    result = singing.score(silent, targets)
    assert result.summary['missed'] == len(targets) and result.summary['score'] == 0
    perfect = singing.score(take(sung_as(targets)), targets)
    assert perfect.summary['score'] > 95


@pytest.mark.parametrize('keywords, name', [
    ({'timing': 'strict'}, 'timing'), ({'transpose': 1.5}, 'transpose'),
    ({'transpose': 'up'}, 'transpose'), ({'transpose': True}, 'transpose'),
    ({'bands': []}, 'bands'), ({'bands': [0]}, 'bands'), ({'span': (3, 1)}, 'span'),
    ({'tuning': 300}, 'tuning')])
def test_score_refuses(keywords, name):
    report = take([(0., 1., 60.)])
    with pytest.raises(ParameterError, match=name):
        singing.score(report, [(0., 1., 60.)], **keywords)


@pytest.mark.parametrize('target', [[], [(1., 0., 60.)], [(0., 1., 200.)], [(0, 1)], 5])
def test_bad_targets(target):
    with pytest.raises(ParameterError, match='target'):
        singing.score(take([(0., 1., 60.)]), target)


def test_report_refused():
    with pytest.raises(ParameterError, match='report'):
        singing.score({'notes': []}, [(0., 1., 60.)])


###############################################################################
# Files
###############################################################################


NOTES = [(0.5, 1.0, 60.), (1.0, 1.5, 62.5), (1.5, 2.25, 64.)]


def test_csv_and_json(tmp_path):
    path = tmp_path / 'melody.csv'
    path.write_text('onset,offset,midi\n' + ''.join(f'{a},{b},{m}\n' for a, b, m in NOTES))
    assert singing.read_targets(path) == [Target(*note) for note in NOTES]
    listed = [{'onset': a, 'offset': b, 'midi': m} for a, b, m in NOTES]
    for data in (listed, {'notes': listed}):
        path = tmp_path / 'melody.json'
        path.write_text(json.dumps(data))
        assert singing.read_targets(str(path)) == [Target(*note) for note in NOTES]
    path.write_text(json.dumps({'exercise': {'pattern': SCALE, 'start': 'C3', 'bpm': 90,
                                             'keys': 1, 'lead_in': 1}}))
    assert singing.read_targets(path) == singing.exercise(SCALE, 'C3', 90, 1, 1)
    # score() reads a path too; the exercise (20 s) is far longer than the
    # take (2.9 s), which it warns of
    with pytest.warns(singing.scoring.ReferenceWarning, match='far longer'):
        result = singing.score(take([(a + .2, b + .15, m) for a, b, m in NOTES]), path)
    assert len(result.notes) == 3 * len(SCALE)


@pytest.mark.parametrize('name, text, problem', [
    ('empty.csv', '', 'empty'),
    ('header.csv', 'start,end,pitch\n0,1,60\n', 'header'),
    ('nonotes.csv', 'onset,offset,midi\n', 'no note'),
    ('row.csv', 'onset,offset,midi\n0,1\n', 'row 2'),
    ('text.csv', 'onset,offset,midi\n0,1,C4\n', 'row 2'),
    ('order.csv', 'onset,offset,midi\n1,0.5,60\n', 'onset < offset'),
    ('broken.json', '{"notes": [', 'valid JSON'),
    ('empty.json', '[]', 'no note'),
    ('keys.json', '[{"onset": 0, "end": 1, "midi": 60}]', 'note 0'),
    ('drill.json', '{"exercise": {"pattern": [0], "bpm": 90}}', 'exercise'),
    ('drill2.json', '{"exercise": {"pattern": [0], "start": "X", "bpm": 90}}', 'start'),
    ('melody.txt', '0 1 60', 'must be one of'),
    ('melody.musicxml', '<score-partwise/>', 'MusicXML')])
def test_bad_files(tmp_path, name, text, problem):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ParameterError, match=problem) as error:
        singing.read_targets(path)
    assert name in str(error.value)


def test_missing_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing.csv'):
        singing.read_targets(tmp_path / 'nothing.csv')
    folder = tmp_path / 'folder.json'
    folder.mkdir()
    with pytest.raises(ParameterError, match='folder'):
        singing.read_targets(folder)


def _midi_file(path, tracks):
    """A type-1 MIDI file: tracks of (name, [(start beat, end beat, key)])
    at 120 BPM (0.5 s a beat), 480 ticks a beat"""
    mido = pytest.importorskip('mido')
    song = mido.MidiFile(ticks_per_beat=480)
    for name, notes in tracks:
        track = mido.MidiTrack()
        track.append(mido.MetaMessage('track_name', name=name, time=0))
        if not song.tracks:
            track.append(mido.MetaMessage('set_tempo', tempo=500000, time=0))
        events = sorted([(start, 1, key) for start, _, key in notes] +
                        [(end, 0, key) for _, end, key in notes])
        now = 0
        for beat, on, key in events:
            tick = int(beat * 480)
            track.append(mido.Message('note_on' if on else 'note_off', note=key,
                                      velocity=64, time=tick - now))
            now = tick
        song.tracks.append(track)
    song.save(path)


def test_midi(tmp_path):
    path = str(tmp_path / 'song.mid')
    melody = [(0, 1, 60), (1, 2, 62), (2, 4, 64)]
    chords = [(0, 2, 48), (0, 2, 52), (2, 4, 55)]
    _midi_file(path, [('voice', melody), ('piano', chords)])
    expected = [Target(0., .5, 60.), Target(.5, 1., 62.), Target(1., 2., 64.)]
    assert singing.read_targets(path) == expected
    assert singing.read_targets(path, part='voice') == expected
    with pytest.raises(ParameterError, match='polyphonic'):
        singing.read_targets(path, part='piano')
    with pytest.raises(ParameterError, match='no track named'):
        singing.read_targets(path, part='flute')
    two = str(tmp_path / 'two.midi')
    _midi_file(two, [('soprano', melody), ('alto', [(0, 4, 55)])])
    with pytest.raises(ParameterError, match='part='):
        singing.read_targets(two)
    assert singing.read_targets(two, part='alto') == [Target(0., 2., 55.)]
    broken = tmp_path / 'broken.mid'
    broken.write_bytes(b'MThd not really')
    with pytest.raises(ParameterError, match='broken.mid'):
        singing.read_targets(broken)


def test_midi_without_mido(tmp_path, monkeypatch):
    path = tmp_path / 'song.mid'
    path.write_bytes(b'MThd')
    monkeypatch.setitem(sys.modules, 'mido', None)
    with pytest.raises(ImportError, match=r'torchcrepe\[score\]'):
        singing.read_targets(path)


###############################################################################
# Real takes
###############################################################################


@pytest.mark.skipif(not os.path.isdir(SSVD), reason='../shared/singing/ssvd is absent')
def test_real_takes():
    pytest.importorskip('soundfile')
    sys.path.insert(0, ROOT)
    from benchmarks import scoring
    # Two of the shortest takes (15 s each: about 15 s of tracking each
    # with small on 2 cores, when .cache/scoring/ does not hold them yet)
    for take in ('27435', '65660'):
        figures = scoring.evaluate_take(SSVD, take)
        assert figures['transpose_right']
        # This version aligns 25 of 27 and 29 of 31
        assert figures['aligned'] >= .85 * figures['notes']
        # The annotated pitch lies above the audio's: 13.6 and 24.5 cents
        # above the tracked pitch, 16.0 and 15.5 above the harmonic-sum
        # estimate, which shares nothing with the network
        tracked = figures['offsets'][scoring.MAIN_STATISTIC]
        assert len(tracked) >= 20 and 10 < np.median(tracked) < 30
        audio, sample_rate = scoring.load_audio(os.path.join(SSVD, f'{take}.flac'))
        intervals, midi = figures['intervals'], figures['midi']
        harmonic = scoring.harmonic_offsets(audio, sample_rate, intervals, midi)
        assert len(harmonic) == len(midi)
        measured = harmonic[np.isfinite(harmonic)]
        assert len(measured) >= 8 and 10 < np.median(measured) < 25
        # The key shift by that estimate: ours (and, on these, the annotators')
        figures['harmonic'] = harmonic
        assert scoring.harmonic_shift(figures) == figures['score'].transpose == figures['shift']
        assert figures['far_ours_fit'] <= figures['far']


def test_annotation_checks():
    sys.path.insert(0, ROOT)
    from benchmarks import scoring
    # 50 bins of 44100/8192 Hz is on the grid; C4 (261.6 Hz, 48.6 bins) is not
    on_bin = 69 + 12 * np.log2(50 * 44100 / 8192 / 440)
    assert scoring.on_grid([on_bin, 60.]).tolist() == [True, False]
    assert np.allclose(scoring.folded([11.5, -7, 0.25, 12]), [-.5, 5, .25, 0])
    # Written 60 62 64; the annotators pair 62 with a sung 63.1 (off by
    # 1.1 semitones) sung at 2 s, which we align to a sung 62.2 at 2.5 s
    annotated = {0: (1., 60.1), 1: (2., 63.1), 2: (3., 64.)}
    by_index = {0: {'sung': {'onset': 1., 'midi': 60.}},
                1: {'sung': {'onset': 2.5, 'midi': 62.2}},
                2: {'sung': None}}
    checks = scoring.reference_checks(annotated, [60., 62., 64.], 0, by_index, 0)
    assert checks == {'reference_off': 1, 'far_ours_fit': 1}
    # The FFT key shift: annotated 62.3, 64.3 and 66.4 (the key fix
    # applied), the FFT 30 cents below each; the note with no estimate is
    # left out
    row = {'pairs': {0: 0, 1: 1, 2: 2, 3: 3}, 'written': [60., 62., 64., 65.],
           'midi': np.array([62.3, 64.3, 66.4, 89.]),
           'harmonic': np.array([30., 30., 30., np.nan])}
    assert scoring.harmonic_shift(row) == 2
    row['harmonic'][:] = np.nan
    assert scoring.harmonic_shift(row) is None
    # Our note 0.6 semitone off the written one does not count as fitting
    by_index[1]['sung']['midi'] = 62.6
    assert scoring.reference_checks(annotated, [60., 62., 64.], 0, by_index, 0) == \
        {'reference_off': 1, 'far_ours_fit': 0}
