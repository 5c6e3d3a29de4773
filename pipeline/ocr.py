"""Images and scanned pages: validation at ingestion, and the OCR stage.

- :func:`read_image` checks an image file (PNG, JPEG, TIFF incl. multi-page, BMP, WEBP) without decoding its
  pixels and returns one ``needs_ocr`` page per frame.
- :func:`ocr` OCRs every ``needs_ocr`` page of a document in parallel worker processes, one page at a time:
  each worker renders its page from ``Page.image_source`` (pypdfium2 at 300 dpi for PDFs), preprocesses it
  (red/blue seals removed by colour, grayscale, deskew; orientation by Tesseract OSD when the first reading is
  poor), runs Tesseract ``-l vie`` (pipeline._exec.tesseract) and lays the words out (:func:`layout`).
  Only one page image per worker is alive at a time, so memory stays bounded on long scans.
- :func:`layout` (shared with pipeline.pdf) turns located words into page text in reading order: the
  two-column header block (issuer | motto; số | địa danh, ngày) as left-column lines then right-column lines,
  running heads and page numbers dropped, paragraphs separated by blank lines; it returns ``Word`` objects
  whose offsets index the page text exactly.
"""
from __future__ import annotations

import io
import os
import re
import statistics
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable, Iterable, Sequence

from pipeline.document import Document, Page, Word
from pipeline.errors import BadInputError, ChithiError

# -- configuration -------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def config() -> dict:
    from pipeline.lexicon import load_yaml

    return load_yaml("ocr_layout.yaml")


def _name(doc_or_path) -> str:
    """The file as the user named it: messages start with it, as ingestion's do."""
    return doc_or_path.path if isinstance(doc_or_path, Document) else str(doc_or_path)


# -- ingestion of image files --------------------------------------------------------------------------------


def read_image(doc: Document, data: bytes) -> Document:
    """One ``needs_ocr`` page per image frame; refuse unreadable, tiny and huge images without decoding them."""
    from PIL import Image, UnidentifiedImageError

    from pipeline import limits

    cfg = config()["render"]
    name = _name(doc)
    try:
        with _pil_guard():
            im = Image.open(io.BytesIO(data))
            w, h = im.size
            frames = getattr(im, "n_frames", 1) or 1
            limits.check_pages(name, frames, "image frames")
            for i in range(frames):  # every frame's size, from its header: none is decoded yet
                if i:
                    im.seek(i)
                limits.check_frame(name, *im.size, frame=i)
    except UnidentifiedImageError:
        raise BadInputError(f"{name}: not a readable image", "is the file damaged or of another type?") from None
    except (OSError, ValueError, SyntaxError, EOFError) as e:
        raise BadInputError(f"{name}: not a readable image ({_short(e)})", "is the file damaged?") from None
    small = cfg["min_side_refuse_px"]
    if min(w, h) < small:
        raise BadInputError(f"{name}: image is {w}×{h} px, too small to hold text",
                            f"need at least {small} px on each side")
    # decode the first frame now (bounded by the size check) so a truncated file fails at ingestion
    try:
        with _pil_guard():
            im.seek(0)
            im.load()
    except Exception as e:  # noqa: BLE001 - Pillow raises many types for damaged files
        raise BadInputError(f"{name}: image cannot be decoded ({_short(e)})", "is the file damaged?") from None
    pages = tuple(Page(number=i + 1, text="", method="ocr", needs_ocr=True, image_source=(doc.path, i),
                       width=float(w) if frames == 1 else None, height=float(h) if frames == 1 else None)
                  for i in range(frames))
    return replace(doc, pages=pages)


class _pil_guard:
    """Let our own megapixel limit decide: Pillow's decompression-bomb check would raise first (and differently)."""

    def __enter__(self):
        from PIL import Image

        self._old = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None

    def __exit__(self, *exc):
        from PIL import Image

        Image.MAX_IMAGE_PIXELS = self._old
        return False


def _short(e: Exception) -> str:
    s = " ".join(str(e).split()) or type(e).__name__
    return s[:120]


# -- rendering ------------------------------------------------------------------------------------------------


