"""PDF ingestion: text-layer pages read with pdfplumber, image-only (or garbled) pages marked for OCR.

A page with a usable text layer becomes ``Page(method="pdf_text")`` with its words (bbox in PDF points) laid out
by :func:`pipeline.layout.words.layout`: reading order, the two-column header block kept apart (left-column lines, then
right-column lines), running heads/footers and page numbers dropped (rows near the top/bottom edge that repeat on
several pages once digits are ignored, e.g. ``CÔNG BÁO/Số 281/Ngày 21-05-2026 99``), hard-wrapped lines and
hyphenation inside paragraphs joined, list items kept on their own lines, paragraphs separated by a blank line.

A page with no text, or whose Vietnamese text layer is broken (split syllables, legacy TCVN3/VNI font encodings,
``(cid:NN)`` glyphs, private-use characters), becomes ``Page(method="ocr", needs_ocr=True)`` for the OCR stage.
"""
from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import replace

from pipeline.core.document import Document, Page
from pipeline.core.errors import BadInputError
from pipeline.core.limits import check_pages
from pipeline.lang.syllables import syllable_shape
from pipeline.layout.page_text import banded_page
from pipeline.layout.pdf_tables import assign_words, find_tables, merge_columns, merge_rows, stitch
from pipeline.layout.words import LWord, config, group_lines, layout

MIN_CHARS = 25            # fewer non-space characters: no usable text layer
MAX_BAD_SYLLABLES = 0.25  # more than this share of lowercase tokens not Vietnamese syllables: broken layer
MAX_ODD_CHARS = 0.02      # more than this share of letters from legacy-encoding ranges: broken layer


def _name(doc: Document) -> str:
    """The file as the user named it: messages start with it, as ingestion's do."""
    return doc.path


def read_pdf(doc: Document, data: bytes) -> Document:
    name = _name(doc)
    chars = _check_pdf(name, data)
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as e:  # noqa: BLE001 - pdfminer raises many types on damaged files
        raise BadInputError(f"{name}: not a valid PDF ({_short(e)})", "is the file damaged?") from None

    with pdf:
        raw = []
        tables: list = []
        for i, page in enumerate(pdf.pages):
            if chars is not None and i < len(chars) and chars[i] < MIN_CHARS:
                # a scanned page: no text for pdfplumber to find, and parsing it would load its image
                raw.append((float(page.width), float(page.height), []))
                tables.append([])
                continue
            try:
                words = page.extract_words(use_text_flow=False, keep_blank_chars=False, x_tolerance=1.5)
            except Exception:  # noqa: BLE001 - a damaged content stream: let OCR try the rendered page
                words = []
            raw.append((float(page.width), float(page.height), words))
            found = find_tables(page, i) if words else []
            if found:
                assign_words(found, _lwords(words))
                for t in found:
                    merge_columns(t)
                    merge_rows(t)
            tables.append(found)
            page.flush_cache()
    repeated = _running_heads(raw)
    pages = []
    for i in range(1, len(tables)):  # every table continued from the page before, before any page is laid out
        if tables[i] and tables[i - 1]:
            stitch(tables[i - 1][-1], tables[i][0])
    for i, (w, h, words) in enumerate(raw):
        page = _text_page(i, w, h, words, repeated, tables[i])
        if page is None:
            page = Page(number=i + 1, text="", method="ocr", needs_ocr=True, image_source=(doc.path, i),
                        width=w, height=h)
        pages.append(page)
    out = replace(doc, pages=tuple(pages))
    garbled = [p.number for p, (_, _, ws) in zip(pages, raw) if p.needs_ocr and _nonspace(ws) >= MIN_CHARS]
    if garbled:
        out = out.with_warning("pdf_text_unusable", "the text layer of page(s) "
                               f"{', '.join(map(str, garbled))} is garbled (broken syllables or a legacy font "
                               "encoding); those pages are OCR'd instead", pages=garbled)
    return out


def _check_pdf(name: str, data: bytes) -> list[int] | None:
    """Refuse encrypted, corrupt and empty PDFs with one-line messages (pdfium is strict and fast).  Returns the
    number of text characters pdfium finds on each page (None when only pdfminer could open the file)."""
    import pypdfium2 as pdfium

    if not data.lstrip()[:1024].find(b"%PDF-") >= 0:
        raise BadInputError(f"{name}: not a valid PDF (no %PDF header)", "is it really a PDF?")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e)
        if re.search(r"password|security", msg, re.I):
            raise BadInputError(f"{name}: PDF is encrypted", "remove the password and try again") from None
        m = re.search(r"PDFium:\s*([^)]*)", msg)
        detail = (m.group(1) if m else msg).strip(" .") or "unreadable"
        n = _count_pages_pdfminer(data)  # pdfium refuses some valid files (e.g. an empty page tree)
        if n is None:
            raise BadInputError(f"{name}: not a valid PDF ({detail})", "is the file damaged?") from None
        chars = None
    else:
        try:
            n = len(pdf)
            if n > 0:
                check_pages(name, n)  # before touching every page
            chars = [_count_chars(pdf, i) for i in range(n)]
        finally:
            pdf.close()
    if n == 0:
        raise BadInputError(f"{name}: PDF has no pages", "nothing to extract")
    check_pages(name, n)
    return chars


