"""The live tracker against offline predict: delay, agreement, cost.

    python benchmarks/live.py [--models tiny,small,medium,large,full]
                              [--decoders argmax,weighted_argmax,viterbi,weighted_viterbi]
                              [--seconds 10] [--push_ms 10]
                              [--singing ../shared/singing] [--forced_models small,full]
                              [--output FILE.json]

Part 1, per capacity and decoder, on a seeded recording-like signal
(benchmarks/corpus.recording: phrases, a sung vowel, breaths, room noise,
reverberation) at 16 kHz: the audio is pushed into torchcrepe.live.Tracker
`--push_ms` at a time, and for every frame returned the delay is the audio
time between the frame's centre and the end of the push that returned it
(median, 95th percentile, maximum, in ms). Agreement: the share of frames
whose pitch and periodicity are bit for bit predict's (the same seed for
both), the largest pitch difference in cents and in periodicity. Cost: the
real-time factor, wall seconds spent in push/finish per second of audio
(after Tracker.warm), with torch's default threads.

Part 2, on the real singing of `--singing` (44.1 kHz, so the streaming
resampler runs too): the default Viterbi decoder without and with
max_delay 0.05, 0.1 and 0.2 s; for each, the delays, and the share of
frames (all, and those offline calls voiced) whose pitch differs from
offline by more than 10 cents. Without max_delay the difference comes from
the resampler alone.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from scipy.io import wavfile

import torchcrepe

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402


DECODERS = ('argmax', 'weighted_argmax', 'viterbi', 'weighted_viterbi')
FORCED_DELAYS = (None, .05, .1, .2)
SEED = 0
# Offline periodicity at or above this counts as voiced, as in the CSV outputs
VOICED = torchcrepe.constants.VOICING_THRESHOLD


def live(audio, sample_rate, model, decoder, push, max_delay=None):
    """Run the tracker over `audio` (float32 numpy), `push` samples a call

    Returns
        time, pitch, periodicity (numpy arrays, one per frame)
        delay (numpy array), seconds between each frame's centre and the
            end of the push that returned it
        compute (float), wall seconds inside push and finish
    """
    torch.manual_seed(SEED)
    tracker = torchcrepe.live.Tracker(sample_rate, model=model, decoder=decoder,
                                      max_delay=max_delay)
    # Load the network and compile the decoders before the clock runs
    tracker.warm()
    times, pitches, periodicities, delays = [], [], [], []
    compute = 0.
    for start in range(0, len(audio), push):
        piece = audio[start:start + push]
        began = time.perf_counter()
        frames = tracker.push(piece)
        compute += time.perf_counter() - began
        now = (start + len(piece)) / sample_rate
        times.append(frames.time)
        pitches.append(frames.pitch)
        periodicities.append(frames.periodicity)
        delays.append(now - frames.time)
    began = time.perf_counter()
    rest = tracker.finish()
    compute += time.perf_counter() - began
    times.append(rest.time)
    pitches.append(rest.pitch)
    periodicities.append(rest.periodicity)
    delays.append(len(audio) / sample_rate - rest.time)
    return (np.concatenate(times), np.concatenate(pitches),
            np.concatenate(periodicities), np.concatenate(delays), compute)


def offline(audio, sample_rate, model, decoder):
    """predict's pitch and periodicity (numpy, one per frame), same seed"""
    torch.manual_seed(SEED)
    with torch.no_grad():
        pitch, periodicity = torchcrepe.predict(
            torch.from_numpy(audio)[None], sample_rate, model=model,
            decoder=getattr(torchcrepe.decode, decoder), return_periodicity=True)
    return pitch[0].numpy(), periodicity[0].numpy()


def compare(audio, sample_rate, model, decoder, push, max_delay=None):
    """Live against offline on one signal: (delay (s), cents difference,
    offline voiced, bit-for-bit same, periodicity difference, compute (s),
    audio seconds), one array entry per frame"""
    times, pitch, periodicity, delay, compute = live(
        audio, sample_rate, model, getattr(torchcrepe.decode, decoder), push,
        max_delay)
    reference, reference_periodicity = offline(audio, sample_rate, model, decoder)
    if len(pitch) != len(reference):
        raise AssertionError(f'{len(pitch)} live frames, {len(reference)} offline')
    cents = np.abs(1200 * np.log2(pitch.astype(np.float64) / reference))
    same = (pitch == reference) & (periodicity == reference_periodicity)
    return (delay, cents, reference_periodicity >= VOICED, same,
            np.abs(periodicity - reference_periodicity), compute,
            len(audio) / sample_rate)


