"""The one failure type of the engine: why a document failed, as one line and the exit code it would have alone."""
from __future__ import annotations

from dataclasses import dataclass

from pipeline.core import errors
from pipeline.core.errors import ChithiError, ExitCode


@dataclass(frozen=True)
class Failure:
    """A document that failed: ``message`` (one line, naming the file), its exit code, and in a batch its path."""

    message: str
    exit_code: int = int(ExitCode.bad_input)
    path: str | None = None

    @classmethod
    def of(cls, e: ChithiError, path: str | None = None) -> Failure:
        return cls(e.one_line(), int(e.exit_code), path)

    def error(self) -> ChithiError:
        """The ChithiError to raise for it (same one-line message and exit code)."""
        kinds = {c.exit_code: c for c in vars(errors).values()
                 if isinstance(c, type) and issubclass(c, ChithiError) and c is not errors.DataFileError}
        return kinds.get(self.exit_code, ChithiError)(self.message)

    def reason(self) -> str:
        """The message without the file name it starts with (a batch lists the path beside it)."""
        if self.path and self.message.startswith(self.path + ": "):
            return self.message[len(self.path) + 2:]
        return self.message
