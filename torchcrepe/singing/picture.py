"""The singing report as a picture: pitch on a note-name axis, note boxes
coloured by intonation, each attack (scoop or transition) as a grey bar
along the bottom of its note, each vibrato as a purple bar along the top
of its note over the span it covers, with its rate and extent written
above it, the KPIs beside. Given a singing.Score of the take, each target
note is drawn too, behind the pitch: a bar TARGET_HEIGHT semitones thick
on its pitch in the key the singer sang (the written pitch plus
score.transpose), over the sung note it was aligned to (over where it was
due, score.sung_time, when missed), coloured by how it went
(target_colour) and labelled with its cents error (target_label).

Labels never overlap each other, a note box, a target bar or the legend:
they are placed after the layout is settled, from the sizes the renderer
measures, by labels.place; a label with no free place is dropped. The
target labels go first, the worst targets first (missed, octave, then by
cents), below their bar and its note box, then further down, then above;
then the vibrato labels, the longest vibrato first (above the vibrato,
then higher, then below its note). Without a score the picture is the
report's alone, as before scores existed.
The picture widens with the recording, up to MAX_WIDTH inches.

Needs matplotlib (the optional `plot` extra), imported only in draw() and
for the list of formats save() writes (plot.image_formats).
Matplotlib's objects are typed Any in the helpers for that reason.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import files, paths, plot
from ..types import FilePath
from ..utils import ParameterTypeError
from . import labels as labels_
from .notes import midi_to_note_name
from .report import Report
from .scoring import Score

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.text import Text

# Box colours by |cents| from the nearest semitone (or from the target)
COLOURS = ((25, '#3aa655', 'within 25 cents'), (50, '#f0a030', '25-50 cents'),
           (np.inf, '#d64541', 'over 50 cents'))
GLIDE_COLOUR = '#9a9a9a'
VIBRATO_COLOUR = '#7b4fbf'
ATTACK_COLOUR = '#555555'
# Inches of the picture's width: 12, and one more per SECONDS_PER_INCH of
# recording beyond 30 s, at most MAX_WIDTH
WIDTH, SECONDS_PER_INCH, MAX_WIDTH = 12., 5., 24.
# Pixels between a label and its vibrato, and its candidate rows above it
GAP, ROWS = 3., 3
# Target bars (with a score): an octave error and a missed target get
# their own colours; otherwise by |cents_error| as the note boxes (COLOURS)
OCTAVE_COLOUR = '#2a9d8f'
MISSED_COLOUR = '#6b6b6b'
# Semitones: the bar is thick enough to see under the pitch curve, thin
# enough that 25 cents (a quarter of a semitone) off still shows as a gap
TARGET_HEIGHT = .3


def colour(cents: float) -> str:
    """Box colour of a note `cents` from its semitone or target"""
    for limit, value, _ in COLOURS:
        if abs(cents) <= limit:
            return value
    return COLOURS[-1][1]


def target_colour(note: dict[str, Any]) -> str:
    """Bar colour of one target of a Score (one of its `notes` dicts):
    MISSED_COLOUR when missed, OCTAVE_COLOUR when sung in another octave,
    else colour() of its cents_error"""
    if note['sung'] is None:
        return MISSED_COLOUR
    if note['octave']:
        return OCTAVE_COLOUR
    return colour(note['cents_error'])


def target_label(note: dict[str, Any]) -> str:
    """Label of one target of a Score: its signed cents error rounded to a
    whole cent ('+12', '-38'), with the octaves when sung in another
    ('+12, -1 oct'), or 'missed'"""
    if note['sung'] is None:
        return 'missed'
    text = f"{round(note['cents_error']):+d}"
    return f"{text}, {note['octave']:+d} oct" if note['octave'] else text


def target_bars(report: Report, score: Score) -> list[tuple[float, float, float]]:
    """(start s, end s, MIDI) of each target's bar, in score.notes' order:
    the matched sung note's onset and offset, or, when missed, the
    target's own mapped by score.sung_time; the target's pitch plus
    score.transpose, on the picture's axis (the report's tuning_hz: the
    targets are under score.tuning)"""
    notes = score.notes
    due = score.sung_time([note['onset'] for note in notes] +
                          [note['offset'] for note in notes])
    retune = 12 * np.log2(score.tuning / report.tuning_hz)
    bars = []
    for index, note in enumerate(notes):
        sung = note['sung']
        start, end = ((sung['onset'], sung['offset']) if sung is not None
                      else (due[index], due[len(notes) + index]))
        bars.append((float(start), float(end),
                     float(note['midi'] + score.transpose + retune)))
    return bars


def kpi_rows(report: Report) -> list[tuple[str, str]]:
    """(label, text) rows of the KPI table"""
    kpis = report.kpis

    def number(key: str, form: str) -> str:
        return 'n/a' if kpis.get(key) is None else form.format(kpis[key])
    rows = [('notes', f'{kpis["notes"]} ({kpis["sustained_notes"]} sustained)'),
            ('voiced', number('voiced_share', '{:.0%}')),
            ('range', f'{kpis["lowest"]} - {kpis["highest"]}' if kpis['lowest'] else 'n/a'),
            ('tuning A4', f'{report.tuning_hz:.1f} Hz'),
            ('mean cents', number('cents_mean', '{:+.1f}')),
            ('spread', number('cents_spread', '{:.1f} c')),
            ('within 25 c', number('within_25', '{:.0%}')),
            ('within 50 c', number('within_50', '{:.0%}')),
            ('drift', number('drift_cents', '{:.1f} c')),
            ('jitter', number('jitter_cents', '{:.1f} c')),
            ('vibrato', number('vibrato_share', '{:.0%}')),
            ('vib. rate', number('vibrato_rate_hz', '{:.2f} Hz')),
            ('vib. extent', number('vibrato_extent_cents', '{:.0f} c')),
            ('vib. delay', number('vibrato_delay', '{:.2f} s'))]
    if 'target_cents_abs' in kpis:
        rows.append(('off target', number('target_cents_abs', '{:.0f} c')))
    return rows


def width(seconds: float) -> float:
    """Inches of the picture of a recording `seconds` long"""
    return float(np.clip(WIDTH + (seconds - 30) / SECONDS_PER_INCH, WIDTH, MAX_WIDTH))


def _draw_notes(axes: Any, report: Report, Rectangle: Any) -> list[Any]:
    """Note boxes, attack bars, vibrato bars and reference lines; returns
    the note boxes (patches)"""
    boxes = []
    for note in report.notes:
        cents = note.cents if note.target is None else 100 * (note.midi - note.target)
        bottom = round(note.midi) - .5
        boxes.append(axes.add_patch(Rectangle(
            (note.onset, bottom), note.duration, 1,
            facecolor=GLIDE_COLOUR if note.glide else colour(cents), alpha=.35,
            edgecolor='none')))
        if note.attack is not None:
            axes.plot([note.attack.start, note.attack.start + note.attack.length],
                      [bottom] * 2, color=ATTACK_COLOUR, linewidth=2.5,
                      solid_capstyle='butt')
        if note.vibrato is not None:
            axes.plot([note.vibrato.start, note.vibrato.end], [bottom + 1] * 2,
                      color=VIBRATO_COLOUR, linewidth=3, solid_capstyle='butt')
        if note.target is not None:
            axes.plot([note.onset, note.offset], [note.target] * 2, color='black',
                      linewidth=1, linestyle=':')
    return boxes


def _axes_box(artist: Any, renderer: Any) -> labels_.Box:
    extent = artist.get_window_extent(renderer)
    return labels_.Box(extent.x0, extent.y0, extent.x1, extent.y1)


# (start s, end s, MIDI) of each target's bar: target_bars'
Bars = list[tuple[float, float, float]]


def _draw_targets(axes: Any, bars: Bars, score: Score, Rectangle: Any) -> list[Any]:
    """The target bars (patches, gid 'target'), behind the pitch curve and
    over the note boxes"""
    patches = []
    for (start, end, midi), note in zip(bars, score.notes):
        missed = note['sung'] is None
        patch = Rectangle((start, midi - TARGET_HEIGHT / 2), end - start, TARGET_HEIGHT,
                          facecolor='none' if missed else target_colour(note),
                          edgecolor=target_colour(note), alpha=None if missed else .6,
                          linestyle='--' if missed else '-', linewidth=1., zorder=1.5)
        patch.set_gid('target')
        patches.append(axes.add_patch(patch))
    return patches


def _text(axes: Any, renderer: Any, label: str, colour: str) -> tuple[Any, float, float]:
    """A label's Text artist (placed later) and its (width, height) pixels"""
    text = axes.text(0, 0, label, ha='center', va='bottom', fontsize='small',
                     color=colour, clip_on=True)
    text.set_in_layout(False)
    size = _axes_box(text, renderer)
    return text, size.right - size.left, size.top - size.bottom


