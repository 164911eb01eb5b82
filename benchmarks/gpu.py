"""Everything to measure on a CUDA GPU, as one script.

    python benchmarks/gpu.py [--device cuda] [--quick] [--old-python PATH]
                             [--peak-tflops FP32,TF32,FP16] [--output FILE]

Sections, in order:
  1. infer frames/s for all five capacities in float32, float16 and
     bfloat16 (device-synchronised timings, median of --runs after a
     warm-up), and float32 through the plain `Crepe` module for comparison
     with the folded inference network that `infer` uses;
  2. predict end to end (framing, network, Viterbi) on 10 minutes of a
     synthetic sung-like signal, tiny and full;
  3. decode.viterbi on T = 100,000 frames on the device;
  4. the CUDA tests (`pytest -k cuda`);
  5. 0.0.24 on the same device, when --old-python names an interpreter
     that imports it: infer (tiny, full), predict and Viterbi, for ratios;
  6. for full: FLOPs per frame counted from the layer table, and the share
     of the GPU's peak that float32/float16 infer reaches (peaks from a
     table of known GPUs, or --peak-tflops).

`--device cpu --quick` runs sections 1-3 and 6 on the CPU in seconds, to
check the script without a GPU; the CUDA parts then say that they skipped.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OLD_WORKER = len(sys.argv) > 2 and sys.argv[1] == '--old-worker'
if not OLD_WORKER:
    # This checkout's torchcrepe; the 0.0.24 worker imports its own
    sys.path.insert(0, ROOT)

import torchcrepe  # noqa: E402

# Dense peak TFLOP/s (float32 on CUDA cores, TF32 and float16 on tensor
# cores), from NVIDIA's data sheets; --peak-tflops overrides
PEAK_TFLOPS = {
    'H100 SXM': (67., 495., 989.), 'H100 PCIe': (51., 378., 756.),
    'H100 NVL': (60., 418., 835.), 'H200': (67., 495., 989.),
    'A100': (19.5, 156., 312.), 'L40S': (91.6, 183., 362.),
    'A10': (31.2, 62.5, 125.), 'L4': (30.3, 60., 121.),
    'T4': (8.1, 8.1, 65.), 'V100': (15.7, 15.7, 125.)}

SAMPLE_RATE = 16000


def synchronize(device):
    if torch.device(device).type == 'cuda':
        torch.cuda.synchronize(device)


def timed(function, device, runs):
    """Median seconds of `runs` calls after one warm-up call"""
    function()
    synchronize(device)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def sung(seconds):
    """A harmonic tone with vibrato, pauses and faint noise: (1, samples)"""
    times = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    f0 = 220 * 2 ** (np.sin(2 * np.pi * .2 * times)
                     + .05 * np.sin(2 * np.pi * 5.5 * times))
    phase = 2 * np.pi * np.cumsum(f0) / SAMPLE_RATE
    voice = sum(np.sin(k * phase) / k for k in range(1, 6))
    voice *= np.sin(2 * np.pi * .25 * times) > -.5
    noise = np.random.default_rng(0).standard_normal(len(times))
    return torch.from_numpy((.2 * voice + .003 * noise).astype(np.float32))[None]


###############################################################################
# Sections
###############################################################################


def infer_rows(device, frames, runs):
    """(capacity, precision, frames/s) for every capacity and precision"""
    precisions = ['float32', 'bfloat16']
    if torch.device(device).type == 'cuda':
        precisions.insert(1, 'float16')
    rows = []
    for capacity in torchcrepe.CAPACITIES:
        torchcrepe.load.model(device, capacity)
        with torch.no_grad():
            for precision in precisions:
                seconds = timed(lambda: torchcrepe.infer(
                    frames, capacity, device, precision=precision), device, runs)
                label = precision
                if torchcrepe.hardware.precision(precision, device) != precision:
                    label += ' (ran as float32: not native here)'
                rows.append((capacity, label, len(frames) / seconds))
            # The plain module in the same fixed blocks, for the folding's gain
            network = torchcrepe.infer.model
            size = torchcrepe.core.block_size(device, capacity)
            on_device = frames.to(device)

            def plain():
                for start in range(0, len(on_device), size):
                    network(on_device[start:start + size])
            seconds = timed(plain, device, runs)
            rows.append((capacity, 'float32, plain Crepe', len(frames) / seconds))
    return rows


def predict_rows(device, seconds, runs):
    audio = sung(seconds)
    rows = []
    for capacity in ('tiny', 'full'):
        elapsed = timed(lambda: torchcrepe.predict(
            audio, SAMPLE_RATE, model=capacity, device=device,
            batch_size=2048), device, runs)
        rows.append((capacity, elapsed))
    return rows


def viterbi_seconds(decoder, device, length, runs):
    """Seconds of `decoder` on real network output tiled to `length` frames"""
    probabilities = torch.from_numpy(np.load(os.path.join(
        ROOT, 'tests', 'assets', 'activation-tiny.npy'))).T
    repeats = -(-length // probabilities.shape[1])
    logits = probabilities.repeat(1, repeats)[None, :, :length].to(device)
    return timed(lambda: decoder(logits), device, runs)


def cuda_tests():
    """pytest on the CUDA tests: its summary line and exit status"""
    completed = subprocess.run(
        [sys.executable, '-m', 'pytest', '-q', '-k', 'cuda', '-p', 'no:cacheprovider',
         os.path.join(ROOT, 'tests')], capture_output=True, text=True, cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=ROOT))
    lines = completed.stdout.strip().splitlines()
    return (lines[-1] if lines else completed.stderr[-500:]), completed.returncode


def old_rows(python, device, frame_count, seconds, length, runs):
    """The same measurements by torchcrepe 0.0.24 in `python`"""
    arguments = json.dumps(dict(device=device, frames=frame_count, seconds=seconds,
                                length=length, runs=runs))
    completed = subprocess.run(
        [python, os.path.abspath(__file__), '--old-worker', arguments],
        capture_output=True, text=True, cwd=os.path.dirname(ROOT),
        env=dict(os.environ, PYTHONPATH=''))
    if completed.returncode != 0:
        raise RuntimeError(f'0.0.24 worker failed:\n{completed.stderr[-2000:]}')
    return json.loads(completed.stdout.strip().splitlines()[-1])


def old_worker(arguments):
    """Runs inside 0.0.24's interpreter: only its own public API is used"""
    import torchcrepe as old
    options = json.loads(arguments)
    device, runs = options['device'], options['runs']
    reference = np.load(os.path.join(ROOT, 'tests', 'assets', 'frames.npy'))
    frames = torch.from_numpy(np.resize(reference, (options['frames'], 1024)))
    result = {'version': getattr(old, '__version__', '0.0.24')}
    for capacity in ('tiny', 'full'):
        old.load.model(device, capacity)
        with torch.no_grad():
            elapsed = timed(lambda: old.infer(frames.to(device), capacity), device, runs)
        result[f'infer {capacity}'] = len(frames) / elapsed
        audio = sung(options['seconds'])
        result[f'predict {capacity}'] = timed(lambda: old.predict(
            audio, SAMPLE_RATE, model=capacity, device=device, batch_size=512),
            device, 1)
    result['viterbi'] = viterbi_seconds(old.decode.viterbi, device,
                                        options['length'], runs)
    print(json.dumps(result))


