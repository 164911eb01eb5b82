"""torchcrepe.live: the frames a Tracker returns push by push are predict's"""
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import torch

import torchcrepe
from torchcrepe import decode, files, live
from torchcrepe.constants import VOICING_THRESHOLD
from torchcrepe.decode import ViterbiPath

DECODERS = ['argmax', 'weighted_argmax', 'viterbi', 'weighted_viterbi']
HOP = 160  # 10 ms at 16 kHz


def singing(seconds=.5, sample_rate=16000, seed=0):
    """A gliding tone with harmonics and noise, a silent gap and a jump:
    float32 (samples,)"""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    f0 = np.where(t < seconds / 2, 220 * 2 ** (t / 2), 330 + 20 * np.sin(2 * np.pi * 5 * t))
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    audio = .4 * np.sin(phase) + .2 * np.sin(2 * phase) + .02 * rng.standard_normal(len(t))
    gap = slice(int(.3 * len(t)), int(.4 * len(t)))
    audio[gap] = .001 * rng.standard_normal(gap.stop - gap.start)
    return audio.astype(np.float32)


def offline(audio, sample_rate, seed=3, **options):
    torch.manual_seed(seed)
    pitch, periodicity = torchcrepe.predict(
        torch.from_numpy(audio)[None], sample_rate, model='tiny',
        return_periodicity=True, **options)
    return pitch[0].numpy(), periodicity[0].numpy()


def chunks(total, size, seed=0, largest=900):
    """Push lengths: all `size`, or random in 0..largest ('random')"""
    rng = np.random.default_rng(seed)
    start = 0
    while start < total:
        step = int(rng.integers(0, largest + 1)) if size == 'random' else size
        yield start, start + step
        start += step


def streamed(audio, sample_rate, size, seed=3, **options):
    """Every push's Frames (the finish's last), and where each push ended
    (input samples)"""
    torch.manual_seed(seed)
    tracker = live.Tracker(sample_rate, model='tiny', **options)
    pushes, ends = [], []
    for start, stop in chunks(len(audio), size):
        pushes.append(tracker.push(audio[start:stop]))
        ends.append(min(stop, len(audio)))
    pushes.append(tracker.finish())
    ends.append(len(audio))
    return pushes, ends


def joined(pushes):
    return tuple(np.concatenate([getattr(frames, name) for frames in pushes])
                 for name in ('time', 'pitch', 'periodicity'))


def cents(a, b):
    return 1200 * np.abs(np.log2(a.astype(np.float64) / b.astype(np.float64)))


###############################################################################
# Equality with predict
###############################################################################


