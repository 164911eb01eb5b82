"""The conventions of torchcrepe.singing, one rule at a time, on constructed
pitch and loudness tracks (no network): where notes start and end
(notes.py, levels.py, articulation.py), what a vibrato is (vibrato.py,
cycles.py), and the label rule of the picture (labels.py)"""
import json

import numpy as np
import pytest

from torchcrepe import singing
from torchcrepe.singing import articulation, labels, notes as notes_

HOP = .01


def hz(midi):
    return 440. * 2 ** ((np.asarray(midi) - 69) / 12)


def curve(pieces, seed=0, noise=.02):
    """(pitch Hz, NaN silent) from (seconds, midi function of local time or
    None) pieces, with `noise` semitones of Gaussian jitter"""
    rng = np.random.default_rng(seed)
    midi = np.concatenate([
        np.full(int(round(seconds / HOP)), np.nan) if shape is None else
        shape(np.arange(int(round(seconds / HOP))) * HOP) for seconds, shape in pieces])
    return hz(midi + rng.normal(0, noise, len(midi)))


def steady(midi):
    return lambda t: midi + 0 * t


def slide(start, end, seconds, hold_before, hold_after):
    """start held, a raised-cosine slide of `seconds` to end, end held"""
    def shape(t):
        position = np.clip((t - hold_before) / seconds, 0, 1)
        return start + (end - start) * (.5 - .5 * np.cos(np.pi * position))
    return hold_before + seconds + hold_after, shape


def test_legato_slide_starts_the_note_where_it_arrives_and_is_the_attack():
    # 60 held 0.4 s, a 150 ms slide up 4 semitones, 64 held 0.4 s
    pitch = curve([(.1, None), slide(60, 64, .15, .4, .4), (.1, None)])
    first, second = singing.analyse(pitch, None, HOP, window_seconds=0).notes
    assert round(first.midi) == 60 and round(second.midi) == 64
    # Where the slide arrives within a quarter tone of 64, 7/8 of the way
    # (the raised cosine), not where 60 starts to move
    arrived = .5 + .15 - np.arccos(1 - 2 / 8) / np.pi * .15
    assert abs(second.onset - arrived) < .015
    # The first ends where its pitch leaves it, where the attack starts:
    # the slide is in neither note
    assert abs(first.offset - second.attack.start) < 1e-9
    attack = second.attack
    assert attack.kind == 'transition' and abs(attack.cents - 400) < 10
    # It leaves 60 and reaches 64 by a quarter tone: the raised cosine at
    # 1/8 and 7/8 of the way, 35 ms after its start and before its end
    leave = np.arccos(1 - 2 / 8) / np.pi * .15
    assert abs(attack.start - (.5 + leave)) < .015
    assert abs(attack.start + attack.length - (.65 - leave)) < .015
    # The slide is in neither note's pitch
    assert abs(100 * (second.midi - 64)) < 3 and abs(100 * (first.midi - 60)) < 3
    held = np.flatnonzero(second.held) + second.first
    assert held[0] * HOP > .65 - leave - .015
    saved = singing.report.note_dict(second)['attack']
    assert saved['kind'] == 'transition' and abs(saved['cents'] - attack.cents) < .1
    assert abs(saved['start'] - attack.start) < 1e-3 and abs(saved['length'] - attack.length) < 1e-3


def test_scoop_from_silence_starts_the_note_where_the_voice_starts():
    # The voice starts 3 semitones low and slides up for 120 ms
    pitch = curve([(.2, None), slide(59, 62, .12, 0., .5), (.2, None)])
    (note,) = singing.analyse(pitch, None, HOP, window_seconds=0).notes
    assert abs(note.onset - .2) < .01
    assert note.attack.kind == 'scoop' and abs(note.attack.start - note.onset) < 1e-9
    assert abs(note.attack.cents - 300) < 15 and .07 < note.attack.length < .12
    # The scoop is not in the note's pitch, intonation or stability
    assert abs(100 * (note.midi - 62)) < 3 and abs(note.drift) < 10
    assert note.vibrato is None


