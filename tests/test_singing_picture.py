"""The singing picture with a score: the target bars, their colours and
labels, where a missed target goes, and the picture without a score
unchanged"""
import io
import re

import numpy as np
import pytest

from torchcrepe import singing
from torchcrepe.singing import labels, picture
from torchcrepe.utils import ParameterTypeError

from .test_singing import track, vibrato
from .test_singing_score import HOP, sung_as, take

pytest.importorskip('matplotlib')

SCALE = [0, 2, 4, 5, 7, 5, 4, 2, 0]
# Index of each constructed error in the exercise below
SHARP, FLAT, OCTAVE, MISSED = 3, 5, 7, 10


@pytest.fixture(scope='module')
def scored():
    """(report, score): three keys (0 1 0) of a scale sung 0.3 s late and 2
    semitones up, target SHARP 35 cents sharp, FLAT 80 cents flat, OCTAVE
    an octave up, MISSED not sung"""
    targets = singing.exercise(SCALE, 'C3', 90, keys=1, lead_in=2)
    sung = [list(note) for note in sung_as(targets, lag=lambda time: .3, shift=2)]
    sung[SHARP][2] += .35
    sung[FLAT][2] -= .8
    sung[OCTAVE][2] += 12
    del sung[MISSED]
    report = take([tuple(note) for note in sung])
    return report, singing.score(report, targets, transpose='auto')


def pixels(figure):
    figure.canvas.draw()
    return np.asarray(figure.canvas.buffer_rgba()).copy()


def targets_of(figure):
    return [patch for patch in figure.axes[0].patches if patch.get_gid() == 'target']


def test_the_score_holds_the_constructed_errors(scored):
    _, score = scored
    notes = score.notes
    assert score.transpose == 2 and len(notes) == 3 * len(SCALE)
    assert notes[SHARP]['cents_error'] == pytest.approx(35, abs=2)
    assert notes[FLAT]['cents_error'] == pytest.approx(-80, abs=2)
    assert notes[OCTAVE]['octave'] == 1 and abs(notes[OCTAVE]['cents_error']) < 2
    assert [index for index, note in enumerate(notes) if note['sung'] is None] == [MISSED]


def test_colours_and_labels_of_targets():
    sung = {'onset': 0., 'offset': 1., 'midi': 60.}
    assert picture.target_colour({'sung': None}) == picture.MISSED_COLOUR
    assert picture.target_label({'sung': None}) == 'missed'
    assert picture.target_colour({'sung': sung, 'octave': -1, 'cents_error': 3.}) \
        == picture.OCTAVE_COLOUR
    assert picture.target_label({'sung': sung, 'octave': -1, 'cents_error': 3.}) \
        == '+3, -1 oct'
    for cents, colour, label in [(0., '#3aa655', '+0'), (12.4, '#3aa655', '+12'),
                                 (-25., '#3aa655', '-25'), (-38.2, '#f0a030', '-38'),
                                 (50., '#f0a030', '+50'), (50.6, '#d64541', '+51'),
                                 (-120., '#d64541', '-120')]:
        note = {'sung': sung, 'octave': 0, 'cents_error': cents}
        assert picture.target_colour(note) == colour == picture.colour(cents)
        assert picture.target_label(note) == label


def test_target_bars(scored):
    report, score = scored
    figure, kept = picture.draw(report, score=score)
    bars = targets_of(figure)
    assert len(bars) == len(score.notes) == 27
    green, orange, red = (value for _, value, _ in picture.COLOURS)
    expected = [green] * 27
    expected[SHARP], expected[FLAT] = orange, red
    expected[OCTAVE], expected[MISSED] = picture.OCTAVE_COLOUR, picture.MISSED_COLOUR
    from matplotlib.colors import to_hex
    assert [to_hex(bar.get_edgecolor()) for bar in bars] == expected
    # A missed target is an outline, dashed; the others are filled
    assert bars[MISSED].get_facecolor()[3] == 0 and bars[MISSED].get_linestyle() == '--'
    assert all(bar.get_facecolor()[3] == .6 and bar.get_linestyle() == '-'
               for index, bar in enumerate(bars) if index != MISSED)
    for bar, note in zip(bars, score.notes):
        # On the target's pitch in the key sung (2 up), TARGET_HEIGHT thick
        assert bar.get_y() + bar.get_height() / 2 == pytest.approx(note['midi'] + 2)
        assert bar.get_height() == picture.TARGET_HEIGHT
        if note['sung'] is not None:
            assert bar.get_x() == note['sung']['onset']
            assert bar.get_x() + bar.get_width() == pytest.approx(note['sung']['offset'])
    # The missed target lies where it was due, 0.3 s late like the rest
    missed = score.notes[MISSED]
    assert bars[MISSED].get_x() == pytest.approx(missed['onset'] + .3, abs=.02)
    assert bars[MISSED].get_width() == pytest.approx(missed['offset'] - missed['onset'],
                                                     abs=.01)
    assert score.notes[MISSED - 1]['sung']['offset'] < bars[MISSED].get_x() \
        < score.notes[MISSED + 1]['sung']['onset']
    # The pitch axis reaches every bar, the octave's target too
    low, high = figure.axes[0].get_ylim()
    assert low <= min(note['midi'] + 2 for note in score.notes) - 1
    texts = [text.get_text() for text in kept if text.get_gid() == 'target label']
    assert 'missed' in texts and '+35' in texts and '-80' in texts
    assert any(re.fullmatch(r'[+-][01], \+1 oct', text) for text in texts)
    assert texts[:4] == ['missed', texts[1], '-80', '+35']
    legend = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert 'targets, in the key sung (+2 st)' in legend
    assert 'target missed' in legend and 'target octave off' in legend


