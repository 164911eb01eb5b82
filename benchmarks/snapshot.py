"""Every kind of output of a checkout, saved bit for bit, to compare two
checkouts before and after a change that must change no number.

    python benchmarks/snapshot.py CHECKOUT OUT.npz     # once per checkout
    python benchmarks/snapshot.py --compare A.npz B.npz

The outputs, on the bundled example (44.1 kHz) followed by silence, noise
and a second voiced stretch: `predict` (tiny and small, each decoder,
batch_size=300 so that batches are cut), `embed`, `live.Tracker` (10 ms
pushes at 44.1 kHz), `predict_from_file_to_file` (.csv bytes and .pt),
folder mode (.npz arrays and settings, the version left out) and the
singing report's JSON. Run each checkout in its own process: the
CHECKOUT folder goes first on sys.path.
"""
import json
import os
import sys
import tempfile
import warnings

import numpy as np


def snapshot(checkout, out):
    sys.path.insert(0, checkout)
    import scipy.io.wavfile
    import torch
    import torchcrepe
    warnings.simplefilter('ignore')
    torch.set_num_threads(2)
    results = {}
    audio, rate = torchcrepe.load.audio(os.path.join(checkout, 'examples', 'sung_phrase.wav'))
    noise = .01 * torch.randn(1, rate // 2, generator=torch.Generator().manual_seed(0))
    mix = torch.cat([audio, torch.zeros(1, rate // 4), noise, audio[:, :rate]], 1)
    for model in ('tiny', 'small'):
        for name in ('viterbi', 'weighted_viterbi', 'argmax', 'weighted_argmax'):
            torch.manual_seed(3)
            pitch, periodicity = torchcrepe.predict(
                mix, rate, model=model, decoder=torchcrepe.decode.DECODERS[name],
                return_periodicity=True, batch_size=300)
            results[f'predict-{model}-{name}-pitch'] = pitch.numpy()
            results[f'predict-{model}-{name}-periodicity'] = periodicity.numpy()
    results['embed-tiny'] = torchcrepe.embed(audio[:, :rate], rate, model='tiny').numpy()
    torch.manual_seed(5)
    tracker = torchcrepe.live.Tracker(rate, model='tiny', decoder=torchcrepe.decode.viterbi)
    signal, step = mix[0].numpy(), rate // 100
    frames = [tracker.push(signal[i:i + step]) for i in range(0, len(signal), step)]
    frames.append(tracker.finish())
    results['live-pitch'] = np.concatenate([f.pitch for f in frames])
    results['live-periodicity'] = np.concatenate([f.periodicity for f in frames])
    with tempfile.TemporaryDirectory() as folder:
        os.makedirs(os.path.join(folder, 'in', 'a'))
        for i, length in enumerate((rate // 2, rate, 3 * rate // 2)):
            clip = mix[0, i * 1000:i * 1000 + length].numpy()
            scipy.io.wavfile.write(os.path.join(folder, 'in', 'a', f'x{i}.wav'), rate,
                                   (clip * 32767).astype(np.int16))
        pitch_file = os.path.join(folder, 'p.csv')
        periodicity_file = os.path.join(folder, 'q.pt')
        torchcrepe.predict_from_file_to_file(os.path.join(folder, 'in', 'a', 'x1.wav'),
                                             pitch_file, None, periodicity_file, model='tiny')
        with open(pitch_file, 'rb') as file:
            results['file-csv'] = np.frombuffer(file.read(), np.uint8)
        results['file-pt'] = torch.load(periodicity_file).numpy()
        torchcrepe.predict_from_folder_to_folder(
            os.path.join(folder, 'in'), os.path.join(folder, 'out'), model='tiny',
            jobs=0, decoder='weighted_viterbi')
        for i in range(3):
            with np.load(os.path.join(folder, 'out', 'a', f'x{i}.npz')) as arrays:
                for key in ('time', 'pitch', 'periodicity'):
                    results[f'folder-{i}-{key}'] = arrays[key]
                settings = json.loads(str(arrays['settings']))
            settings.pop('torchcrepe', None)
            results[f'folder-{i}-settings'] = np.frombuffer(
                json.dumps(settings, sort_keys=True).encode(), np.uint8)
    from torchcrepe import singing
    report = singing.analyse(
        torch.from_numpy(results['predict-small-weighted_viterbi-pitch']),
        torch.from_numpy(results['predict-small-weighted_viterbi-periodicity']),
        hop_seconds=.01)
    results['singing'] = np.frombuffer(
        json.dumps(report.to_dict(), sort_keys=True).encode(), np.uint8)
    np.savez(out, **results)
    print(f'{len(results)} outputs of {torchcrepe.__file__} saved to {out}')


def compare(first, second):
    with np.load(first) as a, np.load(second) as b:
        missing = sorted(set(a.files) ^ set(b.files))
        different = [key for key in sorted(set(a.files) & set(b.files))
                     if a[key].dtype != b[key].dtype or a[key].shape != b[key].shape
                     or not np.array_equal(a[key], b[key], equal_nan=True)]
        print(f'{len(a.files)} outputs compared; different: {different or "none"}; '
              f'in one only: {missing or "none"}')
        return 1 if missing or different else 0


if __name__ == '__main__':
    if sys.argv[1:2] == ['--compare']:
        sys.exit(compare(*sys.argv[2:4]))
    snapshot(*sys.argv[1:3])
