"""Files the exports write — exports, review pages, the timeline, iCalendar: the one way chithi writes a file,
atomically.

The content goes to a fresh temporary file created exclusively (``tempfile.mkstemp``: ``O_CREAT | O_EXCL``, mode
0600, an unpredictable name) in the target's own folder, is flushed to disk, given the target's permissions (or
the umask's), then renamed over the target (``os.replace``: a link planted at the target is replaced, never
followed). A failure at any point — disk full, permission, an exception while the content is produced — leaves
the previous file whole and removes the temporary file; an OSError becomes one line with its cause and exit 3
(:func:`write_error`), never an internal error.
"""
from __future__ import annotations

import errno
import os
import tempfile
from contextlib import contextmanager
from typing import IO, Callable, Iterator

from pipeline.core.errors import InputMissingError

__all__ = ["atomic_write", "write_atomic", "write_bytes", "write_error", "write_text"]

_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_DENIED = {errno.EACCES, errno.EPERM, errno.EROFS}


def write_error(path: str | os.PathLike, e: OSError) -> InputMissingError:
    """The one-line error for a file that cannot be written (exit 3), with the advice that fits its cause."""
    name = os.fspath(path)
    if e.errno in _FULL:  # no space, over a quota, over the file-size limit
        return InputMissingError(f"{name}: cannot write: {e.strerror}", f"free some disk space, or write somewhere "
                                 f"else; the previous {os.path.basename(name)}, if any, is kept as it was")
    if e.errno in _DENIED:
        return InputMissingError(f"{name}: cannot write: {e.strerror}", "check the permissions of the file and its "
                                 "folder, or write somewhere else")
    if e.errno == errno.EISDIR:
        return InputMissingError(f"{name}: is a directory", "give a file name")
    return InputMissingError(f"{name}: cannot write: {e.strerror or e}", "check the folder and permissions")


def _mode_for(path: str) -> int:
    """The permissions the file gets: those of the file it replaces, else 0666 less the umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


@contextmanager
def atomic_write(path: str | os.PathLike, binary: bool = False, encoding: str = "utf-8",
                 newline: str | None = "") -> Iterator[IO]:
    """A file object to write ``path``'s new content to; the target is replaced when the block ends without an
    exception (see the module docstring)."""
    target = os.fspath(path)
    if os.path.isdir(target):
        raise InputMissingError(f"{target}: is a directory", "give a file name")
    folder = os.path.dirname(os.path.abspath(target))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise write_error(target, e) from None
    try:
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding, newline=newline)) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise write_error(target, e) from None
        raise


def write_atomic(path: str | os.PathLike, write: Callable[[IO[bytes]], None]) -> None:
    """Call ``write(f)`` to make the file through ``f``, a binary file object (e.g. openpyxl's ``wb.save``),
    atomically (see :func:`atomic_write`)."""
    with atomic_write(path, binary=True) as f:
        write(f)


def write_text(path: str | os.PathLike, text: str) -> None:
    """``text`` as UTF-8 at ``path``, atomically (see :func:`atomic_write`)."""
    with atomic_write(path) as f:
        f.write(text)


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_write(path, binary=True) as f:
        f.write(data)
