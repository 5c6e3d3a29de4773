"""Ruled tables on text-layer PDF pages (pdfplumber's table finder) as table blocks.

A table is kept when it has three or more grid columns and two or more rows (single boxes and two-column frames
are layout, read as text). Each cell gets the page words whose centre falls in it, grouped in lines and reflowed
into paragraphs (pipeline.blocks.reflow); merged cells get their column and row spans from the grid lines.

A table continued on the next page repeats its header row there: the repeated header is dropped (the extractor
carries the column roles over), and a first row with an empty number cell continues the last row of the page
before (a task whose text runs over the page break): its words join that row's cells.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from pipeline.layout.blocks import Layout, wrapped
from pipeline.layout.words import group_lines

MIN_COLS = 3


@dataclass
class PCell:
    row: int
    col: int
    colspan: int
    rowspan: int
    bbox: tuple[float, float, float, float]
    words: list = field(default_factory=list)  # pipeline.ocr.LWord
    continued: list = field(default_factory=list)  # words of this cell on the next page (a row split by a page break)


@dataclass
class PTable:
    page: int  # 0-based
    bbox: tuple[float, float, float, float]
    ncols: int
    cells: list[PCell]
    rules: list[float] = field(default_factory=list)  # y of the rules that cross the whole table

    def row_cells(self, r: int) -> list[PCell]:
        return sorted((c for c in self.cells if c.row == r), key=lambda c: c.col)

    def holds(self, w) -> bool:
        cx, cy = (w.x0 + w.x1) / 2, (w.top + w.bottom) / 2
        return self.bbox[0] <= cx <= self.bbox[2] and self.bbox[1] <= cy <= self.bbox[3]

    @property
    def nrows(self) -> int:
        return 1 + max((c.row for c in self.cells), default=-1)


def find_tables(page, index: int) -> list[PTable]:
    try:
        found = page.find_tables()
    except Exception:  # noqa: BLE001 - a page pdfplumber cannot analyse: read as text
        return []
    out = []
    for t in found:
        boxes = [c for r in t.rows for c in r.cells if c]
        if not boxes:
            continue
        xs = sorted({round(b[0], 1) for b in boxes})
        ys = sorted({round(b[1], 1) for b in boxes})
        if len(xs) < MIN_COLS or len(ys) < 2:
            continue
        cells = []
        for b in boxes:
            col, row = xs.index(round(b[0], 1)), ys.index(round(b[1], 1))
            colspan = 1 + sum(1 for x in xs if b[0] + 1 < x < b[2] - 1)
            rowspan = 1 + sum(1 for y in ys if b[1] + 1 < y < b[3] - 1)
            cells.append(PCell(row, col, colspan, rowspan, tuple(float(v) for v in b)))
        out.append(PTable(index, tuple(float(v) for v in t.bbox), len(xs), cells, _full_rules(page, t.bbox)))
    return out


def _full_rules(page, bbox) -> list[float]:
    """The y of horizontal rules whose segments together cross the whole table (rules within 3 pt are one)."""
    x0, y0, x1, y1 = bbox
    at: dict[int, list[tuple[float, float]]] = {}
    try:
        edges = page.horizontal_edges
    except Exception:  # noqa: BLE001
        return []
    for e in edges:
        if y0 - 1 <= e["top"] <= y1 + 1:
            at.setdefault(round(e["top"]), []).append((max(float(e["x0"]), x0), min(float(e["x1"]), x1)))
    full = []
    for y, segs in sorted(at.items()):
        covered, end = 0.0, x0
        for a, b in sorted(segs):
            a = max(a, end)
            if b > a:
                covered += b - a
                end = b
        if covered >= 0.95 * (x1 - x0):
            full.append(float(y))
    rules: list[float] = []
    for y in full:
        if not rules or y - rules[-1] > 3:
            rules.append(y)
        else:
            rules[-1] = y  # a thick rule drawn as several lines: its lowest
    return rules


def assign_words(tables: list[PTable], words: list) -> None:
    """Put each word in the cell its centre falls in."""
    for w in words:
        cx, cy = (w.x0 + w.x1) / 2, (w.top + w.bottom) / 2
        for t in tables:
            if not t.holds(w):
                continue
            for c in t.cells:
                if c.bbox[0] <= cx <= c.bbox[2] and c.bbox[1] <= cy <= c.bbox[3]:
                    c.words.append(w)
                    break
            break


def _absorb(m: PCell, c: PCell, colspan: int, rowspan: int) -> None:
    """Cell ``c`` becomes part of ``m`` (one cell the grid had split): box, words, spans."""
    m.bbox = (min(m.bbox[0], c.bbox[0]), min(m.bbox[1], c.bbox[1]), max(m.bbox[2], c.bbox[2]), max(m.bbox[3], c.bbox[3]))
    m.words.extend(c.words)
    m.continued.extend(c.continued)
    m.colspan, m.rowspan = colspan, rowspan


def merge_columns(t: PTable) -> None:
    """Ruling lines drawn in some rows only make pdfplumber's grid finer than the table's columns (a header cell
    "Cơ quan chủ trì" over four grid columns, and a unit name split across them below). The header row's named
    cells are the table's columns: cells of a row within one of them are one cell."""
    head = sorted((c for c in t.row_cells(0) if c.words), key=lambda c: c.bbox[0])
    if len(head) < MIN_COLS or len(head) >= t.ncols:
        return
    cuts = [(a.bbox[2] + b.bbox[0]) / 2 for a, b in zip(head, head[1:])]

    def column(x: float) -> int:
        return sum(1 for cut in cuts if x > cut)

    merged: dict[tuple[int, int], PCell] = {}
    for c in sorted(t.cells, key=lambda c: (c.row, c.bbox[0])):
        first, last = column(c.bbox[0] + 1), column(c.bbox[2] - 1)
        key = (c.row, first)
        if key in merged and last == first:
            _absorb(merged[key], c, colspan=merged[key].colspan, rowspan=max(merged[key].rowspan, c.rowspan))
            continue
        merged[key] = PCell(c.row, first, last - first + 1, c.rowspan, c.bbox, list(c.words), list(c.continued))
    t.cells = list(merged.values())
    t.ncols = len(head)


