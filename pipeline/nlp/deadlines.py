"""chithi_deadlines: due dates, periods and recurring duties."""
from __future__ import annotations

import re
from typing import Any

from pipeline.nlp.context import Ctx, _in_blocked
from pipeline.nlp.data import compiled
from pipeline.nlp.numbers import _ROMAN, _last_day, _valid_day
from pipeline.nlp.timephrase import _PERIODIC
from pipeline.core.textutil import fold

_DAY_DATE = re.compile(r"(?:ngay\s*)?(?P<d>\d{1,2})\s*(?:/|-|\.|\s+thang\s+)\s*(?P<m>\d{1,2})"
                       r"(?:\s*(?:/|-|\.|\s+nam\s+)\s*(?P<y>(?:19|20)\d\d))?(?![\d/])")
_MONTH = re.compile(r"(?P<cue>truoc|trong|het|den het|den|cuoi|xong trong|xong truoc)\s+thang\s+(?:\d{1,2}\s*[-–]\s*)?(?P<m>\d{1,2})"
                    r"(?:\s*(?:/|nam)\s*(?P<y>(?:19|20)\d\d))?(?![\d/])")
_QUARTER = re.compile(r"(?P<cue>truoc|trong|het|den het|den|cuoi|hoan thanh|xong)\s+(?:trong\s+)?quy\s+(?P<q>iv|iii|ii|i|[1-4])(?![\w])"
                      r"(?:\s*(?:/|nam|-)\s*(?P<y>(?:19|20)\d\d))?")
_PHASE_COMMIT = re.compile(r"(?<![\w])trong giai doan\s*(?P<y1>(?:19|20)\d\d)\s*[-–]\s*(?P<y2>(?:19|20)\d\d)"
                           r"(?=[\s,]*(?:\(?[^;.:\n]{0,20}\)?[\s,]*)?(?:phan dau|phai dat|dat|hoan thanh)(?![\w]))")
_IN_YEAR = re.compile(r"(?<![\w])trong nam\s*(?P<y>(?:19|20)\d\d)(?![\d/])")
_PERIODIC_WORD = re.compile(r"(?<![\w])dinh ky(?![\w])")
_REPORTING = re.compile(r"(?:bao cao|tong hop|gui)(?![\w])")  # a duty to report (the guide's recurring kind)
_QUARTER_TO = re.compile(r"\s*(?:-|–|den)\s*quy\s+(?P<q>iv|iii|ii|i|[1-4])\s*(?:/|nam)\s*(?P<y>(?:19|20)\d\d)")
_HALF = re.compile(r"(?P<cue>truoc|trong|het|den het|den|hoan thanh|xong)\s+(?:trong\s+)?(?:6|06|sau)\s+thang\s+(?P<part>dau|cuoi)\s+nam"
                   r"(?:\s+(?P<y>(?:19|20)\d\d))?")


