"""The `chithi` command: a thin layer over the library. Errors become one line on stderr and an exit code here,
and only here.

Sub-commands live in modules of this package, each with ``register(subparsers)`` that adds its parsers and sets
``func`` (called with the parsed args, returns an exit code).
"""
from __future__ import annotations

import argparse
import difflib
import importlib
import math
import os
import re
import sqlite3
import sys
import traceback

import pipeline
from pipeline.core import limits
from pipeline.core.errors import ChithiError, ExitCode

# each command → the module that registers it (one module per command; `extract` also has `text`). A run imports
# only its command's module, so `chithi extract` does not pay for the server, the store or the exports.
COMMANDS = {"extract": "pipeline.cli.extract", "text": "pipeline.cli.extract", "eval": "pipeline.cli.evaluate",
            "ingest": "pipeline.cli.ingest", "search": "pipeline.cli.search", "deadlines": "pipeline.cli.deadlines",
            "export": "pipeline.cli.export", "docs": "pipeline.cli.docs", "review": "pipeline.cli.review",
            "serve": "pipeline.cli.serve"}
COMMAND_MODULES = tuple(dict.fromkeys(COMMANDS.values()))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, the usage exit code; "did you mean" for a mistyped choice
        m = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if m:
            given, valid = m.group(1), re.findall(r"'([^']*)'|([^\s,]+)", m.group(2))
            valid = [a or b for a, b in valid]
            message = unknown_value(given, valid, message.split(":", 1)[0]).one_line()
        self.exit(ExitCode.usage, f"chithi: usage error: {message} (see `{self.prog} --help`)\n")


def unknown_value(given: str, valid: list[str], what: str):
    """The usage error (exit 2) of a value that is not one of ``valid``: names them, and the closest first."""
    from pipeline.core.errors import UsageError
    from pipeline.core.textutil import fold

    folded = {fold(v).lower(): v for v in valid}
    key = fold(given).lower()
    close = [folded[x] for x in difflib.get_close_matches(key, list(folded), n=2, cutoff=0.7)]
    close += [v for f, v in folded.items() if key and f.startswith(key) and v not in close][:2 - len(close)]
    hint = (f"did you mean {' or '.join(close)}? " if close else "") + "valid: " + ", ".join(valid)
    return UsageError(f"{what}: unknown value {given!r}", hint)


class _SubParser(_Parser):
    """A sub-command's parser: --debug and --quiet are accepted after the sub-command too (SUPPRESS: when not
    given here, the value given before the sub-command stays)."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks on errors")
        self.add_argument("--quiet", "-q", action="store_true", default=argparse.SUPPRESS,
                          help="no progress display (it is shown only when stderr is a terminal)")


def doc_type_filter(value: str | None, flag: str = "--type") -> str | None:
    """The type code a --type value names ('chi_thi', 'Chỉ thị', 'chi thi'); a usage error (exit 2) naming the
    valid ones when it names none."""
    if value is None:
        return None
    from pipeline.lang.labels import labels
    from pipeline.store import doc_type_code

    codes = list(labels().doc_types)
    code = doc_type_code(value)
    if code not in codes:
        raise unknown_value(value, codes, flag)
    return code


def warning_filter(value: str | None) -> str | None:
    if value is None:
        return None
    from pipeline.lang.labels import labels

    codes = list(labels().warnings)
    if value not in codes:
        raise unknown_value(value, codes, "--warning")
    return value

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


def add_busy_timeout(p) -> None:
    p.add_argument("--busy-timeout", type=float_in(0), default=None, metavar="SECONDS",
                   help="how long to wait for a database another program is writing to (default 60)")


def float_in(lo: float):
    """An argparse type: a finite number over ``lo`` (a usage error, exit 2, otherwise)."""
    def parse(s: str) -> float:
        try:
            v = float(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{s!r} is not a number") from None
        if not math.isfinite(v) or v <= lo:
            raise argparse.ArgumentTypeError(f"{s} is not a number over {lo:g}")
        return v
    parse.__name__ = "number"
    return parse


def add_workers(p, what: str = "processes for OCR pages") -> None:
    p.add_argument("--workers", type=int_in(1), default=None, metavar="N", help=f"{what} (default: all cores)")


def _modules_for(argv: list[str] | None) -> tuple[str, ...]:
    """The command modules a run needs: its command's, or all of them (no command, --help, a mistyped command: the
    parser then lists them)."""
    if argv is not None:
        first = next((a for a in argv if not a.startswith("-")), None)
        if first in COMMANDS and not ({"-h", "--help"} & set(argv[:argv.index(first)])):
            return (COMMANDS[first],)
    return COMMAND_MODULES


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser of ``argv``'s command (of every command when ``argv`` is None or names none)."""
    from pipeline.cli.examples import epilog

    parser = _Parser(prog="chithi", description="Structured records of targets, deadlines and responsible units "
                     "from Vietnamese government directives. The database is --db FILE, else $CHITHI_DB, else "
                     "./chithi.db.", epilog=epilog(""), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--version", action="version", version=f"chithi {pipeline.__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress display")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_SubParser)
    for name in _modules_for(argv):
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
            continue
        mod.register(sub)
    for name, p in sub.choices.items():  # every command's --help ends with examples
        if p.epilog is None and epilog(name):
            p.epilog = epilog(name)
            p.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return ExitCode.usage
    from pipeline.cli.output import say

    if hasattr(args, "db") and args.db is None:  # --db not given: $CHITHI_DB, else ./chithi.db
        from pipeline.store import DEFAULT_DB

        args.db, args.db_implicit = os.environ.get("CHITHI_DB") or DEFAULT_DB, True
    try:
        if hasattr(args, "db"):  # a command on the database: how long a writer waits for another
            from pipeline.store import configure_busy

            configure_busy(getattr(args, "busy_timeout", None), say)
        if not hasattr(args, "max_memory_mb"):
            return int(args.func(args) or 0)
        # a command that reads documents, under the limits of pipeline.limits; run as the program (no argv
        # given), the memory ceiling caps this process too, not only its workers
        with limits.configured(limits.from_args(args)):
            if argv is None:
                limits.set_memory_limit()
            if hasattr(args, "workers") and not getattr(args, "scheduler", None):  # a local pool: bounded
                args.workers, note = limits.cap_workers(args.workers)
                if note:
                    say(f"chithi: note: {note}")
            return int(args.func(args) or 0)
    except (ChithiError, sqlite3.DatabaseError, MemoryError) as e:
        if args.debug:  # the traceback, and still the error's own exit code
            traceback.print_exc()
        e = _as_chithi_error(args, e)
        say(f"chithi: error: {e.one_line()}")
        return int(e.exit_code)
    except KeyboardInterrupt:
        print("chithi: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # a bug: one line, and the traceback with --debug
        if args.debug:
            traceback.print_exc()
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
