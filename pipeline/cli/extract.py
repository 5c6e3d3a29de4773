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


def _render(kind: str, path: str, opts: Options, indent: int | None, raw: bool) -> str:
    """The output for one document: its record as JSON (extract) or its text (text)."""
    if kind == "extract":
        from pipeline.run import extract_record

        return extract_record(path, opts).model_dump_json(indent=indent) + "\n"
    from pipeline.normalize import normalize
    from pipeline.run import read

    doc = read(path, opts)
    return (doc.raw_text if raw else normalize(doc, restore=opts.restore).text) + "\n"


def _render_safe(kind: str, path: str, opts: Options, indent: int | None, raw: bool) -> tuple[str | None, str | None]:
    """In a worker process: (output, None) or (None, error line); errors travel back as text."""
    try:
        return _render(kind, path, opts, indent, raw), None
    except ChithiError as e:
        return None, e.one_line()


def _each(args, kind: str, opts: Options, indent: int | None = None, raw: bool = False) -> int:
    """Output every document in order; one failing document is reported and the batch goes on.

    With several documents and several workers, whole documents run in parallel processes (each OCRs its own
    pages in one process); a single document spreads its pages over the workers instead."""
    from dataclasses import replace

    paths = args.paths
    if len(paths) == 1:
        sys.stdout.write(_render(kind, paths[0], opts, indent, raw))
        return ExitCode.ok
    failed = 0

    def report(out: str | None, err: str | None) -> None:
        nonlocal failed
        if err is not None:
            failed += 1
            print(f"chithi: error: {err}", file=sys.stderr)
        else:
            sys.stdout.write(out)
            sys.stdout.flush()

    if opts.workers > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
        one = replace(opts, workers=1)
        with ProcessPoolExecutor(max_workers=min(opts.workers, len(paths)), mp_context=ctx) as pool:
            futures = [pool.submit(_render_safe, kind, p, one, indent, raw) for p in paths]
            for f in futures:  # in the order given, each as soon as it and those before it are done
                report(*f.result())
    else:
        for p in paths:
            report(*_render_safe(kind, p, opts, indent, raw))
    if failed:
        print(f"chithi: {failed} of {len(paths)} documents failed", file=sys.stderr)
        return ExitCode.partial_failure
    return ExitCode.ok


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