def dipped(depth, at=.6, width=.06, seconds=1.2):
    """Loudness (dB) of a held vowel at -30 dB with a dip of `depth` dB
    `width` s wide (a raised cosine) centred at `at` s"""
    time = np.arange(int(round(seconds / HOP))) * HOP
    position = np.clip((time - at) / width + .5, 0, 1)
    return -30 - depth * (.5 - .5 * np.cos(2 * np.pi * position))


def test_a_new_syllable_on_the_same_pitch_is_a_new_note():
    pitch = curve([(.2, None), (.8, steady(62.1)), (.2, None)])
    loudness = dipped(12.)
    found = singing.analyse(pitch, None, HOP, loudness=loudness).notes
    assert len(found) == 2 and all(round(note.midi) == 62 for note in found)
    # The first syllable ends at the loudness minimum (0.6 s); the second
    # starts where its vowel is heard, within notes.ONSET_DB of its peak:
    # at once for a 12 dB dip when that is 15 dB, else where the raised
    # cosine is back at that level, after the minimum
    back = min(notes_.ONSET_DB / 12, 1)
    vowel = .6 + (.5 - np.arccos(1 - 2 * back) / (2 * np.pi)) * .06
    assert abs(found[0].offset - .6) < .01 and abs(found[1].onset - vowel) < .006
    assert found[1].attack is None
    # A wobble of the loudness that is no new attack, and pitch alone
    assert len(singing.analyse(pitch, None, HOP, loudness=dipped(4.)).notes) == 1
    assert len(singing.analyse(pitch, None, HOP).notes) == 1


def test_a_dip_where_the_voice_stops_is_a_new_syllable():
    # 30 ms without voice in a held vowel (shorter than articulation.
    # MIN_GAP, so pitch alone keeps one note) inside a 4 dB loudness dip
    # (shallower than DIP_DB): a consonant, two notes, cut around the gap
    pitch = curve([(.2, None), (.39, steady(62.)), (.03, None), (.38, steady(62.)),
                   (.2, None)])
    assert len(singing.analyse(pitch, None, HOP).notes) == 1
    found = singing.analyse(pitch, None, HOP, window_seconds=0, loudness=dipped(4.)).notes
    assert len(found) == 2 and all(round(note.midi) == 62 for note in found)
    assert abs(found[0].offset - .59) < .011 and abs(found[1].onset - .62) < .011
    # The same gap without a dip of articulation.STOP_DB (a breathy
    # moment of the vowel), or the dip without the gap: one note
    assert articulation.STOP_DB <= 4
    flat = np.full(len(pitch), -30.)
    assert len(singing.analyse(pitch, None, HOP, loudness=flat).notes) == 1
    assert len(singing.analyse(pitch, None, HOP, loudness=dipped(2.)).notes) == 1
    voiced = curve([(.2, None), (.8, steady(62.)), (.2, None)])
    assert len(singing.analyse(voiced, None, HOP, loudness=dipped(4.)).notes) == 1


def test_an_unvoiced_consonant_starts_a_new_note():
    # 40 ms without voice between two syllables on the same pitch
    pitch = curve([(.2, None), (.4, steady(62.)), (.04, None), (.36, steady(62.)),
                   (.2, None)])
    loudness = np.where(np.isnan(pitch), -60., -30.)
    for arguments in (dict(loudness=loudness), {}):
        found = singing.analyse(pitch, None, HOP, window_seconds=0, **arguments).notes
        assert len(found) == 2
        assert abs(found[0].offset - .6) < .011 and abs(found[1].onset - .64) < .011
    # The tracker's voicing leads a voice that starts: the onset is later
    # by a fifth of its window
    lead = singing.analyse(pitch, None, HOP).notes[1].onset - found[1].onset
    assert abs(lead - notes_.LEAD_SHARE * singing.vibrato.TRACKER_WINDOW) < 1e-9
    # A 30 ms dropout of the tracker in a held vowel stays one note
    short = curve([(.2, None), (.4, steady(62.)), (.03, None), (.37, steady(62.)),
                   (.2, None)])
    assert len(singing.analyse(short, None, HOP).notes) == 1


