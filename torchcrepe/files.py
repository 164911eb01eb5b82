"""Writing results: formats chosen by extension, never half-written.

Each extension has one layout, whichever function or mode writes it.

Track formats (a whole pitch track: a pitch file and a periodicity file in
one of these hold the same; folder mode writes only these):
- `.npz`: arrays `time` (frames,) float64 seconds (frame centres),
  `pitch` (frames,) float32 Hz, `periodicity` (frames,) float32, and
  `settings`, a 0-d string array holding the settings' JSON;
  `numpy.load(path)` reads it without pickle
- `.csv`: header `time,frequency,periodicity`, one row per frame: the time
  of the frame's centre in seconds, the pitch in Hz (empty where the
  frame is unvoiced: periodicity below the voicing threshold), and the
  periodicity
- `.json`: {"time": [...], "frequency": [... null where unvoiced ...],
  "periodicity": [...], plus the settings that made them}

One-tensor formats (the pitch in a pitch file, the periodicity in a
periodicity file):
- `.npy`: the (1, frames) array, as numpy.save writes it
- anything else (`.pt` ...): the (1, frames) tensor, torch.save'd, as 0.0.24

`read_track` reads any track format back. Embeddings take `.npy` or
torch.save.
"""
import contextlib
import errno
import json
import os
import tempfile

import numpy as np
import torch

from .utils import ParameterError


# Formats that hold a whole track (time, pitch, periodicity)
TRACK_FORMATS = ('.npz', '.csv', '.json')
ARRAY_FORMATS = ('.npy',)


def extension(path):
    return os.path.splitext(os.fspath(path))[1].lower()


###############################################################################
# Atomic writes
###############################################################################


def _umask():
    # os.umask can only be read by setting it; put it straight back
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path, mode='wb'):
    """Open a temporary file beside `path`; rename it onto `path` on success

    On any exception the temporary file is removed and `path` is untouched,
    so an existing file survives a failed run.

    Usage
        with atomic_write('out.csv', 'w') as file:
            file.write(...)
    """
    with staged([path]) as (temporary,):
        with open(temporary, mode, **_text_options(mode)) as file:
            yield file


@contextlib.contextmanager
def staged(paths):
    """Temporary paths beside `paths`, renamed onto them together on success

    Yields the temporary paths to write. If the block raises, every
    temporary file is removed and no target is touched.
    """
    temporaries = []
    try:
        for path in paths:
            temporaries.append(_temporary_beside(path))
        yield temporaries
        # A folder in the way would fail its rename after others succeeded
        for path in paths:
            if os.path.isdir(path):
                raise IsADirectoryError(errno.EISDIR, 'Is a directory',
                                        os.fspath(path))
        for temporary, path in zip(temporaries, paths):
            os.replace(temporary, path)
    except BaseException as error:
        for temporary in temporaries:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        renamed = _named_for_user(error, temporaries, paths)
        if renamed is None:
            raise
        raise renamed from None


def _temporary_beside(path):
    """A new empty file in `path`'s folder, with the usual permissions"""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(
            dir=directory, prefix=f'.{os.path.basename(path)}.', suffix='.tmp')
    except OSError as error:
        if error.errno is None:
            raise
        raise type(error)(error.errno, error.strerror, os.fspath(path)) from None
    os.close(handle)
    # mkstemp makes the file private; give it the usual permissions
    os.chmod(temporary, 0o666 & ~_umask())
    return temporary


def _named_for_user(error, temporaries, paths):
    """The same OSError naming the caller's path instead of our temporary
    file (which the caller never asked for and which is gone by now); None
    for any other error"""
    if not isinstance(error, OSError) or error.filename is None \
            or error.errno is None:
        return None
    for temporary, path in zip(temporaries, paths):
        if os.fspath(error.filename) == temporary:
            return type(error)(error.errno, error.strerror, os.fspath(path))
    return None


def _text_options(mode):
    return {} if 'b' in mode else {'encoding': 'utf-8', 'newline': ''}


###############################################################################
# Formats
###############################################################################


def save_tensor(tensor, path, target=None):
    """Save one tensor to `target` (default `path`) in the format of `path`

    `.npy` with numpy, anything else with torch.save.
    """
    target = path if target is None else target
    tensor = tensor.detach().cpu()
    if extension(path) in ARRAY_FORMATS:
        with open(target, 'wb') as file:
            np.save(file, tensor.numpy())
    else:
        with open(target, 'wb') as file:
            torch.save(tensor, file)


