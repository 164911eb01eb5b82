"""torchcrepe 0.0.25 (this checkout) against torchcrepe 0.0.24, side by side.

    python benchmarks/compare.py [--quick] [--runs 5] [--old-10min] [--no-old] [--output FILE]
                                 [--sections infer,decode,predict,memory] [--models tiny,...]

The first run installs torchcrepe 0.0.24 into its own venv under
.cache/torchcrepe-0.0.24 (torch 2.13.0 CPU, librosa, resampy, ...); later
runs reuse it. torchaudio has no CPU build for torch 2.13, and 0.0.24
imports it only to read files, which the benchmark never does: the venv
gets a one-line stand-in module so that `import torchcrepe` works.

Every measurement runs in a fresh process of the right interpreter, with
torch.set_num_threads(2), on the same inputs (written once under
.cache/bench-inputs), and reports the median of --runs timings after a
warm-up. Peak memory is the worker's peak resident set (VmHWM, which
starts afresh at exec; ru_maxrss would carry over this script's own peak,
which holds the hour of test audio, into every worker).
The outputs are compared too: Viterbi bins must be identical,
weighted_argmax within 1e-3 cents (0.0.24's cents table is dithered once
per process; the benchmark gives it the exact bin centres first).

Prints one markdown table of figures and ratios (0.0.24 / 0.0.25 for
times, 0.0.25 / 0.0.24 for throughput: above 1 is better for 0.0.25).
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, '.cache')
OLD_VENV = os.path.join(CACHE, 'torchcrepe-0.0.24')
INPUTS = os.path.join(CACHE, 'bench-inputs')
CAPACITIES = ('tiny', 'small', 'medium', 'large', 'full')
CENTS_OFFSET = 1997.3794084376191


###############################################################################
# Environments
###############################################################################


def old_python():
    """The 0.0.24 interpreter, installing it on first use"""
    python = os.path.join(OLD_VENV, 'bin', 'python')
    marker = os.path.join(OLD_VENV, '.complete')
    if os.path.exists(marker):
        return python
    print('installing torchcrepe 0.0.24 into', OLD_VENV, '(once)', file=sys.stderr)
    subprocess.run([sys.executable, '-m', 'venv', OLD_VENV], check=True)
    pip = [python, '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check']
    # torch first, pinned, so that nothing pulls a CUDA build
    subprocess.run(pip + ['torch==2.13.0'], check=True)
    subprocess.run(pip + ['--no-deps', 'torchcrepe==0.0.24'], check=True)
    subprocess.run(pip + ['librosa', 'resampy', 'scipy', 'tqdm'], check=True)
    site = subprocess.run(
        [python, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
        check=True, capture_output=True, text=True).stdout.strip()
    with open(os.path.join(site, 'torchaudio.py'), 'w') as file:
        file.write('def load(*args, **kwargs):\n'
                   '    raise NotImplementedError("benchmark stand-in for torchaudio")\n')
    open(marker, 'w').close()
    return python


def new_python():
    return sys.executable


###############################################################################
# Inputs
###############################################################################


def make_inputs(frames, lengths, seconds):
    """Frames, decoder inputs and audio, identical for both versions"""
    os.makedirs(INPUTS, exist_ok=True)
    reference = np.load(os.path.join(ROOT, 'tests', 'assets', 'frames.npy'))
    np.save(os.path.join(INPUTS, 'frames.npy'), np.resize(reference, (frames, 1024)))

    # Real network output (tiny on the reference frames), tiled, with the
    # bins below fmin=50 Hz at -inf as postprocess sets them
    probabilities = np.load(os.path.join(ROOT, 'tests', 'assets', 'activation-tiny.npy')).T
    for length in lengths:
        repeats = -(-length // probabilities.shape[1])
        tiled = np.tile(probabilities, (1, repeats))[None, :, :length].astype(np.float32)
        tiled[:, :39] = -np.inf
        np.save(os.path.join(INPUTS, f'probabilities-{length}.npy'), tiled)

    # A sung-like test signal: a harmonic tone with vibrato, pauses, noise
    for length in seconds:
        rate = 16000
        time_ = np.arange(int(length * rate)) / rate
        f0 = 220 * 2 ** (np.sin(2 * np.pi * 0.2 * time_) + 0.05 * np.sin(2 * np.pi * 5.5 * time_))
        phase = 2 * np.pi * np.cumsum(f0) / rate
        voice = sum(np.sin(k * phase) / k for k in range(1, 6))
        voice *= (np.sin(2 * np.pi * 0.25 * time_) > -0.5)
        noise = np.random.default_rng(0).standard_normal(len(time_))
        audio = (0.2 * voice + 0.003 * noise).astype(np.float32)
        np.save(os.path.join(INPUTS, f'audio-{int(length)}.npy'), audio)


###############################################################################
# Workers (run inside each interpreter)
###############################################################################


def worker(task, arguments):
    import resource

    import torch
    import torchcrepe

    torch.set_num_threads(2)
    runs = arguments.get('runs', 5)

    def timed(function, prepare=lambda: None):
        prepare_result = prepare()
        function(prepare_result)  # warm-up (and numba compilation)
        times = []
        for _ in range(runs):
            prepared = prepare()
            start = time.perf_counter()
            function(prepared)
            times.append(time.perf_counter() - start)
        return float(np.median(times))

    result = {}
    if task == 'infer':
        frames = torch.from_numpy(np.load(os.path.join(INPUTS, 'frames.npy')))
        capacity = arguments['capacity']
        if arguments['version'] == 'old' and capacity not in ('tiny', 'full'):
            _old_network(torchcrepe, capacity, arguments['channels'])
        else:
            torchcrepe.load.model('cpu', capacity)
        with torch.no_grad():
            seconds = timed(lambda _: torchcrepe.infer(frames, capacity))
        result['frames_per_second'] = len(frames) / seconds

    elif task == 'decode':
        length = arguments['length']
        name = arguments['decoder']
        logits = torch.from_numpy(np.load(os.path.join(INPUTS, f'probabilities-{length}.npy')))
        if arguments['version'] == 'new':
            # 0.0.24's transition, to compare path for path (viterbi's own
            # transition costs the same; see decode.viterbi)
            name = {'viterbi': 'viterbi_0024'}.get(name, name)
        decoder = getattr(torchcrepe.decode, name)
        if name == 'weighted_argmax' and arguments['version'] == 'old':
            # 0.0.24 caches a dithered table of bin cents on first call;
            # give it the exact centres so that outputs can be compared
            decoder(logits[..., :1].clone())
            decoder.weights = (20 * torch.arange(360.) + CENTS_OFFSET)[None, :, None]
        # 0.0.24's weighted_argmax writes into its input: a fresh copy each run
        seconds = timed(lambda copy: decoder(copy), lambda: logits.clone())
        bins, pitch = decoder(logits.clone())
        result['seconds'] = seconds
        path = os.path.join(INPUTS, f"out-{arguments['version']}-{name}-{length}.npy")
        np.save(path, np.stack([bins[0].double().numpy(), pitch[0].double().numpy()]))
        result['output'] = path

    elif task == 'predict':
        audio = torch.from_numpy(np.load(os.path.join(INPUTS, f"audio-{arguments['seconds']}.npy")))[None]
        options = dict(model=arguments['capacity'], batch_size=arguments.get('batch_size'))
        if arguments['version'] == 'new':
            # 0.0.24's transition, so that the bins can be compared
            options['decoder'] = torchcrepe.decode.viterbi_0024
        if runs:
            # Warm up on one second (model loading, numba), then time
            torchcrepe.predict(audio[:, :16000], 16000, **options)
        whole = arguments.get('whole') and arguments['version'] == 'old'
        if whole:
            # Keep 0.0.24's network output of every batch (a reference per
            # batch, no copy: the timing is unchanged) to decode it as one
            # sequence afterwards
            recorded, infer = [], torchcrepe.core.infer

            def recording(*args, **kwargs):
                recorded.append(infer(*args, **kwargs))
                return recorded[-1]
            # 0.0.24's infer keeps its network as attributes of whatever
            # `infer` names in its module: hand the warm-up's over
            recording.__dict__.update(infer.__dict__)
            torchcrepe.core.infer = recording
        times = []
        for _ in range(max(runs, 1)):
            recorded = [] if whole else None
            start = time.perf_counter()
            pitch, periodicity = torchcrepe.predict(
                audio, 16000, return_periodicity=True, **options)
            times.append(time.perf_counter() - start)
        result['seconds'] = float(np.median(times))
        if arguments.get('save'):
            path = os.path.join(INPUTS, f"predict-{arguments['version']}-{arguments['capacity']}.npy")
            np.save(path, np.stack([pitch[0].double().numpy(), periodicity[0].double().numpy()]))
            result['output'] = path
        if whole and arguments.get('save'):
            # 0.0.24's own postprocess (fmin 50 Hz as predict's default) on
            # all its batches' output at once: 0.0.24 decoding the file as
            # one sequence, which is what 0.0.25 does at any batch size
            probabilities = torch.cat(recorded).T[None]
            pitch, periodicity = torchcrepe.postprocess(
                probabilities, 50., torchcrepe.MAX_FMAX, return_periodicity=True)
            path = os.path.join(INPUTS, f"predict-old-whole-{arguments['capacity']}.npy")
            np.save(path, np.stack([pitch[0].double().numpy(), periodicity[0].double().numpy()]))
            result['whole_output'] = path
        result['peak_mb'] = _peak_mb()

    elif task == 'onnx':
        # backend='onnx': onnxruntime on the exported network, in fixed
        # blocks (one call on all frames would hold every activation)
        import onnxruntime
        import torch
        import torchcrepe
        frames = torch.from_numpy(np.load(os.path.join(INPUTS, 'frames.npy')))
        seconds = timed(lambda _: torchcrepe.infer(
            frames, arguments['capacity'], backend='onnx'))
        result['frames_per_second'] = len(frames) / seconds
        result['version'] = onnxruntime.__version__
    elif task == 'alternated':
        result = _alternated(torchcrepe, arguments)
    print(json.dumps(result))


def _alternated(torchcrepe, arguments):
    """0.0.25's infer against its own plain-module path and onnxruntime,
    alternated in one process: frames/s of each round, per path

    'plain' runs the `Crepe` module itself in blocks of 32 (how infer ran
    before the folded network and the per-capacity block sizes); 'onnx' is
    backend='onnx'.
    """
    import torch
    from torchcrepe import network
    frames = torch.from_numpy(np.load(os.path.join(INPUTS, 'frames.npy')))
    capacity = arguments['capacity']
    torchcrepe.infer(frames[:1], capacity)  # loads infer.model

    def plain():
        network.in_blocks(frames, 32, torchcrepe.infer.model)
    paths = {'plain': plain,
             'folded': lambda: torchcrepe.infer(frames, capacity),
             'onnx': lambda: torchcrepe.infer(frames, capacity, backend='onnx')}
    result = {name: [] for name in paths}
    with torch.no_grad():
        for function in paths.values():
            function()
        for _ in range(arguments['runs']):
            for name, function in paths.items():
                start = time.perf_counter()
                function()
                result[name].append(len(frames) / (time.perf_counter() - start))
    return result


def _peak_mb():
    """This process's peak resident set in MB, from /proc (Linux)"""
    with open('/proc/self/status') as file:
        for line in file:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _old_network(torchcrepe, capacity, channels):
    """0.0.24's network code with another capacity's layers and weights

    0.0.24 ships tiny and full only; its Crepe class builds the same six
    blocks for any width, so the others are measured with its forward pass
    and this checkout's weights.
    """
    import torch

    network = torchcrepe.Crepe('full')
    inputs = [1] + channels[:-1]
    for i, (c_in, c_out) in enumerate(zip(inputs, channels), 1):
        kernel, stride = (512, 4) if i == 1 else (64, 1)
        setattr(network, f'conv{i}', torch.nn.Conv2d(c_in, c_out, (kernel, 1), (stride, 1)))
        setattr(network, f'conv{i}_BN', torch.nn.BatchNorm2d(
            c_out, eps=0.0010000000474974513, momentum=0.))
    network.in_features = 4 * channels[-1]
    network.classifier = torch.nn.Linear(network.in_features, 360)
    weights = torch.load(os.path.join(ROOT, 'torchcrepe', 'assets', f'{capacity}.pth'),
                         weights_only=True)
    network.load_state_dict(weights)
    torchcrepe.infer.model = network.eval()
    torchcrepe.infer.capacity = capacity


