"""The unit-name recogniser and the role grammar every task component shares.

- :func:`units_in` reads a sentence or list item: "Giao Sở X chủ trì, phối hợp với Sở Y", "Sở X có trách nhiệm",
  an item opened by a unit, "Đồng chí X ... trực tiếp chỉ đạo";
- :func:`listed_units` reads a table cell or a labelled value that lists units ("Sở Công Thương; Ban Quản lý khu
  Kinh tế", "Các sở, ngành, UBND xã, phường"), or, when it carries role cues, reads it as a sentence.

Unit names are noun phrases opened by a unit head of the lexicon (extraction.yaml ``unit_heads``) and ended by a
verb (``unit_stops``), a clause boundary, or the start of the next unit.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from pipeline.nlp.context import Ctx, _in_blocked
from pipeline.nlp.data import compiled
from pipeline.core.textutil import fold, squash

_NAME = re.compile(r"(?:[Đđ]ồng chí|[Đđ]/[Cc])\s+(?P<n>(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*\s+){1,4}[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)")


def units_in(ctx: Ctx, s: int, e: int, is_item: bool, heads_items: bool = False,
             inherited_lead: bool = False) -> list[dict[str, Any]]:
    """Units named by the sentence or item ``text[s:e]`` with their roles. ``inherited_lead``: the item stands under
    a unit heading, whose unit leads it, so partners named without a lead in the item still count."""
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
        if not name or len(name) < 3 or _in_blocked(ctx, a, b):
            return  # too short, or a doer of the document a grounds sentence cites
        if role == "lead" and (_named_person(name) or _APPOSITION.search(t, max(0, a - 80), a)):
            return  # a named leader directs; only unnamed ones lead ("Đồng chí X, Phó Chủ tịch ...": X's title)
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
    # the item's marker, and a footnote mark after it on a page saved from the web ("a) [5] Ủy ban nhân dân tỉnh …")
    mk = re.match(r"\s*(?:Điều\s+\d+[a-zđ]?\.|[IVXL]+[.)/]|[A-ZĐ][.)/]|\d{1,2}(?:\.\d{1,2})*[.)/]|[a-zđ][.)/])\s+"
                  r"(?:\[\d{1,3}\]\s*)?", seg)
    head = s + (mk.end() if mk else lead)
    low = ctx.lower
    mlead = c.lead_before_start.match(low, head, e)
    if mlead:
        for a, b in _named_first(t, _unit_list(ctx, mlead.end(), e)):
            add(a, b, "lead")
    elif (mh := c.lead_heading.match(low, head)) and c.unit_head.match(t, mh.end()) \
            and (lst := _unit_list(ctx, mh.end(), e)) and (t[lst[-1][1]:lst[-1][1] + 3].lstrip().startswith(":") or (
                heads_items and (not t[lst[-1][1]:e].strip(" .;:") or c.duty_heading.match(low, head)))):
        # "Điều 5. Trách nhiệm của Sở Nội vụ" over its items
        for a, b in _named_first(t, lst):
            add(a, b, "lead")
    elif c.unit_head.match(t, head):
        lst = _unit_list(ctx, head, e)
        # the unit opening an item leads it; in plain text only when a lead verb follows ("X chịu trách nhiệm")
        rest = t[lst[-1][1]:e].strip(" ,;:./") if lst else ""
        # an item that only names a unit ("- Bộ trưởng Bộ Công an;" in a membership list) assigns nothing
        if lst and ((is_item and (len(rest.split()) >= 3 or heads_items)) or c.lead_after.match(low, lst[-1][1])) \
                and not _is_issuer(ctx, t[lst[0][0]:lst[0][1]]):
            for a, b in _named_first(t, lst):
                add(a, b, "lead")
    # a clause opened by a unit that a task verb follows: "Về X: Bộ Xây dựng khẩn trương rà soát ...; Bộ Khoa học
    # và Công nghệ hướng dẫn ..."
    clauses = [[m.end()] + _after_commas(t, m, e) for m in _clause().finditer(t, head, e)]
    mi = _intro().match(t, head, e)  # "1. Trước ngày 20 tháng 12 hằng năm, Ủy ban nhân dân xã lập …"
    if mi and mi.end() > head:
        clauses.insert(0, [mi.end()] + _after_commas(t, mi, e))
    for candidates in clauses:
        for n, pos in enumerate(candidates):
            if pos == head and (mlead or is_item):
                continue  # the item head, read above
            if t.count("(", s, pos) > t.count(")", s, pos):
                continue  # inside brackets: "(Chủ tịch, các Phó Chủ tịch)" is an aside, no clause
            hm = c.unit_head.match(t, pos)
            # a capitalised unit, or a collective one ("…, các bộ, tỉnh hoàn thành …")
            if hm is None or not (t[pos].isupper() or ctx.folded.startswith(("cac ", "tung "), pos)):
                continue
            lst = _unit_list(ctx, pos, e)
            verb = c.task_verb.match(low, lst[-1][1]) if lst else None
            # past a preamble's inner comma the subject is what a verb of its own follows, not a partner
            if n and verb and c.support_start.search(low[verb.start():verb.end()]):
                continue
            # the issuer assigns; it does a task itself where it says it will ("Bộ Nội vụ sẽ tiến hành rà soát")
            if verb and (not _is_issuer(ctx, t[lst[0][0]:lst[0][1]]) or c.own_commitment.match(low, lst[-1][1])):
                for a, b in _named_first(t, lst):
                    add(a, b, "lead")
                break  # the clause's subject is found
    # anywhere: "giao/đề nghị/yêu cầu X", "X chủ trì", "phối hợp với Y"
    for m in c.lead_before_start.finditer(low, s, e):
        pos = m.end()
        if mlead and pos == mlead.end():
            continue
        if t.count("(", s, m.start()) > t.count(")", s, m.start()):
            continue  # "(phần ngân sách giao Ủy ban nhân dân cấp tỉnh)": a remark in brackets assigns nothing
        if _NOUN_BEFORE.search(ctx.folded, max(s, m.start() - 8), m.start()):
            continue  # "Về đề nghị Chính phủ chỉ đạo …": the topic of someone's proposal, not a request
        if c.unit_head.match(t, pos):
            for a, b in _named_first(t, _unit_list(ctx, pos, e)):
                add(a, b, "lead")
    if not any(u["role"] == "lead" for u in found):
        # inside the sentence: "... đề nghị đồng chí Chủ tịch chỉ đạo Sở Tài chính chủ trì, phối hợp ..."
        for a, b in _leading_inside(ctx, s, e):
            add(a, b, "lead")
    # "phối hợp chặt chẽ với X" with nobody leading is a remark, not an assignment; an item that opens with it
    # ("6.2. Phối hợp với Ủy ban bầu cử xã ... chuẩn bị hội nghị") is an instruction whose doer goes unsaid
    opens_with_support = is_item and c.support_start.match(low, head) is not None
    if not inherited_lead and not opens_with_support and not any(u["role"] in ("lead", "direct") for u in found):
        return found
    for m in c.support_start.finditer(low, s, e):
        pos = m.end()
        while pos < e and t[pos] == " ":
            pos += 1
        for a, b in _named_first(t, _unit_list(ctx, pos, e, support=True), support=True):
            add(a, b, "support")
    return found


_NOUN_BEFORE = re.compile(r"(?<![\w])(?:ve|theo|cac|nhung|tai)\s+$")  # "về đề nghị", "theo yêu cầu": nouns
_CHAIRS = re.compile(r"[\s,]*(?:va\s+\w+\s+)?(?:hoi nghi|cuoc hop|buoi lam viec|phien hop|buoi hop|hop|le|"
                     r"buoi|dien dan|toa dam)(?![\w])")


def _leading_inside(ctx: Ctx, s: int, e: int) -> list[tuple[int, int]]:
    """Capitalised unit names inside ``text[s:e]`` directly followed by "chủ trì" ("Sở Tài chính chủ trì")."""
    c = compiled()
    t = ctx.text
    out: list[tuple[int, int]] = []
    covered = s
    for m in c.unit_head.finditer(t, s, e):
        pos = m.start()
        if pos < covered or not t[pos].isupper() or (pos > 0 and t[pos - 1].isalnum()):
            continue
        lst = _unit_list(ctx, pos, e)
        if not lst:
            continue
        covered = lst[-1][1]
        after = ctx.folded[lst[-1][1]:lst[-1][1] + 60].lstrip(" ,")
        # "… chỉ đạo Sở Tài chính chủ trì, phối hợp …"; not "… chủ trì hội nghị": a meeting's chair
        if after.startswith("chu tri") and not _CHAIRS.match(after, 7):
            out.extend(_named_first(t, lst))
    return out


def _named_first(t: str, listed: list[tuple[int, int]], support: bool = False) -> list[tuple[int, int]]:
    """'phối hợp với các bộ phận, Ban Tuyên giáo Thành ủy, các phòng liên quan', 'Đề nghị Ủy ban MTTQ thành phố
    và các tổ chức hội': the named units are the assignment; vague groups ('các ...') count only when nothing more
    specific is named."""
    named = [(a, b) for a, b in listed if not _vague(t[a:b])]
    related = [(a, b) for a, b in listed if _RELATED.search(fold(t[a:b]))]
    if not named and (not support or not related):
        # doers that are groups only ("Các sở, ban, ngành, UBND xã, phường và các đơn vị liên quan có trách
        # nhiệm"): all of them; partners that are groups: the related ones sum them up
        return listed
    first_named = named[0][0] if named else len(t)
    # a group opening the list is a doer as much as the named units after it ("Các bộ, cơ quan ngang bộ, Ủy ban
    # nhân dân các tỉnh … tăng cường …"); one trailing them is an appendix ("Ủy ban MTTQ và các tổ chức hội")
    return [(a, b) for a, b in listed if (a, b) in named or _RELATED.search(fold(t[a:b]))
            or (not support and a < first_named)]


_RELATED = re.compile(r"(?<![\w])(?:co )?lien quan$")  # "các cơ quan, đơn vị (có) liên quan": named by the guide


_VAGUE_UBND = re.compile(r"^(?:ubnd|uy ban nhan dan)\s+(?:cac\s+)?(?:phuong|xa|huyen|quan|thi xa|thi tran)\b")


def _vague(name: str) -> bool:
    """'các đơn vị liên quan', 'UBND phường, xã': a group, not a named unit."""
    if ":" in name:  # "các Tập đoàn: Bưu chính Viễn thông Việt Nam, …" names them
        return False
    return name[:1].islower() or bool(_VAGUE_UBND.match(fold(name)) or _COLLECTIVE.match(fold(name)))


_COLLECTIVE = re.compile(r"(?:cac|nhung|tung)\s")  # "Các sở, ban, ngành": a group however it is capitalised


_COLLECTIVE_END = re.compile(r"(?<![\w])(?:các|những)\s+\w+(?:\s+\w+)?$")
_NUMBERED = re.compile(r"\s+số\s+\d")


def _piece_words(t: str, k: int, limit: int) -> int:
    """Words up to the next comma: 'Ban, ngành' (1) continues a list of kinds; 'Ban Tuyên giáo, ...' (3) is a unit."""
    j = t.find(",", k, limit)
    return len(t[k:j if j != -1 else limit].split())


_PART_HEAD = re.compile(r"(?:Cục|Vụ|Viện|Văn phòng|Thanh tra|Học viện)\s")  # a part of a ministry


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
    whole = False  # "các Tập đoàn: Bưu chính Viễn thông Việt Nam, Công nghiệp - Viễn thông Quân đội": one list
    while i < limit:
        ch = t[i]
        if ch == ":" and not whole and _COLLECTIVE_END.search(t, start, i) and i + 2 < limit and t[i + 2].isupper():
            whole = True
            i += 1
            continue
        if ch in ";:.\n" and not (ch == "." and i + 1 < len(t) and t[i + 1].isalnum()):
            break
        if ch == "(":  # "(Sở Nội vụ)" belongs to the name; "(b/c)" and asides end it
            j = t.find(")", i, limit)
            # "(Cơ quan thường trực Ban …)", "(là cơ quan …)": what the unit is, an aside
            aside = f.startswith(("co quan ", "la ", "don vi "), i + 1)
            if j != -1 and c.unit_head.search(t, i + 1, j) and not aside:
                i = j + 1
                continue
            break
        # in a list after a colon only "và" before a lowercase word ends it ("… Lâm Hà và đơn vị tư vấn")
        at_sep = (ch == "," or f.startswith(" va ", i)) if not whole else \
            (f.startswith(" va ", i) and t[i + 4:i + 5].islower())
        if at_sep:
            k = i + (1 if ch == "," else 4)
            while k < limit and t[k] == " ":
                k += 1
            if c.generic.match(f, k):
                units.append((start, i))
                gm = c.generic.match(f, k)
                units.append((k, gm.end()))
                return units
            if ch == "," and c.parent_body is not None and c.parent_body.match(t, k) and not units \
                    and _PART_HEAD.match(t, start):  # "Cục X, Bộ Công an": the body it belongs to, same name
                i = c.parent_body.match(t, k).end()
                continue
            # "Đồng chí Ủy viên Ban Chấp hành Đảng bộ, Phó Chủ tịch …": one person's titles, not two units
            one_person = ch == "," and f.startswith(("dong chi ", "d/c "), start)
            if c.unit_head.match(t, k) and _piece_words(t, k, limit) >= 2 and not one_person:
                units.append((start, i))
                start, i = k, c.unit_head.match(t, k).end()
                continue
            if ch == "," and not support:
                if t[k:k + 1].islower() and c.unit_stop.match(ctx.lower, k):
                    break
        stop = c.unit_stop.match(ctx.lower, i) if i > start and f[i - 1] == " " and t[i].islower() else None
        if stop and _NUMBERED.match(t, stop.end()):  # "Ban Quản lý dự án đầu tư xây dựng số 1": a numbered name
            stop = None
        if stop and f.endswith("chuong ", 0, i):  # "Cơ quan Thường trực Chương trình MTQG": a name, not 'trình'
            stop = None
        if stop and not c.unit_head.match(t, i):
            break
        i += 1
    if i > start:
        units.append((start, i))
    return [(a, b) for a, b in units
            if (c.unit_head.match(t, a) and len(t[a:b].split()) >= 2) or c.generic.match(f, a)]


def _after_commas(t: str, m: re.Match, e: int) -> list[int]:
    """A preamble with commas of its own ("Đối với các chương trình, đề án, dự án do …, Liên hiệp các hội … căn cứ
    …"): the positions after each later comma of the clause are where its subject may start."""
    if m.end() <= m.start() or not m.group("intro"):
        return []
    out, i = [], m.end()
    stop = min(e, m.start() + 300)
    while True:
        j = t.find(",", i, stop)
        if j == -1 or any(ch in t[i:j] for ch in ";:\n") or re.search(r"\.\s", t[i:j]):
            return out
        k = j + 1
        while k < stop and t[k] == " ":
            k += 1
        out.append(k)
        i = k


@lru_cache(maxsize=1)
def _clause() -> re.Pattern:
    """Where a clause starts: after ':' ';' or a full stop, past an introductory phrase up to its comma ("Để xác
    định vị trí cụ thể của dự án, …", "Trước ngày 20 tháng 12 hằng năm, …") when one opens it (extraction.yaml
    ``clause_intros``); "Thời hạn" before a collective subject ("Thời hạn các bộ, tỉnh tổng hợp …")."""
    return re.compile(r"(?:^|(?<=[:;])|(?<=\.)(?=\s+[A-ZĐÀ-Ỹ]))\s*(?:\(\d{1,2}\)\s+|[a-zđ]\)\s+)?" + _intro_rx(), re.M)


def _intro_rx() -> str:
    """The preamble: an intro word and what follows up to its comma, or up to a capitalised word when the comma is
    left out ("Trước ngày 01 tháng 11 hằng năm Tập đoàn Điện lực Việt Nam có trách nhiệm"; whether a unit starts
    there the caller checks, which keeps the long unit-head alternation out of this pattern)."""
    r = compiled().rules

    def alt(words: list[str]) -> str:
        return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True)) or "(?!x)x"

    return (rf"(?P<intro>(?:(?i:{alt(r.clause_intros)})(?![\w])[^,;:.\n]{{0,150}},\s*"
            rf"|(?i:{alt(r.clause_time_intros)})(?![\w])(?:(?!của)[^,;:.\n]){{0,80}}?\s(?=[A-ZĐÀ-Ỹ])){{0,3}})"
            r"(?:[Tt]hời hạn\s+(?=[Cc]ác\s))?")


