"""Stage 4 — structure: the layout of a Vietnamese administrative document (Nghị định 30/2020/NĐ-CP).

Finds the header block (issuer, số ký hiệu, national motto, địa danh and date), tên loại and trích yếu, the body
with its I./1./a)/- levels as a section tree, the signature block and Nơi nhận; reads the metadata from them.
All positions are offsets in ``Document.text``.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.lang.lexicon import lexicon
from pipeline.core.textutil import clean_value, distance, fold, fold_keep_len, squash

# -- result types ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    value: str
    start: int
    end: int
    inferred: bool = False
    origin: str | None = None  # where a value not read in its usual place came from (pipeline.structure.unread_meta)


@dataclass(frozen=True)
class SignerField:
    name: str | None
    title: str | None
    capacity: str | None
    start: int
    end: int


@dataclass
class Para:
    """A body paragraph (one line of the normalized text) with its list marker and section path."""

    start: int
    end: int
    marker: str | None  # "I", "1", "1.2", "a", "-", "+", None
    kind: str | None  # roman | upper | arabic | letter | dash | plus | paren
    path: tuple[str, ...] = ()
    heading: bool = False  # a section title line (short, no full stop)


@dataclass
class Section:
    label: str
    kind: str
    start: int
    end: int
    title: str
    children: list["Section"] = field(default_factory=list)


@dataclass
class Structure:
    header_end: int
    body_start: int
    body_end: int
    number: Field | None = None
    number_blank: bool = False
    date_unread: str | None = None  # "day" or "day_month": the handwritten part of the issue date OCR could not read
    number_unread: Field | None = None  # the printed symbol of a number that could not be read ("Số: 4Jl2 /CAT-PC04")
    doc_type: Field | None = None
    issued_date: Field | None = None
    place: Field | None = None
    issuer: Field | None = None
    subject: Field | None = None
    signer: SignerField | None = None
    recipients: list[Field] = field(default_factory=list)  # Nơi nhận
    addressees: list[Field] = field(default_factory=list)  # Kính gửi
    paragraphs: list[Para] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    annex_start: int | None = None  # an annex after the signature ("PHỤ LỤC"): read like the body
    attachments: list = field(default_factory=list)  # pipeline.attachments.Attachment: documents filed after it
    notes: list[tuple[str, str]] = field(default_factory=list)  # (warning code, message)


# -- patterns ----------------------------------------------------------------------------------------
# Matched against folded text (same length as the original), so positions index the original.

_NUMBER = re.compile(r"(?<![a-z])s[o6]\s*:?\s*(?P<n>[0-9]{0,6}[a-z]?)\s*(?P<sym>(?:/\s*[a-z0-9][a-z0-9.\-–]*(?:\s*[-–]\s*[a-z0-9.]+)*)+)")
_DATE_LINE = re.compile(
    r"(?P<place>[^\n,;:]{2,60}?)\s*,\s*ngay\s*(?P<d>[0-9]{1,2})?\s*(?P<dj>[^\n,;]{0,6}?)\s*thang\s*(?P<m>[0-9]{1,2})?"
    r"\s*(?P<mj>[^\n,;]{0,6}?)\s*nam\s*(?P<y>[12][0-9]{3})")
_BLANK = re.compile(r"[\s.…_]*")
_NUMBER_GARBLED = re.compile(r"[\s*#|]*s[o6]\s*:\s*(?P<n>[0-9]{1,6})\s*[^\w\s]?[^\s\w]?\s*(?P<sym>[a-z]{1,6}[a-z0-9]*(?:\s*-\s*[a-z0-9]+)+)")
# "Số: 4Jl2 /CAT-PC04(Đ1)": a handwritten number OCR could not read, before a readable symbol
_NUMBER_UNREADABLE = re.compile(r"[\s*#|]*s[o6]\s*:\s*(?P<n>[^\s/][^/\n]{0,8}?)\s*"
                                r"(?P<sym>/\s*[a-z][a-z0-9.\-–()]*(?:\s*[-–]\s*[a-z0-9.()]+)*)")
_DATE_LINE_NUMERIC = re.compile(r"(?P<place>[^\n,;:]{2,60}?)\s*,\s*ngay\s*(?P<d>[0-9]{1,2})[/.-](?P<m>[0-9]{1,2})[/.-](?P<y>[12][0-9]{3})")
_MARKERS = [
    ("article", re.compile(r"(?P<m>Điều\s+\d+[a-zđ]?)\.\s+")),
    ("roman", re.compile(r"(?P<m>[IVXL]+)[.)/]\s+")),
    ("upper", re.compile(r"(?P<m>[A-ZĐ])[.)/]\s+")),
    ("arabic", re.compile(r"(?P<m>\d{1,2}(?:\.\d{1,2}){0,3})[.)/]?\s+(?=\S)")),
    ("letter", re.compile(r"(?P<m>[a-zđ])[)/]\s+")),
    ("paren", re.compile(r"\((?P<m>\d{1,2}|[a-zđ])\)\s+")),
    ("dash", re.compile(r"(?P<m>[-–—•])\s*")),
    ("plus", re.compile(r"(?P<m>[+*])\s+")),
]
KIND_RANK = {"article": -1, "upper": 0, "roman": 1, "arabic": 2, "letter": 3, "paren": 4, "dash": 5, "plus": 6}


def _lines(text: str, start: int = 0, end: int | None = None):
    """(start, end) of every line of text[start:end], form feeds counted as line breaks — except one inside a
    sentence that runs on into the next page ("… các nội dung, nhiệm\fvụ của các dự án …")."""
    end = len(text) if end is None else end
    pos = start
    for m in re.finditer(r"[\n\f]", text[start:end]):
        if m.group() == "\f" and _runs_on(text, start + m.start()):
            continue
        yield pos, start + m.start()
        pos = start + m.end()
    if pos < end:
        yield pos, end


def _runs_on(text: str, ff: int) -> bool:
    """The page break at ``ff`` falls inside a sentence: a letter or a comma before it, a lower-case letter after."""
    before, after = text[max(0, ff - 2):ff].rstrip(" "), text[ff + 1:ff + 3].lstrip(" ")
    return bool(before and after) and (before[-1].isalpha() or before[-1] == ",") and after[0].islower() \
        and not _ITEM_MARK.match(text, ff + 1)  # "1. Bộ Ngoại giao" / "a) Chủ trì …": a list item starts


_ITEM_MARK = re.compile(r"\s*(?:[a-zđ]|[ivx]{1,4})[.)/]\s")


def _strip_span(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in " \t|*_":
        s += 1
    while e > s and text[e - 1] in " \t|*_:;,.":
        e -= 1
    return s, e


def _subject_stop(text: str, folded: str, s: int, e: int) -> str | None:
    """Why the line ``text[s:e]`` cannot be (part of) a trích yếu: a place-date line ('date'), a table row or a page
    break ('table'), a rule ('rule'), or a line opening the next part ('stop': Kính gửi, Căn cứ, the authority …)."""
    seg = text[s:e]
    if "|" in seg or "\f" in seg:
        return "table"
    if e - s < 120 and (_DATE_LINE.search(folded, s, e) or _DATE_LINE_NUMERIC.search(folded, s, e)):
        return "date"  # "Hà Nội, ngày 20 tháng 11 năm 2025" (a cited "… ngày 08 tháng 8 năm 2018" is longer)
    body = folded[s:e].strip(" *_#-–:.\t")
    if not body:
        return "rule"
    if any(re.match(re.escape(w) + r"(?![\w])", body) for w in _subject_stops()):
        return "stop"
    return None


@lru_cache(maxsize=1)
def _subject_stops() -> tuple[str, ...]:
    return tuple(fold(w) for w in lexicon().subject_stops)


def _subject_last(text: str, folded: str, lines, first: int) -> int:
    """The last line of a trích yếu that starts at ``lines[first]``: the lines after it in the same case ('KẾT' /
    'LUẬN CỦA PHÓ THỦ TƯỚNG …'), or wrapped lines going on in lower case, up to a stop (:func:`_subject_stop`)."""
    upper = _is_upper_line(text[slice(*lines[first])])
    last = first
    for j in range(first + 1, min(first + 6, len(lines))):
        s, e = lines[j]
        seg = text[s:e].strip(" *_#\t")
        if _subject_stop(text, folded, s, e) or len(seg) > 600 or seg.endswith(":"):
            break
        if re.match(r"(?:[a-zđ]|[ivx]+|\d{1,2})[.)]\s|[-–+•]", seg):
            break  # a list item ("e) Đối với …") starts the body
        if (upper and _is_upper_line(seg)) or (not upper and seg[:1].islower()):
            last = j
            continue
        break
    return last


def _is_upper_line(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


# -- casing ------------------------------------------------------------------------------------------


def _case_like_body(name: str, body_folded: str, text: str) -> str | None:
    """The body's own spelling of ``name`` (found case- and accent-insensitively), if it has one in mixed case."""
    key = fold(squash(name))
    i = body_folded.find(key)
    while i != -1:
        cand = text[i:i + len(key)]
        if not _is_upper_line(cand):
            return cand
        i = body_folded.find(key, i + 1)
    return None


