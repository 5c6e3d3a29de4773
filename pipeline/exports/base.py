"""The one small interface of the record exports (docling-core's serializers are the example): a writer is made
on an output, is given the records one at a time, and is closed. One module per format implements it."""
from __future__ import annotations

from typing import Any, TextIO


class RecordWriter:
    """Writes records to ``out`` (a text stream; a format that ``needs_file`` gets a path instead)."""

    #: the format writes a file of its own (a workbook), not a text stream
    needs_file = False
    #: the format carries the document's text beside the record (give it to :meth:`add`)
    wants_text = False

    def __init__(self, out: TextIO | str, **options: Any):
        self.out = out

    def add(self, rec: dict[str, Any], text: str | None = None) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Finish the output (a streaming format has written everything already)."""
