"""chithi_tasks: tasks (list items and assigning sentences) with their units and roles."""
from __future__ import annotations

import re
from typing import Any

from pipeline.nlp.context import Ctx
from pipeline.nlp.data import compiled
from pipeline.textutil import fold, squash

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
