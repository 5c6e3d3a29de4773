"""The document object each stage enriches.

Stages are plain functions ``Document -> Document`` (they return a copy made with :func:`dataclasses.replace`);
nothing here holds global state, so a batch engine can map the stages over documents in parallel processes.

Text coordinates:
- ``Page.text`` is what ingestion (or OCR) read from one page, NFC. ``Word`` offsets index into it.
- ``Document.raw_text`` is the pages' texts joined by form feeds.
- ``Document.text`` is the normalized (and, when needed, restored) text the extractor reads; also joined by form
  feeds. ``Document.text_to_raw[i]`` is the index in ``raw_text`` of character ``i`` of ``text``
  (one entry more than the text, for end offsets). All spans in the record index ``Document.text``.
"""
from __future__ import annotations

import bisect
from array import array
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class Word:
    """One word as OCR or a PDF text layer located it, with offsets into its page's text."""

    text: str
    start: int
    end: int
    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom in page units (pt for PDF, px for images)
    conf: float | None = None  # 0..100 for OCR words; None for text layers


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    text: str
    method: str  # text | docx | html | pdf_text | ocr
    words: tuple[Word, ...] = ()
    width: float | None = None
    height: float | None = None
    confidence: float | None = None  # mean OCR word confidence, 0..100
    needs_ocr: bool = False  # set by ingestion for image-only pages; the ocr stage fills text and words
    image_source: tuple[str, int] | None = None  # (path, page index) to re-render the page image (review, OCR)
    # blocks (pipeline.blocks.Block) laid out by the ingester, offsets into ``text``; a page with blocks has its
    # hard wraps joined already, so normalize does not join its lines
    blocks: tuple[Any, ...] = ()
    blank: bool = False  # an image page without ink: not OCR'd
    downscaled: bool = False  # rendered below the OCR dpi to stay within the pixel limit (pipeline.limits)


@dataclass(frozen=True)
class Restoration:
    """What diacritic restoration did (see pipeline.restore)."""

    tokens: int
    changed: int
    paragraphs: int
    paragraphs_restored: int


@dataclass(frozen=True)
class Document:
    path: str
    sha256: str
    media_type: str
    size: int
    pages: tuple[Page, ...] = ()
    encoding: str | None = None
    warnings: tuple[dict[str, Any], ...] = ()
    # normalize
    text: str = ""
    text_to_raw: array = field(default_factory=lambda: array("i"))
    restoration: Restoration | None = None
    blocks: tuple[Any, ...] = ()  # pipeline.blocks.Block, offsets into ``text`` (set by normalize)
    # structure (pipeline.structure.Structure) and extraction (pipeline.extract.Extraction)
    structure: Any = None
    extraction: Any = None

    # -- derived views -------------------------------------------------------------------------------
    @cached_property
    def raw_text(self) -> str:
        """Computed once per Document (each stage's copy has its own); ``locate`` reads it for every value."""
        return "\f".join(p.text for p in self.pages)

    @property
    def page_count(self) -> int:
        return len(self.pages)

    @property
    def method(self) -> str:
        """How the text was obtained: the pages' method (``ocr`` if any page was OCR'd), ``restored`` if restored."""
        if self.restoration is not None and self.restoration.changed:
            return "restored"
        methods = {p.method for p in self.pages}
        if "ocr" in methods:
            return "ocr"
        return next(iter(methods)) if len(methods) == 1 else "pdf_text" if "pdf_text" in methods else "text"

    def raw_page_starts(self) -> list[int]:
        return self._page_starts

    @cached_property
    def _page_starts(self) -> list[int]:
        starts, pos = [], 0
        for p in self.pages:
            starts.append(pos)
            pos += len(p.text) + 1
        return starts

    def with_warning(self, code: str, message: str, **extra: Any) -> "Document":
        from dataclasses import replace

        return replace(self, warnings=self.warnings + ({"code": code, "message": message, **extra},))

    def locate(self, start: int, end: int) -> dict[str, Any]:
        """Provenance of ``text[start:end]``: page number, raw offsets and, for OCR/PDF words, bbox and confidence."""
        if not self.pages:
            return {"start": start, "end": end, "page": 1}
        rs = self.text_to_raw[start] if start < len(self.text_to_raw) else len(self.raw_text)
        re_ = self.text_to_raw[max(end - 1, start)] + 1 if end > start else rs
        starts = self.raw_page_starts()
        pi = max(0, bisect.bisect_right(starts, rs) - 1)
        page = self.pages[pi]
        out: dict[str, Any] = {"start": start, "end": end, "page": page.number}
        if page.words:
            ps, pe = rs - starts[pi], re_ - starts[pi]
            hit = [w for w in page.words if w.end > ps and w.start < pe]
            if hit:
                out["bbox"] = {
                    "x0": min(w.bbox[0] for w in hit), "top": min(w.bbox[1] for w in hit),
                    "x1": max(w.bbox[2] for w in hit), "bottom": max(w.bbox[3] for w in hit),
                }
                confs = [w.conf for w in hit if w.conf is not None]
                if confs:
                    out["confidence"] = round(min(confs), 1)
        return out


class OffsetText:
    """Builds a text piece by piece while recording, for every character, its index in a source text."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offsets = array("i")

    def keep(self, s: str, src_start: int) -> None:
        """Append ``s`` copied from the source at ``src_start`` (one source char per char)."""
        self.parts.append(s)
        self.offsets.extend(range(src_start, src_start + len(s)))

    def extend(self, s: str, src: "array | list[int]") -> None:
        """Append ``s`` whose i-th char comes from source index ``src[i]``."""
        if len(src) != len(s):
            raise ValueError("one source index per character")
        self.parts.append(s)
        self.offsets.extend(src)

    def insert(self, s: str, src_pos: int) -> None:
        """Append ``s`` that replaces (or stands at) source position ``src_pos``."""
        self.parts.append(s)
        self.offsets.extend([src_pos] * len(s))

    def finish(self, src_len: int) -> tuple[str, array]:
        self.offsets.append(src_len)
        return "".join(self.parts), self.offsets


def compose(outer: array, inner: array) -> array:
    """Offsets of a text derived twice: ``outer`` maps final→middle, ``inner`` maps middle→source."""
    n = len(inner) - 1
    return array("i", (inner[min(i, n)] for i in outer))
