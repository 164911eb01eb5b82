"""torchcrepe.singing on pitch tracks with analytic truth (no network)"""
import json
import os

import numpy as np
import pytest

from torchcrepe import ParameterError, singing
from torchcrepe.singing import picture

from .signals import arrival

HOP = .01


def hz(midi):
    return 440. * 2 ** ((np.asarray(midi) - 69) / 12)


def track(pieces, seed=0, dither=True):
    """Pitch (Hz) from (seconds, midi function of local time or None) pieces;
    with dither, 20-cent steps (unbiased: dithered by a whole step) as the
    viterbi decoder outputs, plus 2 cents of noise"""
    rng = np.random.default_rng(seed)
    curves = []
    for seconds, shape in pieces:
        t = np.arange(int(round(seconds / HOP))) * HOP
        curves.append(np.full(len(t), np.nan) if shape is None else shape(t))
    midi = np.concatenate(curves)
    if dither:
        midi = np.round(midi * 5 + rng.uniform(-.5, .5, len(midi))) / 5 + \
            rng.normal(0, .02, len(midi))
    return hz(midi)


def vibrato(centre, rate, cents, phase=.3):
    return lambda t: centre + cents / 100 * np.sin(2 * np.pi * rate * t + phase)


@pytest.mark.parametrize('rate, cents', [(4., 150.), (5.5, 60.), (6.5, 40.), (8., 35.)])
def test_vibrato_rate_and_extent(rate, cents):
    pitch = track([(.2, None), (1., vibrato(60.13, rate, cents)), (.2, None)])
    report = singing.analyse(pitch, None, HOP, window_seconds=0)
    (note,) = report.notes
    assert abs(note.vibrato.rate_hz - rate) < .2
    assert abs(note.vibrato.extent_cents - cents) <= max(.1 * cents, 5)
    assert abs(note.cents - 13) < 3
    assert abs(note.onset - .2) < .03 and abs(note.offset - 1.2) < .03
    assert note.vibrato.regularity > .8


@pytest.mark.parametrize('rate', [4.5, 6., 8.])
@pytest.mark.parametrize('cents', [10., 16., 24.])
def test_small_wobble_is_no_vibrato(rate, cents):
    # Regular swings narrower than sung vibrato (+-30 cents: HEARD_EXTENT)
    # are heard as an unsteady note: no vibrato, one note at its centre
    pitch = track([(.2, None), (1.2, vibrato(60.13, rate, cents)), (.2, None)],
                  seed=int(cents))
    (note,) = singing.analyse(pitch, None, HOP, window_seconds=0).notes
    assert note.vibrato is None and not note.glide
    assert abs(note.cents - 13) < 4
    # The same swings wider than +-30 cents are vibrato
    wider = track([(.2, None), (1.2, vibrato(60.13, rate, 2 * cents + 20)), (.2, None)],
                  seed=int(cents))
    (note,) = singing.analyse(wider, None, HOP, window_seconds=0).notes
    assert note.vibrato is not None


def test_steady_notes_and_glides_have_no_vibrato():
    pitch = track([(.1, None), (.6, lambda t: 57.2 + 0 * t), (.1, None),
                   (1., lambda t: 62 + .6 * t),                  # slow drift
                   (.1, None), (.8, lambda t: 48 + 24 * t / .8),  # fast sweep
                   (.1, None)])
    notes = singing.analyse(pitch, None, HOP, window_seconds=0).notes
    assert [note.glide for note in notes] == [False, False, True]
    assert all(note.vibrato is None for note in notes)
    assert abs(notes[0].cents - 20) < 3
    assert abs(notes[1].drift - 60) < 10


def test_legato_steps_split_and_vibrato_does_not():
    # 0.3 s notes a semitone and more apart split; 150-cent vibrato at 4 Hz
    # (1.5 semitones either way for 67 ms a half-cycle) does not
    levels = [(.3, 60.), (.3, 61.), (.3, 63.), (.3, 62.)]
    pieces = [(.1, None)] + [(seconds, lambda t, m=m: m + 0 * t) for seconds, m in levels]
    pieces += [(.1, None), (1.2, vibrato(55, 4., 150.)), (.1, None)]
    notes = singing.analyse(track(pieces), None, HOP, window_seconds=0).notes
    assert [round(note.midi) for note in notes] == [60, 61, 63, 62, 55]
    assert np.allclose([note.onset for note in notes[:4]], [.1, .4, .7, 1.], atol=.03)
    assert notes[4].vibrato is not None and len(notes) == 5


