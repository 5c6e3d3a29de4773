"""Stage 1 — read: a file into a Document of pages (NFC text) laid out as blocks, refusing bad input with clear
errors. One reader per input format (a module of this package, each ``read(doc, data) -> Document``), chosen by
:data:`READERS` from the file's suffix. PDF pages without a usable text layer and image frames come back marked
``needs_ocr`` for the OCR stage.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.core import limits
from pipeline.core.document import Document
from pipeline.core.errors import BadInputError, InputMissingError, UnsupportedInputError
from pipeline.readers import doc as doc_reader
from pipeline.readers import docx, html, image, pdf, text
from pipeline.readers.base import Reader

TEXT_SUFFIXES = {".txt": "text/plain", ".md": "text/markdown"}
HTML_SUFFIXES = {".html": "text/html", ".htm": "text/html"}
DOCX_SUFFIXES = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
DOC_SUFFIXES = {".doc": "application/msword"}
PDF_SUFFIXES = {".pdf": "application/pdf"}
IMAGE_SUFFIXES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".tif": "image/tiff", ".tiff": "image/tiff", ".bmp": "image/bmp", ".webp": "image/webp",
}
SUPPORTED = {**TEXT_SUFFIXES, **HTML_SUFFIXES, **DOCX_SUFFIXES, **DOC_SUFFIXES, **PDF_SUFFIXES, **IMAGE_SUFFIXES}
MAX_BYTES = 200 * 1024 * 1024


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED


def ingest(path: str | Path) -> Document:
    p = Path(path)
    if not p.exists():
        raise InputMissingError(f"{p}: no such file", "check the path")
    if p.is_dir():
        raise InputMissingError(f"{p}: is a directory", "give a file, or use `chithi ingest DIR` for folders")
    limits.check_regular(p)  # a FIFO would block the read below; devices never end
    suffix = p.suffix.lower()
    if suffix not in SUPPORTED:
        kinds = ", ".join(sorted(SUPPORTED))
        raise UnsupportedInputError(f"{p}: unsupported file type '{suffix or '(none)'}'", f"supported: {kinds}")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise InputMissingError(f"{p}: cannot read file: {e.strerror}", "check permissions") from None
    if not data.strip():
        raise BadInputError(f"{p}: file is empty", "nothing to extract")
    if len(data) > MAX_BYTES:
        raise BadInputError(f"{p}: file is {len(data) // 2**20} MiB, over the {MAX_BYTES // 2**20} MiB limit",
                            "split the document")
    doc = Document(path=str(p), sha256=hashlib.sha256(data).hexdigest(), media_type=SUPPORTED[suffix],
                   size=len(data))
    doc = READERS[SUPPORTED[suffix]](doc, data)
    limits.check_pages(doc.path, len(doc.pages))
    limits.check_chars(doc.path, sum(len(pg.text) for pg in doc.pages))
    return doc


#: media type → its reader (docling's format → backend table)
READERS: dict[str, Reader] = {
    "text/plain": text.read, "text/markdown": text.read, "text/html": html.read, DOCX_SUFFIXES[".docx"]: docx.read,
    "application/msword": doc_reader.read, "application/pdf": pdf.read_pdf,
    **{media: image.read_image for media in IMAGE_SUFFIXES.values()},
}