@lru_cache(maxsize=1)
def _intro() -> re.Pattern:
    return re.compile(_intro_rx())


_APPOSITION = re.compile(r"(?:[Đđ]ồng chí|[Đđ]/[Cc])\s+(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*\s+){1,4}[A-ZĐÀ-Ỹ][\wÀ-ỹ]*\s*,\s*$")
_LEADER = re.compile(r"^(?:(?:pho )?chu tich|lanh dao|thuong truc|tap the lanh dao)\s+")


def _is_issuer(ctx: Ctx, name: str) -> bool:
    """'Chủ tịch UBND tỉnh', 'Ủy ban nhân dân tỉnh' in a document the provincial council issues: the issuer, who
    assigns the task ("Chủ tịch UBND tỉnh chỉ đạo ..."), not a unit doing it."""
    if not ctx.issuer:
        return False
    from pipeline.structure.parse import expand_abbreviations

    f = " ".join(fold(expand_abbreviations(name)).split())
    f = _LEADER.sub("", f)
    return len(f.split()) >= 2 and (ctx.issuer == f or ctx.issuer.startswith(f + " "))


@lru_cache(maxsize=1)
def _ranked() -> re.Pattern:
    """'Đồng chí' and a rank from the lexicon ("Đồng chí Thượng tướng ...")."""
    from pipeline.lang.lexicon import lexicon

    ranks = "|".join(re.escape(r) for r in sorted(lexicon().ranks, key=len, reverse=True))
    return re.compile(rf"^(?:[Đđ]ồng chí|[Đđ]/[Cc])\s+(?:{ranks})\s+")