def figures(runs, **labels):
    """One row of figures pooled over the `compare` results in `runs`"""
    delay, cents, voiced, same, periodicity = (
        np.concatenate([run[index] for run in runs]) for index in range(5))
    return dict(
        labels, frames=len(delay), seconds=sum(run[6] for run in runs),
        delay_median_ms=1000 * float(np.median(delay)),
        delay_p95_ms=1000 * float(np.percentile(delay, 95)),
        delay_max_ms=1000 * float(delay.max()),
        identical=float(same.mean()), max_cents=float(cents.max()),
        max_periodicity=float(periodicity.max()),
        over_10_cents=float((cents > 10).mean()),
        over_10_cents_voiced=float((cents[voiced] > 10).mean()) if voiced.any() else 0.,
        rtf=sum(run[5] for run in runs) / sum(run[6] for run in runs))


def read(path):
    """A WAV file as float32 mono in [-1, 1] and its rate"""
    rate, samples = wavfile.read(path)
    samples = samples.astype(np.float32)
    if samples.ndim == 2:
        samples = samples.mean(1)
    return samples / 32768., rate


def machine():
    return {'cpu': torchcrepe.hardware.describe(), 'cpu_count': os.cpu_count(),
            'torch_threads': torch.get_num_threads(), 'torch': torch.__version__}


def ms(value):
    return f'{value:.0f}'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--models', default=','.join(torchcrepe.CAPACITIES))
    parser.add_argument('--decoders', default=','.join(DECODERS))
    parser.add_argument('--seconds', type=float, default=10.,
                        help='length of the recording-like signal (default 10)')
    parser.add_argument('--push_ms', type=float, default=10.,
                        help='audio per push, milliseconds (default 10)')
    parser.add_argument('--singing', default=os.path.join(
        os.path.dirname(__file__), '..', '..', 'shared', 'singing'),
        help='folder of real singing (vocadito_*.wav); skipped when absent')
    parser.add_argument('--forced_models', default='small,full',
                        help='capacities for the max_delay rows on real singing')
    parser.add_argument('--output', help='write every figure to this JSON file')
    args = parser.parse_args(argv)
    for name in args.decoders.split(','):
        if name not in DECODERS:
            parser.error(f'--decoders: {name!r} is not one of {", ".join(DECODERS)}')

    print(json.dumps(machine()))
    rows = []
    signal = corpus.recording(args.seconds, SEED).audio
    print('\n| capacity | decoder | delay median / p95 / max (ms) | identical frames | '
          'max difference (cents) | real-time factor |\n|---|---|--:|--:|--:|--:|')
    for model in args.models.split(','):
        for decoder in args.decoders.split(','):
            run = compare(signal, 16000, model, decoder,
                          int(args.push_ms * 16000 / 1000))
            row = figures([run], signal='recording-like', model=model, decoder=decoder)
            rows.append(row)
            print(f"| {model} | {decoder} | {ms(row['delay_median_ms'])} / "
                  f"{ms(row['delay_p95_ms'])} / {ms(row['delay_max_ms'])} | "
                  f"{row['identical']:.1%} | {row['max_cents']:.3g} | {row['rtf']:.3f} |",
                  flush=True)

    files = sorted(name for name in os.listdir(args.singing)
                   if name.startswith('vocadito') and name.endswith('.wav')) \
        if os.path.isdir(args.singing) else []
    if files:
        print('\nReal singing: ' + ', '.join(files))
        print('\n| capacity | max_delay | delay median / p95 / max (ms) | frames > 10 cents '
              'from offline (all / voiced) | real-time factor |\n|---|--:|--:|--:|--:|')
    for model in args.forced_models.split(',') if files else ():
        for max_delay in FORCED_DELAYS:
            runs = []
            for name in files:
                audio, rate = read(os.path.join(args.singing, name))
                runs.append(compare(audio, rate, model, 'viterbi',
                                    int(args.push_ms * rate / 1000), max_delay))
            row = figures(runs, signal='real singing', model=model, decoder='viterbi',
                          max_delay=max_delay)
            rows.append(row)
            print(f"| {model} | {'none' if max_delay is None else max_delay} | "
                  f"{ms(row['delay_median_ms'])} / {ms(row['delay_p95_ms'])} / "
                  f"{ms(row['delay_max_ms'])} | {row['over_10_cents']:.2%} / "
                  f"{row['over_10_cents_voiced']:.2%} | {row['rtf']:.3f} |", flush=True)
    if args.output:
        with open(args.output, 'w') as file:
            json.dump({'machine': machine(), 'rows': rows}, file, indent=1)


if __name__ == '__main__':
    main()
