"""Where each target note was sung: the alignment of targets to the
singing that singing.scoring's score() runs.

How the targets are aligned to the singing
------------------------------------------
The alignment works on *units*: stretches of the pitch track, not only
the report's notes. Each report note is one unit, cut again wherever the
pitch track shows a possible re-attack that the note segmentation did not
take as a new note: a dropout of the voicing (an unvoiced consonant) or a
loudness dip of WEAK_DIP_DB or more (a voiced one). A target starts at the
onset of one unit and may take the units after it that continue its pitch,
so that

- a note the report split in two is one sung note again (the second unit
  continues the first at no cost);
- two targets of the same pitch that the report merged into one note (a
  repeat sung with only a short consonant between) find their own onsets
  at the cut inside it;
- a unit that fits no target is an *extra* note (a repeated or corrected
  note, a count-in), and a target no unit fits is *missed*.

A dynamic programme over (target, unit) finds the cheapest such
assignment, targets and units both in time order. The costs (no unit):

- a unit starting target i: pitch(d) + timing + CUT_COST for a start at a
  cut inside a note (0 at a report note's onset), where d is the distance
  in semitones from the unit's pitch to the target's after transposition,
  folded to the nearest octave (an octave error adds OCTAVE_COST):
  pitch(d) = min(d, 3) ** 2 / 3 (a quarter tone 0.02, a semitone 0.33, a
  whole tone 1.33);
- a unit continuing target i: CONTINUE_SHARE * pitch(d), weighted by the
  unit's length up to FULL_UNIT seconds;
- a unit left extra: EXTRA_COST weighted the same way (a 40 ms blip costs
  little, a held note the full EXTRA_COST), plus EXTRA_FLOOR;
- a target missed: MISS_COST.

A wrong note sung in the right place (up to about 3 semitones off) is thus
a sung note with a large cents error, not a miss and an extra. Timing adds
TIMING_WEIGHT per second the unit's onset lies beyond TIMING_SLACK seconds
from where the time map expects the target:

- timing='accompanied': the map is target time + offset at first. The
  offset (within +-MAX_OFFSET s, in steps of the hop) is the one at
  which the most voiced frames round to the pitch class of the target
  sounding then (classes, so that an octave error does not mislead it). After a first alignment the
  map is refitted as a straight line through the matched onsets (a robust
  fit: offset and a slowly drifting lag), and the alignment runs again;
- timing='free': the targets' durations are only relative. The first map
  stretches the targets over the sung span with a weak timing weight, so
  that pitch and order decide; it is then refitted through the matched
  onsets piece by piece (the singer's own tempo and rubato) and the
  alignment runs again.

The second run also follows the singer's own pitch drift: each target's
pitch is compared after the running median (over LOCAL_NOTES matched notes
each side) of the cents error around it, clipped to +-LOCAL_LIMIT
semitones, so that a sight-singer who sinks a semitone over the take still
lines up note by note. The reported cents_error is always against the
target after the take's one integer transposition.

transpose='auto' tries the shifts whose pitch-class profile (semitone
classes of the units weighted by length, against the targets' weighted by
duration) correlates best (in accompanied mode: the one the offset search
finds best), runs the first alignment for each and keeps the cheapest.
After the second alignment the reported transposition is the rounded
median of sung minus written pitch over the aligned notes: the integer
key shift an annotator gives a take. The second alignment only looks at
units within REACH seconds of where the refitted map expects each target,
which keeps a 5-minute take against 1,000 targets well under a second.

Why units rather than a frame-by-frame DTW: the onsets then come from
the note segmentation and its re-attack cues (what a listener marks), not
from where a frame path happens to change state, which on same-pitch
repeats is arbitrary; and a take of 5 minutes has a few thousand units
against 30,000 frames, which keeps scoring well under a second.

Times are seconds on the report's clock, pitches fractional MIDI numbers
under the report's tuning.
"""
import warnings
from typing import NamedTuple

import numpy as np
from scipy import signal


# Largest start offset (s) searched in accompanied mode
MAX_OFFSET = 1.

