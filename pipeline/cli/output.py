"""What the CLI writes: output files checked before any work, and text made safe for a terminal."""
from __future__ import annotations

import csv
import json
import os
import sys
from typing import TextIO

from pipeline.core.errors import InputMissingError
from pipeline.core.textutil import json_safe, term_safe

__all__ = ["add_formats", "check_out", "json_safe", "say", "term_safe", "write_rows"]

FORMATS = ("json", "csv", "tsv")


def add_formats(p, what: str) -> None:
    """--json / --csv / --tsv of a listing (one of them; default: an aligned table for a person)."""
    g = p.add_mutually_exclusive_group()
    g.add_argument("--json", dest="fmt", action="store_const", const="json", help=f"JSON Lines, one {what} a line")
    g.add_argument("--csv", dest="fmt", action="store_const", const="csv",
                   help=f"CSV with a header row, one {what} a row")
    g.add_argument("--tsv", dest="fmt", action="store_const", const="tsv",
                   help=f"tab-separated values with a header row, one {what} a row")
    p.set_defaults(fmt=None)


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, (list, tuple)):
        return "; ".join(_cell(x) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def write_rows(fmt: str, rows: list[dict], columns: list[str], out: TextIO | None = None) -> None:
    """``rows`` as JSON Lines (every key), or CSV / TSV of ``columns`` (lists joined by '; '; in TSV, tabs and
    line breaks inside a value become spaces)."""
    out = out or sys.stdout
    if fmt == "json":
        for r in rows:
            out.write(json_safe(json.dumps(r, ensure_ascii=False)) + "\n")
        return
    w = csv.writer(out, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        cells = [_cell(r.get(c)) for c in columns]
        if fmt == "tsv":
            cells = [" ".join(c.replace("\t", " ").splitlines()) for c in cells]
        w.writerow(cells)


def check_out(path: str | os.PathLike | None, flag: str = "--out") -> None:
    """Refuse, before any work, an output file whose folder does not exist (exit 3)."""
    if not path:
        return
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    if not os.path.isdir(folder):
        raise InputMissingError(f"{os.fspath(path)}: the folder {folder} does not exist",
                                f"create it, or give {flag} a file in an existing folder")


def say(line: str, stream: TextIO | None = None) -> None:
    """One line on stderr (or ``stream``), control characters escaped."""
    print(term_safe(line), file=stream or sys.stderr)
