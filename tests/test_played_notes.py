"""torchcrepe.played_notes: the singer's pitch over a guide piano known
only by its notes, on the constructed scene of tests/test_accompaniment.py"""
import numpy as np
import pytest
import torch

from torchcrepe import played_notes
from torchcrepe.utils import ParameterError

from .test_accompaniment import (DELAY, PIANO_HZ, RATE, VOICING, cents, heard, held_frames,
                                 level, main, piano_like, tensor, track, voice_like)

# piano_like's strokes, each held until the next, as the app's note list
NOTES = [(.2, 1.4, 57.), (1.4, 2.6, 57.), (2.6, 4., 57.)]


def sung_with_vibrato(seconds=4., hz=PIANO_HZ * 2 ** (35 / 1200), start=.5, stop=3.5):
    """A held vowel 35 cents sharp of the piano with a 5.5 Hz, +-40-cent
    vibrato, as a singer holds a note"""
    time = np.arange(int(seconds * RATE)) / RATE
    frequency = hz * 2 ** (.4 * np.sin(2 * np.pi * 5.5 * time) / 12)
    phase = 2 * np.pi * np.cumsum(frequency) / RATE
    signal = sum(np.sin(partial * phase) * .8 ** partial for partial in range(1, 10))
    envelope = np.clip(np.minimum(time - start, stop - time) / .05, 0, 1)
    return .2 * envelope * signal / np.abs(signal).max()


@pytest.fixture(scope='module')
def scene():
    played = piano_like()
    voice = sung_with_vibrato()
    return voice, voice + level(heard(played), voice, 0.)


def test_the_delay_is_found_from_the_onsets(scene):
    _, mixture = scene
    cancelled = played_notes.cancel_notes(tensor(mixture), RATE, NOTES)
    # The onset curve's frames (16 ms) see a stroke after silence up to
    # half a frame early (110 ms found for 123)
    assert cancelled.delay == pytest.approx(DELAY, abs=.016)
    assert cancelled.audio.shape == cancelled.echo.shape == (1, len(mixture))


def test_the_piano_alone_is_unvoiced_and_the_singer_pulled_less(scene):
    voice, mixture = scene
    clean, _ = track(tensor(voice))
    pulled, alone = track(tensor(mixture))
    cleaned, periodicity = track(tensor(mixture), accompaniment_notes=NOTES)
    # 0.36 .. 0.46 s: the piano's first note is heard, the singer has not begun
    assert alone[0, 36:47].min() > .5
    assert periodicity[0, 36:47].max() < VOICING
    assert held_frames(periodicity).min() > VOICING
    # The vibrato's centre against the piano's note: the pull toward the
    # piano is gone within 2 cents (measured: 10.9 cents of pull -> 0.3)
    offset = {name: cents(held_frames(pitch), PIANO_HZ).mean().item()
              for name, pitch in (('clean', clean), ('pulled', pulled), ('cleaned', cleaned))}
    assert abs(offset['pulled'] - offset['clean']) > 8
    assert abs(offset['cleaned'] - offset['clean']) < 2


def test_the_model_takes_the_piano_alone(scene):
    played = piano_like()
    echo = heard(played)
    modelled = played_notes.model(echo, np.array(NOTES), DELAY)
    # Each partial one decaying sinusoid per note: over 15 dB of a piano
    # alone (17.3 measured; its strokes are noise)
    assert 10 * np.log10(np.sum(echo ** 2) / np.sum((echo - modelled) ** 2)) > 15


@pytest.mark.parametrize('sung', ['vibrato', 'steady'])
def test_no_notes_or_no_piano_do_no_harm(sung):
    voice = sung_with_vibrato() if sung == 'vibrato' else voice_like()
    clean, clean_periodicity = track(tensor(voice))
    pitch, periodicity = track(tensor(voice), accompaniment_notes=np.zeros((0, 3)))
    assert torch.equal(pitch, clean) and torch.equal(periodicity, clean_periodicity)
    # The notes given, the piano not heard (no strokes at their onsets):
    # nothing is removed, bit for bit
    cancelled = played_notes.cancel_notes(tensor(voice), RATE, NOTES)
    assert not cancelled.echo.any()
    pitch, periodicity = track(tensor(voice), accompaniment_notes=NOTES)
    assert torch.equal(pitch, clean) and torch.equal(periodicity, clean_periodicity)


