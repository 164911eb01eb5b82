"""Accuracy, speed and size of each capacity on the synthetic labelled corpus.

    python benchmarks/accuracy.py [--models tiny,small,medium,large,full]
        [--quick] [--output FILE.json] [--markdown FILE.md] [--plot FILE.png]

Runs each capacity's network once over every item of benchmarks/corpus.py
(36 s of audio, 3692 frames; --quick: the 2.8 s 'slice') and decodes the
same probabilities with every decoder (argmax, weighted_argmax, viterbi,
weighted_viterbi) over all 360 bins: fmin 31.7 Hz (bin 0, the least
torchcrepe accepts) and fmax torchcrepe.MAX_FMAX (2006 Hz, bin 359). Frames
the corpus marks NaN (windows across a note's start or end) are left out;
the rest are pooled over all items.

Both Viterbi decoders also run over bins 11-347 (fmin 36 Hz, fmax 1766 Hz;
'viterbi, 36-1766 Hz'), off the 11 bins at each end; 'viterbi_0024' rows
use 0.0.24's transition, whose edge bins keep their state more cheaply, so
that after noise or silence its path rests in bin 0 or 359.

The recording-like signal of benchmarks/corpus.py (`recording`: 20 s of
speech-like phrases, a sung vowel, pauses with breath noise, room noise and
echo) is decoded too, at predict's defaults (fmin 50 Hz, fmax 2006 Hz), and
its voicing is swept: recall and false alarm rate of the default decoder
(viterbi) for periodicity thresholds 0.1 to 0.5.

Melody metrics come from mir_eval.melody:
    RPA, RCA        raw pitch / raw chroma accuracy: voiced frames whose pitch
                    is within 50 cents (RCA: of any octave of) the truth,
                    whatever the voicing decision
    median, p95     absolute error in cents over voiced frames
    recall, false   voicing recall and false-alarm rate, a frame being voiced
    alarm           when its periodicity >= torchcrepe.core.VOICING_THRESHOLD
                    (0.21, the threshold the command line and file outputs use)
argmax and viterbi add dither to their pitch (triangular, +-20 cents; torch
seeded with 0 before each item), which counts in their errors. Periodicity
is the probability at the decoded bin, so argmax and weighted_argmax share
voicing numbers, as do viterbi and weighted_viterbi (over the same range).

Speed is the network alone: torchcrepe.infer on CPU over the corpus's frames,
128 at a time (four of its 32-frame blocks), after a one-block warm-up, with
torch's default threads; frames/s is 128 over the median wall time of a
call. Size is the parameter count and the size of
torchcrepe/assets/<capacity>.pth in MB (10^6 bytes).

Prints a summary per capacity (weighted_argmax, the most accurate decoder
here), every decoding, and raw pitch accuracy per category; --markdown
writes the same tables, --output every number (also per timbre and
register of the clean notes) as JSON, --plot the summary's raw pitch
accuracy against frames/s. The corpus and the network are deterministic, so
only the speeds change from run to run.
"""
import argparse
import json
import os
import platform
import sys
import time
import warnings

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import mir_eval  # noqa: E402

import torchcrepe  # noqa: E402
from benchmarks.corpus import HOP, RATE, corpus, recording  # noqa: E402
from benchmarks.report import publish, save  # noqa: E402

FMIN = torchcrepe.checks.MIN_FMIN  # 31.7 Hz, bin 0's centre rounded down
FMAX = torchcrepe.MAX_FMAX         # 2006 Hz, just above bin 359's centre
THRESHOLD = torchcrepe.core.VOICING_THRESHOLD
CENTS = 50.
DECODERS = list(torchcrepe.decode.DECODERS)

# Every decoding scored: (label, decoder, fmin, fmax); see the docstring
INNER = (36., 1766.)
DECODINGS = [(name, name, FMIN, FMAX) for name in DECODERS] + [
    (f'{name}, {INNER[0]:.0f}-{INNER[1]:.0f} Hz', name, *INNER)
    for name in ('viterbi', 'weighted_viterbi')]

