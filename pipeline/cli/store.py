"""`chithi ingest`, `chithi search`, `chithi deadlines` and `chithi export`: the database commands."""
from __future__ import annotations

import csv
import json
import sys
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable, TextIO

from pipeline.cli.output import check_out, json_safe, say, term_safe
from pipeline.errors import ExitCode, UsageError
from pipeline.limits import add_flags
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
    p.add_argument("--workers", type=int, default=0, help="worker processes (default: all cores)")
    p.add_argument("--force", action="store_true", help="re-extract files already stored")
    p.add_argument("--no-restore", action="store_true", help="do not restore diacritics of garbled/stripped text")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    add_flags(p)
    p.set_defaults(func=cmd_ingest)

    s = sub.add_parser("search", help="full-text search over stored documents, targets, deadlines and tasks",
                       description="Ranked search; diacritics and case are ignored (\"bao hiem y te\" finds "
                       "\"bảo hiểm y tế\"). Words are ANDed; \"quoted words\" form a phrase; word* is a prefix.")
    s.add_argument("query", metavar="QUERY")
    _db(s)
    s.add_argument("--type", choices=KINDS, dest="kind", help="only hits of this kind")
    s.add_argument("--limit", type=int, default=20, help="hits to show (default: 20)")
    s.add_argument("--json", action="store_true", help="JSON Lines, one hit a line")
    s.set_defaults(func=cmd_search)

    d = sub.add_parser("deadlines", help="upcoming and overdue deadlines with their tasks and units",
                       description="Deadlines by due date with their task and responsible units; status is "
                       "overdue / today / upcoming relative to --today.")
    _db(d)
    d.add_argument("--from", dest="date_from", metavar="DATE", help="due on or after DATE (YYYY-MM-DD or D/M/YYYY)")
    d.add_argument("--to", dest="date_to", metavar="DATE", help="due on or before DATE")
    d.add_argument("--unit", metavar="NAME", help="only tasks of units whose name contains NAME (diacritics ignored)")
    d.add_argument("--overdue", action="store_true", help="only deadlines already past")
    d.add_argument("--recurring", action="store_true", help="also list recurring duties without a date")
    d.add_argument("--today", metavar="DATE", help="the date to compare with (default: today)")
    d.add_argument("--json", action="store_true", help="JSON Lines, one deadline a line")
    d.add_argument("--ics", metavar="FILE", help="also write the dated deadlines as an iCalendar file")
    d.set_defaults(func=cmd_deadlines)

    e = sub.add_parser("export", help="export records as JSON Lines, CSV rows or OpenSearch/Elasticsearch bulk",
                       description="jsonl: one DirectiveRecord a line, validated against the JSON Schema. csv: flat "
                       "rows, one per document, target, deadline and assignment (unit of a task). bulk: NDJSON for "
                       "the _bulk API; create the index first with schemas/opensearch-mapping.json.")
    _db(e)
    e.add_argument("--format", required=True, choices=("jsonl", "csv", "bulk"))
    e.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    e.add_argument("--index", default=DEFAULT_INDEX, help=f"index name for bulk (default: {DEFAULT_INDEX})")
    e.set_defaults(func=cmd_export)


def _open(args):
    from pipeline.store import Store

    return Store(args.db, create=False)


# -- ingest ----------------------------------------------------------------------------------------------

def cmd_ingest(args) -> int:
    from pipeline.batch import run_batch
    from pipeline.run import Options

    if args.workers < 0:
        raise UsageError("--workers must be 0 (all cores) or more")
    summary = run_batch(args.paths, args.db, workers=args.workers, force=args.force,
                        options=Options(workers=1, restore=not args.no_restore),
                        progress=None if args.quiet else sys.stderr)
    for line in summary.lines():
        say(f"chithi: {line}")
    if args.json:
        print(json_safe(json.dumps(summary.as_dict(), ensure_ascii=False)))
    return summary.exit_code


# -- search ----------------------------------------------------------------------------------------------

def _cut(s: str | None, n: int) -> str:
    s = " ".join((s or "").split())
    return s if len(s) <= n else s[: n - 1] + "…"