def neighbour(held, slide):
    """60 for 0.4 s, 61 held `held` s, 60 for 0.4 s, joined by raised-cosine
    slides of `slide` s (0: steps)"""
    def shape(t):
        midi = np.full(len(t), 60.)
        for edge, sign in ((.4 + slide / 2, 1), (.4 + 1.5 * slide + held, -1)):
            position = np.clip((t - edge + slide / 2) / max(slide, 1e-9), 0, 1)
            midi += sign * (.5 - .5 * np.cos(np.pi * position))
        return midi
    return [(.1, None), (.8 + held + 2 * slide, shape), (.1, None)]


@pytest.mark.parametrize('held, slide', [(.08, .05), (.12, 0.), (.3, .05), (.3, 0.)])
@pytest.mark.parametrize('seed', [0, 1, 2])
def test_a_semitone_held_briefly_splits(held, slide, seed):
    notes = singing.analyse(track(neighbour(held, slide), seed), None, HOP).notes
    assert [round(note.midi) for note in notes] == [60, 61, 60]
    assert abs(notes[1].duration - held - slide) < .03


@pytest.mark.parametrize('rate', [3.5, 4., 6., 8.])
@pytest.mark.parametrize('cents', [10., 20., 40., 80., 150.])
def test_vibrato_never_splits(rate, cents):
    pitch = track([(.1, None), (1.2, vibrato(60.3, rate, cents, phase=rate)), (.1, None)],
                  seed=int(cents))
    (note,) = singing.analyse(pitch, None, HOP, window_seconds=0).notes
    # 3.5 Hz is the edge of vibrato.RATE_RANGE: one note, with or without;
    # under +-30 cents (HEARD_EXTENT) one note without
    assert not note.glide
    assert note.vibrato is not None if rate >= 4 and cents >= 30 else \
        cents >= 30 or note.vibrato is None


@pytest.mark.parametrize('width, seconds', [(2, .1), (2, .5), (7, .3), (12, .6), (-5, .2)])
def test_portamento_between_held_notes(width, seconds):
    # A raised-cosine slide between two notes held 0.35 s: two notes, never
    # a third, the second starting where the slide arrives within a
    # quarter tone of it, the first ending where the slide leaves it by as
    # much (the slide is the second's attack, in neither note)
    def shape(t):
        position = np.clip((t - .35) / seconds, 0, 1)
        return 62 + width * (.5 - .5 * np.cos(np.pi * position))
    pitch = track([(.1, None), (.7 + seconds, shape), (.1, None)], seed=abs(width))
    notes = singing.analyse(pitch, None, HOP).notes
    assert [round(note.midi) for note in notes] == [62, 62 + width]
    assert abs(notes[1].onset - arrival(.45, seconds, width)) < .03
    assert abs(notes[0].offset - notes[1].attack.start) < 1e-9
    assert notes[1].attack.start + notes[1].attack.length <= notes[1].onset + 1e-9


def falling(seconds):
    """As the bundled example's E4: 20-cent vibrato held 0.5 s, then a
    raised-cosine portamento 7 semitones down over 0.75 s (the vibrato
    going on), cut after `seconds` of it"""
    def shape(t):
        position = np.clip((t - .5) / .75, 0, 1)
        return 64 + .2 * np.sin(2 * np.pi * 5.5 * t) - 7 * (.5 - .5 * np.cos(np.pi * position))
    return track([(.1, None), (.5 + seconds, shape), (.1, None)])