def run_worker(python, task, **arguments):
    environment = dict(os.environ, PYTHONPATH=ROOT if python == new_python() else '',
                       OMP_NUM_THREADS='2')
    completed = subprocess.run(
        [python, os.path.abspath(__file__), 'worker', task, json.dumps(arguments)],
        capture_output=True, text=True, env=environment, cwd=CACHE)
    if completed.returncode != 0:
        raise RuntimeError(f'{task} {arguments} failed:\n{completed.stderr[-3000:]}')
    return json.loads(completed.stdout.strip().splitlines()[-1])


###############################################################################
# Comparison
###############################################################################


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='small inputs and 2 runs: a minute-long smoke test')
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--old-10min', action='store_true',
                        help="also measure 0.0.24's memory on 10 minutes (about 20 GB)")
    parser.add_argument('--no-old', action='store_true',
                        help='skip 0.0.24 (no venv to install): 0.0.25 and onnxruntime only')
    parser.add_argument('--output', help='also write the table to this file')
    parser.add_argument('--sections', default='infer,decode,predict,memory',
                        help='which parts to run (default: all four); also '
                             "'alternated': 0.0.25's folded network, its plain module and "
                             'onnxruntime in turn in one process')
    parser.add_argument('--models', default=','.join(CAPACITIES),
                        help='capacities for the infer rows (default: all five)')
    args = parser.parse_args(argv)

    frames = 256 if args.quick else 2048
    lengths = (1000, 10000) if args.quick else (1000, 10000, 100000)
    runs = 2 if args.quick else args.runs
    predict_seconds = 10 if args.quick else 60
    memory_seconds = (10, 60) if args.quick else (60, 600, 3600)
    os.makedirs(CACHE, exist_ok=True)
    make_inputs(frames, lengths, sorted({predict_seconds, *memory_seconds}))
    old, new = None if args.no_old else old_python(), new_python()

    rows = []

    def row(what, old_value, new_value, unit, better='higher', note='', onnx=None):
        if old_value and new_value:
            ratio = new_value / old_value if better == 'higher' else old_value / new_value
            ratio = f'{ratio:.1f}x'
        else:
            ratio = ''
        versus = f'{_format(onnx, unit)} ({new_value / onnx:.2f}x)' if onnx else '-'
        rows.append((what, _format(old_value, unit), _format(new_value, unit), ratio,
                     versus, note))
        print(' | '.join(map(str, rows[-1])), file=sys.stderr)

    sys.path.insert(0, ROOT)
    from torchcrepe.model import channels
    print(machine(), file=sys.stderr)
    sections = set(args.sections.split(','))
    unknown = sections - {'infer', 'alternated', 'decode', 'predict', 'memory'}
    if unknown:
        parser.error(f'--sections: unknown {sorted(unknown)}')
    if args.no_old and sections - {'infer', 'alternated'}:
        parser.error('--no-old: only with --sections infer,alternated')
    for capacity in args.models.split(',') if 'infer' in sections else ():
        a = old and run_worker(old, 'infer', capacity=capacity, runs=runs, version='old',
                               channels=list(channels(capacity)))['frames_per_second']
        b = run_worker(new, 'infer', capacity=capacity, runs=runs,
                       version='new')['frames_per_second']
        onnx, note = None, ''
        try:
            c = run_worker(new, 'onnx', capacity=capacity, runs=runs)
            onnx, note = c['frames_per_second'], f"onnxruntime {c['version']}"
        except RuntimeError as error:
            if 'onnx' not in str(error).lower():
                raise
            note = 'onnxruntime not installed'
        if old and capacity not in ('tiny', 'full'):
            note = '0.0.24 code, this capacity\'s layers; ' + note
        row(f'infer {capacity}, N = {frames}', a, b, 'frames/s', note=note, onnx=onnx)

    for capacity in args.models.split(',') if 'alternated' in sections else ():
        r = {k: np.array(v) for k, v in run_worker(
            new, 'alternated', capacity=capacity, runs=runs).items()}
        row(f'infer {capacity}, N = {frames}, alternated', None, float(np.median(r['folded'])),
            'frames/s', onnx=float(np.median(r['onnx'])),
            note=f"folded / plain module (blocks of 32): {np.median(r['folded'] / r['plain']):.2f}x, "
                 f"folded / onnxruntime: {np.median(r['folded'] / r['onnx']):.2f}x "
                 f"(medians of {runs} rounds' ratios)")

    for name in ('viterbi', 'weighted_argmax', 'argmax') if 'decode' in sections else ():
        for length in lengths:
            a = run_worker(old, 'decode', decoder=name, length=length, runs=runs, version='old')
            b = run_worker(new, 'decode', decoder=name, length=length, runs=runs, version='new')
            label = f'{name} (0.0.25: viterbi_0024)' if name == 'viterbi' else name
            row(f'decode.{label}, T = {length:,}', a['seconds'], b['seconds'], 's',
                better='lower', note=_agreement(name, a['output'], b['output']))

    predicts = (('tiny', None, runs), ('full', 512, 1)) if 'predict' in sections else ()
    for capacity, batch_size, count in predicts:
        a, b = (run_worker(python, 'predict', capacity=capacity, seconds=predict_seconds,
                           runs=count, batch_size=batch_size, save=True, version=version,
                           whole=batch_size is not None)
                for python, version in ((old, 'old'), (new, 'new')))
        note = _predict_agreement(a['output'], b['output'])
        if 'whole_output' in a:
            # 0.0.24 restarts Viterbi at every batch; 0.0.25 never does
            note = (f'against 0.0.24 decoding its output as one sequence: '
                    f'{_predict_agreement(a["whole_output"], b["output"])}; against '
                    f'0.0.24 restarting Viterbi every {batch_size} frames: {note}')
        row(f'predict {capacity}, {predict_seconds} s audio, viterbi (0.0.25: '
            f'viterbi_0024), batch_size={batch_size}',
            a['seconds'], b['seconds'], 's', better='lower', note=note)

    for seconds in memory_seconds if 'memory' in sections else ():
        measure_old = seconds <= 60 or args.old_10min and seconds <= 600
        a = run_worker(old, 'predict', capacity='tiny', seconds=seconds, runs=0,
                       version='old') if measure_old else None
        b = run_worker(new, 'predict', capacity='tiny', seconds=seconds, runs=0,
                       version='new')
        label = f'{seconds // 60} min' if seconds >= 60 else f'{seconds} s'
        row(f'peak RSS, predict tiny, batch_size=None, {label}',
            a and a['peak_mb'], b['peak_mb'], 'MB', better='lower',
            note=f"the audio itself is {seconds * 16000 * 4 / 2 ** 20:.0f} MB; "
                 f"0.0.25 took {b['seconds']:.0f} s" + ('' if a else '; 0.0.24 not run'))

    from benchmarks.report import publish
    publish(_table(rows, frames, runs), args.output)


