"""chithi_tables: task tables. Every data row under a header that names its columns is a task: its units by
column (lead, support, or a responsibility column read with the role grammar), its deadline from the time column
(pipeline.nlp.timephrase), its section from the group rows ("I. NHÓM GIẢI PHÁP …") and the row number.

Column names are data (pipeline/data/blocks.yaml ``column_roles``); merged cells stand in every row they span.
"""
from __future__ import annotations

import re
from typing import Any

from pipeline.layout.blocks import Block, Cell, column_role
from pipeline.nlp.context import Ctx
from pipeline.nlp.tasks import trim_span
from pipeline.nlp.timephrase import parse_time
from pipeline.nlp.units import listed_units, merge_units
from pipeline.core.textutil import squash

UNIT_ROLES = {"lead": "lead", "support": "support", "responsible": "responsible"}


def column_roles(ctx: Ctx, block: Block) -> dict[int, str]:
    """Grid column → role, from the header rows; a lower header row refines a spanning cell above it
    ("Thời gian" over "Bắt đầu | Hoàn thành")."""
    roles: dict[int, str] = {}
    for row in block.rows()[:block.header_rows]:
        for cell in row:
            role = column_role(ctx.text[cell.start:cell.end])
            for col in range(cell.col, cell.col + cell.colspan):
                if role and (col not in roles or cell.colspan == 1):
                    roles[col] = role
    return roles


def _grid(block: Block) -> list[tuple[int, dict[int, Cell]]]:
    """Data rows as (row index, {grid column: cell}), a merged cell standing in every row and column it spans."""
    nrows = 1 + max(c.row for c in block.cells)
    rows: list[dict[int, Cell]] = [dict() for _ in range(nrows)]
    for c in block.cells:
        for r in range(c.row, min(c.row + c.rowspan, nrows)):
            for col in range(c.col, c.col + c.colspan):
                rows[r].setdefault(col, c)
    return list(enumerate(rows))[block.header_rows:]


_GROUP_LABEL = re.compile(r"^(?:[IVXL]+|[A-ZĐ]|\d{1,3}(?:\.\d{1,3})*)\.?$")
_ROW_NUMBER = re.compile(r"\d{1,3}(?:\.\d{1,3})*\.?")


def _tables(ctx: Ctx) -> list[dict[str, Any]]:
    """Tasks from task tables; their deadlines are added to ``ctx.results['deadlines']``."""
    tasks: list[dict[str, Any]] = []
    deadlines = ctx.results.setdefault("deadlines", [])
    t = ctx.text
    last: tuple[int, dict[int, str]] | None = None  # (columns, roles) of the last table with a header
    last_end = 0
    for block in ctx.blocks:
        if block.kind != "table" or block.layout:
            continue
        ncols = max(c.col + c.colspan for c in block.cells)
        if block.header_rows:
            roles = column_roles(ctx, block)
            last = (ncols, roles)
        elif last is not None and last[0] == ncols and _continues(t, last_end, block.start):
            roles = last[1]  # a table continued on the next page, header not repeated
        else:
            continue
        last_end = block.end
        if not set(roles.values()) & {"lead", "support", "responsible", "deadline"}:
            continue
        group = None
        for ri, row in _grid(block):
            cells = sorted({id(c): c for c in row.values()}.values(), key=lambda c: c.col)
            filled = [c for c in cells if t[c.start:c.end].strip()]
            own = [c for c in filled if c.row == ri]  # cells that start in this row (not merged from above)
            if not own:
                continue
            by_role: dict[str, list[Cell]] = {}
            for col, c in row.items():
                # a cell merged over several columns has the role of its first ("10h30 | Thủ tướng phát biểu" over
                # the content and the chair columns is content)
                role = roles.get(c.col)
                if role and c not in by_role.setdefault(role, []):
                    by_role[role].append(c)
            label = t[filled[0].start:filled[0].end].strip()
            unit_cells = [c for r in UNIT_ROLES for c in by_role.get(r, []) if t[c.start:c.end].strip()]
            if len(own) <= 2 and not unit_cells and not by_role.get("deadline"):
                group = label.rstrip(".") if _GROUP_LABEL.match(label) else group  # "I | NHÓM GIẢI PHÁP …"
                continue
            start, end = min(c.start for c in own), max(c.end for c in own)
            units: list[dict[str, Any]] = []
            for role in UNIT_ROLES:
                for c in by_role.get(role, []):
                    merge_units(units, listed_units(ctx, c.start, c.end, role))
            number = label.rstrip(".") if roles.get(filled[0].col) == "number" and _ROW_NUMBER.fullmatch(label) \
                else None
            if number and group and number.startswith(group + "."):  # "1.1" under group "1"
                group = None
            section = ".".join(x for x in (group, number) if x) or None
            for c in by_role.get("deadline", []):
                d = _time_cell(ctx, c)
                if d is not None and not any(x["start"] <= d["start"] < x["end"] for x in deadlines):
                    deadlines.append(d)
            number_cell = next((c for col, c in row.items() if roles.get(col) == "number"), None)
            if number_cell is not None and not t[number_cell.start:number_cell.end].strip() and tasks:
                # a row with no number under numbered rows continues the row above (split by a page break)
                prev = tasks[-1]
                _join_units(ctx, prev["units"], by_role)
                prev["end"] = max(prev["end"], end)
                more = _content_cell(ctx, own, roles)
                if more:  # the action goes on over the page break: its parts, never the header between them
                    prev["action"] = [*(prev.get("action") or []), *more]
                continue
            if units:
                tasks.append({"id": "", "start": start, "end": end, "section": section, "units": units,
                              "action": _content_cell(ctx, own, roles)})
    return tasks