def swell(rise, seconds=1.2, start=.2, quiet=-60., loud=-30.):
    """Loudness (dB) of a vowel that starts at `start` s from 20 dB below
    `loud` and swells linearly to it over `rise` s"""
    time = np.arange(int(round(seconds / HOP))) * HOP
    level = loud - 20 * np.clip(1 - (time - start) / rise, 0, 1)
    return np.where(time < start - 1e-9, quiet, level)


def test_a_note_after_silence_starts_where_its_vowel_is_heard():
    # Voiced from 0.2 s; its loudness swells 20 dB over 0.25 s: heard where
    # it comes within notes.ONSET_DB (15 dB) of its peak, at 0.2625 s
    pitch = curve([(.2, None), (.8, steady(62.)), (.2, None)])
    (note,) = singing.analyse(pitch, None, HOP, window_seconds=0,
                              loudness=swell(.25)).notes
    heard = .2 + .25 * (1 - notes_.ONSET_DB / 20)
    assert abs(note.onset - heard) < 1e-6
    # Its held part starts there too: the swell is its attack
    assert not note.held[:int((heard - .2) / HOP)].any()
    assert abs(100 * (note.midi - 62)) < 3
    # A voice at full loudness at once: where it starts (rule 4 as before)
    (sudden,) = singing.analyse(pitch, None, HOP, window_seconds=0,
                                loudness=swell(1e-3)).notes
    assert abs(sudden.onset - .2) < .006
    # Without loudness: where the voice starts
    (plain,) = singing.analyse(pitch, None, HOP, window_seconds=0).notes
    assert abs(plain.onset - .2) < .006


def test_a_scoop_before_the_vowel_is_the_attack_not_a_note():
    # 100 ms sung 150 cents low while the voice swells 20 dB over 0.28 s,
    # then the note: one note, heard where the vowel is (0.27 s), the scoop
    # its attack from where the voice starts
    def shape(t):
        return np.where(t < .1, 60.5, 62.)
    pitch = curve([(.2, None), (.8, shape), (.2, None)])
    found = singing.analyse(pitch, None, HOP, window_seconds=0,
                            loudness=swell(.28)).notes
    assert len(found) == 1
    (note,) = found
    assert abs(note.onset - (.2 + .28 * (1 - notes_.ONSET_DB / 20))) < 1e-6
    assert note.attack.kind == 'scoop' and abs(note.attack.start - .2) < .006
    assert abs(note.attack.cents - 150) < 10 and abs(100 * (note.midi - 62)) < 3
    # Sung at full loudness from the start, the low part is a note of its own
    assert len(singing.analyse(pitch, None, HOP, window_seconds=0,
                               loudness=swell(1e-3)).notes) == 2


