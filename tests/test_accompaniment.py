"""torchcrepe.accompaniment: the singer's pitch over a guide piano heard
through a speaker, on constructed signals with exact answers"""
import numpy as np
import pytest
import scipy.signal
import torch

import torchcrepe
from torchcrepe import accompaniment

RATE = 16000
SECONDS = 4.
# The piano's note and the singer, 30 cents sharp of it
PIANO_HZ = 220.
VOICE_HZ = PIANO_HZ * 2 ** (30 / 1200)
DELAY = .123
VOICING = torchcrepe.defaults.VOICING


def piano_like(seconds=SECONDS, rate=RATE, hz=PIANO_HZ, onsets=(.2, 1.4, 2.6)):
    """Struck notes: a hammer's short noise, then stretched (inharmonic)
    partials, each decaying"""
    time = np.arange(int(seconds * rate)) / rate
    signal = np.zeros_like(time)
    generator = np.random.default_rng(int(hz))
    for onset in onsets:
        start = int(onset * rate)
        thud = generator.standard_normal(int(.01 * rate)) * np.exp(-np.arange(int(.01 * rate)) / 40)
        signal[start:start + len(thud)] += .5 * thud[:len(signal) - start]
        after = np.clip(time - onset, 0, None)
        on = time >= onset
        for partial in range(1, 12):
            frequency = partial * hz * np.sqrt(1 + 4e-4 * partial ** 2)
            decay = np.exp(-after * (1.5 + .4 * partial))
            signal += on * decay * np.sin(2 * np.pi * frequency * after) / partial
    return .3 * signal / np.abs(signal).max()


def voice_like(seconds=SECONDS, rate=RATE, hz=VOICE_HZ, start=.5, stop=3.5):
    """A held sung vowel: harmonics with a formant-like tilt, soft edges"""
    time = np.arange(int(seconds * rate)) / rate
    phase = 2 * np.pi * hz * time
    signal = sum(np.sin(partial * phase) * .8 ** partial for partial in range(1, 10))
    envelope = np.clip(np.minimum(time - start, stop - time) / .05, 0, 1)
    return .2 * envelope * signal / np.abs(signal).max()


def heard(played, rate=RATE, delay=DELAY):
    """The accompaniment through a phone-like speaker and a small room,
    `delay` s late"""
    band = scipy.signal.butter(2, [300, 6000], 'bandpass', fs=rate, output='sos')
    speaker = scipy.signal.sosfilt(band, played)
    room = np.zeros(int(.03 * rate))
    room[[0, int(.004 * rate), int(.011 * rate), int(.023 * rate)]] = [1, -.3, .2, .1]
    through = scipy.signal.fftconvolve(speaker, room)[:len(played)]
    return np.concatenate([np.zeros(int(round(delay * rate))), through])[:len(played)]


def tensor(signal):
    return torch.tensor(signal, dtype=torch.float32)[None]


def level(signal, reference, decibels):
    return signal * np.sqrt(np.mean(reference ** 2) / np.mean(signal ** 2)) * 10 ** (decibels / 20)


def track(audio, rate=RATE, **kwargs):
    return torchcrepe.predict(audio, rate, model='tiny', fmin=100., fmax=800.,
                              decoder=torchcrepe.decode.weighted_viterbi,
                              return_periodicity=True, **kwargs)


def held_frames(pitch):
    """Frames well inside the sung note (0.8 .. 3.2 s at 10 ms)"""
    return pitch[0, 80:320]


@pytest.fixture(scope='module')
def scene():
    played = piano_like()
    voice = voice_like()
    echo = level(heard(played), voice, 0.)
    return played, voice, voice + echo


def cents(pitch, hz):
    return 1200 * torch.log2(pitch / hz)


def test_the_delay_is_found_to_the_sample(scene):
    played, _, mixture = scene
    cancelled = accompaniment.cancel(tensor(mixture), RATE, tensor(played))
    assert cancelled.delay == pytest.approx(DELAY, abs=1 / RATE)
    assert cancelled.audio.shape == cancelled.echo.shape == (1, len(mixture))


def test_the_singer_is_not_pulled_to_the_piano(scene):
    played, voice, mixture = scene
    clean, _ = track(tensor(voice))
    pulled, _ = track(tensor(mixture))
    cleaned, _ = track(tensor(mixture), accompaniment=tensor(played))
    truth = 1200 * np.log2(VOICE_HZ / PIANO_HZ)
    clean_offset = cents(held_frames(clean), PIANO_HZ).median().item()
    assert clean_offset == pytest.approx(truth, abs=5)
    # Without the accompaniment the piano as loud as the voice drags the
    # reading; with it the offset is the clean voice's within 2 cents
    assert abs(cents(held_frames(pulled), PIANO_HZ).median().item() - clean_offset) > 3
    assert cents(held_frames(cleaned), PIANO_HZ).median().item() == pytest.approx(
        clean_offset, abs=2)


