"""Labels that never overlap: a place for each, or none.

Pure geometry, so that the rule is testable without a renderer: a label is
a box (width, height) anchored at a point, with candidate offsets in order
of preference; place() gives each label, in order of importance, the first
candidate position whose box overlaps no box placed before it (nor any of
the `blocked` boxes) and lies inside the frame; a label with no such
position is dropped. Units are those of the caller (the picture uses
display pixels, measured by matplotlib's renderer).
"""
from typing import NamedTuple


class Box(NamedTuple):
    """An axis-aligned box: left, bottom, right, top"""
    left: float
    bottom: float
    right: float
    top: float

    def overlaps(self, other, margin=0.):
        """Whether the two boxes share area (touching edges do not),
        each grown by `margin` on every side"""
        return (self.left - margin < other.right + margin and
                other.left - margin < self.right + margin and
                self.bottom - margin < other.top + margin and
                other.bottom - margin < self.top + margin)

    def inside(self, frame):
        return (self.left >= frame.left and self.right <= frame.right and
                self.bottom >= frame.bottom and self.top <= frame.top)


def box(x, y, width, height):
    """The Box of a label centred horizontally on x, its bottom at y"""
    return Box(x - width / 2, y, x + width / 2, y + height)


def place(labels, frame, blocked=(), margin=2.):
    """Positions of labels, or None for those dropped

    labels: list of (x, y, width, height, offsets) in order of importance;
        (x, y) the anchor (the label's bottom centre), offsets a list of
        (dx, dy) tried in turn
    frame: Box every placed label must lie inside
    blocked: Boxes no label may cover
    margin: space kept between boxes
    Returns a list, one (x, y) bottom centre or None per label.
    """
    taken = list(blocked)
    result = []
    for x, y, width, height, offsets in labels:
        chosen = None
        for dx, dy in offsets:
            candidate = box(x + dx, y + dy, width, height)
            if candidate.inside(frame) and not any(
                    candidate.overlaps(other, margin) for other in taken):
                chosen = (x + dx, y + dy)
                taken.append(candidate)
                break
        result.append(chosen)
    return result
