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
