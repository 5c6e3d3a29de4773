"""A page text assembled from prose bands and ruled tables, shared by text-layer PDF pages (pipeline.pdf) and
scanned pages (pipeline.scan_tables).

:func:`banded_page` cuts the page at its tables: the words above, between and below them are laid out as prose
(pipeline.ocr.layout), each table becomes a table block (pipeline.pdf_tables.add_table) whose words keep their
boxes, located in the table text, for the review page.
"""
from __future__ import annotations

from typing import Callable

from pipeline.core.document import Word
from pipeline.layout.blocks import Layout
from pipeline.layout.pdf_tables import add_table
from pipeline.layout.words import group_lines, layout


class PageText:
    """A page text assembled from chunks (prose bands and tables), their words and blocks shifted into place."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.words: list = []
        self.blocks: list = []
        self.pos = 0

    def add(self, text: str, words, blocks) -> None:
        if not text.strip():
            return
        if self.parts:
            self.parts.append("\n\n")
            self.pos += 2
        base = self.pos
        self.words.extend(Word(w.text, w.start + base, w.end + base, w.bbox, w.conf) for w in words)
        self.blocks.extend(b.shifted(lambda p: p + base) for b in blocks)
        self.parts.append(text)
        self.pos += len(text)

    def text(self) -> str:
        return "".join(self.parts)


def table_text(t, page_no: int):
    """A table's text and block, and its words located in that text (for boxes on the review page)."""

    lay = Layout(page=page_no)
    add_table(lay, t)
    text, blocks = lay.finish()
    words, cursor = [], 0
    for r in range(t.nrows):
        for c in t.row_cells(r):
            for ln in group_lines(c.words):
                for w in sorted(ln, key=lambda w: w.x0):
                    k = text.find(w.text, cursor)
                    if k == -1:
                        continue
                    words.append(Word(w.text, k, k + len(w.text), (w.x0, w.top, w.x1, w.bottom), w.conf))
                    cursor = k + len(w.text)
    return text, words, blocks


def banded_page(lwords: list, tables, page_no: int, width: float, height: float, *,
                lines: Callable[[list], list] = group_lines,
                drop_row: Callable[[str, float, float], bool] | None = None) -> PageText:
    """The page's prose (words outside every table, laid out band by band with hard wraps joined) and its tables
    (table blocks), top to bottom. ``lines`` groups a band's words into lines."""
    free = [w for w in lwords if not any(t.holds(w) for t in tables)]
    page = PageText()
    top = -1.0
    for t in [*sorted(tables, key=lambda t: t.bbox[1]), None]:
        bottom = t.bbox[1] if t is not None else float("inf")
        band = [w for w in free if top <= (w.top + w.bottom) / 2 < bottom]
        if band:
            text, ws = layout(lines(band), width, height, join=True, drop_row=drop_row)
            page.add(text, ws, ())
        if t is not None:
            page.add(*table_text(t, page_no))
            top = t.bbox[3]
    return page