def _deadlines(ctx: Ctx) -> list[dict[str, Any]]:
    c = compiled()
    f, out = ctx.folded, []
    lo, hi = ctx.body_start, ctx.body_end

    def add(s, e, due, precision, recurrence=None):
        if _in_quotes(ctx.text, s):  # “Chuyển đổi số đến năm 2025” names a campaign
            return
        if precision != "recurring" and _term_of_effect(ctx, s):
            return
        if not _in_blocked(ctx, s, e) or precision == "recurring":
            out.append({"start": s, "end": e, "due": due, "precision": precision, "recurrence": recurrence})

    for m in _DAY_DATE.finditer(f, lo, hi):
        if _in_blocked(ctx, m.start(), m.end()):
            continue
        before = f[max(lo, m.start() - 30):m.start()]
        cue = c.dl_cue_tail.search(before)
        if not cue or c.as_of.search(before, 0, cue.end()):
            continue  # no cue, or "số liệu tính đến ngày 07/11/2025": the date data stand at, bounding nothing
        if c.bare_cue.fullmatch(before, cue.start()) and not (m.group("y") or f.startswith("ngay", m.start())):
            continue  # "treo cờ đến 2/3 chiều cao": after a bare "đến", a day and month need "ngày" or a year
        y = int(m.group("y")) if m.group("y") else ctx.year
        d, mo = int(m.group("d")), int(m.group("m"))
        if y is None or not _valid_day(y, mo, d):
            continue
        s = m.start() - (len(before) - cue.start())
        rec = _recurrence_near(ctx, s, m.end())
        if rec is None and not m.group("y") and _PERIODIC_WORD.search(f, max(lo, s - 60), s):
            rec = "yearly"  # "định kỳ báo cáo ... trước ngày 20/11": a day and month every year
        if rec:
            add(s, m.end(), None, "recurring", rec)
        else:
            add(s, m.end(), f"{y:04d}-{mo:02d}-{d:02d}", "day")
    for m in _MONTH.finditer(f, lo, hi):
        y = int(m.group("y")) if m.group("y") else ctx.year
        mo = int(m.group("m"))
        if y is None or not 1 <= mo <= 12:
            continue
        if m.group("cue").endswith("truoc"):
            y, mo = (y, mo - 1) if mo > 1 else (y - 1, 12)
        add(m.start(), m.end(), _last_day(y, mo), "month")
    for m in (_QUARTER.finditer(f, lo, hi) if "quy " in f[lo:hi] else ()):
        y = int(m.group("y")) if m.group("y") else ctx.year
        if y is None:
            continue
        q = _ROMAN[m.group("q")]
        if m.group("cue") == "truoc":
            y, q = (y, q - 1) if q > 1 else (y - 1, 4)
        end = m.end()
        later = _QUARTER_TO.match(f, end)  # "trong quý IV/2025 - quý II/2026": the end of the range
        if later:
            y, q, end = int(later.group("y")), _ROMAN[later.group("q")], later.end()
        add(m.start(), end, _last_day(y, q * 3), "quarter")
    for m in (_HALF.finditer(f, lo, hi) if "thang dau nam" in f[lo:hi] or "thang cuoi nam" in f[lo:hi] else ()):
        y = int(m.group("y")) if m.group("y") else ctx.year
        if y is None:
            continue
        add(m.start(), m.end(), _last_day(y, 6 if m.group("part") == "dau" else 12), "half")
    for m in c.year_dl.finditer(f, lo, hi):
        before = f[max(lo, m.start() - 60):m.start()]
        seg_start = max(before.rfind(";"), before.rfind("."), before.rfind(":"))
        if c.dl_blocker.search(before[seg_start + 1:]) or c.dl_blocker.search(f[m.end():m.end() + 12]):
            continue
        if _in_blocked(ctx, m.start(), m.end()) or _cites_before(ctx, m.start()):
            continue
        y = int(m.group("y"))
        if fold(ctx.text[m.start():m.end()]).startswith("truoc nam"):
            y -= 1
        add(m.start(), m.end(), f"{y:04d}-12-31", "year")
    for m in (_IN_YEAR.finditer(f, lo, hi) if ctx.header_year else ()):  # "hoàn thành ... trong năm 2027": a
        y = int(m.group("y"))                                        # year after the document's own bounds the work
        before = f[max(lo, m.start() - 60):m.start()]
        seg_start = max(before.rfind(";"), before.rfind("."), before.rfind(":"))
        if y <= ctx.header_year or c.dl_blocker.search(before[seg_start + 1:]) or _in_blocked(ctx, m.start(), m.end()) \
                or _cites_before(ctx, m.start()):
            continue
        add(m.start(), m.end(), f"{y:04d}-12-31", "year")
    for m in _PHASE_COMMIT.finditer(f, lo, hi):  # "Trong giai đoạn 2026 - 2030 phấn đấu có ít nhất 10% …"
        if not _in_blocked(ctx, m.start(), m.end()):
            add(m.start(), m.end("y2"), f"{int(m.group('y2')):04d}-12-31", "year")
    for p in ctx.paragraphs:  # "a) Giai đoạn 1 (2026 - 2028)" heading the targets of a phase
        m = _PHASE.search(f, p.start, p.end)
        if m and p.heading:
            add(m.start(), m.end(), f"{int(m.group('y2')):04d}-12-31", "year")
    for kind, rx in c.recurrence:
        for m in rx.finditer(f, lo, hi):
            around = f[max(lo, m.start() - 25):m.end() + 25]
            if "dinh ky" in f[max(lo, m.start() - 12):m.end()] or c.rec_context.search(around):
                if kind == "yearly" and "dinh ky" not in f[max(lo, m.start() - 12):m.end()] and \
                        not re.search(r"bao cao|tong hop|gui|truoc ngay", around):
                    continue
                s = f.rfind("dinh ky", max(lo, m.start() - 12), m.start())
                add(s if s != -1 else m.start(), m.end(), None, "recurring", kind)
    for m in _PERIODIC.finditer(f, lo, hi):  # "định kỳ 02 tuần/lần"
        if "/" in m.group(0) or "dinh ky" in f[max(lo, m.start() - 12):m.end()]:
            add(m.start(), m.end(), None, "recurring", "periodic")
    for m in _PERIODIC_WORD.finditer(f, lo, hi):  # "Định kỳ tổng hợp, báo cáo ...": no frequency named
        clause = f[m.end():m.end() + 120].split(";")[0].split(".")[0]
        if _REPORTING.match(f, m.end() + len(clause) - len(clause.lstrip(" ,:"))) and \
                not any(x["start"] <= m.start() < x["end"] + 60 and x["precision"] == "recurring" for x in out) and \
                not any(rx.search(clause) for _, rx in c.recurrence) and not _DAY_DATE.search(clause):
            add(m.start(), m.end(), None, "recurring", "periodic")
    out.sort(key=lambda x: x["start"])
    # drop a match inside another (e.g. "trong quý II năm 2024" also matched as a year)
    kept = []
    for x in out:
        if any(k["start"] <= x["start"] and x["end"] <= k["end"] and k is not x for k in out if (k["end"] - k["start"]) > (x["end"] - x["start"])):
            continue
        kept.append(x)
    return kept


