"""float32 against bfloat16 on this CPU, per capacity: speed next to the
CPU's own matrix-product peak, and the accuracy bfloat16 costs on a real
sung take.

    python benchmarks/cpu.py [--models tiny,...] [--rounds 3] [--seconds 16]
                             [--output FILE]

Speed: `predict` (weighted_viterbi, fmin 50 Hz, the default hop) on the
first --seconds of a real take (../shared/singing/vocadito_1_first16s.wav
when present, else the bundled example phrase, tiled), on 2 threads under
torch.inference_mode. The take is resampled to 16 kHz once before timing:
resampling (resampy, kaiser_best) costs the same in both precisions, and
its time, printed above the table, would otherwise hide the network's
speed-up for tiny and small; add it to both columns' seconds for a
44.1 kHz file. float32 and bfloat16 alternate for --rounds rounds
after a warm-up of each, and each keeps its best time. bfloat16 runs with
TORCHCREPE_BFLOAT16=always, so that what is timed is bfloat16 itself and
not the speed probe's choice (`hardware.precision`).

Peak: a 2048 x 2048 matrix product in each precision, best of 5, on the
same threads; "% of peak" is the network's work (`flops_per_frame`, the
layer table's multiply-adds x 2) at the predict speed, over that figure.
So the column says how much of what this CPU can do in matrix products
the whole pipeline reaches, decoding and framing included.

Accuracy, on the take's frames: raw pitch accuracy (within 50 cents)
against the hand-corrected f0 of vocadito_1 where it is present, for both
precisions; and bfloat16 against float32 on the frames both call voiced
(periodicity >= 0.21): median and 99th percentile of the difference in
cents, and the frames whose voicing differs.
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
from benchmarks.report import flops_per_frame, publish  # noqa: E402

SINGING = os.path.join(ROOT, '..', 'shared', 'singing')
TAKE = os.path.join(SINGING, 'vocadito_1_first16s.wav')
TAKE_F0 = os.path.join(SINGING, 'vocadito_1_first16s_f0.csv')
EXAMPLE = os.path.join(ROOT, 'examples', 'sung_phrase.wav')
PRECISIONS = ('float32', 'bfloat16')


def matmul_gflops(dtype, size=2048, runs=10):
    """Best GFLOP/s of a size x size matrix product in `dtype` (a shared
    virtual machine's timings vary by 2x from minute to minute: the best
    of many is the nearest to what the CPU can do)"""
    a = torch.randn(size, size).to(dtype)
    b = torch.randn(size, size).to(dtype)
    torch.mm(a, b)
    best = float('inf')
    for _ in range(runs):
        start = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * size ** 3 / best / 1e9


def take(seconds):
    """(audio, sample_rate, name, reference f0 or None): the first
    `seconds` of the real take, or the example phrase tiled to `seconds`"""
    if os.path.isfile(TAKE):
        audio, rate = torchcrepe.load.audio(TAKE)
        reference = np.loadtxt(TAKE_F0, delimiter=',') if os.path.isfile(TAKE_F0) else None
        name = 'vocadito_1_first16s.wav'
    else:
        audio, rate = torchcrepe.load.audio(EXAMPLE)
        reference, name = None, 'examples/sung_phrase.wav (tiled)'
    length = int(seconds * rate)
    if audio.size(-1) < length:
        audio = audio.repeat(1, -(-length // audio.size(-1)))
    return audio[:, :length], rate, name, reference


def run(audio, rate, capacity, precision):
    """(seconds, pitch, periodicity) of one predict call"""
    start = time.perf_counter()
    with torch.inference_mode():
        pitch, periodicity = torchcrepe.predict(
            audio, rate, model=capacity, decoder=torchcrepe.decode.weighted_viterbi,
            precision=precision, return_periodicity=True)
    return time.perf_counter() - start, pitch[0].numpy(), periodicity[0].numpy()


def raw_pitch_accuracy(pitch, reference, hop_seconds):
    """Share of the reference's voiced frames whose pitch is within 50
    cents, the reference taken at the frame nearest each of ours"""
    times = np.arange(len(pitch)) * hop_seconds
    index = np.clip(np.searchsorted(reference[:, 0], times), 0, len(reference) - 1)
    truth = reference[index, 1]
    voiced = truth > 0
    cents = 1200 * np.abs(np.log2(pitch[voiced] / truth[voiced]))
    return float((cents < 50).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--models', default=','.join(torchcrepe.CAPACITIES))
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--seconds', type=float, default=16.)
    parser.add_argument('--output', help='also write the tables to this file')
    args = parser.parse_args()
    capacities = [name.strip() for name in args.models.split(',')]
    for capacity in capacities:
        torchcrepe.model.check_capacity(capacity, '--models')
    torch.set_num_threads(2)
    os.environ[torchcrepe.hardware.ENVIRONMENT] = 'always'
    native = torchcrepe.hardware.native_bfloat16('cpu')

    peak = {name: matmul_gflops(getattr(torch, name)) for name in PRECISIONS}
    audio, rate, name, reference = take(args.seconds)
    torchcrepe.framing.resample(audio[:, :rate], rate)  # resampy's compile
    start = time.perf_counter()
    audio = torchcrepe.framing.resample(audio, rate)
    resampling = time.perf_counter() - start
    rate = torchcrepe.SAMPLE_RATE
    hop = torchcrepe.framing.model_hop(rate, None) / rate
    lines = [f'{torchcrepe.hardware.describe("cpu")}; torch {torch.__version__}, '
             f'2 threads; predict (weighted_viterbi) on {args.seconds:g} s of {name}, '
             f'best of {args.rounds} alternated rounds.',
             f'2048x2048 matmul: float32 {peak["float32"]:.0f} GFLOP/s, '
             f'bfloat16 {peak["bfloat16"]:.0f} GFLOP/s'
             + ('' if native else ' (no native bfloat16: emulated)') + '.',
             f'Resampling the take to 16 kHz, done once before timing: '
             f'{resampling:.2f} s.', '',
             '| capacity | GFLOP/frame | float32 frames/s | % of peak | '
             'bfloat16 frames/s | % of peak | speed-up |',
             '|---|--:|--:|--:|--:|--:|--:|']
    accuracy = ['', 'bfloat16 against float32 on the same frames'
                + (' and both against the hand-corrected f0 (RPA, 50 cents)'
                   if reference is not None else '') + ':', '',
                '| capacity | RPA float32 | RPA bfloat16 | median cents | '
                '99th pct cents | voicing flips |', '|---|--:|--:|--:|--:|--:|']
    speeds = {}
    for capacity in capacities:
        best, results = dict.fromkeys(PRECISIONS, float('inf')), {}
        for precision in PRECISIONS:
            run(audio[:, :rate], rate, capacity, precision)
        for round_ in range(args.rounds):
            for precision in PRECISIONS if round_ % 2 == 0 else PRECISIONS[::-1]:
                seconds, pitch, periodicity = run(audio, rate, capacity, precision)
                best[precision] = min(best[precision], seconds)
                results[precision] = pitch, periodicity
        frames = len(results['float32'][0])
        speeds[capacity] = {name: frames / best[name] for name in PRECISIONS}
        print(capacity, speeds[capacity], file=sys.stderr, flush=True)

        (exact, exact_periodicity), (reduced, reduced_periodicity) = \
            results['float32'], results['bfloat16']
        voiced = exact_periodicity >= torchcrepe.core.VOICING_THRESHOLD
        voiced_reduced = reduced_periodicity >= torchcrepe.core.VOICING_THRESHOLD
        both = voiced & voiced_reduced
        cents = 1200 * np.abs(np.log2(reduced[both] / exact[both]))
        if reference is not None:
            rpa = [f'{raw_pitch_accuracy(pitch, reference, hop):.4f}'
                   for pitch in (exact, reduced)]
        else:
            rpa = ['-', '-']
        accuracy.append(
            f'| {capacity} | {rpa[0]} | {rpa[1]} | {np.median(cents):.3f} | '
            f'{np.percentile(cents, 99):.3f} | {int((voiced != voiced_reduced).sum())} '
            f'of {frames} |')
    # Measured again after the capacities, the better figure kept
    for name in PRECISIONS:
        peak[name] = max(peak[name], matmul_gflops(getattr(torch, name)))
    lines[1] = (f'2048x2048 matmul, best of 20 (before and after): float32 '
                f'{peak["float32"]:.0f} GFLOP/s, bfloat16 {peak["bfloat16"]:.0f} GFLOP/s'
                + ('' if native else ' (no native bfloat16: emulated)') + '.')
    for capacity, speed in speeds.items():
        work = flops_per_frame(capacity)
        share = {name: 100 * speed[name] * work / 1e9 / peak[name] for name in PRECISIONS}
        lines.append(
            f'| {capacity} | {work / 1e9:.2f} | {speed["float32"]:,.0f} | '
            f'{share["float32"]:.0f} % | {speed["bfloat16"]:,.0f} | '
            f'{share["bfloat16"]:.0f} % | {speed["bfloat16"] / speed["float32"]:.2f}x |')
    publish('\n'.join(lines + accuracy), args.output)


if __name__ == '__main__':
    main()
