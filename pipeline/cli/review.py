"""`chithi review`: the audit review page of one document (a file, or a doc id in the store)."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from pipeline.cli.output import check_out
from pipeline.errors import InputMissingError, UsageError
from pipeline.limits import add_flags


def register(sub) -> None:
    p = sub.add_parser("review", help="write a self-contained HTML page to review one document's extraction",
                       description="Write one self-contained HTML page (no network) showing every extracted value "
                       "highlighted in the document's text, the page images of scans with the values' boxes, "
                       "tables of targets, deadlines and tasks linked to their highlights, warnings and the audit "
                       "trail. PATH is processed; a DOC_ID (or sha256, or a unique prefix of either) is looked up "
                       "in the store.")
    p.add_argument("source", metavar="PATH|DOC_ID", help="a document file, or the doc id of a stored record")
    p.add_argument("--db", default=None, metavar="FILE", help="store to look DOC_ID up in (default: chithi.db)")
    p.add_argument("--out", "-o", required=True, metavar="FILE.html", help="the HTML file to write")
    p.add_argument("--workers", type=int, default=0, help="processes for OCR pages (default: all cores)")
    p.add_argument("--no-restore", action="store_true", help="do not restore diacritics of garbled/stripped text")
    add_flags(p)
    p.set_defaults(func=cmd_review)


def load_stored(db: str, key: str):
    """(record, text) of the stored document ``key`` (doc id, sha256 or a unique prefix of one)."""
    from pipeline.store import Store
    from schemas.record import DirectiveRecord

    if not Path(db).exists():
        raise InputMissingError(f"{key}: no such file, and no database {db} to look it up as a doc id",
                                "give a document path, or --db FILE of a store made by `chithi ingest`")
    with Store(db, create=False) as store:
        rows = store.find(key)
        if not rows:
            raise InputMissingError(f"{key}: no such file, and no document with that id in {db}",
                                    "see `chithi search` for stored documents")
        if len(rows) > 1:
            raise UsageError(f"{key}: ambiguous doc id prefix in {db} ({', '.join(r[0] for r in rows[:3])}, ...)",
                             "give more digits")
        doc_id, rec_json = rows[0]
        text = store.text(doc_id)
    record = DirectiveRecord.model_validate(json.loads(rec_json))
    if text is None:
        raise InputMissingError(f"{doc_id}: the store has the record but not its text", "re-ingest the document")
    return record, text


def cmd_review(args) -> int:
    from pipeline.review import render_review

    check_out(args.out)
    src = Path(args.source)
    if src.exists():
        if args.db:
            print("chithi: note: PATH exists, so it is processed and --db is not used", file=sys.stderr)
        from pipeline.run import Options, process

        workers = args.workers if args.workers > 0 else (os.cpu_count() or 1)
        doc, record = process(src, Options(workers=workers, restore=not args.no_restore))
        page = render_review(doc, record, doc.text, None)
    else:
        from pipeline.store import DEFAULT_DB

        record, text = load_stored(args.db or DEFAULT_DB, args.source)
        page = render_review(None, record, text, None)
    out = Path(args.out)
    if out.is_dir():
        raise UsageError(f"{out}: is a directory", "give an .html file name with --out")
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    print(out)
    return 0