# Alignment costs (see the module docstring). A miss plus a held extra
# (3.0) equals the pitch cost of a note 3 semitones off: wrong notes up to
# there are sung notes with a large error
MISS_COST = 1.5
EXTRA_COST = 1.2
EXTRA_FLOOR = .3
CONTINUE_SHARE = .7
# A unit this long (s) or longer weighs fully as an extra or continuation
FULL_UNIT = .3
# A target starting at a cut inside a report note, rather than at a note's
# onset: the report did not see a new note there
CUT_COST = .6
# Semitones beyond which a wrong note costs no more
PITCH_CAP = 3.
# An octave error: costlier than the right octave, far cheaper than a miss
OCTAVE_COST = .5
# Timing cost: per second beyond the slack
TIMING_SLACK = {'accompanied': .15, 'free': .4}
TIMING_WEIGHT = {'accompanied': 6., 'free': 1.}
# The second alignment considers only units within this many seconds of
# where the refitted time map expects each target: beyond it the timing
# cost alone exceeds a miss and an extra
REACH = {'accompanied': 2.5, 'free': 4.}
# The first free-timing alignment trusts the stretched map little
FREE_FIRST_SLACK = 2.
FREE_FIRST_WEIGHT = .2
# Inside a note, a loudness minimum this many dB below the loudest frame on
# each side within DIP_WINDOW s may be a re-attack (the report's own notes
# take only articulation.DIP_DB, 8 dB: this lets the alignment use the
# shallower ones where a target needs them)
WEAK_DIP_DB = 3.
DIP_WINDOW = .15
# Units shorter than this (s) are joined to the one before them
MIN_UNIT = .04
# Pitch-drift following in the second alignment
LOCAL_NOTES = 4
LOCAL_LIMIT = .7

###############################################################################
# Units: the report's notes, cut again at possible re-attacks
###############################################################################


class Units(NamedTuple):
    """The stretches the alignment assigns, each (units,)

    onset, offset (s); midi (fractional MIDI, its pitch); weight (0..1,
    its length up to FULL_UNIT); cut (bool: starts inside a report note);
    note (int: index of its report note); first, last (frames [first, last))
    """
    onset: np.ndarray
    offset: np.ndarray
    midi: np.ndarray
    weight: np.ndarray
    cut: np.ndarray
    note: np.ndarray
    first: np.ndarray
    last: np.ndarray


def _candidates(track):
    """Sorted frames of the whole track where a note may be re-attacked:
    the first voiced frame after each unvoiced run, and each loudness
    minimum WEAK_DIP_DB below the loudest frame on each side within
    DIP_WINDOW s (found once for the track, not per note)"""
    voiced = track.voiced
    found = [np.flatnonzero(~voiced[:-1] & voiced[1:]) + 1]
    if track.loudness is not None and len(voiced) > 2:
        window = max(1, int(round(DIP_WINDOW / track.hop)))
        # A flat stretch of loudness (digital silence) is a minimum of no
        # prominence, which find_peaks warns about and then leaves out
        with warnings.catch_warnings():
            warnings.filterwarnings('ignore', 'some peaks have a prominence of 0')
            found.append(signal.find_peaks(-track.loudness, prominence=WEAK_DIP_DB,
                                           wlen=2 * window + 1)[0])
    return np.unique(np.concatenate(found))


def _cuts(track, note, candidates):
    """Frames (from the note's first) inside a note where it may be
    re-attacked, at least MIN_UNIT from each other and from its ends"""
    first, last = note.first, note.last
    inside = candidates[np.searchsorted(candidates, first, 'right'):
                        np.searchsorted(candidates, last, 'left')] - first
    shortest = max(1, int(round(MIN_UNIT / track.hop)))
    kept, previous = [], 0
    for cut in inside:
        # The first cut needs voiced frames before it inside the note
        if cut - previous >= shortest and (last - first) - cut >= shortest \
                and track.voiced[first:first + cut].any():
            kept.append(int(cut))
            previous = cut
    return kept


