"""`chithi review`: the audit review page of one document (a file, or a stored document), and `--apply` to store
the decisions a reviewer made on that page."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from pipeline.cli import add_workers
from pipeline.cli.output import check_out
from pipeline.core.errors import InputMissingError, UsageError
from pipeline.core.limits import add_flags


def register(sub) -> None:
    p = sub.add_parser("review", help="write the review page of one document, or store a reviewer's decisions",
                       description="Write one self-contained HTML page (no network) showing every extracted value "
                       "highlighted in the document's text, the page images of scans with the values' boxes, "
                       "tables of targets, deadlines and tasks linked to their highlights, warnings and the audit "
                       "trail; the reviewer accepts, rejects or corrects each value there and downloads the "
                       "decisions as JSON. PATH is processed; a stored document is named by doc id (4+ leading "
                       "digits), số ký hiệu or path. --apply stores downloaded decisions in the database: "
                       "`docs`, `search`, `deadlines` and `export` then show the reviewed values.")
    p.add_argument("source", nargs="?", metavar="PATH|DOC", help="a document file, or a stored document")
    p.add_argument("--db", default=None, metavar="FILE", help="store to look DOC up in (default: chithi.db)")
    p.add_argument("--out", "-o", metavar="FILE.html", help="the HTML file to write")
    p.add_argument("--apply", nargs="+", metavar="DECISIONS.json",
                   help="store the decisions downloaded from review pages (instead of writing a page)")
    p.add_argument("--reviewer", metavar="NAME", help="with --apply: who decided, when the file does not say")
    add_workers(p)
    p.add_argument("--no-restore", action="store_true", help="do not restore diacritics of garbled/stripped text")
    add_flags(p)
    p.set_defaults(func=cmd_review)


def load_stored(db: str, key: str):
    """(record as extracted, text, stored review block or None) of the stored document ``key`` (doc id, a prefix
    of 4+ digits, số ký hiệu or path): the page shows every extracted value, with the decisions stored for it."""
    from pipeline.store import Store
    from schemas.record import DirectiveRecord

    if not Path(db).exists():
        raise InputMissingError(f"{key}: no such file, and no database {db} to look it up in",
                                "give a document path, or --db FILE of a store made by `chithi ingest`")
    with Store(db, create=False) as store:
        try:
            doc_id = store.resolve(key)
        except InputMissingError:
            raise InputMissingError(f"{key}: no such file, and no document with that id, số ký hiệu or path in {db}",
                                    "see `chithi docs` for the stored documents") from None
        rec_json, extracted = store.db.execute("SELECT record, extracted FROM documents WHERE doc_id = ?",
                                               (doc_id,)).fetchone()
        text = store.text(doc_id)
    review = json.loads(rec_json).get("review")
    record = DirectiveRecord.model_validate(json.loads(extracted or rec_json) | {"review": None})
    if text is None:
        raise InputMissingError(f"{doc_id}: the store has the record but not its text", "re-ingest the document")
    return record, text, review


def cmd_apply(args) -> int:
    from pipeline.store import decisions
    from pipeline.store.decisions import status_text
    from pipeline.store import DEFAULT_DB, Store, label

    db = args.db or DEFAULT_DB
    files = [decisions.load(f) for f in args.apply]
    with Store(db, create=False) as store:
        for path, data in zip(args.apply, files):
            doc_id = store.resolve(data.get("doc_id") or data["sha256"])
            sha, number, subject, src = store.db.execute("SELECT sha256, number, subject, path FROM documents "
                                                         "WHERE doc_id = ?", (doc_id,)).fetchone()
            if data.get("sha256") and data["sha256"] != sha:
                raise UsageError(f"{path}: the decisions are for another version of {doc_id} (sha256 differs)",
                                 "review the stored document again")
            review = store.apply_decisions(doc_id, data["decisions"], args.reviewer or data.get("reviewer"))
            counts = {k: sum(1 for d in review["decisions"] if d["decision"] == k) for k in decisions.DECISIONS}
            print(f"chithi: {label(number, subject, src, 60)}: {len(data['decisions'])} decisions stored ({counts['accept']} accepted, "
                  f"{counts['reject']} rejected, {counts['correct']} corrected); {status_text(review)}",
                  file=sys.stderr)
    return 0


def cmd_review(args) -> int:
    from pipeline.exports.review import render_review

    if args.apply:
        if args.out or args.source:
            raise UsageError("--apply stores decisions: give no PATH|DOC and no --out")
        return cmd_apply(args)
    if not args.source or not args.out:
        raise UsageError("give PATH|DOC and --out FILE.html (or --apply DECISIONS.json)")
    check_out(args.out)
    src = Path(args.source)
    if src.is_file():
        if args.db:
            print("chithi: note: PATH exists, so it is processed and --db is not used", file=sys.stderr)
        from pipeline.engine.progress import pages
        from pipeline.engine.schedule import read_document
        from pipeline.run import Options, record_of

        options = Options(workers=args.workers or os.cpu_count() or 1, restore=not args.no_restore)
        with pages(src.name, args.quiet) as on_page:
            doc, record = record_of(read_document(src, options, on_page=on_page), options)
        page = render_review(doc, record, doc.text, None)
    else:
        from pipeline.store import DEFAULT_DB

        record, text, review = load_stored(args.db or DEFAULT_DB, args.source)
        page = render_review(None, record, text, None, stored_review=review)
    out = Path(args.out)
    if out.is_dir():
        raise UsageError(f"{out}: is a directory", "give an .html file name with --out")
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    print(out)
    return 0
