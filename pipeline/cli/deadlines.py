"""`chithi deadlines`: upcoming and overdue deadlines with their tasks and units; iCalendar and timeline files."""
from __future__ import annotations

import json
import sys
from datetime import date

from pipeline.cli.common import add_db, name, open_store, parse_date, table
from pipeline.cli.output import check_out, json_safe
from pipeline.core.errors import ExitCode
from pipeline.core.textutil import cut
from pipeline.exports.files import write_text
from pipeline.exports.ics import write_ics
from pipeline.exports.timeline import render_timeline


def register(sub) -> None:
    d = sub.add_parser("deadlines", help="upcoming and overdue deadlines with their tasks and units",
                       description="Deadlines by due date with their task and responsible units; status is "
                       "overdue / today / upcoming relative to --today.")
    add_db(d)
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


def cmd_deadlines(args) -> int:
    today = parse_date(args.today, "--today") or date.today().isoformat()
    date_from, date_to = parse_date(args.date_from, "--from"), parse_date(args.date_to, "--to")
    check_out(args.ics, "--ics")
    check_out(args.html, "--html")
    with open_store(args) as store:
        doc_ids = [store.resolve(k) for k in args.doc] if args.doc else None
        rows = store.deadlines(date_from, date_to, args.unit, today=today, undated=args.recurring and not args.overdue,
                               doc_ids=doc_ids, issuer=args.issuer, overdue=True if args.overdue else None)
    if args.ics:
        n = write_ics(rows, args.ics)
        print(f"chithi: wrote {n} deadlines to {args.ics}", file=sys.stderr)
    if args.html:
        write_text(args.html, render_timeline(rows, today))
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
        out.append([when, status, name(r["number"], r["subject"], r["path"]), cut(task, 60),
                    cut(units, 50)])
    table(out, ["due", "status", "document", "task", "units"])
    return ExitCode.ok
