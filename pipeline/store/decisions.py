"""Reviewer decisions: what the review page downloads, and how a record reads once they are applied.

A decisions file (the review page's "Tải quyết định" button) is JSON::

    {"chithi_review": 1, "doc_id": "4a226a3da77387bf", "sha256": "…", "reviewer": "Lan",
     "decisions": [{"item": "t1", "decision": "accept" | "reject" | "correct", "value": "96%",
                    "original": "95%", "note": "…", "reviewer": "Lan", "decided_at": "2026-…"}]}

Items are the ids of the page's rows (:func:`reviewable`): ``meta-number`` … ``meta-signer``, targets ``t1``,
deadlines ``d1``, units ``k1-u1``, and tasks without units ``k1``; and the values that were not read
(:func:`fillable`: number, issue date, signer), filled in by a 'correct' decision whose original is null. Applying (:func:`apply`) puts corrected values
in place, leaves rejected values out, and adds the ``review`` block (status, counts, every decision).
"""
from __future__ import annotations

import copy
import json
import math
import re
import unicodedata
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pipeline.core.errors import BadInputError, InputMissingError, UsageError
from pipeline.core.textutil import strip_controls

META_FIELDS = ("number", "doc_type", "issued_date", "place", "issuer", "subject")
DECISIONS = ("accept", "reject", "correct")

# What a decision may hold (:func:`validate`): a reviewer corrects a value, writes a note, signs with a name.
MAX_FILE_BYTES = 8 * 2**20   # a decisions file of a 1,000-item document is about 300 KB
MAX_VALUE_CHARS = 2_000      # a corrected value (a task's whole text is the longest)
MAX_NOTE_CHARS = 4_000
MAX_NAME_CHARS = 200         # the reviewer's name
YEARS = (1900, 2100)         # dates a directive, its deadlines and decisions can have
MAX_NUMBER = 1e15            # a target's value (the largest budgets are ~1e15 đồng)


def reviewable(rec: dict[str, Any]) -> dict[str, str]:
    """{item id: the value as extracted (a short text)} of every value a reviewer decides on."""
    md = rec.get("metadata") or {}
    out: dict[str, str] = {}
    for name in META_FIELDS:
        if md.get(name):
            out[f"meta-{name}"] = md[name]["value"]
    if md.get("signer"):
        out["meta-signer"] = md["signer"].get("name") or ""
    for t in rec.get("targets", []):
        out[t["id"]] = t["text"]
    for d in rec.get("deadlines", []):
        out[d["id"]] = d.get("due") or d.get("recurrence") or d["text"]
    for k in rec.get("tasks", []):
        for i, u in enumerate(k.get("units", []), 1):
            out[f"{k['id']}-u{i}"] = u["name"]
        if not k.get("units"):
            out[k["id"]] = k["text"]
    return out


#: values a reviewer can fill in when extraction did not read them (a blank number, an undated or unsigned draft)
FILLABLE = ("meta-number", "meta-issued_date", "meta-signer")


def fillable(rec: dict[str, Any]) -> dict[str, None]:
    """{item id: None} of the values that were not read and a reviewer may fill in: the number, the issue date
    and the signer's name. A fill is stored as a 'correct' decision whose original is None."""
    md = rec.get("metadata") or {}
    out: dict[str, None] = {}
    for item in FILLABLE:
        name = item[5:]
        if name == "signer":
            if not md.get("signer"):
                out[item] = None
        elif not md.get(name):
            out[item] = None
    return out


def _filled(value: str) -> dict[str, Any]:
    """A metadata value typed by a reviewer: no place in the text (an empty span at the start)."""
    return {"value": value, "text": "", "span": {"start": 0, "end": 0, "page": 1}, "restored": False,
            "inferred": False}