def merge_rows(t: PTable) -> None:
    """Rules drawn in some columns only split a row into one grid row per text line. A row of the table lies
    between two rules that cross the whole table: the grid rows between them are one row, and their cells in one
    column are one cell."""
    if len(t.rules) < 3:
        return
    import bisect

    def row(y: float) -> int:
        return max(0, bisect.bisect_right(t.rules, y) - 1)

    merged: dict[tuple[int, int], PCell] = {}
    for c in sorted(t.cells, key=lambda c: (c.bbox[1], c.col)):
        first, last = row(c.bbox[1] + 4), row(c.bbox[3] - 4)
        key = (first, c.col)
        if key in merged:
            m = merged[key]
            _absorb(m, c, colspan=max(m.colspan, c.colspan), rowspan=max(m.rowspan, last - first + 1))
            continue
        merged[key] = PCell(first, c.col, c.colspan, last - first + 1, c.bbox, list(c.words), list(c.continued))
    used = sorted({c.row for c in merged.values()})  # rows numbered from 0 with no gaps
    index = {r: i for i, r in enumerate(used)}
    for c in merged.values():
        c.row = index[c.row]
    t.cells = list(merged.values())


def _row_text(t: PTable, r: int) -> str:
    return " ".join(" ".join(w.text for w in c.words) for c in t.row_cells(r)).casefold()


def stitch(prev: PTable, cur: PTable) -> None:
    """``cur`` continues ``prev`` on the next page: drop its repeated header, and let a first row with an empty
    number cell continue ``prev``'s last row."""
    if cur.ncols != prev.ncols:
        return
    if cur.nrows and _row_text(cur, 0).strip() and _row_text(cur, 0) == _row_text(prev, 0):
        cur.cells = [c for c in cur.cells if c.row != 0]
        for c in cur.cells:
            c.row -= 1
    first = cur.row_cells(0)
    if not first or first[0].col != 0 or first[0].words:
        return
    last = prev.nrows - 1
    for c in first:
        target = next((p for p in prev.cells if p.row <= last < p.row + p.rowspan and p.col == c.col), None)
        if target is not None:
            target.continued.extend(c.words)
    cur.cells = [c for c in cur.cells if c.row != 0]
    for c in cur.cells:
        c.row -= 1


def cell_paragraphs(c: PCell) -> list[str]:
    """The cell's paragraphs; the part of it on the next page continues them."""
    paras = _paragraphs(c, c.words)
    more = _paragraphs(c, c.continued)
    if paras and more and wrapped(paras[-1], more[0], 0):
        paras[-1] += " " + more.pop(0)
    return paras + more


def _paragraphs(c: PCell, words: list) -> list[str]:
    """The cell's lines joined into paragraphs: a line continues the one above when the first word of the line
    would not have fitted at the end of the line above (a wrap in a narrow cell), or when the text says so
    (pipeline.blocks.reflow: lowercase start, a connector at the end)."""
    lines = [sorted(ln, key=lambda w: w.x0) for ln in group_lines(words)]
    if not lines:
        return []
    # the inner width: the cell less its margin, taken from the widest line (left, right or centred text)
    pad = max(1.0, min(min(ln[0].x0 - c.bbox[0], c.bbox[2] - ln[-1].x1) for ln in lines))
    inner = c.bbox[2] - c.bbox[0] - 2 * pad
    paras: list[str] = []
    prev = None
    for ln in lines:
        text = " ".join(w.text for w in ln)
        if prev is not None:
            space = max(2.0, 0.25 * (ln[0].bottom - ln[0].top))
            fits = (prev[-1].x1 - prev[0].x0) + space + (ln[0].x1 - ln[0].x0) <= inner + 1
            if not fits or wrapped(paras[-1], text, 0):
                paras[-1] += " " + text
                prev = ln
                continue
        paras.append(text)
        prev = ln
    return [unicodedata.normalize("NFC", p) for p in paras]


def add_table(lay: Layout, t: PTable) -> None:
    rows = [[(cell_paragraphs(c), c.colspan, c.rowspan, c.col) for c in t.row_cells(r)] for r in range(t.nrows)]
    lay.table(rows, layout=False)
