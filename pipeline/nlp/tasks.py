"""chithi_tasks: tasks (list items and assigning sentences) with their units and roles."""
from __future__ import annotations

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
        units = units_in(ctx, p.start, p.end, p.kind is not None, heads_items, inherited_lead=p.start < heading_until)
        if not units:
            continue
        section = ".".join(p.path) if p.path else None
        scope_end = _scope_end(paras, i)
        if heads_items and any(u["role"] == "lead" for u in units):
            heading_until = max(heading_until, scope_end)
        tasks.append({"id": f"k{len(tasks) + 1}", "start": p.start, "end": p.end, "section": section,
                      "units": units, "scope_end": scope_end, "heads": heads_items})
    _body_wins(tasks)
    return tasks


def _scope_end(paras: list, i: int) -> int:
    """A task heads the paragraphs after it until the next paragraph of the same or a higher level; bullets
    ("-", "+") under a numbered item are inside it."""
    from pipeline.structure.parse import KIND_RANK

    p = paras[i]
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
        if not k.pop("heads", False):
            continue
        partners = {fold(u["name"]) for q in tasks if k["end"] <= q["start"] < k["scope_end"]
                    for u in q["units"] if u["role"] == "support"}
        leads = [u for u in k["units"] if u["role"] == "lead"]
        if len(leads) > 1:
            k["units"] = [u for u in k["units"] if u["role"] != "lead" or fold(u["name"]) not in partners] or k["units"]
