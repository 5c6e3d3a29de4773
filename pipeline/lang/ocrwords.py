"""Cue words OCR misreads in a way no language model can put right, fixed on OCR'd pages before extraction.

- Roman quarter numbers read as digits or as l/1 mixes: "Quý 11/2026" → "Quý II/2026", "Quý 1V" → "Quý IV",
  "quý Il" → "quý II" (a quarter is I–IV, so "Quý 11" cannot be meant);
- a list marker letter read as a foreign letter: "ø) Sở Nông nghiệp ..." at the start of a line → "g)" (the
  item's unit heads the bullets under it only when its marker is one);
- a year after "năm" whose first digit OCR misread ("trong năm 7025" → "năm 2025": a 2 read as 7); only a year
  no document can mean (not 19xx/20xx) whose one-digit fix gives a 20xx year.

Every fix keeps the length of what it replaces, so offsets into the page text stay as they are; the raw text
keeps what Tesseract read (the value is marked restored).
"""
from __future__ import annotations

import re

_QUARTER = re.compile(r"(?<![\w])(?P<cue>[Qq]u[ýyÝY]|QU[ÝY])\s+(?P<n>[1Il|]{1,3}|[1Il|]?[VvY])(?![\w])")
_ROMAN = {"I", "II", "III", "IV"}
_MARKER = re.compile(r"(?m)^(?P<m>[øØ])\)\s")
_MARKER_FIX = {"ø": "g", "Ø": "g"}
_YEAR = re.compile(r"(?<![\w])(?P<cue>[Nn][ăaĂA][mM])\s+(?P<y>[0-9]{4})(?![\w/])")
_YEAR_FIRST = {"7": "2"}  # the first digit of a 20xx year as OCR misreads it (a historic 1010 is left alone)


def fix_cue_words(text: str) -> tuple[str, list[tuple[str, str]]]:
    """``text`` with misread cue words fixed (same length), and the fixes as (read, fixed) pairs."""
    out = list(text)
    fixes: list[tuple[str, str]] = []
    for m in _QUARTER.finditer(text):
        n = m.group("n")
        if n.isdigit() and 1 <= int(n) <= 4:  # "Quý 1": an arabic quarter, right as read
            continue
        roman = n.replace("1", "I").replace("l", "I").replace("|", "I").replace("v", "V").replace("Y", "V")
        if roman == n or roman not in _ROMAN:
            continue
        out[m.start("n"):m.end("n")] = roman
        fixes.append((m.group(0), m.group(0)[:m.start("n") - m.start()] + roman))
    for m in _MARKER.finditer(text):
        out[m.start("m")] = _MARKER_FIX[m.group("m")]
        fixes.append((m.group("m") + ")", _MARKER_FIX[m.group("m")] + ")"))
    for m in _YEAR.finditer(text):
        y = m.group("y")
        if y[:2] in ("19", "20") or y[0] not in _YEAR_FIRST or y[1] != "0":
            continue
        fixed = _YEAR_FIRST[y[0]] + y[1:]
        out[m.start("y"):m.end("y")] = fixed
        fixes.append((m.group(0), m.group(0)[:m.start("y") - m.start()] + fixed))
    return "".join(out), fixes
