"""Ruled tables on scanned pages: found on the page image by OpenCV line detection, read as table blocks.

On the preprocessed (grayscale, deskewed, seal-free) page image, ink is binarised and opened with long thin
kernels: what survives a horizontal kernel are horizontal rules, a vertical kernel vertical rules. Rules are
thickened a little so broken lines and corners join; each connected group of rules large enough to be a table is
one table, and its cells are the holes the rules enclose (so merged cells come out merged). Cell edges are
clustered into grid lines; a cell's column and row are the grid lines at its left and top edges, its spans the
grid lines inside it — the same :class:`pipeline.pdf_tables.PTable` a text-layer PDF page gives, so the page is
built the same way (pipeline.page_text.banded_page) and the extractor sees the same table blocks.

The rules are whitened before Tesseract reads the page (rules read as ``|`` and ``_`` otherwise, and glue the
words of neighbouring cells); each word then goes to the cell its centre falls in.
"""
from __future__ import annotations

from dataclasses import dataclass

from pipeline.layout.page_text import banded_page
from pipeline.layout.pdf_tables import MIN_COLS, PCell, PTable, assign_words


@dataclass
class Grid:
    tables: list[PTable]
    rules: object  # numpy uint8 mask of the rules (255) in image pixels, for erasing; None without tables


def _cluster(values: list[float], tol: float) -> list[float]:
    """Sorted values merged into groups whose neighbours lie within ``tol`` (chains follow a residual skew);
    each group stands for its mean."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(g) / len(g) for g in out]


def _index(grid: list[float], v: float) -> int:
    return min(range(len(grid)), key=lambda i: abs(grid[i] - v))


def find_tables(gray, index: int = 0, scale: float = 1.0) -> Grid:
    """The ruled tables of a grayscale page image (PIL ``L``); boxes in image pixels times ``scale``."""
    import numpy as np

    a = np.asarray(gray, dtype=np.uint8)
    h, w = a.shape
    ink = a < 150
    # cheap check before loading OpenCV: a table needs long horizontal runs of ink on several rows (a rule under
    # the motto alone is one) and vertical runs taller than a text line
    if not _has_long_runs(ink, max(200, w // 8)) or not _has_long_runs(ink.T, max(100, h // 35)):
        return Grid([], None)
    import cv2

    bw = ink.astype(np.uint8) * 255
    # kernels longer than any letter stroke at body sizes (a 13 pt 'h' is ~40 px tall at 300 dpi), shorter than
    # the rules of a one-line row
    hk, vk = max(40, w // 40), max(55, h // 64)
    horiz = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hk, 1)))
    vert = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
    # close small breaks along each rule, then thicken so corners meet
    horiz = cv2.dilate(horiz, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 1)))
    vert = cv2.dilate(vert, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 15)))
    raw = cv2.bitwise_or(horiz, vert)
    rules = cv2.dilate(raw, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(rules, connectivity=8)
    tables: list[PTable] = []
    keep = np.zeros_like(rules)
    for k in range(1, n):
        x, y, bw_, bh, _area = stats[k]
        if bw_ < 0.25 * w or bh < 60:
            continue
        region = (_labels[y:y + bh, x:x + bw_] == k).astype(np.uint8) * 255
        t = _table(region, x, y, index, scale)
        if t is not None:
            tables.append(t)
            keep[y:y + bh, x:x + bw_] |= region
    if not tables:
        return Grid([], None)
    # what is erased before Tesseract reads: the rules themselves (not the dilation that joined them, which can
    # reach letters standing close to a rule), widened by a pixel for their blurred edges
    erase = cv2.dilate(cv2.bitwise_and(raw, keep), cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    return Grid(sorted(tables, key=lambda t: t.bbox[1]), erase)


def _has_long_runs(ink, length: int) -> bool:
    """Do at least two bands of rows hold a run of ``length`` dark pixels (a rule)?  Rows are OR-ed in bands of
    eight first, so a rule skewed by a degree or so still gives one long run."""
    import numpy as np

    h = ink.shape[0] // 8 * 8
    bands = ink[:h].reshape(h // 8, 8, -1).any(axis=1)
    # a run of `length` ones: a window sum equal to `length`
    c = np.cumsum(bands, axis=1, dtype=np.int32)
    win = c[:, length:] - c[:, :-length]
    return int((win.max(axis=1) >= length - 2).sum()) >= 2


def _table(region, x0: int, y0: int, index: int, scale: float) -> PTable | None:
    """The cells of one group of rules: the enclosed holes, on a grid of their clustered edges."""
    import cv2

    holes = cv2.bitwise_not(region)
    n, _lab, stats, _ = cv2.connectedComponentsWithStats(holes, connectivity=4)
    rh, rw = region.shape
    boxes = []
    for k in range(1, n):
        x, y, w, h, area = stats[k]
        if x == 0 or y == 0 or x + w >= rw or y + h >= rh:  # the outside of the table
            continue
        if w < 20 or h < 20 or area < 0.5 * w * h:
            continue
        boxes.append((x, y, x + w, y + h))
    if len(boxes) < MIN_COLS:
        return None
    tol = 20
    xs = _cluster([b[0] for b in boxes], tol)
    ys = _cluster([b[1] for b in boxes], tol)
    if len(xs) < MIN_COLS or len(ys) < 2:
        return None
    pad = 4  # the rules were thickened: give the cells back what the dilation took
    cells = []
    for b in boxes:
        col, row = _index(xs, b[0]), _index(ys, b[1])
        colspan = 1 + sum(1 for gx in xs if b[0] + tol < gx < b[2] - tol)
        rowspan = 1 + sum(1 for gy in ys if b[1] + tol < gy < b[3] - tol)
        bbox = ((x0 + b[0] - pad) * scale, (y0 + b[1] - pad) * scale, (x0 + b[2] + pad) * scale,
                (y0 + b[3] + pad) * scale)
        cells.append(PCell(row, col, colspan, rowspan, bbox))
    bbox = (x0 * scale, y0 * scale, (x0 + rw) * scale, (y0 + rh) * scale)
    return PTable(index, bbox, len(xs), cells)


def erase_rules(gray, grid: Grid):
    """The page image with the table rules whitened (for Tesseract)."""
    import numpy as np
    from PIL import Image

    a = np.array(gray, dtype=np.uint8)
    a[grid.rules > 0] = 255
    return Image.fromarray(a, "L")


def table_page(lines, grid: Grid, number: int, width: float, height: float):
    """(text, words, blocks) of an OCR'd page with tables: OCR lines (pipeline.ocr.LWord) outside the tables laid
    out as prose, each table a table block with its cells' words."""

    words = [w for ln in lines for w in ln]
    line_of = {id(w): i for i, ln in enumerate(lines) for w in ln}

    def ocr_lines(band: list) -> list[list]:
        """A band's words in the lines Tesseract found."""
        out: dict[int, list] = {}
        for w in band:
            out.setdefault(line_of[id(w)], []).append(w)
        return list(out.values())

    assign_words(grid.tables, words)
    page = banded_page(words, grid.tables, number, width, height, lines=ocr_lines)
    return page.text(), tuple(page.words), tuple(page.blocks)


