"""chithi_tasks: tasks (list items and assigning sentences) with their units and roles."""
from __future__ import annotations

from typing import Any

from pipeline.nlp.context import Ctx
from pipeline.nlp.units import units_in


def _tasks(ctx: Ctx) -> list[dict[str, Any]]:
    tasks: list[dict[str, Any]] = []
    paras = ctx.paragraphs
    fields = {b.start for b in ctx.blocks if b.kind == "field"}  # read by chithi_fields
    for i, p in enumerate(paras):
        if p.start in fields:
            continue
        nxt = paras[i + 1] if i + 1 < len(paras) else None
        # "1. Bộ Ngoại giao" over "a) Chủ trì ...": a unit heading its own sub-items
        heads_items = bool(p.kind and nxt is not None and nxt.kind and len(nxt.path) > len(p.path))
        units = units_in(ctx, p.start, p.end, p.kind is not None, heads_items)
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