# Drawn and broken down by category: the best (weighted_argmax), the
# weighted_viterbi rows and 0.0.24's
PLOTTED = 'weighted_argmax'
INNER_LABEL = DECODINGS[-1][0]
BROKEN_DOWN = ['weighted_argmax', 'weighted_viterbi', INNER_LABEL, 'weighted_viterbi_0024']

# The recording-like signal: its length (s), the range it is decoded over
# (predict's defaults), the decoders shown and the voicing thresholds swept
RECORDING_SECONDS = 20.
RECORDING_RANGE = (50., torchcrepe.MAX_FMAX)
RECORDING_DECODERS = ['weighted_argmax', 'viterbi', 'weighted_viterbi', 'viterbi_0024']
THRESHOLDS = (.1, .15, .2, .21, .25, .3, .35, .4, .45, .5)

# Frames per timed call of torchcrepe.infer (4 of its 32-frame CPU blocks)
CHUNK = 128

# What `scores` returns, in this order
METRICS = ['voiced_frames', 'unvoiced_frames', 'raw_pitch_accuracy', 'raw_chroma_accuracy',
           'median_cents', 'p95_cents', 'voicing_recall', 'voicing_false_alarm']

# Registers of the clean notes in the breakdown (Hz)
REGISTERS = ((32., 100.), (100., 400.), (400., 2000.))


###############################################################################
# Network and decoding
###############################################################################


def frames(entry):
    """An item's normalised frames, as predict cuts them: (frames, 1024)"""
    audio = torch.from_numpy(entry.audio)[None]
    return torch.cat(list(torchcrepe.preprocess(audio, RATE, HOP)))


def network(items, model):
    """Each item's probabilities (1, 360, frames) and the network's speed

    All the items' frames go through torchcrepe.infer together, CHUNK at a
    time after a one-block warm-up; the speed is CHUNK over the median time
    of the whole chunks, in frames/s (the median shrugs off other processes
    that take the CPU for a while). Returns (probabilities, frames/s, total
    seconds, frames/s of the fastest chunk)."""
    batches = [frames(entry) for entry in items]
    counts = [len(batch) for batch in batches]
    batches = torch.cat(batches)
    outputs, times = [], []
    with torch.no_grad():
        # Warm-up: loads the weights and lets the kernels settle
        torchcrepe.infer(batches[:torchcrepe.core.block_size('cpu')], model)
        for start in range(0, len(batches), CHUNK):
            began = time.perf_counter()
            outputs.append(torchcrepe.infer(batches[start:start + CHUNK], model))
            times.append((time.perf_counter() - began, len(outputs[-1])))
    whole = [seconds for seconds, count in times if count == CHUNK] or \
        [seconds * CHUNK / count for seconds, count in times]
    speed = CHUNK / float(np.median(whole))
    probabilities = torch.cat(outputs)
    return ([block.T[None] for block in probabilities.split(counts)], speed,
            sum(seconds for seconds, _ in times), CHUNK / min(whole))


def decode(probabilities, decoder, fmin=FMIN, fmax=FMAX):
    """(1, 360, frames) -> pitch and periodicity, (frames,) numpy each

    argmax and viterbi dither their pitch (+-20 cents, triangular) with
    torch's generator: it is seeded with 0 first, as predict would be."""
    torch.manual_seed(0)
    with warnings.catch_warnings():
        # The edge warning of viterbi_0024, whose trap these numbers measure
        warnings.simplefilter('ignore', RuntimeWarning)
        pitch, periodicity = torchcrepe.postprocess(
            probabilities, fmin, fmax, torchcrepe.decode.DECODERS[decoder],
            return_periodicity=True)
    return pitch[0].double().numpy(), periodicity[0].double().numpy()


def size(model):
    """Parameters of the loaded network and MB of its .pth file"""
    torchcrepe.load.model('cpu', model)
    parameters = sum(value.numel() for value in torchcrepe.infer.model.parameters())
    path = os.path.join(os.path.dirname(torchcrepe.__file__), 'assets', f'{model}.pth')
    return parameters, os.path.getsize(path) / 1e6


###############################################################################
# Metrics
###############################################################################


