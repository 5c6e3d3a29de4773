"""The `chithi` command: a thin layer over the library. Errors become one line on stderr and an exit code here,
and only here.

Sub-commands live in modules of this package, each with ``register(subparsers)`` that adds its parsers and sets
``func`` (called with the parsed args, returns an exit code).
"""
from __future__ import annotations

import argparse
import importlib
import sqlite3
import sys

import pipeline
from pipeline.core import limits
from pipeline.core.errors import ChithiError, ExitCode

COMMAND_MODULES = ("pipeline.cli.extract", "pipeline.cli.evaluate", "pipeline.cli.ingest", "pipeline.cli.search",
                   "pipeline.cli.deadlines", "pipeline.cli.export", "pipeline.cli.docs",
                   "pipeline.cli.review")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, the usage exit code
        self.exit(ExitCode.usage, f"chithi: usage error: {message} (see `{self.prog} --help`)\n")


class _SubParser(_Parser):
    """A sub-command's parser: --debug and --quiet are accepted after the sub-command too (SUPPRESS: when not
    given here, the value given before the sub-command stays)."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks on errors")
        self.add_argument("--quiet", "-q", action="store_true", default=argparse.SUPPRESS,
                          help="no progress display (it is shown only when stderr is a terminal)")


def int_in(lo: int, hi: int | None = None):
    """An argparse type: an integer in lo..hi (a usage error, exit 2, otherwise)."""
    def parse(s: str) -> int:
        try:
            v = int(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{s!r} is not a whole number") from None
        if v < lo or (hi is not None and v > hi):
            raise argparse.ArgumentTypeError(f"{v} is out of range ({lo}..{hi})" if hi is not None
                                             else f"{v} is less than {lo}")
        return v
    parse.__name__ = "number"
    return parse


def add_workers(p, what: str = "processes for OCR pages") -> None:
    p.add_argument("--workers", type=int_in(1), default=None, metavar="N", help=f"{what} (default: all cores)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="chithi", description="Structured records of targets, deadlines and responsible units "
                     "from Vietnamese government directives.")
    parser.add_argument("--version", action="version", version=f"chithi {pipeline.__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress display")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_SubParser)
    for name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
            continue
        mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return ExitCode.usage
    from pipeline.cli.output import say

    try:
        if not hasattr(args, "max_memory_mb"):
            return int(args.func(args) or 0)
        # a command that reads documents, under the limits of pipeline.limits; run as the program (no argv
        # given), the memory ceiling caps this process too, not only its workers
        with limits.configured(limits.from_args(args)):
            if argv is None:
                limits.set_memory_limit()
            return int(args.func(args) or 0)
    except (ChithiError, sqlite3.DatabaseError, MemoryError) as e:
        if args.debug:
            raise
        e = _as_chithi_error(args, e)
        say(f"chithi: error: {e.one_line()}")
        return int(e.exit_code)
    except KeyboardInterrupt:
        print("chithi: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # a bug: one line unless --debug
        if args.debug:
            raise
        msg = " ".join(str(e).split())[:300]
        say(f"chithi: internal error: {type(e).__name__}: {msg} (rerun with --debug and report it)")
        return int(ExitCode.internal)


def _as_chithi_error(args, e: BaseException) -> ChithiError:
    """A database failure anywhere (exit 8) or running out of memory (exit 5) as the error it stands for."""
    if isinstance(e, ChithiError):
        return e
    if isinstance(e, MemoryError):
        paths = getattr(args, "paths", None) or [getattr(args, "source", None) or "the document"]
        return limits.out_of_memory(paths[0] if len(paths) == 1 else "a document")
    from pipeline.store import DEFAULT_DB, database_error

    return database_error(getattr(args, "db", None) or DEFAULT_DB, "database error", e)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