def _continues(t: str, prev_end: int, start: int) -> bool:
    """Is a table with no header of its own the last one's continuation? Only across a page break or with no more
    than a running header between them; a table after paragraphs of text is another table."""
    between = t[prev_end:start]
    return "\f" in between or len(between.split()) <= 12


def _join_units(ctx: Ctx, into: list[dict[str, Any]], by_role: dict[str, list[Cell]]) -> None:
    """The units of a row's continuation on the next page: a cell that goes on in lower case finishes the last unit
    of its column ("các bộ, ngành, cơ" + "quan, tổ chức có liên quan" → one unit); the others are added."""
    t = ctx.text
    for role in UNIT_ROLES:
        for c in by_role.get(role, []):
            more = listed_units(ctx, c.start, c.end, role)
            body = t[c.start:c.end].lstrip(" -–+•*")
            last = next((u for u in reversed(into) if u["role"] == (role if role != "responsible" else "lead")), None)
            if more and last is not None and body[:1].islower() and role != "responsible":
                last["name"] = squash(f"{last['name']} {more[0]['name']}")
                more = more[1:]
            merge_units(into, more)


def _content_cell(ctx: Ctx, cells: list[Cell], roles: dict[int, str]) -> list[tuple[int, int]] | None:
    """The row's action: its task column ("Nội dung", "Nhiệm vụ"), else its longest cell that is no number, unit
    or time — never the whole row."""
    t = ctx.text
    task = [c for c in cells if roles.get(c.col) == "task" and t[c.start:c.end].strip()]
    other = [c for c in cells if roles.get(c.col) not in ("number", "lead", "support", "responsible", "deadline")
             and not _ROW_NUMBER.fullmatch(t[c.start:c.end].strip())]
    pick = task or other
    if not pick:
        return None
    c = max(pick, key=lambda c: len(t[c.start:c.end].strip()))
    span = trim_span(t, c.start, c.end)
    return [span] if span else None


def _time_cell(ctx: Ctx, c: Cell) -> dict[str, Any] | None:
    due = parse_time(ctx.folded[c.start:c.end], ctx.year)
    if due is None:
        return None
    return {"start": c.start + due.start, "end": c.start + due.end, "due": due.due, "precision": due.precision,
            "recurrence": due.recurrence}
