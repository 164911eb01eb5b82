"""Pitch error of each decoder on glides and vibrato, against the true f0;
and the decoders' speed, against an earlier revision's.

    python benchmarks/decoders.py [--models tiny,full] [--output FILE]
    python benchmarks/decoders.py --speed [--baseline REV] [--rounds 9]

Synthesises harmonic tones whose f0 glides (exponential sweeps over two
octaves, up and down, 1-2 s each) or carries vibrato (5.5 Hz, +-50 and
+-100 cents, around four notes), runs each capacity's network once per
signal and decodes the same probabilities with every decoder. Prints the
median and 95th-percentile absolute error in cents over the frames, the
first and last 5 of each signal left out. Deterministic.

--speed times every decoder on tiny's output for the 10 s recording-like
signal of benchmarks/corpus.py (fmin 50 Hz, fmax 2006 Hz), repeated 10
times (about 10,000 frames), after a warm-up that compiles the CPU loops;
the median of --rounds calls. With --baseline, the decode module of that
git revision (a single decode.py, as before the decode package) is timed
too, each round alternating which of the two runs first, and the table
gives old / new time (above 1: this checkout is faster). A decoder the
baseline lacks is compared with the baseline's of the same kind
(viterbi_0024 with viterbi).
"""
import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torchcrepe  # noqa: E402
from benchmarks.report import publish  # noqa: E402

RATE = 16000
HOP = 160


def harmonic(f0, harmonics=8, tilt=0.7):
    """A tone with `harmonics` partials, each `tilt` times the one below"""
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    signal = sum(tilt ** k * np.sin((k + 1) * phase) for k in range(harmonics))
    return (0.5 * signal / np.abs(signal).max()).astype(np.float32)


def signals():
    """(kind, name, audio (samples,), f0 per 10 ms frame)"""
    for low, high, seconds in ((100., 400., 2.), (200., 800., 1.), (400., 100., 2.), (800., 200., 1.)):
        time = np.arange(int(seconds * RATE)) / RATE
        f0 = low * (high / low) ** (time / seconds)
        yield 'glide', f'{low:.0f}->{high:.0f} Hz in {seconds:.0f} s', harmonic(f0), f0[::HOP]
    for note in (110., 220., 440., 880.):
        for depth in (50., 100.):
            time = np.arange(2 * RATE) / RATE
            f0 = note * 2 ** (depth / 1200 * np.sin(2 * np.pi * 5.5 * time))
            yield 'vibrato', f'{note:.0f} Hz +-{depth:.0f} c', harmonic(f0), f0[::HOP]


def measure(models):
    errors = {}  # (model, kind, decoder) -> list of arrays
    for kind, _, audio, f0 in signals():
        audio = torch.from_numpy(audio)[None]
        for model in models:
            with torch.no_grad():
                probabilities = torch.cat([
                    torchcrepe.infer(frames, model)
                    for frames in torchcrepe.preprocess(audio, RATE, HOP)]).T[None]
            probabilities = torchcrepe.core.mask(probabilities, 50., 1800.)
            for name, decoder in torchcrepe.decode.DECODERS.items():
                torch.manual_seed(0)
                _, pitch = decoder(probabilities)
                count = min(pitch.size(1), len(f0))
                error = np.abs(1200 * np.log2(pitch[0, :count].double().numpy() / f0[:count]))
                errors.setdefault((model, kind, name), []).append(error[5:-5])
    return errors


def table(errors, models):
    lines = ['| model | decoder | glides: median | glides: p95 | vibrato: median | vibrato: p95 |',
             '|---|---|---|---|---|---|']
    for model in models:
        for name in torchcrepe.decode.DECODERS:
            cells = []
            for kind in ('glide', 'vibrato'):
                error = np.concatenate(errors[(model, kind, name)])
                cells += [f'{np.median(error):.1f}', f'{np.percentile(error, 95):.1f}']
            lines.append(f'| {model} | {name} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def baseline(revision):
    """The decode module of git `revision` (torchcrepe/decode.py), imported
    from a temporary copy whose relative imports point at this checkout"""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    source = subprocess.run(['git', '-C', root, 'show', f'{revision}:torchcrepe/decode.py'],
                            check=True, capture_output=True, text=True).stdout
    source = source.replace('from . import ', 'from torchcrepe import ').replace(
        'from .constants import', 'from torchcrepe.constants import')
    folder = tempfile.mkdtemp(prefix='decode-baseline-')
    path = os.path.join(folder, 'decode_baseline.py')
    with open(path, 'w') as file:
        file.write(source)
    spec = importlib.util.spec_from_file_location('decode_baseline', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def speed_input():
    """tiny's masked output for the recording-like signal, tiled: (1, 360, T)"""
    from benchmarks.corpus import recording
    item = recording(10.)
    audio = torch.from_numpy(item.audio)[None]
    with torch.no_grad():
        probabilities = torch.cat([torchcrepe.infer(frames, 'tiny') for frames
                                   in torchcrepe.preprocess(audio, RATE, HOP)]).T[None]
    return torchcrepe.core.mask(probabilities, 50., torchcrepe.MAX_FMAX).repeat(1, 1, 10)


def speed(rounds, revision=None):
    """Median seconds per call of each decoder (and of the baseline's)"""
    probabilities = speed_input()
    old = baseline(revision) if revision else None
    lines = [f'Decoding {probabilities.size(2):,} frames (median of {rounds} calls)'
             + (f'; baseline: {revision}' if old else '') + '.\n',
             '| decoder | baseline ms | this checkout ms | baseline / this |' if old else
             '| decoder | ms |', '|---|--:|--:|--:|' if old else '|---|--:|']
    for name, decoder in torchcrepe.decode.DECODERS.items():
        pair = [decoder]
        if old:
            pair.insert(0, getattr(old, name, getattr(old, name.replace('_0024', ''), None)))
        for function in pair:
            function(probabilities[..., :500])  # compiles the CPU loops
        times = [[] for _ in pair]
        for round_ in range(rounds):
            order = range(len(pair)) if round_ % 2 == 0 else reversed(range(len(pair)))
            for index in order:
                began = time.perf_counter()
                pair[index](probabilities)
                times[index].append(time.perf_counter() - began)
        medians = [1e3 * float(np.median(values)) for values in times]
        cells = ' | '.join(f'{value:.1f}' for value in medians)
        ratio = f' | {medians[0] / medians[1]:.2f}' if old else ''
        lines.append(f'| {name} | {cells}{ratio} |')
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--models', default='tiny,full',
                        help='comma-separated capacities (default: tiny,full)')
    parser.add_argument('--output', help='also write the table to this file')
    parser.add_argument('--speed', action='store_true', help="time the decoders instead")
    parser.add_argument('--baseline', help='with --speed: a git revision to compare with')
    parser.add_argument('--rounds', type=int, default=9, help='with --speed: calls per decoder')
    args = parser.parse_args()
    if args.speed:
        publish(speed(args.rounds, args.baseline), args.output)
        return
    models = args.models.split(',')
    for model in models:
        torchcrepe.model.check_capacity(model, '--models')
    torch.set_num_threads(2)
    result = 'Absolute pitch error in cents (fmin 50 Hz, fmax 1800 Hz).\n\n' + \
        table(measure(models), models)
    publish(result, args.output)


if __name__ == '__main__':
    main()
