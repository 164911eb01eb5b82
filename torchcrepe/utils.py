"""Small helpers every layer may use: errors, optional imports, warnings'
stack level, and releasing freed memory.

This module imports nothing from torchcrepe, so that anything can import it.
"""
import ctypes
import importlib
import os
import sys
import types
from typing import Any, Callable, Collection, Optional, TypeVar

T = TypeVar('T')


class ParameterError(ValueError):
    """A bad argument, refused before any work starts

    A ValueError, so existing `except ValueError` keeps working; catch this
    type to tell torchcrepe's refusals from other errors. The message names
    the argument and what is allowed.
    """


class ParameterTypeError(ParameterError, TypeError):
    """An argument of the wrong type (e.g. a list where a tensor is due)

    Both a ParameterError and a TypeError, so that code catching either
    (0.0.24 raised TypeError for these) keeps working.
    """


def choice(value: T, allowed: Collection[object], argument: str) -> T:
    """`value` if it is one of `allowed`, else ParameterError naming them
    (ParameterTypeError when it is of none of their types, e.g. a number
    where names are allowed)"""
    if value not in allowed:
        names = ', '.join(repr(name) for name in allowed)
        kind = ParameterError if any(isinstance(value, type(name)) for name in allowed) \
            else ParameterTypeError
        raise kind(f'{argument} must be one of {names}; got {value!r}')
    return value


def real(value: Any, argument: str, what: str = 'a number') -> float:
    """`value` as a float if it is a real number (a Python or numpy number,
    or a one-element array or tensor; not a bool, not text), else
    ParameterTypeError saying that `argument` must be `what`"""
    if not isinstance(value, (bool, str, bytes)):
        try:
            return float(value)
        except (TypeError, ValueError):
            pass
    raise ParameterTypeError(f'{argument} must be {what}; got {value!r}')


def require(module: str, purpose: str, extra: str) -> types.ModuleType:
    """Import an optional dependency, or say which extra installs it

    Arguments
        module (str): e.g. 'onnxruntime'
        purpose (str): what needs it, for the message
        extra (str): the torchcrepe extra that installs it, e.g. 'export'
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f'{purpose} needs the {module} package: '
            f"pip install 'torchcrepe[{extra}]'") from None


def caller_level() -> int:
    """The stacklevel of the first frame outside this package, so that a
    warning points at the user's line rather than at ours"""
    package = os.path.dirname(os.path.abspath(__file__))
    frame: Optional[types.FrameType] = sys._getframe(1)
    level = 1
    while frame is not None and os.path.abspath(
            frame.f_code.co_filename).startswith(package + os.sep):
        frame, level = frame.f_back, level + 1
    return level


class MemoryRelease:
    """Hands the C heap's free pages back to the system after each batch

    Every batch of frames allocates and frees megabytes while small outputs
    stay alive between them. glibc keeps the freed space, and its dynamic
    mmap threshold sends later large blocks to the same heap, so without a
    trim the resident set of a long file crept up by about 110 MB per hour
    of audio (tiny, CPU). `malloc_trim(0)` costs microseconds per batch.

    It is glibc only (a no-op elsewhere) and affects the whole process, so
    it can be turned off: `torchcrepe.utils.MEMORY.enabled = False`, or the
    environment variable TORCHCREPE_MALLOC_TRIM=0 before import.
    """

    def __init__(self) -> None:
        self.enabled = os.environ.get('TORCHCREPE_MALLOC_TRIM', '1') != '0'
        self.trim: Optional[Callable[[int], int]]
        try:
            self.trim = ctypes.CDLL(None).malloc_trim
        except (AttributeError, OSError, TypeError):  # TypeError: Windows
            self.trim = None

    def __call__(self) -> None:
        """Trim now, if enabled and available"""
        if self.enabled and self.trim is not None:
            self.trim(0)


# The one instance the pipeline calls after every batch
MEMORY = MemoryRelease()
