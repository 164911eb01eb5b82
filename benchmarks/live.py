"""Live tracking: delay, agreement with offline, and real-time factor.

    python benchmarks/live.py [--models tiny full] [--decoders viterbi ...]
        [--max_delays 0.05 0.1 0.2] [--seconds 8] [--threads 2]
        [--inputs synthetic vocadito_1_first16s.wav]

For each input (a recording-like synthetic voice, and ../shared/singing/
when present), capacity and decoder (Viterbi ones also with each
max_delay), a torchcrepe.live.Tracker is fed 10 ms pushes. Printed per
run, as a markdown table:
- RTF: seconds spent in push/finish per second of audio (wall clock,
  `--threads` torch threads; 1.0 is just real time);
- delay: median, 95th percentile and maximum of the time from a frame's
  centre to the end of the push that returned it (frames returned by
  `finish` counted at the end of the audio);
- off: the share of voiced frames (offline periodicity >= 0.21) whose
  live pitch differs from `predict`'s (same options, same seed) by more
  than 10 cents: 0 unless frames were forced.

Wrap timing runs in `flock /tmp/bench.lock` on shared machines.
"""
import argparse
import os
import time

import numpy as np
import torch

import torchcrepe
from torchcrepe import live
from torchcrepe.constants import VOICING_THRESHOLD

SINGING = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                       'shared', 'singing')


def synthetic(seconds, sample_rate=16000, seed=0):
    """Sung-like notes with vibrato, breaths and noise: float32"""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    notes = 220 * 2 ** (rng.integers(0, 12, int(seconds) + 1) / 12)
    f0 = notes[(t // .8).astype(int) % len(notes)] * 2 ** (.3 / 12 * np.sin(2 * np.pi * 5.5 * t))
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 6))
    breath = (t % .8) > .7
    audio = .3 * np.where(breath, 0, voice) + .01 * rng.standard_normal(len(t))
    return audio.astype(np.float32), sample_rate


def inputs(seconds):
    yield 'synthetic', synthetic(seconds)
    if os.path.isdir(SINGING):
        for name in ('vocadito_1_first16s.wav', 'vocadito_10.wav'):
            path = os.path.join(SINGING, name)
            if os.path.exists(path):
                audio, rate = torchcrepe.load.audio(path)
                audio = audio.mean(0).numpy()[:int(seconds * rate)]
                yield name, (audio.astype(np.float32), rate)


def run(audio, rate, model, decoder, max_delay, seed=0):
    torch.manual_seed(seed)
    tracker = live.Tracker(rate, model=model, decoder=decoder, max_delay=max_delay)
    tracker.warm()
    step = rate // 100
    delays, pitch, spent = [], [], 0.
    for start in range(0, len(audio), step):
        chunk = audio[start:start + step]
        began = time.perf_counter()
        frames = tracker.push(chunk)
        spent += time.perf_counter() - began
        delays.append((start + len(chunk)) / rate - frames.time)
        pitch.append(frames.pitch)
    began = time.perf_counter()
    frames = tracker.finish()
    spent += time.perf_counter() - began
    delays.append(len(audio) / rate - frames.time)
    pitch.append(frames.pitch)
    return np.concatenate(pitch), np.concatenate(delays), spent / (len(audio) / rate)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--models', nargs='+', default=['tiny', 'full'])
    parser.add_argument('--decoders', nargs='+',
                        default=['weighted_argmax', 'viterbi', 'weighted_viterbi'])
    parser.add_argument('--max_delays', nargs='+', type=float, default=[.05, .1, .2])
    parser.add_argument('--seconds', type=float, default=8.)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--inputs', nargs='+',
                        help='only these inputs (synthetic, or file names)')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f'torch threads: {args.threads}; 10 ms pushes')
    print('| input | model | decoder | max_delay | RTF | delay median / p95 / max (ms) | off > 10 cents |')
    print('|---|---|---|--:|--:|--:|--:|')
    for name, (audio, rate) in inputs(args.seconds):
        if args.inputs and name not in args.inputs:
            continue
        for model in args.models:
            for decoder in args.decoders:
                torch.manual_seed(0)
                expected, confidence = torchcrepe.predict(
                    torch.from_numpy(audio)[None], rate, model=model, decoder=decoder,
                    return_periodicity=True)
                expected, voiced = expected[0].numpy(), confidence[0].numpy() >= VOICING_THRESHOLD
                viterbi = decoder in ('viterbi', 'weighted_viterbi')
                for max_delay in ([None, *args.max_delays] if viterbi else [None]):
                    pitch, delay, rtf = run(audio, rate, model, decoder, max_delay)
                    off = np.abs(1200 * np.log2(pitch[voiced] / expected[voiced])) > 10
                    median, p95, most = np.percentile(delay, [50, 95, 100]) * 1000
                    print(f'| {name} | {model} | {decoder} | {max_delay or "-"} | {rtf:.3f} '
                          f'| {median:.0f} / {p95:.0f} / {most:.0f} | {off.mean():.1%} |',
                          flush=True)


if __name__ == '__main__':
    main()
