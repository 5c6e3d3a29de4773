"""`chithi extract` and `chithi text`."""
from __future__ import annotations

import sys

from pipeline.cli.output import json_safe, say, term_safe
from pipeline.errors import ChithiError, ExitCode
from pipeline.limits import add_flags
from pipeline.run import Options


def _options(args) -> Options:
    return Options(workers=args.workers, restore=not args.no_restore, ocr_timeout=args.ocr_timeout)


def _add_common(p) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="text, .md, .docx, .pdf or image files")
    p.add_argument("--workers", type=int, default=0, help="processes for OCR pages (default: all cores)")
    p.add_argument("--no-restore", action="store_true", help="do not restore diacritics of garbled/stripped text")
    p.add_argument("--ocr-timeout", type=float, default=180, metavar="SECONDS",
                   help="time limit for Tesseract on one page (default 180)")
    add_flags(p)


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


def _output(kind: str, restore: bool, indent: int | None, raw: bool, doc) -> str:
    """The output for one read document: its record as JSON (extract) or its text (text)."""
    if kind == "extract":
        from pipeline.run import record_of

        return json_safe(record_of(doc, Options(restore=restore))[1].model_dump_json(indent=indent)) + "\n"
    from pipeline.normalize import normalize

    return term_safe(doc.raw_text if raw else normalize(doc, restore=restore).text) + "\n"


def _each(args, kind: str, opts: Options, indent: int | None = None, raw: bool = False) -> int:
    """Output every document in order; one failing document is reported and the batch goes on.

    One document spreads its pages over the workers; several go through :func:`pipeline.schedule.run_many`,
    which schedules them page by page over the workers."""
    from functools import partial

    from pipeline.run import read
    from pipeline.schedule import run_many

    paths = args.paths
    output = partial(_output, kind, opts.restore, indent, raw)
    if len(paths) == 1:
        sys.stdout.write(output(read(paths[0], opts)))
        return ExitCode.ok
    failed = 0
    if opts.workers > 1:
        results = run_many(paths, output, opts)
    else:
        results = (_one(p, output, opts) for p in paths)
    for _path, out, err in results:
        if err is not None:
            failed += 1
            say(f"chithi: error: {err.message}")
        else:
            sys.stdout.write(out)
            sys.stdout.flush()
    if failed:
        print(f"chithi: {failed} of {len(paths)} documents failed", file=sys.stderr)
        return ExitCode.partial_failure
    return ExitCode.ok


def _one(path: str, output, opts: Options):
    from pipeline.run import read
    from pipeline.schedule import Failed

    try:
        return path, output(read(path, opts)), None
    except ChithiError as e:
        return path, None, Failed(e.one_line(), int(e.exit_code))


def _workers(args) -> Options:
    import os

    if args.workers <= 0:
        args.workers = os.cpu_count() or 1
    return _options(args)


def cmd_extract(args) -> int:
    indent = args.indent if args.indent is not None else (2 if len(args.paths) == 1 else None)
    return _each(args, "extract", _workers(args), indent=indent)


def cmd_text(args) -> int:
    return _each(args, "text", _workers(args), raw=args.raw)