@pytest.mark.parametrize('decoder', DECODERS)
def test_equals_predict_at_16khz_for_any_pushes(decoder):
    audio = singing(.3)
    pitch, periodicity = offline(audio, 16000, decoder=decoder)
    for size in (7, 441, 4096, 'random'):
        time_, pitch_, periodicity_ = joined(streamed(audio, 16000, size, decoder=decoder)[0])
        np.testing.assert_array_equal(pitch_, pitch, err_msg=f'pushes of {size}')
        np.testing.assert_array_equal(periodicity_, periodicity)
        np.testing.assert_array_equal(
            time_, np.arange(1 + len(audio) // HOP) * HOP / 16000)


@pytest.mark.parametrize('decoder', ['weighted_argmax', 'viterbi'])
def test_equals_predict_one_sample_at_a_time(decoder):
    audio = singing(.12)
    pitch, periodicity = offline(audio, 16000, decoder=decoder)
    _, pitch_, periodicity_ = joined(streamed(audio, 16000, 1, decoder=decoder)[0])
    np.testing.assert_array_equal(pitch_, pitch)
    np.testing.assert_array_equal(periodicity_, periodicity)


@pytest.mark.parametrize('sample_rate', [22050, 44100, 48000])
def test_equals_predict_at_other_rates(sample_rate):
    audio = singing(.3, sample_rate)
    for decoder, size in zip(DECODERS, (441, 'random', 1000, 'random')):
        pitch, periodicity = offline(audio, sample_rate, decoder=decoder)
        time_, pitch_, periodicity_ = joined(
            streamed(audio, sample_rate, size, decoder=decoder)[0])
        assert len(pitch_) == len(pitch)
        assert cents(pitch_, pitch).max() < .01
        assert np.abs(periodicity_ - periodicity).max() < 1e-5
        hop = torchcrepe.core.model_hop(sample_rate)
        np.testing.assert_array_equal(time_, np.arange(len(pitch)) * hop / 16000)


def test_hop_fmin_fmax_and_empty_pushes():
    audio = singing(.3)
    options = dict(hop_length=80, fmin=100., fmax=600., decoder='weighted_viterbi')
    pitch, periodicity = offline(audio, 16000, **options)
    torch.manual_seed(3)
    tracker = live.Tracker(16000, model='tiny', **options)
    empty = tracker.push(np.zeros(0, np.float32))
    assert len(empty) == 0 and empty.time.shape == (0,) and empty.pitch.shape == (0,)
    pushes = [tracker.push(torch.from_numpy(audio[:2000])), tracker.push(np.zeros(0)),
              tracker.push(audio[2000:].astype(np.float64)), tracker.push(torch.zeros(0)),
              tracker.finish()]
    _, pitch_, periodicity_ = joined(pushes)
    np.testing.assert_array_equal(pitch_, pitch)
    np.testing.assert_array_equal(periodicity_, periodicity)
    assert pitch.min() >= 100 * 2 ** (-20 / 1200) and pitch.max() <= 600


@pytest.mark.parametrize('decoder', ['viterbi', 'weighted_argmax'])
def test_silence(decoder):
    audio = np.zeros(4000, np.float32)
    pitch, periodicity = offline(audio, 16000, decoder=decoder)
    _, pitch_, periodicity_ = joined(streamed(audio, 16000, 'random', decoder=decoder)[0])
    np.testing.assert_array_equal(pitch_, pitch)
    np.testing.assert_array_equal(periodicity_, periodicity)
    assert len(pitch_) == 26 and np.isfinite(pitch_).all()


def test_nothing_pushed_gives_nothing():
    tracker = live.Tracker(16000, model='tiny')
    frames = tracker.finish()
    assert len(frames) == 0
    with pytest.raises(RuntimeError, match='finished'):
        tracker.push(np.zeros(10, np.float32))


@pytest.mark.parametrize('count', [1, 2, 3, 5])
@pytest.mark.parametrize('capacity', ['tiny', 'medium'])
def test_small_network_calls_give_the_block_bits_on_any_thread_count(capacity,
                                                                      count):
    """What each push runs (network.infer.ready) gives a frame the bits of
    predict's whole blocks, whatever torch's thread count"""
    audio = torch.from_numpy(singing(.4))[None]
    frames = torchcrepe.core.frames(audio, HOP, True, 0, 40)
    threads = torch.get_num_threads()
    with torch.no_grad():
        whole = torchcrepe.infer(frames, capacity)
    try:
        torch.set_num_threads(count)
        for size in (1, 2, 3, 4, 17, 40):
            ready = torchcrepe.infer.ready(frames[:size], capacity)
            assert torch.equal(ready, whole[:size]), (count, size)
            assert torch.get_num_threads() == count
    finally:
        torch.set_num_threads(threads)


###############################################################################
# Delay
###############################################################################


def delays(pushes, ends, sample_rate):
    """Seconds from each frame's centre to the end of the push returning it
    (the finish excluded: it returns the frames the end of the signal
    completes)"""
    return np.concatenate([ends[i] / sample_rate - frames.time
                           for i, frames in enumerate(pushes[:-1])])


@pytest.mark.parametrize('decoder,sample_rate', [('argmax', 16000),
                                                 ('weighted_argmax', 44100)])
def test_argmax_delay_is_half_a_window_and_a_hop(decoder, sample_rate):
    audio = singing(.5, sample_rate)
    hop = sample_rate // 100
    tracker = live.Tracker(sample_rate, model='tiny', decoder=decoder)
    pushes, ends = [], []
    for start, stop in chunks(len(audio), 'random', largest=hop):
        pushes.append(tracker.push(audio[start:stop]))
        ends.append(min(stop, len(audio)))
    delay = delays(pushes, ends, sample_rate)
    assert len(delay) >= 40
    bound = .032 + .01 + tracker.lookahead
    assert delay.max() <= bound + 1e-9
    # Not a loose bound: some frames take nearly all of it
    assert delay.max() > .032


@pytest.mark.parametrize('max_delay,agreeing', [(.05, .75), (.1, .99)])
def test_viterbi_max_delay_bounds_the_delay(max_delay, agreeing):
    audio = singing(.6)
    pitch, _ = offline(audio, 16000, decoder='viterbi')
    pushes, ends = streamed(audio, 16000, HOP, decoder='viterbi', max_delay=max_delay)
    delay = delays(pushes, ends, 16000)
    assert delay.max() <= max_delay + .01 + 1e-9
    _, pitch_, _ = joined(pushes)
    assert len(pitch_) == len(pitch)
    # Forced decisions follow the offline path but across the jump from
    # the glide to the vibrato, where 50 ms of hindsight is too little;
    # the dither draws are the same, so equal bins give equal pitch
    assert (cents(pitch_, pitch) < 10).mean() > agreeing


def test_viterbi_without_max_delay_returns_frames_once_decided():
    audio = singing(1.5)
    pushes, ends = streamed(audio, 16000, HOP, decoder='viterbi')
    delay = delays(pushes, ends, 16000)
    # Most frames come out while the audio plays, each once every path
    # through it agrees: a few hundred ms here
    assert len(delay) > 2 * len(pushes[-1])
    assert .1 < np.median(delay) < .5


def test_forcing_returns_each_frame_once_and_leaves_the_rest_offline():
    rng = np.random.default_rng(1)
    logits = torch.from_numpy(rng.random((360, 80)).astype(np.float32))
    offline_bins = decode.viterbi_bins(logits[None])[0]
    path = ViterbiPath()
    decided, forced = [path.update(logits[:, :30])], []
    assert path.pending == 30 - len(decided[0])
    forced.append(path.force(5))
    assert len(forced[0]) == 5 and path.pending == 25 - len(decided[0])
    decided.append(forced[0])
    decided.append(path.update(logits[:, 30:70]))
    forced.append(path.force(3))
    decided += [forced[1], path.update(logits[:, 70:]), path.finish()]
    bins = torch.cat(decided)
    assert len(bins) == 80
    # The recursion is not changed by forcing: what is not forced is the
    # offline path
    where = torch.ones(80, dtype=torch.bool)
    start = len(decided[0])
    where[start:start + 5] = False
    start = len(torch.cat(decided[:3]))
    where[start:start + 3] = False
    assert torch.equal(bins[where], offline_bins[where])


def test_stream_take_returns_each_frame_once():
    rng = np.random.default_rng(2)
    logits = torch.from_numpy(rng.random((360, 40)).astype(np.float32))
    torch.manual_seed(0)
    bins, pitch = decode.viterbi(logits[None])
    torch.manual_seed(0)
    stream = decode.Stream(decode.viterbi, live=True)
    taken = []
    for start in range(0, 40, 3):
        stream.update(logits[:, start:start + 3])
        taken.append(stream.take())
    taken.append(tuple(part[0] for part in stream.finish()))
    assert torch.equal(torch.cat([part[0] for part in taken]), bins[0])
    assert torch.equal(torch.cat([part[1] for part in taken]), pitch[0])


###############################################################################
# Refusals
###############################################################################


@pytest.mark.parametrize('options', [
    dict(model='huge'), dict(decoder='nearest'), dict(fmin=10.), dict(fmax=3000.),
    dict(fmin=500., fmax=400.), dict(hop_length=0), dict(precision='float16'),
    dict(precision='double'), dict(backend='tensorflow'), dict(device='tpu')])
def test_bad_options_are_refused_as_predict_refuses_them(options):
    with pytest.raises(Exception) as refused:
        torchcrepe.predict(torch.zeros(1, 1600), 16000, **options)
    with pytest.raises(type(refused.value)) as also:
        live.Tracker(16000, **options)
    assert str(also.value) == str(refused.value)


def test_bad_rates_and_delays_are_refused():
    for rate in (0, -16000, 16000.5, 'fast'):
        with pytest.raises(Exception) as refused:
            torchcrepe.predict(torch.zeros(1, 1600), rate)
        with pytest.raises(type(refused.value), match='sample_rate'):
            live.Tracker(rate)
    with pytest.raises(ValueError, match='hop_length must be at least one sample'):
        live.Tracker(48000, hop_length=2)
    for delay in (0, -.1, float('nan'), True, '0.1'):
        with pytest.raises(ValueError, match='max_delay must be a positive number'):
            live.Tracker(16000, max_delay=delay)


def test_bad_samples_are_refused():
    tracker = live.Tracker(16000, model='tiny')
    for samples, message in ((np.zeros((2, 10)), 'shape'),
                             (np.zeros(10, np.int16), 'floating-point'),
                             (np.array([0., np.nan]), 'NaN'),
                             ([0.] * 10, 'numpy array')):
        with pytest.raises((ValueError, TypeError), match=message):
            tracker.push(samples)


###############################################################################
# Command line
###############################################################################


def live_command(*options):
    return [sys.executable, '-m', 'torchcrepe', '--live', '-', *map(str, options)]


def environment():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get('PYTHONPATH', ''))


def test_pipe_rows_arrive_while_the_audio_plays():
    """2 s of audio written in real time, 10 ms at a time, after 'ready':
    the first row comes within 0.2 s, and the rows are predict's"""
    audio = singing(2.)
    pcm = np.round(audio * 32767).astype('<i2')
    process = subprocess.Popen(
        live_command('--live_rate', 16000, '--model', 'tiny', '--decoder', 'weighted_argmax'),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=environment(), bufsize=0)
    try:
        ready = process.stderr.readline().decode()
        assert 'ready' in ready, ready + process.stderr.read().decode()
        header = process.stdout.readline().decode()
        assert header == files.CSV_HEADER
        arrivals = []

        def read():
            for line in process.stdout:
                arrivals.append((time.monotonic(), line.decode()))

        reader = threading.Thread(target=read)
        reader.start()
        began = time.monotonic()
        for start in range(0, len(pcm), HOP):
            # Real time: each 10 ms written when it has been recorded
            time.sleep(max(0., began + start / 16000 - time.monotonic()))
            process.stdin.write(pcm[start:start + HOP].tobytes())
        process.stdin.close()
        reader.join(60)
        assert process.wait(60) == 0
    finally:
        process.kill()
        process.wait()
    assert arrivals[0][0] - began < .2
    # Rows came while the audio played, not all at the end
    assert sum(arrived < began + 1.5 for arrived, _ in arrivals) > 100

    pitch, periodicity = offline(pcm.astype(np.float32) / 32768, 16000,
                                 decoder='weighted_argmax')
    times = np.arange(len(pitch)) * HOP / 16000
    expected = files.csv_rows(times, pitch, periodicity,
                              files.voiced(periodicity, VOICING_THRESHOLD))
    assert ''.join(line for _, line in arrivals) == expected
    assert any(line.split(',')[1] == '' for _, line in arrivals)  # the gap


@pytest.mark.parametrize('options,message', [
    ((), '--live - needs --live_rate'),
    (('--live_rate', 16000, '--output_files', 'x.csv'), 'cannot be used with --live'),
    (('--live_rate', 16000, '--max_delay', 0), '--max_delay must be a positive'),
    (('--live_rate', 0), '--live_rate'),
    (('--live_rate', 16000, '--fmax', 5000), 'fmax'),
    (('--live_rate', 16000, '--audio_dir', '.'), 'not allowed with argument')])
def test_bad_live_options_are_usage_errors(options, message, capsys):
    from torchcrepe import __main__ as cli
    with pytest.raises(SystemExit) as exit_:
        cli.main(['--live', '-', *map(str, options)])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_live_options_need_live(capsys):
    from torchcrepe import __main__ as cli
    with pytest.raises(SystemExit):
        cli.main(['--audio_files', 'a.wav', '--output_files', 'a.csv',
                  '--max_delay', '.1'])
    assert '--max_delay needs --live' in capsys.readouterr().err


def test_mic_without_sounddevice_or_device_says_what_to_do(capsys):
    from torchcrepe import __main__ as cli
    try:
        import sounddevice
        sounddevice.query_devices(kind='input')
        pytest.skip('an input device is present')
    except ImportError:
        expected = "pip install 'torchcrepe[live]'"
    except Exception:
        expected = 'no input device'
    with pytest.raises(SystemExit) as exit_:
        cli.main(['--live', 'mic'])
    assert exit_.value.code == 2
    assert expected in capsys.readouterr().err


def test_readme_example_runs(monkeypatch):
    """The README's Live pitch example, as written, from the checkout"""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, 'README.md'), encoding='utf-8') as file:
        text = file.read()
    section = text[text.index('## Live pitch'):]
    code = section[section.index('```python\n') + 10:section.index('\n```\n')]
    monkeypatch.chdir(root)
    namespace = {}
    exec(compile(code, 'README.md', 'exec'), namespace)
    assert len(namespace['offline'][0]) == 1 + len(namespace['audio']) // 160
