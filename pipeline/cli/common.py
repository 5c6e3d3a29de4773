"""What the database commands share: the --db option, opening the store, dates typed by users, tables."""
from __future__ import annotations

import sys
from typing import TextIO

from pipeline.cli.output import term_safe
from pipeline.core.errors import UsageError
from pipeline.core.textutil import cut, day_date
from pipeline.store import DEFAULT_DB, Store, label


def add_db(p) -> None:
    p.add_argument("--db", default=DEFAULT_DB, metavar="FILE", help=f"SQLite database (default: ./{DEFAULT_DB})")


def open_store(args) -> Store:
    return Store(args.db, create=False)


def name(number: str | None, subject: str | None, path: str | None) -> str:
    """A document in a table: its number, else its subject cut short and its file name."""
    return cut(number, 24) if number else label(None, subject, path, 40)


def table(rows: list[list[str]], header: list[str], out: TextIO | None = None) -> None:
    """An aligned plain-text table."""
    out = out or sys.stdout
    rows = [[term_safe(str(x)) for x in r] for r in rows]  # widths of what is shown
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    for i, r in enumerate([header, *rows]):
        out.write(term_safe("  ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip()) + "\n")
        if i == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")


REVIEW_MARKS = {"accept": " ✓", "correct": " ✎"}


def parse_date(s: str | None, flag: str) -> str | None:
    if s is None:
        return None
    day = day_date(s)
    if day is None:
        raise UsageError(f"{flag}: cannot read the date {s!r}", "write it as YYYY-MM-DD or D/M/YYYY")
    return day


