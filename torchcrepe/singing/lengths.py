"""Whether a reference's length fits a take's: check_span, cheap enough to
ask before any tracking (the command line asks once it has read each audio
file; singing.score warns with it too, as a ReferenceWarning).

    message = check_span(targets, seconds=42.5, timing='accompanied')

Times are seconds on the take's clock (the report's, the audio's).
"""
from __future__ import annotations

from . import track as tracks
from .targets import Rows, check_targets

# Timing modes singing.score accepts
TIMINGS = ('accompanied', 'free')

# The bounds. Accompanied: the reference is far longer than the take when
# it ends more than max(LONGER_SECONDS, LONGER_SHARE of the take) after
# the take's end: a start offset (up to 1 s, alignment.MAX_OFFSET) and a
# last note cut short by the recording's stop account for less. It is
# far shorter when it ends before SHORTER_SHARE of the take: more than
# half of what was recorded would come after the last target. Free: the
# times are only relative (the singer sets the tempo), so neither end is
# judged, only the count: above MAX_RATE target notes a second of take,
# each would get under 125 ms of the take on average, breaths and
# silences included, barely more than the shortest note the report finds
# (80 ms, notes.MIN_NOTE): no take sung at the singer's own tempo.
LONGER_SECONDS, LONGER_SHARE, SHORTER_SHARE = 2., .25, .5
MAX_RATE = 8.


class ReferenceWarning(UserWarning):
    """A reference whose length does not fit the take's (check_span)"""


def check_span(targets: Rows, seconds: float, timing: str = 'accompanied') -> str | None:
    """Why a reference does not fit a take, or None when it does

    Arguments
        targets (list of Target or (onset s, offset s, midi)): the notes
        seconds (float): the take's end on its clock (s): its duration
        timing ('accompanied' or 'free'): as singing.score takes it
    Returns
        None, or a message: for 'accompanied', the last target's offset
        more than max(LONGER_SECONDS, LONGER_SHARE * seconds) after the
        take's end ("far longer": those notes will be scored missed) or
        before SHORTER_SHARE * seconds ("far shorter": what is sung after
        it will be scored extra); for 'free', more than MAX_RATE * seconds
        target notes
    Raises
        ParameterError (a ValueError) naming `targets`, `seconds` or
        `timing`
    """
    targets = check_targets(targets, 'targets')
    if not tracks.is_number(seconds) or not 0 <= seconds < float('inf'):
        raise tracks.refusal(seconds)(
            f"seconds must be the take's duration in seconds (>= 0); got {seconds!r}")
    if timing not in TIMINGS:
        raise tracks.refusal(timing, str)(
            f"timing must be 'accompanied' or 'free'; got {timing!r}")
    if timing == 'free':
        if len(targets) <= MAX_RATE * seconds:
            return None
        return (f'the reference has far too many notes for the take: {len(targets)} '
                f'for {seconds:.1f} s, more than {MAX_RATE:g} a second; most will be '
                'scored missed')
    end = max(target.offset for target in targets)
    if end > seconds + max(LONGER_SECONDS, LONGER_SHARE * seconds):
        return (f'the reference is far longer than the take: it ends at {end:.1f} s, '
                f"the take at {seconds:.1f} s; notes past the take's end will be "
                'scored missed')
    if end < SHORTER_SHARE * seconds:
        return (f'the reference is far shorter than the take: it ends at {end:.1f} s, '
                f"before half of the take's {seconds:.1f} s; what is sung after it "
                'will be scored extra')
    return None

