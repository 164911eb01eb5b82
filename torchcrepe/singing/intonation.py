"""Intonation figures of a recording, and notes against a reference melody.

Sustained notes (not glides, held at least SUSTAINED seconds: their attack
left out) are the ones intonation is judged on:
    cents_mean, cents_spread   mean and standard deviation of their cents
                               from the nearest semitone
    within_25, within_50       share of them within +-25 and +-50 cents
    drift_cents, jitter_cents  median over them of |drift| and of jitter
                               (see vibrato.py: vibrato is removed first)
    vibrato_share              share of them with vibrato; vibrato_rate_hz,
                               vibrato_extent_cents and vibrato_delay (s
                               from the onset to the vibrato) the medians
Over the whole recording:
    voiced_share               voiced frames over all frames
    notes                      how many notes were found
    lowest, highest            names of the lowest and highest note (glides
                               left out), lowest_midi, highest_midi
With a reference melody, a list of (onset s, offset s, MIDI) tuples, each
sung note is matched to the reference note it overlaps most in time:
    target_cents_mean          mean of (sung - target) in cents over the
                               matched sustained notes; target_cents_abs the
                               mean of its absolute value
    target_within_50           share of those within +-50 cents of target
    reference_missed           reference notes no sung note overlaps
Figures that have nothing to be computed on are None.
"""

import numpy as np

from . import targets
from .notes import midi_to_note_name

SUSTAINED = .2


def sustained(notes):
    """Notes intonation is judged on: not glides, held SUSTAINED s or longer"""
    return [note for note in notes if not note.glide and note.held_seconds >= SUSTAINED]


def check_reference(reference):
    """A reference melody as a list of (onset, offset, midi) rows (Targets),
    sorted by onset, or None; empty is allowed

    Each row needs 0 <= onset < offset <= tracks.MAX_SECONDS (seconds) and
    midi within 0..127; else ParameterError naming the row.
    """
    if reference is None:
        return None
    return targets.check_targets(reference, 'reference', empty=True, paths=False)


def match_reference(notes, reference):
    """Set each note's target to the reference note it overlaps most

    Returns the number of reference notes no sung note overlaps."""
    hit = set()
    for note in notes:
        overlaps = [min(note.offset, offset) - max(note.onset, onset)
                    for onset, offset, _ in reference]
        best = int(np.argmax(overlaps)) if overlaps else -1
        if best >= 0 and overlaps[best] > 0:
            note.target = reference[best][2]
            hit.add(best)
    return len(reference) - len(hit)


def _median(values):
    return float(np.median(values)) if len(values) else None


def _mean(values):
    return float(np.mean(values)) if len(values) else None


def kpis(notes, voiced, reference=None):
    """The recording's figures as a dict (see the module's docstring)

    notes: list of Note with vibrato analysed; voiced (numpy.ndarray
    [shape=(frames,)], bool); reference: checked by check_reference or None.
    """
    judged = sustained(notes)
    cents = np.array([note.cents for note in judged])
    with_vibrato = [note.vibrato for note in judged if note.vibrato is not None]
    pitched = [note.midi for note in notes if not note.glide]
    figures = {
        'notes': len(notes),
        'sustained_notes': len(judged),
        'voiced_share': float(voiced.mean()) if len(voiced) else 0.,
        'cents_mean': _mean(cents),
        'cents_spread': float(cents.std()) if len(cents) else None,
        'within_25': _mean(np.abs(cents) <= 25),
        'within_50': _mean(np.abs(cents) <= 50),
        'drift_cents': _median([abs(note.drift) for note in judged]),
        'jitter_cents': _median([note.jitter for note in judged]),
        'vibrato_share': len(with_vibrato) / len(judged) if judged else None,
        'vibrato_rate_hz': _median([v.rate_hz for v in with_vibrato]),
        'vibrato_extent_cents': _median([v.extent_cents for v in with_vibrato]),
        'vibrato_delay': _median([note.vibrato_delay for note in judged
                                  if note.vibrato is not None]),
        'lowest': midi_to_note_name(min(pitched)) if pitched else None,
        'highest': midi_to_note_name(max(pitched)) if pitched else None,
        'lowest_midi': float(min(pitched)) if pitched else None,
        'highest_midi': float(max(pitched)) if pitched else None}
    if reference is not None:
        missed = match_reference(notes, reference)
        deviation = np.array([100 * (note.midi - note.target) for note in judged
                              if note.target is not None])
        figures.update({
            'target_cents_mean': _mean(deviation),
            'target_cents_abs': _mean(np.abs(deviation)),
            'target_within_50': _mean(np.abs(deviation) <= 50),
            'reference_missed': missed})
    return figures


def estimate_tuning(notes: list, tuning: float = 440.) -> float:
    """A4 in Hz that best centres the sustained notes on semitones

    The circular mean of each note's cents (weighted by duration), so that
    a choir tuned to A4 = 443 Hz is not judged 12 cents sharp throughout.
    Returns `tuning` unchanged when there is no sustained note.
    """
    judged = sustained(notes)
    if not judged:
        return tuning
    angles = np.array([2 * np.pi * note.midi for note in judged])
    weights = np.array([note.duration for note in judged])
    offset = np.angle(np.sum(weights * np.exp(1j * angles))) / (2 * np.pi)
    return float(tuning * 2 ** (offset / 12))
