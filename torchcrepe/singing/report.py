"""One call from a pitch track to notes, vibrato and KPIs; JSON and text.

    report = torchcrepe.singing.analyse(pitch, periodicity, hop_seconds)
    report.notes, report.kpis, report.summary(), report.save('take.json')
"""
from __future__ import annotations

import dataclasses
import json
from typing import Any, Optional, SupportsFloat

import numpy as np

from .. import files, paths
from ..types import FilePath, Values
from . import intonation, notes as notes_, track as tracks, vibrato
from .targets import Rows

NO_VOICE = 'no voiced frames: nothing sung was found'
TOO_SHORT = ('no note: the voiced parts are shorter than '
             f'{notes_.MIN_HOLD * 1000:.0f} ms')


@dataclasses.dataclass
class Report:
    """The analysis of one recording

    notes: list of notes.Note in time order; kpis: dict (intonation.py);
    tuning_hz: A4 used; track: the tracks.Track the notes were found on;
    message: None, or why there are no notes
    """
    notes: list[notes_.Note]
    kpis: dict[str, Any]
    tuning_hz: float
    track: tracks.Track
    message: Optional[str] = None

    def to_dict(self) -> dict[str, Any]:
        """Every number, as JSON-ready Python values"""
        return {
            'tuning_hz': self.tuning_hz,
            'hop_seconds': self.track.hop,
            'message': self.message,
            'notes': [note_dict(note) for note in self.notes],
            'kpis': self.kpis}

    def save(self, path: FilePath, score: Any = None) -> None:
        """Write to_dict() as JSON at `path`, with `score` (a singing.Score
        of this take, or None) as its "score" object; nothing is left
        behind on failure

        Raises, before writing: ParameterError naming `path` for an
        existing folder or a path that is no str or os.PathLike;
        FileNotFoundError naming `path` when its folder is missing.
        """
        path = paths.output_file(path)
        document = self.to_dict()
        if score is not None:
            document['score'] = score.to_dict()
        with files.atomic_write(path, 'w') as file:
            json.dump(document, file, indent=1, allow_nan=False)
            file.write('\n')

    def summary(self, name: str | None = None) -> str:
        """A few lines for people"""
        return summary(self, name)


def analyse(pitch: Values, periodicity: Values | None, hop_seconds: float,
            tuning: float | str = 440., reference: Rows | None = None,
            start: float = 0., voicing_threshold: float = tracks.VOICING_THRESHOLD,
            duration: float | None = None, window_seconds: float = vibrato.TRACKER_WINDOW,
            *, loudness: Values | None = None) -> Report:
    """Notes, vibrato and intonation figures of a pitch track

    Arguments
        pitch (torch.tensor or numpy.ndarray [shape=(frames,) or (1, frames)])
            Hz; NaN or 0 where unvoiced (predict's output as it is); any
            other value within track.MIN_PITCH..MAX_PITCH, 20..5000 Hz
        periodicity (same shape as pitch, or None)
            0..1; frames below voicing_threshold are unvoiced
        hop_seconds (float)
            seconds between frames (0.01 for predict's default hop), within
            track.MIN_HOP..MAX_HOP: 62.5 us (one sample at 16 kHz,
            CREPE's finest hop) to 30 ms
        tuning (float or 'estimate')
            A4 in Hz (400..480), or 'estimate' to centre the sustained notes
        reference (list of (onset s, offset s, MIDI) or None)
            the melody that should have been sung; 0 <= onset < offset,
            MIDI within 0..127
        start (float)
            time of the first frame's centre in seconds (0 for predict with
            pad=True, 0.032 with pad=False), 0..track.MAX_SECONDS
        voicing_threshold (float)
            periodicity below it is unvoiced, 0..1
        duration (float or None)
            seconds of audio, to check hop_seconds against the frame count
        window_seconds (float)
            the pitch tracker's averaging window, by which vibrato extent is
            corrected (vibrato.py); 0 for a tracker that does not average,
            at most vibrato.MAX_WINDOW (0.3 s)
        loudness (same shape as pitch, or None; keyword only)
            dB per frame on the same frames, e.g.
            torchcrepe.loudness.band_level(audio, sample_rate, hop_length):
            a dip in it is a new syllable, a new note on the same pitch too
            (articulation.py). Without it, an unvoiced gap of 30 ms or more
            is; the command line always gives it. Finite, within
            +-track.MAX_LOUDNESS dB

    Returns
        Report. An all-unvoiced or too short track gives a Report with no
        notes, figures None where undefined, and `message` saying why.
    Raises
        ParameterError (a ValueError) naming the argument and what is
        allowed, before any analysis: NaN, infinite, negative, zero or too
        large numbers where they mean nothing, numbers given as text or
        bool, pitch out of range (naming the first such frame and its
        value), arrays of the wrong shape.
    """
    estimate = isinstance(tuning, str) and tuning == 'estimate'
    reference = intonation.check_reference(reference)
    vibrato.check_window(window_seconds)
    track = tracks.prepare(pitch, periodicity, hop_seconds,
                           440. if estimate else tuning, start,
                           voicing_threshold, duration, loudness)
    if estimate:
        tuning = intonation.estimate_tuning(notes_.segment(track, window_seconds))
        track = track._replace(midi=track.midi - 12 * np.log2(tuning / 440.))
    found = vibrato.analyse(notes_.segment(track, window_seconds), track,
                            window_seconds)
    message = None
    if not track.voiced.any():
        message = NO_VOICE
    elif not found:
        message = TOO_SHORT
    return Report(found, intonation.kpis(found, track.voiced, reference),
                  float(tuning), track, message)


