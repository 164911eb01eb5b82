"""torchcrepe.singing on pitch tracks with analytic truth (no network)"""
import json

import numpy as np
import pytest

from torchcrepe import singing

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


@pytest.mark.parametrize('rate, cents', [(4., 150.), (5.5, 60.), (6.5, 30.), (8., 10.)])
def test_vibrato_rate_and_extent(rate, cents):
    pitch = track([(.2, None), (1., vibrato(60.13, rate, cents)), (.2, None)])
    report = singing.analyse(pitch, None, HOP, window_seconds=0)
    (note,) = report.notes
    assert abs(note.vibrato.rate_hz - rate) < .2
    assert abs(note.vibrato.extent_cents - cents) <= max(.1 * cents, 5)
    assert abs(note.cents - 13) < 3
    assert abs(note.onset - .2) < .03 and abs(note.offset - 1.2) < .03
    # The 20-cent dither breaks the cycles of a 10-cent vibrato apart
    assert note.vibrato.regularity > (.8 if cents >= 30 else .5)


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
    # 3.5 Hz is the edge of vibrato.RATE_RANGE: one note, with or without
    assert not note.glide and (note.vibrato is not None or rate < 4)


@pytest.mark.parametrize('width, seconds', [(2, .1), (2, .5), (7, .3), (12, .6), (-5, .2)])
def test_portamento_between_held_notes(width, seconds):
    # A raised-cosine slide between two notes held 0.35 s: two notes meeting
    # where the slide arrives within a quarter tone of the second, never a
    # third
    def shape(t):
        position = np.clip((t - .35) / seconds, 0, 1)
        return 62 + width * (.5 - .5 * np.cos(np.pi * position))
    pitch = track([(.1, None), (.7 + seconds, shape), (.1, None)], seed=abs(width))
    notes = singing.analyse(pitch, None, HOP).notes
    assert [round(note.midi) for note in notes] == [62, 62 + width]
    assert abs(notes[1].onset - arrival(.45, seconds, width)) < .03
    assert abs(notes[0].offset - notes[1].onset) < 1e-9


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
    # 2.75 cycles of +-20 cents under 20-cent dither: within 0.3 Hz
    assert abs(notes[0].vibrato.rate_hz - 5.5) < .3
    assert abs(notes[0].vibrato.extent_cents - 20) < 5
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


def test_nan_pitch_is_unvoiced_and_inf_is_refused():
    pitch = track([(.5, lambda t: 60 + 0 * t)], dither=False)
    pitch[20:23] = np.nan  # a 30 ms dropout is bridged
    assert len(singing.analyse(pitch, None, HOP).notes) == 1
    pitch[10] = np.inf
    with pytest.raises(ValueError, match='pitch must not hold infinite'):
        singing.analyse(pitch, None, HOP)


@pytest.mark.parametrize('hop', [0, -.01, 160, float('nan'), '0.01', .1])
def test_hop_must_be_seconds(hop):
    with pytest.raises(ValueError, match='hop_seconds'):
        singing.analyse(np.full(100, 220.), None, hop)


def test_hop_must_match_the_duration():
    with pytest.raises(ValueError, match='hop_seconds=0.005 does not match'):
        singing.analyse(np.full(101, 220.), None, .005, duration=1.)
    assert singing.analyse(np.full(101, 220.), None, .01, duration=1.).notes


@pytest.mark.parametrize('arguments, match', [
    (dict(periodicity=np.ones(99)), 'periodicity must have the shape'),
    (dict(periodicity=np.full(100, 2.)), 'within 0..1'),
    (dict(tuning=300), 'tuning must be'),
    (dict(tuning='auto'), 'tuning must be'),
    (dict(reference=[(1, .5, 60)]), r'reference\[0\]'),
    (dict(reference=[(0, 1)]), r'reference\[0\]'),
    (dict(voicing_threshold=2), 'voicing_threshold'),
    (dict(window_seconds=-1), 'window_seconds'),
    (dict(loudness=np.ones(99)), 'loudness must have the shape'),
    (dict(loudness=np.full(100, -np.inf)), 'loudness must be finite')])
def test_bad_arguments(arguments, match):
    arguments = dict(dict(periodicity=None), **arguments)
    with pytest.raises(ValueError, match=match):
        singing.analyse(np.full(100, 220.), hop_seconds=HOP, **arguments)


def test_pitch_shape():
    with pytest.raises(ValueError, match=r'pitch must have shape'):
        singing.analyse(np.ones((2, 50)), None, HOP)