@lru_cache(maxsize=1)
def _surnames() -> frozenset[str]:
    from pipeline.lang.lexicon import lexicon

    return frozenset(fold(x) for x in lexicon().surnames)


def _named_person(name: str) -> bool:
    """'Đồng chí Trần Thị Cẩm Tú, Phó chủ tịch ...': a person named after 'Đồng chí'."""
    name = _ranked().sub("Đồng chí ", name)  # "Đồng chí Thượng tướng Nguyễn Văn Long"
    m = _NAME.match(name)
    return bool(m) and fold(m.group("n").split()[0]) in _surnames()


# role words inside a cell or labelled value ("Sở X chủ trì, phối hợp với Sở Y"); not "giao" ("Bộ Ngoại giao")
def merge_units(into: list[dict[str, Any]], more: list[dict[str, Any]]) -> None:
    """Append the units of ``more`` that ``into`` does not name with the same role yet."""
    for u in more:
        if not any(u["name"] == v["name"] and u["role"] == v["role"] for v in into):
            into.append(u)


_ROLE_CUE = re.compile(r"(?<![\w])(?:chu tri|phoi hop|co trach nhiem|chiu trach nhiem)(?![\w])")
_LIST_SEP = re.compile(r"\s*;\s*|\n")
_ITEM_SEP = re.compile(r",\s*|\s+(?:và|cùng)\s+")


