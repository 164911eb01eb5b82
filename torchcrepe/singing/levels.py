"""The held pitches of a stretch of singing and the transitions between them.

Listeners hear a note where the pitch stays near one value, and a
transition (a slide, a portamento, a scoop) where it moves from one such
value to another; a pitch within a quarter tone of a note's pitch is heard
as that note (the boundary between semitone categories, and mir_eval's
50-cent pitch tolerance for sung notes, Molina et al. ISMIR 2014). The
pitch inside a real sung note is not flat: in the vocadito annotations the
middle 90 % of a note's f0 spans 30-100 cents (drift, scoops, wobble).

So a stretch of pitch (MIDI, vibrato taken out: vibrato.centre_line) is
explained as a sequence of *held parts* and *transitions*, the one of
least cost, found exactly by dynamic programming:
    a frame of a held part at level g costs |pitch - g| (cents)
    a frame of a transition costs HELD cents
    a held part lasts MIN_NOTE seconds or more and costs PART_COST more
so that a held part is a stretch of 80 ms or more whose pitch stays on
average within HELD (25) cents of one level (the band intonation.py calls
in tune): a steady note, a note that drifts or wobbles, a short note of a
fast run. A part whose straight line moves faster than GLIDE_SPEED is a
slice of a glide, not a held pitch: 4 semitones/s is the glissando
threshold of a 0.2 s tone (0.16 / T^2 semitones/s; 't Hart, Collier and
Cohen, "A perceptual study of intonation", 1990), below which a glide of
that length is heard as one pitch.
Consecutive held parts less than SPLIT semitones apart are one note (a
wobble or a dip in a held note, drift); a part SPLIT or more from its
neighbours is a note of its own, however short (down to MIN_NOTE).
Each note then reaches out over the frames next to it that lie within
ARRIVAL (a quarter tone) of its level: a note is *arrived at* where the
pitch comes within a quarter tone of it and *left* where it moves further
away; between the two is the transition (notes.Attack).
"""
from typing import NamedTuple

import numpy as np

# Cents a held part's pitch stays within of its level, on average
HELD = 25.
# Cents from a note's level within which a frame is heard as that note
ARRIVAL = 50.
# Cost of one held part, in cent-frames: a tie-breaker that prefers one
# part to two equal ones, far below what a real note saves
PART_COST = 20.
# Seconds a held part lasts at least: the shortest note (80 ms)
MIN_NOTE = .08
# Semitones between consecutive parts that make them separate notes
SPLIT = .75
# Grid of levels the parts are fitted on (cents)
GRID = 5.
# Seconds of the longest single part the search considers: a longer held
# pitch is explained as parts in a row (merged), which keeps the search
# linear in the length of the syllable
LONGEST = 1.
# Semitones per second: a held part whose straight line moves faster is a
# slice of a glide, not a held pitch ('t Hart's threshold at 0.2 s)
GLIDE_SPEED = .16 / .2 ** 2


class Part(NamedTuple):
    """A held part: frames [start, stop) held, its level (MIDI, the median
    of the pitch over them), and frames [first, last) it reaches out to
    (those next to it within ARRIVAL of its level: the note's extent)"""
    start: int
    stop: int
    level: float
    first: int
    last: int


def frames(seconds, hop):
    """Whole frames that last `seconds` at `hop`"""
    return int(np.ceil(seconds / hop - 1e-9))


def parts(midi, hop):
    """The held parts of a stretch of pitch (MIDI, (frames,), no NaN), in
    time order, consecutive ones SPLIT or more apart (a list of Part)"""
    midi = np.asarray(midi, dtype=np.float64)
    found = [(start, stop) for start, stop in _least_cost(
                 100 * midi, frames(MIN_NOTE, hop), frames(LONGEST, hop))
             if abs(_slope(midi[start:stop], hop)) <= GLIDE_SPEED]
    merged = []
    for start, stop in found:
        if merged and abs(np.median(midi[start:stop]) - merged[-1].level) < SPLIT:
            start = merged.pop().start
        merged.append(Part(start, stop, float(np.median(midi[start:stop])), start, stop))
    # Out to the frames within a quarter tone, up to the next note's part
    near = [np.abs(midi - part.level) <= ARRIVAL / 100 for part in merged]
    reached = []
    for index, part in enumerate(merged):
        first = part.start
        floor = reached[-1].last if reached else 0
        while first > floor and near[index][first - 1]:
            first -= 1
        last = part.stop
        ceiling = merged[index + 1].start if index + 1 < len(merged) else len(midi)
        while last < ceiling and near[index][last]:
            last += 1
        reached.append(part._replace(first=first, last=last))
    return reached


def _slope(midi, hop):
    """Semitones per second of the straight line fitted to a pitch"""
    return np.polyfit(np.arange(len(midi)) * hop, midi, 1)[0]


def _least_cost(cents, shortest, longest):
    """[(start, stop)] of the held parts of the least-cost explanation,
    each `shortest` to `longest` frames long (a longer held pitch is
    several parts in a row, merged by parts())"""
    count = len(cents)
    if count < shortest:
        return []
    grid = np.arange(cents.min(), cents.max() + GRID, GRID)
    excess = np.abs(cents[None, :] - grid[:, None])
    prefix = np.concatenate([np.zeros((len(grid), 1)), np.cumsum(excess, 1)], 1)
    transition = HELD
    best = np.full(count + 1, np.inf)
    best[0] = 0.
    came_from = np.zeros(count + 1, int)   # start of the part ending here, -1: a transition frame
    for stop in range(1, count + 1):
        best[stop], came_from[stop] = best[stop - 1] + transition, -1
        if stop >= shortest:
            first, starts = max(0, stop - longest), stop - shortest + 1
            # Only the levels within the range of the frames considered
            low = np.searchsorted(grid, cents[first:stop].min() - GRID)
            high = np.searchsorted(grid, cents[first:stop].max() + GRID) + 1
            costs = (prefix[low:high, stop, None] - prefix[low:high, first:starts]).min(0) + \
                best[first:starts]
            start = first + int(np.argmin(costs))
            if costs[start - first] + PART_COST < best[stop]:
                best[stop], came_from[stop] = costs[start - first] + PART_COST, start
    found, stop = [], count
    while stop > 0:
        if came_from[stop] < 0:
            stop -= 1
        else:
            found.append((int(came_from[stop]), stop))
            stop = int(came_from[stop])
    return found[::-1]
