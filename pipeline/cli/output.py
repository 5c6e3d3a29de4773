"""What the CLI writes: output files checked before any work, and text made safe for a terminal."""
from __future__ import annotations

import os
import sys
from typing import TextIO

from pipeline.core.errors import InputMissingError
from pipeline.core.textutil import json_safe, term_safe

__all__ = ["check_out", "json_safe", "say", "term_safe"]


def check_out(path: str | os.PathLike | None, flag: str = "--out") -> None:
    """Refuse, before any work, an output file whose folder does not exist (exit 3)."""
    if not path:
        return
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    if not os.path.isdir(folder):
        raise InputMissingError(f"{os.fspath(path)}: the folder {folder} does not exist",
                                f"create it, or give {flag} a file in an existing folder")


def say(line: str, stream: TextIO | None = None) -> None:
    """One line on stderr (or ``stream``), control characters escaped."""
    print(term_safe(line), file=stream or sys.stderr)
