"""Which files folder mode processes, and where each one's output goes.

The listing is a stream: one directory's entries are held at a time, so
memory does not grow with the number of files. Directories and files are
visited in sorted order, so every run sees the same sequence.

No real file is listed twice and no walk is infinite, whatever the links
(the rules are `walk`'s and `manifest`'s docstrings):

- `walk` follows symbolic links, each real directory at most once. A link
  to a directory that holds it (`ln -s . loop`) is a symlink loop: a
  failure of that entry, never followed. A link to a directory inside the
  tree is left out (the directory is walked under its own name); a link
  to a directory outside it is walked once, under the link's name. A file
  reached twice (through a link, or a hard link) is listed at its first
  path only. A link that leads nowhere is a failure of that entry.
- `manifest` lists each file once, at its first line, however its later
  lines spell it.

Entries come as `Item` (a file to process; with `error` set, an entry the
listing refuses, which the run reports as a failure) or `LeftOut` (a name
of something listed elsewhere: not processed, not counted, one warning
line).
"""
import dataclasses
import errno
import hashlib
import os
import stat as stat_module


# The extensions load.audio reads: WAV with scipy, the rest with soundfile
AUDIO_EXTENSIONS = ('.wav', '.wave', '.flac', '.ogg', '.oga', '.opus',
                    '.mp3', '.aif', '.aiff', '.aifc', '.au')

# Item.error of the entries the listing refuses
SYMLINK_LOOP = 'SymlinkLoop'
DANGLING_SYMLINK = 'DanglingSymlink'


@dataclasses.dataclass(frozen=True)
class Item:
    """One input file

    path: where to read it; relative: its name under the input root (posix
    separators), which names its output and seeds its dither. error and
    message: None for a file to process; else the listing refuses the
    entry (SYMLINK_LOOP, DANGLING_SYMLINK, or the type name of the OSError
    that kept a directory from being read) and the run records it as a
    failure without reading it.
    """
    path: str
    relative: str
    error: str = None
    message: str = None


@dataclasses.dataclass(frozen=True)
class LeftOut:
    """An entry naming a file or folder listed under another name: it is
    not processed and not counted; `reason` says why, for a warning line"""
    path: str
    relative: str
    reason: str


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

    A folder's files come first, then its subfolders, each in name order.

    Symbolic links are followed, but no real directory is walked twice and
    no real file is listed twice, so the walk always ends:
    - a link to a directory that holds the link (itself, its parent, any
      ancestor, or an ancestor of audio_dir) is a symlink loop: an Item
      with error SYMLINK_LOOP, naming the link; it is not followed;
    - a link to a directory inside audio_dir: LeftOut, that directory is
      walked under its own name (whatever the sorted order);
    - a link to a directory outside audio_dir: walked under the link's
      name. Its identity (st_dev, st_ino) is kept, as every walked
      directory's is, so a second path to it (another link, or a link to
      a folder inside one already walked) is LeftOut: the first path in
      the walk's order wins;
    - a link to a file the walk lists under its own name (inside audio_dir,
      or in a directory walked through a link): LeftOut; a link to another
      file is listed under the link's name, and a later path to the same
      file (another link, a hard link, the real name in a directory walked
      later) is LeftOut: the first path wins;
    - a link that cannot be resolved (dangling, or links that lead round
      in a circle): an Item with error DANGLING_SYMLINK or SYMLINK_LOOP,
      unless its name marks it as something folder mode would not read
      (hidden, or an extension not in AUDIO_EXTENSIONS), which is ignored
      as such a file is;
    - a directory that cannot be read: an Item with the OSError's type name
      as error (e.g. 'PermissionError'), naming the directory.

    Memory: the identities of the walked directories, and of the files that
    may be reached twice (reached through a file link, or with several hard
    links), not of every file.

    Arguments
        audio_dir (str): the root
        skip (str or None): a directory not to descend into (the output
            directory, when it lies inside the input), nor through a link
    """
    return _Walk(audio_dir, skip).items()


class _Walk:
    """One walk's state: the directories and linked files seen so far"""

    def __init__(self, audio_dir, skip):
        self.audio_dir = audio_dir
        self.root = os.path.realpath(audio_dir)
        self.skip = None if skip is None else os.path.realpath(skip)
        self.directories = {}  # (st_dev, st_ino): relative path walked
        self.files = {}        # (st_dev, st_ino): relative path listed

    def items(self):
        try:
            self.directories[_identity(os.stat(self.audio_dir))] = '.'
        except OSError:
            pass  # reported below, when scandir fails too
        pending = [('', self.root)]  # (relative path, real path)
        while pending:
            relative_dir, here = pending.pop()
            directory = os.path.join(self.audio_dir, relative_dir)
            try:
                with os.scandir(directory) as entries:
                    entries = sorted(entries, key=lambda entry: entry.name)
            except OSError as error:
                yield Item(directory, relative_dir or '.', type(error).__name__,
                           f'directory {directory!r} cannot be read '
                           f'({error.strerror or error}); its files were not '
                           'listed')
                continue
            subdirectories = []
            for entry in entries:
                relative = f'{relative_dir}/{entry.name}' if relative_dir else entry.name
                listed, subdirectory = self.entry(entry, relative, here)
                if listed is not None:
                    yield listed
                if subdirectory is not None:
                    subdirectories.append(subdirectory)
            # Reversed onto a stack, so that they are visited in sorted order
            pending.extend(reversed(subdirectories))

    def entry(self, entry, relative, here):
        """(Item, LeftOut or None; (relative, real path) of a directory to
        walk, or None)"""
        if entry.is_symlink():
            return self.link(entry, relative, here)
        if entry.is_dir(follow_symlinks=False):
            real = os.path.join(here, entry.name)
            if real == self.skip:
                return None, None
            try:
                status = entry.stat(follow_symlinks=False)
            except OSError:  # gone since scandir
                return None, None
            return self.directory(entry.path, relative, real, status)
        if not is_audio(entry.name):
            return None, None
        try:
            status = entry.stat(follow_symlinks=False)
        except OSError:  # gone since scandir: reading it reports that
            return Item(entry.path, relative), None
        return self.file(entry.path, relative, status, False), None

    def directory(self, path, relative, real, status):
        first = self.directories.setdefault(_identity(status), relative)
        if first != relative:
            return LeftOut(path, relative, f'the same folder as {first!r}, '
                                           'walked before it'), None
        return None, (relative, real)

    def file(self, path, relative, status, linked):
        """Item, or LeftOut for a file listed before under another path"""
        identity = _identity(status)
        first = self.files.get(identity)
        if first is not None:
            return LeftOut(path, relative, f'the same file as {first!r}, '
                                           'listed before it')
        # Only these can be met again: a plain file with one name lies in
        # one directory, and no directory is walked twice
        if linked or status.st_nlink > 1:
            self.files[identity] = relative
        return Item(path, relative)

    def link(self, entry, relative, here):
        try:
            status = entry.stat()
        except OSError as error:
            return _unresolved(entry.path, relative, error), None
        target = os.path.realpath(entry.path)
        if not stat_module.S_ISDIR(status.st_mode):
            if not is_audio(entry.name):
                return None, None
            if self.listed_by_name(target):
                return LeftOut(entry.path, relative,
                               f'a symlink to {target!r}, which is listed '
                               'under its own path'), None
            return self.file(entry.path, relative, status, True), None
        if self.skip is not None and _within(target, self.skip):
            return None, None
        if _within(here, target) or _within(self.root, target):
            return Item(entry.path, relative, SYMLINK_LOOP,
                        f'{entry.path!r} is a symlink loop: it leads to '
                        f'{target!r}, which holds the link; not followed'), None
        if _within(target, self.root):
            return LeftOut(entry.path, relative,
                           f'a symlink to {target!r}, which is walked under '
                           'its own path'), None
        return self.directory(entry.path, relative, target, status)

    def listed_by_name(self, target):
        """Whether the walk lists the real file `target` under its own path:
        it lies inside the root (and not in skip), or in a directory
        walked already"""
        if not is_audio(os.path.basename(target)):
            return False
        if _within(target, self.root):
            return self.skip is None or not _within(target, self.skip)
        try:
            parent = _identity(os.stat(os.path.dirname(target)))
        except OSError:
            return False
        return parent in self.directories