def render_page(source: tuple[str, int], dpi: int | None = None):
    """The page image (PIL RGB/L) of ``(path, index)`` and the scale from image pixels to reported pixels."""
    from PIL import Image

    path, index = source
    cfg = config()["render"]
    dpi = dpi or cfg["dpi"]
    if path.lower().endswith(".pdf"):
        import pypdfium2 as pdfium

        from pipeline.limits import fit_scale

        pdf = pdfium.PdfDocument(path)
        try:
            page = pdf[index]
            if blank_pdf_page(page):
                page.close()
                return None, 1.0
            scale = fit_scale(page.get_width(), page.get_height(), dpi)  # a huge page: a lower resolution
            bitmap = page.render(scale=scale)
            im = bitmap.to_pil()
            im.load()
            im = im.copy()
            bitmap.close()
            page.close()
        finally:
            pdf.close()
        return im, dpi / 72 / scale
    with _pil_guard():
        src = Image.open(path)
        src.seek(index)
        im = src.convert("RGB") if src.mode not in ("RGB", "L") else src.copy()
    if blank_image(im):
        return None, 1.0
    factor = 1.0
    side = max(im.size)
    if side < cfg["min_side_px"]:
        factor = min(2.0, cfg["min_side_px"] / side)
        im = im.resize((round(im.width * factor), round(im.height * factor)), Image.LANCZOS)
    return im, 1 / factor


def ink_ratio(gray) -> float:
    """Share of pixels clearly darker than the paper (the median) in a small grayscale image."""
    import numpy as np

    a = np.asarray(gray, dtype=np.uint8)
    paper = float(np.median(a))
    return float((a < paper - config()["blank"]["ink_delta"]).mean()) if a.size else 0.0


