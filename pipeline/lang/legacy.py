"""Decoding of text files: UTF-8/UTF-16, other encodings via charset-normalizer, and legacy Vietnamese
font encodings (TCVN3/ABC, VNI) recognised and converted using the tables in data/legacy_encodings.yaml."""
from __future__ import annotations

from pipeline.core.errors import BadInputError


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample and not (sample.startswith(b"\xff\xfe") or sample.startswith(b"\xfe\xff")):
        return True
    ctrl = sum(1 for b in sample if b < 9 or 13 < b < 32 and b != 27)
    return ctrl > len(sample) * 0.05


def decode_text(data: bytes, path: str) -> tuple[str, str]:
    """Return (text, encoding name). Raises BadInputError for binary or undecodable input."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise BadInputError(f"{path}: invalid UTF-16 text", "re-save the file as UTF-8") from None
    utf16 = _utf16_without_bom(data)
    if utf16:
        return data.decode(utf16), utf16
    if _looks_binary(data):
        raise BadInputError(f"{path}: binary data, not text", "is the file extension right?")
    from pipeline.lang.legacy_tables import convert_legacy, convert_legacy_text, detect_legacy, detect_legacy_text

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:  # valid UTF-8, but maybe a legacy font's code points saved as Unicode ("Céng hoµ x· héi")
        legacy = detect_legacy_text(text)
        return (convert_legacy_text(text, legacy), f"utf-8+{legacy}") if legacy else (text, "utf-8")

    legacy = detect_legacy(data)
    if legacy:
        return convert_legacy(data, legacy), legacy
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise BadInputError(f"{path}: cannot tell the text encoding", "re-save the file as UTF-8")
    if best.encoding not in KEEP_GUESS and _western(data):
        return data.decode("cp1252"), "cp1252"
    return str(best), best.encoding


#: single-byte Western encodings: their text is not Vietnamese, so diacritic restoration leaves it alone
WESTERN = {"cp1252", "latin_1", "iso8859_1", "iso8859_15"}
#: charset-normalizer's guesses trusted over :func:`_western` (Vietnamese Windows-1258 and Western ones)
KEEP_GUESS = {"cp1258", *WESTERN}


def restorable(encoding: str | None) -> bool:
    """Whether text read in ``encoding`` may be Vietnamese without its diacritics (so restoration may run)."""
    return (encoding or "").lower().replace("-", "_") not in WESTERN


def _western(data: bytes) -> bool:
    """Mostly ASCII letters with a few accented ones, all valid cp1252: Western European text (French, German,
    Spanish...), which charset-normalizer often takes for Baltic or Central European code pages."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    letters = sum(c.isalpha() for c in text)
    high = sum(ord(c) > 0x7F for c in text)
    return letters > 0 and high <= 0.5 * letters


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' for UTF-16 text without a byte order mark: NUL bytes in one byte position of
    (nearly) every ASCII character and none in the other; else None."""
    sample = data[:8192]
    sample = sample[: len(sample) & ~1]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    n = len(even)
    nul_even, nul_odd = even.count(0), odd.count(0)
    for enc, nul_hi, nul_lo in (("utf-16-le", nul_odd, nul_even), ("utf-16-be", nul_even, nul_odd)):
        if nul_hi >= 0.3 * n and nul_lo <= 0.01 * n:
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            ctrl = sum(1 for c in text[:4096] if ord(c) < 32 and c not in "\t\n\r\f")
            if ctrl <= 0.01 * min(len(text), 4096):
                return enc
    return None