def _identity(status):
    return status.st_dev, status.st_ino


def _within(path, folder):
    """Whether `path` is `folder` or lies inside it (both real paths)"""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _unresolved(path, relative, error, named=False):
    """The Item refusing a link that cannot be resolved; None for a name a
    walk would not read anyway, unless `named` (a line of a list)"""
    name = os.path.basename(path)
    extension = os.path.splitext(name)[1]
    if not named and (name.startswith('.') or (extension and not is_audio(name))):
        return None
    if error.errno == errno.ELOOP:
        return Item(path, relative, SYMLINK_LOOP,
                    f'{path!r} is a symlink loop: its links lead round in a '
                    'circle, never to a file')
    if error.errno in (errno.ENOENT, errno.ENOTDIR):
        return Item(path, relative, DANGLING_SYMLINK,
                    f'{path!r} is a dangling symlink: it points to '
                    f'{os.readlink(path)!r}, which does not exist')
    return Item(path, relative, type(error).__name__,
                f'{path!r} is a symlink that cannot be followed '
                f'({error.strerror or error})')


def manifest(audio_list):
    """Items of the files named in a text file, one path a line

    Blank lines and lines starting with '#' are ignored. Relative paths are
    relative to the list's directory and keep that relative path under OUT;
    an absolute path keeps its whole path (less the root) under OUT. A
    line with a '..' component yields an Item whose relative name starts
    with '..', which the runner reports as a failure.

    Lines naming the same file are one file, listed at its first line: a
    later line naming it (spelt otherwise, 'sub/../sub/a.wav', an absolute
    path for a relative one, a symbolic or hard link to it) is LeftOut and
    writes no output. Files are told apart by (st_dev, st_ino), or by real
    path when they do not exist (a missing file is one failure, however
    many lines name it); memory: one such key per distinct line. A line
    naming a link that cannot be resolved is an Item with error
    DANGLING_SYMLINK or SYMLINK_LOOP.
    """
    base = os.path.dirname(os.path.abspath(audio_list))
    seen = {}  # key of a file: its first line's number
    with open(audio_list, encoding='utf-8') as lines:
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            path = os.path.normpath(os.path.join(base, line))
            if os.path.isabs(line):
                relative = os.path.normpath(line)
                relative = os.path.splitdrive(relative)[1].lstrip(os.sep)
            else:
                relative = os.path.normpath(line)
            relative = relative.replace(os.sep, '/')
            if relative.split('/')[0] == '..':
                # Refused when read: it claims no file, so that a line
                # below naming the same file is processed
                yield Item(path, relative)
                continue
            key, refused = _key(path, relative)
            first = seen.setdefault(key, number)
            if first != number:
                yield LeftOut(path, relative, f'the same file as line {first} '
                                              f'of {audio_list}')
            else:
                yield refused or Item(path, relative)


def _key(path, relative):
    """(what tells the file apart, an Item refusing a broken link or None)"""
    try:
        return _identity(os.stat(path)), None
    except OSError as error:
        refused = None
        if os.path.islink(path):
            refused = _unresolved(path, relative, error, named=True)
        return os.path.realpath(path), refused


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
