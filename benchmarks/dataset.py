"""Folder mode against a loop over predict_from_file_to_file, and on Ray.

    python benchmarks/dataset.py [--clips 1000] [--model tiny] [--rounds 1]

Makes a seeded tree of clips (2-6 s, mixed 16 / 22.05 / 44.1 kHz, a few bad
files), then runs, each in a fresh process, alternating the modes round by
round: a Python loop over predict_from_file_to_file (what users write
today), folder mode with --jobs 1 and with the default jobs, and
--engine ray on a local Ray (its start-up timed apart). Prints clips/s,
audio-seconds/s, peak RSS (the process and its children) and the ratios.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy.io import wavfile


MODES = ('loop', 'jobs1', 'default', 'ray')
RATES = (16000, 22050, 44100)


def make_tree(root, clips, bad, seed):
    """clips WAV files of 2-6 s under root/NN/, bad of them broken;
    returns the seconds of good audio"""
    generator = np.random.default_rng(seed)
    seconds = 0.
    for index in range(clips):
        folder = os.path.join(root, f'{index % 16:02d}')
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f'clip{index:05d}.wav')
        if index % max(1, clips // max(bad, 1)) == 7 and bad:
            with open(path, 'wb') as file:
                file.write(b'' if index % 2 else b'not a wav file')
            continue
        rate = RATES[generator.integers(len(RATES))]
        duration = generator.uniform(2, 6)
        times = np.arange(int(duration * rate)) / rate
        f0 = generator.uniform(80, 600) * 2 ** (.5 * np.sin(2 * np.pi * .7 * times))
        phase = 2 * np.pi * np.cumsum(f0) / rate
        signal = .4 * np.sin(phase) + .2 * np.sin(2 * phase) \
            + .02 * generator.standard_normal(times.size)
        wavfile.write(path, rate, (signal * 32767).astype(np.int16))
        seconds += times.size / rate
    return seconds


def work(mode, root, out, model):
    """One mode in this process; prints a JSON line"""
    import torchcrepe

    started = time.perf_counter()
    startup = 0.
    if mode == 'loop':
        good = 0
        for folder, _, names in sorted(os.walk(root)):
            for name in sorted(names):
                target = os.path.join(out, os.path.relpath(folder, root),
                                      name[:-4] + '.npy')
                os.makedirs(os.path.dirname(target), exist_ok=True)
                try:
                    torchcrepe.predict_from_file_to_file(
                        os.path.join(folder, name), target, model=model)
                    good += 1
                except (ValueError, OSError):
                    pass
    else:
        if mode == 'ray':
            import ray
            ray.init(num_cpus=len(os.sched_getaffinity(0)),
                     include_dashboard=False, log_to_driver=False)
            startup = time.perf_counter() - started
        summary = torchcrepe.predict_from_folder_to_folder(
            root, out, model=model, jobs={'jobs1': 1}.get(mode),
            engine='ray' if mode == 'ray' else 'local')
        good = summary.succeeded
    elapsed = time.perf_counter() - started - startup
    rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
              resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({'mode': mode, 'seconds': elapsed, 'startup': startup,
                      'good': good, 'rss_mb': rss / 1024}))


def measure(mode, root, model):
    with tempfile.TemporaryDirectory() as out:
        result = subprocess.run(
            [sys.executable, __file__, '--work', mode, '--root', root,
             '--out', out, '--model', model],
            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--clips', type=int, default=1000)
    parser.add_argument('--bad', type=int, default=5)
    parser.add_argument('--model', default='tiny')
    parser.add_argument('--rounds', type=int, default=1)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--modes', nargs='+', default=list(MODES), choices=MODES)
    parser.add_argument('--work', choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument('--root', help=argparse.SUPPRESS)
    parser.add_argument('--out', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.work:
        return work(args.work, args.root, args.out, args.model)

    import torch
    from torchcrepe import hardware
    print(f'CPU: {hardware.describe()}; {len(os.sched_getaffinity(0))} cores; '
          f'torch {torch.__version__}; model {args.model}')
    with tempfile.TemporaryDirectory() as root:
        audio = make_tree(root, args.clips, args.bad, args.seed)
        print(f'{args.clips} clips ({args.bad} bad), {audio / 3600:.3f} audio-hours')
        results = {mode: [] for mode in args.modes}
        for _ in range(args.rounds):
            for mode in args.modes:
                results[mode].append(measure(mode, root, args.model))
                print(json.dumps(results[mode][-1]), flush=True)
    best = {mode: min(runs, key=lambda run: run['seconds'])
            for mode, runs in results.items()}
    base = best.get('loop')
    print('| mode | clips/s | audio-s/s | peak RSS (MB) | vs loop |')
    print('|---|---|---|---|---|')
    for mode, run in best.items():
        ratio = f'{base["seconds"] / run["seconds"]:.2f}x' if base else ''
        print(f'| {mode} | {args.clips / run["seconds"]:.1f} | '
              f'{audio / run["seconds"]:.1f} | {run["rss_mb"]:.0f} | {ratio} |')
    if 'ray' in best and 'default' in best:
        print(f'ray start-up: {best["ray"]["startup"]:.1f} s; ray (once started) '
              f'/ folder default time: '
              f'{best["ray"]["seconds"] / best["default"]["seconds"]:.2f}')


if __name__ == '__main__':
    main()
