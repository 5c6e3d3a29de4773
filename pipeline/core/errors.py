"""Exceptions that carry an exit code and a how-to-fix message.

The CLI is the one place that turns them into output (one line on stderr, the exit code below).
"""
from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    ok = 0
    partial_failure = 1      # a batch finished but some documents failed
    usage = 2                # bad command line
    input_missing = 3        # path does not exist / is a directory where a file is needed
    unsupported_input = 4    # unknown format / extension
    bad_input = 5            # empty, corrupt, encrypted, undecodable, too large
    missing_dependency = 6   # tesseract / vie data / optional library missing
    timeout = 7              # an external tool ran out of time
    database = 8             # the store cannot be opened or written
    cluster = 9              # the Dask scheduler cannot be reached, has no worker, or was lost
    internal = 70            # a bug: please report


class ChithiError(Exception):
    """Base class: `message` says what went wrong, `hint` how to fix it."""

    exit_code: ExitCode = ExitCode.internal

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        text = self.message if not self.hint else f"{self.message} ({self.hint})"
        return " ".join(text.split())


class UsageError(ChithiError):
    exit_code = ExitCode.usage


class InputMissingError(ChithiError):
    exit_code = ExitCode.input_missing


class UnsupportedInputError(ChithiError):
    exit_code = ExitCode.unsupported_input


class BadInputError(ChithiError):
    exit_code = ExitCode.bad_input


class MissingDependencyError(ChithiError):
    exit_code = ExitCode.missing_dependency


class ExternalTimeoutError(ChithiError):
    exit_code = ExitCode.timeout


class DatabaseError(ChithiError):
    exit_code = ExitCode.database


class ClusterError(ChithiError):
    """The Dask scheduler of ``--engine dask`` cannot be reached, has no worker, or was lost."""

    exit_code = ExitCode.cluster


class DataFileError(ChithiError):
    """A language data file under pipeline/data is malformed."""

    exit_code = ExitCode.internal
