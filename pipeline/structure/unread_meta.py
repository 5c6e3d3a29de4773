"""Number and day of issue that the header does not show in print (written by hand or stamped after signing).

The header's "Số: 4Jl2 /CAT-PC04(Đ1)" and "ngày Ảb tháng 3 năm 2026" are read by the structure stage with what OCR
could read (the printed symbol, the month and year) and a warning. This module looks for the missing part where a
careful reader would, in this order, and never invents one:

1. the same document: an annex header or a later page that names this document by its own symbol ("Kèm theo Kế
   hoạch số 996/KH-TCTLNTW-C04 ngày 12/3/2026", a second "Số: 996/KH-TCTLNTW-C04" at the start of a line);
2. the file name, for the number only: the one run of digits standing alone in it ("996KH-TCTLNTW-C04.pdf",
   "5689_BCA-C04.pdf", "cv-1413-pc04-kinh-phi.pdf"); none when it has none or several.

A value found so keeps its ``origin`` ("document" or "file_name") and a warning naming the field; the
``unreadable_*`` warning of the structure stage stays. A cited document of the same office is not this one: only an
annex header ("kèm theo") or a "Số:" at the start of a line counts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.textutil import fold, fold_keep_len, squash

# matched against folded text (same length as the original); {sym} is the printed symbol, escaped
_SELF_REF = (r"(?:kem\s+theo[^\n]{{0,60}}?\bso|(?:^|\n)[ \t*#|]*s[o6]\s*:)\s*(?P<n>[0-9]{{1,6}})\s*{sym}(?![a-z0-9])"
             r"(?:[^\n0-9]{{0,12}}?ngay\s*(?P<d>[0-9]{{1,2}})\s*(?:[/.-]|thang)\s*(?P<m>[0-9]{{1,2}})\s*(?:[/.-]|nam)\s*"
             r"(?P<y>[12][0-9]{{3}}))?")
_FILE_NUMBER = re.compile(r"(?<![0-9a-z])[0-9]{1,6}(?![0-9])")


def _sym_pattern(sym: str) -> str:
    """The symbol "/CAT-PC04(Đ1)" as a pattern on folded text that lets OCR put spaces between its pieces."""
    return r"\s*".join(re.escape(c) for c in fold(sym).replace(" ", ""))


def from_document(text: str, sym: str, after: int, number: str | None = None) -> tuple[str, int, int, str | None] | None:
    """(number, start, end, ISO date or None) of the first self-reference to the symbol ``sym`` (and ``number``
    when given) after offset ``after``, or None."""
    folded = fold_keep_len(text)
    for m in re.finditer(_SELF_REF.format(sym=_sym_pattern(sym)), folded):
        if m.start("n") < after or (number is not None and int(m.group("n")) != int(number)):
            continue
        date = None
        if m.group("y"):
            d, mo = int(m.group("d")), int(m.group("m"))
            if 1 <= d <= 31 and 1 <= mo <= 12:
                date = f"{m.group('y')}-{mo:02d}-{d:02d}"
        if number is not None and date is None:
            continue
        return m.group("n"), m.start("n"), m.end(), date
    return None


def from_file_name(path: str | None) -> str | None:
    """The number a file name carries: its one free-standing run of digits ("cv-1413-pc04-kinh-phi.pdf" → 1413),
    leading zeros dropped; None when it has none or several ("18-11-KH …"), or only a year."""
    if not path:
        return None
    stem = fold(Path(path).stem)
    runs = [r for r in _FILE_NUMBER.findall(stem) if not re.fullmatch(r"(?:19|20)[0-9]{2}", r)]
    if len(runs) != 1 or int(runs[0]) == 0:
        return None
    return str(int(runs[0]))


@dataclass(frozen=True)
class Found:
    """A value the header left unread, taken from ``origin`` ("document" or "file_name")."""

    field: str  # "number" or "issued_date"
    value: str
    start: int  # where it stands in the text (for the file name: the header's unread number)
    end: int
    origin: str
    code: str  # warning code
    message: str


def fill(text: str, st, path: str | None) -> list[Found]:
    """What the header of ``st`` (pipeline.structure.parse.Structure) left unread — the number, the day of issue —
    found elsewhere in the document or in its file name, each with the warning that says where it came from."""
    found: list[Found] = []
    number = st.number.value if st.number is not None else None
    number_end = st.number.end if st.number is not None else 0
    unread = st.number_unread
    ref = None
    if st.number is None and unread is not None:
        ref = from_document(text, unread.value, unread.end)
        if ref is not None:
            n, s, e, _date = ref
            number, number_end = n + unread.value, e
            found.append(Found("number", number, s, e, "document", "number_from_document",
                               f"the số ký hiệu's number is not legible in the header; '{number}' is how the "
                               f"document names itself later ('{squash(text[s:e])[:80]}'): check the scan"))
        else:
            n = from_file_name(path)
            if n is not None:
                number, number_end = n + unread.value, unread.end
                found.append(Found("number", number, unread.start, unread.end, "file_name", "number_from_file_name",
                                   f"the số ký hiệu's number is not legible in the header; '{n}' taken from the "
                                   f"file name '{Path(path).name}': check the scan"))
    if st.date_unread and st.issued_date is not None and number is not None and "/" in number:
        if ref is None or ref[3] is None:
            n, _, sym = number.partition("/")
            ref = from_document(text, "/" + sym, max(number_end, st.issued_date.end), number=n) if n else None
        known = st.issued_date.value if st.date_unread == "day" else st.issued_date.value[:4]
        if ref is not None and ref[3] and ref[3].startswith(known):
            _, s, e, date = ref
            found.append(Found("issued_date", date, s, e, "document", "date_from_document",
                               f"the issue date's {st.date_unread.replace('_', ' and ')} is not legible in the "
                               f"header; {date} is how the document dates itself later "
                               f"('{squash(text[s:e])[:80]}'): check the scan"))
    return found