def load(path: str | Path) -> dict[str, Any]:
    """A decisions file, checked: {"doc_id"/"sha256": …, "reviewer": …, "decisions": [...]}."""
    p = Path(path)
    if not p.is_file():
        raise InputMissingError(f"{p}: no such decisions file", "download it from the review page")
    size = p.stat().st_size
    if size > MAX_FILE_BYTES:
        raise BadInputError(f"{p}: the decisions file is {size / 2**20:.0f} MiB, over the "
                            f"{MAX_FILE_BYTES // 2**20} MiB limit", "give the JSON the review page downloads")
    try:
        data = json.loads(p.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BadInputError(f"{p}: not a decisions file: {e}", "give the JSON the review page downloads") from None
    if not isinstance(data, dict) or not isinstance(data.get("decisions"), list) or not (
            data.get("doc_id") or data.get("sha256")):
        raise BadInputError(f"{p}: not a decisions file (no doc_id or decisions list)",
                            "give the JSON the review page downloads")
    for d in data["decisions"]:
        if not isinstance(d, dict) or not isinstance(d.get("item"), str) or d.get("decision") not in DECISIONS:
            raise BadInputError(f"{p}: a decision needs an item and a decision of {', '.join(DECISIONS)}: "
                                f"{json.dumps(d, ensure_ascii=False)[:120]}")
        if d["decision"] == "correct" and not str(d.get("value") or "").strip():
            raise BadInputError(f"{p}: decision 'correct' of {d['item']} has no corrected value")
    return data


_NUM = re.compile(r"^\s*(?:[≥>≤<=≈~]\s*)?(-?\d[\d\s.,]*)\s*(.*)$")


def _number(s: str) -> tuple[float, str] | None:
    """'96,5 %' -> (96.5, '%'); None when the text does not start with a number."""
    m = _NUM.match(s)
    if not m:
        return None
    digits = m.group(1).replace(" ", "").replace("\u202f", "").rstrip(".,")
    if "," in digits or re.fullmatch(r"\d{1,3}(\.\d{3})+", digits):
        digits = digits.replace(".", "").replace(",", ".")  # Vietnamese: 1.234,5 and 2.900
    try:
        return float(digits), m.group(2).strip()
    except ValueError:
        return None


def iso_date(s: str) -> str | None:
    """'30/6/2025', '2025-06-30' -> '2025-06-30'; a month ('6/2025') or a year ('2025') -> its last day."""
    from pipeline.core.textutil import day_date

    t = s.strip()
    if (day := day_date(t)) is not None:
        return day
    m = re.fullmatch(r"(?:(\d{1,2})[/.-])?(\d{4})", t)
    if m and 1 <= int(m.group(1) or 12) <= 12 and int(m.group(2)) < 9999:
        month, year = int(m.group(1) or 12), int(m.group(2))
        nxt = date(year + month // 12, month % 12 + 1, 1)
        return (nxt - timedelta(days=1)).isoformat()
    return None


_VI_DAY = re.compile(r"(?:ngày\s*)?(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})", re.I)


def day_of(value: str) -> str | None:
    """A day written '30/6/2025', '2025-06-30' or 'ngày 30 tháng 6 năm 2025' → '2025-06-30'; None otherwise
    (31/02/2025 is no day)."""
    from pipeline.core.textutil import day_date

    if m := _VI_DAY.fullmatch(value.strip()):
        value = f"{m.group(1)}/{m.group(2)}/{m.group(3)}"
    return day_date(value)


def clean(text: Any) -> str:
    """Text of a decision as the document's text is: NFC, without control and bidi-override characters."""
    return strip_controls(unicodedata.normalize("NFC", str(text))).strip()


def _decided_at(raw: Any, now: datetime) -> str:
    """An ISO 8601 time (naive: UTC) → its UTC form, 'YYYY-MM-DDTHH:MM:SS+00:00' (ValueError: not a time)."""
    t = datetime.fromisoformat(str(raw).strip().replace("Z", "+00:00"))
    t = (t if t.tzinfo else t.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    if not datetime(2000, 1, 1, tzinfo=timezone.utc) <= t <= now + timedelta(days=1):
        raise ValueError("out of range")
    return t.isoformat(timespec="seconds")


def decided_key(s: str | None) -> datetime:
    """A stored ``decided_at`` as a comparable time (unreadable: the earliest)."""
    try:
        t = datetime.fromisoformat(str(s).replace("Z", "+00:00"))
        return t if t.tzinfo else t.replace(tzinfo=timezone.utc)
    except ValueError:
        return datetime.min.replace(tzinfo=timezone.utc)


def validate(path: str | Path, data: dict[str, Any], rec: dict[str, Any], reviewer: str | None = None,
             now: datetime | None = None) -> list[dict[str, Any]]:
    """The decisions of a loaded file (:func:`load`) checked against the stored record ``rec`` (as extracted), in
    the form they are stored: items the record has, corrected dates real days or months in :data:`YEARS`, numbers
    finite and at most :data:`MAX_NUMBER`, text NFC without control characters and within its size limit,
    ``decided_at`` an ISO time (now when absent). The first problem is a usage error (exit 2) naming the item."""
    now = now or datetime.now(timezone.utc)
    values = reviewable(rec)
    blank = fillable(rec)  # a value that was not read may be filled in (a 'correct' decision)
    out = []
    for n, d in enumerate(data["decisions"], 1):
        item = clean(d["item"])[:60]
        where = f"{path}: decision {n} ({item})"
        if item in blank and d["decision"] == "correct":
            values = values | {item: blank[item]}
        if item not in values:
            raise UsageError(f"{where}: the stored record of {rec.get('doc_id')} has no item {item!r}",
                             "download the decisions from the document's current review page")
        value = None
        if d["decision"] == "correct":
            value = clean(d.get("value") or "")
            _limit(where, "corrected value", value, MAX_VALUE_CHARS)
            if not value:
                raise UsageError(f"{where}: the corrected value is empty once control characters are removed",
                                 "write the value")
            _check_value(where, item, value)
        note = clean(d.get("note") or "") or None
        _limit(where, "note", note, MAX_NOTE_CHARS)
        who = clean(d.get("reviewer") or reviewer or "") or None
        _limit(where, "reviewer's name", who, MAX_NAME_CHARS)
        try:
            when = _decided_at(d["decided_at"], now) if d.get("decided_at") else now.isoformat(timespec="seconds")
        except (ValueError, TypeError):
            raise UsageError(f"{where}: decided_at {clean(d.get('decided_at'))[:40]!r} is not a time between 2000 "
                             "and now", "write it as ISO 8601, e.g. 2026-11-30T09:15:00Z") from None
        out.append({"item": item, "decision": d["decision"], "value": value, "original": values[item],
                    "note": note, "reviewer": who, "decided_at": when})
    return out


def _limit(where: str, what: str, text: str | None, limit: int) -> None:
    if text is not None and len(text) > limit:
        raise UsageError(f"{where}: the {what} has {len(text):,} characters, over the {limit:,} character limit",
                         f"shorten the {what}")


def _check_value(where: str, item: str, value: str) -> None:
    lo, hi = YEARS
    if item == "meta-issued_date":
        day = day_of(value)
        if day is None or not lo <= int(day[:4]) <= hi:
            raise UsageError(f"{where}: {value[:40]!r} is not a day between {lo} and {hi}",
                             "write the issue date as DD/MM/YYYY")
    elif re.fullmatch(r"d\d+", item):
        years = re.findall(r"\d{4,}", value)
        due = iso_date(value) if all(lo <= int(y) <= hi for y in years) else None
        if due is None:
            raise UsageError(f"{where}: {value[:40]!r} is not a date between {lo} and {hi}",
                             "write the deadline as DD/MM/YYYY, MM/YYYY or YYYY")
    elif re.fullmatch(r"t\d+", item):
        num = _number(value)
        if num is not None and not (math.isfinite(num[0]) and abs(num[0]) <= MAX_NUMBER):
            raise UsageError(f"{where}: the number {value[:40]!r} is not finite or over {MAX_NUMBER:.0e}",
                             "write the target's number as digits, e.g. 96% or 2.900 hộ")


def _correct(rec: dict[str, Any], item: str, value: str) -> None:
    md = rec["metadata"]
    if item.startswith("meta-"):
        name = item[5:]
        if md.get(name) is None:  # a fill: the value was not read
            md[name] = _filled(value)
            if name == "signer":
                md[name] = {"name": value, "title": None, "capacity": None, "text": "",
                            "span": {"start": 0, "end": 0, "page": 1}, "restored": False}
                return
        if name == "signer":
            md["signer"]["name"] = value
        elif name == "issued_date":
            md[name]["value"] = day_of(value) or md[name]["value"]  # validate() lets no other value through
        elif name == "doc_type":
            from pipeline.core.textutil import doc_type_code

            md[name]["value"] = doc_type_code(value)
        else:
            md[name]["value"] = value
        return
    for t in rec.get("targets", []):
        if t["id"] == item:
            num = _number(value)
            if num is None:
                t["metric"] = value
            else:
                t["value"], unit = num
                t["unit"] = unit or t.get("unit")
            return
    for d in rec.get("deadlines", []):
        if d["id"] == item:
            d["due"] = iso_date(value) or d.get("due")
            return
    for k in rec.get("tasks", []):
        for i, u in enumerate(k.get("units", []), 1):
            if f"{k['id']}-u{i}" == item:
                u["name"] = value
                return
        if k["id"] == item:
            k["text"] = value


def _reject(rec: dict[str, Any], items: set[str]) -> None:
    md = rec["metadata"]
    for name in META_FIELDS:
        if f"meta-{name}" in items:
            md[name] = None
    if "meta-signer" in items:
        md["signer"] = None
    rec["targets"] = [t for t in rec.get("targets", []) if t["id"] not in items]
    rec["deadlines"] = [d for d in rec.get("deadlines", []) if d["id"] not in items]
    gone_targets = {t for t in items if t.startswith("t")}
    gone_deadlines = {d for d in items if d.startswith("d")}
    tasks = []
    for k in rec.get("tasks", []):
        if k["id"] in items:
            continue
        k["units"] = [u for i, u in enumerate(k.get("units", []), 1) if f"{k['id']}-u{i}" not in items]
        k["target_ids"] = [t for t in k.get("target_ids", []) if t not in gone_targets]
        k["deadline_ids"] = [d for d in k.get("deadline_ids", []) if d not in gone_deadlines]
        tasks.append(k)
    rec["tasks"] = tasks


def apply(extracted: dict[str, Any], decisions: list[dict[str, Any]]) -> dict[str, Any]:
    """The record as reviewed: corrections in place, rejected values left out, the ``review`` block added.
    Decisions on items the record does not have are ignored (a re-extraction may have renumbered them)."""
    rec = copy.deepcopy(extracted)
    rec.pop("review", None)
    values = reviewable(rec)
    blank = fillable(rec)
    latest: dict[str, dict[str, Any]] = {}  # one decision per item: the one decided last
    for d in sorted((d for d in decisions if d["item"] in values or (d["item"] in blank and d["decision"] == "correct")),
                    key=lambda d: decided_key(d.get("decided_at"))):
        latest[d["item"]] = d
    kept = sorted(latest.values(), key=lambda d: d["item"])
    for d in kept:
        if d["decision"] == "correct":
            _correct(rec, d["item"], str(d["value"]).strip())
    _reject(rec, {d["item"] for d in kept if d["decision"] == "reject"})
    decided = len({d["item"] for d in kept if d["item"] in values})
    status = "unreviewed" if not decided else "reviewed" if decided >= len(values) else "in_review"
    fields = ("item", "decision", "value", "original", "note", "reviewer", "decided_at")
    rec["review"] = {"status": status, "decided": decided, "total": len(values),
                     "decisions": [{k: d.get(k) for k in fields} for d in kept]}
    return rec


def status_text(review: dict[str, Any] | None) -> str:
    """'—' unreviewed, 'in review 3/12', 'reviewed 12/12'."""
    if not review or review.get("status") == "unreviewed":
        return "—"
    word = "reviewed" if review["status"] == "reviewed" else "in review"
    return f"{word} {review['decided']}/{review['total']}"


def by_item(rec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{item id: decision} of a reviewed record."""
    return {d["item"]: d for d in ((rec.get("review") or {}).get("decisions") or [])}
