"""Stage 2 — OCR: the pages of a document that have no text layer, read by Tesseract one page at a time.

- :func:`ocr_page` reads one page: renders it (:mod:`.render`, pypdfium2 at 300 dpi for PDFs), preprocesses it
  (:mod:`.preprocess`: red/blue seals removed by colour, grayscale, deskew; orientation by Tesseract OSD when the
  first reading is poor), runs Tesseract ``-l vie`` (pipeline.tools.tesseract), finds ruled tables on the image
  (pipeline.layout.scan_tables) and lays the words out (pipeline.layout.words). Only one page image is alive at a
  time, so memory stays bounded on long scans.
- :func:`ocr` maps :func:`ocr_page` over a document's pages with the executor it is handed (anything with
  ``map(fn, iterable)``, as ``concurrent.futures`` executors have); without one it reads them here, one after
  another. No pool is made here: the engine (pipeline.engine) owns the pools.
"""
from __future__ import annotations

import os
from dataclasses import replace
from typing import Any, Callable, Iterable

from pipeline.core import limits
from pipeline.core.document import Document, Page
from pipeline.core.errors import BadInputError, ChithiError
from pipeline.layout.scan_tables import continued_tables, erase_rules, find_tables, table_page
from pipeline.layout.words import LWord, config, layout, nfc
from pipeline.ocr.preprocess import pnm, preprocess
from pipeline.ocr.render import render_page
from pipeline.readers.image import short_error
from pipeline.tools import tesseract

# -- OCR of one page -------------------------------------------------------------------------------------------


def _tsv_lines(tsv_words, scale: float) -> list[list[LWord]]:
    lines: dict[tuple[int, int, int], list[LWord]] = {}
    for w in tsv_words:
        text = nfc(w.text)
        lines.setdefault((w.block, w.par, w.line), []).append(
            LWord(text, w.left * scale, w.top * scale, (w.left + w.width) * scale, (w.top + w.height) * scale,
                  max(0.0, w.conf)))
    return list(lines.values())


def _mean_conf(words: Iterable) -> float:
    cs = [w.conf for w in words if w.conf is not None and w.conf >= 0]
    return sum(cs) / len(cs) if cs else 0.0