def save_track(kind, path, pitch, periodicity, times, voiced, metadata,
               target=None):
    """Save a pitch track to `target` (default `path`), by `path`'s extension

    Arguments
        kind (str): 'pitch' or 'periodicity', the tensor a .pt/.npy file holds
        pitch, periodicity (torch.tensor [shape=(1, frames)])
        times (numpy.ndarray [shape=(frames,)]): frame centres in seconds
        voiced (numpy.ndarray [shape=(frames,)], bool)
        metadata (dict): settings recorded in .json files
    """
    target = path if target is None else target
    suffix = extension(path)
    if suffix == '.npz':
        _write_npz(target, pitch, periodicity, times, metadata)
    elif suffix == '.csv':
        _write_csv(target, pitch, periodicity, times, voiced)
    elif suffix == '.json':
        _write_json(target, pitch, periodicity, times, voiced, metadata)
    else:
        save_tensor(pitch if kind == 'pitch' else periodicity, path, target)


def _columns(pitch, periodicity, voiced_):
    frequency = _float64(pitch)
    return np.where(voiced_, frequency, np.nan), _float64(periodicity)


def _float64(values):
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=np.float64).reshape(-1)


# The first line of a .csv pitch track (and of the live command line's output)
CSV_HEADER = 'time,frequency,periodicity\n'


def voiced(periodicity, threshold):
    """Which frames .csv/.json outputs show voiced: periodicity at or
    above the voicing threshold; (frames,) bool numpy array"""
    if isinstance(periodicity, torch.Tensor):
        periodicity = periodicity.detach().cpu().numpy()
    return np.asarray(periodicity).reshape(-1) >= threshold


def csv_rows(times, pitch, periodicity, voiced_):
    """The .csv lines of frames (each ending in a newline): time in
    seconds, pitch in Hz (empty where not `voiced_`), periodicity

    Arguments
        times (numpy.ndarray [shape=(frames,)])
        pitch, periodicity (torch.tensor or numpy.ndarray, frames values)
        voiced_ (numpy.ndarray [shape=(frames,)], bool)
    """
    frequency, periodicity = _columns(pitch, periodicity, voiced_)
    return ''.join(f"{time:.6f},{'' if np.isnan(hz) else f'{hz:.4f}'},{confidence:.6f}\n"
                   for time, hz, confidence in zip(times, frequency, periodicity))


def _write_csv(target, pitch, periodicity, times, voiced_):
    with open(target, 'w', **_text_options('w')) as file:
        file.write(CSV_HEADER)
        file.write(csv_rows(times, pitch, periodicity, voiced_))


def _write_json(target, pitch, periodicity, times, voiced, metadata):
    frequency, periodicity = _columns(pitch, periodicity, voiced)
    document = dict(metadata)
    document.update(
        time=[round(float(time), 6) for time in times],
        frequency=[None if np.isnan(hz) else round(float(hz), 4)
                   for hz in frequency],
        periodicity=[round(float(value), 6) for value in periodicity])
    with open(target, 'w', **_text_options('w')) as file:
        json.dump(document, file)
        file.write('\n')


def _write_npz(target, pitch, periodicity, times, metadata):
    with open(target, 'wb') as file:
        np.savez(file, time=np.asarray(times, dtype=np.float64),
                 pitch=_float32(pitch), periodicity=_float32(periodicity),
                 settings=np.array(json.dumps(metadata)))


def _float32(values):
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=np.float32).reshape(-1)


def read_track(path):
    """(time, pitch, periodicity) of a track file (.npz, .csv or .json),
    each a (frames,) numpy array: seconds, Hz (NaN where a .csv/.json
    shows the frame unvoiced), 0..1"""
    suffix = extension(path)
    if suffix == '.npz':
        with np.load(path) as arrays:
            return arrays['time'], arrays['pitch'], arrays['periodicity']
    with open(path, encoding='utf-8') as file:
        if suffix == '.json':
            document = json.load(file)
            return (np.array(document['time']),
                    np.array([np.nan if hz is None else hz
                              for hz in document['frequency']]),
                    np.array(document['periodicity']))
        if suffix != '.csv':
            raise ParameterError(f'path must be a track file '
                                 f'({", ".join(TRACK_FORMATS)}); got '
                                 f'{os.fspath(path)!r}')
        rows = [line.rstrip('\n').split(',') for line in file][1:]
    return tuple(np.array([float(row[column]) if row[column] else np.nan
                           for row in rows]) for column in range(3))
