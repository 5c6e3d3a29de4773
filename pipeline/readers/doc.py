"""Legacy Word .doc: converted to .docx by LibreOffice headless (pipeline.tools.soffice), then read as DOCX."""
from __future__ import annotations

from pathlib import Path

from pipeline.core.document import Document
from pipeline.readers import docx
from pipeline.tools.soffice import convert


def read(doc: Document, data: bytes) -> Document:
    return docx.read(doc, convert(data, Path(doc.path).name), what=".doc")
