"""Decoding of text files: UTF-8/UTF-16, other encodings via charset-normalizer, and legacy Vietnamese
font encodings (TCVN3/ABC, VNI) recognised and converted using the tables in data/legacy_encodings.yaml."""
from __future__ import annotations

from pipeline.errors import BadInputError


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
    if _looks_binary(data):
        raise BadInputError(f"{path}: binary data, not text", "is the file extension right?")
    from pipeline.legacy_tables import convert_legacy, convert_legacy_text, detect_legacy, detect_legacy_text

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
    return str(best), best.encoding
