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
from pipeline.blocks import text_blocks
from pipeline.document import Document, Page
from pipeline.errors import BadInputError, InputMissingError, UnsupportedInputError

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


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


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
    p = Path(path)
    if not p.exists():
        raise InputMissingError(f"{p}: no such file", "check the path")
    if p.is_dir():
        raise InputMissingError(f"{p}: is a directory", "give a file, or use `chithi ingest DIR` for folders")
    limits.check_regular(p)  # a FIFO would block the read below; devices never end
    named = p.suffix.lower()
    kinds = ", ".join(sorted(SUPPORTED))
    unsupported = UnsupportedInputError(f"{p}: unsupported file type '{named or '(none)'}'", f"supported: {kinds}")
    try:
        if named not in SUPPORTED:  # still read when its content is a format chithi reads: peek at its head
            with open(p, "rb") as f:
                head = f.read(1024)
            if sniff(head) is None and not head.startswith(b"PK\x03\x04"):
                raise unsupported
        data = p.read_bytes()
    except OSError as e:
        raise InputMissingError(f"{p}: cannot read file: {e.strerror}", "check permissions") from None
    if not data.strip():
        raise BadInputError(f"{p}: file is empty", "nothing to extract")
    if len(data) > MAX_BYTES:
        raise BadInputError(f"{p}: file is {len(data) // 2**20} MiB, over the {MAX_BYTES // 2**20} MiB limit",
                            "split the document")
    found = sniff(data)
    if named not in SUPPORTED and found is None:
        raise unsupported
    suffix = named
    if found is not None and _SAME.get(found, found) != _SAME.get(named, named):
        suffix = found  # read by content: a .doc named .docx, a PDF named .txt …
    doc = Document(path=str(p), sha256=hashlib.sha256(data).hexdigest(), media_type=SUPPORTED[suffix],
                   size=len(data))
    if suffix != named and _SAME.get(suffix, suffix) != _SAME.get(named, named):
        doc = doc.with_warning("misnamed_file", f"the file is {_KINDS[suffix]}, not what its name says "
                               f"('{named or '(none)'}'): read as {_KINDS[suffix]} (rename it to {suffix})")
    doc = _read(doc, suffix, data)
    limits.check_pages(doc.path, len(doc.pages))
    limits.check_chars(doc.path, sum(len(pg.text) for pg in doc.pages))
    return doc


def _read(doc: Document, suffix: str, data: bytes) -> Document:
    if suffix in TEXT_SUFFIXES:
        return _read_text(doc, data)
    if suffix in HTML_SUFFIXES:
        return _read_html(doc, data)
    if suffix in DOCX_SUFFIXES:
        return _read_docx(doc, data)
    if suffix in DOC_SUFFIXES:
        from pipeline._exec.soffice import convert

        return _read_docx(doc, convert(data, Path(doc.path).stem + ".doc"), what=".doc")  # named by content
    if suffix in PDF_SUFFIXES:
        from pipeline.pdf import read_pdf

        return read_pdf(doc, data)
    from pipeline.ocr import read_image

    return read_image(doc, data)


# -- text ---------------------------------------------------------------------------------------------

def _read_text(doc: Document, data: bytes) -> Document:
    from dataclasses import replace

    from pipeline.legacy import decode_text

    limits.check_text_bytes(doc.path, len(data))
    text, encoding = decode_text(data, doc.path)
    text = nfc(text.replace("\r\n", "\n").replace("\r", "\n"))
    limits.check_chars(doc.path, len(text))  # as the file has them, before the layout joins or separates lines
    md = doc.media_type == "text/markdown"
    pages = tuple(_laid_out_page(text_blocks(t, i + 1, md), i + 1, "text") for i, t in enumerate(text.split("\f")))
    return replace(doc, pages=pages, encoding=encoding)


def _read_html(doc: Document, data: bytes) -> Document:
    from dataclasses import replace

    from pipeline.html_blocks import html_layout
    from pipeline.legacy import decode_text

    text, encoding = decode_text(_html_charset(data), doc.path)
    lay = html_layout(nfc(text))
    page = _laid_out_page(lay, 1, "html")
    if not page.text.strip() and lay.left_out:
        from pipeline.html_blocks import MAX_DEPTH

        raise BadInputError(f"{doc.path}: the HTML page nests elements deeper than {MAX_DEPTH:,} levels, and all "
                            f"its text ({lay.left_out:,} letters and digits) is below that depth",
                            "open and re-save the page in a browser")
    if not page.text.strip():
        raise BadInputError(f"{doc.path}: the HTML page has no text", "is it the document's page?")
    doc = replace(doc, pages=(page,), encoding=encoding)
    if lay.left_out:
        from pipeline.html_blocks import MAX_DEPTH

        doc = doc.with_warning("html_too_deep", f"the page nests elements deeper than {MAX_DEPTH:,} levels: "
                               f"{lay.left_out:,} letters and digits nested deeper were left out (save the page "
                               "again, or open and re-save it in a browser)")
    return doc


def _html_charset(data: bytes) -> bytes:
    """The page as UTF-8 when its <meta charset> names another encoding Python knows."""
    import re

    m = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", data[:4096], re.I)
    if m:
        name = m.group(1).decode("ascii", "replace").lower()
        if name not in ("utf-8", "utf8"):
            try:
                return data.decode(name).encode("utf-8")
            except (LookupError, UnicodeDecodeError):
                pass
    return data


def _laid_out_page(lay, number: int, method: str) -> Page:
    text, blocks = lay.finish()
    return Page(number=number, text=text, method=method, blocks=blocks)


# -- docx --------------------------------------------------------------------------------------------

def _read_docx(doc: Document, data: bytes, what: str = ".docx") -> Document:
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
        raise BadInputError(f"{doc.path}: not a valid {what} file ({type(e).__name__})",
                            "re-save it from Word/LibreOffice as .docx") from None
    except Exception as e:  # lxml errors and other malformed-package failures
        if limits.is_out_of_memory(e):
            raise limits.out_of_memory(doc.path) from None
        raise BadInputError(f"{doc.path}: corrupt {what} ({type(e).__name__}: {e})".split("\n")[0],
                            "re-save it from Word/LibreOffice as .docx") from None
    from pipeline.docx_blocks import docx_layout

    page = _laid_out_page(docx_layout(d.element.body), 1, "docx")
    if not page.text.strip():
        raise BadInputError(f"{doc.path}: the {what} has no text", "is it a scanned image inside Word?")
    return replace(doc, pages=(page,))