def blank_image(im) -> bool:
    """A blank or near-blank page: too little ink on a copy shrunk to about ``blank.thumb_px`` pixels across."""
    cfg = config()["blank"]
    k = max(1, max(im.size) // cfg["thumb_px"])
    small = im.convert("L").reduce(k) if k > 1 else im.convert("L")
    return ink_ratio(small) < cfg["max_ink_ratio"]


def blank_pdf_page(page) -> bool:
    """:func:`blank_image` on a small grayscale render of a pdfium page (no full-size render needed)."""
    cfg = config()["blank"]
    scale = cfg["thumb_px"] / max(page.get_width(), page.get_height(), 1)
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        small = bitmap.to_pil().convert("L")
        return ink_ratio(small) < cfg["max_ink_ratio"]
    finally:
        bitmap.close()


# -- preprocessing --------------------------------------------------------------------------------------------


def preprocess(im):
    """Grayscale image with red/blue seals whitened and the skew removed; returns (image, skew angle)."""
    from PIL import Image

    cfg = config()
    st = cfg["stamps"]
    if im.mode == "L":
        img = im
    else:
        from PIL import ImageChops

        rgb = im.convert("RGB")
        r, g, b = rgb.split()
        img = rgb.convert("L")
        # red seal: R - max(G, B) large and R bright; blue stamp: B - max(R, G) large and light overall
        red = ImageChops.subtract(r, ImageChops.lighter(g, b)).point(lambda v: 255 if v > st["red_delta"] else 0)
        red = ImageChops.multiply(red, r.point(lambda v: 255 if v > st["red_min"] else 0))
        blue = ImageChops.subtract(b, ImageChops.lighter(r, g)).point(lambda v: 255 if v > st["blue_delta"] else 0)
        blue = ImageChops.multiply(blue, img.point(lambda v: 255 if v > st["blue_min_luma"] else 0))
        mask = ImageChops.lighter(red, blue)
        if mask.getbbox():
            img = img.copy()
            img.paste(255, mask=mask)
        del rgb, r, g, b, red, blue, mask
    angle = estimate_skew(img)
    if abs(angle) >= cfg["deskew"]["min_angle"]:
        img = img.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    return img, angle


def estimate_skew(img) -> float:
    """Skew angle (degrees, counter-clockwise to apply) maximising the row-profile variance of dark pixels."""
    import numpy as np
    from PIL import Image

    cfg = config()["deskew"]
    small = img.reduce(4) if min(img.size) > 1200 else img
    a = np.asarray(small, dtype=np.uint8)
    thr = min(160, int(a.mean()) - 30)
    ink = Image.fromarray(((a < thr) * 255).astype(np.uint8), "L")
    best, best_score = 0.0, -1.0
    steps = int(round(cfg["max_angle"] / cfg["step"]))
    for k in range(-steps, steps + 1):
        ang = k * cfg["step"]
        rows = np.asarray(ink.rotate(ang, resample=Image.NEAREST, fillcolor=0), dtype=np.uint32).sum(axis=1)
        score = float(np.square(np.diff(rows.astype(np.float64))).sum())
        if score > best_score:
            best, best_score = ang, score
    return best


def _pnm(img) -> bytes:
    """PGM bytes of a grayscale image (Tesseract reads PNM from stdin; no PNG encoding cost)."""
    return f"P5 {img.width} {img.height} 255\n".encode() + img.tobytes()


# -- layout -----------------------------------------------------------------------------------------------------


@dataclass
class LWord:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    conf: float | None = None


@dataclass
class _Seg:
    words: list[LWord]

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


_PAGE_NO = re.compile(r"^[\-–—(\[\s]*(?:trang\s*)?\d{1,4}(?:\s*/\s*\d{1,4})?[\-–—)\]\s]*$", re.I)
_RULE = re.compile(r"^[\s_\-–—=.·…*~]{3,}$")
ITEM_START = re.compile(r"^(?:[-+•*–—]\s|\d+(?:\.\d+)*[.)/]\s|[a-zđ][)/]\s|[IVXLC]+[./]\s|\(\d+\)\s|"
                        r"[A-ZĐ]\.\s|Điều\s+\d+[a-zđ]?\.|Chương\s+[IVXLC\d]|Mục\s+\d|Phần\s+[IVXLC\d])")
_SENT_END = re.compile(r"[.;:!?”\"/]$")


def _split_segments(line: list[LWord], gap: float) -> list[_Seg]:
    line = sorted(line, key=lambda w: w.x0)
    segs = [_Seg([line[0]])]
    for w in line[1:]:
        if w.x0 - segs[-1].words[-1].x1 > gap:
            segs.append(_Seg([w]))
        else:
            segs[-1].words.append(w)
    return segs


def _rows(segs: list[_Seg]) -> list[list[_Seg]]:
    rows: list[list[_Seg]] = []
    spans: list[tuple[float, float]] = []
    for s in sorted(segs, key=lambda s: (s.top + s.bottom) / 2):
        h = s.bottom - s.top
        if rows:
            t, b = spans[-1]
            overlap = min(b, s.bottom) - max(t, s.top)
            if overlap > 0.5 * min(h, b - t):
                rows[-1].append(s)
                spans[-1] = (min(t, s.top), max(b, s.bottom))
                continue
        rows.append([s])
        spans.append((s.top, s.bottom))
    return [sorted(r, key=lambda s: s.x0) for r in rows]


def _side(s: _Seg, width: float) -> str:
    cx = (s.x0 + s.x1) / 2
    if s.x1 <= 0.62 * width and cx < 0.45 * width:
        return "L"
    if s.x0 >= 0.33 * width and cx > 0.55 * width:
        return "R"
    return "S"


def layout(lines: Iterable[Sequence[LWord]], width: float, height: float, *, join: bool = False,
           drop_row: Callable[[str, float, float], bool] | None = None) -> tuple[str, tuple[Word, ...]]:
    """Page text and its words from located words grouped in lines (any order).

    ``join``: join hard-wrapped lines of a paragraph into one line (text layers); otherwise lines are kept
    (OCR) and only paragraphs are separated by blank lines. ``drop_row(text, top, bottom)`` drops running heads.
    """
    cfg = config()["layout"]
    lines = [[w for w in ln if w.text.strip()] for ln in lines]
    lines = [ln for ln in lines if ln]
    if not lines:
        return "", ()
    hs = sorted(w.bottom - w.top for ln in lines for w in ln)
    med_h = hs[len(hs) // 2] or 1.0
    spaces = sorted(b.x0 - a.x1 for ln in lines for a, b in zip(sorted(ln, key=lambda w: w.x0),
                                                                 sorted(ln, key=lambda w: w.x0)[1:]) if b.x0 > a.x1)
    med_space = spaces[len(spaces) // 2] if spaces else 0.3 * med_h
    gap = max(cfg["column_gap"] * med_h, cfg["column_gap_spaces"] * med_space)
    segs = [s for ln in lines for s in _split_segments(list(ln), gap) if not _RULE.match(s.text)]
    rows = _rows(segs)
    margin = cfg["margin_frac"] * height
    kept = []
    for r in rows:
        text = " ".join(s.text for s in r)
        top, bottom = min(s.top for s in r), max(s.bottom for s in r)
        if _RULE.match(text):
            continue
        if (top < margin or bottom > height - margin) and _PAGE_NO.match(text):
            continue
        if drop_row and drop_row(text, top, bottom):
            continue
        kept.append(r)
    rows = kept
    notes = _footnote_rows(rows, width, med_h, config().get("footnotes", {}))
    if notes:
        rows = rows[:len(rows) - len(notes)]

    # runs of rows without a spanning segment that hold both a left and a right segment: two-column blocks
    blocks: list[tuple[str, list[_Seg]]] = []  # ("col", segs in L-then-R order) or ("row", segs of a row)
    i = 0
    while i < len(rows):
        sides = [_side(s, width) for s in rows[i]]
        if "S" in sides:
            blocks.append(("row", rows[i]))
            i += 1
            continue
        j = i
        while j < len(rows) and "S" not in [_side(s, width) for s in rows[j]]:
            j += 1
        run = rows[i:j]
        run_sides = {_side(s, width) for r in run for s in r}
        if run_sides == {"L", "R"} and len(run) >= 1:
            left = [s for r in run for s in r if _side(s, width) == "L"]
            right = [s for r in run for s in r if _side(s, width) == "R"]
            blocks.append(("col", left))
            blocks.append(("col", right))
        else:
            blocks.extend(("row", r) for r in run)
        i = j

    # lines of output: (segments, kind)
    out_lines: list[tuple[list[_Seg], str, int]] = []  # segs, kind, block id
    for bid, (kind, segs_) in enumerate(blocks):
        if kind == "col":
            out_lines.extend(([s], "col", bid) for s in segs_)
        else:
            out_lines.append((segs_, "row", bid))

    body = [ln for ln in out_lines if ln[1] == "row"]
    left_margin = _percentile([ln[0][0].x0 for ln in body], 0.1) if body else 0.0
    right_margin = _percentile([ln[0][-1].x1 for ln in body], 0.9) if body else width
    pitches = [b[0][0].top - a[0][0].top for a, b in zip(body, body[1:]) if 0 < b[0][0].top - a[0][0].top < 4 * med_h]
    pitch = statistics.median(pitches) if pitches else 1.6 * med_h

    def line_text(segs_: list[_Seg]) -> str:
        return " ".join(s.text for s in segs_)

    if notes:  # footnotes go before the paragraph the page ends in, so that it joins the next page's first line
        k = len(out_lines)
        if out_lines and not _SENT_END.search(line_text(out_lines[-1][0]).rstrip()):
            k -= 1
            while k > 0 and out_lines[k][1] == out_lines[k - 1][1] == "row" and \
                    _same_paragraph(out_lines[k - 1][0], out_lines[k][0], pitch, med_h, left_margin):
                k -= 1
        bid = len(blocks)
        out_lines[k:k] = [(r, "row", bid + i) for i, r in enumerate(notes)]

    def sep(prev, cur) -> str:
        """'' to join with a space (join mode), '\n' for a new line, '\n\n' for a new paragraph."""
        psegs, pkind, pbid = prev
        csegs, ckind, cbid = cur
        if pkind == "col" or ckind == "col":
            if pbid == cbid:
                vgap = csegs[0].top - psegs[0].bottom
                return "\n\n" if vgap > 1.2 * med_h else "\n"
            return "\n\n"
        ptext, ctext = line_text(psegs), line_text(csegs)
        p0, p1 = psegs[0].x0, psegs[-1].x1
        c0 = csegs[0].x0
        dy = csegs[0].top - psegs[0].top
        big_gap = dy > pitch + 0.45 * med_h or dy < 0
        indent = c0 > left_margin + 1.2 * med_h and c0 > p0 + 0.8 * med_h
        item = bool(ITEM_START.match(ctext))
        if big_gap or item or (indent and not _centered(csegs, left_margin, right_margin, med_h)):
            return "\n\n"
        caps = _all_caps(ptext)
        if caps != _all_caps(ctext):
            return "\n\n"
        full = p1 >= right_margin - 2.5 * med_h
        if not join:
            return "\n" if full or not _SENT_END.search(ptext) else "\n\n"
        if len(psegs) > 1 or len(csegs) > 1:
            return "\n"
        if caps:
            return "\n"
        if full and c0 <= p0 + 0.8 * med_h:
            return ""
        if _centered(psegs, left_margin, right_margin, med_h) and _centered(csegs, left_margin, right_margin, med_h):
            return ""
        return "\n\n" if _SENT_END.search(ptext) else "\n"

    parts: list[str] = []
    words: list[Word] = []
    pos = 0
    prev = None
    for ln in out_lines:
        if prev is not None:
            s = sep(prev, ln)
            if s == "":
                ptext = parts[-1] if parts else ""
                first = ln[0][0].words[0].text
                if re.search(r"\w-$", ptext) and first[:1].islower():  # hyphenated word: drop the hyphen
                    parts[-1] = ptext[:-1]
                    pos -= 1
                    w = words[-1]
                    words[-1] = replace(w, text=w.text[:-1], end=w.end - 1)
                    s = ""
                else:
                    s = " "
            parts.append(s)
            pos += len(s)
        for k, seg in enumerate(ln[0]):
            for m, w in enumerate(seg.words):
                if k or m:
                    parts.append(" ")
                    pos += 1
                t = w.text
                parts.append(t)
                words.append(Word(t, pos, pos + len(t), (w.x0, w.top, w.x1, w.bottom), w.conf))
                pos += len(t)
        prev = ln
    text = "".join(parts)
    return text, tuple(words)


_NOTE_MARK = re.compile(r"^(?:[0-9¹²³⁴⁵⁶⁷⁸⁹]{1,2}|[^\w\s(\[“\"+•*–—-]{1,2})\s+\S")


def _footnote_rows(rows: list[list[_Seg]], width: float, med_h: float, cfg: dict) -> list[list[_Seg]]:
    """The footnotes at the foot of a page: the last rows, set closer than the body's lines and after a wider gap,
    the first starting with a note mark ("1 Căn cứ …", OCR's "! Theo …", ": Cơ sở …"); [] when there are none."""
    if len(rows) < 4 or not cfg:
        return []
    tops = [statistics.median(w.bottom for s in r for w in s.words) for r in rows]  # baselines: steadier than tops
    pitches = [b - a for a, b in zip(tops, tops[1:]) if 0 < b - a < 4 * med_h]
    if not pitches:
        return []
    body = statistics.median(pitches)
    k = len(rows) - 1
    while k > 0 and 0 < tops[k] - tops[k - 1] < cfg["max_pitch"] * body:
        k -= 1
    # the run's first row: after a wide gap, starting with a note mark, no taller than the body's words
    if k == 0 or tops[k] - tops[k - 1] < cfg["min_gap"] * body or len(rows) - k > cfg["max_rows"]:
        return []
    run = rows[k:]
    if not _NOTE_MARK.match(" ".join(s.text for s in run[0])):
        return []
    if any(_side(s, width) == "R" for r in run for s in r) or any(len(r) > 1 for r in run):
        return []  # a signature or a two-column block, not notes
    hs = sorted(w.bottom - w.top for r in run for s in r for w in s.words)
    return run if hs[len(hs) // 2] <= cfg["max_height"] * med_h else []


def _same_paragraph(p: list[_Seg], c: list[_Seg], pitch: float, med_h: float, left: float) -> bool:
    """Line ``c`` continues the paragraph of line ``p`` (OCR: no wide gap, no indent, no list mark)."""
    dy = c[0].top - p[0].top
    return 0 < dy <= pitch + 0.45 * med_h and c[0].x0 <= left + 1.2 * med_h and not ITEM_START.match(c[0].text) \
        and not _SENT_END.search(" ".join(s.text for s in p).rstrip())


def _percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else 0.0


def _centered(segs: list[_Seg], left: float, right: float, h: float) -> bool:
    lgap, rgap = segs[0].x0 - left, right - segs[-1].x1
    return lgap > 0.8 * h and rgap > 0.8 * h and abs(lgap - rgap) < 1.5 * h


def _all_caps(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


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


def ocr_image(img, *, number: int = 1, scale: float = 1.0, timeout: float = 180, what: str = "page") -> Page:
    """OCR one (RGB or L) PIL image into a Page; bboxes are in image pixels times ``scale``."""
    from PIL import Image

    from pipeline._exec import tesseract

    from pipeline.scan_tables import erase_rules, find_tables, table_page

    cfg = config()
    gray, _angle = preprocess(img)
    del img
    grid = find_tables(gray, number - 1, scale)  # ruled tables: their rules are whitened before Tesseract reads
    if grid.tables:
        gray = erase_rules(gray, grid)
    psm = cfg["tesseract"]["psm"]
    tw = tesseract.image_to_tsv(_pnm(gray), psm=psm, timeout=timeout, what=what, dpi=cfg["tesseract"].get("dpi"))
    conf = _mean_conf(tw)
    if conf < cfg["osd"]["retry_below_conf"] or len(tw) < 5:
        o = tesseract.osd(_pnm(gray), timeout=timeout, what=what)
        if o and o.rotate and o.confidence >= cfg["osd"]["min_confidence"]:
            rot = gray.transpose({90: Image.ROTATE_90, 180: Image.ROTATE_180, 270: Image.ROTATE_270}[o.rotate])
            tw2 = tesseract.image_to_tsv(_pnm(rot), psm=psm, timeout=timeout, what=what, dpi=cfg["tesseract"].get("dpi"))
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


def ocr_page(task: tuple[str, int, int, float]) -> Page:
    """One OCR task of :func:`page_tasks` (path, page index, page number, timeout) → the OCR'd Page.  Runs in a
    worker process: renders the page, OCRs it with one Tesseract thread and lets the image go."""
    path, index, number, timeout = task
    os.environ["OMP_THREAD_LIMIT"] = "1"
    what = f"{_name(path)} page {number}"
    try:
        img, scale = render_page((path, index))
    except ChithiError:
        raise
    except MemoryError:
        raise
    except Exception as e:  # noqa: BLE001 - pdfium/Pillow failures on one page
        raise BadInputError(f"{what}: cannot render the page ({_short(e)})") from None
    if img is None:  # blank: no OSD, no OCR
        return Page(number=number, text="", method="ocr", blank=True)
    page = ocr_image(img, number=number, scale=scale, timeout=timeout, what=what)
    return replace(page, downscaled=True) if scale > 1.0001 else page  # a PDF page over the pixel limit


def page_tasks(doc: Document, timeout: float = 180) -> dict[int, tuple[str, int, int, float]]:
    """The pages of ``doc`` that need OCR, as {page index: task for :func:`ocr_page`}."""
    tasks = {}
    for i, p in enumerate(doc.pages):
        if p.needs_ocr:
            src = p.image_source or (doc.path, i)
            tasks[i] = (src[0], src[1], p.number, timeout)
    return tasks


def with_pages(doc: Document, done: dict[int, Page]) -> Document:
    """``doc`` with the OCR'd pages of :func:`ocr_page` put in place (and a warning for pages without text)."""
    pages = list(doc.pages)
    for i, page in done.items():
        pages[i] = _finish(pages[i], page)
    if any(p.blocks for p in pages):  # tables running over a page break (pipeline.scan_tables)
        from pipeline.scan_tables import continued_tables

        pages = continued_tables(pages)
    out = replace(doc, pages=tuple(pages))
    low = [p.number for p in out.pages if p.downscaled]
    if low:
        from pipeline.limits import FLAGS, current

        out = out.with_warning("page_downscaled", f"page(s) {_numbers(low)} are larger than the "
                               f"{current().max_megapixels:g} megapixel limit: OCR'd at a lower resolution (raise "
                               f"the limit with {FLAGS['max_megapixels']})", pages=low)
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


def ocr(doc: Document, workers: int = 1, timeout: float = 180, on_page=None) -> Document:
    """OCR the ``needs_ocr`` pages of ``doc`` (page by page, ``workers`` processes); other pages are kept.
    ``on_page(done, total)`` is called as each page is read (progress display).

    Several workers: the pages go through pipeline.schedule, the engine of batches too."""
    from pipeline._exec import tesseract

    tasks = page_tasks(doc, timeout)
    if not tasks:
        return doc
    tesseract.check()
    workers = max(1, min(workers or 1, len(tasks)))
    if workers == 1:
        done: dict[int, Page] = {}
        for i, t in tasks.items():
            done[i] = ocr_page(t)
            if on_page:
                on_page(len(done), len(tasks))
        return with_pages(doc, done)
    from pipeline.run import Options
    from pipeline.schedule import run_many

    # when a core idles on the last pages, this process loads what normalization needs next (_preload)
    for _path, out, failed in run_many([doc], None, Options(workers=workers, ocr_timeout=timeout), on_page=on_page,
                                       on_idle=_preload):
        if failed is not None:
            raise failed.error()
        return out
    raise AssertionError("run_many yielded nothing")  # pragma: no cover


def _preload() -> None:
    """Load the language model the normalize stage corrects OCR'd words with (cached per process)."""
    try:
        from pipeline.restore import load_confusions, load_model

        load_model()
        load_confusions()
    except Exception:  # noqa: BLE001 - normalize reports a missing or broken model itself
        pass


def _finish(old: Page, new: Page) -> Page:
    return replace(new, number=old.number, image_source=old.image_source, needs_ocr=False)