def units_of(report, span=None, track=None):
    """Units (see Units) of a report's notes whose onsets lie within span
    (start s, end s) or all; track: the report's track, or the same moved
    to another tuning"""
    shift = 0. if track is None else float(np.nanmedian(track.midi - report.track.midi)) \
        if report.track.voiced.any() else 0.
    track = report.track if track is None else track
    candidates = _candidates(track)
    rows = []
    for index, note in enumerate(report.notes):
        if span is not None and not span[0] <= note.onset <= span[1]:
            continue
        cuts = [] if note.glide else _cuts(track, note, candidates)
        bounds = [0] + cuts + [note.last - note.first]
        for part, (start, stop) in enumerate(zip(bounds, bounds[1:])):
            first, last = note.first + start, note.first + stop
            onset = note.onset if part == 0 else track.start + track.hop * (first - .5)
            offset = note.offset if stop == bounds[-1] else track.start + track.hop * (last - .5)
            if len(bounds) == 2:
                midi = note.midi + shift
            else:
                held = note.held[start:stop] & track.voiced[first:last]
                frames = track.midi[first:last][held if held.any() else track.voiced[first:last]]
                midi = float(np.median(frames)) if len(frames) else note.midi
            rows.append((onset, offset, midi, part > 0, index, first, last))
    if not rows:
        empty = np.zeros(0)
        return Units(empty, empty, empty, empty, empty.astype(bool), empty.astype(int),
                     empty.astype(int), empty.astype(int))
    onset, offset, midi, cut, note, first, last = map(np.array, zip(*rows))
    weight = np.clip((offset - onset) / FULL_UNIT, 0., 1.)
    return Units(onset, offset, midi, weight, cut.astype(bool), note.astype(int),
                 first.astype(int), last.astype(int))


###############################################################################
# The alignment
###############################################################################


def octave_fold(difference):
    """(`difference` in semitones moved by whole octaves to within -6..6,
    the octaves moved): the error of a note sung in another octave"""
    octave = np.round(difference / 12.)
    return difference - 12. * octave, octave


def _pitch_cost(difference):
    """Cost of a pitch `difference` in semitones, octave errors folded"""
    remainder, octave = octave_fold(difference)
    return np.minimum(np.abs(remainder), PITCH_CAP) ** 2 / 3. + OCTAVE_COST * (octave != 0)


def align(units, target_midi, expected, slack, weight, reach=None):
    """The cheapest assignment of units to targets (module docstring)

    units: Units; target_midi (targets,): MIDI each target should be sung
    at (transposed, drift followed); expected (targets,): sung onset (s)
    the time map expects; slack, weight: the timing cost's; reach (s or
    None): only units whose onsets lie within reach of expected may start
    or continue a target (a band that keeps long takes fast; None: all).
    Returns (cost, start (targets,) first unit or -1, stop (targets,)
    one past the last unit).

    Row by row over the targets, each row a few numpy operations over the
    units: a run of units k..j costs its start at k plus the
    continuations k+1..j, a cumulative sum whose running minimum gives
    the best k for every j at once; the extras after a closed row are the
    same trick with the extras' cumulative sum.
    """
    count, width = len(target_midi), len(units.onset)
    extra = EXTRA_FLOOR + EXTRA_COST * units.weight
    level = np.concatenate([[0.], np.cumsum(extra)])
    best = level.copy()
    # Per target: the best start of a run ending at each unit, and how
    # the closed row was reached
    starts = np.zeros((count, width), np.int32)
    closed = np.zeros((count, width + 1), np.int32)
    columns = np.arange(width + 1)
    cut = CUT_COST * units.cut
    if reach is None:
        low, high = np.zeros(count, int), np.full(count, width)
    else:
        low = np.searchsorted(units.onset, expected - reach, 'left')
        high = np.searchsorted(units.onset, expected + reach, 'right')
    for index in range(count):
        lo, hi = low[index], high[index]
        missed = best + MISS_COST
        ends = missed.copy()
        source = np.zeros(width + 1, bool)
        if hi > lo:
            onset, weights = units.onset[lo:hi], units.weight[lo:hi]
            pitch = _pitch_cost(units.midi[lo:hi] - target_midi[index])
            timing = weight * np.maximum(np.abs(onset - expected[index]) - slack, 0.)
            start = best[lo:hi] + pitch + timing + cut[lo:hi]
            # run[j]: target `index` sung over units k..j, the cheapest k
            carry = np.cumsum(CONTINUE_SHARE * pitch * weights)
            shifted = start - carry
            running = np.minimum.accumulate(shifted)
            starts[index, lo:hi] = lo + np.maximum.accumulate(
                np.where(shifted <= running, columns[:hi - lo], 0))
            run = running + carry
            better = run <= missed[lo + 1:hi + 1]
            ends[lo + 1:hi + 1] = np.where(better, run, missed[lo + 1:hi + 1])
            source[lo + 1:hi + 1] = better
        # A closed row: reached at some column c <= j, then extras to j
        shifted = ends - level
        running = np.minimum.accumulate(shifted)
        column = np.maximum.accumulate(np.where(shifted <= running, columns, 0))
        best = running + level
        # closed[index, j] = c * 2 + (1 if the target ended at unit c - 1)
        closed[index] = column * 2 + source[column]
    cost = float(best[-1])
    start_of, stop_of = np.full(count, -1), np.zeros(count, int)
    column = width
    for index in range(count - 1, -1, -1):
        reached = closed[index, column]
        column, matched = reached // 2, reached % 2
        stop_of[index] = column
        if matched:
            start_of[index] = starts[index, column - 1]
            column = start_of[index]
    return cost, start_of, stop_of


