"""Singing analysis of a pitch track: notes, vibrato, intonation KPIs.

Works on any pitch track (Hz per frame, NaN or 0 unvoiced), its periodicity
and hop, from any capacity, decoder or backend, or from elsewhere:

    pitch, periodicity = torchcrepe.predict(audio, sr, model='small',
        decoder=torchcrepe.decode.weighted_viterbi, return_periodicity=True)
    loudness = torchcrepe.loudness.band_level(audio, sr)  # optional
    report = torchcrepe.singing.analyse(pitch, periodicity, hop_seconds=.01,
                                        loudness=loudness)
    print(report.summary())
    report.save('take.json')
    torchcrepe.singing.picture.save('take.png', report)  # needs matplotlib;
    # the extension gives the format: .jpg, .pdf, .svg ... too

Modules: track (checks, voicing, MIDI, trend), cycles (regular swings of
the pitch), levels (held pitches and transitions), articulation (new
syllables from loudness dips and gaps), notes (where notes start and end,
their attack), vibrato (the vibrato span, rate, extent, regularity;
stability), intonation (KPIs, reference melody, tuning estimate), report
(analyse, JSON, summary), targets (notes to be sung: exercises, note
files), musicxml (target notes from MusicXML scores), lengths (whether
a reference's length fits the take), alignment (where each target was
sung), scoring (a take scored against its targets), labels (labels
that never overlap), picture (the figure, matplotlib only there). The
command line's singing options are in torchcrepe.cli.singing.
"""
from .notes import Note, midi_to_note_name, note_name
from .report import Report, analyse
from .scoring import Score, score
from .targets import Target, exercise, read_targets
from .vibrato import Vibrato

__all__ = ['Note', 'Report', 'Score', 'Target', 'Vibrato', 'analyse',
           'exercise', 'midi_to_note_name', 'note_name', 'read_targets',
           'score']