def _term_of_effect(ctx: Ctx, s: int) -> bool:
    """'Quyết định này có hiệu lực kể từ ngày … đến hết ngày 31/12/2026': the end of a term of effect binds no one."""
    seg = ctx.folded[max(ctx.body_start, s - 150):s]
    cut = max(seg.rfind(";"), seg.rfind(". "), seg.rfind("\n"))
    return compiled().validity.search(seg, cut + 1) is not None


def _in_quotes(text: str, pos: int) -> bool:
    line_start = max(text.rfind("\n", 0, pos), text.rfind("\f", 0, pos)) + 1
    return text.count("“", line_start, pos) > text.count("”", line_start, pos)


_PHASE = re.compile(r"(?<![\w])giai doan\s*(?:\d{1,2}|[ivx]+)?\s*[:(]?\s*(?P<y1>(?:19|20)\d\d)\s*[-–]\s*"
                    r"(?P<y2>(?:19|20)\d\d)\s*\)?\s*:?\s*$")


def _recurrence_near(ctx: Ctx, s: int, e: int) -> str | None:
    c = compiled()
    window = ctx.folded[max(ctx.body_start, s - 40):e + 30]
    for kind, rx in c.recurrence:
        if rx.search(window):
            return kind
    return None


_CITE = re.compile(r"(?<![\w])(?:nghi quyet|chi thi|ke hoach|quyet dinh|chuong trinh|de an|ket luan|thong tu|nghi dinh|"
                   r"chien luoc|quy hoach)(?![\w])")


def _cites_before(ctx: Ctx, pos: int) -> bool:
    """'Nghị quyết số 09-NQ/TW ... về xây dựng tỉnh đến năm 2030': the year is part of a cited title."""
    seg = ctx.folded[max(ctx.body_start, pos - 160):pos]
    cut = max(seg.rfind(";"), seg.rfind(". "), seg.rfind(":"))
    seg = seg[cut + 1:]
    m = None
    for m in _CITE.finditer(seg):
        pass
    if m is None:
        return False
    if re.search(r"(?<![\w])thoi (?:gian|han) (?:thuc hien|hoan thanh)(?![\w])", seg[:m.start()]):
        return False  # "Thời gian thực hiện Chương trình từ năm 2025 đến hết 2030": the programme's own term
    between = seg[m.end():]
    return not re.search(r"(?<![\w])(?:phan dau|hoan thanh|dat muc tieu|dat|xong|chi tieu)(?![\w])", between)
