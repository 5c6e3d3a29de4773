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
from pipeline.nlp.tasks import ITEM_MARKER, trim_span
from pipeline.nlp.timephrase import parse_time
from pipeline.nlp.units import listed_units, merge_units, units_in


def _fields(ctx: Ctx) -> list[dict[str, Any]]:
    """A run of labelled lines ("Nội dung: …", "Đơn vị chủ trì: …", "Đơn vị phối hợp: …", "Thời gian hoàn thành: …",
    in any order) is one task — with the item just before it when the run describes that item; a second "Nội dung"
    (or a second lead) in the run starts the next task."""
    tasks: list[dict[str, Any]] = []
    deadlines = ctx.results.setdefault("deadlines", [])
    t = ctx.text
    blocks = [b for b in ctx.blocks if ctx.in_ranges(b.start)]
    current: dict[str, Any] | None = None
    seen: set[str] = set()
    prev = None
    for b in blocks:
        if b.kind != "field":
            if current is not None and current["units"]:
                tasks.append(current)
            current, prev, seen = None, b, set()
            continue
        role = field_role(t[b.label[0]:b.label[1]])
        vs, ve = b.value
        if current is not None and role in ("task", "lead", "responsible") and role in seen:
            if current["units"]:
                tasks.append(current)
            current, seen = None, set()
        if current is None:
            own = prev is not None and prev.kind in ("list_item", "paragraph", "heading") and prev.end >= b.start - 3 \
                and role != "task"
            current = {"id": "", "start": prev.start if own else b.start, "end": b.end, "section": None, "units": [],
                       "action": _item_action(ctx, prev) if own else None}
        seen.add(role)
        current["end"] = b.end
        if role in UNIT_ROLES:
            merge_units(current["units"], listed_units(ctx, vs, ve, role))
        elif role == "task":  # "Nội dung: …" is the action; role cues in it name its units
            span = trim_span(t, vs, ve)
            current["action"] = current["action"] or ([span] if span else None)
            merge_units(current["units"], units_in(ctx, vs, ve, is_item=True))
        elif role == "deadline":
            due = parse_time(ctx.folded[vs:ve], ctx.year)
            if due is not None and not any(x["start"] <= vs + due.start < x["end"] for x in deadlines):
                deadlines.append({"start": vs + due.start, "end": vs + due.end, "due": due.due,
                                  "precision": due.precision, "recurrence": due.recurrence})
    if current is not None and current["units"]:
        tasks.append(current)
    return tasks


def _item_action(ctx: Ctx, b) -> list[tuple[int, int]] | None:
    """The item the labelled lines describe, without its list marker."""
    m = ITEM_MARKER.match(ctx.text, b.start, b.end)
    span = trim_span(ctx.text, m.end() if m else b.start, b.end)
    return [span] if span else None