def case_org_name(name: str) -> str:
    """'SỞ NỘI VỤ' → 'Sở Nội vụ'; 'ỦY BAN NHÂN DÂN THÀNH PHỐ NHA TRANG' → 'Ủy ban nhân dân thành phố Nha Trang'."""
    name = squash(name)
    if not _is_upper_line(name):
        return name
    lx = lexicon()
    f = fold(name)
    head = ""
    for h in sorted(lx.org_heads, key=len, reverse=True):
        if f == fold(h) or f.startswith(fold(h) + " "):
            head, name = h, name[len(h):].strip()
            break
    rest = name.split()
    f_rest = fold(" ".join(rest))
    for lvl in sorted(lx.admin_levels, key=len, reverse=True):
        if f_rest == fold(lvl) or f_rest.startswith(fold(lvl) + " "):
            n = len(lvl.split())
            tail = " ".join(w[:1] + w[1:].lower() for w in rest[n:])
            return squash(f"{head} {lvl} {tail}")
    if rest:
        words = [w.lower() for w in rest]
        words[0] = words[0][:1].upper() + words[0][1:]
        tail = " ".join(words)
        return squash(f"{head} {tail}") if head else tail
    return head


def repair_symbol(sym: str) -> str:
    """'/CTI-UBND' → '/CT-UBND': a part of the symbol that is no known abbreviation but becomes one when a
    character OCR often inserts ('I', 'l', '1', ...) is dropped."""
    lx = lexicon()
    known = {a.upper() for a in lx.type_abbreviations}
    parts = re.split(r"([/\-–])", sym)
    for i, part in enumerate(parts):
        if not part or not part.isalpha() or part.upper() in known:
            continue
        for j, ch in enumerate(part):
            if ch in lx.symbol_confusables and (part[:j] + part[j + 1:]).upper() in known:
                parts[i] = part[:j] + part[j + 1:]
                break
    return "".join(parts)


