"""The singing report as a picture: pitch on a note-name axis, note boxes
coloured by intonation, each attack (scoop or transition) as a grey bar
along the bottom of its note, each vibrato as a purple bar along the top
of its note over the span it covers, with its rate and extent written
above it, the KPIs beside.

Labels never overlap each other, a note box or the legend: they are
placed after the layout is settled, from the sizes the renderer measures,
by labels.place (above the vibrato, then higher, then below its note; a
label with no free place is dropped, the longest vibratos placed first).
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


def colour(cents: float) -> str:
    """Box colour of a note `cents` from its semitone or target"""
    for limit, value, _ in COLOURS:
        if abs(cents) <= limit:
            return value
    return COLOURS[-1][1]


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


def _vibrato_labels(axes: Any, report: Any, renderer: Any,
                    boxes: list[Any]) -> list[Text]:
    """Write each vibrato's rate and extent where it overlaps no other
    label, no note box (`boxes`, patches) and not the legend; returns the
    label Text artists kept"""
    notes = sorted((note for note in report.notes if note.vibrato is not None),
                   key=lambda note: note.vibrato.start - note.vibrato.end)
    texts, wanted = [], []
    to_pixels = axes.transData.transform
    for note in notes:
        found = note.vibrato
        text = axes.text(0, 0, f'{found.rate_hz:.1f} Hz ±{found.extent_cents:.0f} c',
                         ha='center', va='bottom', fontsize='small',
                         color=VIBRATO_COLOUR, clip_on=True)
        text.set_in_layout(False)
        size = _axes_box(text, renderer)
        label_width, height = size.right - size.left, size.top - size.bottom
        x, top = to_pixels(((found.start + found.end) / 2,
                            note.midi + found.extent_cents / 100))
        _, box_top = to_pixels((0, round(note.midi) + .5))
        _, box_bottom = to_pixels((0, round(note.midi) - .5))
        above = max(top, box_top) + GAP
        offsets = [(0, above - top + row * (height + GAP)) for row in range(ROWS)]
        offsets.append((0, box_bottom - GAP - height - top))
        texts.append(text)
        wanted.append((x, top, label_width, height, offsets))
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


def check(report: object, title: object) -> None:
    """ParameterError naming `report` unless it is a Report, or `title`
    unless it is a str or None"""
    if not isinstance(report, Report):
        raise ParameterTypeError(f'report must be a singing Report (from '
                                 f'singing.analyse); got {type(report).__name__}')
    if title is not None and not isinstance(title, str):
        raise ParameterTypeError(f'title must be a str or None; got {title!r}')


def draw(report: Report, title: str | None = None) -> tuple[Figure, list[Text]]:
    """(figure, labels): the picture of a singing Report as a matplotlib
    Figure (Agg canvas) and the vibrato label Text artists it kept

    Raises ParameterError for a report that is no Report or a title that is
    no str; ValueError if matplotlib is not installed.
    """
    check(report, title)
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
    axes.plot(times, track.midi, color='#1f5fbf', linewidth=1.2)

    pitched = track.midi[np.isfinite(track.midi)]
    low, high = (pitched.min() - 2, pitched.max() + 2) if len(pitched) else (57, 69)
    ticks = np.arange(np.floor(low), np.ceil(high) + 1)
    step = max(1, int(np.ceil(len(ticks) / 24)))
    ticks = ticks[::step]
    axes.set_yticks(ticks, [midi_to_note_name(tick) for tick in ticks])
    axes.set_ylim(low, high)
    axes.set_xlim(times[0] if len(times) else 0, times[-1] if len(times) else 1)
    axes.grid(axis='y', alpha=.3)
    axes.set_xlabel('Time (s)')
    axes.set_ylabel(f'Note (A4 = {report.tuning_hz:.1f} Hz)')
    handles = [Patch(color=value, alpha=.5, label=label) for _, value, label in COLOURS]
    handles.append(Patch(color=VIBRATO_COLOUR, label='vibrato'))
    handles.append(Patch(color=ATTACK_COLOUR, label='attack'))
    axes.legend(handles=handles, loc='lower right', fontsize='small', ncols=2)
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
    kept = _vibrato_labels(axes, report, canvas.get_renderer(), boxes)
    return figure, kept


def save(path: FilePath, report: Report, title: str | None = None,
         format: str | None = None) -> None:
    """Draw a singing Report into a picture at `path` (written atomically)

    Arguments
        path (str or os.PathLike): the file; its extension gives the format,
            one matplotlib writes (plot.image_formats(): .png, .jpg, .pdf,
            .svg ...)
        report (Report), title (str or None)
        format (str or None): the format (e.g. 'png'), overriding the
            extension: for a path whose name is not the user's (a temporary)

    Raises, before drawing and writing: ParameterError naming `path` for
    an existing folder or an extension matplotlib cannot write (listing
    those it can), `format` for a format it cannot, `report` or `title`
    for the wrong type; FileNotFoundError naming `path` when its folder is
    missing; ValueError if matplotlib is not installed.
    """
    path = paths.output_file(path)
    format = plot.image_format(path, format)
    check(report, title)
    figure, _ = draw(report, title)
    with files.atomic_write(path) as file:
        figure.savefig(file, format=format)
