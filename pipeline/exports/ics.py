"""iCalendar (RFC 5545): one all-day event per dated deadline, titled "unit: task"."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable

from pipeline.core.textutil import cut
from pipeline.exports.files import write_text


def ics_escape(s: str) -> str:
    return (s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n")
            .replace("\n", "\\n").replace("\r", "\\n").replace("\f", "\\n"))


def ics_fold(line: str) -> str:
    """RFC 5545 §3.1: lines of at most 75 octets, continued with CRLF + space; never splits a UTF-8 character."""
    out, cur, size = [], [], 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        limit = 75 if not out else 74  # continuation lines start with a space
        if size + n > limit:
            out.append("".join(cur))
            cur, size = [], 0
        cur.append(ch)
        size += n
    out.append("".join(cur))
    return "\r\n ".join(out)


def ics_text(rows: Iterable[dict[str, Any]], now: datetime | None = None) -> tuple[str, int]:
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//chithi//deadlines//VI", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", "X-WR-CALNAME:chithi deadlines"]
    n = 0
    for r in rows:
        if not r.get("due"):
            continue
        try:
            d = date.fromisoformat(r["due"])
        except ValueError:
            continue
        n += 1
        what = r.get("task") or r["text"]
        units = "; ".join(f"{u['name']} ({u['role']})" for u in r.get("units", []))
        who = "; ".join(u["name"] for u in r.get("units", []) if u["role"] in ("lead", "direct")) or \
            "; ".join(u["name"] for u in r.get("units", []))
        desc = [f"Hạn: {r['text']}", f"Nhiệm vụ: {what}"] + ([f"Đơn vị: {units}"] if units else []) + [
            f"Văn bản: {r.get('document') or r.get('number') or r['doc_id']}"
            + (f" – {r['subject']}" if r.get("subject") and r.get("number") else ""),
            f"Tệp: {r.get('path')}"]
        lines += ["BEGIN:VEVENT",
                  f"UID:{r['doc_id']}-{r['deadline_id']}@chithi",
                  f"DTSTAMP:{stamp}",
                  f"DTSTART;VALUE=DATE:{d:%Y%m%d}",
                  f"DTEND;VALUE=DATE:{d + timedelta(days=1):%Y%m%d}",
                  "SUMMARY:" + ics_escape(cut(f"{who + ': ' if who else ''}{what}", 120)),
                  "DESCRIPTION:" + ics_escape("\n".join(desc)),
                  "CATEGORIES:" + ics_escape(r.get("precision") or "day"),
                  "TRANSP:TRANSPARENT",
                  "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(ics_fold(x) + "\r\n" for x in lines), n


def write_ics(rows: list[dict[str, Any]], path: str) -> int:
    text, n = ics_text(rows)
    write_text(path, text)
    return n