def test_a_scoop_after_a_voiced_consonant_starts_the_note_where_it_arrives():
    # 62 held, a voiced consonant (a 12 dB loudness dip at 0.6 s), and the
    # next syllable scoops from 62 up to 65 over 120 ms (a raised cosine)
    def shape(t):
        position = np.clip((t - .4) / .12, 0, 1)
        return np.where(t < .4, 62., 62. + 3 * (.5 - .5 * np.cos(np.pi * position)))
    pitch = curve([(.2, None), (.8, shape), (.2, None)])
    first, second = singing.analyse(pitch, None, HOP, window_seconds=0,
                                    loudness=dipped(12.)).notes
    assert round(first.midi) == 62 and round(second.midi) == 65
    # Where the scoop comes within a quarter tone of 65, 5/6 of the way
    arrived = .6 + np.arccos(1 - 2 * 5 / 6) / np.pi * .12
    assert abs(second.onset - arrived) < .015
    assert second.attack.kind == 'scoop' and abs(second.attack.start - .6) < .011
    assert abs(second.attack.start + second.attack.length - second.onset) < 1e-9
    assert abs(100 * (second.midi - 65)) < 3
    # After an unvoiced consonant instead (40 ms without voice) the scoop
    # is heard as the start of the note: where the voice starts
    gap = pitch.copy()
    gap[int(round(.6 / HOP)):int(round(.64 / HOP))] = np.nan
    loudness = np.where(np.isnan(gap), -60., -30.)
    _, after_gap = singing.analyse(gap, None, HOP, window_seconds=0,
                                   loudness=loudness).notes
    assert abs(after_gap.onset - .64) < .011 and after_gap.attack.kind == 'scoop'


@pytest.mark.parametrize('seconds', [.08, .1])
def test_a_short_note_with_its_own_pitch_survives(seconds):
    # An ascending run: 60 for 0.4 s, 62 for `seconds`, 64 for 0.4 s, each
    # reached by a 30 ms slide
    def shape(t):
        midi = np.full(len(t), 60.)
        for edge in (.4, .43 + seconds):
            midi += 2 * (.5 - .5 * np.cos(np.pi * np.clip((t - edge) / .03, 0, 1)))
        return midi
    pitch = curve([(.2, None), (.86 + seconds, shape), (.2, None)])
    found = singing.analyse(pitch, None, HOP, window_seconds=0).notes
    assert [round(note.midi) for note in found] == [60, 62, 64]
    # From where the slide into it arrives to where the next slide leaves
    # it, each a quarter tone from 62: the raised cosines a third of the
    # way through their 30 ms from each side
    assert abs(found[1].duration - seconds - .02) < .015
    assert abs(100 * (found[1].midi - 62)) < 5


def growing_vibrato(swing_db, consonant_db=0.):
    """(pitch Hz, loudness dB) of a 2.5 s note on 62 after 0.2 s of
    silence, with a 5.5 Hz vibrato whose extent grows from +-15 to +-90
    cents over 0.3-2.0 s, its loudness swinging with it by up to swing_db
    dB peak to peak, and a consonant (a dip of consonant_db dB, 80 ms wide)
    1.5 s into the note"""
    time = np.arange(int(round(2.5 / HOP))) * HOP
    extent = 15 + 75 * np.clip((time - .3) / 1.7, 0, 1)
    phase = np.sin(2 * np.pi * 5.5 * time)
    midi = 62 + extent / 100 * phase + np.random.default_rng(0).normal(0, .02, len(time))
    position = np.clip((time - 1.5) / .08 + .5, 0, 1)
    loudness = -30 + swing_db / 2 * extent / 90 * phase - \
        consonant_db * (.5 - .5 * np.cos(2 * np.pi * position))
    silence, quiet = np.full(20, np.nan), np.full(20, -70.)
    return (np.concatenate([silence, hz(midi), silence]),
            np.concatenate([quiet, loudness, quiet]))


@pytest.mark.parametrize('swing_db', [4., 12., 16.])
def test_a_growing_vibrato_is_one_note_with_its_wide_part(swing_db):
    # The loudness of a wide vibrato swings with its pitch, here by more
    # than articulation.DIP_DB: no new attack, one note, and the vibrato
    # found over its wide part up to the note's end
    pitch, loudness = growing_vibrato(swing_db)
    (note,) = singing.analyse(pitch, None, HOP, loudness=loudness).notes
    assert abs(100 * (note.midi - 62)) < 5
    assert note.vibrato.start < 1.2 and note.vibrato.end > 2.6
    assert abs(note.vibrato.rate_hz - 5.5) < .2 and 60 < note.vibrato.extent_cents < 100
    # A consonant inside it goes deeper than the vibrato's own swing: a
    # new syllable, each with its vibrato
    pitch, loudness = growing_vibrato(12., consonant_db=24.)
    first, second = singing.analyse(pitch, None, HOP, loudness=loudness).notes
    assert abs(first.offset - 1.7) < .03 and abs(second.onset - 1.7) < .04
    assert first.vibrato is not None and second.vibrato is not None


