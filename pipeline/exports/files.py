"""Files the exports write: each written whole or not at all (a temporary file in the same folder, renamed over
the target), so a failure never leaves a half-written export or page where a good one was."""
from __future__ import annotations

import os
import tempfile
from typing import Callable

from pipeline.core.errors import InputMissingError


def write_atomic(path: str | os.PathLike, write: Callable[[str], None]) -> None:
    """Call ``write(tmp)`` to make the file under a fresh temporary name (created exclusively, beside ``path``),
    then rename it over ``path``; on any failure the temporary file is removed and ``path`` is left as it was."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
        os.close(fd)
    except OSError as e:
        raise InputMissingError(f"{path}: cannot write: {e.strerror}", "check the folder and permissions") from None
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as e:
        raise InputMissingError(f"{path}: cannot write: {e.strerror}", "check the folder and permissions") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text(path: str | os.PathLike, text: str) -> None:
    """``text`` as UTF-8 at ``path``, atomically (see :func:`write_atomic`)."""
    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)

    write_atomic(path, write)
