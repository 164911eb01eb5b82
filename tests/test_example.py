"""The bundled example: reproducible, and tracked as the README says"""
import csv
import os
import subprocess
import sys

import numpy as np
import torch

import torchcrepe


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, 'examples')


def test_example_is_made_by_its_script(tmp_path):
    script = os.path.join(EXAMPLES, 'make_example.py')
    copy = tmp_path / 'make_example.py'
    copy.write_text(open(script).read())
    subprocess.run([sys.executable, str(copy)], check=True)
    for name in ('sung_phrase.wav', 'sung_phrase_f0.csv'):
        assert (tmp_path / name).read_bytes() == \
            open(os.path.join(EXAMPLES, name), 'rb').read()
    assert os.path.getsize(os.path.join(EXAMPLES, 'sung_phrase.wav')) < 200_000


def test_demo_accuracy():
    """small + weighted_viterbi: median 4.8 cents, 95th percentile 9.7"""
    with open(os.path.join(EXAMPLES, 'sung_phrase_f0.csv')) as file:
        truth = np.array([float(row['frequency']) for row in csv.DictReader(file)])
    pitch, periodicity = torchcrepe.predict_from_file(
        os.path.join(EXAMPLES, 'sung_phrase.wav'), model='small',
        decoder=torchcrepe.decode.weighted_viterbi, return_periodicity=True)
    pitch, periodicity = pitch[0, :len(truth)].numpy(), periodicity[0, :len(truth)].numpy()
    voiced = truth > 0
    detected = periodicity >= torchcrepe.core.VOICING_THRESHOLD
    assert (detected == voiced).mean() > .97
    error = np.abs(1200 * np.log2(pitch[voiced] / truth[voiced]))
    assert np.median(error) < 5.5
    assert np.percentile(error, 95) < 11