def _target_wanted(axes: Any, bars: Bars, score: Score, renderer: Any
                   ) -> tuple[list[Any], list[Any]]:
    """(Text artists, labels.place entries) of the target labels, the worst
    target first: each tried below its bar and its note's box, in rows
    further down, then above them"""

    # Where room runs out, the labels saying what went wrong stay
    def badness(index: int) -> tuple[int, float]:
        note = score.notes[index]
        if note['sung'] is None:
            return (0, 0.)
        return (1 if note['octave'] else 2, -abs(note['cents_error']))
    texts, wanted = [], []
    to_pixels = axes.transData.transform
    for index in sorted(range(len(bars)), key=badness):
        start, end, midi = bars[index]
        note = score.notes[index]
        text, label_width, height = _text(axes, renderer, target_label(note),
                                          target_colour(note))
        text.set_gid('target label')
        x, centre = to_pixels(((start + end) / 2, midi))
        # The box of the semitone the bar lies in, and of the sung note's
        edges = [midi - TARGET_HEIGHT / 2, midi + TARGET_HEIGHT / 2,
                 round(midi) - .5, round(midi) + .5]
        if note['sung'] is not None:
            # The sung pitch is under the targets' tuning, as the written
            # one: moved onto the axis by the bar's own shift
            sung = note['sung']['midi'] + midi - note['midi'] - score.transpose
            edges += [round(sung) - .5, round(sung) + .5]
        low, high = to_pixels((0, min(edges)))[1], to_pixels((0, max(edges)))[1]
        rows = [(0, low - GAP - height - centre - row * (height + GAP))
                for row in range(ROWS)]
        rows += [(0, high + GAP - centre + row * (height + GAP)) for row in range(ROWS)]
        texts.append(text)
        wanted.append((x, centre, label_width, height, rows))
    return texts, wanted


