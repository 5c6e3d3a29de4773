"""`chithi extract` and `chithi text`."""
from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from pipeline.cli import add_workers, int_in
from pipeline.cli.engine import add_engine_args, engine_of, executor
from pipeline.cli.output import json_safe, say, term_safe
from pipeline.core.errors import BadInputError, ChithiError, ExitCode
from pipeline.core.limits import add_flags
from pipeline.run import Options

STDIN = "-"
#: leading bytes of the binary types chithi reads, for input on stdin (anything else is read as text)
_MAGIC = ((b"%PDF", ".pdf"), (b"PK\x03\x04", ".docx"), (b"\x89PNG", ".png"), (b"\xff\xd8\xff", ".jpg"),
          (b"II*\x00", ".tif"), (b"MM\x00*", ".tif"), (b"GIF8", ".gif"), (b"BM", ".bmp"))


def _add_common(p) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="text, .md, .docx, .pdf or image files; - reads stdin")
    add_workers(p)
    p.add_argument("--no-restore", action="store_true", help="do not restore diacritics of garbled/stripped text")
    p.add_argument("--ocr-timeout", type=float, default=180, metavar="SECONDS",
                   help="time limit for Tesseract on one page (default 180)")
    add_flags(p)
    add_engine_args(p)


def register(sub) -> None:
    p = sub.add_parser("extract", help="print the DirectiveRecord of each document as JSON",
                       description="Print one DirectiveRecord as JSON; several paths print JSON Lines. A document "
                       "that fails is reported on stderr and the others go on (exit 1 when any failed).")
    _add_common(p)
    p.add_argument("--indent", type=int_in(0, 16), default=None, metavar="0..16",
                   help="indent JSON (default: 2 for one path, none for several)")
    p.add_argument("--jsonl", action="store_true", help="JSON Lines (one record a line) even for one path")
    p.set_defaults(func=cmd_extract)
    t = sub.add_parser("text", help="print the normalized text the extractor reads (pages separated by form feed)",
                       description="Print the normalized text; with several paths each document starts with a "
                       "'==> PATH <==' line.")
    _add_common(t)
    t.add_argument("--raw", action="store_true", help="print the ingested text before normalization and restoration")
    t.add_argument("--blocks", action="store_true",
                   help="print the blocks (headings, paragraphs, list items, labelled fields, tables with their cells) "
                   "as JSON Lines, with their page and span in the normalized text")
    t.set_defaults(func=cmd_text)


def _output(kind: str, restore: bool, indent: int | None, raw: bool, stdin_file: str | None, doc) -> str:
    """The output for one read document: its record as JSON (extract) or its text (text)."""
    if stdin_file and doc.path == stdin_file:
        doc = replace(doc, path=STDIN)
    if kind == "extract":
        from pipeline.run import record_of

        return json_safe(record_of(doc, Options(restore=restore))[1].model_dump_json(indent=indent)) + "\n"
    from pipeline.normalize import normalize

    if kind == "blocks":
        import json

        norm = normalize(doc, restore=restore)
        return "".join(json.dumps(b.as_dict(norm.text), ensure_ascii=False) + "\n" for b in norm.blocks)
    return term_safe(doc.raw_text if raw else normalize(doc, restore=restore).text) + "\n"


def _stdin_to_file(folder: str) -> str:
    """Standard input saved to a file whose extension tells its type (from its leading bytes)."""
    data = sys.stdin.buffer.read()
    if not data:
        raise BadInputError("-: standard input is empty", "pipe a document into chithi, or give a path")
    suffix = next((s for magic, s in _MAGIC if data.startswith(magic)), ".txt")
    path = os.path.join(folder, "stdin" + suffix)
    Path(path).write_bytes(data)
    return path


def _each(args, kind: str, opts: Options, indent: int | None = None, raw: bool = False) -> int:
    with tempfile.TemporaryDirectory(prefix="chithi-stdin-") as tmp:
        stdin_file = _stdin_to_file(tmp) if STDIN in args.paths else None
        paths = [stdin_file if p == STDIN else p for p in args.paths]
        return _run(paths, args, kind, opts, indent, raw, stdin_file)


def _run(paths: list[str], args, kind: str, opts: Options, indent: int | None, raw: bool,
         stdin_file: str | None) -> int:
    """Output every document in order; one failing document is reported and the batch goes on.

    One document spreads its pages over the workers (a progress bar of its OCR'd pages); several go through
    :func:`pipeline.schedule.run_many`, which schedules them page by page over the workers (a bar of documents)."""
    from functools import partial

    from pipeline.engine.progress import pages
    from pipeline.engine.schedule import read_document, run_many

    output = partial(_output, kind, opts.restore, indent, raw, stdin_file)
    quiet = args.quiet
    shown = [STDIN if p == stdin_file else p for p in paths]
    if engine_of(args) == "dask":  # every document through the cluster, one path too
        with executor(args, opts.workers) as ex:
            if len(paths) == 1:
                with pages(Path(shown[0]).name, quiet) as on_page:
                    (_path, out, err), = run_many(paths, output, opts, executor=ex, on_page=on_page)
                if err is not None:  # alone, its error is the command's
                    raise err.error()
                sys.stdout.write(out)
                return ExitCode.ok
            return _print(run_many(paths, output, opts, executor=ex), len(paths), kind, quiet, stdin_file)
    if len(paths) == 1:
        with pages(Path(shown[0]).name, quiet) as on_page:
            doc = read_document(paths[0], opts, on_page=on_page)
        sys.stdout.write(output(doc))
        return ExitCode.ok
    if opts.workers > 1:
        results = run_many(paths, output, opts)
    else:
        results = (_one(p, output, opts) for p in paths)
    return _print(results, len(paths), kind, quiet, stdin_file)


def _print(results, n: int, kind: str, quiet: bool, stdin_file: str | None) -> int:
    """Print each output in order, a bar of documents on a terminal; a failure is reported and the others go on."""
    from pipeline.engine.progress import bar

    failed = 0
    with bar(n, kind, quiet=quiet) as b:
        for i, (_path, out, err) in enumerate(results):
            b.update(1)
            name = STDIN if _path == stdin_file else _path
            if err is not None:
                failed += 1
                b.clear()
                say(f"chithi: error: {err.message}")
            else:
                if kind == "text":
                    out = ("\n" if i else "") + f"==> {name} <==\n" + out
                sys.stdout.write(out)
                sys.stdout.flush()
    if failed:
        print(f"chithi: {failed} of {n} documents failed", file=sys.stderr)
        return ExitCode.partial_failure
    return ExitCode.ok


def _one(path: str, output, opts: Options):
    from pipeline.run import read
    from pipeline.engine.failure import Failure

    try:
        return path, output(read(path, opts)), None
    except ChithiError as e:
        return path, None, Failure.of(e)


def _workers(args) -> Options:
    return Options(workers=args.workers or os.cpu_count() or 1, restore=not args.no_restore,
                   ocr_timeout=args.ocr_timeout)


def cmd_extract(args) -> int:
    if args.jsonl:
        indent = None
    else:
        indent = args.indent if args.indent is not None else (2 if len(args.paths) == 1 else None)
    return _each(args, "extract", _workers(args), indent=indent)


def cmd_text(args) -> int:
    return _each(args, "blocks" if args.blocks else "text", _workers(args), raw=args.raw)
