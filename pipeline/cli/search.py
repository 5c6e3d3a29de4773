"""`chithi search`: full-text search over the stored documents."""
from __future__ import annotations

import json
import sys

from pipeline.cli import int_in
from pipeline.cli.common import REVIEW_MARKS, add_db, name, open_store, table
from pipeline.cli.output import json_safe, say
from pipeline.core.errors import ExitCode
from pipeline.core.textutil import cut
from pipeline.store import KINDS


def register(sub) -> None:
    s = sub.add_parser("search", help="full-text search over stored documents, targets, deadlines and tasks",
                       description="Ranked search; diacritics and case are ignored (\"bao hiem y te\" finds "
                       "\"bảo hiểm y tế\"). Words are ANDed; \"quoted words\" form a phrase; word* is a prefix.")
    s.add_argument("query", metavar="QUERY")
    add_db(s)
    s.add_argument("--type", choices=KINDS, dest="kind", help="only hits of this kind")
    s.add_argument("--limit", type=int_in(1), default=20, help="hits to show (default: 20)")
    s.add_argument("--json", action="store_true", help="JSON Lines, one hit a line")
    s.set_defaults(func=cmd_search)


def hits_line(shown: int, total: int, more: bool = False) -> str:
    return f"{shown} of {total}{'+' if more else ''} hits" + (" (--limit N to see more)" if shown < total else "")


def cmd_search(args) -> int:
    with open_store(args) as store:
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
             cut(h.value, 40) + REVIEW_MARKS.get(h.review or "", ""), cut(h.snippet, 90)]
            for i, h in enumerate(hits, 1)]
    table(rows, ["#", "document", "field", "value", "snippet"])
    print(hits_line(len(hits), total, more))
    return ExitCode.ok