def _vibrato_wanted(axes: Any, report: Any, renderer: Any
                    ) -> tuple[list[Any], list[Any]]:
    """(Text artists, labels.place entries) of each vibrato's rate and
    extent, the longest vibrato first: above the vibrato, then higher,
    then below its note"""
    notes = sorted((note for note in report.notes if note.vibrato is not None),
                   key=lambda note: note.vibrato.start - note.vibrato.end)
    texts, wanted = [], []
    to_pixels = axes.transData.transform
    for note in notes:
        found = note.vibrato
        text, label_width, height = _text(
            axes, renderer, f'{found.rate_hz:.1f} Hz ±{found.extent_cents:.0f} c',
            VIBRATO_COLOUR)
        x, top = to_pixels(((found.start + found.end) / 2,
                            note.midi + found.extent_cents / 100))
        _, box_top = to_pixels((0, round(note.midi) + .5))
        _, box_bottom = to_pixels((0, round(note.midi) - .5))
        above = max(top, box_top) + GAP
        offsets = [(0, above - top + row * (height + GAP)) for row in range(ROWS)]
        offsets.append((0, box_bottom - GAP - height - top))
        texts.append(text)
        wanted.append((x, top, label_width, height, offsets))
    return texts, wanted


def _labels(axes: Any, report: Report, score: Score | None, bars: Bars, renderer: Any,
            boxes: list[Any]) -> list[Text]:
    """Write the target labels (with a score), then the vibrato labels,
    each where it overlaps no other label, no note box or target bar
    (`boxes`, patches) and not the legend; returns the Text artists kept"""
    texts: list[Any] = []
    wanted: list[Any] = []
    if score is not None:
        texts, wanted = _target_wanted(axes, bars, score, renderer)
    more_texts, more_wanted = _vibrato_wanted(axes, report, renderer)
    texts, wanted = texts + more_texts, wanted + more_wanted
    frame = _axes_box(axes.patch, renderer)
    blocked = [_axes_box(box, renderer) for box in boxes]
    if axes.get_legend():
        blocked.append(_axes_box(axes.get_legend(), renderer))
    kept = []
    from_pixels = axes.transData.inverted().transform
    for text, place in zip(texts, labels_.place(wanted, frame, blocked)):
        if place is None:
            text.remove()
        else:
            text.set_position(from_pixels(place))
            kept.append(text)
    return kept


def check(report: object, title: object, score: object = None) -> None:
    """ParameterError naming `report` unless it is a Report, `title`
    unless it is a str or None, or `score` unless it is a singing.Score or
    None"""
    if not isinstance(report, Report):
        raise ParameterTypeError(f'report must be a singing Report (from '
                                 f'singing.analyse); got {type(report).__name__}')
    if title is not None and not isinstance(title, str):
        raise ParameterTypeError(f'title must be a str or None; got {title!r}')
    if score is not None and not isinstance(score, Score):
        raise ParameterTypeError(f'score must be a singing.Score (from singing.score) '
                                 f'or None; got {type(score).__name__}')


def _pitch_axis(axes: Any, report: Report, bars: Bars) -> None:
    """Note names on the pitch axis, 2 semitones beyond the pitch track and
    1 beyond the target bars (`bars`, target_bars'; [] without a score)"""
    pitched = report.track.midi[np.isfinite(report.track.midi)]
    low, high = (pitched.min() - 2, pitched.max() + 2) if len(pitched) else (57, 69)
    if bars:
        aims = [midi for _, _, midi in bars]
        low, high = min(low, min(aims) - 1), max(high, max(aims) + 1)
    ticks = np.arange(np.floor(low), np.ceil(high) + 1)
    step = max(1, int(np.ceil(len(ticks) / 24)))
    ticks = ticks[::step]
    axes.set_yticks(ticks, [midi_to_note_name(tick) for tick in ticks])
    axes.set_ylim(low, high)