def _count_chars(pdf, i: int) -> int:
    """Text characters on page i by pdfium (a large number when pdfium cannot tell: let pdfplumber look)."""
    try:
        page = pdf[i]
        try:
            tp = page.get_textpage()
            try:
                return tp.count_chars()
            finally:
                tp.close()
        finally:
            page.close()
    except Exception:  # noqa: BLE001 - a page pdfium cannot parse
        return 1 << 30


def _count_pages_pdfminer(data: bytes) -> int | None:
    try:
        import pdfplumber

        with pdfplumber.open(io.BytesIO(data)) as pdf:
            return len(pdf.pages)
    except Exception:  # noqa: BLE001
        return None


def _short(e: Exception) -> str:
    return (" ".join(str(e).split()) or type(e).__name__)[:120]


def _nonspace(words) -> int:
    return sum(len(w["text"].replace(" ", "")) for w in words)


# -- running heads -------------------------------------------------------------------------------------------

def _row_key(text: str) -> str:
    t = unicodedata.normalize("NFC", text).strip()
    t = re.sub(r"^\d+\s+|\s+\d+$", "", t)
    return re.sub(r"\d+", "#", " ".join(t.split())).casefold()


_RUNNING = re.compile(r"^(?:\d+\s+)?công báo\s*/\s*số\b.*$|^trang\s+\d+(\s*/\s*\d+)?$", re.I)


def _margin_rows(width: float, height: float, words) -> list[tuple[str, float, float]]:
    """Text rows (by top) in the top and bottom bands of the page."""

    band = config()["layout"]["margin_frac"] * height * 1.3
    rows: dict[int, list] = {}
    for w in words:
        if w["top"] < band or w["bottom"] > height - band:
            rows.setdefault(round(w["top"] / 3), []).append(w)
    out = []
    for ws in rows.values():
        ws.sort(key=lambda w: w["x0"])
        out.append((" ".join(w["text"] for w in ws), min(w["top"] for w in ws), max(w["bottom"] for w in ws)))
    return out


def _running_heads(raw) -> set[str]:
    """Keys of margin rows that repeat on at least two pages (and a third of them when there are many)."""
    counts: dict[str, int] = {}
    for w, h, words in raw:
        for key in {_row_key(t) for t, _, _ in _margin_rows(w, h, words)}:
            if key:
                counts[key] = counts.get(key, 0) + 1
    need = max(2, len(raw) // 3)
    return {k for k, c in counts.items() if c >= need}


# -- text quality --------------------------------------------------------------------------------------------

_ODD = re.compile(r"[\u0080-\u00bf\u00c4-\u00c7\u00cb\u00ce\u00cf\u00d1\u00d6-\u00d8\u00db\u00dc\u00de-\u00df"
                  r"\u00e4-\u00e7\u00eb\u00ee\u00ef\u00f1\u00f6-\u00f8\u00fb\u00fc\u00fe\u00ff\ue000-\uf8ff\ufffd]")


def text_quality(text: str) -> tuple[float, float]:
    """(share of lowercase tokens that are not Vietnamese syllables, share of letters from legacy encodings)."""
    text = unicodedata.normalize("NFC", text)
    letters = sum(c.isalpha() for c in text) or 1
    odd = (len(_ODD.findall(text)) + 5 * text.count("(cid:")) / letters
    toks = [t for t in re.findall(r"[^\W\d_]+", text) if t.islower()]
    if len(toks) < 8:
        return 0.0, odd
    bad = sum(not syllable_shape(t) for t in toks) / len(toks)
    return bad, odd


def usable_text(text: str) -> bool:
    if len(text.replace(" ", "").replace("\n", "")) < MIN_CHARS:
        return False
    bad, odd = text_quality(text)
    return bad <= MAX_BAD_SYLLABLES and odd <= MAX_ODD_CHARS


# -- one page ------------------------------------------------------------------------------------------------

def _text_page(i: int, width: float, height: float, words, repeated: set[str], tables=()) -> Page | None:
    """One text-layer page: its prose laid out (pipeline.ocr.layout) band by band around its ruled tables, which
    become table blocks (pipeline.pdf_tables)."""

    if _nonspace(words) < MIN_CHARS:
        return None
    flat = " ".join(w["text"] for w in words)
    if not usable_text(flat):
        return None
    lwords = _lwords(words)

    def drop(text: str, top: float, bottom: float) -> bool:
        return _row_key(text) in repeated or bool(_RUNNING.match(text.strip()))

    if not tables:
        text, ws = layout(group_lines(lwords), width, height, join=True, drop_row=drop)
        if not text.strip():
            return None
        return Page(number=i + 1, text=text, method="pdf_text", words=ws, width=width, height=height)

    page = banded_page(lwords, tables, i + 1, width, height, lines=group_lines, drop_row=drop)
    if not page.text().strip():
        return None
    return Page(number=i + 1, text=page.text(), method="pdf_text", words=tuple(page.words), width=width,
                height=height, blocks=tuple(page.blocks))


def _lwords(words) -> list:
    return [LWord(unicodedata.normalize("NFC", w["text"]), float(w["x0"]), float(w["top"]), float(w["x1"]),
                  float(w["bottom"])) for w in words]
