"""Numbers and calendar helpers shared by the components."""
from __future__ import annotations

import calendar
import re

NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
_NUMBER = re.compile(rf"(?<![\w/.,\-])(?P<a>{NUM})(?:\s*(?P<aunit>%|‰))?(?:\s*[-–÷]\s*(?P<b>{NUM})(?![/\d]))?"
                     rf"(?:\s?/\s?(?P<den>\d+)(?![/\d]))?")  # "03/ 124": OCR puts a space by the slash
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def parse_number(s: str) -> float:
    """'43.000' → 43000, '9,5' → 9.5, '0,36' → 0.36."""
    s = s.strip()
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", s):
        s = s.replace(".", "")
    return float(s.replace(",", "."))


def _last_day(y: int, m: int) -> str:
    return f"{y:04d}-{m:02d}-{calendar.monthrange(y, m)[1]:02d}"


def _valid_day(y: int, m: int, d: int) -> bool:
    return 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1]
