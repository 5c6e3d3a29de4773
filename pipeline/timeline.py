"""`chithi deadlines --html`: a self-contained timeline page, one lane per responsible unit, each deadline a
marker at its date (overdue ones red), today a line; hover shows the task, document and source phrase."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pipeline.templating import render

NO_UNIT = "(chưa rõ đơn vị)"
GAP = 1.5  # per cent of the width between two markers on one level


def _lane(r: dict[str, Any]) -> str:
    leads = [u["name"] for u in r["units"] if u["role"] in ("lead", "direct")]
    return (leads or [u["name"] for u in r["units"]] or [NO_UNIT])[0]


def render_timeline(rows: list[dict[str, Any]], today: str) -> str:
    dated = [r for r in rows if r.get("due")]
    t0 = date.fromisoformat(today)
    days = [date.fromisoformat(r["due"]) for r in dated] + [t0]
    lo, hi = min(days), max(days)
    lo = date(lo.year, lo.month, 1)
    hi = (date(hi.year, hi.month, 28) + timedelta(days=4)).replace(day=1)  # first day of the next month
    span = max((hi - lo).days, 1)

    def x(d: date) -> float:
        return round(1 + 97 * (d - lo).days / span, 3)  # a margin at both ends for the markers

    lanes: dict[str, list[dict[str, Any]]] = {}
    for r in sorted(dated, key=lambda r: r["due"]):
        d = date.fromisoformat(r["due"])
        lanes.setdefault(_lane(r), []).append({**r, "x": x(d), "others": ", ".join(
            u["name"] for u in r["units"] if u["name"] != _lane(r))})
    for items in lanes.values():  # markers closer than GAP % on one level are stacked on the next
        ends: list[float] = []
        for r in items:
            level = next((i for i, e in enumerate(ends) if r["x"] - e >= GAP), len(ends))
            ends[level:level + 1] = [r["x"]]
            r["level"] = level
    order = sorted(lanes, key=lambda k: (k == NO_UNIT, -len(lanes[k]), k))
    ticks, m = [], lo
    step = 1 if span <= 400 else 3 if span <= 1500 else 12
    while m <= hi:
        ticks.append({"x": x(m), "label": f"{m.month:02d}/{m.year}" if step < 12 else str(m.year)})
        month = m.month - 1 + step
        m = date(m.year + month // 12, month % 12 + 1, 1)
    counts = {s: sum(1 for r in dated if r["status"] == s) for s in ("overdue", "today", "upcoming")}
    return render("timeline.html.j2", lanes=[(k, lanes[k], 1 + max(r["level"] for r in lanes[k])) for k in order], ticks=ticks, today=today,
                  today_x=x(t0), counts=counts, total=len(dated), undated=len(rows) - len(dated))