def test_portamento_into_silence_is_a_glide_of_its_own():
    # Cut while still falling: the fall is a glide note of its own
    notes = singing.analyse(falling(.6), None, HOP, window_seconds=0).notes
    assert [note.glide for note in notes] == [False, True]
    # E4 ends where the fall leaves it by a quarter tone (the raised cosine
    # at 1/14 of the way, 0.128 s into it)
    assert abs(notes[0].offset - .728) < .05 and abs(notes[0].midi - 64) < .03
    assert abs(notes[1].onset - notes[0].offset) < 1e-9
    # Its swing of +-20 cents is narrower than sung vibrato: none
    assert notes[0].vibrato is None
    # A short fall-off stays with its note
    short = track([(.1, None), (.6, lambda t: 64 - 2 * np.clip(t - .45, 0, None) / .15),
                   (.1, None)])
    assert len(singing.analyse(short, None, HOP).notes) == 1


def test_portamento_that_lands_and_holds_is_the_attack_of_a_note():
    # The whole fall, and A3 held 0.15 s after it: A3 is a note, reached by
    # a transition of -700 cents that started where E4 was left
    def shape(t):
        position = np.clip((t - .5) / .75, 0, 1)
        return 64 + .2 * np.sin(2 * np.pi * 5.5 * t) * (t < 1.25) - \
            7 * (.5 - .5 * np.cos(np.pi * position))
    pitch = track([(.1, None), (1.4, shape), (.1, None)])
    notes = singing.analyse(pitch, None, HOP, window_seconds=0).notes
    assert [round(note.midi) for note in notes] == [64, 57]
    assert not notes[1].glide and notes[1].attack.kind == 'transition'
    assert abs(notes[1].attack.cents + 700) < 25
    # A3 starts where the fall arrives within a quarter tone of it: a little
    # earlier than the bare fall's arrival, as the 20-cent vibrato riding
    # on it reaches down first
    assert arrival(.6, .75, 7) - .07 < notes[1].onset < arrival(.6, .75, 7) + .02
    attack = notes[1].attack
    assert abs(attack.start + attack.length - notes[1].onset) < .015


def test_kpis_against_truth():
    detune = [10., -30., 45., -5.]
    pieces = []
    for index, cents in enumerate(detune):
        pieces += [(.1, None), (.5, lambda t, m=60 + 2 * index + cents / 100: m + 0 * t)]
    pieces.append((.2, None))
    report = singing.analyse(track(pieces), None, HOP)
    kpis = report.kpis
    assert kpis['notes'] == 4 and kpis['lowest'] == 'C4' and kpis['highest'] == 'F#4'
    assert abs(kpis['cents_mean'] - np.mean(detune)) < 3
    assert abs(kpis["cents_spread"] - np.std(detune)) < 5
    assert kpis['within_25'] == .5 and kpis['within_50'] == 1.
    assert abs(kpis['voiced_share'] - 2 / 2.6) < .02
    assert kpis['vibrato_share'] == 0 and kpis['vibrato_rate_hz'] is None
    assert kpis['drift_cents'] < 5


def test_reference_melody_and_estimated_tuning():
    # 12 cents sharp throughout, as if tuned to A4 = 443 Hz
    pieces = [(.1, None), (.5, lambda t: 60.12 + 0 * t), (.1, None),
              (.5, lambda t: 64.12 + 0 * t), (.2, None)]
    pitch = track(pieces)
    reference = [(.1, .6, 60), (.7, 1.2, 65), (1.3, 1.6, 67)]
    report = singing.analyse(pitch, None, HOP, reference=reference)
    assert [note.target for note in report.notes] == [60, 65]
    assert abs(report.kpis['target_cents_mean'] - (12 - 88) / 2) < 3
    assert report.kpis['reference_missed'] == 1
    estimated = singing.analyse(pitch, None, HOP, tuning='estimate')
    assert abs(estimated.tuning_hz - 440 * 2 ** (12 / 1200)) < 1
    assert all(abs(note.cents) < 3 for note in estimated.notes)


def test_json_report(tmp_path):
    pitch = track([(.1, None), (1., vibrato(62.05, 5.5, 60.)), (.1, None)])
    report = singing.analyse(pitch, np.where(np.isnan(pitch), .05, .9), HOP)
    report.save(tmp_path / 'take.json')
    saved = json.loads((tmp_path / 'take.json').read_text())
    (note,) = saved['notes']
    assert set(note) >= {'onset', 'offset', 'midi', 'cents', 'vibrato'}
    assert set(note['vibrato']) >= {'rate_hz', 'extent_cents', 'regularity'}
    assert abs(note['midi'] - 62.05) < .03 and abs(note['cents'] - 5) < 3
    assert len(note['vibrato']['curve_cents']) > 50
    assert saved['kpis']['notes'] == 1
    assert 'vibrato' in report.summary()


