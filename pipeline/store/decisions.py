"""Reviewer decisions: what the review page downloads, and how a record reads once they are applied.

A decisions file (the review page's "Tải quyết định" button) is JSON::

    {"chithi_review": 1, "doc_id": "4a226a3da77387bf", "sha256": "…", "reviewer": "Lan",
     "decisions": [{"item": "t1", "decision": "accept" | "reject" | "correct", "value": "96%",
                    "original": "95%", "note": "…", "reviewer": "Lan", "decided_at": "2026-…"}]}

Items are the ids of the page's rows (:func:`reviewable`): ``meta-number`` … ``meta-signer``, targets ``t1``,
deadlines ``d1``, units ``k1-u1``, and tasks without units ``k1``. Applying (:func:`apply`) puts corrected values
in place, leaves rejected values out, and adds the ``review`` block (status, counts, every decision).
"""
from __future__ import annotations

import copy
import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pipeline.core.errors import BadInputError, InputMissingError

META_FIELDS = ("number", "doc_type", "issued_date", "place", "issuer", "subject")
DECISIONS = ("accept", "reject", "correct")


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


def load(path: str | Path) -> dict[str, Any]:
    """A decisions file, checked: {"doc_id"/"sha256": …, "reviewer": …, "decisions": [...]}."""
    p = Path(path)
    if not p.is_file():
        raise InputMissingError(f"{p}: no such decisions file", "download it from the review page")
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
    if m and 1 <= int(m.group(1) or 12) <= 12:
        month, year = int(m.group(1) or 12), int(m.group(2))
        nxt = date(year + month // 12, month % 12 + 1, 1)
        return (nxt - timedelta(days=1)).isoformat()
    return None


def _correct(rec: dict[str, Any], item: str, value: str) -> None:
    md = rec["metadata"]
    if item.startswith("meta-"):
        name = item[5:]
        if name == "signer":
            md["signer"]["name"] = value
        elif name == "issued_date":
            md[name]["value"] = iso_date(value) if re.search(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}-\d{2}-\d{2}", value) \
                else value
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
    kept = [d for d in decisions if d["item"] in values]
    for d in kept:
        if d["decision"] == "correct":
            _correct(rec, d["item"], str(d["value"]).strip())
    _reject(rec, {d["item"] for d in kept if d["decision"] == "reject"})
    decided = len({d["item"] for d in kept})
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
