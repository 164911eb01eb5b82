"""Live pitch: audio in as it is recorded, pitch out as frames become final.

`Tracker` (live.tracker) takes samples in pushes of any length and returns
each frame, as `Frames`, as soon as its pitch is final; concatenated, the
frames are `predict`'s for the whole recording.
"""
from .tracker import Frames, Tracker, checked_max_delay

__all__ = ['Frames', 'Tracker']
