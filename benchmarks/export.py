"""Size of every capacity in each format, and onnxruntime's speed on CPU.

    python benchmarks/export.py [--models tiny,full] [--frames 1024] [--repeats 3]

Exports each capacity to ONNX and to Core ML (fp32 and fp16) in a temporary
directory and prints one markdown table: parameters, the bundled .pth, the
exported files' sizes (MB = 10^6 bytes), whether each fits a 50 MB budget,
and frames/s of `infer` with backend='torch' and backend='onnx' on the same
frames (median of --repeats, after a warm-up), with the largest difference
between their probabilities. Needs pip install 'torchcrepe[export]'.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torchcrepe  # noqa: E402
import torchcrepe.export  # noqa: E402
from torchcrepe.cli.export import output_size  # noqa: E402

BUDGET = 50e6


def speed(frames, capacity, backend, repeats):
    """(frames/s, probabilities) of infer"""
    with torch.inference_mode():
        result = torchcrepe.infer(frames[:64], capacity, backend=backend)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            result = torchcrepe.infer(frames, capacity, backend=backend)
            times.append(time.perf_counter() - start)
    return len(frames) / statistics.median(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--models', default=','.join(torchcrepe.CAPACITIES))
    parser.add_argument('--frames', type=int, default=1024)
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args()

    generator = torch.Generator().manual_seed(0)
    frames = torch.randn(args.frames, torchcrepe.WINDOW_SIZE, generator=generator)
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads; '
          f'{args.frames} frames; MB = 10^6 bytes; budget {BUDGET / 1e6:.0f} MB')
    print()
    print('| model | parameters | .pth MB | ONNX MB | Core ML fp32 MB | '
          'Core ML fp16 MB | fits 50 MB | torch frames/s | onnxruntime '
          'frames/s | ratio | max abs diff |')
    print('|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|')
    with tempfile.TemporaryDirectory() as directory:
        for capacity in args.models.split(','):
            pth = os.path.getsize(os.path.join(torchcrepe.load.ASSETS, f'{capacity}.pth'))
            parameters = sum(tensor.numel() for name, tensor in
                             torchcrepe.load.crepe(capacity).state_dict().items()
                             if not name.endswith('num_batches_tracked'))
            sizes = {'.pth': pth}
            path = os.path.join(directory, capacity)
            sizes['ONNX'] = output_size(torchcrepe.export.onnx(capacity, path + '.onnx'))
            for precision in ('float32', 'float16'):
                sizes[f'Core ML {precision}'] = output_size(torchcrepe.export.coreml(
                    capacity, f'{path}-{precision}.mlpackage', precision=precision))
            fits = [name for name, size in sizes.items() if size <= BUDGET]
            fits = 'all' if len(fits) == len(sizes) else ', '.join(fits) or 'none'
            torch_fps, expected = speed(frames, capacity, 'torch', args.repeats)
            onnx_fps, result = speed(frames, capacity, 'onnx', args.repeats)
            difference = (result - expected).abs().max().item()
            megabytes = ' | '.join(f'{size / 1e6:.1f}' for size in sizes.values())
            print(f'| {capacity} | {parameters:,} | {megabytes} | '
                  f'{fits} | {torch_fps:,.0f} | '
                  f'{onnx_fps:,.0f} | {onnx_fps / torch_fps:.2f} | {difference:.1e} |',
                  flush=True)


if __name__ == '__main__':
    main()
