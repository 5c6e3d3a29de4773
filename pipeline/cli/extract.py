"""`chithi extract` and `chithi text`."""
from __future__ import annotations

import sys

from pipeline.errors import ChithiError, ExitCode
from pipeline.run import Options


def _options(args) -> Options:
    return Options(workers=args.workers, restore=not args.no_restore, ocr_timeout=args.ocr_timeout)


def _add_common(p) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="text, .md, .docx, .pdf or image files")
    p.add_argument("--workers", type=int, default=0, help="processes for OCR pages (default: all cores)")
    p.add_argument("--no-restore", action="store_true", help="do not restore diacritics of garbled/stripped text")
    p.add_argument("--ocr-timeout", type=float, default=180, metavar="SECONDS",
                   help="time limit for Tesseract on one page (default 180)")


def register(sub) -> None:
    p = sub.add_parser("extract", help="print the DirectiveRecord of each document as JSON",
                       description="Print one DirectiveRecord as JSON; several paths print JSON Lines. A document "
                       "that fails is reported on stderr and the others go on (exit 1 when any failed).")
    _add_common(p)
    p.add_argument("--indent", type=int, default=None, help="indent JSON (default: 2 for one path, none for several)")
    p.set_defaults(func=cmd_extract)
    t = sub.add_parser("text", help="print the normalized text the extractor reads (pages separated by form feed)")
    _add_common(t)
    t.add_argument("--raw", action="store_true", help="print the ingested text before normalization and restoration")
    t.set_defaults(func=cmd_text)


def _each(args, fn) -> int:
    """Run fn on every path; one failing document is reported and the batch goes on."""
    failed = 0
    single = len(args.paths) == 1
    for path in args.paths:
        try:
            fn(path)
        except ChithiError as e:
            if single:
                raise
            failed += 1
            print(f"chithi: error: {e.one_line()}", file=sys.stderr)
    if failed:
        print(f"chithi: {failed} of {len(args.paths)} documents failed", file=sys.stderr)
        return ExitCode.partial_failure
    return ExitCode.ok


def _workers(args) -> Options:
    import os

    if args.workers <= 0:
        args.workers = os.cpu_count() or 1
    return _options(args)


def cmd_extract(args) -> int:
    from pipeline.run import extract_record

    opts = _workers(args)
    indent = args.indent if args.indent is not None else (2 if len(args.paths) == 1 else None)

    def one(path):
        rec = extract_record(path, opts)
        sys.stdout.write(rec.model_dump_json(indent=indent) + "\n")
        sys.stdout.flush()

    return _each(args, one)


def cmd_text(args) -> int:
    from pipeline.normalize import normalize
    from pipeline.run import read

    opts = _workers(args)

    def one(path):
        doc = read(path, opts)
        sys.stdout.write((doc.raw_text if args.raw else normalize(doc, restore=opts.restore).text) + "\n")
        sys.stdout.flush()

    return _each(args, one)