def test_a_one_cycle_wobble_is_no_vibrato():
    # One cycle of +-60 cents at 5 Hz in a held note: no vibrato, but its
    # jitter and drift say the note is unsteady
    def shape(t):
        inside = (t >= .4) & (t < .6)
        return 62 + .6 * np.sin(2 * np.pi * 5 * (t - .4)) * inside
    pitch = curve([(.2, None), (1., shape), (.2, None)])
    steady_note = singing.analyse(curve([(.2, None), (1., steady(62.)), (.2, None)]),
                                  None, HOP, window_seconds=0).notes[0]
    (note,) = singing.analyse(pitch, None, HOP, window_seconds=0).notes
    assert note.vibrato is None and note.jitter > 2 * steady_note.jitter


def test_delayed_vibrato_is_a_span_inside_the_note(tmp_path):
    # Held straight for 0.5 s, then 5.5 Hz vibrato of +-50 cents for 1 s
    def shape(t):
        return 62.1 + .5 * np.sin(2 * np.pi * 5.5 * (t - .5)) * (t >= .5)
    pitch = curve([(.2, None), (1.5, shape), (.2, None)])
    report = singing.analyse(pitch, None, HOP, window_seconds=0)
    (note,) = report.notes
    found = note.vibrato
    assert abs(found.rate_hz - 5.5) < .2 and abs(found.extent_cents - 50) < 5
    assert abs(found.start - .7) < .1 and abs(found.end - 1.7) < .1
    assert found.cycles >= 4 and found.regularity > .8
    assert abs(note.vibrato_delay - .5) < .1
    assert abs(report.kpis['vibrato_delay'] - note.vibrato_delay) < 1e-9
    assert abs(100 * (note.midi - 62.1)) < 3
    report.save(tmp_path / 'take.json')
    saved = json.loads((tmp_path / 'take.json').read_text())['notes'][0]
    assert abs(saved['vibrato']['start'] - found.start) < 1e-3
    assert abs(saved['vibrato_delay'] - note.vibrato_delay) < 1e-3
    assert saved['attack'] is None and 'after the onset' in report.summary()


def test_vibrato_across_a_whole_note_starts_at_its_onset():
    pitch = curve([(.2, None), (1., lambda t: 62 + .5 * np.sin(2 * np.pi * 6 * t)),
                   (.2, None)])
    (note,) = singing.analyse(pitch, None, HOP, window_seconds=0).notes
    assert note.vibrato_delay < .06 and note.offset - note.vibrato.end < .06


###############################################################################
# Labels that never overlap
###############################################################################


def test_labels_never_overlap_and_drop_what_does_not_fit():
    frame = labels.Box(0, 0, 100, 40)
    offsets = [(0, 0), (0, 12)]
    wanted = [(20, 5, 30, 10, offsets), (30, 5, 30, 10, offsets),
              (25, 5, 30, 10, offsets), (90, 5, 30, 10, offsets)]
    placed = labels.place(wanted, frame, margin=0)
    assert placed[0] == (20, 5) and placed[1] == (30, 17)
    # No room left for the third; the fourth would leave the frame
    assert placed[2] is None and placed[3] is None
    boxes = [labels.box(x, y, 30, 10) for x, y in filter(None, placed)]
    assert not boxes[0].overlaps(boxes[1])
    assert labels.place([(50, 5, 10, 10, offsets)], frame,
                        blocked=[labels.Box(40, 0, 60, 30)]) == [None]