def test_note_names_take_midi_numbers():
    assert singing.midi_to_note_name(69) == 'A4'
    assert singing.midi_to_note_name(61.4) == 'C#4'
    assert 'midi_to_note_name' in singing.__all__ and 'note_name' in singing.__all__
    # The earlier name, which takes MIDI numbers too
    assert singing.note_name is singing.midi_to_note_name
    pitch = track([(1., lambda t: 62.05 + 0 * t)], dither=False)
    (note,) = singing.analyse(pitch, None, HOP).notes
    assert note.name == singing.midi_to_note_name(note.midi) == 'D4'


def test_picture(tmp_path):
    pytest.importorskip('matplotlib')
    from torchcrepe.singing import picture
    pitch = track([(.1, None), (1., vibrato(62.05, 5.5, 60.)), (.1, None)])
    picture.save(tmp_path / 'take.png', singing.analyse(pitch, None, HOP))
    assert (tmp_path / 'take.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_picture_labels_never_overlap_on_a_long_take():
    # 45 s of short notes with vibrato, close together: more labels than
    # fit; those drawn overlap neither each other nor the legend
    pytest.importorskip('matplotlib')
    from torchcrepe.singing import labels, picture
    rng = np.random.default_rng(0)
    pieces = []
    for _ in range(60):
        pieces += [(.05, None), (.7, vibrato(rng.uniform(57, 64), 5.5, 40., rng.uniform(0, 6)))]
    report = singing.analyse(track(pieces), None, HOP, window_seconds=0)
    wanted = sum(note.vibrato is not None for note in report.notes)
    assert wanted > 40
    figure, kept = picture.draw(report)
    renderer = figure.canvas.get_renderer()
    figure.canvas.draw()
    axes = figure.axes[0]
    frame = axes.get_window_extent(renderer)
    boxes = [text.get_window_extent(renderer) for text in kept]
    assert 10 < len(boxes) < wanted
    legend = axes.get_legend().get_window_extent(renderer)
    for index, box in enumerate(boxes):
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 <= box.y1 <= frame.y1
        assert not labels.Box(*box.extents).overlaps(labels.Box(*legend.extents))
        for other in boxes[index + 1:]:
            assert not labels.Box(*box.extents).overlaps(labels.Box(*other.extents))
    assert figure.get_size_inches()[0] > picture.WIDTH


###############################################################################
# Bad input
###############################################################################


def test_all_unvoiced_says_so():
    for pitch in (np.full(300, np.nan), np.zeros(300)):
        report = singing.analyse(pitch, None, HOP)
        assert report.notes == [] and report.message == singing.report.NO_VOICE
        assert report.kpis['voiced_share'] == 0 and report.kpis['cents_mean'] is None
        assert 'no voiced frames' in report.summary()
        json.dumps(report.to_dict(), allow_nan=False)


def test_shorter_than_a_note():
    report = singing.analyse(hz(np.full(5, 60.)), None, HOP)
    assert report.notes == [] and 'shorter than 80 ms' in report.message


@pytest.fixture
def no_analysis(monkeypatch):
    """Bad input must be refused before any analysis: finding notes fails"""
    def segment(*args, **kwargs):
        raise AssertionError('the analysis started')
    monkeypatch.setattr(singing.notes, 'segment', segment)


def test_nan_pitch_is_unvoiced_and_inf_is_refused():
    pitch = track([(.5, lambda t: 60 + 0 * t)], dither=False)
    pitch[20:23] = np.nan  # a 30 ms dropout is bridged
    assert len(singing.analyse(pitch, None, HOP).notes) == 1
    pitch[10] = np.inf
    with pytest.raises(ParameterError, match='pitch must not hold infinite'):
        singing.analyse(pitch, None, HOP)


@pytest.mark.parametrize('value', [1e9, 5000.5, 19.9, 1e-3, -1., -220., np.inf, -np.inf])
def test_pitch_out_of_range_is_refused_naming_the_frame(no_analysis, value):
    pitch = np.full(100, 220.)
    pitch[3] = np.nan
    pitch[5] = 0.
    pitch[[7, 40]] = value
    with pytest.raises(ParameterError) as error:
        singing.analyse(pitch, None, HOP)
    message = str(error.value)
    assert message.startswith('pitch must') and '20..5000 Hz' in message
    assert message.endswith(f'frame 7 is {value:g} Hz')
    assert ('negative' in message) == (value < 0 and np.isfinite(value))


def test_pitch_range_ends_are_notes_and_nan_or_zero_unvoiced():
    assert (singing.track.MIN_PITCH, singing.track.MAX_PITCH) == (20., 5000.)
    pitch = np.r_[np.full(50, 20.), np.zeros(10), np.full(50, 5000.)]
    report = singing.analyse(pitch, None, HOP)
    assert [(note.name, round(note.midi, 3)) for note in report.notes] == \
        [('D#0', 15.487), ('D#8', 111.076)]
    gap = np.where(pitch == 0, np.nan, pitch)
    assert singing.analyse(gap, None, HOP).to_dict() == report.to_dict()
    # null, as the .json pitch files write unvoiced frames, is NaN too
    listed = [None if value == 0 else value for value in pitch.tolist()]
    assert singing.analyse(listed, None, HOP).to_dict() == report.to_dict()


@pytest.mark.parametrize('hop', [0, -.01, 160, float('nan'), float('inf'), '0.01',
                                 True, None, .1, 1e-9, 6e-5])
def test_hop_must_be_seconds(no_analysis, hop):
    with pytest.raises(ParameterError) as error:
        singing.analyse(np.full(100, 220.), None, hop)
    assert str(error.value).startswith(
        'hop_seconds must be a number of seconds with 6.25e-05 <= hop_seconds <= 0.03')


def test_a_hop_of_a_nanosecond_is_refused_at_once():
    # It used to reach scipy and die there with a MemoryError
    with pytest.raises(ParameterError, match='hop_seconds'):
        singing.analyse(np.full(100, 220.), np.ones(100), 1e-9)


def test_crepe_finest_hop_and_numpy_numbers_are_accepted():
    hop = singing.track.MIN_HOP
    assert hop == 1 / 16000
    pitch = hz(np.full(int(.2 / hop), 60.))
    assert [note.name for note in singing.analyse(pitch, None, hop).notes] == ['C4']
    pitch = track([(.5, lambda t: 60 + 0 * t)], dither=False)
    plain = singing.analyse(pitch, None, HOP, tuning=442., start=.032).to_dict()
    typed = singing.analyse(pitch, None, np.float64(HOP), tuning=np.float32(442.),
                            start=np.float64(.032)).to_dict()
    assert typed == plain


def test_hop_must_match_the_duration():
    with pytest.raises(ParameterError, match='hop_seconds=0.005 does not match'):
        singing.analyse(np.full(101, 220.), None, .005, duration=1.)
    assert singing.analyse(np.full(101, 220.), None, .01, duration=1.).notes


@pytest.mark.parametrize('arguments, match', [
    (dict(periodicity=np.ones(99)), 'periodicity must have the shape'),
    (dict(periodicity=np.full(100, 2.)), 'within 0..1'),
    (dict(periodicity=np.full(100, -.1)), 'within 0..1'),
    (dict(periodicity=np.full(100, np.nan)), 'periodicity must be finite'),
    (dict(periodicity=np.full(100, '.5')), 'periodicity must be an array of numbers'),
    (dict(periodicity=np.full(100, .5 + 0j)), 'periodicity must be an array of numbers'),
    (dict(tuning=300), 'tuning must be'),
    (dict(tuning='auto'), 'tuning must be'),
    (dict(tuning='440'), 'tuning must be'),
    (dict(tuning=float('nan')), 'tuning must be'),
    (dict(tuning=float('inf')), 'tuning must be'),
    (dict(tuning=True), 'tuning must be'),
    (dict(reference=[(1, .5, 60)]), r'reference\[0\]'),
    (dict(reference=[(0, 1)]), r'reference\[0\]'),
    (dict(reference=[(0, 1, 60), (0, float('nan'), 60)]), r'reference\[1\]'),
    (dict(reference=[(0, True, 60)]), r'reference\[0\]'),
    (dict(reference=[(0, 1e9, 60)]), r'reference\[0\] needs 0 <= onset < offset <= 360000'),
    (dict(reference=[(-1, 1, 60)]), r'reference\[0\]'),
    (dict(reference=[(0, 1, 128)]), r'reference\[0\]'),
    (dict(reference=5), 'reference must be a list'),
    (dict(voicing_threshold=2), 'voicing_threshold'),
    (dict(voicing_threshold=float('nan')), 'voicing_threshold'),
    (dict(voicing_threshold=-.1), 'voicing_threshold'),
    (dict(voicing_threshold='0.2'), 'voicing_threshold'),
    (dict(window_seconds=-1), 'window_seconds'),
    (dict(window_seconds=float('nan')), 'window_seconds'),
    (dict(window_seconds=float('inf')), 'window_seconds'),
    (dict(window_seconds=1e9), 'window_seconds <= 0.3'),
    (dict(window_seconds='0.075'), 'window_seconds'),
    (dict(window_seconds=True), 'window_seconds'),
    (dict(start=-.01), 'start must be a number of seconds with 0 <= start <= 360000'),
    (dict(start=float('nan')), 'start'),
    (dict(start=float('inf')), 'start'),
    (dict(start=1e12), 'start'),
    (dict(start='0'), 'start'),
    (dict(start=True), 'start'),
    (dict(duration=0), 'duration must be a number of seconds with 0 < duration'),
    (dict(duration=-1.), 'duration'),
    (dict(duration=float('nan')), 'duration'),
    (dict(duration=float('inf')), 'duration'),
    (dict(duration=1e12), 'duration'),
    (dict(duration='1'), 'duration'),
    (dict(duration=True), 'duration'),
    (dict(loudness=np.ones(99)), 'loudness must have the shape'),
    (dict(loudness=np.full(100, -np.inf)), 'loudness must be finite'),
    (dict(loudness=np.full(100, np.nan)), 'loudness must be finite'),
    (dict(loudness=np.r_[np.full(10, -20.), np.full(90, 1e300)]),
     r'loudness must be dB per frame within \+-1000; frame 10 is 1e\+300'),
    (dict(loudness=np.full(100, '-20')), 'loudness must be an array of numbers'),
    (dict(loudness='loud'), 'loudness must be an array of numbers')])
def test_bad_arguments(no_analysis, arguments, match):
    arguments = dict(dict(periodicity=None), **arguments)
    with pytest.raises(ParameterError, match=match):
        singing.analyse(np.full(100, 220.), hop_seconds=HOP, **arguments)


@pytest.mark.parametrize('pitch, match', [
    (np.ones((2, 50)), r'pitch must have shape'),
    (np.full(100, '220'), 'pitch must be an array of numbers'),
    (np.full(100, 220 + 1j), 'pitch must be an array of numbers'),
    (['220', '230'], 'pitch must be an array of numbers'),
    ('220', 'pitch must be an array of numbers')])
def test_pitch_type_and_shape(no_analysis, pitch, match):
    with pytest.raises(ParameterError, match=match):
        singing.analyse(pitch, None, HOP)


def test_complex_tensors_are_refused(no_analysis):
    torch = pytest.importorskip('torch')
    with pytest.raises(ParameterError, match='pitch must hold real numbers'):
        singing.analyse(torch.full((1, 100), 220., dtype=torch.complex64), None, HOP)


###############################################################################
# Writing reports and pictures
###############################################################################


@pytest.fixture(scope='module')
def report():
    pitch = track([(.1, None), (1., vibrato(62.05, 5.5, 60.)), (.1, None)])
    return singing.analyse(pitch, None, HOP)


@pytest.mark.parametrize('path', [5, None, b'take.json', ''])
def test_report_save_needs_a_file_path(tmp_path, monkeypatch, report, path):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ParameterError, match='path must be a file path'):
        report.save(path)
    assert os.listdir(tmp_path) == []


