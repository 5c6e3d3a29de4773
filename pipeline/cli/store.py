"""`chithi ingest`, `chithi search`, `chithi deadlines` and `chithi export`: the database commands."""
from __future__ import annotations

import csv
import json
import os
import sys
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable, TextIO

from pipeline.cli import add_workers, int_in
from pipeline.cli._engine import add_engine_args, executor
from pipeline.cli.output import check_out, json_safe, say, term_safe
from pipeline.core.errors import ExitCode, UsageError
from pipeline.core.limits import add_flags
from pipeline.store import DEFAULT_DB, KINDS

DEFAULT_INDEX = "chithi-directives"


def _db(p) -> None:
    p.add_argument("--db", default=DEFAULT_DB, metavar="FILE", help=f"SQLite database (default: ./{DEFAULT_DB})")


def register(sub) -> None:
    p = sub.add_parser("ingest", help="extract files and folders into the database",
                       description="Walk folders for supported files, extract them in parallel worker processes "
                       "and store each record in its own transaction. Files already stored (same sha256, same "
                       "pipeline version) are skipped; a document that fails is reported and the others go on "
                       "(exit 1 when any failed).")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files and folders")
    _db(p)
    add_workers(p, "worker processes")
    p.add_argument("--force", action="store_true", help="re-extract files already stored")
    p.add_argument("--only-directives", action="store_true",
                   help="leave out inputs that are not directives (not_a_directive warning: a README, a guide, "
                   "a text in another language); they are always counted apart in the summary")
    p.add_argument("--no-restore", action="store_true", help="do not restore diacritics of garbled/stripped text")
    p.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    add_flags(p)
    add_engine_args(p)
    p.set_defaults(func=cmd_ingest)

    s = sub.add_parser("search", help="full-text search over stored documents, targets, deadlines and tasks",
                       description="Ranked search; diacritics and case are ignored (\"bao hiem y te\" finds "
                       "\"bảo hiểm y tế\"). Words are ANDed; \"quoted words\" form a phrase; word* is a prefix.")
    s.add_argument("query", metavar="QUERY")
    _db(s)
    s.add_argument("--type", choices=KINDS, dest="kind", help="only hits of this kind")
    s.add_argument("--limit", type=int_in(1), default=20, help="hits to show (default: 20)")
    s.add_argument("--json", action="store_true", help="JSON Lines, one hit a line")
    s.set_defaults(func=cmd_search)

    d = sub.add_parser("deadlines", help="upcoming and overdue deadlines with their tasks and units",
                       description="Deadlines by due date with their task and responsible units; status is "
                       "overdue / today / upcoming relative to --today.")
    _db(d)
    d.add_argument("--from", dest="date_from", metavar="DATE", help="due on or after DATE (YYYY-MM-DD or D/M/YYYY)")
    d.add_argument("--to", dest="date_to", metavar="DATE", help="due on or before DATE")
    d.add_argument("--unit", metavar="NAME", help="only tasks of units whose name contains NAME (diacritics ignored)")
    d.add_argument("--doc", metavar="DOC", action="append",
                   help="only this document: doc id (or a prefix of 4+ digits), số ký hiệu or path; repeatable")
    d.add_argument("--issuer", metavar="NAME", help="only documents whose issuer contains NAME (diacritics ignored)")
    d.add_argument("--overdue", action="store_true", help="only deadlines already past")
    d.add_argument("--recurring", action="store_true", help="also list recurring duties without a date")
    d.add_argument("--today", metavar="DATE", help="the date to compare with (default: today)")
    d.add_argument("--json", action="store_true", help="JSON Lines, one deadline a line")
    d.add_argument("--ics", metavar="FILE", help="also write the dated deadlines as an iCalendar file")
    d.add_argument("--html", metavar="FILE", help="also write a timeline page: the deadlines of each unit over "
                   "time, overdue ones marked (self-contained HTML)")
    d.set_defaults(func=cmd_deadlines)

    e = sub.add_parser("export", help="export records as JSON Lines, CSV rows or OpenSearch/Elasticsearch bulk",
                       description="jsonl: one DirectiveRecord a line, validated against the JSON Schema. csv: flat "
                       "rows, one per document, target, deadline and assignment (unit of a task). bulk: NDJSON for "
                       "the _bulk API; create the index first with schemas/opensearch-mapping.json.")
    _db(e)
    e.add_argument("--format", required=True, choices=("jsonl", "csv", "xlsx", "bulk"),
                   help="csv has a UTF-8 BOM (Excel reads it as UTF-8); xlsx needs --out")
    e.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    e.add_argument("--since", metavar="DATE", help="only documents issued on or after DATE")
    e.add_argument("--type", dest="doc_type", metavar="TYPE", help="only this type: chi_thi, 'Chỉ thị', cong_van, …")
    e.add_argument("--issuer", metavar="NAME", help="only documents whose issuer contains NAME (diacritics ignored)")
    e.add_argument("--index", default=DEFAULT_INDEX, help=f"index name for bulk (default: {DEFAULT_INDEX})")
    e.set_defaults(func=cmd_export)


