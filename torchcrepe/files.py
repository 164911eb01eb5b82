"""Writing results: formats chosen by extension, never half-written.

Pitch and periodicity files:
- `.npy`: the (1, frames) array, as numpy.save writes it
- `.csv`: header `time,frequency,periodicity`, one row per frame: the time
  of the frame's centre in seconds, the pitch in Hz (empty where the
  frame is unvoiced: periodicity below the voicing threshold), and the
  periodicity
- `.json`: {"time": [...], "frequency": [... null where unvoiced ...],
  "periodicity": [...], plus the settings that made them}
- anything else (`.pt` ...): the (1, frames) tensor, torch.save'd, as 0.0.24

Embeddings take `.npy` or torch.save.
"""
import contextlib
import json
import os
import tempfile

import numpy as np
import torch


TABLE_FORMATS = ('.csv', '.json')
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
            directory = os.path.dirname(os.path.abspath(path))
            handle, temporary = tempfile.mkstemp(
                dir=directory, prefix=f'.{os.path.basename(path)}.', suffix='.tmp')
            os.close(handle)
            temporaries.append(temporary)
            # mkstemp makes the file private; give it the usual permissions
            os.chmod(temporary, 0o666 & ~_umask())
        yield temporaries
        for temporary, path in zip(temporaries, paths):
            os.replace(temporary, path)
    except BaseException:
        for temporary in temporaries:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise


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
    if suffix == '.csv':
        _write_csv(target, pitch, periodicity, times, voiced)
    elif suffix == '.json':
        _write_json(target, pitch, periodicity, times, voiced, metadata)
    else:
        save_tensor(pitch if kind == 'pitch' else periodicity, path, target)


def _columns(pitch, periodicity, voiced):
    frequency = pitch.detach().cpu().double().numpy().reshape(-1)
    return (np.where(voiced, frequency, np.nan),
            periodicity.detach().cpu().double().numpy().reshape(-1))


def _write_csv(target, pitch, periodicity, times, voiced):
    frequency, periodicity = _columns(pitch, periodicity, voiced)
    with open(target, 'w', **_text_options('w')) as file:
        file.write('time,frequency,periodicity\n')
        for time, hz, confidence in zip(times, frequency, periodicity):
            hz = '' if np.isnan(hz) else f'{hz:.4f}'
            file.write(f'{time:.6f},{hz},{confidence:.6f}\n')


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
