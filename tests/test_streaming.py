import numpy as np
import pytest
import resampy
import torch

from torchcrepe import framing
from torchcrepe.streaming import Resampler
from torchcrepe.utils import ParameterError


RATES = (22050, 44100, 48000, 8000, 32000)

# Resampler mirrors resampy 0.4's kernel, so there it is equal bit for bit;
# any resampy stays within this
TOLERANCE = 1e-6
EXACT = resampy.version.version.startswith('0.4.')


def noise(samples, seed=0):
    """Uniform noise in [-1, 1): every output sample depends on every tap"""
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, samples).astype(np.float32)


def offline(audio, sample_rate):
    """What predict does to the whole signal"""
    return framing.resample(torch.from_numpy(audio)[None], sample_rate)[0].numpy()


def sizes(chunking, total, seed=0):
    """Chunk lengths covering `total` samples: fixed, or random (with 0s)"""
    rng = np.random.default_rng(seed)
    result = []
    while sum(result) < total:
        result.append(int(rng.integers(0, 3000)) if chunking == 'random'
                      else chunking)
    return result


def stream(resampler, audio, lengths):
    """Every array push and finish return, in order"""
    outputs, start = [], 0
    for length in lengths:
        outputs.append(resampler.push(audio[start:start + length]))
        start += length
    outputs.append(resampler.finish())
    for output in outputs:
        assert output.dtype == np.float32 and output.ndim == 1
    return outputs


def assert_same(streamed, expected):
    assert streamed.shape == expected.shape
    assert np.abs(streamed - expected).max() <= TOLERANCE
    if EXACT:
        assert np.array_equal(streamed, expected)


@pytest.mark.parametrize('sample_rate', RATES)
@pytest.mark.parametrize('chunking', (1, 7, 441, 4096, 'random'))
def test_any_chunking_gives_the_offline_resampling(sample_rate, chunking):
    # Short for one-sample pushes (Python calls), longer for the rest
    seconds = .1 if chunking in (1, 7) else .7
    audio = noise(int(seconds * sample_rate) + 13, seed=sample_rate)
    streamed = np.concatenate(stream(
        Resampler(sample_rate), audio, sizes(chunking, len(audio))))
    expected = offline(audio, sample_rate)
    assert len(expected) == int(len(audio) * 16000 / sample_rate)
    assert_same(streamed, expected)


def test_a_loud_signal_and_a_torch_tensor():
    # Full scale sines near Nyquist and near silence, in float64 torch
    time = np.arange(44100) / 44100
    audio = np.sin(2 * np.pi * 7900 * time) * np.where(time < .5, 1, 1e-4)
    resampler = Resampler(44100)
    streamed = np.concatenate(
        [resampler.push(torch.from_numpy(audio[start:start + 441]))
         for start in range(0, len(audio), 441)] + [resampler.finish()])
    assert_same(streamed, offline(audio.astype(np.float32), 44100))


def test_at_16_khz_it_is_the_identity_without_delay():
    audio = noise(1000)
    resampler = Resampler(16000)
    assert resampler.lookahead == 0 and resampler.lookahead_seconds == 0
    for start in range(0, 1000, 333):
        chunk = audio[start:start + 333]
        output = resampler.push(torch.from_numpy(chunk))
        assert output.dtype == np.float32
        assert np.array_equal(output.view(np.uint32), chunk.view(np.uint32))
    assert len(resampler.finish()) == 0


def test_empty_and_single_sample_pushes():
    audio = noise(2000)
    resampler = Resampler(44100)
    assert len(resampler.push(np.zeros(0, np.float32))) == 0
    assert len(resampler.push(torch.zeros(0))) == 0
    # Nothing is final until the right wing has arrived
    assert len(resampler.push(audio[:1])) == 0
    outputs = [resampler.push(audio[1:1000])]
    for sample in audio[1000:1010]:
        outputs.append(resampler.push(audio[:0]))
        outputs.append(resampler.push(np.array([sample])))
    outputs.append(resampler.push(audio[1010:]))
    outputs.append(resampler.finish())
    assert_same(np.concatenate(outputs), offline(audio, 44100))


