"""The singing report as a picture: pitch on a note-name axis, note boxes
coloured by intonation, vibrato written on its notes, the KPIs beside.

Needs matplotlib (the optional `plot` extra), imported only in save().
"""
import numpy as np

from .. import files
from .notes import note_name

# Box colours by |cents| from the nearest semitone (or from the target)
COLOURS = ((25, '#3aa655', 'within 25 cents'), (50, '#f0a030', '25-50 cents'),
           (np.inf, '#d64541', 'over 50 cents'))
GLIDE_COLOUR = '#9a9a9a'


def colour(cents):
    """Box colour of a note `cents` from its semitone or target"""
    for limit, value, _ in COLOURS:
        if abs(cents) <= limit:
            return value
    return COLOURS[-1][1]


def kpi_rows(report):
    """(label, text) rows of the KPI table"""
    kpis = report.kpis

    def number(key, form):
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
            ('vib. extent', number('vibrato_extent_cents', '{:.0f} c'))]
    if 'target_cents_abs' in kpis:
        rows.append(('off target', number('target_cents_abs', '{:.0f} c')))
    return rows


def save(path, report, title=None):
    """Draw a singing Report into a PNG at `path` (written atomically)

    Raises ValueError if matplotlib is not installed, before writing.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.patches import Patch, Rectangle
    except ImportError:
        raise ValueError("the singing picture needs matplotlib: pip install "
                         "matplotlib (or pip install 'torchcrepe[plot]')") from None
    track = report.track
    times = track.times()
    figure = Figure(figsize=(12, 5), dpi=100, layout='constrained')
    FigureCanvasAgg(figure)
    axes, table = figure.subplots(1, 2, gridspec_kw={'width_ratios': [4, 1]})

    for note in report.notes:
        cents = note.cents if note.target is None else 100 * (note.midi - note.target)
        axes.add_patch(Rectangle(
            (note.onset, round(note.midi) - .5), note.duration, 1,
            facecolor=GLIDE_COLOUR if note.glide else colour(cents), alpha=.35,
            edgecolor='none'))
        if note.vibrato is not None:
            axes.text(note.onset + note.duration / 2,
                      note.midi + note.vibrato.extent_cents / 100 + .6,
                      f'{note.vibrato.rate_hz:.1f} Hz +-{note.vibrato.extent_cents:.0f} c',
                      ha='center', va='bottom', fontsize='small')
        if note.target is not None:
            axes.plot([note.onset, note.offset], [note.target] * 2, color='black',
                      linewidth=1, linestyle=':')
    axes.plot(times, track.midi, color='#1f5fbf', linewidth=1.2)

    pitched = track.midi[np.isfinite(track.midi)]
    low, high = (pitched.min() - 2, pitched.max() + 2) if len(pitched) else (57, 69)
    ticks = np.arange(np.floor(low), np.ceil(high) + 1)
    step = max(1, int(np.ceil(len(ticks) / 24)))
    ticks = ticks[::step]
    axes.set_yticks(ticks, [note_name(tick) for tick in ticks])
    axes.set_ylim(low, high)
    axes.set_xlim(times[0] if len(times) else 0, times[-1] if len(times) else 1)
    axes.grid(axis='y', alpha=.3)
    axes.set_xlabel('Time (s)')
    axes.set_ylabel(f'Note (A4 = {report.tuning_hz:.1f} Hz)')
    axes.legend(handles=[Patch(color=value, alpha=.5, label=label)
                         for _, value, label in COLOURS],
                loc='lower right', fontsize='small')
    axes.set_title(title or report.message or 'Singing report')

    table.axis('off')
    rows = kpi_rows(report)
    for index, (label, text) in enumerate(rows):
        y = 1 - (index + .5) / len(rows)
        table.text(0, y, label, fontsize='medium', va='center')
        table.text(1, y, text, fontsize='medium', va='center', ha='right')
    with files.atomic_write(path) as file:
        figure.savefig(file, format='png')