def _strip_cuts(gray, k: int, min_gap: int) -> list[int]:
    """Rows where a page may be cut into ``k`` strips read side by side: for each of the k-1 even cut points,
    the middle of the widest band of blank rows (at least ``min_gap`` tall) within a sixth of the page of it;
    fewer cuts where no such band is (a figure, a dense table)."""
    import numpy as np

    a = np.asarray(gray.reduce(2) if min(gray.size) > 1200 else gray, dtype=np.uint8)
    f = gray.height / a.shape[0]
    paper = int(np.median(a))
    if paper < 128:  # a dark page (a photo, an inverted scan): read it whole
        return []
    ink = (a < min(160, paper - 60)).sum(axis=1) <= max(1, a.shape[1] // 800)  # blank rows
    cuts = []
    for j in range(1, k):
        mid, reach = int(len(ink) * j / k), len(ink) // 6
        best, best_len, run = None, 0, 0
        for y in range(max(0, mid - reach), min(len(ink), mid + reach)):
            run = run + 1 if ink[y] else 0
            if run * f >= min_gap and (run > best_len or (run == best_len and abs(y - mid) < abs(best - mid))):
                best, best_len = y - run // 2, run
        if best is not None and (not cuts or best * f > cuts[-1] + min_gap):
            cuts.append(int(best * f))
    return cuts


def _read_strips(gray, strips: int, *, psm: int, timeout: float, what: str, dpi) -> list:
    """Tesseract's words of ``gray``, read as ``strips`` horizontal strips by as many Tesseract processes at once
    (cut in blank bands between lines, so no word is cut), put back in page coordinates and reading order."""
    from concurrent.futures import ThreadPoolExecutor
    from dataclasses import replace as _replace

    cuts = _strip_cuts(gray, strips, int(config()["ocr_strips"]["min_gap_px"])) if strips > 1 else []
    if not cuts:
        return tesseract.image_to_tsv(pnm(gray), psm=psm, timeout=timeout, what=what, dpi=dpi)
    bounds = [0, *cuts, gray.height]
    parts = [gray.crop((0, a, gray.width, b)) for a, b in zip(bounds, bounds[1:])]
    with ThreadPoolExecutor(len(parts)) as threads:  # each thread waits on its own Tesseract process
        read = list(threads.map(lambda im: tesseract.image_to_tsv(pnm(im), psm=psm, timeout=timeout, what=what,
                                                                   dpi=dpi), parts))
    return [_replace(w, top=w.top + y0, block=w.block + 10000 * i)
            for i, (y0, words) in enumerate(zip(bounds, read)) for w in words]


def ocr_image(img, *, number: int = 1, scale: float = 1.0, timeout: float = 180, what: str = "page",
              strips: int = 1) -> Page:
    """OCR one (RGB or L) PIL image into a Page; bboxes are in image pixels times ``scale``. ``strips``: how many
    Tesseract processes may read the page at once (cores that would idle otherwise, see :func:`ocr`)."""
    from PIL import Image

    cfg = config()
    gray, _angle = preprocess(img)
    del img
    grid = find_tables(gray, number - 1, scale)  # ruled tables: their rules are whitened before Tesseract reads
    if grid.tables:
        gray = erase_rules(gray, grid)
        strips = 1  # a table is laid out from the words of the whole page
    psm = cfg["tesseract"]["psm"]
    tw = _read_strips(gray, strips, psm=psm, timeout=timeout, what=what, dpi=cfg["tesseract"].get("dpi"))
    conf = _mean_conf(tw)
    if conf < cfg["osd"]["retry_below_conf"] or len(tw) < 5:
        o = tesseract.osd(pnm(gray), timeout=timeout, what=what)
        if o and o.rotate and o.confidence >= cfg["osd"]["min_confidence"]:
            rot = gray.transpose({90: Image.ROTATE_90, 180: Image.ROTATE_180, 270: Image.ROTATE_270}[o.rotate])
            tw2 = tesseract.image_to_tsv(pnm(rot), psm=psm, timeout=timeout, what=what, dpi=cfg["tesseract"].get("dpi"))
            if _mean_conf(tw2) > conf:
                tw, gray = tw2, rot
                grid = find_tables(gray, number - 1, scale)  # the tables as the turned page has them
    width, height = gray.width * scale, gray.height * scale
    if grid.tables:  # prose laid out around the tables (hard wraps joined), each table a table block
        text, words, blocks = table_page(_tsv_lines(tw, scale), grid, number, width, height)
        return Page(number=number, text=text, method="ocr", words=words, width=width, height=height,
                    confidence=round(_mean_conf(words), 1) if words else 0.0, blocks=blocks)
    text, words = layout(_tsv_lines(tw, scale), width, height, join=False)
    return Page(number=number, text=text, method="ocr", words=words, width=width, height=height,
                confidence=round(_mean_conf(words), 1) if words else 0.0)


def ocr_page(task: tuple) -> Page:
    """One OCR task of :func:`page_tasks` (the file's path or bytes, page index, page number, timeout, the file's
    name[, strips]) → the OCR'd Page.  Runs in a worker process: renders the page, OCRs it with one Tesseract
    thread per strip and lets the image go."""
    src, index, number, timeout, name = task[:5]
    strips = task[5] if len(task) > 5 else 1
    os.environ["OMP_THREAD_LIMIT"] = "1"
    what = f"{name} page {number}"
    try:
        img, scale = render_page((src, index))
    except ChithiError:
        raise
    except MemoryError:
        raise
    except Exception as e:  # noqa: BLE001 - pdfium/Pillow failures on one page
        raise BadInputError(f"{what}: cannot render the page ({short_error(e)})") from None
    if img is None:  # blank: no OSD, no OCR
        return Page(number=number, text="", method="ocr", blank=True)
    limited = bool(img.info.get("downscaled"))  # a PDF page over the pixel limit, read at a lower resolution
    page = ocr_image(img, number=number, scale=scale, timeout=timeout, what=what, strips=strips)
    return replace(page, downscaled=True) if limited else page


def page_tasks(doc: Document, timeout: float = 180, data: Any = None) -> dict[int, tuple]:
    """The pages of ``doc`` that need OCR, as {page index: task for :func:`ocr_page`}. ``data``: the file's bytes
    (or what stands for them on a cluster) when the worker cannot open ``doc.path``."""
    tasks = {}
    for i, p in enumerate(doc.pages):
        if p.needs_ocr:
            src = p.image_source or (doc.path, i)
            tasks[i] = (src[0] if data is None else data, src[1], p.number, timeout, doc.path)
    return tasks


def with_pages(doc: Document, done: dict[int, Page]) -> Document:
    """``doc`` with the OCR'd pages of :func:`ocr_page` put in place (and a warning for pages without text)."""
    pages = list(doc.pages)
    for i, page in done.items():
        pages[i] = _finish(pages[i], page)
    if any(p.blocks for p in pages):  # tables running over a page break (pipeline.layout.scan_tables)
        pages = continued_tables(pages)
    out = replace(doc, pages=tuple(pages))
    low = [p.number for p in out.pages if p.downscaled]
    if low:
        out = out.with_warning("page_downscaled", f"page(s) {_numbers(low)} are larger than the "
                               f"{limits.current().max_megapixels:g} megapixel limit: OCR'd at a lower resolution "
                               f"(raise the limit with {limits.FLAGS['max_megapixels']})", pages=low)
    blank = [p.number for p in out.pages if p.blank]
    if blank:
        out = out.with_warning("blank_page", f"page(s) {_numbers(blank)} are blank: not OCR'd", pages=blank)
    empty = [p.number for p in out.pages if p.method == "ocr" and not p.text.strip() and not p.blank]
    if empty:
        out = out.with_warning("ocr_empty", f"OCR found no text on page(s) {', '.join(map(str, empty))}",
                               pages=empty)
    return out


def _numbers(ns: list[int], most: int = 20) -> str:
    return ", ".join(map(str, ns[:most])) + (f" and {len(ns) - most} more" if len(ns) > most else "")


def ocr(doc: Document, executor: Any = None, timeout: float = 180,
        on_page: Callable[[int, int], None] | None = None, data: bytes | None = None) -> Document:
    """OCR the ``needs_ocr`` pages of ``doc``; other pages are kept. ``executor``: where the pages are read (its
    ``map(ocr_page, tasks)``); None reads them here. ``on_page(done, total)`` is called as each page is back.
    ``data``: the file's bytes, when it was read from them (see :func:`page_tasks`)."""
    tasks = page_tasks(doc, timeout, data)
    if not tasks:
        return doc
    tesseract.check()
    # the last pages, fewer than the executor's processes, would leave cores idle at the end (one page read here
    # leaves all but one idle): each of them is read as strips by several Tesseract processes at once
    width = max(1, int(getattr(executor, "workers", 1) if executor is not None else 1))
    last = len(tasks) % width if len(tasks) > 1 or executor is not None else 0
    if width > 1 and last:
        for i in list(tasks)[-last:]:
            tasks[i] = (*tasks[i], width // last)
    pages: Iterable[Page] = (executor.map(ocr_page, tasks.values()) if executor is not None
                             else map(ocr_page, tasks.values()))
    done: dict[int, Page] = {}
    for i, page in zip(tasks, pages):
        done[i] = page
        if on_page:
            on_page(len(done), len(tasks))
    return with_pages(doc, done)


def _finish(old: Page, new: Page) -> Page:
    return replace(new, number=old.number, image_source=old.image_source, needs_ocr=False)
