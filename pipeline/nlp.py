"""Rule-based extraction of targets, deadlines, responsible units and cited documents, as a spaCy pipeline.

The pipeline (built once per process by :func:`get_nlp`) is a blank ``vi`` Language with an explicitly configured
syllable tokenizer (no pyvi word segmentation: numbers, dates and codes such as ``01/CT-UBND`` stay whole tokens)
and four custom components, each a ``match then annotate`` step over ``doc.text`` whose patterns are compiled from
``pipeline/data/extraction.yaml`` and whose results land in ``doc.spans`` (for inspection) and
``doc.user_data["chithi"]`` (the values):

- ``chithi_references``  cited documents ("Chỉ thị số 19/CT-TTg ngày 16/7/2021 của Thủ tướng Chính phủ")
- ``chithi_deadlines``   due dates, periods and recurring duties
- ``chithi_targets``     numbers with unit, comparator and metric; named indicator lists
- ``chithi_tasks``       tasks (list items and assigning sentences) with their units and roles

Matching runs on a folded copy of the text of the same length (lowercase, no diacritics, đ→d), so every match
position indexes the original text; values are always copied from the original.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict

from pipeline.extract import Extraction
from pipeline.lexicon import lexicon, load_yaml
from pipeline.textutil import fold, fold_keep_len, squash

# -- language data -----------------------------------------------------------------------------------


class Roles(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lead_before: list[str]
    lead_after: list[str]
    support_before: list[str]
    direct_after: list[str]


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    measure_units: list[str]
    qualifier_units: list[str]
    number_words: dict[str, int]
    no_number_targets: dict[str, list[str]]
    comparators: dict[str, list[str]]
    comparator_suffixes: dict[str, list[str]]
    commitment_cues: list[str]
    not_target_cues: list[str]
    number_blockers: list[str]
    metric_lead_ins: list[str]
    deadline_cues: list[str]
    year_deadline_cues: list[str]
    deadline_blockers: list[str]
    recurrence: dict[str, list[str]]
    recurrence_contexts: list[str]
    unit_heads: list[str]
    unit_stops: list[str]
    role_cues: Roles
    generic_units: list[str]


def _alt(phrases, word_end: bool = True, folded: bool = True) -> str:
    """Regex alternation of (folded) phrases, longest first, on word boundaries."""
    items = sorted({fold(p) if folded else p for p in phrases}, key=len, reverse=True)
    body = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in items)
    return rf"(?<![\w])(?:{body})" + (r"(?![\w])" if word_end else "")


def _lalt(phrases, word_end: bool = True) -> str:
    """Regex alternation of lowercased phrases with their diacritics (matched against the lowercased text)."""
    return _alt([p.lower() for p in phrases], word_end=word_end, folded=False)


@dataclass(frozen=True)
class Compiled:
    rules: Rules
    unit: re.Pattern
    qualifier: re.Pattern
    number_word: re.Pattern
    no_number: list[tuple[str, re.Pattern]]
    cmp_before: list[tuple[str, re.Pattern]]
    cmp_suffix: list[tuple[str, re.Pattern]]
    commit: re.Pattern
    not_target: re.Pattern
    blocker_tail: re.Pattern
    lead_in: re.Pattern
    dl_cue_tail: re.Pattern
    year_dl: re.Pattern
    dl_blocker: re.Pattern
    recurrence: list[tuple[str, re.Pattern]]
    rec_context: re.Pattern
    unit_head: re.Pattern
    unit_stop: re.Pattern
    lead_before_start: re.Pattern
    support_start: re.Pattern
    lead_after: re.Pattern
    support_before_tail: re.Pattern
    direct_after: re.Pattern
    generic: re.Pattern


@lru_cache(maxsize=1)
def compiled() -> Compiled:
    r: Rules = load_yaml("extraction.yaml", Rules)
    cmp_before = [(k, re.compile(_lalt(v) + r"\s*$")) for k, v in r.comparators.items()]
    unit_alt = "|".join(re.escape(u.lower()) for u in sorted(r.measure_units, key=len, reverse=True))
    return Compiled(
        rules=r,
        unit=re.compile(rf"\s*(?:{unit_alt})(?![\w])"),
        qualifier=re.compile(r"\s*" + _lalt(r.qualifier_units)),
        number_word=re.compile(_lalt([p for v in ("at_least", "at_most", "approx") for p in r.comparators[v]])
                               + r"\s+(?P<w>" + _lalt(r.number_words) + ")"),
        no_number=[(k, re.compile(_lalt(v))) for k, v in r.no_number_targets.items()],
        cmp_before=cmp_before,
        cmp_suffix=[(k, re.compile(r"\s*" + _lalt(v))) for k, v in r.comparator_suffixes.items()],
        commit=re.compile(_lalt(r.commitment_cues)),
        not_target=re.compile(_lalt(r.not_target_cues)),
        blocker_tail=re.compile(_lalt(r.number_blockers) + r"\s*(?:thứ\s+|số\s+)?$"),
        lead_in=re.compile(r"(?:[\s,;:.\-–]*" + _lalt(r.metric_lead_ins + [p for k in ("decrease_by", "maintain")
                                                                            for p in r.comparators[k]]) + r")+[\s,:]*"),
        dl_cue_tail=re.compile(_alt(r.deadline_cues) + r"\s*$"),
        year_dl=re.compile(_alt(r.year_deadline_cues) + r"\s*(?P<y>(?:19|20)\d\d)(?!\d)"),
        dl_blocker=re.compile(_alt(r.deadline_blockers)),
        recurrence=[(k, re.compile(_alt(v))) for k, v in r.recurrence.items()],
        rec_context=re.compile(_alt(r.recurrence_contexts)),
        unit_head=re.compile(_alt(r.unit_heads, folded=False)),
        unit_stop=re.compile(_alt([p.lower() for p in r.unit_stops], folded=False)),
        lead_before_start=re.compile(_alt([p.lower() for p in r.role_cues.lead_before], folded=False) + r"\s+(?:cho\s+)?"),
        support_start=re.compile(_alt([p.lower() for p in r.role_cues.support_before], folded=False) + r"\s*"),
        lead_after=re.compile(r"^\s*,?\s*" + _alt(r.role_cues.lead_after)),
        support_before_tail=re.compile(_alt(r.role_cues.support_before) + r"\s*$"),
        direct_after=re.compile(_alt(r.role_cues.direct_after)),
        generic=re.compile(_alt(r.generic_units)),
    )


# -- numbers and dates ---------------------------------------------------------------------------------

NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
_NUMBER = re.compile(rf"(?<![\w/.,\-])(?P<a>{NUM})(?:\s*(?P<aunit>%|‰))?(?:\s*[-–÷]\s*(?P<b>{NUM})(?![/\d]))?"
                     rf"(?:/(?P<den>\d+)(?![/\d]))?")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def parse_number(s: str) -> float:
    """'43.000' → 43000, '9,5' → 9.5, '0,36' → 0.36."""
    s = s.strip()
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", s):
        s = s.replace(".", "")
    return float(s.replace(",", "."))


def _last_day(y: int, m: int) -> str:
    return f"{y:04d}-{m:02d}-{calendar.monthrange(y, m)[1]:02d}"


def _valid_day(y: int, m: int, d: int) -> bool:
    return 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1]


# -- spaCy pipeline ------------------------------------------------------------------------------------

_TOKEN_MATCH = re.compile(rf"^(?:{NUM})(?:[%‰])?$|^\d+(?:[/.-]\d+)+$|^[\wĐđ]+(?:[/\-][\wĐđ.]+)+$")


@lru_cache(maxsize=1)
def get_nlp():
    import spacy
    from spacy.language import Language
    from spacy.tokenizer import Tokenizer
    from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

    nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"use_pyvi": False}}})
    punct_pre = [r"[\"'“”‘’«»(\[{*#]", r"\.\.\.", r"[-–—•+]"]
    punct_suf = [r"[\"'“”‘’«»)\]},;:!?*]", r"\.\.\.", r"\.", r"%", r"‰"]
    nlp.tokenizer = Tokenizer(
        nlp.vocab,
        prefix_search=compile_prefix_regex(punct_pre).search,
        suffix_search=compile_suffix_regex(punct_suf).search,
        infix_finditer=compile_infix_regex([r"(?<=[^\d\s])[,;:](?=[^\s])", r"(?<=[\w])[–—](?=[\w])"]).finditer,
        token_match=_TOKEN_MATCH.match,
    )

    for name, fn in (("chithi_references", _references), ("chithi_deadlines", _deadlines),
                     ("chithi_targets", _targets), ("chithi_tasks", _tasks)):
        if not Language.has_factory(name):
            Language.component(name, func=_component(name, fn))
        nlp.add_pipe(name)
    return nlp


def _component(name: str, fn):
    def component(doc):
        ctx: Ctx = doc.user_data["chithi_ctx"]
        out = fn(ctx)
        key = name.split("_", 1)[1]
        ctx.results[key] = out
        spans = []
        for item in out:
            sp = doc.char_span(item["start"], item["end"], label=key, alignment_mode="expand")
            if sp is not None:
                spans.append(sp)
        doc.spans[key] = spans
        return doc

    return component


@dataclass
class Ctx:
    text: str
    folded: str
    lower: str
    body_start: int
    body_end: int
    year: int | None
    paragraphs: list  # structure.Para
    results: dict[str, list[dict[str, Any]]]
    blocked: list[tuple[int, int]]  # reference spans: no targets or deadlines inside


def run_extraction(text: str, structure) -> Extraction:
    nlp = get_nlp()
    year = None
    if structure is not None and structure.issued_date is not None:
        year = int(structure.issued_date.value[:4])
    lower = text.lower()
    ctx = Ctx(text=text, folded=fold_keep_len(text), lower=lower if len(lower) == len(text) else text,
              body_start=structure.body_start if structure else 0,
              body_end=structure.body_end if structure else len(text),
              year=year, paragraphs=structure.paragraphs if structure else [], results={}, blocked=[])
    if ctx.year is None:  # a draft without date: the most recent year the body names
        years = [int(y) for y in re.findall(r"(?<!\d)(20\d\d)(?!\d)", ctx.folded)]
        ctx.year = max(years) if years else None
    doc = nlp.make_doc(text)
    doc.user_data["chithi_ctx"] = ctx
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    tasks = ctx.results["tasks"]
    _link(tasks, ctx.results["targets"], "target_ids", "t")
    _link(tasks, ctx.results["deadlines"], "deadline_ids", "d")
    return Extraction(targets=ctx.results["targets"], deadlines=ctx.results["deadlines"], tasks=tasks,
                      references=ctx.results["references"])


def _link(tasks, items, field_name: str, prefix: str) -> None:
    for i, it in enumerate(items, 1):
        it["id"] = f"{prefix}{i}"
        owner = None
        for k in tasks:
            if k["start"] <= it["start"] < k["end"] or (k.get("scope_end") and k["start"] <= it["start"] < k["scope_end"]):
                owner = k
        if owner is not None:
            it["task_id"] = owner["id"]
            owner.setdefault(field_name, []).append(it["id"])
    for k in tasks:
        k.pop("scope_end", None)


def _in_blocked(ctx: Ctx, s: int, e: int) -> bool:
    return any(a <= s < b or a < e <= b for a, b in ctx.blocked)


# -- references ----------------------------------------------------------------------------------------

_REF = re.compile(
    r"(?<![\w])(?P<type>nghi quyet|chi thi|ke hoach|quyet dinh|thong tu lien tich|thong tu|nghi dinh|cong van|"
    r"ket luan|chuong trinh hanh dong|chuong trinh|huong dan|thong bao|luat|van ban|cong dien|to trinh|bao cao)"
    r"\s+(?:so\s*)?(?P<num>\d+[\w./\-]*[/\-][\w./\-]*\w)"
    r"(?:\s*,?\s*ngay\s*(?P<date>\d{1,2}\s*(?:/|\s*thang\s*)\s*\d{1,2}\s*(?:/|\s*nam\s*)\s*\d{4}))?"
    r"(?:\s+(?:cua|do)\s+(?P<issuer>[^,;.:()“”\"]{3,80}?)(?=\s+(?:ve|tai|thuc hien|trien khai|quy dinh|ban hanh|huong dan)\b|[,;.:()“”\"]|$))?")


def _references(ctx: Ctx) -> list[dict[str, Any]]:
    out = []
    codes = {fold(k): v for k, v in lexicon().doc_types.items()}
    for m in _REF.finditer(ctx.folded):
        t = ctx.text
        date = None
        if m.group("date"):
            nums = re.findall(r"\d+", m.group("date"))
            d, mo, y = (int(x) for x in nums[:3])
            if _valid_day(y, mo, d):
                date = f"{y:04d}-{mo:02d}-{d:02d}"
        typ = m.group("type")
        issuer = squash(t[m.start("issuer"):m.end("issuer")]) if m.group("issuer") else None
        out.append({"start": m.start(), "end": m.end(), "number": t[m.start("num"):m.end("num")],
                    "doc_type": codes.get(typ, typ.replace(" ", "_")), "date": date, "issuer": issuer})
        ctx.blocked.append((m.start(), m.end()))
    return out


# -- deadlines -----------------------------------------------------------------------------------------

_DAY_DATE = re.compile(r"(?:ngay\s*)?(?P<d>\d{1,2})\s*(?:/|-|\.|\s+thang\s+)\s*(?P<m>\d{1,2})"
                       r"(?:\s*(?:/|-|\.|\s+nam\s+)\s*(?P<y>(?:19|20)\d\d))?(?![\d/])")
_MONTH = re.compile(r"(?P<cue>truoc|trong|het|den het|den|cuoi|xong trong|xong truoc)\s+thang\s+(?P<m>\d{1,2})"
                    r"(?:\s*(?:/|nam)\s*(?P<y>(?:19|20)\d\d))?(?![\d/])")
_QUARTER = re.compile(r"(?P<cue>truoc|trong|het|den het|den|cuoi|hoan thanh|xong)\s+(?:trong\s+)?quy\s+(?P<q>iv|iii|ii|i|[1-4])(?![\w])"
                      r"(?:\s*(?:/|nam|-)\s*(?P<y>(?:19|20)\d\d))?")
_HALF = re.compile(r"(?P<cue>truoc|trong|het|den het|den|hoan thanh|xong)\s+(?:trong\s+)?(?:6|06|sau)\s+thang\s+(?P<part>dau|cuoi)\s+nam"
                   r"(?:\s+(?P<y>(?:19|20)\d\d))?")


def _deadlines(ctx: Ctx) -> list[dict[str, Any]]:
    c = compiled()
    f, out = ctx.folded, []
    lo, hi = ctx.body_start, ctx.body_end

    def add(s, e, due, precision, recurrence=None):
        if _in_quotes(ctx.text, s):  # “Chuyển đổi số đến năm 2025” names a campaign
            return
        if not _in_blocked(ctx, s, e) or precision == "recurring":
            out.append({"start": s, "end": e, "due": due, "precision": precision, "recurrence": recurrence})

    for m in _DAY_DATE.finditer(f, lo, hi):
        if _in_blocked(ctx, m.start(), m.end()):
            continue
        before = f[max(lo, m.start() - 30):m.start()]
        cue = c.dl_cue_tail.search(before)
        if not cue:
            continue
        y = int(m.group("y")) if m.group("y") else ctx.year
        d, mo = int(m.group("d")), int(m.group("m"))
        if y is None or not _valid_day(y, mo, d):
            continue
        s = m.start() - (len(before) - cue.start())
        rec = _recurrence_near(ctx, s, m.end())
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
        add(m.start(), m.end(), _last_day(y, q * 3), "quarter")
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
    for p in ctx.paragraphs:  # "a) Giai đoạn 1 (2026 - 2028)" heading the targets of a phase
        m = _PHASE.search(f, p.start, p.end)
        if m and p.heading:
            add(m.start(), m.end(), f"{int(m.group('y2')):04d}-12-31", "year")
    for kind, rx in c.recurrence:
        for m in rx.finditer(f, lo, hi):
            around = f[max(lo, m.start() - 25):m.end() + 25]
            if "dinh ky" in f[max(lo, m.start() - 12):m.end()] or c.rec_context.search(around):
                if kind == "yearly" and "dinh ky" not in f[max(lo, m.start() - 12):m.end()] and \
                        not re.search(r"bao cao|tong hop|gui", around):
                    continue
                s = f.rfind("dinh ky", max(lo, m.start() - 12), m.start())
                add(s if s != -1 else m.start(), m.end(), None, "recurring", kind)
    out.sort(key=lambda x: x["start"])
    # drop a match inside another (e.g. "trong quý II năm 2024" also matched as a year)
    kept = []
    for x in out:
        if any(k["start"] <= x["start"] and x["end"] <= k["end"] and k is not x for k in out if (k["end"] - k["start"]) > (x["end"] - x["start"])):
            continue
        kept.append(x)
    return kept


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
    between = seg[m.end():]
    return not re.search(r"(?<![\w])(?:phan dau|hoan thanh|dat muc tieu|dat|xong)(?![\w])", between)


# -- targets -------------------------------------------------------------------------------------------

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


def _targets(ctx: Ctx) -> list[dict[str, Any]]:
    c = compiled()
    t, L = ctx.text, ctx.lower
    out: list[dict[str, Any]] = []
    for s, e in _segments(t, ctx.body_start, ctx.body_end):
        nums = [(m.start(), m.end(), m) for m in _NUMBER.finditer(t, s, e)]
        nums += [(m.start("w"), m.end("w"), m) for m in c.number_word.finditer(L, s, e)]
        nums.sort(key=lambda x: x[0])
        # a following quantity ("... và 100% tổ dân phố") ends a target's metric; a bare number ("lớp 1") does not
        cuts = [a for a, b, m in nums if m.re is c.number_word or m.group("aunit") or c.unit.match(L, b)]
        prev_end = s
        seg_targets = []
        for i, (a, b, m) in enumerate(nums):
            nxt = next((x for x in cuts if x > a), e)
            tgt = _target_at(ctx, m, a, b, s, e, prev_end, nxt)
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
    return out


_PREDICATE = re.compile(r"(?<![\w])(?:đạt|được|bị|có|là)(?![\w])")


def _share_predicate(ctx: Ctx, tg: list[dict[str, Any]]) -> None:
    """'96% gia đình và 100% tổ dân phố, cơ quan đạt chuẩn văn hóa': the first target shares the last predicate."""
    L = ctx.lower
    for x, y in zip(tg, tg[1:]):
        gap = L[x["end"]:y["start"]].strip(" ,")
        if gap not in ("", "và") or len((x["metric"] or "").split()) > 3:
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
               next_num: int) -> dict[str, Any] | None:
    c = compiled()
    t, L = ctx.text, ctx.lower
    if _in_blocked(ctx, a, b):
        return None
    word = m.re is c.number_word
    before = L[max(s, a - 40):a]
    if not word:
        if c.blocker_tail.search(before) or (re.search(r"\(\s*$", before) and re.match(r"\d+\)", t[a:a + 4])):
            return None
        if re.match(r"\s*(?:/\s*\d|-\s*\d{4}|tháng|năm\b)", L[b:b + 8]) and not m.group("den"):
            return None
        if c.qualifier.match(L, b):
            return None
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
    den = _FRACTION.match(L, end)  # "137 xã/193 xã": the denominator belongs to the value
    if den and unit:
        end = den.end()
    comp = _comparator(ctx, max(prev_end, s), a)
    for kind, rx in c.cmp_suffix:
        mm = rx.match(L, end)
        if mm:
            comp, end = kind, mm.end()
    if not unit and 1900 <= value <= 2100:
        return None
    if comp == "at_least" and re.search(r"(?<![\w])từ\s*$", L[max(s, a - 5):a]) and not unit:
        return None  # "từ 2021": a period
    if not unit:
        # a count without a known unit: the noun after it ("01 chuỗi hoạt động") when a comparator commits to it
        if comp in (None, "reach"):
            return None
        mm = re.match(r"\s+([^\W\d]\w*(?:\s+[^\W\d]\w*)?)", t[end:e])
        if not mm:
            return None
        unit, end = mm.group(1), end + mm.end()
    # fragment: metric before (from the last boundary) and after (up to the next number or a new clause)
    frag_start = max(prev_end, s)
    while frag_start < a and t[frag_start] in " ,;:.-–+•\t":
        frag_start += 1
    after_end = min(next_num, e)
    cut = re.compile(r",\s*(?:trong đó|đồng thời|nâng|đạt|phấn đấu|tăng|giảm|có thêm)|\s+(?:và|với)\s*$|\(").search(L, end, after_end)
    if cut:
        after_end = cut.start()
    while after_end > end and t[after_end - 1] in " ,;:.-–(\t":
        after_end -= 1
    if c.not_target.search(L, frag_start, after_end):
        return None
    is_rate = unit.startswith(("%", "‰"))
    if not is_rate and comp in (None, "reach") and not c.commit.search(L, max(ctx.body_start, frag_start - 80), after_end):
        return None
    before_clean = _strip_metric(t[frag_start:a])
    after_clean = squash(t[end:after_end].strip(" ,:-–"))
    unit_is_noun = not is_rate and not re.search(r"đồng|usd|km|ha\b|tấn|m2|m³", unit.lower())
    if before_clean and len(before_clean.split()) >= 2 and not (unit_is_noun and after_clean):
        metric = before_clean
        if unit_is_noun and fold(unit) not in fold(metric):  # "phát triển thêm khoảng 1.500 doanh nghiệp"
            metric = f"{metric} {unit}"
    elif after_clean:
        metric = squash(f"{unit} {after_clean}") if unit_is_noun else after_clean
        metric = _strip_metric(metric) or metric
    else:
        metric = before_clean or (unit if unit_is_noun else None)
    period = _period(ctx, s, a, after_end)
    return {"start": frag_start, "end": max(after_end, end), "num_end": end, "metric": metric, "value": value,
            "value_max": value_max, "unit": unit, "comparator": comp or "reach", "period": period}


def _strip_metric(s: str) -> str:
    c = compiled()
    low = s.lower()
    cut = 0
    year = re.compile(r"[\s,]*(?:(?:đến|trong|vào)\s+)?(?:cuối\s+)?năm\s+(?:19|20)\d\d[\s,]*")
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


# -- tasks and responsible units ----------------------------------------------------------------------

_NAME = re.compile(r"(?:[Đđ]ồng chí|[Đđ]/[Cc])\s+(?P<n>(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*\s+){1,4}[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)")


def _tasks(ctx: Ctx) -> list[dict[str, Any]]:
    tasks: list[dict[str, Any]] = []
    paras = ctx.paragraphs
    for i, p in enumerate(paras):
        nxt = paras[i + 1] if i + 1 < len(paras) else None
        # "1. Bộ Ngoại giao" over "a) Chủ trì ...": a unit heading its own sub-items
        heads_items = bool(p.kind and nxt is not None and nxt.kind and len(nxt.path) > len(p.path))
        units = _units_in(ctx, p.start, p.end, p.kind is not None, heads_items)
        if not units:
            continue
        section = ".".join(p.path) if p.path else None
        tasks.append({"id": f"k{len(tasks) + 1}", "start": p.start, "end": p.end, "section": section,
                      "units": units, "scope_end": _scope_end(paras, i)})
    return tasks


def _scope_end(paras: list, i: int) -> int:
    """A task heads the paragraphs after it until the next paragraph of the same or a higher level."""
    p = paras[i]
    for q in paras[i + 1:]:
        if q.kind is not None and (p.kind is None or len(q.path) <= len(p.path)):
            return q.start
    return paras[-1].end if paras else p.end


def _units_in(ctx: Ctx, s: int, e: int, is_item: bool, heads_items: bool = False) -> list[dict[str, Any]]:
    c = compiled()
    t, f = ctx.text, ctx.folded
    found: list[dict[str, Any]] = []

    def add(a: int, b: int, role: str) -> None:
        while True:  # "Ban quản lý dự án đầu tư và" (cut at a verb): no dangling conjunction
            stripped = re.sub(r"(?:\s+(?:và|với|của|cùng)|[\s,;:.\-–])+$", "", t[a:b])
            if stripped == t[a:b]:
                break
            b = a + len(stripped)
        name = squash(t[a:b])
        if not name or len(name) < 3:
            return
        for u in found:
            if fold(u["name"]) == fold(name) and u["role"] == role:
                return
        found.append({"name": name, "role": role, "start": a, "end": b})

    # direct: "Đồng chí X, Phó Chủ tịch ... trực tiếp chỉ đạo"
    for m in _NAME.finditer(t, s, e):
        if c.direct_after.search(f, m.end(), min(e, m.end() + 120)):
            add(m.start("n"), m.end("n"), "direct")
    # item head: the unit that opens a numbered or bulleted item
    head = s
    seg = t[s:e]
    lead = len(seg) - len(seg.lstrip(" *-–+•"))
    mk = re.match(r"\s*(?:Điều\s+\d+[a-zđ]?\.|[IVXL]+[.)/]|[A-ZĐ][.)/]|\d{1,2}(?:\.\d{1,2})*[.)/]|[a-zđ][.)/])\s+", seg)
    head = s + (mk.end() if mk else lead)
    low = ctx.lower
    mlead = c.lead_before_start.match(low, head, e)
    if mlead:
        for a, b in _named_first(t, _unit_list(ctx, mlead.end(), e)):
            add(a, b, "lead")
    elif c.unit_head.match(t, head):
        lst = _unit_list(ctx, head, e)
        # the unit opening an item leads it; in plain text only when a lead verb follows ("X chịu trách nhiệm")
        rest = t[lst[-1][1]:e].strip(" ,;:./") if lst else ""
        # an item that only names a unit ("- Bộ trưởng Bộ Công an;" in a membership list) assigns nothing
        if lst and ((is_item and (len(rest.split()) >= 3 or heads_items)) or c.lead_after.match(low, lst[-1][1])):
            for a, b in _named_first(t, lst):
                add(a, b, "lead")
    # anywhere: "giao/đề nghị/yêu cầu X", "X chủ trì", "phối hợp với Y"
    for m in c.lead_before_start.finditer(low, s, e):
        pos = m.end()
        if mlead and pos == mlead.end():
            continue
        if c.unit_head.match(t, pos):
            for a, b in _named_first(t, _unit_list(ctx, pos, e)):
                add(a, b, "lead")
    if not any(u["role"] in ("lead", "direct") for u in found):
        return found  # "phối hợp chặt chẽ với X" with nobody leading is a remark, not an assignment
    for m in c.support_start.finditer(low, s, e):
        pos = m.end()
        while pos < e and t[pos] == " ":
            pos += 1
        for a, b in _named_first(t, _unit_list(ctx, pos, e, support=True)):
            add(a, b, "support")
    return found


def _named_first(t: str, listed: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """'phối hợp với các bộ phận, Ban Tuyên giáo Thành ủy, các phòng liên quan', 'Đề nghị Ủy ban MTTQ thành phố
    và các tổ chức hội': the named units are the assignment; vague groups ('các ...') count only when nothing more
    specific is named."""
    specific = [(a, b) for a, b in listed if not _vague(t[a:b])]
    return specific or listed


_VAGUE_UBND = re.compile(r"^(?:ubnd|uy ban nhan dan)\s+(?:cac\s+)?(?:phuong|xa|huyen|quan|thi xa|thi tran)\b")


def _vague(name: str) -> bool:
    """'các đơn vị liên quan', 'UBND phường, xã': a group, not a named unit."""
    return name[:1].islower() or bool(_VAGUE_UBND.match(fold(name)))


def _piece_words(t: str, k: int, limit: int) -> int:
    """Words up to the next comma: 'Ban, ngành' (1) continues a list of kinds; 'Ban Tuyên giáo, ...' (3) is a unit."""
    j = t.find(",", k, limit)
    return len(t[k:j if j != -1 else limit].split())


def _unit_list(ctx: Ctx, pos: int, e: int, support: bool = False) -> list[tuple[int, int]]:
    """Units listed from ``pos``: names split at ', ' / ' và ' where a new unit head starts; ends at a verb."""
    c = compiled()
    t, f = ctx.text, ctx.folded
    g = c.generic.match(f, pos)
    if g:
        return [(pos, g.end())]
    if support and not c.unit_head.match(t, pos):  # "phối hợp với các bộ phận, Ban Tuyên giáo ...": skip the vague lead
        j = pos
        while j < min(e, pos + 120) and t[j] not in ";.:\n":
            if t[j] == ",":
                k = j + 1
                while k < e and t[k] == " ":
                    k += 1
                if c.unit_head.match(t, k) or c.generic.match(f, k):
                    return _unit_list(ctx, k, e, support=True)
            j += 1
        return []
    if not c.unit_head.match(t, pos):
        return []
    units, start, i = [], pos, pos
    limit = min(e, pos + 250)
    i = c.unit_head.match(t, pos).end()  # the head itself ("các tổ chức") is never a stop
    while i < limit:
        ch = t[i]
        if ch in ";:.\n" and not (ch == "." and i + 1 < len(t) and t[i + 1].isalnum()):
            break
        if ch == "(":  # "(Sở Nội vụ)" belongs to the name; "(b/c)" and asides end it
            j = t.find(")", i, limit)
            if j != -1 and c.unit_head.search(t, i + 1, j):
                i = j + 1
                continue
            break
        at_sep = ch == "," or f.startswith(" va ", i)
        if at_sep:
            k = i + (1 if ch == "," else 4)
            while k < limit and t[k] == " ":
                k += 1
            if c.generic.match(f, k):
                units.append((start, i))
                gm = c.generic.match(f, k)
                units.append((k, gm.end()))
                return units
            if c.unit_head.match(t, k) and _piece_words(t, k, limit) >= 2:
                units.append((start, i))
                start, i = k, c.unit_head.match(t, k).end()
                continue
            if ch == "," and not support:
                if t[k:k + 1].islower() and c.unit_stop.match(ctx.lower, k):
                    break
        if i > start and f[i - 1] == " " and t[i].islower() and c.unit_stop.match(ctx.lower, i) \
                and not c.unit_head.match(t, i):
            break
        i += 1
    if i > start:
        units.append((start, i))
    return [(a, b) for a, b in units
            if (c.unit_head.match(t, a) and len(t[a:b].split()) >= 2) or c.generic.match(f, a)]
