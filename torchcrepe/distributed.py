"""Pitch tracking on Ray, by the names users import: `PitchTracker`, a
Ray Data callable for your own pipelines, and folder mode's retry limits
(see torchcrepe.folder.ray_engine). Needs `pip install 'torchcrepe[ray]'`.
"""
from .folder import MAX_RESTARTS, MAX_TASK_RETRIES, PitchTracker

__all__ = ['MAX_RESTARTS', 'MAX_TASK_RETRIES', 'PitchTracker']