def _canonical_level(place: str) -> str:
    """'Phương Nguyễn Nghiêm' (restored OCR) → 'Phường Nguyễn Nghiêm': the level word spelled as the lexicon has it."""
    f = fold(place)
    for lvl in sorted(lexicon().admin_levels, key=len, reverse=True):
        fl = fold(lvl)
        if f.startswith(fl + " ") and place[:len(lvl)] != lvl.capitalize():
            return lvl.capitalize() + place[len(lvl):]
    return place


def expand_abbreviations(name: str) -> str:
    for short, full in lexicon().abbreviations.items():
        name = re.sub(rf"(?<!\w){re.escape(short)}(?!\w)", full, name)
    return squash(name)


# -- parsing -----------------------------------------------------------------------------------------


def _number(text: str, folded: str, lines, st: Structure) -> int | None:
    """Số ký hiệu from the first header lines into ``st`` (with its notes); returns where it ends, if found.
    Tried in turn: a number and symbol (or a blank number), a handwritten number whose slash OCR misread, a
    number OCR could not read before a readable symbol."""
    for s, e in lines:
        m = _NUMBER.search(folded, s, e)
        if m and folded[s:m.start()].strip(" *#|") == "":
            n0, n1 = m.span("n")
            num = text[n0:n1].strip()
            sym = re.sub(r"\s+", "", text[m.start("sym"):m.end("sym")])
            if num:
                fixed = repair_symbol(sym)
                st.number = Field(num + fixed, m.start("n"), m.end("sym"))
                if fixed != sym:
                    st.notes.append(("uncertain_number", f"số ký hiệu '{num + sym}' read as '{num + fixed}' "
                                                         "(an OCR misread of the type abbreviation): check the scan"))
            else:
                st.number_blank = True
                st.notes.append(("blank_number", f"số ký hiệu is blank ('{squash(text[m.start():m.end()])}'): a draft?"))
            st.header_end = max(st.header_end, e)
            return m.end()
    for s, e in lines:  # "Số: 44ŸTTr-CAT-PC04": a handwritten number whose slash OCR misread
        m = _NUMBER_GARBLED.match(folded, s, e)
        if m:
            sym = re.sub(r"^[^A-ZĐ]+", "", re.sub(r"\s+", "", text[m.start("sym"):m.end("sym")]))
            st.number = Field(f"{text[m.start('n'):m.end('n')]}/{sym}", m.start("n"), m.end("sym"))
            st.notes.append(("uncertain_number", f"số ký hiệu read as '{st.number.value}' from "
                                                 f"'{squash(text[s:m.end()])}': check the scan"))
            st.header_end = max(st.header_end, e)
            return m.end()
    for s, e in lines:
        m = _NUMBER_UNREADABLE.match(folded, s, e)
        if m:
            sym = re.sub(r"\s+", "", text[m.start("sym"):m.end("sym")])
            st.number_unread = Field(sym, m.start(), m.end("sym"))
            st.notes.append(("unreadable_number", f"the number of the số ký hiệu is unreadable (handwritten?): "
                                                  f"'{squash(text[s:m.end()])}', symbol '{sym}': check the scan"))
            st.header_end = max(st.header_end, e)
            return m.end()
    return None


