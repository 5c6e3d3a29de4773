"""Stage 1 — ingest: read a file into a Document of pages (NFC text), refusing bad input with clear errors.

Text (.txt/.md) and DOCX are read here; PDFs and images are handed to pipeline.pdf / pipeline.ocr
(page text layers, or pages marked ``needs_ocr`` for the ocr stage).
"""
from __future__ import annotations

import hashlib
import unicodedata
import zipfile
from pathlib import Path

from pipeline import limits
from pipeline.document import Document, Page
from pipeline.errors import BadInputError, InputMissingError, UnsupportedInputError

TEXT_SUFFIXES = {".txt": "text/plain", ".md": "text/markdown"}
DOCX_SUFFIXES = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
PDF_SUFFIXES = {".pdf": "application/pdf"}
IMAGE_SUFFIXES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".tif": "image/tiff", ".tiff": "image/tiff", ".bmp": "image/bmp", ".webp": "image/webp",
}
SUPPORTED = {**TEXT_SUFFIXES, **DOCX_SUFFIXES, **PDF_SUFFIXES, **IMAGE_SUFFIXES}
MAX_BYTES = 200 * 1024 * 1024


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


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
    doc = _read(doc, suffix, data)
    limits.check_pages(doc.path, len(doc.pages))
    limits.check_chars(doc.path, sum(len(pg.text) for pg in doc.pages))
    return doc


def _read(doc: Document, suffix: str, data: bytes) -> Document:
    if suffix in TEXT_SUFFIXES:
        return _read_text(doc, data)
    if suffix in DOCX_SUFFIXES:
        return _read_docx(doc, data)
    if suffix in PDF_SUFFIXES:
        from pipeline.pdf import read_pdf

        return read_pdf(doc, data)
    from pipeline.ocr import read_image

    return read_image(doc, data)


# -- text --------------------------------------------------------------------------------------------

def _read_text(doc: Document, data: bytes) -> Document:
    from dataclasses import replace

    from pipeline.legacy import decode_text

    limits.check_text_bytes(doc.path, len(data))
    text, encoding = decode_text(data, doc.path)
    text = nfc(text.replace("\r\n", "\n").replace("\r", "\n"))
    pages = tuple(Page(number=i + 1, text=t, method="text") for i, t in enumerate(text.split("\f")))
    return replace(doc, pages=pages, encoding=encoding)


# -- docx --------------------------------------------------------------------------------------------

def _read_docx(doc: Document, data: bytes) -> Document:
    import io
    from dataclasses import replace

    try:
        import docx  # python-docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError as e:  # pragma: no cover - dependency declared in pyproject
        from pipeline.errors import MissingDependencyError

        raise MissingDependencyError(f"python-docx is not installed: {e}", "pip install python-docx") from None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            limits.check_docx_parts(doc.path, zf)  # before anything inflates: zip bombs stop here
    except (zipfile.BadZipFile, ValueError, OSError):
        pass  # python-docx says what is wrong below
    try:
        d = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise BadInputError(f"{doc.path}: not a valid .docx file ({type(e).__name__})",
                            "re-save it from Word/LibreOffice as .docx") from None
    except Exception as e:  # lxml errors and other malformed-package failures
        if limits.is_out_of_memory(e):
            raise limits.out_of_memory(doc.path) from None
        raise BadInputError(f"{doc.path}: corrupt .docx ({type(e).__name__}: {e})".split("\n")[0],
                            "re-save it from Word/LibreOffice as .docx") from None
    blocks = list(_docx_blocks(d))
    text = nfc("\n\n".join(b for b in blocks if b.strip()))
    if not text.strip():
        raise BadInputError(f"{doc.path}: the .docx has no text", "is it a scanned image inside Word?")
    return replace(doc, pages=(Page(number=1, text=text, method="docx"),))


def _docx_blocks(d):
    """Paragraphs and tables in body order. Each table cell becomes its own block (header cells kept apart);
    a table row of a task table is emitted as one line per cell joined by ' | ' when it has 3+ cells."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    body = d.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield _para_text(Paragraph(child, d))
        elif tag == "tbl":
            yield from _table_blocks(Table(child, d))


def _para_text(p) -> str:
    return p.text.replace("\u000b", "\n").strip()


def _cell_text(cell) -> str:
    parts = [_para_text(p) for p in cell.paragraphs]
    for t in cell.tables:
        parts.extend(_table_blocks(t))
    return "\n".join(x for x in parts if x)


def _table_blocks(table):
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for c in row.cells:  # merged cells repeat: keep each once
            if id(c._tc) in seen:
                continue
            seen.add(id(c._tc))
            cells.append(_cell_text(c))
        rows.append(cells)
    wide = max((len(r) for r in rows), default=0) >= 3 and len(rows) >= 2
    if wide:  # a data table (e.g. tasks: nội dung | chủ trì | phối hợp | thời gian): one line per row
        for cells in rows:
            line = " | ".join(" ".join(c.split()) for c in cells)
            if line.strip(" |"):
                yield line
    else:  # layout tables (header block, signature block): each cell its own block
        for cells in rows:
            for c in cells:
                if c.strip():
                    yield c
