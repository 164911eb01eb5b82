"""Pitch error of each decoder on glides and vibrato, against the true f0.

    python benchmarks/decoders.py [--models tiny,full] [--output FILE]

Synthesises harmonic tones whose f0 glides (exponential sweeps over two
octaves, up and down, 1-2 s each) or carries vibrato (5.5 Hz, +-50 and
+-100 cents, around four notes), runs each capacity's network once per
signal and decodes the same probabilities with every decoder. Prints the
median and 95th-percentile absolute error in cents over the frames, the
first and last 5 of each signal left out. Deterministic.
"""
import argparse
import os
import sys

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--models', default='tiny,full',
                        help='comma-separated capacities (default: tiny,full)')
    parser.add_argument('--output', help='also write the table to this file')
    args = parser.parse_args()
    models = args.models.split(',')
    for model in models:
        torchcrepe.model.check_capacity(model, '--models')
    torch.set_num_threads(2)
    result = 'Absolute pitch error in cents (fmin 50 Hz, fmax 1800 Hz).\n\n' + \
        table(measure(models), models)
    publish(result, args.output)


if __name__ == '__main__':
    main()