def parse(text: str, blocks: tuple = ()) -> Structure:
    """The layout of ``text``; ``blocks`` (pipeline.blocks) keep the rows of data tables out of the paragraphs
    (the task-table component reads them)."""
    lx = lexicon()
    folded = fold_keep_len(text)
    lines = [(s, e) for s, e in _lines(text) if text[s:e].strip()]
    tables = [(b.start, b.end) for b in blocks if b.kind == "table" and not b.layout]
    st = Structure(header_end=0, body_start=0, body_end=len(text))
    if not lines:
        return st
    head_lines = lines[:30]

    number_end = _number(text, folded, head_lines[:15], st)

    # địa danh, ngày tháng năm
    for i, (s, e) in enumerate(head_lines[:15]):
        ls = number_end if number_end and s <= number_end <= e else s
        m = _DATE_LINE.search(folded, ls, e) or _DATE_LINE_NUMERIC.search(folded, ls, e)
        if not m and re.search(r",\s*ngay\b", folded[ls:e]):
            # "Lâm Đồng, ngày" / "tháng 12 năm" / "2025": a date wrapped in a narrow header column (scans)
            e2 = head_lines[min(i + 2, len(head_lines) - 1)][1]
            m = _DATE_LINE.search(folded, ls, e2)
            if m and m.start() >= e:
                m = None
        if not m:
            continue
        ps, pe = _strip_span(text, *m.span("place"))
        place = _canonical_level(squash(text[ps:pe]))
        if place and re.search(r"\d", place) and re.search(r"\d\s*h|\blúc\b|thời gian", place.lower()):
            continue  # "Thời gian: bắt đầu lúc 08h00, ngày 09/10/2025": an event's time, not the issue date
        if place and not re.search(r"\d", place):
            st.place = Field(place, ps, pe)
        y, mo, d = m.group("y"), m.group("m"), m.group("d")
        # a day or month OCR could not read (handwritten: "ngày .4Đ tháng 12") is left out, with a warning
        junk = [k for k in ("dj", "mj") if m.groupdict().get(k) and not _BLANK.fullmatch(m.group(k))]
        # digits that cannot be a day or a month ("ngày99 tháng 10": a handwritten 22) are unreadable too
        if mo and not 1 <= int(mo) <= 12 and "mj" not in junk:
            junk.append("mj")
        elif d and not 1 <= int(d) <= 31 and "dj" not in junk:
            junk.insert(0, "dj")
        if "dj" in junk:
            d = None
        if "mj" in junk:
            mo = d = None
        iso = y + (f"-{int(mo):02d}" if mo else "") + (f"-{int(d):02d}" if mo and d else "")
        st.issued_date = Field(iso, folded.find("ngay", m.start(), m.end()), m.end())
        quoted = squash(text[m.start("place") if st.place is None else pe:m.end()]).lstrip(", ")
        if junk:
            st.date_unread = "day" if junk == ["dj"] else "day_month"
            st.notes.append(("unreadable_date", f"the issue date's {'day' if junk == ['dj'] else 'day or month'} "
                                                f"could not be read ('{quoted}'): check the scan"))
        elif not d:
            st.notes.append(("date_without_day", f"issue date has no day ('{quoted}')"))
        st.header_end = max(st.header_end, e)
        break

    # tên loại + trích yếu
    types = {fold(k): v for k, v in lx.doc_types.items()}
    type_idx = None
    for i, (s, e) in enumerate(head_lines):
        key = re.sub(r"\s+", " ", folded[s:e].strip(" *#:.")).strip()
        if key in types and _is_upper_line(text[s:e]):
            ts, te = _strip_span(text, s, e)
            st.doc_type = Field(types[key], ts, te)
            type_idx = i
            break
    subject_end = None
    if type_idx is not None and type_idx + 1 < len(head_lines):
        first = type_idx + 1
        if _subject_stop(text, folded, *head_lines[first]) == "date" and first + 1 < len(head_lines):
            first += 1  # "THÔNG BÁO" / "Hà Nội, ngày …" / the trích yếu
        s, e = head_lines[first]
        para = text[s:e]
        if len(para) < 600 and not para.rstrip().endswith(":") and not _subject_stop(text, folded, s, e):
            last = _subject_last(text, folded, head_lines, first)
            ss, se = _strip_span(text, s, head_lines[last][1])
            st.subject = Field(clean_value(text[ss:se]), ss, se)
            subject_end = head_lines[last][1]
    if st.doc_type is None:  # công văn: "V/v ..." trích yếu, no tên loại line
        for i, (s, e) in enumerate(head_lines[:20]):
            # "V/v …", "Về việc …"; "Về hướng dẫn …" right under the số ký hiệu
            after_number = number_end is not None and i and head_lines[i - 1][0] <= number_end <= head_lines[i - 1][1]
            if re.match(r"\s*v/v\b|\s*ve viec\b", folded[s:e]) or (
                    after_number and re.match(r"\s*Về\s", text[s:e]) and e - s < 400):
                ss, se = _strip_span(text, s, e)
                st.subject = Field(squash(text[ss:se]), ss, se)
                subject_end = e
                st.doc_type = Field("cong_van", ss, ss + 3, inferred=True)
                break
    if st.doc_type is None and any(folded[s:e].lstrip(" -*").startswith("kinh gui") for s, e in head_lines):
        st.doc_type = Field("cong_van", st.header_end, st.header_end, inferred=True)  # a công văn has no tên loại
    body_start = subject_end or max(st.header_end, st.doc_type.end if st.doc_type else 0)
    # "Kính gửi: ..." belongs to the header of a công văn; a trích yếu over several lines ("V/v triển khai thực
    # hiện" / "Công văn số 4552/BCA-C04" / "của Bộ Công an") runs up to it
    # (a scan's OCR reads the header's left column, trích yếu included, before the right one: then "Kính gửi"
    # comes after the motto and the date line)
    after = [(s, e) for s, e in lines if s >= body_start]
    if not any(_ADDRESSED.match(folded, s, e) for s, e in after[:4]):
        after = [(s, e) for s, e in lines if s >= max(body_start, st.header_end)]
    for k, (s, e) in enumerate(after[:4]):
        if _ADDRESSED.match(folded, s, e):
            # the wrapped lines of the trích yếu, not the place-date line or a table row between it and Kính gửi
            k2 = next((i for i, (a, b) in enumerate(after[:k]) if _subject_stop(text, folded, a, b)), k)
            if k2 and st.subject is not None and all(len(text[a:b]) < 120 for a, b in after[:k2]):
                ss = st.subject.start
                se = _strip_span(text, after[k2 - 1][0], after[k2 - 1][1])[1]
                st.subject = Field(clean_value(text[ss:se]), ss, se)
            elif k:
                break
            j = text.find(":", s, e)
            items = re.split(r"[;\n]", text[j + 1:e]) if j != -1 else []
            pos = j + 1
            for it in items:
                a, b = _strip_span(text, pos, pos + len(it))
                pos += len(it) + 1
                if b > a:
                    st.addressees.append(Field(squash(text[a:b].lstrip("- ")), a, b))
            body_start = e
            for s2, e2 in lines:  # "Kính gửi:" followed by a list of "- Sở Y tế;" lines
                if s2 <= e:
                    continue
                item = text[s2:e2].strip()
                if not item.startswith(("-", "–", "+", "•")) or len(item) > 300:
                    break
                a, b = _strip_span(text, s2, e2)
                a += len(text[a:b]) - len(text[a:b].lstrip("-–+• "))
                st.addressees.append(Field(squash(text[a:b]), a, b))
                body_start = e2
            break
    st.body_start = body_start

    # Nơi nhận and signature (search from the end)
    body_end = len(text)
    for s, e in reversed(lines):
        if s <= body_start:
            break
        if re.match(r"\s*(noi nhan|noi nhin|noi nhdn)\b", folded[s:e]):
            body_end = s
            _recipients(text, folded, st, lines, s)
            break
    sig = _signature(text, folded, lines, body_start)
    if sig:
        st.signer = sig
        body_end = min(body_end, sig.start)
    st.body_end = body_end

    st.issuer = _issuer(text, folded, lines, st)
    prose = [(s, e) for s, e in lines if not any(a <= s < b for a, b in tables)]
    st.paragraphs, st.sections = _sections(text, prose, body_start, body_end)
    tail = max([body_end, *(r.end for r in st.recipients), sig.end if sig else 0])
    annex_heads = {fold(k) for k in lx.doc_types} | {"phu luc", "danh muc"}
    for s, e in lines:
        key = " ".join(folded[s:e].strip(" *#:.").split())
        if s >= tail and _is_upper_line(text[s:e]) and (key.startswith("phu luc") or key in annex_heads or (
                len(key.split()) <= 6 and any(key.startswith(h + " ") for h in annex_heads))):  # "KẾ HOẠCH HÀNH ĐỘNG"
            # "PHỤ LỤC ...", or the plan a Quyết định issues ("KẾ HOẠCH" / "Ban hành kèm theo Quyết định số ...")
            st.annex_start = s
            paras, secs = _sections(text, prose, s, len(text))
            st.paragraphs += paras
            st.sections += secs
            break
    return st