@pytest.mark.parametrize('samples', (3, 50, 137, 300))
def test_signals_shorter_than_the_filter(samples):
    # The filter spans 137 input samples on either side at 44.1 kHz
    audio = noise(samples, seed=samples)
    for chunking in (1, samples):
        streamed = np.concatenate(
            stream(Resampler(44100), audio, sizes(chunking, samples)))
        assert_same(streamed, offline(audio, 44100))


def test_too_short_for_one_output_sample_gives_nothing():
    # resampy refuses 2 samples at 44.1 kHz (int(2 * 16000 / 44100) == 0)
    with pytest.raises(ValueError):
        offline(noise(2), 44100)
    resampler = Resampler(44100)
    assert len(resampler.push(noise(2))) == 0
    assert len(resampler.finish()) == 0
    assert len(Resampler(44100).finish()) == 0


@pytest.mark.parametrize('sample_rate, lookahead', (
    (22050, 68), (44100, 137), (48000, 150), (8000, 50), (32000, 100)))
def test_lookahead(sample_rate, lookahead):
    resampler = Resampler(sample_rate)
    assert resampler.lookahead == lookahead
    assert resampler.lookahead_seconds == lookahead / sample_rate
    # A few milliseconds: the filter's right wing
    assert resampler.lookahead_seconds <= (.00626 if sample_rate == 8000 else .0032)


@pytest.mark.parametrize('sample_rate, samples', ((22050, 600), (8000, 300)))
def test_each_output_sample_is_returned_as_soon_as_its_inputs_are_in(
        sample_rate, samples):
    audio = noise(samples, seed=1)
    resampler = Resampler(sample_rate)
    # pushed[t]: input samples pushed when output t came back
    pushed = []
    for count in range(1, len(audio) + 1):
        returned = resampler.push(audio[count - 1:count])
        pushed += [count] * len(returned)
    held = len(pushed)
    pushed += [None] * len(resampler.finish())
    assert len(pushed) == len(offline(audio, sample_rate))
    assert held > len(pushed) * .5

    # No later than `lookahead` input samples after the sample's time (a
    # bound over all phases of the filter, tight within one sample) ...
    times = np.arange(held) * sample_rate / 16000
    late = np.array(pushed[:held]) - 1 - times
    assert late.max() <= resampler.lookahead
    assert late.min() >= resampler.lookahead - 2

    # ... and no sooner than the last input it reads: moving that input
    # moves the sample in the offline resampling
    moved = np.repeat(audio[None], held, axis=0)
    moved[np.arange(held), np.array(pushed[:held]) - 1] += 1e4
    changed = resampy.resample(moved, sample_rate, 16000, axis=-1)
    before = offline(audio, sample_rate)
    assert np.all(changed[np.arange(held), np.arange(held)] != before[:held])


@pytest.mark.parametrize('sample_rate', (0, -16000, 44100., '44100', True, None))
def test_a_bad_sample_rate_is_refused(sample_rate):
    with pytest.raises(ParameterError, match='sample_rate must be a positive integer'):
        Resampler(sample_rate)


def test_a_bad_target_is_refused():
    with pytest.raises(ParameterError, match='target must be a positive integer'):
        Resampler(44100, target=0)
    # Past this, resampy's table has no entry between taps (it divides by 0)
    with pytest.raises(ParameterError, match='sample_rate must be at most 131072000 Hz'):
        Resampler(16000 * 8192 + 1)


@pytest.mark.parametrize('samples, message', (
    (np.zeros((2, 10), np.float32), 'samples must be 1-D'),
    (np.zeros(10, np.int16), 'samples must hold floating-point'),
    (torch.zeros(1, 10), 'samples must be 1-D')))
def test_bad_samples_are_refused(samples, message):
    for sample_rate in (16000, 44100):
        with pytest.raises(ParameterError, match=message):
            Resampler(sample_rate).push(samples)


@pytest.mark.parametrize('sample_rate', (16000, 44100))
def test_push_or_finish_after_finish_is_refused(sample_rate):
    resampler = Resampler(sample_rate)
    resampler.push(noise(1000))
    resampler.finish()
    with pytest.raises(RuntimeError, match=r'push\(\) called after finish\(\)'):
        resampler.push(noise(10))
    with pytest.raises(RuntimeError, match=r'finish\(\) called after finish\(\)'):
        resampler.finish()