def listed_units(ctx: Ctx, s: int, e: int, role: str) -> list[dict[str, Any]]:
    """Units listed in a table cell or a labelled value, with ``role`` (lead / support); ``responsible`` (a
    "Trách nhiệm thực hiện" column, "Cơ quan thực hiện:") reads role cues when there are any, else leads."""
    t, f = ctx.text, ctx.folded
    if role == "responsible" or _ROLE_CUE.search(f, s, e):
        found = units_in(ctx, s, e, is_item=True, heads_items=True)
        if found:
            return found
        role = "lead" if role == "responsible" else role
    out: list[dict[str, Any]] = []
    pos = s
    for m in [*_LIST_SEP.finditer(t, s, e), None]:
        a, b = pos, (m.start() if m else e)
        pos = m.end() if m else e
        for ua, ub in _split_kinds(ctx, a, b):
            ua, ub = _trim(t, ua, ub)
            name = squash(t[ua:ub])
            if len(name) < 2 or not any(ch.isalpha() for ch in name) or len(name.split()) > 20:
                continue
            if _named_person(name):  # "Đồng chí Phạm Minh Chính, Thủ tướng": a person chairing, not a unit
                continue
            if fold(name) in ("nhu tren", "cac don vi", "don vi"):
                continue
            if not any(fold(u["name"]) == fold(name) for u in out):
                out.append({"name": name, "role": role, "start": ua, "end": ub})
    return out


