"""Folder mode against a loop over predict_from_file_to_file, on Ray, and
against the network alone.

    python benchmarks/dataset.py [--clips 1000] [--model tiny] [--rounds 1]
        [--modes loop jobs1 default ray network] [--seconds 2 6] [--jobs N]

Makes a seeded tree of clips (--seconds long, 2-6 s by default, mixed 16 /
22.05 / 44.1 kHz, a few bad files), then runs, each in a fresh process,
alternating the modes round by round:
- loop: a Python loop over predict_from_file_to_file (what users write)
- jobs1: folder mode with --jobs 1 (one worker process, all the threads)
- default: folder mode with the default jobs (one worker per core), or
  --jobs N
- ray: --engine ray on a local Ray (its start-up timed apart)
- network: network.infer alone on as many frames as folder mode's first
  run sent to the network, with the same layout (default jobs processes,
  cores // jobs threads each, the same batch), model loading not timed

Prints clips/s, audio-seconds/s, the peak RSS of the largest process and
the peak of the total over the process and all its descendants (RSS, and
PSS, which counts shared pages once), the per-stage profile of the folder
modes (seconds summed over workers) and the ratios.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
from scipy.io import wavfile


MODES = ('loop', 'jobs1', 'default', 'ray', 'network')
FOLDER_MODES = ('jobs1', 'default', 'ray')
RATES = (16000, 22050, 44100)


def make_tree(root, clips, bad, seed, seconds=(2., 6.)):
    """clips WAV files of seconds[0]-seconds[1] s under root/NN/, bad of
    them broken; returns the seconds of good audio"""
    generator = np.random.default_rng(seed)
    total = 0.
    for index in range(clips):
        folder = os.path.join(root, f'{index % 16:02d}')
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f'clip{index:05d}.wav')
        if index % max(1, clips // max(bad, 1)) == 7 and bad:
            with open(path, 'wb') as file:
                file.write(b'' if index % 2 else b'not a wav file')
            continue
        rate = RATES[generator.integers(len(RATES))]
        duration = generator.uniform(*seconds)
        times = np.arange(int(duration * rate)) / rate
        f0 = generator.uniform(80, 600) * 2 ** (.5 * np.sin(2 * np.pi * .7 * times))
        phase = 2 * np.pi * np.cumsum(f0) / rate
        signal = .4 * np.sin(phase) + .2 * np.sin(2 * phase) \
            + .02 * generator.standard_normal(times.size)
        wavfile.write(path, rate, (signal * 32767).astype(np.int16))
        total += times.size / rate
    return total


###############################################################################
# One mode, in its own process
###############################################################################


def work(mode, root, out, model, jobs, frames):
    """One mode in this process; prints a JSON line"""
    import torchcrepe

    started = time.perf_counter()
    startup, profile, good = 0., None, 0
    if mode == 'loop':
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
    elif mode == 'network':
        startup, elapsed = network_only(model, jobs, frames)
    else:
        if mode == 'ray':
            import ray
            ray.init(num_cpus=len(os.sched_getaffinity(0)),
                     include_dashboard=False, log_to_driver=False)
            startup = time.perf_counter() - started
        summary = torchcrepe.predict_from_folder_to_folder(
            root, out, model=model, jobs=1 if mode == 'jobs1' else jobs,
            engine='ray' if mode == 'ray' else 'local')
        good = summary.succeeded
        profile = dict(summary.profile.seconds, frames=summary.profile.frames)
    if mode != 'network':
        elapsed = time.perf_counter() - started - startup
    rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
              resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({'mode': mode, 'seconds': elapsed, 'startup': startup,
                      'good': good, 'rss_mb': rss / 1024, 'profile': profile}))


def network_only(model, jobs, frames):
    """(start-up s, s) for `jobs` spawn processes, cores // jobs threads
    each, to run `frames` frames through network.infer in folder mode's
    batches; start-up (imports, the model's load) is waited out first"""
    import multiprocessing
    from torchcrepe.folder import pool

    started = time.perf_counter()
    jobs = jobs or pool.default_jobs()
    context = multiprocessing.get_context('spawn')
    ready, go, done = context.Queue(), context.Event(), context.Queue()
    shares = [frames // jobs + (index < frames % jobs) for index in range(jobs)]
    processes = [context.Process(target=_infer, args=(
        model, pool.threads_per_worker(jobs), share, ready, go, done))
        for share in shares]
    with pool.thread_environment(pool.threads_per_worker(jobs)):
        for process in processes:
            process.start()
    for _ in processes:
        ready.get()
    startup = time.perf_counter() - started
    go.set()
    begun = time.perf_counter()
    for _ in processes:
        done.get()
    elapsed = time.perf_counter() - begun
    for process in processes:
        process.join()
    return startup, elapsed


def _infer(model, threads, frames, ready, go, done):
    import torch
    from torchcrepe import network, pipeline

    torch.set_num_threads(threads)
    block = network.block_size(torch.device('cpu'), model)
    step = -(-pipeline.DEFAULT_BATCH_SIZE // block) * block
    batch = torch.randn(step, 1024, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        network.infer(batch[:2], model, 'cpu')
        ready.put(True)
        go.wait()
        for start in range(0, frames, step):
            network.infer(batch[:min(step, frames - start)], model, 'cpu')
    done.put(True)


###############################################################################
# Measuring a mode from outside
###############################################################################


def measure(mode, root, model, jobs, frames):
    """Run one mode in a fresh process; its JSON line, plus the peak total
    RSS and PSS of the process and its descendants (sampled)"""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, __file__, '--work', mode, '--root', root,
                   '--out', out, '--model', model, '--frames', str(frames)]
        if jobs is not None:
            command += ['--jobs', str(jobs)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        peaks = {'total_rss_mb': 0., 'total_pss_mb': 0.}
        sampler = threading.Thread(target=_sample, args=(process, peaks))
        sampler.start()
        stdout, _ = process.communicate()
        sampler.join()
    if process.returncode:
        raise RuntimeError(f'{mode} failed with status {process.returncode}')
    return dict(json.loads(stdout.strip().splitlines()[-1]), **peaks)


def _sample(process, peaks, interval=.25):
    while process.poll() is None:
        rss = pss = 0
        for pid in _tree(process.pid):
            rss += _field(f'/proc/{pid}/status', 'VmRSS:')
            pss += _field(f'/proc/{pid}/smaps_rollup', 'Pss:')
        peaks['total_rss_mb'] = max(peaks['total_rss_mb'], rss / 1024)
        peaks['total_pss_mb'] = max(peaks['total_pss_mb'], pss / 1024)
        time.sleep(interval)


def _tree(root):
    """root and its descendants (Linux /proc)"""
    parents = {}
    for entry in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open(f'/proc/{entry}/stat') as file:
                parents[int(entry)] = int(file.read().rsplit(')', 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def _field(path, name):
    """A kB field of a /proc file; 0 when the process is gone"""
    try:
        with open(path) as file:
            for line in file:
                if line.startswith(name):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


###############################################################################
# Main
###############################################################################


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--clips', type=int, default=1000)
    parser.add_argument('--bad', type=int, default=5)
    parser.add_argument('--seconds', type=float, nargs=2, default=(2., 6.),
                        metavar=('LOW', 'HIGH'), help='clip durations, s')
    parser.add_argument('--model', default='tiny')
    parser.add_argument('--jobs', type=int,
                        help='folder mode default and network: worker '
                             'processes (default: one per core)')
    parser.add_argument('--rounds', type=int, default=1)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--modes', nargs='+', default=list(MODES), choices=MODES)
    parser.add_argument('--work', choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument('--root', help=argparse.SUPPRESS)
    parser.add_argument('--out', help=argparse.SUPPRESS)
    parser.add_argument('--frames', type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.work:
        return work(args.work, args.root, args.out, args.model, args.jobs,
                    args.frames)
    if 'network' in args.modes and not set(args.modes) & set(FOLDER_MODES):
        parser.error('network mode needs a folder mode (jobs1, default or '
                     'ray) to count the frames')
    # The network runs on the frames a folder mode counted: those first
    modes = sorted(args.modes, key=lambda mode: mode == 'network')

    import torch
    from torchcrepe import hardware
    print(f'CPU: {hardware.describe()}; {len(os.sched_getaffinity(0))} cores; '
          f'torch {torch.__version__}; model {args.model}')
    frames = 0
    with tempfile.TemporaryDirectory() as root:
        audio = make_tree(root, args.clips, args.bad, args.seed, args.seconds)
        print(f'{args.clips} clips ({args.bad} bad) of {args.seconds[0]:g}-'
              f'{args.seconds[1]:g} s, {audio / 3600:.3f} audio-hours')
        results = {mode: [] for mode in modes}
        for _ in range(args.rounds):
            for mode in modes:
                result = measure(mode, root, args.model, args.jobs, frames)
                if result['profile'] and not frames:
                    frames = result['profile']['frames']
                results[mode].append(result)
                print(json.dumps(result), flush=True)
    report(results, args.clips, audio, frames)


def report(results, clips, audio, frames):
    best = {mode: min(runs, key=lambda run: run['seconds'])
            for mode, runs in results.items()}
    print(f'{frames} frames')
    base = best.get('loop')
    print('| mode | seconds | clips/s | audio-s/s | vs loop | largest process '
          'RSS (MB) | total RSS (MB) | total PSS (MB) |')
    print('|---|--:|--:|--:|--:|--:|--:|--:|')
    for mode, run in best.items():
        ratio = f'{base["seconds"] / run["seconds"]:.2f}x' if base else ''
        print(f'| {mode} | {run["seconds"]:.1f} | {clips / run["seconds"]:.2f} | '
              f'{audio / run["seconds"]:.1f} | {ratio} | {run["rss_mb"]:.0f} | '
              f'{run["total_rss_mb"]:.0f} | {run["total_pss_mb"]:.0f} |')
    for mode, run in best.items():
        if run['profile']:
            stages = {stage: seconds for stage, seconds in run['profile'].items()
                      if stage != 'frames'}
            total = sum(stages.values()) or 1.
            print(f'{mode} profile (s summed over workers): ' + ', '.join(
                f'{stage} {seconds:.1f} ({100 * seconds / total:.0f} %)'
                for stage, seconds in stages.items()))
    if 'ray' in best:
        print(f'ray start-up: {best["ray"]["startup"]:.1f} s')
    if 'network' in best:
        print(f'network alone: {frames / best["network"]["seconds"]:.0f} frames/s')
    for mode in ('default', 'jobs1'):
        for other in ('ray', 'network'):
            if mode in best and other in best:
                print(f'{mode} / {other} time: '
                      f'{best[mode]["seconds"] / best[other]["seconds"]:.2f}')


if __name__ == '__main__':
    main()
