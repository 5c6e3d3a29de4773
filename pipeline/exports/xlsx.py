"""An Excel workbook: sheets documents, tasks, units, targets, deadlines; bold frozen header, filters."""
from __future__ import annotations

from typing import Any, Iterable

from pipeline.exports.base import RecordWriter
from pipeline.exports.files import write_atomic
from pipeline.lang.labels import doc_type_label
from pipeline.store import label
from pipeline.store.decisions import by_item, status_text


def sheets(rec: dict[str, Any]) -> dict[str, list[list[Any]]]:
    """The rows a record adds to each sheet of the .xlsx workbook (:data:`SHEETS` gives the columns)."""
    md, src = rec["metadata"], rec["source"]
    mv = lambda k: (md.get(k) or {}).get("value")  # noqa: E731
    decided = by_item(rec)
    name = label(mv("number"), mv("subject"), src["path"])

    def rv(item):
        d = decided.get(item) or {}
        return [d.get("decision"), d.get("original") if d.get("decision") == "correct" else None, d.get("note")]

    tasks = rec.get("tasks", [])
    task_of = {x: k["id"] for k in tasks for x in k.get("deadline_ids", []) + k.get("target_ids", [])}
    task_text = {k["id"]: " ".join(k["text"].split()) for k in tasks}
    out: dict[str, list[list[Any]]] = {
        "documents": [[rec["doc_id"], mv("number"), doc_type_label(mv("doc_type")), mv("issued_date"), mv("issuer"),
                       mv("subject"), src["path"], len(tasks), len(rec.get("targets", [])),
                       len(rec.get("deadlines", [])), ", ".join(w["code"] for w in rec.get("warnings", [])),
                       status_text(rec.get("review"))]],
        "tasks": [[rec["doc_id"], name, k["id"], k.get("section"), task_text[k["id"]],
                   "; ".join(f"{u['name']} ({u['role']})" for u in k.get("units", [])), k["span"]["page"], *rv(k["id"])]
                  for k in tasks],
        "units": [[rec["doc_id"], name, k["id"], u["name"], u["role"], u["text"], u["span"]["page"],
                   *rv(f"{k['id']}-u{i}")] for k in tasks for i, u in enumerate(k.get("units", []), 1)],
        "targets": [], "deadlines": []}
    for t in rec.get("targets", []):
        tid = t.get("task_id") or task_of.get(t["id"])
        out["targets"].append([rec["doc_id"], name, t["id"], tid, t.get("metric"), t.get("value"), t.get("value_max"),
                               t.get("unit"), t.get("comparator"), t.get("period"), t["text"], t["span"]["page"],
                               *rv(t["id"])])
    for d in rec.get("deadlines", []):
        tid = d.get("task_id") or task_of.get(d["id"])
        out["deadlines"].append([rec["doc_id"], name, d["id"], tid, d.get("due"), d.get("precision"),
                                 d.get("recurrence"), d["text"], task_text.get(tid), d["span"]["page"], *rv(d["id"])])
    return out


_REVIEW_HEAD = ["review", "original value", "review note"]
SHEETS = {
    "documents": ["doc_id", "number", "type", "issued", "issuer", "subject", "file", "tasks", "targets", "deadlines",
                  "warnings", "review"],
    "tasks": ["doc_id", "document", "task", "section", "text", "units", "page", *_REVIEW_HEAD],
    "units": ["doc_id", "document", "task", "unit", "role", "source text", "page", *_REVIEW_HEAD],
    "targets": ["doc_id", "document", "target", "task", "metric", "value", "value_max", "unit", "comparator",
                "period", "source text", "page", *_REVIEW_HEAD],
    "deadlines": ["doc_id", "document", "deadline", "task", "due", "precision", "recurrence", "source text",
                  "task text", "page", *_REVIEW_HEAD],
}


def write_xlsx(records: Iterable[dict[str, Any]], path: str) -> None:
    """An Excel workbook: one sheet per kind of row, bold frozen header, filters, readable column widths."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws_of = {}
    for i, (name, head) in enumerate(SHEETS.items()):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = name
        ws.append(head)
        for c in ws[1]:
            c.font = Font(bold=True)
        ws.freeze_panes = "A2"
        ws_of[name] = ws
    for rec in records:
        for name, rows in sheets(rec).items():
            for r in rows:
                ws_of[name].append(r)
    for ws in ws_of.values():
        ws.auto_filter.ref = ws.dimensions
        for col in ws.columns:
            width = max(len(str(c.value or "")) for c in col[:200])
            ws.column_dimensions[col[0].column_letter].width = min(max(width + 2, 8), 60)
            if width > 60:
                for c in col[1:]:
                    c.alignment = Alignment(wrap_text=True, vertical="top")
    write_atomic(path, wb.save)


class Writer(RecordWriter):
    """Collects the records; the workbook is written (atomically) at :meth:`close`."""

    needs_file = True

    def __init__(self, out: str, **options: Any):
        super().__init__(out)
        self.records: list[dict[str, Any]] = []

    def add(self, rec: dict[str, Any], text: str | None = None) -> None:
        self.records.append(rec)

    def close(self) -> None:
        write_xlsx(self.records, self.out)