def scores(truth, pitch, periodicity, threshold=THRESHOLD):
    """Melody metrics over frames pooled from items (NaN truth left out),
    a frame being voiced when its periodicity is at least `threshold`

    The pitch metrics and voicing recall are None where no frame is voiced,
    the false alarm rate where none is unvoiced."""
    keep = ~np.isnan(truth)
    reference, estimate = truth[keep], pitch[keep]
    voicing = (periodicity[keep] >= threshold).astype(float)
    times = np.arange(len(reference)) * HOP / RATE
    with warnings.catch_warnings():
        # mir_eval warns of groups with no voiced frame, estimated or true
        warnings.simplefilter('ignore', UserWarning)
        return _scores(times, reference, estimate, voicing)


def _scores(times, reference, estimate, voicing):
    ref_voicing, ref_cents, est_voicing, est_cents = mir_eval.melody.to_cent_voicing(
        times, reference, times, estimate, est_voicing=voicing)
    voiced = ref_voicing > 0
    result = {'voiced_frames': int(voiced.sum()), 'unvoiced_frames': int((~voiced).sum()),
              'raw_pitch_accuracy': None, 'raw_chroma_accuracy': None,
              'median_cents': None, 'p95_cents': None,
              'voicing_recall': None, 'voicing_false_alarm': None}
    if voiced.any():
        errors = np.abs(est_cents - ref_cents)[voiced]
        result.update(
            raw_pitch_accuracy=float(mir_eval.melody.raw_pitch_accuracy(
                ref_voicing, ref_cents, est_voicing, est_cents, CENTS)),
            raw_chroma_accuracy=float(mir_eval.melody.raw_chroma_accuracy(
                ref_voicing, ref_cents, est_voicing, est_cents, CENTS)),
            median_cents=float(np.median(errors)),
            p95_cents=float(np.percentile(errors, 95)),
            voicing_recall=float(mir_eval.melody.voicing_recall(ref_voicing, est_voicing)))
    if not voiced.all():
        result['voicing_false_alarm'] = float(
            mir_eval.melody.voicing_false_alarm(ref_voicing, est_voicing))
    return result


def groups(entry):
    """The breakdown groups an item belongs to"""
    names = [entry.category]
    if entry.category == 'clean note':
        names.append(f'clean note, {entry.timbre}')
        frequency = np.nanmax(entry.f0)
        for low, high in REGISTERS:
            if low <= frequency < high:
                names.append(f'clean note, {low:.0f}-{high:.0f} Hz')
    return names


def evaluate(items, models, check=False):
    """Every number, as a JSON-ready dict"""
    results = {}
    for model in models:
        probabilities, speed, seconds, fastest = network(items, model)
        parameters, megabytes = size(model)
        count = sum(block.size(2) for block in probabilities)
        entry = {'parameters': parameters, 'pth_mb': round(megabytes, 2),
                 'frames': count, 'infer_seconds': round(seconds, 2),
                 'frames_per_second': round(speed, 1),
                 'frames_per_second_fastest_chunk': round(fastest, 1), 'decoders': {}}
        entry['decoders'] = measure(items, probabilities)
        entry['recording'], entry['voicing'] = measure_recording(model)
        if check:
            for decoder in DECODERS:
                same_as_predict(items[0], model, decoder, *decode(probabilities[0], decoder))
        results[model] = entry
        print(f'{model}: {count} frames in {seconds:.1f} s ({speed:.0f} frames/s)',
              file=sys.stderr)
    return results


def measure(items, probabilities):
    """{decoding label: {group: scores}} from each item's probabilities"""
    result = {}
    for label, decoder, fmin, fmax in DECODINGS:
        pooled = {}
        for item, block in zip(items, probabilities):
            pitch, periodicity = decode(block, decoder, fmin, fmax)
            for name in ['all'] + groups(item):
                pooled.setdefault(name, []).append((item.f0, pitch, periodicity))
        # 'all', the categories, then the timbres and registers of clean notes
        names = sorted(pooled, key=lambda name: (',' in name, name.endswith(' Hz')))
        result[label] = {
            name: scores(*(np.concatenate(parts) for parts in zip(*pooled[name])))
            for name in names}
    return result


