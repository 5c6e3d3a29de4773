"""Values for spreadsheets (the CSV and xlsx exports) that no spreadsheet evaluates and every one can hold.

- Control characters go from every value: C0 and C1 controls, DEL, bidi embeddings, overrides and isolates
  (pipeline.textutil.CONTROLS); a page break (form feed), vertical tab or carriage return inside a value becomes a
  line break. (openpyxl refuses a workbook holding any of them: one such value made the whole export fail.)
- CSV: a text that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return — what Excel, LibreOffice and
  Google Sheets read as a formula — gets a leading apostrophe (OWASP's CSV-injection rule), so
  ``=HYPERLINK("http://…"&B2)`` in a trích yếu is shown, never run.
- xlsx: every text cell is a string cell (openpyxl would store a text beginning with ``=`` as a formula) with
  Excel's quote prefix, so that editing the cell does not turn it into a formula either; the text is unchanged.
"""
from __future__ import annotations

from typing import Any

from pipeline.core.textutil import DROP_CONTROLS

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BREAKS = str.maketrans({"\f": "\n", "\v": "\n"})


def clean(value: Any) -> Any:
    """A value without control characters (line breaks kept; other types as they are)."""
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").translate(_BREAKS).translate(DROP_CONTROLS)


def csv_cell(value: Any) -> Any:
    """A CSV field: :func:`clean`, and a leading apostrophe on text a spreadsheet would evaluate."""
    value = clean(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: csv_cell(v) for k, v in row.items()}


def xlsx_row(ws, values: list[Any]) -> None:
    """Append ``values`` to the openpyxl worksheet ``ws``: text cleaned and stored as text, never as a formula."""
    ws.append([clean(v) for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if cell.value.startswith(FORMULA_START):
                cell.quotePrefix = True
