"""Located words → page text: reading order, the two-column header block, running heads dropped, paragraphs.

:func:`layout` (shared by text-layer PDF pages and OCR'd pages) turns located words into page text in reading
order: the two-column header block (issuer | motto; số | địa danh, ngày) as left-column lines then right-column
lines, running heads and page numbers dropped, paragraphs separated by blank lines; it returns ``Word`` objects
whose offsets index the page text exactly. :func:`group_lines` groups words into lines where a text layer gives
no line ids. The settings of this and of the OCR stage are ``pipeline/data/ocr_layout.yaml`` (:func:`config`).
"""
from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable, Iterable, Sequence

from pipeline.core.document import Word
from pipeline.lang.lexicon import load_yaml


@lru_cache(maxsize=1)
@lru_cache(maxsize=1)
def config() -> dict:
    return load_yaml("ocr_layout.yaml")


# -- reading order -----------------------------------------------------------------------------------------------------


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


def group_lines(words):
    """Group located words into lines by vertical overlap (text layers give no line ids)."""
    lines: list[list] = []
    spans: list[tuple[float, float]] = []
    for w in sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.x0)):
        h = w.bottom - w.top
        if lines:
            t, b = spans[-1]
            if min(b, w.bottom) - max(t, w.top) > 0.5 * min(h, b - t):
                lines[-1].append(w)
                spans[-1] = (min(t, w.top), max(b, w.bottom))
                continue
        lines.append([w])
        spans.append((w.top, w.bottom))
    return lines