def offset_search(track, targets, transposes):
    """(offset s, transpose) at which the most voiced frames lie within a
    semitone (pitch classes) of the target sounding then; offsets within
    +-MAX_OFFSET in steps of the hop, transposes from `transposes`"""
    times = track.times()
    voiced = np.flatnonzero(track.voiced)
    # A few thousand frames are plenty for a count
    voiced = voiced[::max(1, len(voiced) // 3000)]
    times, sung = times[voiced], track.midi[voiced]
    onsets = np.array([target.onset for target in targets])
    offsets = np.array([target.offset for target in targets])
    pitches = np.array([target.midi for target in targets])
    steps = int(round(MAX_OFFSET / track.hop))
    shifts = np.arange(-steps, steps + 1) * track.hop
    counts = np.zeros((len(shifts), 12))
    for row, shift in enumerate(shifts):
        moved = times - shift
        index = np.searchsorted(onsets, moved, side='right') - 1
        inside = (index >= 0)
        inside[inside] &= moved[inside] < offsets[index[inside]]
        if inside.any():
            difference = np.round(sung[inside] - pitches[index[inside]]) % 12
            counts[row] = np.bincount(difference.astype(int), minlength=12)
    allowed = sorted({int(value) % 12 for value in transposes})
    masked = np.full_like(counts, -1.)
    masked[:, allowed] = counts[:, allowed]
    row, column = np.unravel_index(np.argmax(masked), masked.shape)
    # Among equal counts, the offset nearest 0
    ties = np.flatnonzero(masked[:, column] == masked[row, column])
    row = ties[np.argmin(np.abs(shifts[ties]))]
    return float(shifts[row]), int(column)


def class_candidates(units, targets, count=3):
    """Up to `count` transpositions mod 12 whose pitch-class profiles
    match best (units by weight, targets by duration)"""
    sung = np.zeros(12)
    np.add.at(sung, np.round(units.midi).astype(int) % 12, units.weight)
    wanted = np.zeros(12)
    for target in targets:
        wanted[int(round(target.midi)) % 12] += target.offset - target.onset
    scores = [float(np.dot(np.roll(wanted, shift), sung)) for shift in range(12)]
    return list(np.argsort(scores)[::-1][:count])


def octave_of(shift, units, targets):
    """shift (mod 12) moved by octaves to the median register difference"""
    sung = np.median(np.repeat(units.midi, 1 + (10 * units.weight).astype(int)))
    wanted = np.median([target.midi for target in targets])
    return int(shift + 12 * octave_fold(sung - wanted - shift)[1])


def fit_line(x, y):
    """(intercept, slope) of a robust straight line y = a + b x: least
    squares, refitted without points beyond 3 median deviations"""
    if len(x) == 1:
        return float(y[0] - x[0]), 1.
    keep = np.ones(len(x), bool)
    for _ in range(3):
        slope, intercept = np.polyfit(x[keep], y[keep], 1)
        residual = np.abs(y - intercept - slope * x)
        spread = max(1.4826 * np.median(residual[keep]), .02)
        new = residual <= 3 * spread
        if new.sum() < 2 or (new == keep).all():
            break
        keep = new
    return float(intercept), float(slope)


def local_pitch(errors, matched):
    """(targets,) semitones: the running median of the matched notes'
    folded pitch errors (LOCAL_NOTES each side), clipped to LOCAL_LIMIT"""
    result = np.zeros(len(errors))
    found = np.flatnonzero(matched)
    if len(found) < 2 * LOCAL_NOTES:
        return result
    values = errors[found]
    local = np.array([np.median(values[max(0, k - LOCAL_NOTES):k + LOCAL_NOTES + 1])
                      for k in range(len(found))])
    result = np.interp(np.arange(len(errors)), found, local)
    return np.clip(result, -LOCAL_LIMIT, LOCAL_LIMIT)