def test_frames_of_the_piano_alone_are_unvoiced(scene):
    played, voice, mixture = scene
    _, alone = track(tensor(mixture))
    _, cleaned = track(tensor(mixture), accompaniment=tensor(played))
    # 0.36 .. 0.46 s: the piano's first note is heard (0.2 s + the delay),
    # the singer has not begun. The echo is removed on 128 ms frames, which
    # smear an onset: the stroke's first 30 ms and the 60 ms before the
    # voice begins (at 0.5 s) keep some periodicity
    assert alone[0, 36:47].min() > .5
    assert cleaned[0, 36:39].max() < .5
    assert cleaned[0, 39:44].max() < VOICING
    # The sung frames stay voiced
    assert held_frames(cleaned).min() > .5


def test_the_echo_removed_is_the_echo(scene):
    played, voice, mixture = scene
    cancelled = accompaniment.cancel(tensor(mixture), RATE, tensor(played))
    echo = mixture - voice
    left = cancelled.audio[0].double().numpy() - voice
    # Over 15 dB of the echo's power is gone (20.0 measured: the echo
    # path is a filter per band, which leaves what crosses bands), the
    # voice is kept
    assert 10 * np.log10(np.sum(echo ** 2) / np.sum(left ** 2)) > 15


def test_silent_or_unrelated_accompaniment_does_no_harm(scene):
    _, voice, _ = scene
    clean, clean_periodicity = track(tensor(voice))
    silent = np.zeros(len(voice))
    pitch, periodicity = track(tensor(voice), accompaniment=tensor(silent))
    assert torch.equal(pitch, clean) and torch.equal(periodicity, clean_periodicity)
    generator = np.random.default_rng(0)
    unrelated = piano_like(hz=311.) + .01 * generator.standard_normal(len(voice))
    pitch, periodicity = track(tensor(voice), accompaniment=tensor(unrelated))
    offset = (cents(held_frames(pitch), 1.) - cents(held_frames(clean), 1.)).abs()
    assert offset.max().item() < 2
    assert held_frames(periodicity).min() > .5


def test_other_rates_lengths_and_channels(scene):
    played, voice, mixture = scene
    # The accompaniment at 44.1 kHz, shorter than the recording, in stereo
    fine = scipy.signal.resample_poly(played, 441, 160)[:int(3.5 * 44100)]
    stereo = torch.tensor(np.stack([fine, fine]), dtype=torch.float32)
    cancelled = accompaniment.cancel(tensor(mixture), RATE, stereo, 44100)
    assert cancelled.delay == pytest.approx(DELAY, abs=2 / RATE)
    # Longer than the recording: the rest is unused
    longer = np.concatenate([played, piano_like(seconds=2.)])
    cancelled = accompaniment.cancel(tensor(mixture), RATE, tensor(longer))
    assert cancelled.delay == pytest.approx(DELAY, abs=1 / RATE)
    # A recording at 22.05 kHz: the result keeps its rate and length
    recording = scipy.signal.resample_poly(mixture, 441, 320)
    cancelled = accompaniment.cancel(tensor(recording), 22050, tensor(played), RATE)
    assert cancelled.audio.shape == (1, len(recording))
    assert cancelled.delay == pytest.approx(DELAY, abs=2 / RATE)


@pytest.mark.parametrize('late', [0., .02, .48])
def test_delays_within_the_bound(late):
    played = piano_like(seconds=3.)
    voice = voice_like(seconds=3., start=.6, stop=2.4)
    mixture = voice + level(heard(played, delay=late), voice, -6.)
    found = accompaniment.cancel(tensor(mixture), RATE, tensor(played)).delay
    assert found == pytest.approx(late, abs=1 / RATE)


def test_a_delay_past_the_bound_is_not_found():
    played = piano_like(seconds=3.)
    mixture = voice_like(seconds=3.) + heard(played, delay=.4)
    found = accompaniment.cancel(tensor(mixture), RATE, tensor(played), max_delay=.2).delay
    assert 0 <= found <= .2


def test_without_accompaniment_nothing_changes(scene):
    _, _, mixture = scene
    assert all(torch.equal(a, b) for a, b in zip(
        track(tensor(mixture)), track(tensor(mixture), accompaniment=None)))


@pytest.mark.parametrize('kwargs, message', [
    ({'accompaniment': 'piano.wav'}, 'accompaniment must be a torch.Tensor'),
    ({'accompaniment': torch.zeros(1, 0)}, 'accompaniment is empty'),
    ({'accompaniment': torch.full((1, 100), float('nan'))}, 'NaN'),
    ({'accompaniment': torch.zeros(1, 2, 100)}, 'accompaniment must have shape'),
    ({'accompaniment': torch.zeros(1, 100, dtype=torch.int16)}, 'floating point'),
    ({'accompaniment': torch.zeros(1, 100), 'accompaniment_rate': 8.5}, 'accompaniment_rate'),
    ({'accompaniment_rate': 44100}, 'accompaniment_rate needs accompaniment'),
])
def test_bad_accompaniments_are_refused(kwargs, message):
    with pytest.raises(torchcrepe.ParameterError, match=message):
        track(torch.zeros(1, RATE), **kwargs)