def test_other_notes_do_no_harm():
    voice = sung_with_vibrato()
    clean, clean_periodicity = track(tensor(voice))
    # Notes of a key nobody played (D#4): the voice is left within 2 cents
    pitch, periodicity = track(tensor(voice), accompaniment_notes=[(.2, 1.4, 63.), (1.4, 3.8, 63.)])
    offset = (cents(held_frames(pitch), 1.) - cents(held_frames(clean), 1.)).abs()
    assert offset.median().item() < 2
    assert held_frames(periodicity).min() > VOICING


def test_without_notes_nothing_changes(scene):
    _, mixture = scene
    assert all(torch.equal(a, b) for a, b in zip(
        track(tensor(mixture)), track(tensor(mixture), accompaniment_notes=None)))


@pytest.mark.parametrize('notes, match', [
    ([(0., 1., 60.)] * 2 + [(1., 2.)], 'must be rows|shape'),
    ([[0., 1., 60., 1.]], 'shape'),
    ([(0., 1., float('nan'))], 'NaN'),
    ([(1., .5, 60.)], 'before its offset'),
    ([(-.1, .5, 60.)], 'onset must be >= 0'),
    ([(0., 1., 12.)], '21 .. 108'),
    ('notes.csv', 'rows'),
])
def test_bad_notes_are_refused_before_any_work(notes, match):
    with pytest.raises(ParameterError, match=match):
        track(tensor(voice_like()), accompaniment_notes=notes)


def test_notes_clash_with_audio_and_gradients():
    voice = tensor(voice_like())
    with pytest.raises(ParameterError, match='not both'):
        track(voice, accompaniment=tensor(piano_like()), accompaniment_notes=NOTES)
    with pytest.raises(ParameterError, match='accompaniment_rate needs accompaniment'):
        track(voice, accompaniment_rate=RATE, accompaniment_notes=NOTES)
    with pytest.raises(ParameterError, match='requires grad'):
        track(voice.clone().requires_grad_(), accompaniment_notes=NOTES)
    with pytest.raises(ParameterError, match='max_delay'):
        played_notes.cancel_notes(voice, RATE, NOTES, max_delay=3.)


###############################################################################
# The command line: --accompaniment with a note file
###############################################################################


def test_command_line_reads_notes(scene, tmp_path, capsys):
    from tests.signals import write_wav
    voice, mixture = scene
    take, sung = tmp_path / 'take.wav', tmp_path / 'voice.wav'
    write_wav(take, tensor(mixture), RATE)
    write_wav(sung, tensor(voice), RATE)
    notes = tmp_path / 'guide.csv'
    notes.write_text('onset,offset,midi\n' + ''.join(f'{a},{b},{m}\n' for a, b, m in NOTES))
    common = ['--model', 'tiny', '--fmin', '100', '--fmax', '800']
    assert main('--audio_files', take, '--output_files', tmp_path / 'with.csv',
                '--accompaniment', notes, *common) == 0
    assert f'{take}: accompaniment notes found 110 ms late' in capsys.readouterr().err
    assert main('--audio_files', take, '--output_files', tmp_path / 'without.csv', *common) == 0
    with_rows = np.genfromtxt(tmp_path / 'with.csv', delimiter=',', names=True)
    without_rows = np.genfromtxt(tmp_path / 'without.csv', delimiter=',', names=True)
    # The piano alone (0.36 .. 0.46 s) is unvoiced only with the notes
    assert np.all(without_rows['periodicity'][36:47] > .5)
    assert np.all(with_rows['periodicity'][36:47] < VOICING)


def test_command_line_refuses_bad_note_files_before_any_work(scene, tmp_path, capsys):
    from tests.signals import write_wav
    take = tmp_path / 'take.wav'
    write_wav(take, tensor(scene[1]), RATE)
    bad = tmp_path / 'bad.csv'
    bad.write_text('onset,offset,midi\n0.5,0.2,60\n')
    assert main('--audio_files', take, '--output_files', tmp_path / 'p.csv',
                '--accompaniment', bad) == 2
    assert f'--accompaniment {bad}:' in capsys.readouterr().err
    assert not (tmp_path / 'p.csv').exists()


def test_note_formats_are_the_reference_formats():
    from torchcrepe.cli import files
    from torchcrepe.singing import targets
    assert set(files.NOTE_FORMATS) == set(targets.FORMATS)
