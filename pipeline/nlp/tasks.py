"""chithi_tasks: tasks (list items and assigning sentences) with their units and roles."""
from __future__ import annotations

import re
from typing import Any

from pipeline.nlp.context import Ctx
from pipeline.nlp.units import units_in
from pipeline.core.textutil import fold


_BULLETS = ("dash", "plus", "paren")


def _tasks(ctx: Ctx) -> list[dict[str, Any]]:
    tasks: list[dict[str, Any]] = []
    paras = ctx.paragraphs
    fields = {b.start for b in ctx.blocks if b.kind == "field"}  # read by chithi_fields
    heading_until = -1  # the scope of the unit heading the current paragraph stands under
    for i, p in enumerate(paras):
        if p.start in fields:
            continue
        nxt = paras[i + 1] if i + 1 < len(paras) else None
        # "1. Bộ Ngoại giao" over "a) Chủ trì ...", "a) Trung tâm X" over "- Đẩy nhanh ...": a unit heading its
        # own sub-items
        heads_items = bool(p.kind and nxt is not None and (
            (nxt.kind and (len(nxt.path) > len(p.path) or (nxt.kind in _BULLETS and p.kind not in _BULLETS)))
            or (p.heading and nxt.kind is None)))  # "8. Ban công tác Mặt trận" over a plain paragraph
        under_heading = p.start < heading_until
        units = units_in(ctx, p.start, p.end, p.kind is not None, heads_items, inherited_lead=under_heading)
        if not units and not (under_heading and p.kind is not None and _bounds_something(ctx, p.start, p.end)):
            continue  # an item under a unit heading that carries a deadline or a target is that unit's task
        section = ".".join(p.path) if p.path else None
        scope_end = _scope_end(paras, i)
        action = _action(ctx, p.start, p.end, units)
        leads = any(u["role"] == "lead" for u in units)
        if not heads_items and leads and action is None and p.kind and nxt is not None and nxt.kind is None:
            heads_items = True  # "1.1. Giao Sở Nông nghiệp và Môi trường" over the plain paragraphs of its duties
        if heads_items and leads:
            heading_until = max(heading_until, scope_end)
        tasks.append({"id": f"k{len(tasks) + 1}", "start": p.start, "end": p.end, "section": section,
                      "units": units, "scope_end": scope_end, "heads": heads_items, "action": _parts(action)})
    _body_wins(tasks)
    return tasks


def _parts(span: tuple[int, int] | None) -> list[tuple[int, int]] | None:
    """A task's ``action`` is a list of spans: one, or a table cell's pieces on either side of a page break."""
    return [span] if span else None


def _bounds_something(ctx: Ctx, s: int, e: int) -> bool:
    return any(s <= x["start"] < e for key in ("deadlines", "targets") for x in ctx.results.get(key, ()))


ITEM_MARKER = re.compile(r"\s*(?:[-–+•*]\s*|\(?(?:[IVXL]+|[A-ZĐ]|\d{1,2}(?:\.\d{1,2})*|[a-zđ])[.)/]\s+)")


def _action(ctx: Ctx, s: int, e: int, units: list[dict[str, Any]]) -> tuple[int, int] | None:
    """What the item asks, as (start, end): the item without its marker, and without the unit heading that opens it
    ("b) UBND xã X: Rà soát …" → "Rà soát …"). A bare label ("c) UBND Phường 2:") asks nothing itself: None."""
    t = ctx.text
    m = ITEM_MARKER.match(t, s, e)
    a = m.end() if m else s
    for u in units:  # "b) UBND xã Bảo Lâm 2: …", "e) Đối với Nhà đầu tư …: …"
        if u["role"] == "lead" and a <= u["start"] and u["start"] - a <= 12:
            colon = re.match(r"[\s.]*:\s*", t[u["end"]:e])  # the unit heading ends at its colon
            if colon:
                a = u["end"] + colon.end()
            elif u["end"] >= e - 2:
                a = e
            break
    return trim_span(t, a, e)


def trim_span(t: str, a: int, b: int) -> tuple[int, int] | None:
    """(a, b) without surrounding blanks and list punctuation; None when no word is left."""
    while a < b and (t[a].isspace() or t[a] in "-–+•*|:;,"):
        a += 1
    while b > a and (t[b - 1].isspace() or t[b - 1] in "|:;,"):
        b -= 1
    return (a, b) if any(ch.isalpha() for ch in t[a:b]) and len(t[a:b].split()) >= 2 else None


def inherit_leads(tasks: list[dict[str, Any]]) -> None:
    """A task with no lead of its own under a unit heading (at any depth: the heading's scope holds it) is led by the
    heading's lead units — "c) UBND Phường 2:" over "- Khẩn trương, phối hợp Trung tâm X …". ``tasks`` are sorted by
    start; each carries ``scope_end`` and ``heads``. The inherited units keep the heading's spans."""
    stack: list[tuple[int, list[dict[str, Any]]]] = []  # (scope end, leads) of the unit headings we are under
    for k in tasks:
        while stack and stack[-1][0] <= k["start"]:
            stack.pop()
        leads = [u for u in k["units"] if u["role"] == "lead"]
        if not leads and stack:
            k["units"] = [dict(u, inherited=True) for u in stack[-1][1]] + k["units"]
            leads = [u for u in k["units"] if u["role"] == "lead"]
        if k.get("heads") and leads and k.get("scope_end", 0) > k["end"]:
            stack.append((k["scope_end"], leads))


def _scope_end(paras: list, i: int) -> int:
    """A task heads the paragraphs after it until the next paragraph of the same or a higher level; bullets
    ("-", "+") under a numbered item are inside it."""
    from pipeline.structure.parse import KIND_RANK

    p = paras[i]
    if p.kind is None and not p.heading:  # a plain paragraph holds only itself
        return p.end
    for q in paras[i + 1:]:
        if q.kind is None:
            continue
        if p.kind is None:
            return q.start
        if p.kind in _BULLETS:
            if q.kind not in _BULLETS or KIND_RANK[q.kind] <= KIND_RANK[p.kind]:
                return q.start
        elif q.kind not in _BULLETS and len(q.path) <= len(p.path):
            return q.start
    return paras[-1].end if paras else p.end




def _body_wins(tasks: list[dict[str, Any]]) -> None:
    """'2. Sở Khoa học và Công nghệ, Sở Nội vụ' over 'Sở Khoa học và Công nghệ chủ trì, phối hợp với Sở Nội vụ …':
    a unit the heading names and the body under it makes a partner is a partner (the body wins)."""
    for k in tasks:
        if not k.get("heads", False):
            continue
        partners = {fold(u["name"]) for q in tasks if k["end"] <= q["start"] < k["scope_end"]
                    for u in q["units"] if u["role"] == "support"}
        leads = [u for u in k["units"] if u["role"] == "lead"]
        if len(leads) > 1:
            k["units"] = [u for u in k["units"] if u["role"] != "lead" or fold(u["name"]) not in partners] or k["units"]