def measure_recording(model):
    """On the recording-like signal: {decoder: scores} for RECORDING_DECODERS,
    and {threshold: (voicing recall, false alarm rate)} of viterbi"""
    item = recording(RECORDING_SECONDS)
    probabilities = network([item], model)[0][0]
    results = {}
    for decoder in RECORDING_DECODERS:
        pitch, periodicity = decode(probabilities, decoder, *RECORDING_RANGE)
        results[decoder] = scores(item.f0, pitch, periodicity)
    pitch, periodicity = decode(probabilities, 'viterbi', *RECORDING_RANGE)
    sweep = {}
    for threshold in THRESHOLDS:
        result = scores(item.f0, pitch, periodicity, threshold)
        sweep[threshold] = (result['voicing_recall'], result['voicing_false_alarm'])
    return results, sweep


def same_as_predict(entry, model, decoder, pitch, periodicity):
    """Assert that torchcrepe.predict gives the same pitch and periodicity

    The network is loaded first: building it draws from torch's generator
    (the layers' initial weights), which would shift the dither."""
    if getattr(torchcrepe.infer, 'capacity', None) != model:
        torchcrepe.load.model('cpu', model)
    torch.manual_seed(0)
    expected_pitch, expected_periodicity = torchcrepe.predict(
        torch.from_numpy(entry.audio)[None], RATE, HOP, FMIN, FMAX, model,
        torchcrepe.decode.DECODERS[decoder], return_periodicity=True, device='cpu')
    assert np.array_equal(expected_pitch[0].double().numpy(), pitch), (model, decoder)
    assert np.array_equal(expected_periodicity[0].double().numpy(), periodicity), (model, decoder)


###############################################################################
# Reports
###############################################################################


def percent(value):
    return '-' if value is None else f'{100 * value:.1f}'


def number(value):
    return '-' if value is None else f'{value:.1f}'


def summary_table(results):
    """One row per capacity: size, speed, PLOTTED's numbers and the raw pitch
    accuracy of weighted_viterbi over all bins, over 36-1766 Hz and with
    0.0.24's transition, markdown"""
    viterbis = ['weighted_viterbi', INNER_LABEL, 'weighted_viterbi_0024']
    lines = ['| model | parameters | .pth MB | frames/s | RPA % | RCA % | median ¢ | p95 ¢ | '
             'voicing recall % | voicing false alarm % | '
             + ' | '.join(f'RPA % {label}' for label in viterbis) + ' |',
             '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|']
    for model, entry in results.items():
        total = entry['decoders'][PLOTTED]['all']
        others = ' | '.join(percent(entry['decoders'][label]['all']['raw_pitch_accuracy'])
                            for label in viterbis)
        lines.append(
            f"| {model} | {entry['parameters']:,} | {entry['pth_mb']:.1f} | "
            f"{entry['frames_per_second']:,.0f} | "
            f"{percent(total['raw_pitch_accuracy'])} | {percent(total['raw_chroma_accuracy'])} | "
            f"{number(total['median_cents'])} | {number(total['p95_cents'])} | "
            f"{percent(total['voicing_recall'])} | {percent(total['voicing_false_alarm'])} | "
            f"{others} |")
    return '\n'.join(lines)


def table(results):
    """Every capacity and decoding, markdown"""
    lines = ['| model | parameters | .pth MB | frames/s | decoder | RPA % | RCA % | '
             'median ¢ | p95 ¢ | voicing recall % | voicing false alarm % |',
             '|---|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|']
    for model, entry in results.items():
        for decoder in entry['decoders']:
            total = entry['decoders'][decoder]['all']
            lines.append(
                f"| {model} | {entry['parameters']:,} | {entry['pth_mb']:.1f} | "
                f"{entry['frames_per_second']:,.0f} | {decoder} | "
                f"{percent(total['raw_pitch_accuracy'])} | {percent(total['raw_chroma_accuracy'])} | "
                f"{number(total['median_cents'])} | {number(total['p95_cents'])} | "
                f"{percent(total['voicing_recall'])} | {percent(total['voicing_false_alarm'])} |")
    return '\n'.join(lines)


