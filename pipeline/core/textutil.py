"""Small text helpers shared by stages, search and evaluation. Folding is for matching only: never store it."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_PUNCT = re.compile(r"[^\w\s]", re.U)


@lru_cache(maxsize=65536)
def fold(s: str) -> str:
    """Lowercase, strip diacritics, đ→d: 'Ủy ban nhân dân' → 'uy ban nhan dan'."""
    s = s.replace("đ", "d").replace("Đ", "D")
    s = "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")
    return s.lower()


def _fold_table() -> dict[int, str]:
    table = {}
    for cp in [*range(0x41, 0x5B), *range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        f = fold(chr(cp))
        if f and f != chr(cp):
            table[cp] = f[0]
    return table


_FOLD_TABLE = _fold_table()


def fold_keep_len(s: str) -> str:
    """Like :func:`fold` but one output char per input char, so offsets into it index the original."""
    return s.translate(_FOLD_TABLE)


def fold_words(s: str) -> list[str]:
    """Folded words without punctuation, for token comparisons."""
    return _PUNCT.sub(" ", fold(s)).split()


def squash(s: str) -> str:
    return " ".join(s.split())


def token_set_ratio(a: str, b: str) -> float:
    """Token-set similarity in [0, 1] (as in fuzzywuzzy's token_set_ratio), on folded words."""
    from difflib import SequenceMatcher

    ta, tb = set(fold_words(a)), set(fold_words(b))
    if not ta or not tb:
        return 0.0
    inter = " ".join(sorted(ta & tb))
    da = " ".join(sorted(ta - tb))
    db = " ".join(sorted(tb - ta))
    s1 = (inter + " " + da).strip()
    s2 = (inter + " " + db).strip()
    r = lambda x, y: SequenceMatcher(None, x, y).ratio()  # noqa: E731
    return max(r(inter, s1) if inter else 0.0, r(inter, s2) if inter else 0.0, r(s1, s2))


# -- control characters ------------------------------------------------------------------------------------
# C0 controls other than tab, line feed, carriage return and form feed (the page separator); DEL; C1 controls;
# bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069). No document needs them and
# on a terminal they move the cursor, ring, recolour or reorder what is shown.

CONTROLS = "".join(chr(c) for c in [*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), *range(0x7F, 0xA0),
                                    *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
DROP_CONTROLS = dict.fromkeys(map(ord, CONTROLS), None)
_CONTROL = re.compile(f"[{re.escape(CONTROLS)}\r]")


def strip_controls(s: str) -> str:
    return s.translate(DROP_CONTROLS)


def _escape(m: re.Match) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def term_safe(s: str) -> str:
    """``s`` fit for a terminal: control characters (and carriage returns) shown as ``\\x1b`` / ``\\u202e``."""
    return _CONTROL.sub(_escape, s)


def json_safe(s: str) -> str:
    """A JSON text with the control characters JSON leaves raw (DEL, C1, bidi controls) as ``\\uXXXX``
    escapes: still the same JSON value, and safe on a terminal."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", s)


def day_date(s: str) -> str | None:
    """'2025-06-30', '30/6/2025', '30-6-2025', '30.6.2025' → '2025-06-30'; None when it is not such a date."""
    from datetime import datetime

    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(s.strip(), fmt).date().isoformat()
        except ValueError:
            pass
    return None


def distance(a: str, b: str, bound: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``bound + 1`` once it exceeds ``bound``."""
    if abs(len(a) - len(b)) > bound:
        return bound + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > bound:
            return bound + 1
        prev = cur
    return prev[-1]


def doc_type_code(s: str) -> str:
    """'Chỉ thị', 'chi thi', 'chi_thi' -> 'chi_thi' (a document type's code)."""
    return "_".join(re.findall(r"\w+", fold(s).replace("_", " ")))


def cut(s: str | None, n: int) -> str:
    """``s`` on one line, cut to ``n`` characters with an ellipsis."""
    s = " ".join((s or "").split())
    return s if len(s) <= n else s[: n - 1] + "…"
