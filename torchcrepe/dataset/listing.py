"""Which files folder mode processes, and where each one's output goes.

The listing is a stream: one directory's entries are held at a time, so
memory does not grow with the number of files. Directories and files are
visited in sorted order, so every run sees the same sequence.
"""
import dataclasses
import hashlib
import os


# The extensions load.audio reads: WAV with scipy, the rest with soundfile
AUDIO_EXTENSIONS = ('.wav', '.wave', '.flac', '.ogg', '.oga', '.opus',
                    '.mp3', '.aif', '.aiff', '.aifc', '.au')

# Output formats: npz (default) holds time, pitch, periodicity and the
# settings; see outputs.py for the others
FORMATS = ('npz', 'npy', 'csv', 'json', 'pt')


@dataclasses.dataclass(frozen=True)
class Item:
    """One input file

    path: where to read it; relative: its name under the input root (posix
    separators), which names its output and seeds its dither
    """
    path: str
    relative: str


def seed_from(relative):
    """The dither seed of a file: a 63-bit integer from its relative path

    Stable across processes, machines and Python versions (unlike hash()).
    """
    digest = hashlib.sha256(relative.encode('utf-8')).digest()
    return int.from_bytes(digest[:8], 'little') & (2 ** 63 - 1)


def output_path(output_dir, relative, format):
    """OUT/relative with the audio extension replaced by the format's"""
    stem = os.path.splitext(relative)[0]
    return os.path.join(output_dir, *stem.split('/')) + '.' + format


def is_audio(name):
    return (os.path.splitext(name)[1].lower() in AUDIO_EXTENSIONS
            and not name.startswith('.'))


def walk(audio_dir, skip=None):
    """Items of every audio file under audio_dir, recursively, in sorted order

    Arguments
        audio_dir (str): the root
        skip (str or None): a directory not to descend into (the output
            directory, when it lies inside the input)
    """
    skip = None if skip is None else os.path.realpath(skip)
    pending = ['']
    while pending:
        relative_dir = pending.pop()
        directory = os.path.join(audio_dir, relative_dir)
        try:
            with os.scandir(directory) as entries:
                entries = sorted(entries, key=lambda entry: entry.name)
        except OSError:
            continue
        subdirectories = []
        for entry in entries:
            relative = f'{relative_dir}/{entry.name}' if relative_dir else entry.name
            if entry.is_dir():
                if skip is None or os.path.realpath(entry.path) != skip:
                    subdirectories.append(relative)
            elif is_audio(entry.name):
                yield Item(entry.path, relative)
        # Reversed onto a stack, so that they are visited in sorted order
        pending.extend(reversed(subdirectories))


def manifest(audio_list):
    """Items of the files named in a text file, one path a line

    Blank lines and lines starting with '#' are ignored. Relative paths are
    relative to the list's directory and keep that relative path under OUT;
    an absolute path keeps its whole path (less the root) under OUT. A
    line with a '..' component yields an Item whose relative name starts
    with '..', which the runner reports as a failure.
    """
    base = os.path.dirname(os.path.abspath(audio_list))
    with open(audio_list, encoding='utf-8') as lines:
        for line in lines:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            path = os.path.normpath(os.path.join(base, line))
            if os.path.isabs(line):
                relative = os.path.normpath(line)
                relative = os.path.splitdrive(relative)[1].lstrip(os.sep)
            else:
                relative = os.path.normpath(line)
            yield Item(path, relative.replace(os.sep, '/'))


def first(items):
    """(the first item or None, an iterator over all items again)"""
    items = iter(items)
    head = next(items, None)
    if head is None:
        return None, iter(())

    def again():
        yield head
        yield from items
    return head, again()
