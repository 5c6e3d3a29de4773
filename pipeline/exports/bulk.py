"""OpenSearch/Elasticsearch bulk NDJSON: an index action and a document per record (the mapping is
schemas/opensearch-mapping.json)."""
from __future__ import annotations

import json
from typing import Any, TextIO

from pipeline.core.textutil import json_safe
from pipeline.exports.base import RecordWriter

DEFAULT_INDEX = "chithi-directives"


def bulk_doc(rec: dict[str, Any], text: str | None) -> dict[str, Any]:
    """The document indexed for a record: searchable fields (see schemas/opensearch-mapping.json) and the full
    record, kept in _source but not indexed."""
    md, src = rec["metadata"], rec["source"]
    mv = lambda k: (md.get(k) or {}).get("value")  # noqa: E731
    signer = md.get("signer") or {}
    return {
        "doc_id": rec["doc_id"], "number": mv("number"), "doc_type": mv("doc_type"),
        "issued_date": mv("issued_date"), "place": mv("place"), "issuer": mv("issuer"), "subject": mv("subject"),
        "signer": {"name": signer.get("name"), "title": signer.get("title"), "capacity": signer.get("capacity")},
        "recipients": [r["name"] for r in md.get("recipients", [])],
        "references": [{"number": r.get("number"), "doc_type": r.get("doc_type"), "date": r.get("date"),
                        "issuer": r.get("issuer"), "text": r.get("text")} for r in md.get("references", [])],
        "targets": [{"id": t["id"], "metric": t.get("metric"), "value": t.get("value"), "value_max": t.get("value_max"),
                     "unit": t.get("unit"), "comparator": t.get("comparator"), "period": t.get("period"),
                     "task_id": t.get("task_id"), "text": t["text"], "page": t["span"]["page"]}
                    for t in rec.get("targets", [])],
        "deadlines": [{"id": d["id"], "due": d.get("due"), "precision": d.get("precision"),
                       "recurrence": d.get("recurrence"), "task_id": d.get("task_id"), "text": d["text"],
                       "page": d["span"]["page"]} for d in rec.get("deadlines", [])],
        "tasks": [{"id": k["id"], "section": k.get("section"), "text": k["text"], "page": k["span"]["page"],
                   "units": [{"name": u["name"], "role": u["role"]} for u in k.get("units", [])]}
                  for k in rec.get("tasks", [])],
        "warnings": [w["code"] for w in rec.get("warnings", [])],
        "review": {k: v for k, v in (rec.get("review") or {"status": "unreviewed", "decided": 0, "total": 0}).items()
                   if k != "decisions"},
        "text": text,
        "source": {"path": src["path"], "sha256": src["sha256"], "media_type": src["media_type"],
                   "size": src["size"], "page_count": src["page_count"], "text_method": src["text_method"],
                   "ocr_confidence": src.get("ocr_confidence")},
        "pipeline_version": rec["pipeline_version"], "schema_version": rec["schema_version"],
        "extracted_at": rec["extracted_at"],
        "record": rec,
    }


class Writer(RecordWriter):
    wants_text = True

    def __init__(self, out: TextIO, index: str = DEFAULT_INDEX, **options: Any):
        super().__init__(out)
        self.index = index

    def add(self, rec: dict[str, Any], text: str | None = None) -> None:
        self.out.write(json.dumps({"index": {"_index": self.index, "_id": rec["doc_id"]}}) + "\n")
        self.out.write(json_safe(json.dumps(bulk_doc(rec, text), ensure_ascii=False)) + "\n")