def peaks(device, override):
    """(float32, TF32, float16) peak TFLOP/s of the device, or None"""
    if override:
        return tuple(float(value) for value in override.split(','))
    if torch.device(device).type != 'cuda':
        return None
    name = torch.cuda.get_device_name(device)
    matches = [key for key in PEAK_TFLOPS if all(part in name for part in key.split())]
    return PEAK_TFLOPS[max(matches, key=len)] if matches else None


###############################################################################
# Report
###############################################################################


def main():
    from benchmarks.report import flops_per_frame, publish
    hardware = torchcrepe.hardware
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cuda')
    parser.add_argument('--quick', action='store_true',
                        help='64 frames, 2 s of audio, T = 10,000, 1 run')
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--old-python', help='an interpreter that imports torchcrepe 0.0.24')
    parser.add_argument('--peak-tflops', help='FP32,TF32,FP16 peaks of the device')
    parser.add_argument('--output', help='also write the report to this file')
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: no CUDA device here (try --device cpu --quick)')
    count, seconds, length = (64, 2, 10000) if args.quick else (8192, 600, 100000)
    runs = 1 if args.quick else args.runs
    if device.type == 'cpu':
        torch.set_num_threads(min(2, os.cpu_count()))
    reference = np.load(os.path.join(ROOT, 'tests', 'assets', 'frames.npy'))
    frames = torch.from_numpy(np.resize(reference, (count, 1024)))

    lines = [f'Device: {hardware.describe(device)}; torch {torch.__version__}'
             + (f', CUDA {torch.version.cuda}, TF32 convolutions '
                f'{"on" if torch.backends.cudnn.allow_tf32 else "off"}'
                if device.type == 'cuda' else '')
             + f'; median of {runs} runs after a warm-up.', '',
             f'infer, N = {count} frames:', '',
             '| capacity | precision | frames/s |', '|---|---|--:|']
    infer = infer_rows(device, frames, runs)
    lines += [f'| {c} | {p} | {v:,.0f} |' for c, p, v in infer]
    print('\n'.join(lines), file=sys.stderr)

    predicted = predict_rows(device, seconds, 1)
    lines += ['', f'predict, {seconds} s of audio (hop 160, viterbi, batch_size=2048), '
              'one run:', '']
    lines += [f'- {c}: {v:.2f} s ({seconds / v:,.0f}x real time)' for c, v in predicted]
    viterbi = viterbi_seconds(torchcrepe.decode.viterbi, device, length, runs)
    lines += ['', f'decode.viterbi on the device, T = {length:,}: {viterbi:.3f} s']

    if device.type == 'cuda':
        summary, status = cuda_tests()
        lines += ['', f'CUDA tests (pytest -k cuda): {summary} (exit {status})']
    else:
        lines += ['', 'CUDA tests: skipped (not a CUDA device)']

    if args.old_python:
        old = old_rows(args.old_python, str(device), count, seconds, length, runs)
        new = {f'infer {c}': v for c, p, v in infer if p == 'float32'}
        new.update({f'predict {c}': v for c, v in predicted}, viterbi=viterbi)
        lines += ['', f"torchcrepe {old['version']} on the same device (float32; "
                  'ratio: above 1 is better for 0.0.25):', '',
                  '| what | 0.0.24 | 0.0.25 | ratio |', '|---|--:|--:|--:|']
        for key, value in old.items():
            if key == 'version':
                continue
            higher = key.startswith('infer')
            ratio = new[key] / value if higher else value / new[key]
            unit = 'frames/s' if higher else 's'
            lines.append(f'| {key} | {value:,.3g} {unit} | {new[key]:,.3g} {unit} | {ratio:.2f}x |')
    else:
        lines += ['', '0.0.24: not run (no --old-python)']

    flops = flops_per_frame('full')
    lines += ['', f'full: {flops / 1e9:.2f} GFLOP per frame (layer table, kept taps).']
    peak = peaks(device, args.peak_tflops)
    for precision, index in (('float32', (0, 1)), ('float16', (2,))):
        rate = next((v for c, p, v in infer if c == 'full' and p == precision), None)
        if rate is None:
            continue
        achieved = rate * flops / 1e12
        share = ''
        if peak:
            share = ', ' + ' / '.join(f'{achieved / peak[i]:.1%} of {peak[i]:g}'
                                      for i in index)
        lines.append(f'- {precision}: {achieved:.2f} TFLOP/s{share}'
                     + ('' if peak else ' (peak unknown: pass --peak-tflops)'))
    publish('\n'.join(lines), args.output)


if __name__ == '__main__':
    if OLD_WORKER:
        old_worker(sys.argv[2])
    else:
        main()