def _agreement(name, old_path, new_path):
    old, new = np.load(old_path), np.load(new_path)
    if name == 'viterbi':
        same = np.array_equal(old[0], new[0])
        return 'identical bins' if same else f'{(old[0] != new[0]).sum()} bins differ'
    if name == 'argmax':
        return 'identical bins' if np.array_equal(old[0], new[0]) else 'bins differ'
    cents = np.abs(1200 * np.log2(old[1] / new[1]))
    return f'max {cents.max():.1e} cents apart (0.0.24 sums in float32)'


def _predict_agreement(old_path, new_path):
    old, new = np.load(old_path), np.load(new_path)
    cents = np.abs(1200 * np.log2(old[0] / new[0]))
    same = (cents <= 40).mean()  # same bin: the two dithers are within +-20 cents each
    return (f'pitch in the same bin (within the dithers) for {same:.2%} of frames; '
            f'periodicity within {np.abs(old[1] - new[1]).max():.1e}')


def _format(value, unit):
    if value is None:
        return '-'
    if unit == 's':
        return f'{value:.3f} s' if value < 10 else f'{value:.1f} s'
    if unit == 'MB':
        return f'{value:,.0f} MB'
    return f'{value:,.0f} {unit}'


def machine():
    """One line naming the CPU, torch's vector capability and bfloat16 support"""
    import torch
    from torchcrepe import hardware
    return (f'{hardware.cpu_name()}, {os.cpu_count()} cores, {platform.system()}; '
            f'torch {torch.__version__} CPU capability {hardware.cpu_capability()}; '
            'oneDNN bfloat16 kernels: '
            f"{'yes' if torch.ops.mkldnn._is_mkldnn_bf16_supported() else 'no'}, "
            f"native bfloat16: {'yes' if hardware.native_bfloat16('cpu') else 'no'}")


def _table(rows, frames, runs):
    lines = [
        f'Machine: {machine()}; 2 threads; median of {runs} runs after a warm-up. '
        'The onnxruntime column runs backend=\'onnx\' (the package\'s own export) '
        'on the same frames; in brackets 0.0.25 (torch) / onnxruntime.',
        '',
        '| what | 0.0.24 | 0.0.25 | ratio | onnxruntime | note |',
        '|---|---|---|---|---|---|']
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines)


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == 'worker':
        worker(sys.argv[2], json.loads(sys.argv[3]))
    else:
        main()
