"""The paths a caller gives us: lists checked, outputs kept off the inputs.

Every multi-file entry point (the `*_to_file*` functions and the command
line's file mode) checks its paths here before any work starts, so that
- a string where a list of paths is due is refused, not read character
  by character;
- lists that go together have one entry per audio file;
- no output is an input of the same run (it would overwrite the audio)
  and no two outputs are the same file (the second would overwrite the
  first), whatever spelling, symlink or hard link names them;
- an output can be written: it is not a folder, its folder exists.

Each refusal is a ParameterError (or FileNotFoundError for a missing
folder) whose message names the argument, as the caller spelled it
(`output_pitch_files[1]`, `--output_files`).
"""
import dataclasses
import errno
import os

from .utils import ParameterError, ParameterTypeError


@dataclasses.dataclass(frozen=True)
class Named:
    """One path and how messages name it, e.g. `output_pitch_files[1]`"""
    path: object
    argument: str

    def __str__(self):
        return f'{self.argument} {os.fspath(self.path)!r}'


def file_list(value, argument, allow_none=False):
    """The paths of a list argument, as a list

    Arguments
        value: a list or tuple (or other iterable) of str or os.PathLike
        argument (str): how messages name it
        allow_none (bool): whether an entry may be None (no such output)

    Raises ParameterError for a single path, a non-iterable, or an entry
    that is not a path.
    """
    if isinstance(value, (str, bytes, os.PathLike)):
        raise ParameterTypeError(
            f'{argument} must be a list of paths, not one path; got '
            f'{value!r} (wrap it in a list: [{value!r}])')
    try:
        paths = list(value)
    except TypeError:
        raise ParameterTypeError(f'{argument} must be a list of paths; got '
                             f'{type(value).__name__}') from None
    for index, path in enumerate(paths):
        single(path, f'{argument}[{index}]', allow_none)
    return paths


def single(value, argument, allow_none=False):
    """One path argument: str or os.PathLike (or None if allowed)"""
    if value is None and allow_none:
        return None
    if not isinstance(value, (str, os.PathLike)) or not os.fspath(value):
        kind = ParameterError if isinstance(value, (str, os.PathLike)) else ParameterTypeError
        raise kind(f'{argument} must be a path (str or os.PathLike)'
                   + (' or None' if allow_none else '') + f'; got {value!r}')
    return value


def one_per_file(paths, count, argument):
    """Refuse a list whose length is not `count`, the number of audio
    files"""
    if len(paths) != count:
        raise ParameterError(
            f'{argument} needs one path per audio file: got {len(paths)} for '
            f'{count} audio files')
    return paths


def one_or_per_file(paths, count, argument):
    """A tuple of `count` entries, one per audio file: `paths` itself, or
    its one entry for every file; refuses any other length"""
    if len(paths) not in (1, count):
        raise ParameterError(
            f'{argument} needs one file for all audio files or one per audio '
            f'file: got {len(paths)} for {count} audio files')
    return tuple(paths) * count if len(paths) == 1 else tuple(paths)


def named(paths, argument, plural=True):
    """[Named] of the entries of `paths` that are not None"""
    if not plural:
        return [Named(path, argument) for path in paths if path is not None]
    return [Named(path, f'{argument}[{index}]')
            for index, path in enumerate(paths) if path is not None]


def identities(path):
    """What tells two spellings of one file apart from two files: the
    resolved path and, where the file exists, its (device, inode), which
    also catches hard links. Two paths name one file if they share any."""
    path = os.fspath(path)
    keys = [('path', os.path.normcase(os.path.realpath(path)))]
    try:
        status = os.stat(path)
        keys.append(('inode', status.st_dev, status.st_ino))
    except (OSError, ValueError):
        pass
    return keys


def check_outputs(inputs, outputs):
    """Refuse outputs that are inputs of the run or each other

    Arguments
        inputs ([Named]): the files the run reads
        outputs ([Named]): the files the run writes

    Raises ParameterError naming both arguments, before any work.
    """
    read = {}
    for source in inputs:
        for key in identities(source.path):
            read.setdefault(key, source)
    written = {}
    for target in outputs:
        keys = identities(target.path)
        for key in keys:
            if key in read:
                raise ParameterError(
                    f'{target} is the input {read[key]}: writing it would '
                    'destroy the audio; give the output another path')
            if key in written:
                raise ParameterError(
                    f'{target} and {written[key]} are the same file: the '
                    'second would overwrite the first; give each output its '
                    'own path')
        for key in keys:
            written[key] = target


def output_file(path: object, argument: str = 'path') -> str:
    """One output path as a str, checked as `check_writable` does

    Raises ParameterError naming `argument` for what is not a non-empty
    str or os.PathLike; otherwise as `check_writable`.
    """
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if not isinstance(path, str) or not path:
        raise (ParameterError if isinstance(path, str) else ParameterTypeError)(
            f'{argument} must be a file path (str or os.PathLike); got {path!r}')
    check_writable([Named(path, argument)])
    return path


# What a path naming a folder may end in
SEPARATORS = tuple(filter(None, (os.sep, os.altsep)))


def check_writable(outputs):
    """Refuse outputs that are folders or whose folder does not exist

    Arguments
        outputs ([Named])

    Raises ParameterError for a folder (or a path ending in a separator);
    FileNotFoundError / NotADirectoryError when the folder is missing or
    is a file, with the caller's path as the error's filename. Each
    message names the argument and the path the caller gave.
    """
    for target in outputs:
        path = os.fspath(target.path)
        if os.path.isdir(path) or path.endswith(SEPARATORS):
            raise ParameterError(f'{target} is a folder: {target.argument} '
                                 'must name a file, not a folder')
        folder = os.path.dirname(os.path.abspath(path))
        if os.path.isdir(folder):
            continue
        if os.path.exists(folder):
            kind, code, problem = NotADirectoryError, errno.ENOTDIR, 'is not a folder'
        else:
            kind, code, problem = FileNotFoundError, errno.ENOENT, 'does not exist'
        raise kind(code, f'{target}: its folder {folder!r} {problem}', path)