def test_report_save_refuses_a_folder(tmp_path, report):
    (tmp_path / 'take.json').mkdir()
    for path in (tmp_path, tmp_path / 'take.json', str(tmp_path / 'new') + os.sep):
        with pytest.raises(ParameterError, match='path must name a file, not a folder'):
            report.save(path)
    assert os.listdir(tmp_path) == ['take.json'] and not os.listdir(tmp_path / 'take.json')


def test_report_save_into_a_missing_folder_names_the_path(tmp_path, report):
    path = tmp_path / 'missing' / 'take.json'
    with pytest.raises(FileNotFoundError) as error:
        report.save(path)
    assert error.value.filename == str(path) and '.tmp' not in str(error.value)
    assert 'missing' in str(error.value)
    (tmp_path / 'file').write_text('')
    with pytest.raises(NotADirectoryError) as error:
        report.save(tmp_path / 'file' / 'take.json')
    assert error.value.filename == str(tmp_path / 'file' / 'take.json')
    assert sorted(os.listdir(tmp_path)) == ['file']


# The first bytes of each format
MAGIC = {'png': b'\x89PNG\r\n\x1a\n', 'jpg': b'\xff\xd8', 'jpeg': b'\xff\xd8',
         'pdf': b'%PDF', 'svg': b'<?xml'}


