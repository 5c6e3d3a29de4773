"""chithi_targets: numbers with unit, comparator and metric; named indicator lists."""
from __future__ import annotations

import re
from typing import Any

from pipeline.nlp.context import Ctx, _in_blocked
from pipeline.nlp.data import compiled
from pipeline.nlp.numbers import _NUMBER, parse_number
from pipeline.core.textutil import fold, fold_words, squash

_SEG_SPLIT = re.compile(r"[;\n]|[.:!?](?=\s+[A-ZĐÀ-Ỹa-zđà-ỹ(“\"]|\s*$)|\.\s*$")
_NEAR_WORDS = 3  # a comparator counts when it stands within this many words before the number


def _segments(text: str, lo: int, hi: int):
    """Clauses: split at ';', line ends and sentence ends, but not inside “quoted names”."""
    pos = lo
    for m in _SEG_SPLIT.finditer(text, lo, hi):
        if text[m.start()] == ":" and text.count("“", max(pos, m.start() - 150), m.start()) > \
                text.count("”", max(pos, m.start() - 150), m.start()):
            continue  # "“3 không: không tội phạm, ...”" is one name
        if m.start() > pos:
            yield pos, m.start()
        pos = m.end()
    if pos < hi:
        yield pos, hi


def _past_sections(ctx: Ctx) -> list[tuple[int, int]]:
    """Sections whose title says they report the past ("I. ĐÁNH GIÁ CHUNG", "Tình hình thực hiện"): their numbers
    are results, not targets."""
    c = compiled()
    out: list[tuple[int, int]] = []

    def walk(secs):
        for sec in secs:
            if sec.title and c.past_section.match(fold(sec.title)):
                out.append((sec.start, sec.end))
            else:
                walk(sec.children)

    walk(ctx.sections)
    return out


def _targets(ctx: Ctx) -> list[dict[str, Any]]:
    c = compiled()
    t, L = ctx.text, ctx.lower
    out: list[dict[str, Any]] = []
    past = _past_sections(ctx)
    for s, e in _segments(t, ctx.body_start, ctx.body_end):
        if any(a <= s < b for a, b in past):
            continue
        nums = [(m.start(), m.end(), m) for m in _NUMBER.finditer(t, s, e)]
        nums += [(m.start("w"), m.end("w"), m) for m in c.number_word.finditer(L, s, e)]
        nums.sort(key=lambda x: x[0])
        # a following quantity ("... và 100% tổ dân phố") ends a target's metric; a bare number ("lớp 1") does not
        cuts = [a for a, b, m in nums if m.re is c.number_word or m.group("aunit") or c.unit.match(L, b)]
        prev_end = s
        seg_targets = []
        for i, (a, b, m) in enumerate(nums):
            nxt = next((x for x in cuts if x > a), e)
            tgt = _target_at(ctx, m, a, b, s, e, prev_end, nxt, seg_targets[-1] if seg_targets else None)
            if tgt is None:
                continue
            seg_targets.append(tgt)
            prev_end = max(tgt["num_end"], tgt["end"])
        _share_predicate(ctx, seg_targets)
        out.extend(seg_targets)
        if not seg_targets:
            out.extend(_no_number_target(ctx, s, e))
    out.extend(_indicator_lists(ctx))
    out.sort(key=lambda x: x["start"])
    for x in out:
        x.pop("num_end", None)
    return once(out)


