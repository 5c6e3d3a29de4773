"""`chithi docs`: the stored documents, filtered."""
from __future__ import annotations

import json
import sys

from pipeline.cli.common import add_db, open_store, parse_date, table
from pipeline.core.textutil import cut
from pipeline.core.errors import ExitCode

REVIEW_STATUSES = ("unreviewed", "in_review", "reviewed")


def register(sub) -> None:
    p = sub.add_parser("docs", help="list the stored documents (id, number, type, date, issuer, subject, counts)",
                       description="The stored documents, newest first: doc id (any 4+ leading digits name it in "
                       "other commands), số ký hiệu, type, issue date, issuer, subject, file, counts of tasks / "
                       "targets / deadlines, warnings and review status.")
    p.add_argument("key", nargs="?", metavar="DOC", help="only this document: doc id prefix, số ký hiệu or path")
    add_db(p)
    p.add_argument("--type", dest="doc_type", metavar="TYPE", help="only this type: chi_thi, 'Chỉ thị', cong_van, …")
    p.add_argument("--issuer", metavar="NAME", help="only documents whose issuer contains NAME (diacritics ignored)")
    p.add_argument("--since", metavar="DATE", help="only documents issued on or after DATE")
    p.add_argument("--until", metavar="DATE", help="only documents issued on or before DATE")
    p.add_argument("--warning", metavar="CODE", help="only documents with this warning (e.g. not_a_directive)")
    p.add_argument("--review", choices=REVIEW_STATUSES, help="only documents of this review status")
    p.add_argument("--json", action="store_true", help="JSON Lines, one document a line")
    p.set_defaults(func=cmd_docs)


def cmd_docs(args) -> int:
    from pipeline.lang.labels import doc_type_label

    since, until = parse_date(args.since, "--since"), parse_date(args.until, "--until")
    with open_store(args) as store:
        ids = [store.resolve(args.key)] if args.key else None
        docs = store.documents(doc_type=args.doc_type, issuer=args.issuer, since=since, until=until,
                               review=args.review, warning=args.warning, doc_ids=ids)
    if args.json:
        for d in docs:
            sys.stdout.write(json.dumps(d, ensure_ascii=False) + "\n")
        return ExitCode.ok
    if not docs:
        print("no documents match", file=sys.stderr)
        return ExitCode.ok
    rows = [[d["doc_id"][:8], cut(d["number"] or "—", 18), doc_type_label(d["doc_type"]) or "—",
             d["issued_date"] or "—", cut(d["issuer"] or "—", 28), cut(d["subject"] or "—", 40),
             cut(d["file"], 28), f"{d['tasks']}/{d['targets']}/{d['deadlines']}", ",".join(d["warnings"]) or "—",
             (d["review_status"] if d["review_status"] != "unreviewed" else "—")
             + (f" {d['reviewed']}" if d["review_status"] != "unreviewed" else "")]
            for d in docs]
    table(rows, ["id", "number", "type", "date", "issuer", "subject", "file", "tasks/targets/deadlines",
                 "warnings", "review"])
    print(f"{len(docs)} documents")
    return ExitCode.ok
