"""`chithi deadlines`: upcoming and overdue deadlines with their tasks and units; iCalendar and timeline files."""
from __future__ import annotations

import re
import sys
from datetime import date
from typing import Any, TextIO

from pipeline.cli.common import REVIEW_MARKS, add_db, open_store, parse_date, table
from pipeline.cli.output import add_formats, check_out, term_safe, write_rows
from pipeline.core.errors import ExitCode
from pipeline.core.textutil import cut
from pipeline.exports.files import write_text
from pipeline.exports.ics import write_ics
from pipeline.exports.timeline import render_timeline


#: the columns of `deadlines --csv/--tsv` (--json has every field)
COLUMNS = ["due", "status", "days_left", "document", "doc_id", "deadline_id", "lead_units", "support_units",
           "action", "text", "precision", "recurrence", "review", "issuer", "path"]


def register(sub) -> None:
    d = sub.add_parser("deadlines", help="upcoming and overdue deadlines with their tasks and units",
                       description="Deadlines by due date with the action due and its lead units, one row each, "
                       "fitted to the terminal's width (--json, --csv, --tsv have every field); status is "
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
    add_formats(d, "deadline")
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
        if not args.quiet:
            print(f"chithi: wrote {n} deadlines to {args.ics}", file=sys.stderr)
    if args.html:
        write_text(args.html, render_timeline(rows, today))
        if not args.quiet:
            print(f"chithi: wrote the timeline of {sum(1 for r in rows if r['due'])} deadlines to {args.html}",
                  file=sys.stderr)
    for r in rows:
        r["action"], r["lead_units"], r["support_units"] = action_and_units(r)
    if args.fmt:
        write_rows(args.fmt, rows, COLUMNS)
        return ExitCode.ok
    if not rows:
        print("no deadlines match", file=sys.stderr)
        return ExitCode.ok
    import shutil

    deadline_table(rows, shutil.get_terminal_size().columns)
    return ExitCode.ok


_NUMBERING = re.compile(r"^\s*(?:[-+•*–]|\(?[0-9]{1,2}(?:\.[0-9]{1,2})*[.)]|\(?[a-zđ][.)])\s+", re.I)


def action_and_units(r: dict[str, Any]) -> tuple[str, list[str], list[str]]:
    """(the action due, its lead units, its supporting units) of a deadline row: the record's own when it has
    them (``action``, ``lead_units``), else the task's text without its numbering and the task's units by role
    (lead, else directing, else all)."""
    action = r.get("action") or " ".join(_NUMBERING.sub("", r["task"] or r["text"] or "").split())
    units = r.get("units") or []
    lead = r.get("lead_units") or [u["name"] for u in units if u["role"] == "lead"] or \
        [u["name"] for u in units if u["role"] == "direct"]
    support = r.get("support_units") or [u["name"] for u in units if u["name"] not in lead]
    if not lead and support:
        lead, support = support, []
    return action, lead, support


def deadline_table(rows: list[dict[str, Any]], width: int, out: TextIO | None = None) -> None:
    """One line per deadline within ``width`` characters (the terminal's): due, status, document, lead units and
    the action, cut to fit ('…'). The action keeps at least half of what due and status leave; the document
    (its number, else its doc id and subject) and the lead units share the rest."""
    from pathlib import Path

    width = max(width, 60)
    head = ["due", "status", "document", "lead", "action"]
    cells = []
    for r in rows:
        status = r["status"] if r["days_left"] is None else f"{r['status']} {r['days_left']:+d} d"
        when = (r["due"] or r["recurrence"] or "") + REVIEW_MARKS.get(r.get("review") or "", "")
        cells.append([when, status, r, "; ".join(r["lead_units"]) or "—", r["action"]])

    def longest(i, f=str):
        return max([len(head[i])] + [len(term_safe(f(c[i]))) for c in cells])

    w_due, w_status = longest(0), longest(1)
    avail = width - w_due - w_status - 2 * 4
    w_doc = min(longest(2, lambda r: r["number"] or f"{r['doc_id'][:8]} {r['subject'] or r['path']}"), 22)
    w_lead = min(longest(3), 28)
    room = avail - max(20, avail // 2)          # what the action leaves to the document and the lead units
    if w_doc + w_lead > room:
        w_doc = max(min(w_doc, room * 2 // 5), 8)
        w_lead = max(room - w_doc, 8)
    w_action = min(longest(4), max(avail - w_doc - w_lead, 12))

    def doc(r):  # the number, else the doc id (what `chithi docs ID` takes) and the subject
        return cut(r["number"] or f"{r['doc_id'][:8]} {r['subject'] or Path(r['path']).name}", w_doc)

    table([[c[0], c[1], doc(c[2]),
            cut(term_safe(c[3]), w_lead), cut(term_safe(c[4]), w_action)] for c in cells], head, out)