@pytest.mark.parametrize('extension', ['png', 'jpg', 'JPEG', 'pdf', 'svg'])
def test_picture_format_follows_the_extension(tmp_path, report, extension):
    pytest.importorskip('matplotlib')
    path = tmp_path / f'take.{extension}'
    picture.save(path, report)
    data = path.read_bytes()
    assert data.startswith(MAGIC[extension.lower()])
    assert extension != 'svg' or b'<svg' in data
    assert os.listdir(tmp_path) == [path.name]


def test_picture_format_argument_overrides_the_extension(tmp_path, report):
    pytest.importorskip('matplotlib')
    path = tmp_path / '.take.jpg.x1y2.tmp'
    picture.save(path, report, format='JPG')
    assert path.read_bytes().startswith(b'\xff\xd8')
    with pytest.raises(ParameterError, match=r'format must be .* one of .*\.png'):
        picture.save(tmp_path / 'take.png', report, format='bmp')


@pytest.fixture
def no_drawing(monkeypatch):
    pytest.importorskip('matplotlib')

    def draw(*args, **kwargs):
        raise AssertionError('the picture was drawn')
    monkeypatch.setattr(picture, 'draw', draw)


@pytest.mark.parametrize('name', ['take.txt', 'take', 'take.png.tmp', 'take.pgf'])
def test_picture_refuses_what_matplotlib_cannot_write(tmp_path, report, no_drawing, name):
    with pytest.raises(ParameterError) as error:
        picture.save(tmp_path / name, report)
    message = str(error.value)
    assert message.startswith('path must end in a picture format')
    assert all(f'.{kind},' in message for kind in ('jpg', 'pdf', 'png'))
    assert '.pgf,' not in message and message.endswith(f"got {str(tmp_path / name)!r}")
    assert os.listdir(tmp_path) == []


def test_picture_refuses_folders_and_missing_folders(tmp_path, report, no_drawing):
    (tmp_path / 'take.png').mkdir()
    with pytest.raises(ParameterError, match='path must name a file, not a folder'):
        picture.save(tmp_path / 'take.png', report)
    with pytest.raises(FileNotFoundError) as error:
        picture.save(tmp_path / 'missing' / 'take.png', report)
    assert error.value.filename == str(tmp_path / 'missing' / 'take.png')
    assert os.listdir(tmp_path) == ['take.png']


def test_picture_refuses_what_is_no_report_or_title(tmp_path, report, no_drawing):
    with pytest.raises(ParameterError, match='report must be a singing Report'):
        picture.save(tmp_path / 'take.png', report.to_dict())
    with pytest.raises(ParameterError, match='title must be a str or None'):
        picture.save(tmp_path / 'take.png', report, title=5)
    assert os.listdir(tmp_path) == []
