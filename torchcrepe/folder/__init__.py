"""Folder mode: every audio file under a folder (or in a list) to one output
file each, resumable, on local worker processes or on Ray.

Its modules, bottom to top: base (the one place folder mode imports the
rest of torchcrepe from), listing (the files to do and their output
paths), profile (seconds per stage), reading (one file read and brought
to 16 kHz), batching (frames of several files sharing the network's
blocks, each file decoded on its own), task (Job, Record, Summary: a run
described), chunk (a chunk of files start to end, outputs written: the
one code path of every engine), pool (the local engine's worker
processes), ray_engine (the Ray engine and the Ray Data callable), driver
(one run: skip, log, summarise), api (predict_from_folder_to_folder).
Outputs are torchcrepe.files' track formats (.npz, .csv, .json).
"""
from .api import (ENGINE, ENGINES, FORMAT, FORMATS, Planned, execute, plan,
                  predict_from_folder_to_folder)
from .ray_engine import MAX_RESTARTS, MAX_TASK_RETRIES, PitchTracker
from .task import Summary

__all__ = ['ENGINE', 'ENGINES', 'FORMAT', 'FORMATS', 'MAX_RESTARTS',
           'MAX_TASK_RETRIES', 'PitchTracker', 'Planned', 'Summary', 'execute',
           'plan', 'predict_from_folder_to_folder']