_AS_ABOVE = re.compile(r"nhu (?:tren|dieu|khoan|muc|phan)\b")  # "Như trên", "Như Điều 3": the addressees again


# "Kính gửi: …", and a Công điện's "THỦ TƯỚNG CHÍNH PHỦ điện:" over the list of those it is sent to
_ADDRESSED = re.compile(r"[\s\-*]*kinh gui|[^\n]{0,60}(?<![\w])dien\s*:\s*$")


def _recipients(text: str, folded: str, st: Structure, lines, start: int) -> None:
    for s, e in lines:
        if s <= start:
            continue
        t = text[s:e].strip()
        if not t.startswith(("-", "–", "+", "•")):
            if st.recipients:
                break
            continue
        a, b = _strip_span(text, s, e)
        a = a + len(text[a:b]) - len(text[a:b].lstrip("-–+• "))
        gap = re.search(r"\s{3,}", text[a:b])  # "- Như trên;    CHÁNH VĂN PHÒNG": the signature column
        if gap:
            a, b = _strip_span(text, a, a + gap.start())
        name = squash(text[a:b])
        if fold(name).startswith("luu"):
            break
        if name and not _AS_ABOVE.match(fold(name)):
            st.recipients.append(Field(name, a, b))


def _title_of(line_folded: str) -> str | None:
    """'pho chu tich' → 'Phó Chủ tịch'; a few stray characters after the title (scan debris: 'PHÓ THỦ TƯỚNGy]')
    are tolerated."""
    lx = lexicon()
    key = re.sub(r"^(tm|kt|tl|tuq|q)\s*\.\s*", "", line_folded.strip(" *"))
    for t in sorted(lx.signer_titles, key=len, reverse=True):
        ft = fold(t)
        if key == ft or (key.startswith(ft) and len(key) - len(ft) <= 3 and not key[len(ft)].isspace()
                         and not key[len(ft):].isalpha()):
            return t
    return None