def table(rows: list[list[str]], header: list[str], out: TextIO | None = None) -> None:
    """An aligned plain-text table."""
    out = out or sys.stdout
    rows = [[term_safe(str(x)) for x in r] for r in rows]  # widths of what is shown
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    for i, r in enumerate([header, *rows]):
        out.write(term_safe("  ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip()) + "\n")
        if i == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")


def cmd_search(args) -> int:
    if args.limit < 1:
        raise UsageError("--limit must be 1 or more")
    with _open(args) as store:
        hits = store.search(args.query, kind=args.kind, limit=args.limit)
    if args.json:
        for h in hits:
            sys.stdout.write(json_safe(json.dumps(h.as_dict(), ensure_ascii=False)) + "\n")
        return ExitCode.ok
    if not hits:
        say(f"no hits for {args.query!r}")
        return ExitCode.ok
    rows = [[str(i), _cut(h.number or h.doc_id, 16), f"{h.kind}.{h.field}", _cut(h.value, 40), _cut(h.snippet, 90)]
            for i, h in enumerate(hits, 1)]
    table(rows, ["#", "document", "field", "value", "snippet"])
    return ExitCode.ok


# -- deadlines -------------------------------------------------------------------------------------------

def parse_date(s: str | None, flag: str) -> str | None:
    if s is None:
        return None
    t = s.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(t, fmt).date().isoformat()
        except ValueError:
            pass
    raise UsageError(f"{flag}: cannot read the date {s!r}", "write it as YYYY-MM-DD or D/M/YYYY")


def cmd_deadlines(args) -> int:
    today = parse_date(args.today, "--today") or date.today().isoformat()
    date_from, date_to = parse_date(args.date_from, "--from"), parse_date(args.date_to, "--to")
    if args.overdue:
        yesterday = (date.fromisoformat(today) - timedelta(days=1)).isoformat()
        date_to = min(date_to, yesterday) if date_to else yesterday
    check_out(args.ics, "--ics")
    with _open(args) as store:
        rows = store.deadlines(date_from, date_to, args.unit, today=today, undated=args.recurring)
    if args.ics:
        n = write_ics(rows, args.ics)
        print(f"chithi: wrote {n} deadlines to {args.ics}", file=sys.stderr)
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
        out.append([when, status, _cut(r["number"] or r["doc_id"], 16), _cut(r["task"] or r["text"], 60),
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
        desc = [f"Hạn: {r['text']}", f"Nhiệm vụ: {what}"] + ([f"Đơn vị: {units}"] if units else []) + [
            f"Văn bản: {r.get('number') or r['doc_id']}" + (f" – {r['subject']}" if r.get("subject") else ""),
            f"Tệp: {r.get('path')}"]
        lines += ["BEGIN:VEVENT",
                  f"UID:{r['doc_id']}-{r['deadline_id']}@chithi",
                  f"DTSTAMP:{stamp}",
                  f"DTSTART;VALUE=DATE:{d:%Y%m%d}",
                  f"DTEND;VALUE=DATE:{d + timedelta(days=1):%Y%m%d}",
                  "SUMMARY:" + _ics_escape(_cut(f"{r.get('number') or r['doc_id']}: {what}", 120)),
                  "DESCRIPTION:" + _ics_escape("\n".join(desc)),
                  "CATEGORIES:" + _ics_escape(r.get("precision") or "day"),
                  "TRANSP:TRANSPARENT",
                  "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(ics_fold(x) + "\r\n" for x in lines), n


def write_ics(rows: list[dict[str, Any]], path: str) -> int:
    text, n = ics_text(rows)
    try:
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    except OSError as e:
        from pipeline.errors import InputMissingError

        raise InputMissingError(f"{path}: cannot write: {e.strerror}", "check the folder and permissions") from None
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
              "recurrence", "unit_name", "role", "text", "page", "start", "end", "path"]


def csv_rows(rec: dict[str, Any]) -> Iterable[dict[str, Any]]:
    md = rec["metadata"]
    mv = lambda k: (md.get(k) or {}).get("value")  # noqa: E731
    base = {"doc_id": rec["doc_id"], "number": mv("number"), "doc_type": mv("doc_type"),
            "issued_date": mv("issued_date"), "issuer": mv("issuer"), "path": rec["source"]["path"]}
    tasks = {k["id"]: k for k in rec.get("tasks", [])}
    task_of = {x: k["id"] for k in rec.get("tasks", []) for x in k.get("deadline_ids", []) + k.get("target_ids", [])}

    def where(x):
        sp = x.get("span") or {}
        return {"text": x.get("text"), "page": sp.get("page"), "start": sp.get("start"), "end": sp.get("end")}

    def task_cols(tid):
        k = tasks.get(tid) if tid else None
        return {"task_id": tid, "section": k.get("section") if k else None, "task": k["text"] if k else None}

    yield {**base, "row_type": "document", "text": mv("subject")}
    for t in rec.get("targets", []):
        tid = t.get("task_id") or task_of.get(t["id"])
        yield {**base, **task_cols(tid), **where(t), "row_type": "target", "item_id": t["id"],
               "metric": t.get("metric"), "value": t.get("value"), "value_max": t.get("value_max"),
               "unit": t.get("unit"), "comparator": t.get("comparator"), "period": t.get("period")}
    for d in rec.get("deadlines", []):
        tid = d.get("task_id") or task_of.get(d["id"])
        yield {**base, **task_cols(tid), **where(d), "row_type": "deadline", "item_id": d["id"],
               "due": d.get("due"), "precision": d.get("precision"), "recurrence": d.get("recurrence")}
    for k in rec.get("tasks", []):
        for u in k.get("units", []):
            yield {**base, **task_cols(k["id"]), **where(u), "row_type": "assignment", "item_id": k["id"],
                   "unit_name": u["name"], "role": u["role"]}


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
    out = open(args.out, "w", encoding="utf-8", newline="") if args.out else sys.stdout
    bad = n = 0
    try:
        with _open(args) as store:
            validator = _validator() if args.format == "jsonl" else None
            writer = None
            if args.format == "csv":
                writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
                writer.writeheader()
            for rec in store.records():
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
                else:
                    out.write(json.dumps({"index": {"_index": args.index, "_id": rec["doc_id"]}}) + "\n")
                    out.write(json_safe(json.dumps(bulk_doc(rec, store.text(rec["doc_id"])), ensure_ascii=False))
                              + "\n")
    finally:
        if args.out:
            out.close()
    if args.out:
        print(f"chithi: exported {n} records to {args.out}" + (f" ({bad} invalid left out)" if bad else ""),
              file=sys.stderr)
    return ExitCode.partial_failure if bad else ExitCode.ok
