"""Where a new syllable starts inside a sung phrase: a new attack.

A listener hears a new note, on the same pitch too, where the voice is
articulated again: a consonant between two vowels lowers the loudness
(a voiced one: /m/, /n/, /l/ keep the pitch going) or stops the voice for a
moment (an unvoiced one: the pitch tracker's periodicity drops). Syllables
are cut at loudness minima (Mermelstein, JASA 1975: syllable boundaries at
the minima of the loudness contour), and the boundary singers keep in time
is the vowel onset after the consonant (Sundberg and Bauer-Huppmann, "When
does a sung tone start?", J. Voice 2007).

With loudness (dB per frame, e.g. torchcrepe.loudness.band_level):
    a *dip* is a local minimum of the loudness at least DIP_DB below the
    loudest frame on each side within DIP_WINDOW seconds. Amplitude
    vibrato is no dip: the loudness of a vibrato swings with its pitch as
    the partials cross the formants, by up to 6.6 dB a cycle in the
    vibrato recordings of ../shared/singing, below DIP_DB; and as a
    vibrato grows wide its swing can pass DIP_DB, so inside a vibrato
    (the frames vibrato.swinging finds) a dip must go DIP_DB below the
    vibrato's own swing (the median depth of its loudness minima). Where
    the voice stops inside a minimum (unvoiced frames), STOP_DB is enough:
    a consonant that stops the voice keeps less of the loudness than a
    voiced one. A breathy stretch of a held vowel, where periodicity
    drops but the loudness does not, is no dip.
Without loudness (pitch alone): an unvoiced gap of MIN_GAP seconds or more
inside a phrase (the shortest consonant closures; a tracker's dropout is a
frame or two) is a cut.

A cut at a voiced dip ends one syllable and starts the next at the
loudness minimum; a cut at a dip holding unvoiced frames, or at a gap, ends
the syllable at the last voiced frame before them and starts the next at
the first voiced frame after (where the voice starts again). Cuts closer
than MIN_NOTE (levels.py) to each other or to the phrase's ends are
dropped, the shallower first: every syllable can hold a note.
"""
from typing import NamedTuple

import numpy as np
from scipy import signal

from . import cycles, levels

# Decibels a loudness minimum lies below both sides to be a new attack:
# above the swing of the loudness of a held vibrato (up to 6.6 dB a cycle
# in the vibrato recordings of ../shared/singing), below the drop of a
# consonant between two vowels
DIP_DB = 8.
# Decibels a loudness minimum lies below both sides to be a new attack
# when the voice also stops in it (unvoiced frames): a consonant that
# stops the voice but keeps much of the loudness (a fricative, a stop's
# release, a breathy /h/). Half the power: a drop listeners clearly hear,
# three times the 1 dB just-noticeable difference in intensity (Jesteadt,
# Wier and Green, JASA 1977); a held vowel whose voicing drops for a
# moment without such a drop (a breathy stretch) is not cut
STOP_DB = 3.
# Seconds on each side of a minimum searched for the louder frames
DIP_WINDOW = .15
# Seconds of unvoiced frames that cut a phrase when there is no loudness
MIN_GAP = .04


class Syllable(NamedTuple):
    """Frames [start, stop) of a phrase; sounding_before and sounding_after
    say whether the voice goes on into it and out of it without stopping
    (a cut at a voiced dip), rather than after silence or an unvoiced gap"""
    start: int
    stop: int
    sounding_before: bool
    sounding_after: bool


def syllables(voiced, loudness, hop, swinging=None):
    """The syllables of one phrase, a list of Syllable in time order

    voiced (numpy.ndarray [shape=(frames,)], bool); loudness (dB, same
    shape, or None); hop in seconds; swinging (bool, same shape, or None):
    the frames inside a vibrato (vibrato.swinging).
    """
    count = len(voiced)
    if loudness is None:
        cuts = [(end, start, end - start) for end, start in _gaps(voiced)
                if (start - end) * hop >= MIN_GAP]
    else:
        cuts = dips(voiced, loudness, hop, swinging)
    shortest = levels.frames(levels.MIN_NOTE, hop)
    kept = []
    for end, start, _ in sorted(cuts, key=lambda cut: -cut[2]):
        bounds = sorted(kept + [(end, start)])
        edges = [0] + [value for pair in bounds for value in pair] + [count]
        if all(stop - begin >= shortest for begin, stop in zip(edges[::2], edges[1::2])):
            kept.append((end, start))
    edges = [0] + [value for pair in sorted(kept) for value in pair] + [count]
    voiced_cuts = {start for end, start in kept if end == start}
    return [Syllable(start, stop, start in voiced_cuts, stop in voiced_cuts)
            for start, stop in zip(edges[::2], edges[1::2])]


def _gaps(voiced):
    """[(first unvoiced frame, first voiced frame after)] inside a phrase"""
    edges = np.flatnonzero(np.diff(voiced.astype(int)))
    return [(int(a) + 1, int(b) + 1) for a, b in zip(edges[::2], edges[1::2])
            if not voiced[a + 1]]


def dips(voiced, loudness, hop, swinging=None):
    """[(end of syllable, start of the next, depth dB)] at each dip; inside
    a vibrato (`swinging` frames) a dip counts by how far it goes below
    the vibrato's own loudness swing"""
    window = max(1, int(round(DIP_WINDOW / hop)))
    found = []
    # Local minima, the middle of a flat one included
    minima = signal.find_peaks(-np.asarray(loudness, dtype=np.float64))[0]
    depths = np.array([min(loudness[max(0, minimum - window):minimum + 1].max(),
                           loudness[minimum:minimum + window + 1].max()) - loudness[minimum]
                       for minimum in minima])
    swing = _swing(minima, depths, swinging)
    for minimum, depth, usual in zip(minima, depths, swing):
        if depth - usual < STOP_DB:
            continue
        # Unvoiced frames within the dip: the voice stops there
        low = loudness <= loudness[minimum] + depth / 2
        first, last = minimum, minimum
        while first > 0 and low[first - 1]:
            first -= 1
        while last < len(low) - 1 and low[last + 1]:
            last += 1
        silent = np.flatnonzero(~voiced[first:last + 1]) + first
        if depth - usual < DIP_DB and not len(silent):
            continue
        if len(silent):
            found.append(_around(voiced, silent[0], silent[-1] + 1) + (float(depth),))
        else:
            found.append((int(minimum), int(minimum), float(depth)))
    return found


def _swing(minima, depths, swinging):
    """(minima,) dB: for each loudness minimum inside a run of swinging
    frames, the median depth of the minima of that run (the loudness swing
    of the vibrato, which rises and falls with its pitch as the partials
    cross the formants); 0 elsewhere"""
    swing = np.zeros(len(minima))
    if swinging is None or not len(minima):
        return swing
    for first, last in cycles.true_runs(np.asarray(swinging, bool)):
        inside = (minima >= first) & (minima < last)
        if inside.any():
            swing[inside] = np.median(depths[inside])
    return swing


def _around(voiced, end, start):
    """(end, start) moved out to the voiced frames on each side: after the
    last voiced frame before `end`, and the first voiced frame from `start`"""
    while end > 0 and not voiced[end - 1]:
        end -= 1
    while start < len(voiced) - 1 and not voiced[start]:
        start += 1
    return int(end), int(start)

