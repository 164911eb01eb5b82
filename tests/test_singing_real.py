"""torchcrepe.singing on real singing against people's marks: a short
excerpt of ../shared/singing through benchmarks/singing_real.py's
evaluate, with the network run once and nothing cached (README, "Singing
analysis"). The recordings are not in the package: the test is skipped
where the folder is absent, as in an unpacked sdist."""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FOLDER = os.path.join(ROOT, '..', 'shared', 'singing')
# The first SECONDS of the sung take with two musicians' notes (the 11-12
# notes that end by then) and the shortest vibrato recording
SECONDS = 5.
VIBRATO = ['FemaleVocal21']


@pytest.fixture(scope='module')
def scores():
    if not os.path.isfile(os.path.join(FOLDER, 'vocadito_1_first16s_notesA1.csv')):
        pytest.skip('../shared/singing (real singing with people\'s marks) is not '
                    'here: it is kept out of the package')
    pytest.importorskip('mir_eval')
    sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
    import singing_real
    return singing_real.evaluate(FOLDER, 'tiny', SECONDS, cache=None, vibrato=VIBRATO)


def test_notes_where_the_musicians_put_them(scores):
    # Measured with tiny on this excerpt: onset and COnP F1 0.95 against
    # both musicians, who agree with each other at 0.90
    assert scores['A2 vs A1']['conp'][2] >= .85
    for musician in ('A1', 'A2'):
        assert scores[musician]['onset'][2] >= .85
        assert scores[musician]['conp'][2] >= .85


def test_vibrato_where_the_researchers_marked_it(scores):
    # Measured with tiny: precision 0.78, recall 0.83, F1 0.81
    precision, recall, f1 = scores['vibrato']
    assert precision >= .7 and recall >= .75 and f1 >= .75


def test_ssvd_key_shift_and_halves(tmp_path):
    """benchmarks/ssvd.py's rules on made-up notes: the key shift is the
    rounded median difference of onset-matched notes (three at least), and
    takes of one exercise, transposed or not, fall in the same half"""
    sys.path.insert(0, ROOT)
    import numpy as np
    from benchmarks import ssvd
    onsets = np.array([0., 1., 2., 3.])
    reference = (np.c_[onsets, onsets + .5], np.array([60., 62., 64., 65.]))
    sung = (np.c_[onsets + .03, onsets + .4], np.array([62.2, 63.9, 66.1, 67.]))
    assert ssvd.key_shift(reference, sung) == 2
    assert ssvd.key_shift(reference, (sung[0][:2], sung[1][:2])) == 0
    for take, tonic in (('a', 60), ('b', 65)):
        rows = [(i, 0, i, tonic + step) for i, step in enumerate((0, 2, 4, 5))]
        np.savetxt(tmp_path / f'{take}_score.txt', rows)
    assert ssvd.half(tmp_path, 'a') == ssvd.half(tmp_path, 'b')


def test_ssvd_take_against_the_annotators():
    """One short sight-singing take (27853, 16 s, half B) through
    benchmarks/ssvd.py's score with tiny, nothing cached"""
    if not os.path.isfile(os.path.join(FOLDER, 'ssvd', '27853_notes.txt')):
        pytest.skip('../shared/singing/ssvd is not here: it is kept out of the package')
    pytest.importorskip('mir_eval')
    sys.path.insert(0, ROOT)
    from benchmarks import ssvd
    figures, shift = ssvd.score(os.path.join(FOLDER, 'ssvd'), '27853', 'tiny', cache=None)
    # Measured (AMD EPYC, AVX2): onset F1 0.87, COnP 0.57, COnPOff 0.57, no
    # key shift (0.79 / 0.52 / 0.34 with the A-weighted loudness and scoops
    # after a voiced consonant starting the note); the floors are one note
    # (about 0.03) below, for other CPUs' bits
    assert shift == 0
    assert figures['onset'] >= .83 and figures['conp'] >= .53 and figures['conpoff'] >= .53
