"""The grammar of a time phrase standing alone: a task table's time column ("Quý II/2026", "Tháng 11 - 12/2025",
"2025 - 2030", "Hằng năm", "Thường xuyên") or the value of a labelled line ("Thời gian hoàn thành: trong tháng
6/2026"). Unlike running text, no cue word ("trước", "đến") is needed: the column or label says it is a time.

:func:`parse_time` returns the deadline the phrase sets — the last moment still on time, the end of a range —
or None when it sets none ("Thường xuyên", "Theo kế hoạch", "Từ 01/7/2025" with no end, "(2026 trở đi)").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.nlp.data import compiled
from pipeline.nlp.numbers import _ROMAN, _last_day, _valid_day

Y = r"(?P<{}>(?:19|20)\d\d)"
_SEP = r"\s*(?:/|-|\.|\s+nam\s+|\s*,\s*nam\s+)\s*"
_PARTS = [
    ("day", rf"(?P<d>\d{{1,2}})\s*(?:/|-|\.|\s+thang\s+)\s*(?P<m>\d{{1,2}})(?:{_SEP}{Y.format('y')})?(?![\d/])"),
    ("quarter", rf"quy\s+(?P<q>iv|iii|ii|i|[1-4])(?![\w])(?:{_SEP}{Y.format('qy')})?"),
    ("half", rf"(?:6|06|sau)\s+thang\s+(?P<part>dau|cuoi)\s+nam(?:\s+{Y.format('hy')})?"),
    ("month", rf"thang\s+(?:(?P<m1>\d{{1,2}})\s*(?:-|–|den|va|,)\s*(?:thang\s+)?)?(?P<mm>\d{{1,2}})(?:{_SEP}{Y.format('my')})?(?![\d/])"),
    ("month_year", rf"(?<![\d/])(?P<mo>\d{{1,2}})\s*/\s*{Y.format('moy')}"),
    ("years", rf"{Y.format('y1')}\s*(?:-|–|den)\s*(?:nam\s+)?{Y.format('y2')}"),
    ("year", rf"(?<![\d/.])(?:nam\s+)?{Y.format('yy')}(?![\d/])"),
]
_TIME = re.compile("|".join(f"(?P<{k}>{p})" for k, p in _PARTS))
_BEFORE = re.compile(r"(?<![\w])truoc\s*(?:ngay\s*)?$")
_OPEN_END = re.compile(r"(?<![\w])(?:tro di|tro ve sau|nhung nam tiep theo|cac nam tiep theo|nam tiep theo|"
                       r"cac nam sau|bat dau)(?![\w])")  # a start, or no end: no deadline
_CLOCK = re.compile(r"(?<![\w/])\d{1,2}\s*h\s*\d{0,2}(?![\w/])|(?<![\w/])\d{1,2}:\d{2}(?![\w/])")  # "08h10", "8:30"
_FROM = re.compile(r"(?<![\w])tu\s*(?:ngay|thang|quy|nam)?\s*$")
_PERIODIC = re.compile(r"(?<![\w])(?:dinh ky\s+)?\d{1,2}\s*(?:tuan|ngay|thang)\s*/\s*(?:lan|1 lan)(?![\w])|"
                       r"(?<![\w])\d{1,2}\s*(?:tuan|ngay)\s*(?:mot|1)\s*lan(?![\w])")


@dataclass(frozen=True)
class Due:
    due: str | None
    precision: str
    recurrence: str | None
    start: int  # span of the phrase that set it, in the string parsed
    end: int


def recurrence_of(folded: str) -> tuple[str, int, int] | None:
    """'Hằng năm', 'định kỳ hằng quý', 'định kỳ 02 tuần/lần': the recurrence a phrase names."""
    c = compiled()
    for kind, rx in c.recurrence:
        m = rx.search(folded)
        if m:
            return kind, m.start(), m.end()
    m = _PERIODIC.search(folded)
    if m:
        return "periodic", m.start(), m.end()
    return None


def parse_time(folded: str, year: int | None) -> Due | None:
    """The deadline a standalone time phrase sets (``folded``: lowercase, no diacritics)."""
    rec = recurrence_of(folded)
    if rec:
        return Due(None, "recurring", rec[0], rec[1], rec[2])
    folded = _CLOCK.sub(lambda m: " " * len(m.group(0)), folded)  # clock times (same length: offsets hold)
    if _OPEN_END.search(folded):
        return None
    last = None
    for m in _TIME.finditer(folded):
        last = m
    if last is None:
        return None
    if _FROM.search(folded, 0, last.start()) and not re.search(r"(?<![\w])(?:den|toi)(?![\w])", folded[:last.start()]):
        return None  # "Từ 01/7/2025": a start with no end
    kind = last.lastgroup
    g = last.group
    before = bool(_BEFORE.search(folded, 0, last.start()))
    s, e = last.start(), last.end()
    if kind == "day":
        y = int(g("y")) if g("y") else year
        d, mo = int(g("d")), int(g("m"))
        if y is None or not _valid_day(y, mo, d):
            return None
        return Due(f"{y:04d}-{mo:02d}-{d:02d}", "day", None, s, e)
    if kind == "quarter":
        y = int(g("qy")) if g("qy") else year
        if y is None:
            return None
        q = _ROMAN[g("q")]
        if before:
            y, q = (y, q - 1) if q > 1 else (y - 1, 4)
        return Due(_last_day(y, q * 3), "quarter", None, s, e)
    if kind == "half":
        y = int(g("hy")) if g("hy") else year
        return Due(_last_day(y, 6 if g("part") == "dau" else 12), "half", None, s, e) if y else None
    if kind in ("month", "month_year"):
        y = int(g("my") or g("moy") or 0) or year
        mo = int(g("mm") or g("mo"))
        if y is None or not 1 <= mo <= 12:
            return None
        if before:
            y, mo = (y, mo - 1) if mo > 1 else (y - 1, 12)
        return Due(_last_day(y, mo), "month", None, s, e)
    y = int(g("y2") or g("yy"))
    if before:
        y -= 1
    return Due(f"{y:04d}-12-31", "year", None, s, e)