def _title_fuzzy(line_folded: str) -> str | None:
    """A title line a scan misread by a letter or two ('CHÀANH VĂN PHONG' → 'Chánh Văn phòng'): the signer title
    within one edit per eight letters of the (capacity-less) line."""

    key = re.sub(r"^(tm|kt|tl|tuq|q)\s*\.\s*", "", line_folded.strip(" *")).strip()
    if len(key) < 6:
        return None
    best = None
    for t in lexicon().signer_titles:
        ft = fold(t)
        bound = max(1, len(ft) // 8)
        d = distance(key, ft, bound)
        if d <= bound and (best is None or d < best[0] or (d == best[0] and len(ft) > len(fold(best[1])))):
            best = (d, t)
    return best[1] if best else None


def _cells(text: str, spans):
    """Two-column blocks (Nơi nhận | chữ ký) come as one line with a wide gap: split such lines into cells."""
    out = []
    for s, e in spans:
        pos = s
        for m in re.finditer(r"\s{3,}", text[s:e]):
            out.append((pos, s + m.start()))
            pos = s + m.end()
        out.append((pos, e))
    return out


_NAME_AT_END = re.compile(r"(?:^|[;:|]\s*|\s{2,})(?P<n>(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*\s){1,5}[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)\s*$")


def _signed(text: str, after) -> bool:
    """Does a line under a signature block's titles hold a person's name (title case, 2-5 words)?"""
    for s, e in after:
        words = text[s:e].split()
        if 2 <= len(words) <= 5 and all(w[:1].isupper() and w[1:].islower() for w in words):
            return True
    return False


_NAME_OCR = re.compile(r"(?:^|\s)(?P<n>[1l|!][a-zà-ỹ]+(?:\s[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){1,5})\s*$")


def _signature(text: str, folded: str, lines, body_start: int) -> SignerField | None:
    """The signature block: capacity (TM./KT./TL.), title lines in capitals, then the signer's name.

    The first such block after the body is the document's own (annexed forms after it may carry more);
    a document without one is searched from its end (garbled scans merge the block into Nơi nhận)."""
    lx = lexicon()
    surnames = {fold(s) for s in lx.surnames}
    body = [(s, e) for s, e in lines if s > body_start]
    marks = [i for i, (s, e) in enumerate(body)
             if e - s <= 160 and any(b - a <= 80 and _is_upper_line(text[a:b]) and (  # titles are short lines
                 _title_of(folded[a:b]) or re.match(r"(tm|kt|tl|tuq)\s*\.\s*\S", folded[a:b].strip(" *")))
                 for a, b in _cells(text, [(s, e)]))]
    late = [i for i in marks if i >= len(body) * 0.5]
    anchor = late[0] if late else (marks[-1] if marks else None)
    # forms annexed after the signature carry unsigned blocks ("TRƯỞNG BAN" / "(Ký, ghi rõ họ tên)"): the first
    # block past the first tenth of the body that a person's name follows is the document's own
    signed = [i for i in marks if i >= len(body) * 0.1 and i + 1 not in marks and _signed(text, body[i + 1:i + 4])]
    if signed and (anchor is None or signed[0] < anchor) and not _signed(text, body[anchor + 1:anchor + 4]):
        anchor = signed[0]
    while anchor and anchor - 1 in marks:  # the block starts at its first capacity/title line
        anchor -= 1
    block = body[anchor:anchor + 8] if anchor is not None else body[-30:]
    title = capacity = name = None
    start = end = None
    for s, e in _cells(text, block):
        lf = folded[s:e].strip(" *")
        if not _is_upper_line(text[s:e]):
            continue
        m = re.match(r"(tm|kt|tl|tuq|q)\s*\.\s*(.*)", lf)
        if m:
            capacity = lx.capacities.get(text[s:e].strip(" *")[: m.end(1) - m.start(1)].upper() + ".", None)
            start = s if start is None else start
        t = _title_of(lf) or (_title_fuzzy(lf) if not re.match(r"(tm|kt|tl|tuq|q)\s*\.", lf) else None)
        if t:
            title = t
            start = s if start is None else start
    # the name: the first line after the titles (else the last line near the end) that starts with a family name,
    # after a rank if any; a scan's seal and signature can leave many lines of OCR debris before it
    ranks = sorted((fold(r) + " " for r in lx.ranks), key=len, reverse=True)
    search = body[anchor:anchor + 24] if anchor is not None else list(reversed(block))
    fallback = None  # a name whose family name the lexicon lacks ("Lan Thị Vân"): the line right under the titles
    for k, (s, e) in enumerate(search):
        lf = folded[s:e]
        s0 = s + len(lf) - len(lf.lstrip())
        rank = next((r for r in ranks if folded.startswith(r, s0)), None)
        if rank:
            s0 += len(rank)
        m = _NAME_AT_END.search(text[s0 if rank else s:e])
        fixed = None
        if not m:  # "Thiếu tướng 1rương Minh Đương": the name's first letter misread as a digit or a bar
            m = _NAME_OCR.search(text[s0 if rank else s:e])
            if not m:
                continue
            read = m.group("n").strip()
            fixed = next((c + read[1:] for c in "TLI" if fold((c + read[1:]).split()[0]) in surnames), None)
            if fixed is None:
                continue
        base = s0 if rank else s
        cand = fixed or m.group("n").strip()
        words = cand.split()
        if fold(cand) == "ho chi minh":  # "Thành phố Hồ Chí Minh", "Đoàn TNCS Hồ Chí Minh" at a line's end
            continue
        if fold(words[0]) in surnames and 2 <= len(words) <= 6 and not _is_upper_line(cand):
            spelt = [x for x in lx.surnames if fold(x) == fold(words[0])]
            if words[0] not in lx.surnames and len(spelt) == 1:  # "Nguyên" read for "Nguyễn": the surname's marks
                cand = " ".join([spelt[0], *words[1:]])
            name, end = cand, base + m.end("n")
            start = base + m.start("n") if start is None else start
            break
        if fallback is None and anchor is not None and k <= 4 and 2 <= len(words) <= 5 and \
                m.start("n") == 0 and len(cand) == len(text[base:e].strip()) and not _is_upper_line(cand) \
                and all(w[:1].isupper() and w[1:].islower() for w in words) and title:
            fallback = (cand, base + m.start("n"), base + m.end("n"))
    if name is None and fallback is not None:
        name, a, end = fallback
        start = a if start is None else start
    if not (name or title):
        return None
    return SignerField(name=name, title=title, capacity=capacity, start=start or 0, end=end or start or 0)


def _issuer(text: str, folded: str, lines, st: Structure) -> Field | None:
    lx = lexicon()
    mottos = [fold(m) for m in lx.motto]
    levels = [fold(x) for x in sorted(lx.admin_levels, key=len, reverse=True)]
    body_folded = folded[st.body_start:]
    org: list[tuple[int, int]] = []
    for s, e in lines[:12]:
        if s >= (st.doc_type.start if st.doc_type else st.body_start):
            break
        lf = folded[s:e]
        if _NUMBER.match(lf.lstrip(" *#|")) or re.match(r"s[o6]\s*:", lf.lstrip(" *#|")) or _DATE_LINE.search(lf):
            break  # the số ký hiệu line ends the issuer block, even when OCR garbled the number
        cut = min([i for i in (lf.find(m) for m in mottos) if i != -1] or [e - s])
        a, b = _strip_span(text, s, s + cut)
        seg = text[a:b]
        if b > a and _is_upper_line(seg) and not re.fullmatch(r"[\s_\-=.]*", seg):
            org.append((a, b))
    if org:
        a, b = org[-1]
        name = squash(text[a:b])
        lf = fold(name)
        heads = [fold(h) for h in lx.org_heads]

        def is_head(seg: str) -> bool:
            f = fold(expand_abbreviations(squash(seg)))
            return any(f == h or f.startswith(h + " ") for h in heads)

        # "CỤC CẢNH SÁT ĐIỀU TRA / TỘI PHẠM VỀ MA TÚY": lines that name no organisation continue the one above
        k = len(org) - 1
        while k > 0 and not is_head(text[org[k][0]:org[k][1]]):
            k -= 1
        if k < len(org) - 1 and is_head(text[org[k][0]:org[k][1]]):
            a = org[k][0]
            # a comma that ends a line ("KHOA HỌC,") belongs to the name; the right column does not
            name = squash(" ".join(text[x:y] + ("," if text[y:y + 1] == "," else "") for x, y in org[k:]))
        elif any(lf.startswith(lv + " ") for lv in levels):  # "THÀNH PHỐ NHA TRANG" continues the line above
            if len(org) >= 2:
                a = org[-2][0]
                name = squash(text[org[-2][0]:org[-2][1]] + " " + name)
            else:  # the line above (ỦY BAN NHÂN DÂN) was lost: the body says which council it is
                body = _body_org(folded, text, st)
                name = f"{body or 'Ủy ban nhân dân'} {case_org_name(name)}"
        name = expand_abbreviations(name)
        name = _case_like_body(name, body_folded, text[st.body_start:]) or case_org_name(name)
        return Field(name, a, b)
    return _infer_issuer(text, folded, st)


def _body_org(folded: str, text: str, st: Structure) -> str | None:
    counts = Counter(re.findall(r"\b(ubnd|uy ban nhan dan|hdnd|hoi dong nhan dan)\b", folded[st.body_start:]))
    if not counts:
        return None
    key = counts.most_common(1)[0][0]
    return {"ubnd": "Ủy ban nhân dân", "uy ban nhan dan": "Ủy ban nhân dân",
            "hdnd": "Hội đồng nhân dân", "hoi dong nhan dan": "Hội đồng nhân dân"}[key]


def _infer_issuer(text: str, folded: str, st: Structure) -> Field | None:
    """No header: 'Chủ tịch UBND tỉnh yêu cầu', 'UBND thành phố Vinh ban hành' name the issuer in the body."""
    lx = lexicon()
    lv = "|".join(re.escape(fold(x)) for x in sorted(lx.admin_levels, key=len, reverse=True))
    pat = re.compile(rf"\b(ubnd|uy ban nhan dan)\s+({lv})\b")
    levels = Counter()
    first = {}
    for m in pat.finditer(folded, st.body_start, st.body_end):
        levels[m.group(2)] += 1
        first.setdefault(m.group(2), m)
    if not levels:
        return None
    name = None
    if st.place:
        name = st.place.value
        fp = fold(name)
        own = [lvl for lvl in levels if fp.startswith(lvl + " ")]
        if own:  # the place already names its level: "Phường Nguyễn Nghiêm"
            level = own[0]
            name = name[len(level):].strip()
        else:  # the level the body uses with this place: "thành phố Nha Trang"
            near = Counter({lvl: folded.count(f"{lvl} {fp}") for lvl in levels})
            level = near.most_common(1)[0][0] if near.most_common(1)[0][1] else levels.most_common(1)[0][0]
    else:
        level = levels.most_common(1)[0][0]
        level_text = next(x for x in lx.admin_levels if fold(x) == level)
        names = Counter()
        raw = text[st.body_start:st.body_end]
        for mm in re.finditer(rf"(?i:{re.escape(level_text)})\s+((?:[A-ZĐÀ-Ỹ][a-zà-ỹđ]+\s?){{1,3}})", raw):
            cand = mm.group(1).strip()
            if cand and fold(cand.split()[0]) not in {"uy", "hoi", "so", "ban"}:
                names[cand] += 1
        if names:
            name = names.most_common(1)[0][0]
    m = first.get(level) or next(iter(first.values()))
    level_text = next(x for x in lx.admin_levels if fold(x) == level)
    value = f"Ủy ban nhân dân {level_text}" + (f" {name}" if name else "")
    return Field(value, m.start(), m.end(), inferred=True)


def _marker(text: str, s: int, e: int) -> tuple[str | None, str | None, int]:
    seg = text[s:e]
    lead = len(seg) - len(seg.lstrip(" *"))
    for kind, rx in _MARKERS:
        m = rx.match(seg, lead)
        if m:
            if kind == "upper" and not re.match(r"[A-ZĐ][.)]\s+[A-ZĐÀ-Ỹ]", seg[lead:]):
                continue
            if kind == "arabic" and not re.match(r"\d{1,2}(?:\.\d{1,2}){0,3}[.)/]\s", seg[lead:]) and \
                    not re.match(r"\d{1,2}\.\d{1,2}(?:\.\d{1,2})*\s", seg[lead:]):
                continue
            return m.group("m"), kind, s + m.end()
    return None, None, s


def _sections(text: str, lines, body_start: int, body_end: int) -> tuple[list[Para], list[Section]]:
    paras: list[Para] = []
    stack: list[tuple[int, str, Section]] = []  # (rank, kind, section)
    roots: list[Section] = []
    for s, e in lines:
        if s < body_start or s >= body_end:
            continue
        label, kind, content = _marker(text, s, e)
        rank = KIND_RANK.get(kind, 99)
        if kind == "arabic" and "." in label:
            rank += 0.1 * label.count(".")
        content_text = text[content:e].strip()
        heading = bool(kind) and len(content_text) < 120 and not content_text.endswith((".", ";", ":/.", "./."))
        if kind in ("article", "roman", "upper", "arabic", "letter"):
            while stack and stack[-1][0] >= rank:
                stack.pop()
            sec = Section(label=label, kind=kind, start=s, end=e, title=content_text if heading else "")
            (stack[-1][2].children if stack else roots).append(sec)
            stack.append((rank, kind, sec))
            for _, _, open_sec in stack:
                open_sec.end = max(open_sec.end, e)
        else:
            for _, _, open_sec in stack:
                open_sec.end = max(open_sec.end, e)
        path = tuple(x[2].label for x in stack)
        paras.append(Para(start=s, end=e, marker=label, kind=kind, path=path, heading=heading))
    return paras, roots
