"""Stage 1 — read: a file into a Document of pages (NFC text) laid out as blocks, refusing bad input with clear
errors. One reader per input format (a module of this package, each ``read(doc, data) -> Document``), chosen by
:data:`READERS` from the file's suffix — or from its content (:func:`sniff`) when that is another format (a .doc
named .docx, a PDF named .txt or without a suffix: read as what it is, with a ``misnamed_file`` warning). PDF
pages without a usable text layer and image frames come back marked ``needs_ocr`` for the OCR stage.
"""
from __future__ import annotations

import hashlib
import zipfile
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


_KINDS = {".txt": "a text file", ".md": "a Markdown file", ".html": "an HTML page", ".htm": "an HTML page",
          ".docx": "a .docx document", ".doc": "a .doc document", ".pdf": "a PDF", ".png": "a PNG image",
          ".jpg": "a JPEG image", ".jpeg": "a JPEG image", ".tif": "a TIFF image", ".tiff": "a TIFF image",
          ".bmp": "a BMP image", ".webp": "a WebP image"}
_SAME = {".htm": ".html", ".jpeg": ".jpg", ".tiff": ".tif", ".md": ".txt"}


def sniff(data: bytes) -> str | None:
    """The suffix of the format the bytes are in, from their leading bytes (a PDF, an OLE2 .doc, a .docx, an image,
    an HTML page); None for anything else (text, or a format chithi does not read)."""
    head = data[:1024]
    if b"%PDF-" in head:  # a PDF may have bytes before its header
        return ".pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return ".doc"
    if head.startswith(b"PK\x03\x04"):
        import io

        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                return ".docx" if "word/document.xml" in zf.namelist() else None
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
    for magic, suffix in ((b"\x89PNG\r\n\x1a\n", ".png"), (b"\xff\xd8\xff", ".jpg"), (b"II*\x00", ".tif"),
                          (b"MM\x00*", ".tif")):
        if head.startswith(magic):
            return suffix
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return ".webp"
    if head.startswith(b"BM") and len(head) >= 26 and head[6:10] == b"\0\0\0\0" and head[14] in (12, 40, 56, 108, 124):
        return ".bmp"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return ".html"
    return None


def ingest(path: str | Path) -> Document:
    """The file at ``path`` read into a Document (every check on the file, then :func:`ingest_data`)."""
    return ingest_data(read_file(path), str(path))


def read_file(path: str | Path) -> bytes:
    """The bytes of a file chithi can read: it exists, is a regular file of a type chithi reads (by its name, or
    by its content when the name says another), within the size limit."""
    p = Path(path)
    if not p.exists():
        raise InputMissingError(f"{p}: no such file", "check the path")
    if p.is_dir():
        raise InputMissingError(f"{p}: is a directory", "give a file, or use `chithi ingest DIR` for folders")
    limits.check_regular(p)  # a FIFO would block the read below; devices never end
    try:
        if p.suffix.lower() not in SUPPORTED:  # still read when its content is a format chithi reads: peek at its head
            with open(p, "rb") as f:
                head = f.read(1024)
            if sniff(head) is None and not head.startswith(b"PK\x03\x04"):
                raise _unsupported(str(p))
        if p.stat().st_size > MAX_BYTES:
            raise BadInputError(f"{p}: file is {p.stat().st_size // 2**20} MiB, over the {MAX_BYTES // 2**20} MiB "
                                "limit", "split the document")
        return p.read_bytes()
    except OSError as e:
        raise InputMissingError(f"{p}: cannot read file: {e.strerror}", "check permissions") from None


def ingest_data(data: bytes, name: str) -> Document:
    """A file's bytes read into a Document named ``name``: read as its suffix says, or as its content shows when
    that is another type chithi reads (a ``misnamed_file`` warning). How a worker that cannot see the file (a Dask
    worker on another machine) reads it."""
    named = Path(name).suffix.lower()
    if not data.strip():
        raise BadInputError(f"{name}: file is empty", "nothing to extract")
    if len(data) > MAX_BYTES:
        raise BadInputError(f"{name}: file is {len(data) // 2**20} MiB, over the {MAX_BYTES // 2**20} MiB limit",
                            "split the document")
    found = sniff(data)
    if named not in SUPPORTED and found is None:
        raise _unsupported(name)
    suffix = named
    if found is not None and _SAME.get(found, found) != _SAME.get(named, named):
        suffix = found  # read by content: a .doc named .docx, a PDF named .txt …
    doc = Document(path=name, sha256=hashlib.sha256(data).hexdigest(), media_type=SUPPORTED[suffix], size=len(data))
    if suffix != named:
        doc = doc.with_warning("misnamed_file", f"the file is {_KINDS[suffix]}, not what its name says "
                               f"('{named or '(none)'}'): read as {_KINDS[suffix]} (rename it to {suffix})")
    doc = READERS[SUPPORTED[suffix]](doc, data)
    limits.check_pages(doc.path, len(doc.pages))
    limits.check_chars(doc.path, sum(len(pg.text) for pg in doc.pages))
    return doc


def _unsupported(name: str) -> UnsupportedInputError:
    named = Path(name).suffix.lower()
    return UnsupportedInputError(f"{name}: unsupported file type '{named or '(none)'}'",
                                 f"supported: {', '.join(sorted(SUPPORTED))}")


#: media type → its reader (docling's format → backend table)
READERS: dict[str, Reader] = {
    "text/plain": text.read, "text/markdown": text.read, "text/html": html.read, DOCX_SUFFIXES[".docx"]: docx.read,
    "application/msword": doc_reader.read, "application/pdf": pdf.read_pdf,
    **{media: image.read_image for media in IMAGE_SUFFIXES.values()},
}