def test_labels_never_overlap_labels_bars_boxes_or_the_legend():
    # Held notes with vibrato, each a target: both kinds of label compete
    pieces, targets, now = [], [], .1
    rng = np.random.default_rng(1)
    pieces.append((.1, None))
    for _ in range(14):
        midi = float(rng.integers(57, 64))
        pieces += [(.6, vibrato(midi + .2, 5.5, 50.)), (.05, None)]
        targets.append((now, now + .6, midi))
        now += .65
    report = singing.analyse(track(pieces), None, HOP, window_seconds=0)
    score = singing.score(report, targets, timing='free', transpose=0)
    figure, kept = picture.draw(report, score=score)
    renderer = figure.canvas.get_renderer()
    axes = figure.axes[0]
    gids = [text.get_gid() for text in kept]
    assert 'target label' in gids and None in gids
    boxes = [labels.Box(*text.get_window_extent(renderer).extents) for text in kept]
    blocked = [labels.Box(*patch.get_window_extent(renderer).extents)
               for patch in axes.patches]
    blocked.append(labels.Box(*axes.get_legend().get_window_extent(renderer).extents))
    for index, box in enumerate(boxes):
        assert not any(box.overlaps(other) for other in boxes[index + 1:] + blocked)


def test_without_a_score_the_picture_is_unchanged(scored, tmp_path):
    """The picture of a report without a score draws no target and is,
    pixel for pixel, the one score=None draws and save writes"""
    report, score = scored
    plain, kept = picture.draw(report, title='take')
    assert targets_of(plain) == [] and all(text.get_gid() is None for text in kept)
    assert np.array_equal(pixels(plain), pixels(picture.draw(report, 'take', None)[0]))
    assert not np.array_equal(pixels(plain),
                              pixels(picture.draw(report, 'take', score=score)[0]))
    written = io.BytesIO()
    plain.savefig(written, format='png')
    picture.save(tmp_path / 'take.png', report, title='take')
    assert (tmp_path / 'take.png').read_bytes() == written.getvalue()
    picture.save(tmp_path / 'scored.png', report, title='take', score=score)
    assert (tmp_path / 'scored.png').read_bytes() != written.getvalue()


def test_score_must_be_a_score(scored, tmp_path):
    report, score = scored
    for wrong in (score.to_dict(), report):
        with pytest.raises(ParameterTypeError, match='^score must be a singing.Score'):
            picture.draw(report, score=wrong)
        with pytest.raises(ParameterTypeError, match='^score'):
            picture.save(tmp_path / 'take.png', report, score=wrong)
    assert list(tmp_path.iterdir()) == []


def test_sung_time_maps_target_times():
    # Accompanied: the fitted line. 0.5 s late, no drift
    targets = singing.exercise([0, 4, 7], 'C4', 120, lead_in=2)
    sung = sung_as(targets, lag=lambda time: .5)
    result = singing.score(take(sung), targets)
    assert result.sung_time([0., 10.]) == pytest.approx([.51, 10.51], abs=.01)
    assert result.sung_time(1.).shape == (1,)
    # Free: through the path, each stretch at its own tempo
    free = singing.score(take([(1., 1.9, 60.), (3., 3.9, 64.)]),
                         [(0., 1., 60.), (1., 2., 62.), (2., 3., 64.)],
                         timing='free', transpose=0)
    assert free.notes[1]['sung'] is None
    (first, _), (last, _) = free.path
    assert free.sung_time([0., 1., 2.]) == pytest.approx(
        [free.path[0][1], (free.path[0][1] + free.path[1][1]) / 2, free.path[1][1]])
    assert (first, last) == (0., 2.)