def test_bad_cancel_arguments_are_refused():
    audio = torch.zeros(1, RATE)
    with pytest.raises(torchcrepe.ParameterError, match='audio must be mono'):
        accompaniment.cancel(torch.zeros(2, RATE), RATE, audio)
    with pytest.raises(torchcrepe.ParameterError, match='max_delay'):
        accompaniment.cancel(audio, RATE, audio, max_delay=3.)
    with pytest.raises(torchcrepe.ParameterError, match='length'):
        accompaniment.cancel(audio, RATE, audio, length=0.)
    with pytest.raises(torchcrepe.ParameterError, match='sample_rate'):
        accompaniment.cancel(audio, 100, audio)


def test_audio_that_needs_a_gradient_is_refused():
    audio = torch.zeros(1, RATE, requires_grad=True)
    with pytest.raises(torchcrepe.ParameterError, match='not differentiable'):
        track(audio, accompaniment=torch.zeros(1, RATE))


###############################################################################
# The command line: --accompaniment
###############################################################################


def main(*arguments):
    from torchcrepe import __main__ as cli
    try:
        return cli.main([str(argument) for argument in arguments])
    except SystemExit as exit:
        return exit.code


@pytest.fixture(scope='module')
def files(tmp_path_factory, scene):
    """(take.wav at 22.05 kHz, piano.wav at 16 kHz, voice.wav)"""
    from tests.signals import write_wav
    played, voice, mixture = scene
    folder = tmp_path_factory.mktemp('accompanied')
    take = folder / 'take.wav'
    write_wav(take, torch.tensor(scipy.signal.resample_poly(mixture, 441, 320),
                                 dtype=torch.float32)[None], 22050)
    piano = folder / 'piano.wav'
    write_wav(piano, tensor(played), RATE)
    sung = folder / 'voice.wav'
    write_wav(sung, torch.tensor(scipy.signal.resample_poly(voice, 441, 320),
                                 dtype=torch.float32)[None], 22050)
    return take, piano, sung


def read_pitch(path):
    rows = np.genfromtxt(path, delimiter=',', names=True)
    return rows['frequency'], rows['periodicity']


def test_command_line_tracks_the_singer(files, tmp_path, capsys):
    take, piano, sung = files
    common = ['--model', 'tiny', '--fmin', '100', '--fmax', '800']
    assert main('--audio_files', take, '--output_files', tmp_path / 'with.csv',
                '--accompaniment', piano, *common) == 0
    assert f'{take}: accompaniment {piano} found 123 ms late' in capsys.readouterr().err
    assert main('--audio_files', sung, '--output_files', tmp_path / 'voice.csv', *common) == 0
    assert main('--audio_files', take, '--output_files', tmp_path / 'without.csv', *common) == 0
    voice_pitch, _ = read_pitch(tmp_path / 'voice.csv')
    with_pitch, with_periodicity = read_pitch(tmp_path / 'with.csv')
    without_pitch, without_periodicity = read_pitch(tmp_path / 'without.csv')
    held = slice(80, 320)
    offset = np.nanmedian(1200 * np.log2(with_pitch[held] / voice_pitch[held]))
    assert abs(offset) < 2
    pulled = np.nanmedian(1200 * np.log2(without_pitch[held] / voice_pitch[held]))
    assert abs(pulled) > 3
    # The piano alone, once its stroke is past, is unvoiced only with it
    assert np.all(without_periodicity[39:47] > .5)
    assert np.all(with_periodicity[39:44] < VOICING)


def test_command_line_singing_report_with_accompaniment(files, tmp_path):
    take, piano, _ = files
    report = tmp_path / 'take.json'
    assert main('--audio_files', take, '--singing_report', report, '--model', 'tiny',
                '--accompaniment', piano) == 0
    import json
    notes = json.load(open(report))['notes']
    # One held note, sung 30 cents sharp of A3
    assert len(notes) == 1
    assert notes[0]['name'] == 'A3'


@pytest.mark.parametrize('arguments, message', [
    (['--accompaniment', 'missing.wav'], "--accompaniment: 'missing.wav' is not a file"),
    (['--accompaniment', 'PIANO', 'PIANO'],
     '--accompaniment needs one file for all audio files or one per audio file: got 2 for 1'),
])
def test_command_line_refuses_before_any_work(files, tmp_path, capsys, arguments, message):
    take, piano, _ = files
    arguments = [piano if argument == 'PIANO' else argument for argument in arguments]
    status = main('--audio_files', take, '--output_files', tmp_path / 'p.csv', *arguments)
    assert status == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / 'p.csv').exists()


def test_command_line_refuses_with_embed_and_other_modes(files, tmp_path, capsys):
    take, piano, _ = files
    assert main('--audio_files', take, '--output_files', tmp_path / 'e.npy', '--embed',
                '--accompaniment', piano) == 2
    assert '--accompaniment cannot be used with --embed' in capsys.readouterr().err
    assert main('--audio_dir', take.parent, '--output_dir', tmp_path / 'out',
                '--accompaniment', piano) == 2
    assert '--accompaniment' in capsys.readouterr().err