def _legend(axes: Any, score: Score | None, Patch: Any) -> None:
    """The legend: note colours, vibrato, attack, and with a score the
    target bars' own colours and the key they are drawn in"""
    handles = [Patch(color=value, alpha=.5, label=label) for _, value, label in COLOURS]
    handles.append(Patch(color=VIBRATO_COLOUR, label='vibrato'))
    handles.append(Patch(color=ATTACK_COLOUR, label='attack'))
    if score is not None:
        key = f'{score.transpose:+d} st' if score.transpose else 'as written'
        handles.append(Patch(facecolor='none', edgecolor='black',
                             label=f'targets, in the key sung ({key})'))
        handles.append(Patch(color=OCTAVE_COLOUR, alpha=.6, label='target octave off'))
        handles.append(Patch(facecolor='none', edgecolor=MISSED_COLOUR, linestyle='--',
                             label='target missed'))
    axes.legend(handles=handles, loc='lower right', fontsize='small', ncols=2)


def draw(report: Report, title: str | None = None, score: Score | None = None
         ) -> tuple[Figure, list[Text]]:
    """(figure, labels): the picture of a singing Report as a matplotlib
    Figure (Agg canvas) and the label Text artists it kept (the target
    labels, then the vibrato labels)

    score (singing.Score of this report, or None): draws each target note
    (see the module's doc); None draws the report alone.

    Raises ParameterError for a report that is no Report, a title that is
    no str or a score that is no Score; ValueError if matplotlib is not
    installed.
    """
    check(report, title, score)
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.patches import Patch, Rectangle
    except ImportError:
        raise ValueError("the singing picture needs matplotlib: pip install "
                         "matplotlib (or pip install 'torchcrepe[plot]')") from None
    track = report.track
    times = track.times()
    seconds = times[-1] - times[0] if len(times) else 0.
    figure = Figure(figsize=(width(seconds), 5), dpi=100, layout='constrained')
    canvas = FigureCanvasAgg(figure)
    axes, table = figure.subplots(1, 2, gridspec_kw={'width_ratios': [4, 1]})
    boxes = _draw_notes(axes, report, Rectangle)
    bars = target_bars(report, score) if score is not None else []
    if score is not None:
        boxes += _draw_targets(axes, bars, score, Rectangle)
    axes.plot(times, track.midi, color='#1f5fbf', linewidth=1.2)

    _pitch_axis(axes, report, bars)
    axes.set_xlim(times[0] if len(times) else 0, times[-1] if len(times) else 1)
    axes.grid(axis='y', alpha=.3)
    axes.set_xlabel('Time (s)')
    axes.set_ylabel(f'Note (A4 = {report.tuning_hz:.1f} Hz)')
    _legend(axes, score, Patch)
    axes.set_title(title or report.message or 'Singing report')

    table.axis('off')
    rows = kpi_rows(report)
    for index, (label, text) in enumerate(rows):
        y = 1 - (index + .5) / len(rows)
        table.text(0, y, label, fontsize='medium', va='center')
        table.text(1, y, text, fontsize='medium', va='center', ha='right')
    # The layout settles first; the labels then go where nothing is
    canvas.draw()
    figure.set_layout_engine('none')
    kept = _labels(axes, report, score, bars, canvas.get_renderer(), boxes)
    return figure, kept


def save(path: FilePath, report: Report, title: str | None = None,
         format: str | None = None, score: Score | None = None) -> None:
    """Draw a singing Report into a picture at `path` (written atomically)

    Arguments
        path (str or os.PathLike): the file; its extension gives the format,
            one matplotlib writes (plot.image_formats(): .png, .jpg, .pdf,
            .svg ...)
        report (Report), title (str or None)
        format (str or None): the format (e.g. 'png'), overriding the
            extension: for a path whose name is not the user's (a temporary)
        score (singing.Score of this report, or None): draws its target
            notes (see draw)

    Raises, before drawing and writing: ParameterError naming `path` for
    an existing folder or an extension matplotlib cannot write (listing
    those it can), `format` for a format it cannot, `report`, `title` or
    `score` for the wrong type; FileNotFoundError naming `path` when its
    folder is missing; ValueError if matplotlib is not installed.
    """
    path = paths.output_file(path)
    format = plot.image_format(path, format)
    check(report, title, score)
    figure, _ = draw(report, title, score)
    with files.atomic_write(path) as file:
        figure.savefig(file, format=format)
