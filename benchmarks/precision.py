"""Speed and error of precision='bfloat16' against float32, per capacity.

    python benchmarks/precision.py [--runs 5] [--frames 2048] [--force] [--output FILE]

Speed: `infer` frames/s on --frames reference frames (tiled), 2 threads,
median of --runs after a warm-up, under torch.no_grad(). Error: on the 256
reference frames (tests/assets), the pitch of each decoder with bfloat16
against float32 (same dither), over the voiced frames: the share within 5
cents and the largest difference; and the largest periodicity difference
at the float32 path's bins. bfloat16 is fast only where the CPU has
native bfloat16 (AVX-512 BF16 or AMX); elsewhere torchcrepe runs float32
instead, and this script measures that fallback unless --force makes it
compute in (emulated) bfloat16. The table names the CPU and says which.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import torchcrepe  # noqa: E402
from benchmarks.report import publish  # noqa: E402


def speed(frames, capacity, precision, runs):
    with torch.no_grad():
        torchcrepe.infer(frames[:64], capacity, precision=precision)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            torchcrepe.infer(frames, capacity, precision=precision)
            times.append(time.perf_counter() - start)
    return len(frames) / float(np.median(times))


def errors(frames, voiced, capacity):
    with torch.no_grad():
        exact = torchcrepe.infer(frames, capacity).T[None]
        reduced = torchcrepe.infer(frames, capacity, precision='bfloat16').T[None]
    exact = torchcrepe.core.mask(exact, 50., torchcrepe.MAX_FMAX)
    reduced = torchcrepe.core.mask(reduced, 50., torchcrepe.MAX_FMAX)
    result = {}
    for name, decoder in torchcrepe.decode.DECODERS.items():
        torch.manual_seed(0)
        bins, pitch = decoder(exact)
        torch.manual_seed(0)
        _, pitch_reduced = decoder(reduced)
        cents = np.abs(1200 * np.log2(pitch_reduced[0].double().numpy()
                                      / pitch[0].double().numpy()))[voiced]
        periodicity = (torchcrepe.core.periodicity(exact, bins)
                       - torchcrepe.core.periodicity(reduced, bins)).abs().max().item()
        result[name] = ((cents < 5).mean(), cents.max(), periodicity)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--frames', type=int, default=2048)
    parser.add_argument('--force', action='store_true',
                        help='compute in bfloat16 even where the CPU only emulates it')
    parser.add_argument('--output', help='also write the tables to this file')
    args = parser.parse_args()
    native = torchcrepe.hardware.native_bfloat16('cpu')
    if args.force:
        torchcrepe.hardware.native_bfloat16 = lambda device='cpu': True
    torch.set_num_threads(2)

    reference = np.load(os.path.join(ROOT, 'tests', 'assets', 'frames.npy'))
    voiced = np.load(os.path.join(ROOT, 'tests', 'assets', 'frames-f0.npy')) > 0
    frames = torch.from_numpy(np.resize(reference, (args.frames, 1024)))
    if native:
        mode = 'native bfloat16'
    elif args.force:
        mode = 'no native bfloat16: emulated by oneDNN (--force)'
    else:
        mode = "no native bfloat16: 'bfloat16' ran as float32 (the fallback)"
    lines = [f'{torchcrepe.hardware.describe("cpu")} ({mode}); '
             f'torch {torch.__version__}, 2 threads, N = {args.frames}, '
             f'median of {args.runs}.', '',
             '| capacity | float32 frames/s | bfloat16 frames/s | speed-up |',
             '|---|---|---|---|']
    accuracy = ['', 'bfloat16 against float32 on the 256 reference frames (voiced: '
                f'{voiced.sum()}): share of voiced frames within 5 cents / largest '
                'pitch difference in cents / largest periodicity difference.', '',
                '| capacity | ' + ' | '.join(torchcrepe.decode.DECODERS) + ' |',
                '|---|' + '---|' * len(torchcrepe.decode.DECODERS)]
    for capacity in torchcrepe.CAPACITIES:
        exact = speed(frames, capacity, None, args.runs)
        reduced = speed(frames, capacity, 'bfloat16', args.runs)
        lines.append(f'| {capacity} | {exact:,.0f} | {reduced:,.0f} | {reduced / exact:.2f}x |')
        cells = [f'{share:.1%} / {worst:.1f} / {periodicity:.4f}'
                 for share, worst, periodicity in errors(frames[:256], voiced, capacity).values()]
        accuracy.append(f'| {capacity} | ' + ' | '.join(cells) + ' |')
        print(lines[-1], file=sys.stderr)
    result = '\n'.join(lines + accuracy)
    publish(result, args.output)


if __name__ == '__main__':
    main()
