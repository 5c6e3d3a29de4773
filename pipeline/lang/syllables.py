"""Vietnamese syllables: the one grammar of initials, vowel nuclei and finals that every stage checks words with.

- :func:`is_vietnamese_syllable`: a well-formed syllable, tone included (at most one tone, and only sắc or nặng
  before a stop final c, ch, p, t) — legacy-encoding detection decides with it;
- :func:`syllable_shape`: the same shape with the tone marks dropped, for text whose marks may be lost or wrong
  (a PDF text layer, an OCR'd unit name).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


TONE_NAMES = {"\u0300": "grave", "\u0301": "acute", "\u0303": "tilde", "\u0309": "hook", "\u0323": "dot"}
_VOWELS = "aăâeêioôơuưy"


def _all_letters() -> frozenset[str]:
    """The 134 non-ASCII Vietnamese letters (lower and upper case)."""
    out = {"đ", "Đ"}
    for v in _VOWELS:
        for t in ("", *TONE_NAMES):
            ch = unicodedata.normalize("NFC", v + t)
            if not ch.isascii():
                out.update((ch, ch.upper()))
    return frozenset(out)


VIETNAMESE_LETTERS = _all_letters()
# Letters that only Vietnamese (among Latin-script languages) uses; their presence means the text is
# already proper Unicode Vietnamese, not legacy code points.
VIETNAMESE_ONLY = frozenset(c for c in VIETNAMESE_LETTERS if ord(c) > 0xFF)

_INITIALS = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
             "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")
# Vowel nuclei that may be followed by a consonant final, and whether they also stand alone.
_NUCLEI_FINAL = {"a": True, "ă": False, "â": False, "e": True, "ê": True, "i": True, "o": True,
                 "ô": True, "ơ": True, "u": True, "ư": True, "y": True, "iê": False, "yê": False,
                 "uô": False, "ươ": False, "oa": True, "oă": False, "oe": True, "uâ": False,
                 "uê": True, "uy": True, "uyê": False, "oo": False, "uơ": True}
_NUCLEI_OPEN = frozenset({"ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi",
                          "ơi", "ua", "ui", "ưa", "ưi", "ưu", "oai", "oao", "oay", "oeo", "iêu",
                          "yêu", "uôi", "ươi", "ươu", "uây", "uya", "uyu", "uai", "uay", "uao"})
_FINALS = ("ng", "nh", "ch", "c", "m", "n", "p", "t")
_STOP_FINALS = ("c", "ch", "p", "t")


@lru_cache(maxsize=65536)
def is_vietnamese_syllable(word: str) -> bool:
    """True if `word` (any case, NFC) is a well-formed Vietnamese syllable: initial consonant,
    vowel nucleus, optional final, at most one tone (and only sắc/nặng before c, ch, p, t)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = [c for c in decomposed if c in TONE_NAMES]
    if len(tones) > 1:
        return False
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_NAMES))
    if not base or any(c not in "abcdeghiklmnopqrstuvxyđăâêôơư" for c in base):
        return False
    tone = TONE_NAMES[tones[0]] if tones else None
    for ini in _INITIALS:
        if not base.startswith(ini):
            continue
        rest = base[len(ini):]
        if ini == "gi" and not rest:
            rest = "i"                       # "gì", "gỉ"
        if rest in _NUCLEI_OPEN or _NUCLEI_FINAL.get(rest):
            return True
        for fin in _FINALS:
            if rest.endswith(fin) and rest[: -len(fin)] in _NUCLEI_FINAL:
                if fin in _STOP_FINALS and tone not in ("acute", "dot"):
                    continue
                return True
    return False


_TONE_MARKS = dict.fromkeys(map(ord, "\u0300\u0301\u0303\u0309\u0323"), None)
_SYLLABLE = re.compile(
    r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?"
    r"(oai|oay|oao|oeo|uây|uôi|ươi|ươu|uya|uyê|uyu|yêu|iêu|ưu|ươ|ưa|ưi|iê|ia|iu|yê|uô|ua|ui|uơ|uy|uê|ue|uâ|uă|ôi|ơi|"
    r"oi|oa|oă|oe|oo|ao|au|ay|âu|ây|eo|êu|ai|[aăâeêioôơuưy])"
    r"(ch|ng|nh|[cmnpt])?$"
)


def syllable_shape(token: str) -> bool:
    """Shaped like a Vietnamese syllable once its tone marks are dropped (initial, nucleus, final): the loose test
    of a text layer or an OCR'd word, which may have lost or garbled its marks."""
    base = unicodedata.normalize("NFC", unicodedata.normalize("NFD", token.lower()).translate(_TONE_MARKS))
    return bool(_SYLLABLE.match(base))
