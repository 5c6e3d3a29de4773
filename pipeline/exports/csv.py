"""CSV: flat rows, one per document, target, deadline and assignment (a unit of a task), with a UTF-8 BOM so that
Excel reads the file as UTF-8, and the reviewer's decision on each value."""
from __future__ import annotations

import csv
from typing import Any, Iterable, TextIO

from pipeline.exports.base import RecordWriter
from pipeline.store import label
from pipeline.store.decisions import by_item, status_text


CSV_FIELDS = ["doc_id", "number", "doc_type", "issued_date", "issuer", "row_type", "item_id", "task_id", "section",
              "task", "metric", "value", "value_max", "unit", "comparator", "period", "due", "precision",
              "recurrence", "unit_name", "role", "text", "page", "start", "end", "path", "document", "review",
              "review_original", "review_note", "reviewer"]


def review_cols(decision: dict[str, Any] | None) -> dict[str, Any]:
    if not decision:
        return {}
    return {"review": decision["decision"] + "ed" if decision["decision"] != "correct" else "corrected",
            "review_original": decision.get("original") if decision["decision"] == "correct" else None,
            "review_note": decision.get("note"), "reviewer": decision.get("reviewer")}


def csv_rows(rec: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """Flat rows of a record: its document row, then one per target, deadline and assignment; the review columns
    say the reviewer's decision on each (rejected values are not in a reviewed record)."""
    md = rec["metadata"]
    mv = lambda k: (md.get(k) or {}).get("value")  # noqa: E731
    decided = by_item(rec)
    base = {"doc_id": rec["doc_id"], "number": mv("number"), "doc_type": mv("doc_type"),
            "issued_date": mv("issued_date"), "issuer": mv("issuer"), "path": rec["source"]["path"],
            "document": label(mv("number"), mv("subject"), rec["source"]["path"])}
    tasks = {k["id"]: k for k in rec.get("tasks", [])}
    task_of = {x: k["id"] for k in rec.get("tasks", []) for x in k.get("deadline_ids", []) + k.get("target_ids", [])}

    def where(x):
        sp = x.get("span") or {}
        return {"text": x.get("text"), "page": sp.get("page"), "start": sp.get("start"), "end": sp.get("end")}

    def task_cols(tid):
        k = tasks.get(tid) if tid else None
        return {"task_id": tid, "section": k.get("section") if k else None, "task": k["text"] if k else None}

    yield {**base, "row_type": "document", "text": mv("subject"), "review": status_text(rec.get("review"))}
    for t in rec.get("targets", []):
        tid = t.get("task_id") or task_of.get(t["id"])
        yield {**base, **task_cols(tid), **where(t), **review_cols(decided.get(t["id"])), "row_type": "target",
               "item_id": t["id"],
               "metric": t.get("metric"), "value": t.get("value"), "value_max": t.get("value_max"),
               "unit": t.get("unit"), "comparator": t.get("comparator"), "period": t.get("period")}
    for d in rec.get("deadlines", []):
        tid = d.get("task_id") or task_of.get(d["id"])
        yield {**base, **task_cols(tid), **where(d), **review_cols(decided.get(d["id"])), "row_type": "deadline",
               "item_id": d["id"],
               "due": d.get("due"), "precision": d.get("precision"), "recurrence": d.get("recurrence")}
    for k in rec.get("tasks", []):
        for i, u in enumerate(k.get("units", []), 1):
            yield {**base, **task_cols(k["id"]), **where(u), **review_cols(decided.get(f"{k['id']}-u{i}")),
                   "row_type": "assignment", "item_id": k["id"], "unit_name": u["name"], "role": u["role"]}




class Writer(RecordWriter):
    def __init__(self, out: TextIO, **options: Any):
        super().__init__(out)
        out.write("\ufeff")  # a UTF-8 BOM: Excel then reads the file as UTF-8
        self.writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
        self.writer.writeheader()

    def add(self, rec: dict[str, Any], text: str | None = None) -> None:
        self.writer.writerows(csv_rows(rec))