def _open(args):
    from pipeline.store import Store

    return Store(args.db, create=False)


# -- ingest ----------------------------------------------------------------------------------------------

def cmd_ingest(args) -> int:
    from pipeline.engine.batch import run_batch
    from pipeline.run import Options

    with executor(args, args.workers or 0, announce=not args.quiet) as ex:
        summary = run_batch(args.paths, args.db, workers=args.workers or 0, force=args.force,
                            options=Options(workers=1, restore=not args.no_restore),
                            progress=None if args.quiet else sys.stderr, only_directives=args.only_directives,
                            executor=ex)
    for line in summary.lines():
        say(f"chithi: {line}")
    if args.json:
        print(json_safe(json.dumps(summary.as_dict(), ensure_ascii=False)))
    return summary.exit_code


# -- search ----------------------------------------------------------------------------------------------

def _cut(s: str | None, n: int) -> str:
    s = " ".join((s or "").split())
    return s if len(s) <= n else s[: n - 1] + "…"


def name(number: str | None, subject: str | None, path: str | None) -> str:
    """A document in a table: its number, else its subject cut short and its file name."""
    from pipeline.store import label

    return _cut(number, 24) if number else label(None, subject, path, 40)


def table(rows: list[list[str]], header: list[str], out: TextIO | None = None) -> None:
    """An aligned plain-text table."""
    out = out or sys.stdout
    rows = [[term_safe(str(x)) for x in r] for r in rows]  # widths of what is shown
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    for i, r in enumerate([header, *rows]):
        out.write(term_safe("  ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip()) + "\n")
        if i == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")


REVIEW_MARKS = {"accept": " ✓", "correct": " ✎"}


def hits_line(shown: int, total: int, more: bool = False) -> str:
    return f"{shown} of {total}{'+' if more else ''} hits" + (" (--limit N to see more)" if shown < total else "")


def cmd_search(args) -> int:
    with _open(args) as store:
        hits, total, more = store.search_page(args.query, kind=args.kind, limit=args.limit)
    if args.json:
        for h in hits:
            sys.stdout.write(json_safe(json.dumps(h.as_dict(), ensure_ascii=False)) + "\n")
        print(f"chithi: {hits_line(len(hits), total, more)}", file=sys.stderr)
        return ExitCode.ok
    if not hits:
        say(f"no hits for {args.query!r}")
        return ExitCode.ok
    rows = [[str(i), name(h.number, h.subject, h.path), f"{h.kind}.{h.field}",
             _cut(h.value, 40) + REVIEW_MARKS.get(h.review or "", ""), _cut(h.snippet, 90)]
            for i, h in enumerate(hits, 1)]
    table(rows, ["#", "document", "field", "value", "snippet"])
    print(hits_line(len(hits), total, more))
    return ExitCode.ok


# -- deadlines -------------------------------------------------------------------------------------------

def parse_date(s: str | None, flag: str) -> str | None:
    if s is None:
        return None
    from pipeline.core.textutil import day_date

    day = day_date(s)
    if day is None:
        raise UsageError(f"{flag}: cannot read the date {s!r}", "write it as YYYY-MM-DD or D/M/YYYY")
    return day


def cmd_deadlines(args) -> int:
    today = parse_date(args.today, "--today") or date.today().isoformat()
    date_from, date_to = parse_date(args.date_from, "--from"), parse_date(args.date_to, "--to")
    check_out(args.ics, "--ics")
    check_out(args.html, "--html")
    with _open(args) as store:
        doc_ids = [store.resolve(k) for k in args.doc] if args.doc else None
        rows = store.deadlines(date_from, date_to, args.unit, today=today, undated=args.recurring and not args.overdue,
                               doc_ids=doc_ids, issuer=args.issuer, overdue=True if args.overdue else None)
    if args.ics:
        n = write_ics(rows, args.ics)
        print(f"chithi: wrote {n} deadlines to {args.ics}", file=sys.stderr)
    if args.html:
        from pipeline.exports.timeline import render_timeline

        _write_text(args.html, render_timeline(rows, today))
        print(f"chithi: wrote the timeline of {sum(1 for r in rows if r['due'])} deadlines to {args.html}",
              file=sys.stderr)
    if args.json:
        for r in rows:
            sys.stdout.write(json_safe(json.dumps(r, ensure_ascii=False)) + "\n")
        return ExitCode.ok
    if not rows:
        print("no deadlines match", file=sys.stderr)
        return ExitCode.ok
    out = []
    for r in rows:
        when = r["due"] or r["recurrence"] or ""
        status = r["status"] if r["days_left"] is None else f"{r['status']} ({r['days_left']:+d} d)"
        units = "; ".join(f"{u['name']}" + (" (lead)" if u["role"] == "lead" else "") for u in r["units"])
        task = " ".join((r["task"] or r["text"]).split())
        out.append([when, status, name(r["number"], r["subject"], r["path"]), _cut(task, 60),
                    _cut(units, 50)])
    table(out, ["due", "status", "document", "task", "units"])
    return ExitCode.ok


def _ics_escape(s: str) -> str:
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
                  "SUMMARY:" + _ics_escape(_cut(f"{who + ': ' if who else ''}{what}", 120)),
                  "DESCRIPTION:" + _ics_escape("\n".join(desc)),
                  "CATEGORIES:" + _ics_escape(r.get("precision") or "day"),
                  "TRANSP:TRANSPARENT",
                  "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(ics_fold(x) + "\r\n" for x in lines), n


def _write_text(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    except OSError as e:
        from pipeline.core.errors import InputMissingError

        raise InputMissingError(f"{path}: cannot write: {e.strerror}", "check the folder and permissions") from None


def write_ics(rows: list[dict[str, Any]], path: str) -> int:
    text, n = ics_text(rows)
    _write_text(path, text)
    return n


# -- export ----------------------------------------------------------------------------------------------

def _validator():
    """jsonschema validator of the record schema when the package is installed, else None (pydantic validates
    anyway)."""
    try:
        import jsonschema
    except ImportError:
        return None
    from schemas.export import SCHEMA_PATH

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


CSV_FIELDS = ["doc_id", "number", "doc_type", "issued_date", "issuer", "row_type", "item_id", "task_id", "section",
              "task", "metric", "value", "value_max", "unit", "comparator", "period", "due", "precision",
              "recurrence", "unit_name", "role", "text", "page", "start", "end", "path", "document", "review",
              "review_original", "review_note", "reviewer"]


def _review_cols(decision: dict[str, Any] | None) -> dict[str, Any]:
    if not decision:
        return {}
    return {"review": decision["decision"] + "ed" if decision["decision"] != "correct" else "corrected",
            "review_original": decision.get("original") if decision["decision"] == "correct" else None,
            "review_note": decision.get("note"), "reviewer": decision.get("reviewer")}


def csv_rows(rec: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """Flat rows of a record: its document row, then one per target, deadline and assignment; the review columns
    say the reviewer's decision on each (rejected values are not in a reviewed record)."""
    from pipeline.store.decisions import by_item, status_text
    from pipeline.store import label

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
        yield {**base, **task_cols(tid), **where(t), **_review_cols(decided.get(t["id"])), "row_type": "target",
               "item_id": t["id"],
               "metric": t.get("metric"), "value": t.get("value"), "value_max": t.get("value_max"),
               "unit": t.get("unit"), "comparator": t.get("comparator"), "period": t.get("period")}
    for d in rec.get("deadlines", []):
        tid = d.get("task_id") or task_of.get(d["id"])
        yield {**base, **task_cols(tid), **where(d), **_review_cols(decided.get(d["id"])), "row_type": "deadline",
               "item_id": d["id"],
               "due": d.get("due"), "precision": d.get("precision"), "recurrence": d.get("recurrence")}
    for k in rec.get("tasks", []):
        for i, u in enumerate(k.get("units", []), 1):
            yield {**base, **task_cols(k["id"]), **where(u), **_review_cols(decided.get(f"{k['id']}-u{i}")),
                   "row_type": "assignment", "item_id": k["id"], "unit_name": u["name"], "role": u["role"]}


def sheets(rec: dict[str, Any]) -> dict[str, list[list[Any]]]:
    """The rows a record adds to each sheet of the .xlsx workbook (:data:`SHEETS` gives the columns)."""
    from pipeline.store.decisions import by_item, status_text
    from pipeline.lang.labels import doc_type_label
    from pipeline.store import label

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
    tmp = path + ".tmp"
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except OSError as e:
        from pipeline.core.errors import InputMissingError

        raise InputMissingError(f"{path}: cannot write: {e.strerror}", "check the folder and permissions") from None


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


def cmd_export(args) -> int:
    from pydantic import ValidationError

    from schemas.record import DirectiveRecord

    check_out(args.out)
    since = parse_date(args.since, "--since")
    if args.format == "xlsx" and not args.out:
        raise UsageError("--format xlsx writes a workbook: give --out FILE.xlsx")
    bad = n = 0
    good: list[dict[str, Any]] = []
    out = sys.stdout
    if args.out and args.format != "xlsx":
        out = open(args.out, "w", encoding="utf-8", newline="")
    try:
        with _open(args) as store:
            validator = _validator() if args.format == "jsonl" else None
            writer = None
            if args.format == "csv":
                out.write("\ufeff")  # a UTF-8 BOM: Excel then reads the file as UTF-8
                writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
                writer.writeheader()
            for rec in store.records(doc_type=args.doc_type, issuer=args.issuer, since=since):
                try:
                    DirectiveRecord.model_validate(rec)
                    if validator is not None:
                        err = next(iter(validator.iter_errors(rec)), None)
                        if err is not None:
                            raise ValueError(f"{'/'.join(map(str, err.absolute_path))}: {err.message}")
                except (ValidationError, ValueError) as e:
                    bad += 1
                    msg = " ".join(str(e).split())[:200]
                    print(f"chithi: error: record {rec.get('doc_id')} does not match the schema: {msg}",
                          file=sys.stderr)
                    continue
                n += 1
                if args.format == "jsonl":
                    out.write(json_safe(json.dumps(rec, ensure_ascii=False)) + "\n")
                elif args.format == "csv":
                    writer.writerows(csv_rows(rec))
                elif args.format == "xlsx":
                    good.append(rec)
                else:
                    out.write(json.dumps({"index": {"_index": args.index, "_id": rec["doc_id"]}}) + "\n")
                    out.write(json_safe(json.dumps(bulk_doc(rec, store.text(rec["doc_id"])), ensure_ascii=False))
                              + "\n")
        if args.format == "xlsx":
            write_xlsx(good, args.out)
    finally:
        if out is not sys.stdout:
            out.close()
    if args.out:
        print(f"chithi: exported {n} records to {args.out}" + (f" ({bad} invalid left out)" if bad else ""),
              file=sys.stderr)
    return ExitCode.partial_failure if bad else ExitCode.ok