def rounded(value: SupportsFloat | None, digits: int) -> float | None:
    """`value` as a float rounded to `digits` places, None kept (JSON)"""
    return None if value is None else round(float(value), digits)


def note_dict(note: notes_.Note) -> dict[str, Any]:
    """One note as the JSON report holds it"""
    result: dict[str, Any] = {
        'onset': rounded(note.onset, 4),
        'offset': rounded(note.offset, 4),
        'midi': rounded(note.midi, 3),
        'name': note.name,
        'cents': rounded(note.cents, 1),
        'glide': note.glide,
        'drift_cents': rounded(note.drift, 1),
        'jitter_cents': rounded(note.jitter, 1),
        'vibrato': None,
        'attack': None,
        'vibrato_delay': rounded(note.vibrato_delay, 4)}
    if note.attack is not None:
        result['attack'] = {
            'start': rounded(note.attack.start, 4),
            'length': rounded(note.attack.length, 4),
            'cents': rounded(note.attack.cents, 1),
            'kind': note.attack.kind}
    if note.target is not None:
        result['target_midi'] = note.target
        result['target_cents'] = rounded(100 * (note.midi - note.target), 1)
    if note.vibrato is not None:
        found = note.vibrato
        result['vibrato'] = {
            'rate_hz': rounded(found.rate_hz, 3),
            'extent_cents': rounded(found.extent_cents, 1),
            'regularity': rounded(found.regularity, 3),
            'rate_variation': rounded(found.rate_variation, 3),
            'extent_variation': rounded(found.extent_variation, 3),
            'cycles': found.cycles,
            'fit': rounded(found.fit, 3),
            'start': rounded(found.start, 4),
            'end': rounded(found.end, 4),
            'curve_start': rounded(found.curve_start, 4),
            'curve_cents': [round(float(value), 1) for value in found.curve]}
    return result


def _percent(value: float | None) -> str:
    return 'n/a' if value is None else f'{100 * value:.0f} %'


def summary(report: Report, name: str | None = None) -> str:
    """Short human-readable lines about a Report"""
    kpis = report.kpis
    head = f'{name}: ' if name else ''
    if report.message:
        return f'{head}{report.message} ({_percent(kpis["voiced_share"])} voiced)'
    lines = [f'{head}{kpis["notes"]} notes ({kpis["lowest"]} to {kpis["highest"]}), '
             f'{_percent(kpis["voiced_share"])} voiced, tuning A4 = '
             f'{report.tuning_hz:.1f} Hz']
    if kpis['sustained_notes']:
        lines.append(
            f'intonation: {kpis["cents_mean"]:+.0f} cents on average, spread '
            f'{kpis["cents_spread"]:.0f} cents; {_percent(kpis["within_25"])} of '
            f'{kpis["sustained_notes"]} sustained notes within +-25 cents, '
            f'{_percent(kpis["within_50"])} within +-50')
        lines.append(f'stability: drift {kpis["drift_cents"]:.0f} cents, jitter '
                     f'{kpis["jitter_cents"]:.1f} cents (medians)')
        if kpis['vibrato_rate_hz'] is not None:
            lines.append(
                f'vibrato: on {_percent(kpis["vibrato_share"])} of sustained notes, '
                f'{kpis["vibrato_rate_hz"]:.1f} Hz, +-{kpis["vibrato_extent_cents"]:.0f} '
                f'cents, from {kpis["vibrato_delay"]:.2f} s after the onset (medians)')
        else:
            lines.append('vibrato: none')
    if 'target_cents_abs' in kpis and kpis['target_cents_abs'] is not None:
        lines.append(f'against the reference: {kpis["target_cents_abs"]:.0f} cents '
                     f'off on average, {_percent(kpis["target_within_50"])} within '
                     f'+-50, {kpis["reference_missed"]} reference notes missed')
    return '\n'.join(lines)