def once(targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A target the document states twice (in its Mục tiêu and again under a task) is one target: the same value,
    unit, comparator and period over the same words ("không thường xuyên" is another target than "thường xuyên")."""
    kept: list[dict[str, Any]] = []
    for x in targets:
        words = set(fold_words(x["metric"] or ""))
        if x["value"] is not None and any(
                (k["value"], k["value_max"], fold(k["unit"] or ""), k["comparator"], k["period"]) ==
                (x["value"], x["value_max"], fold(x["unit"] or ""), x["comparator"], x["period"])
                and words == set(fold_words(k["metric"] or ""))
                for k in kept):
            continue
        kept.append(x)
    return kept


_PREDICATE = re.compile(r"(?<![\w])(?:đạt|được|bị|có|là)(?![\w])")


def _share_predicate(ctx: Ctx, tg: list[dict[str, Any]]) -> None:
    """'96% gia đình và 100% tổ dân phố, cơ quan đạt chuẩn văn hóa': the first target shares the last predicate."""
    L = ctx.lower
    for x, y in zip(tg, tg[1:]):
        gap = L[x["end"]:y["start"]].strip(" ,")
        if gap not in ("", "và") or len((x["metric"] or "").split()) > 6:
            continue
        m = _PREDICATE.search(L, y["num_end"], y["end"])
        if m:
            x["metric"] = squash(f"{x['metric'] or ''} {ctx.text[m.start():y['end']]}")


def _no_number_target(ctx: Ctx, s: int, e: int) -> list[dict[str, Any]]:
    """'Tổng thu ngân sách ... phấn đấu đạt và vượt chỉ tiêu': a target with a comparator and no number."""
    c = compiled()
    for kind, rx in c.no_number:
        m = rx.search(ctx.lower, s, e)
        if m:
            metric = _strip_metric(re.sub(r"(?:phấn|phần|phân)\s+đấu\s*$", "", ctx.text[s:m.start()].strip(" -–+•"),
                                          flags=re.I).strip())
            if metric and len(metric.split()) >= 2:
                a = s + len(ctx.text[s:e]) - len(ctx.text[s:e].lstrip(" -–+•"))
                return [{"start": a, "end": m.end(), "num_end": m.end(), "metric": metric, "value": None,
                         "value_max": None, "unit": None, "comparator": kind, "period": None}]
    return []


def _comparator(ctx: Ctx, lo: int, a: int) -> str | None:
    """The comparator right before the number, else the verb opening the clause ('Giảm tỷ lệ ... 1,6%')."""
    c = compiled()
    L = ctx.lower
    pre = L[lo:a].rstrip()
    near_from = lo
    words = list(re.finditer(r"\S+", pre))
    if len(words) > _NEAR_WORDS:
        near_from = lo + words[-_NEAR_WORDS].start()
    best = None
    for kind, rx in c.cmp_before:
        mm = rx.search(L, near_from, lo + len(pre))
        if mm and (best is None or mm.start() > best[1]):
            best = (kind, mm.start())
    if best:
        return best[0]
    lead = _strip_lead(L[lo:a])
    for kind in ("increase_by", "decrease_by", "maintain"):
        for phrase in c.rules.comparators[kind]:
            if lead.startswith(phrase.lower() + " "):
                return kind
    return None


def _strip_lead(s: str) -> str:
    return re.sub(r"^[\s\-–+•,:]*(?:phấn đấu|phần đấu|phân đấu|trong đó|đồng thời)?[\s,:]*", "", s)


# a clause boundary after the number ends the metric; an aside in brackets does when it starts a new clause
# ("đạt 73% (trong đó, ... đạt 35%)") but not when it lists ("diện tích ... chủ lực (lúa, xoài) ứng dụng ...")
_NOW = re.compile(r"[\s\-–+•]*(?:hiện nay|hiện tại|đến nay|tính đến nay)(?![\w])")  # a clause on the present
_PURPOSE = re.compile(r"(?<![\w])(?:để|nhằm|phấn đấu)\s*$")
_HAS_NOW = re.compile(r"(?<![\w])(?:hiện có|hiện đang có)(?![\w])")  # "Tỉnh X hiện có 03/124 xã … (chiếm 2,4%)"
_PAST = re.compile(r"(?<![\w])đã\s+(?!được\s+giao)\w")  # "… đã làm 963 nhà bị sập": the past
_BASELINE_TO = re.compile(r"[^;\n]{0,80}?\s(?:xuống|còn|lên|đến)\s+(?:còn\s+|mức\s+)?\d")
_METRIC_CUT = re.compile(r",\s*(?:trong đó|đồng thời|nâng|đạt|phấn đấu|tăng|giảm|có thêm)|\s+(?:và|với)\s*$|"
                         r"\s+theo\s+(?:nghị quyết|quyết định|kế hoạch|chỉ thị|chương trình|kết luận|nghị định|luật)"
                         r"|\s+thì\s|"
                         r"\((?=\s*(?:trong đó|trong số|riêng|theo|so với|năm|giai đoạn|tương đương|tính|bằng|khoảng|"
                         r"\d))")
_ANAPHOR = re.compile(r"\s+(?:nêu trên|nói trên|kể trên|trên|này)\s*(?:[,.;:)]|$)")
_NAMED_BEFORE = re.compile(r"(?<![\w])(?:như\s+)?(?:nêu|nói|kể)\s+trên(?![\w])")
_TIME_ONLY = re.compile(r"(?:(?:vào|trong|đến|đến hết|tới|cuối|vào cuối)\s+)?(?:năm|quý|tháng)\s*[\divxl/]+")
# a rate: "4/100.000 trẻ sinh ra còn sống", "107 trẻ sơ sinh trai/100 trẻ sơ sinh gái" (per 10, 100, 1.000, ...)
_RATIO = re.compile(r"(?:\s+[^\W\d]\w*){0,4}\s*/\s*(?:10+|1(?=[.,]000))(?:[.,]000)*"
                    r"(?:\s+(?!(?:vào|năm|trong|đến|và|vượt|trở|xuống|lên|đạt|giảm|tăng)(?![\w]))[^\W\d]\w*){1,5}")
_FRACTION = re.compile(r"\s*/\s*\d[\d.,]*(?:\s+[^\W\d]\w*)?(?=[\s,;.)]|$)")
_PERIOD = re.compile(r"(?<!so với )(?<!so )(?:năm|giai đoạn)\s+(?:19|20)\d\d(?:\s*[-–]\s*(?:19|20)\d\d)?")


def _period(ctx: Ctx, seg_start: int, a: int, end: int) -> str | None:
    """The period a target is for: the nearest 'năm 2024' / 'giai đoạn ...' before the number in its clause,
    else the first after it; 'so với năm 2010' is a base year, not a period."""
    L = ctx.lower
    line_start = max(L.rfind("\n", 0, a) + 1, a - 400, ctx.body_start)
    before = list(_PERIOD.finditer(L, min(seg_start, line_start), a))
    m = before[-1] if before else _PERIOD.search(L, a, end)
    return squash(ctx.text[m.start():m.end()]) if m else None


def _target_at(ctx: Ctx, m: re.Match, a: int, b: int, s: int, e: int, prev_end: int,
               next_num: int, prev: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The target a number at ``text[a:b]`` states in the clause ``text[s:e]``, if it is one. ``prev``: the target
    just before it in the clause ("ít nhất 100 doanh nghiệp X, 50 doanh nghiệp Y": the second shares the
    comparator; "…, trong đó có 20 doanh nghiệp Z": a part of a target is one)."""
    c = compiled()
    t, L = ctx.text, ctx.lower
    if _in_blocked(ctx, a, b):
        return None
    word = m.re is c.number_word
    before = L[max(s, a - 40):a]
    q = None
    if not word:
        if c.blocker_tail.search(before) or (re.search(r"\(\s*$", before) and re.match(r"\d+\)", t[a:a + 4])):
            return None
        if re.match(r"\s*(?:/\s*\d|-\s*\d{4}|tháng|năm\b)", L[b:b + 8]) and not m.group("den"):
            return None
        q = c.qualifier.match(L, b) if not m.group("aunit") else None  # "60% dân số" is a share, not "dân"
        if q and not (q.group(0).strip() == "lần" and _comparator(ctx, max(prev_end, s), a)):
            return None  # "dưới 5 tuổi"; but "còn 1,7 lần" is a target
        value = parse_number(m.group("a"))
        value_max = parse_number(m.group("b")) if m.group("b") else None
        unit = m.group("aunit")
    else:
        value = float(c.rules.number_words[L[a:b]])
        value_max, unit = None, None
    end = b
    mu = c.unit.match(L, b)
    if mu and (not unit or m.group("b") and L[b:mu.end()].strip().startswith(unit)):  # "9,5% - 10%/năm"
        unit = squash(t[b:mu.end()])
        end = mu.end()
    elif unit and re.match(r"\s*/\s*năm\b", L[b:b + 8]):
        mm = re.match(r"\s*/\s*năm\b", L[b:b + 8])
        unit, end = unit + "/năm", b + mm.end()
    per_year = re.match(r"\s*/\s*năm\b", L[end:end + 8]) if unit and not unit.endswith("/năm") else None
    if per_year:  # "55 tỷ USD/năm"
        unit, end = unit + "/năm", end + per_year.end()
    den = _FRACTION.match(L, end)  # "137 xã/193 xã": the denominator belongs to the value
    if den and unit:
        end = den.end()
    ratio = _RATIO.match(t, m.end("a")) if not word and (not unit or unit == "lần") else None
    if ratio:  # "4/100.000 trẻ sinh ra còn sống", "107 trẻ sơ sinh trai/100 trẻ sơ sinh gái"
        unit, end = squash(ratio.group(0)), ratio.end()
    elif q and not unit:
        unit, end = squash(t[b:q.end()]), q.end()
    comp = _comparator(ctx, max(prev_end, s), a)
    if comp is None and prev is not None:
        gap = L[max(prev["num_end"], prev["end"]):a]
        if re.fullmatch(r"[\s,]*(?:và\s*)?", gap):
            comp = prev["comparator"]  # "ít nhất 100 doanh nghiệp X, 50 doanh nghiệp Y"
        elif re.fullmatch(r"[\s,;]*(?:trong đó|đồng thời)(?:\s+(?:có|là))?\s*", gap):
            comp = "reach"  # "…, trong đó có 20 doanh nghiệp công nghệ cao"
    for kind, rx in c.cmp_suffix:
        mm = rx.match(L, end)
        if mm:
            comp, end = kind, mm.end()
    if not unit and 1900 <= value <= 2100:
        return None
    if comp == "at_least" and re.search(r"(?<![\w])từ\s*$", L[max(s, a - 5):a]) and not unit:
        return None  # "từ 2021": a period
    if re.search(r"(?<![\w])từ\s*$", L[max(s, a - 5):a]) and _BASELINE_TO.match(L, end, e):
        return None  # "giảm từ 23 … xuống 18 …": 23 is where it starts, 18 the target
    if not unit:
        # a count without a known unit: the noun after it ("01 chuỗi hoạt động") when a comparator commits to it
        if comp in (None, "reach"):
            return None
        mm = re.match(r"\s+([^\W\d]\w*(?:\s+[^\W\d]\w*)?)", t[end:e])
        if not mm:
            return None
        unit, end = mm.group(1), end + mm.end()
    if _ANAPHOR.match(L, end, e) or _NAMED_BEFORE.search(L, end, min(e, next_num)):
        return None  # "ngoài giữ vững 03 địa bàn trên, …", "04 cơ sở cai nghiện như nêu trên": named before
    # fragment: metric before (from the last boundary) and after (up to the next number or a new clause)
    frag_start = max(prev_end, s)
    bar = max(t.rfind("|", frag_start, a), t.rfind("\f", frag_start, a))
    if bar != -1:  # a table cell or a page is where the fragment starts: no bars, no page breaks in a target
        frag_start = bar + 1
    while frag_start < a and t[frag_start] in " ,;:.-–+•\t":
        frag_start += 1
    after_end = min(next_num, e)
    stop = [i for i in (t.find("|", end, after_end), t.find("\f", end, after_end)) if i != -1]
    if stop:
        after_end = min(stop)
    cut = _METRIC_CUT.search(L, end, after_end)
    if cut:
        after_end = cut.start()
    while after_end > end and t[after_end - 1] in " ,;:.-–(\t":
        after_end -= 1
    # a cue of the past or of spending counts in the number's own clause ("Hoàn thành chi trả cho 37 hộ đã được phê
    # duyệt …, phấn đấu … hoàn thành tối thiểu 80% …": the 80% is a target)
    clause_lo = max(L.rfind(",", frag_start, a), L.rfind(";", frag_start, a)) + 1 or frag_start
    if "đồng" in unit.lower():  # a sum: what it is for ("điều chuyển số vốn dư, …") may stand clauses before it
        clause_lo = frag_start
    if c.condition.search(L, max(frag_start, clause_lo, s), a):
        return None  # "Đối với thôn có dưới 100 cử tri": which cases a rule covers, not a figure to reach
    nt = c.not_target.search(L, max(frag_start, clause_lo), after_end)
    if nt and not _PURPOSE.search(L, max(0, nt.start() - 12), nt.start()):  # "để đạt được mục tiêu": a purpose
        return None
    joined = prev is not None and re.fullmatch(r"[\s,]*(?:và\s*)?", L[max(prev["num_end"], prev["end"]):a])
    if (_NOW.match(L, s) or _HAS_NOW.search(L, s, a) or _PAST.search(L, s, a)) \
            and not c.commit.search(L, max(s, a - 40), a) and not joined:  # "ít nhất 22 … và 59 …": one commitment
        return None  # "hiện nay, tổng số … là", "… đã làm 963 nhà bị sập": the present or the past, not a commitment
    is_rate = unit.startswith(("%", "‰"))
    if not is_rate and comp is None and not c.commit.search(L, max(ctx.body_start, frag_start, a - 30), a) \
            and not c.commit.search(L, end, min(after_end, end + 25)):
        return None  # "chuyển ngay 114 hồ sơ": a count with no comparator commits only next to a commitment verb
    if not is_rate and comp == "reach" and not c.commit.search(L, max(ctx.body_start, frag_start - 80), after_end):
        return None
    before_clean = _strip_metric(t[frag_start:a])
    after_clean = squash(t[end:after_end].strip(" ,:-–"))
    unit_is_noun = not is_rate and not re.search(r"đồng|usd|km|ha\b|tấn|m2|m³|/|^lần$", unit.lower())
    if before_clean and len(before_clean.split()) >= 2 and not (unit_is_noun and after_clean):
        metric = before_clean
        if unit_is_noun and fold(unit) not in fold(metric):  # "phát triển thêm khoảng 1.500 doanh nghiệp"
            metric = f"{metric} {unit}"
    elif after_clean:
        metric = squash(f"{unit} {after_clean}") if unit_is_noun else after_clean
        metric = _strip_metric(metric) or metric
    else:
        metric = before_clean or (unit if unit_is_noun else None)
    if joined and prev["metric"] and (not before_clean or fold(before_clean) == "va") and _TIME_ONLY.fullmatch(after_clean.lower()):
        metric = prev["metric"]  # "20% đơn vị … trong năm 2025 và 50% vào năm 2030": the second shares the metric
    period = _period(ctx, s, a, after_end)
    return {"start": frag_start, "end": max(after_end, end), "num_end": end, "metric": metric, "value": value,
            "value_max": value_max, "unit": unit, "comparator": comp or "reach", "period": period}


def _strip_metric(s: str) -> str:
    c = compiled()
    low = s.lower()
    cut = 0
    year = re.compile(r"[\s,]*(?:(?:đến|trong|vào|từ)\s+)?(?:cuối\s+)?năm\s+(?:19|20)\d\d(?:\s+trở\s+đi)?[\s,]*")
    while True:  # drop time phrases and lead-in verbs: "Phấn đấu năm 2024, tỷ lệ ..." → "tỷ lệ ..."
        m = c.lead_in.match(low, cut) or year.match(low, cut)
        if not m or m.end() == cut:
            break
        cut = m.end()
    end = len(s)
    for kind, rx in c.cmp_before:
        mm = rx.search(low, 0, end)
        if mm and mm.start() >= cut:
            end = min(end, mm.start())
    return squash(s[cut:end].strip(" ,;:-–(")) or ""


_INDICATOR_ITEM = re.compile(r"\((\d{1,2})\)\s*")


def _indicator_lists(ctx: Ctx) -> list[dict[str, Any]]:
    """'12/19 chỉ tiêu ... chưa đạt cụ thể như: (1) Tốc độ tăng trưởng kinh tế; (2) ...' → named indicators."""
    t, f, out = ctx.text, ctx.folded, []
    for p in ctx.paragraphs:
        seg = f[p.start:p.end]
        if "chi tieu" not in seg:
            continue
        items = list(_INDICATOR_ITEM.finditer(t, p.start, p.end))
        if len(items) < 3 or "chi tieu" not in f[max(p.start, items[0].start() - 250):items[0].start()]:
            continue
        for i, m in enumerate(items):
            stop = items[i + 1].start() if i + 1 < len(items) else p.end
            j = re.search(r"[;.]", t[m.end():stop])
            e = m.end() + j.start() if j else stop
            name = squash(t[m.end():e].strip(" ,;:"))
            if name and len(name.split()) <= 20:
                out.append({"start": m.end(), "end": e, "num_end": e, "metric": name, "value": None, "value_max": None,
                            "unit": None, "comparator": None, "period": None})
    return out
