import os
import platform
import warnings

import numpy as np
import pytest
import resampy
import torch

import torchcrepe
import torchcrepe.network
import torchcrepe.utils

from .conftest import CAPACITIES
from .signals import tone

EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       'examples', 'sung_phrase.wav')


def cents_error(pitch, truth):
    return (1200 * torch.log2(pitch.double() / truth)).abs()


@pytest.fixture(scope='module')
def vibrato():
    """3 s of a harmonic tone gliding around 220 Hz, and its f0 per 10 ms"""
    f0 = lambda t: 220 * 2 ** (0.4 * np.sin(2 * np.pi * 0.5 * t))  # noqa: E731
    audio = tone(f0, 3., harmonics=5)
    return audio, torch.from_numpy(f0(np.arange(301) / 100.))


###############################################################################
# Frame counts and shapes
###############################################################################


@pytest.mark.parametrize('samples, hop', [(16000, 160), (16001, 160), (5000, 128), (1024, 100)])
def test_frame_counts(samples, hop):
    audio = 0.1 * torch.randn(1, samples)
    padded = torchcrepe.predict(audio, 16000, hop, model='tiny', decoder=torchcrepe.decode.argmax)
    assert padded.shape == (1, 1 + samples // hop)
    unpadded = torchcrepe.predict(audio, 16000, hop, model='tiny', pad=False,
                                  decoder=torchcrepe.decode.argmax)
    assert unpadded.shape == (1, 1 + (samples - 1024) // hop)


def test_default_hop_is_ten_milliseconds():
    audio = 0.1 * torch.randn(1, 8000)
    assert torchcrepe.predict(audio, 8000, model='tiny').shape == (1, 1 + 16000 // 160)


@pytest.mark.parametrize('capacity', CAPACITIES)
def test_embed_shapes(capacity):
    audio = tone(300, .25)
    embedding = torchcrepe.embed(audio, 16000, 160, capacity)
    size = {'tiny': 8, 'small': 16, 'medium': 32, 'large': 48, 'full': 64}[capacity]
    assert embedding.shape == (1, 26, 32, size)

    # The fifth block's map, reshaped as 0.0.24 does
    frames = next(torchcrepe.preprocess(audio, 16000, 160))
    with torch.no_grad():
        direct = torchcrepe.infer(frames, capacity, embed=True)
    assert torch.equal(embedding[0], direct.reshape(26, 32, -1))


def test_embed_from_file(tmp_path):
    from .signals import write_wav
    write_wav(tmp_path / 'a.wav', tone(300, .5).numpy(), 16000)
    embedding = torchcrepe.embed_from_file(tmp_path / 'a.wav', model='tiny')
    assert embedding.shape == (1, 51, 32, 8)
    torchcrepe.embed_from_file_to_file(tmp_path / 'a.wav', tmp_path / 'e.pt', model='tiny')
    assert torch.equal(torch.load(tmp_path / 'e.pt'), embedding)
    torchcrepe.embed_from_files_to_files([tmp_path / 'a.wav'], [tmp_path / 'e.npy'], model='tiny')
    assert np.array_equal(np.load(tmp_path / 'e.npy'), embedding.numpy())


###############################################################################
# Pitch
###############################################################################


@pytest.mark.parametrize('name', list(torchcrepe.decode.DECODERS))
def test_each_decoder_tracks_vibrato(name, vibrato):
    audio, truth = vibrato
    pitch, periodicity = torchcrepe.predict(
        audio, 16000, model='small', decoder=torchcrepe.decode.DECODERS[name],
        return_periodicity=True)
    error = cents_error(pitch[0], truth)[10:-10]
    assert pitch.shape == periodicity.shape == (1, 301)
    assert error.median() < 12
    assert error.max() < 60
    assert periodicity[0, 10:-10].min() > .5


def test_weighted_decoders_beat_quantised_ones(vibrato):
    audio, truth = vibrato
    errors = {}
    for name, decoder in torchcrepe.decode.DECODERS.items():
        pitch = torchcrepe.predict(audio, 16000, model='tiny', decoder=decoder)
        errors[name] = cents_error(pitch[0], truth)[10:-10].median()
    assert errors['weighted_viterbi'] < errors['viterbi']
    assert errors['weighted_argmax'] < errors['argmax']


def test_resampling_from_44100():
    audio = tone(440, 1., sample_rate=44100, harmonics=3)
    pitch, periodicity = torchcrepe.predict(audio, 44100, model='tiny',
                                            return_periodicity=True)
    resampled = resampy.resample(audio[0].numpy(), 44100, 16000)
    assert pitch.shape == (1, 1 + len(resampled) // 160)
    assert cents_error(pitch[0, 5:-5], 440.).max() < 25
    assert periodicity[0, 5:-5].min() > .5

    # Same frames as resampling first and tracking at 16 kHz
    torch.manual_seed(0)
    direct = torchcrepe.predict(torch.from_numpy(resampled)[None], 16000, model='tiny')
    torch.manual_seed(0)
    again = torchcrepe.predict(audio, 44100, model='tiny')
    assert torch.equal(direct, again)


def test_periodicity_separates_tone_from_noise_and_silence():
    audio = torch.cat([tone(200, 1.), 0.1 * torch.randn(1, 16000), torch.zeros(1, 16000)], 1)
    # fmax below the top bins: with fmax=MAX_FMAX, 2 s of noise and silence
    # make the Viterbi path (exactly as the dense one, and 0.0.24's) sit on
    # the top bin throughout, whose transition row is normalised over fewer
    # neighbours; see the README
    _, periodicity = torchcrepe.predict(audio, 16000, fmax=1000., model='tiny',
                                        return_periodicity=True)
    assert periodicity[0, 10:90].min() > .6
    assert periodicity[0, 110:190].max() < .3
    assert periodicity[0, 210:290].max() < .3


def test_pitch_stays_within_fmin_fmax():
    audio = torch.cat([tone(200, 1.), 0.1 * torch.randn(1, 16000)], 1)
    for decoder in torchcrepe.decode.DECODERS.values():
        pitch = torchcrepe.predict(audio, 16000, fmin=100., fmax=400., model='tiny',
                                   decoder=decoder)
        # bins span [100, 400] Hz, plus at most one bin of dither (20 cents)
        assert pitch.min() > 100 * 2 ** (-41 / 1200)
        assert pitch.max() < 400 * 2 ** (41 / 1200)


def test_return_harmonicity_is_deprecated():
    audio = tone(200, .2)
    with pytest.warns(DeprecationWarning, match='return_periodicity'):
        result = torchcrepe.predict(audio, 16000, model='tiny', return_harmonicity=True)
    assert isinstance(result, tuple) and len(result) == 2


def test_no_deprecation_warning_by_default():
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        torchcrepe.predict(tone(200, .2), 16000, model='tiny')


def test_batch_size_never_changes_results(vibrato):
    audio, _ = vibrato
    results = []
    for batch_size in (None, 1, 7, 64, 1000):
        for decoder in (torchcrepe.decode.viterbi, torchcrepe.decode.weighted_argmax):
            torch.manual_seed(3)
            results.append((batch_size, decoder, torchcrepe.predict(
                audio, 16000, model='tiny', decoder=decoder, batch_size=batch_size,
                return_periodicity=True)))
    for batch_size, decoder, (pitch, periodicity) in results:
        reference = next(r for b, d, r in results if d is decoder)
        assert torch.equal(pitch, reference[0]), batch_size
        assert torch.equal(periodicity, reference[1]), batch_size


def test_predict_equals_the_steps(vibrato):
    """predict == postprocess(infer(preprocess(...))) for the same seed"""
    audio, _ = vibrato
    torch.manual_seed(5)
    pitch, periodicity = torchcrepe.predict(audio, 16000, fmin=60., fmax=900., model='tiny',
                                            return_periodicity=True)
    with torch.no_grad():
        probabilities = torch.cat([torchcrepe.infer(frames, 'tiny')
                                   for frames in torchcrepe.preprocess(audio, 16000)])
    probabilities = probabilities.T[None]
    original = probabilities.clone()
    torch.manual_seed(5)
    steps = torchcrepe.postprocess(probabilities, 60., 900., return_periodicity=True)
    assert torch.equal(probabilities, original)  # not modified
    assert torch.equal(steps[0], pitch)
    assert torch.equal(steps[1], periodicity)


def test_multichannel_is_averaged(vibrato):
    audio, _ = vibrato
    stereo = torch.cat([audio, 0.5 * audio])
    torch.manual_seed(1)
    mixed = torchcrepe.predict(stereo, 16000, model='tiny')
    torch.manual_seed(1)
    mono = torchcrepe.predict(stereo.mean(dim=0, keepdim=True), 16000, model='tiny')
    torch.manual_seed(1)
    flat = torchcrepe.predict(stereo.mean(dim=0), 16000, model='tiny')
    assert mixed.shape == (1, 301)
    assert torch.equal(mixed, mono) and torch.equal(flat, mono)


def test_float64_audio_is_accepted(vibrato):
    audio, _ = vibrato
    torch.manual_seed(1)
    a = torchcrepe.predict(audio.double(), 16000, model='tiny')
    torch.manual_seed(1)
    b = torchcrepe.predict(audio, 16000, model='tiny')
    assert torch.equal(a, b)


###############################################################################
# Preprocessing
###############################################################################


def test_preprocess_normalises_frames():
    audio = torch.cat([tone(300, .5, amplitude=.01) + 0.3, torch.zeros(1, 8000)], 1)
    batches = list(torchcrepe.preprocess(audio, 16000, batch_size=20))
    assert [len(b) for b in batches] == [20, 20, 20, 20, 20, 1]
    frames = torch.cat(batches)
    middle = frames[10:40]
    assert middle.mean(dim=1).abs().max() < 1e-5
    assert torch.allclose(middle.std(dim=1), torch.ones(30), atol=1e-5)
    # Silent frames stay zero rather than dividing by zero
    assert frames[-5:].abs().max() == 0


def test_preprocess_edges_are_zero_padded():
    audio = torch.ones(1, 4000) + torch.linspace(0, 1, 4000)[None]
    frames = next(torchcrepe.preprocess(audio, 16000, 100, pad=True))
    manual = torch.nn.functional.pad(audio, (512, 512))[0].unfold(0, 1024, 100)
    manual = manual - manual.mean(dim=1, keepdim=True)
    manual = manual / manual.std(dim=1, keepdim=True)
    assert torch.allclose(frames, manual, atol=1e-6)


###############################################################################
# Reduced precision
###############################################################################


@pytest.mark.skipif(not torch.ops.mkldnn._is_mkldnn_bf16_supported(),
                    reason='oneDNN has no bfloat16 kernels on this CPU')
@pytest.mark.parametrize('capacity', CAPACITIES)
def test_bfloat16_stays_close(capacity, frames, frames_f0, monkeypatch):
    """bfloat16 against float32: weighted_argmax within 5 cents on 97 % of
    the voiced reference frames (independent frames, so no Viterbi there);
    weighted_viterbi within 5 cents on 99 % of the voiced frames of a
    continuous sung note; periodicity within 0.02"""
    # Compute in bfloat16 even where it is emulated (no float32 fallback)
    # and whatever the speed probe would decide
    monkeypatch.setattr(torchcrepe.hardware, 'native_bfloat16', lambda device='cpu': True)
    monkeypatch.setenv(torchcrepe.hardware.ENVIRONMENT, 'always')
    voiced = torch.from_numpy(frames_f0 > 0)
    with torch.no_grad():
        exact = torchcrepe.infer(frames, capacity).T[None]
        reduced = torchcrepe.infer(frames, capacity, precision='bfloat16').T[None]
    bins, pitch = torchcrepe.decode.weighted_argmax(torchcrepe.core.mask(exact, 50., 2006.))
    _, pitch_reduced = torchcrepe.decode.weighted_argmax(
        torchcrepe.core.mask(reduced, 50., 2006.))
    error = cents_error(pitch_reduced[0], pitch[0])[voiced]
    assert (error < 5).float().mean() >= .97
    periodicity = torchcrepe.core.periodicity(exact, bins)
    periodicity_reduced = torchcrepe.core.periodicity(reduced, bins)
    assert (periodicity - periodicity_reduced).abs().max() < .02

    # The bundled phrase's first second: a held note, the glide's start
    audio, rate = torchcrepe.load.audio(EXAMPLE)
    audio = audio[:, :rate]
    options = dict(model=capacity, decoder=torchcrepe.decode.weighted_viterbi,
                   return_periodicity=True)
    pitch, periodicity = torchcrepe.predict(audio, rate, **options)
    pitch_reduced, periodicity_reduced = torchcrepe.predict(
        audio, rate, precision='bfloat16', **options)
    voiced = periodicity[0] >= torchcrepe.core.VOICING_THRESHOLD
    assert voiced.sum() > 60
    error = cents_error(pitch_reduced[0], pitch[0])[voiced]
    assert (error < 5).float().mean() >= .99
    assert (periodicity - periodicity_reduced).abs().max() < .02


def test_float16_needs_cuda():
    with pytest.raises(ValueError, match="float16.*CUDA"):
        torchcrepe.predict(tone(200, .2), 16000, model='tiny', precision='float16')


###############################################################################
# Bad input
###############################################################################


BAD = [
    (dict(fmin=500., fmax=400.), 'fmin must be below fmax'),
    (dict(fmin=20.), 'fmin must be at least 31.7 Hz'),
    (dict(fmax=3000.), 'fmax must be at most 2006'),
    (dict(hop_length=0), 'hop_length must be a positive integer'),
    (dict(hop_length=-160), 'hop_length must be a positive integer'),
    (dict(batch_size=0), 'batch_size must be a positive integer'),
    (dict(model='huge'), "model must be one of 'tiny', 'small', 'medium', 'large', 'full'"),
    (dict(decoder='best'), "decoder must be one of 'argmax'"),
    (dict(decoder=3), 'decoder must be a decoding function'),
    (dict(precision='int8'), "precision must be None or one of 'float32'"),
]


@pytest.mark.parametrize('arguments, message', BAD)
def test_bad_arguments(arguments, message):
    with pytest.raises(ValueError, match=message):
        torchcrepe.predict(tone(200, .2), 16000, **arguments)


@pytest.mark.parametrize('audio, message', [
    (torch.zeros(1, 0), 'audio is empty'),
    (torch.tensor([[0., float('nan'), 0.]]), 'audio contains NaN or Inf'),
    (torch.tensor([[0., float('inf'), 0.]]), 'audio contains NaN or Inf'),
    (torch.zeros(1, 2, 3), r'audio must have shape \(time,\) or \(channels, time\)'),
    (torch.zeros(1, 100, dtype=torch.int16), 'floating-point'),
])
def test_bad_audio(audio, message):
    with pytest.raises(ValueError, match=message):
        torchcrepe.predict(audio, 16000, model='tiny')


def test_non_finite_found_in_any_chunk(monkeypatch):
    """The finiteness check runs in chunks; a bad sample in the last chunk
    of the second channel is still found"""
    monkeypatch.setattr(torchcrepe.checks, 'FINITE_CHUNK', 1000)
    audio = torch.zeros(2, 4321)
    audio[1, 4320] = float('-inf')
    with pytest.raises(ValueError, match='audio contains NaN or Inf'):
        torchcrepe.predict(audio, 16000, model='tiny')
    audio[1, 4320] = 0.
    assert torchcrepe.predict(audio, 16000, model='tiny').shape == (1, 28)


def test_too_short_without_padding():
    with pytest.raises(ValueError, match='shorter than one 1024-sample window'):
        torchcrepe.predict(torch.zeros(1, 1000), 16000, model='tiny', pad=False)
    with pytest.raises(ValueError, match=r'\(2823 at 44100 Hz\)'):
        torchcrepe.embed(torch.zeros(1, 2800), 44100, model='tiny', pad=False)


def test_bad_sample_rate_and_type():
    with pytest.raises(ValueError, match='sample_rate must be a positive integer'):
        torchcrepe.predict(tone(200, .2), 0, model='tiny')
    with pytest.raises(TypeError, match='audio must be a torch.Tensor'):
        torchcrepe.predict(np.zeros((1, 1000)), 16000, model='tiny')


def test_errors_come_before_any_work(monkeypatch):
    """A bad argument is refused before the audio is read or the model runs"""
    def fail(*args, **kwargs):
        raise AssertionError('work started')
    monkeypatch.setattr(torchcrepe.load, 'audio', fail)
    monkeypatch.setattr(torchcrepe.network, 'infer', fail)
    with pytest.raises(ValueError, match='fmin'):
        torchcrepe.predict_from_file('any.wav', fmin=900., fmax=100.)
    with pytest.raises(ValueError, match='model'):
        torchcrepe.predict_from_files_to_files(['a.wav'], ['a.pt'], model='x')
    with pytest.raises(ValueError, match='hop_length'):
        torchcrepe.embed_from_file('any.wav', hop_length=0)


def test_loading_a_model_does_not_move_the_random_state():
    """The same seed gives the same dithered pitch, loaded model or not"""
    audio = torch.sin(2 * np.pi * 220 * torch.arange(8000) / 16000)[None]
    results = []
    for _ in range(2):
        torchcrepe.infer.model = None  # force a load inside predict
        torch.manual_seed(1)
        results.append(torchcrepe.predict(audio, 16000, model='tiny'))
    torch.manual_seed(1)
    results.append(torchcrepe.predict(audio, 16000, model='tiny'))
    assert torch.equal(results[0], results[1]) and torch.equal(results[0], results[2])


###############################################################################
# Viterbi stuck at an end of the range
###############################################################################


def trapping_probabilities():
    """100 frames of weak noise, then 300 of one clear bin (150, 0.7): the
    dense Viterbi path settles at bin 359 and never reaches the note"""
    probabilities = torch.zeros(1, 360, 400)
    generator = torch.Generator().manual_seed(0)
    probabilities[:, :, :100] = .1 * torch.rand(1, 360, 100, generator=generator)
    probabilities[:, 150, 100:] = .7
    return probabilities


def test_postprocess_warns_when_viterbi_sticks_to_an_edge():
    probabilities = trapping_probabilities()
    with pytest.warns(RuntimeWarning, match=r'300 of 400 frames \(75%\)') as caught:
        pitch = torchcrepe.postprocess(probabilities, 0., torchcrepe.MAX_FMAX,
                                       torchcrepe.decode.viterbi_0024)
    # The warning is about real output: the note frames read 2005.5 Hz
    assert torch.allclose(pitch[0, 100:], torch.tensor(2005.5), rtol=.02)
    assert caught[0].filename == __file__

    # Off the edges (the advice in the message) the path follows the note
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        for fmin, fmax, decoder in ((0., torchcrepe.MAX_FMAX, torchcrepe.decode.viterbi),
                                    (36., 1766., torchcrepe.decode.viterbi_0024),
                                    (0., torchcrepe.MAX_FMAX, torchcrepe.decode.weighted_argmax)):
            pitch = torchcrepe.postprocess(probabilities, fmin, fmax, decoder)
            expected = torchcrepe.convert.bins_to_frequency(torch.tensor(150))
            assert torch.allclose(pitch[0, 100:], expected, rtol=.02)


def test_predict_warns_when_viterbi_sticks_to_an_edge(monkeypatch):
    """Through the streaming decoder, with every batch size"""
    probabilities = trapping_probabilities()[0].T

    def network(frames, *args, **kwargs):
        start = network.served
        network.served += len(frames)
        return probabilities[start:start + len(frames)]

    audio = tone(200, 399 * 160 / 16000)
    monkeypatch.setattr(torchcrepe.network, 'infer', network)
    for batch_size in (None, 64, 1000):
        network.served = 0
        with pytest.warns(RuntimeWarning, match=r'300 of 400 frames') as caught:
            torchcrepe.predict(audio, 16000, fmin=31.7, batch_size=batch_size,
                               decoder=torchcrepe.decode.viterbi_0024)
        assert caught[0].filename == __file__
    network.served = 0
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        torchcrepe.predict(audio, 16000, fmin=31.7)


@pytest.mark.skipif(platform.libc_ver()[0] != 'glibc', reason='glibc only')
def test_freed_memory_is_handed_back_on_glibc(monkeypatch):
    """Without malloc_trim the heap creeps up with the file's length"""
    memory = torchcrepe.utils.MEMORY
    assert memory.trim is not None and memory.enabled
    calls = []
    monkeypatch.setattr(memory, 'trim', lambda pad: calls.append(pad))
    monkeypatch.setitem(torchcrepe.network.CPU_BLOCK_SIZE, 'tiny', 32)
    torchcrepe.predict(tone(200, 1.), 16000, model='tiny', batch_size=32)
    assert calls == [0] * 4  # once per batch: 101 frames in batches of 32

    # Turned off, the process's heap is left alone, with the same numbers
    calls.clear()
    monkeypatch.setattr(memory, 'enabled', False)
    torchcrepe.predict(tone(200, 1.), 16000, model='tiny', batch_size=32)
    assert calls == []