def continued_tables(pages: list) -> list:
    """Pages (pipeline.document.Page) whose first table continues the last table of the page before, as
    pipeline.pdf_tables.stitch does for text layers: a repeated header row and a first row whose number cell is
    empty (the end of the previous page's last task) are taken out of the table block (their text stays in the
    page text, outside any row), so the extractor reads the rows after them with the column roles carried over."""
    from dataclasses import replace

    out = list(pages)
    for i in range(1, len(out)):
        prev = [b for b in out[i - 1].blocks if b.kind == "table"]
        cur = [b for b in out[i].blocks if b.kind == "table"]
        if not prev or not cur or out[i].method != "ocr":
            continue
        a, b = prev[-1], cur[0]
        if _ncols(a) != _ncols(b) or _before(out[i].text, b):
            continue
        rows = b.rows()
        drop = 0
        if rows and len(a.rows()) and _row_text(out[i].text, rows[0]) == _row_text(out[i - 1].text, a.rows()[0]):
            drop = 1
        if len(rows) > drop and rows[drop] and rows[drop][0].col == 0 and \
                not out[i].text[rows[drop][0].start:rows[drop][0].end].strip():
            drop += 1
        if not drop or drop >= len(rows):
            continue
        cells = tuple(replace(c, row=c.row - drop, header=False) for c in b.cells if c.row >= drop)
        nb = replace(b, cells=cells, header_rows=max(0, b.header_rows - drop))
        out[i] = replace(out[i], blocks=tuple(nb if x is b else x for x in out[i].blocks))
    return out


def _ncols(b) -> int:
    return max((c.col + c.colspan for c in b.cells), default=0)


def _row_text(text: str, row) -> str:
    return " ".join(" ".join(text[c.start:c.end].split()) for c in row).casefold()


def _before(text: str, b) -> bool:
    """Does prose stand above the table on its page (then it does not continue the page before)?"""
    return len(text[:b.start].split()) > 12