def _trim(t: str, a: int, b: int) -> tuple[int, int]:
    while a < b and t[a] in " -–+•*(\t":
        a += 1
    while b > a and t[b - 1] in " .,;:)(\t":
        b -= 1
    m = re.match(r"(?:Giao|Đề nghị|Yêu cầu|[Vv]à|[Cc]ùng|[Vv]ới)\s+", t[a:b])
    return (a + m.end(), b) if m else (a, b)


def _named_unit(ctx: Ctx, piece: str, start: int) -> bool:
    """'Bộ Tài chính', 'Sở Y tế': one named unit (a capitalised head and its name, no list, no group)."""
    c = compiled()
    return ("," not in piece and piece[:1].isupper() and c.unit_head.match(ctx.text, start) is not None
            and not ctx.folded.startswith("cac ", start) and len(piece.split()) >= 2)


def _split_kinds(ctx: Ctx, a: int, b: int) -> list[tuple[int, int]]:
    """'Các sở, ngành, UBND xã, phường' → 'Các sở, ngành' + 'UBND xã, phường': a comma (or 'và') splits where
    a new unit starts (a capitalised unit head, or a collective phrase) after a piece of two or more words."""
    c = compiled()
    t, f = ctx.text, ctx.folded
    out, start = [], a
    for m in _ITEM_SEP.finditer(t, a, b):
        k = m.end()
        head = c.unit_head.match(t, k)
        piece = t[start:m.start()]
        new_unit = (head is not None and (t[k:k + 1].isupper() or f.startswith("cac ", k))) \
            or c.generic.match(f, k) is not None \
            or (c.unit_kind.match(f, k) is not None and _named_unit(ctx, piece, start))  # "Bộ Tài chính, cơ quan, …"
        if new_unit and len(piece.split()) >= 2 and not _named_person(squash(piece)):  # "Đồng chí X, Thủ tướng …"
            out.append((start, m.start()))
            start = k
    out.append((start, b))
    return out
