"""chithi_fields: labelled lines. "- Đơn vị chủ trì: Sở X." leads, "- Đơn vị phối hợp: Sở Y; UBND các xã." supports,
"- Cơ quan thực hiện: Sở X chủ trì, phối hợp với Sở Y" is read with the role grammar, "- Thời gian hoàn thành:
trong tháng 6/2026" is a deadline. Consecutive labelled lines form one task with the item they describe (the
block just before them). Labels are data (pipeline/data/blocks.yaml ``field_labels``).
"""
from __future__ import annotations

from typing import Any

from pipeline.layout.blocks import field_role
from pipeline.nlp.context import Ctx
from pipeline.nlp.tables import UNIT_ROLES
from pipeline.nlp.timephrase import parse_time
from pipeline.nlp.units import listed_units, merge_units


def _fields(ctx: Ctx) -> list[dict[str, Any]]:
    tasks: list[dict[str, Any]] = []
    deadlines = ctx.results.setdefault("deadlines", [])
    t = ctx.text
    blocks = [b for b in ctx.blocks if ctx.in_ranges(b.start)]
    current: dict[str, Any] | None = None
    prev = None
    for b in blocks:
        if b.kind != "field":
            current, prev = None, b
            continue
        role = field_role(t[b.label[0]:b.label[1]])
        vs, ve = b.value
        if role in UNIT_ROLES:
            units = listed_units(ctx, vs, ve, role)
            if units:
                if current is None:
                    start = prev.start if prev is not None and prev.kind in ("list_item", "paragraph", "heading") \
                        and prev.end >= b.start - 3 else b.start
                    current = {"id": "", "start": start, "end": b.end, "section": None, "units": []}
                    tasks.append(current)
                current["end"] = b.end
                merge_units(current["units"], units)
        elif role == "deadline":
            due = parse_time(ctx.folded[vs:ve], ctx.year)
            if due is not None and not any(x["start"] <= vs + due.start < x["end"] for x in deadlines):
                deadlines.append({"start": vs + due.start, "end": vs + due.end, "due": due.due,
                                  "precision": due.precision, "recurrence": due.recurrence})
            if current is not None:
                current["end"] = b.end
    return tasks
