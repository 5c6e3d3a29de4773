"""`chithi deadlines --html`: a self-contained timeline page, one lane per responsible unit, each deadline a
marker at its date (overdue ones red), today a line; hover shows the task, document and source phrase."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pipeline.exports.templating import render

NO_UNIT = "(chưa rõ đơn vị)"
GAP = 1.8  # per cent of the width: deadlines closer than this in a lane are one marker (with their count)
STATUS_VI = {"overdue": "quá hạn", "today": "hôm nay", "upcoming": "sắp tới"}


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
    for r in sorted(dated, key=lambda r: r["due"]):  # deadlines closer than GAP % in a lane share one marker
        groups = lanes.setdefault(_lane(r), [])
        at = x(date.fromisoformat(r["due"]))
        if groups and at - groups[-1]["x"] < GAP:
            g = groups[-1]
            g["rows"].append(r)
            g["last"] = r["due"]
            if r["status"] == "overdue":
                g["status"] = "overdue"
            continue
        groups.append({"due": r["due"], "last": r["due"], "status": r["status"], "days_left": r["days_left"],
                       "x": at, "rows": [r]})
    order = sorted(lanes, key=lambda k: (k == NO_UNIT, -sum(len(m["rows"]) for m in lanes[k]), k))
    ticks, m = [], lo
    step = 1 if span <= 400 else 3 if span <= 1500 else 12
    while m <= hi:
        ticks.append({"x": x(m), "label": f"{m.month:02d}/{m.year}" if step < 12 else str(m.year)})
        month = m.month - 1 + step
        m = date(m.year + month // 12, month % 12 + 1, 1)
    counts = {s: sum(1 for r in dated if r["status"] == s) for s in ("overdue", "today", "upcoming")}
    lane_rows = [(k, lanes[k], sum(len(g["rows"]) for g in lanes[k])) for k in order]
    return render("timeline.html.j2", lanes=lane_rows, ticks=ticks, today=today, today_x=x(t0), counts=counts,
                  total=len(dated), undated=len(rows) - len(dated), status_vi=STATUS_VI)