def breakdown(results, decodings=BROKEN_DOWN):
    """Raw pitch accuracy per category and register, and false alarms, markdown"""
    first = next(iter(results.values()))['decoders'][decodings[0]]
    categories = [name for name in first if name != 'all' and ',' not in name
                  and first[name]['raw_pitch_accuracy'] is not None]
    names = categories + [name for name in first if name.startswith('clean note, ')
                          and name.endswith(' Hz')]
    header = ' | '.join(name.replace('clean note, ', 'clean ') for name in names)
    lines = [f'| model | decoder | {header} | false alarm: noise alone | '
             'false alarm: noisy margins |',
             '|---|---|' + '--:|' * (len(names) + 2)]
    for model, entry in results.items():
        for decoding in decodings:
            groups_ = entry['decoders'][decoding]
            cells = [percent(groups_[name]['raw_pitch_accuracy']) for name in names]
            quiet = groups_.get('unvoiced', {}).get('voicing_false_alarm')
            noisy = [name for name in groups_ if name.startswith('snr ')]
            margins = None
            if noisy:
                counts = [groups_[name]['unvoiced_frames'] for name in noisy]
                alarms = [groups_[name]['voicing_false_alarm'] for name in noisy]
                margins = float(np.dot(alarms, counts) / np.sum(counts))
            lines.append(f"| {model} | {decoding} | {' | '.join(cells)} | "
                         f"{percent(quiet)} | {percent(margins)} |")
    return '\n'.join(lines)


def recording_table(results):
    """The recording-like signal: each capacity and decoder, markdown"""
    lines = ['| model | decoder | RPA % | RCA % | median ¢ | p95 ¢ | voicing recall % | '
             'voicing false alarm % |', '|---|---|--:|--:|--:|--:|--:|--:|']
    for model, entry in results.items():
        for decoder, total in entry['recording'].items():
            lines.append(
                f"| {model} | {decoder} | {percent(total['raw_pitch_accuracy'])} | "
                f"{percent(total['raw_chroma_accuracy'])} | {number(total['median_cents'])} | "
                f"{number(total['p95_cents'])} | {percent(total['voicing_recall'])} | "
                f"{percent(total['voicing_false_alarm'])} |")
    return '\n'.join(lines)


def voicing_table(results):
    """Voicing recall / false alarm % of viterbi per threshold, markdown"""
    lines = ['| model | ' + ' | '.join(f'{threshold:g}' for threshold in THRESHOLDS) + ' |',
             '|---|' + '--:|' * len(THRESHOLDS)]
    for model, entry in results.items():
        cells = [f'{percent(recall)} / {percent(alarm)}'
                 for recall, alarm in (entry['voicing'][threshold] for threshold in THRESHOLDS)]
        lines.append(f"| {model} | {' | '.join(cells)} |")
    return '\n'.join(lines)


def plot(results, path, decoder=PLOTTED):
    """Raw pitch accuracy against frames/s, one labelled point per capacity"""
    import matplotlib
    import matplotlib.ticker
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(5.5, 3.6), dpi=100)
    speeds = [entry['frames_per_second'] for entry in results.values()]
    accuracies = [100 * entry['decoders'][decoder]['all']['raw_pitch_accuracy']
                  for entry in results.values()]
    axes.plot(speeds, accuracies, 'o--', color='tab:blue', linewidth=.8)
    for model, speed, accuracy in zip(results, speeds, accuracies):
        megabytes = results[model]['pth_mb']
        axes.annotate(f'{model} ({megabytes:.1f} MB)', (speed, accuracy),
                      textcoords='offset points', xytext=(6, 4), fontsize=8)
    axes.set_xscale('log')
    axes.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda value, _: f'{value:g}'))
    axes.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    axes.set_xlim(min(speeds) / 1.5, max(speeds) * 3)
    low, high = min(accuracies), max(accuracies)
    axes.set_ylim(low - max(1., (high - low) * .3), min(100.3, high + max(1., (high - low) * .3)))
    axes.set_xlabel('network frames/s (CPU, log scale)')
    axes.set_ylabel('raw pitch accuracy %')
    axes.set_title(f'Accuracy against speed ({decoder}, 50 cents)', fontsize=10)
    axes.grid(True, which='both', alpha=.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def dumps(settings, results):
    """JSON: the settings, each model's size and speed, and the metrics as
    rows (model, decoder, group, *METRICS), one per line"""
    def rounded(value):
        return value if value is None or isinstance(value, int) else round(value, 3)

    models, rows = {}, []
    for model, entry in results.items():
        models[model] = {key: value for key, value in entry.items()
                         if key not in ('decoders', 'recording', 'voicing')}
        models[model]['recording'] = {decoder: {key: rounded(value) for key, value in values.items()}
                                      for decoder, values in entry['recording'].items()}
        models[model]['voicing_sweep'] = [[threshold] + [rounded(value) for value in pair]
                                          for threshold, pair in entry['voicing'].items()]
        for decoder, groups_ in entry['decoders'].items():
            for group, values in groups_.items():
                rows.append([model, decoder, group] + [rounded(values[key]) for key in METRICS])
    head = json.dumps({**settings, 'models': models, 'columns': ['model', 'decoder', 'group'] + METRICS},
                      indent=1)[:-2]
    body = ',\n  '.join(json.dumps(row, ensure_ascii=False, separators=(',', ':')) for row in rows)
    return f'{head},\n "rows": [\n  {body}\n ]\n}}\n'


def machine():
    return {'processor': platform.processor() or platform.machine(),
            'cpu_count': os.cpu_count(), 'torch_threads': torch.get_num_threads(),
            'torch': torch.__version__, 'python': platform.python_version(),
            'mir_eval': mir_eval.__version__}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--models', default=','.join(torchcrepe.CAPACITIES),
                        help='comma-separated capacities (default: all five)')
    parser.add_argument('--quick', action='store_true',
                        help="the corpus's 2.8 s 'slice' instead of the full 36 s, and "
                             'check that predict gives the same pitch and periodicity')
    parser.add_argument('--output', help='write every number to this JSON file')
    parser.add_argument('--markdown', help='write the tables to this markdown file')
    parser.add_argument('--plot', help='write accuracy against speed to this PNG')
    args = parser.parse_args()
    models = args.models.split(',')
    for model in models:
        torchcrepe.model.check_capacity(model, '--models')

    size_ = 'slice' if args.quick else 'full'
    items = corpus(size_)
    results = evaluate(items, models, check=args.quick)
    scored = sum(int(np.sum(~np.isnan(entry.f0))) for entry in items)
    voiced = sum(int(np.sum(entry.f0 > 0)) for entry in items)
    about = machine()
    summary = (
        f"Corpus '{size_}': {len(items)} items, "
        f"{sum(len(entry.audio) for entry in items) / RATE:.1f} s, "
        f"{scored} frames scored ({voiced} voiced). fmin {FMIN} Hz, fmax {FMAX:.0f} Hz; "
        f'voiced when periodicity >= {THRESHOLD}; RPA/RCA within {CENTS:.0f} cents. '
        f"Speed: torchcrepe.infer on CPU ({about['processor']}, {about['cpu_count']} cores, "
        f"{about['torch_threads']} torch threads, torch {about['torch']}).")
    text = (f'{summary}\n\nSummary ({PLOTTED}; RPA of weighted_viterbi over all bins, over '
            f"{INNER[0]:.0f}-{INNER[1]:.0f} Hz and with 0.0.24's transition):\n\n"
            f'{summary_table(results)}\n\n'
            f'Every decoder:\n\n{table(results)}\n\n'
            'Raw pitch accuracy % by category and register of the clean notes, and '
            'voicing false alarm % on noise alone and on the noise around the noisy notes:\n\n'
            f'{breakdown(results)}\n\n'
            f'The recording-like signal ({RECORDING_SECONDS:.0f} s; fmin {RECORDING_RANGE[0]:.0f} Hz, '
            f'fmax {RECORDING_RANGE[1]:.0f} Hz, as predict):\n\n{recording_table(results)}\n\n'
            'Its voicing with viterbi: recall % / false alarm % for each periodicity '
            f'threshold:\n\n{voicing_table(results)}\n')
    publish(text, args.markdown)
    if args.output:
        save(dumps({
            'corpus': size_, 'items': len(items), 'scored_frames': scored,
            'voiced_frames': voiced, 'fmin': FMIN, 'fmax': FMAX,
            'voicing_threshold': THRESHOLD, 'cent_tolerance': CENTS,
            'machine': about}, results), args.output)
    if args.plot:
        plot(results, args.plot)


if __name__ == '__main__':
    main()
