"""Legacy Vietnamese font encodings: TCVN3 (ABC, .VnTime fonts) and VNI Windows (VNI-Times fonts).

Before Unicode, Vietnamese documents were typed in fonts that drew Vietnamese letters at the code
points of Windows-1252 characters. Saved as plain text, such a document is either bytes that are not
UTF-8 (`detect_legacy` / `convert_legacy`) or, once some program has read it as Windows-1252 and
saved it again, Unicode text like "Céng hoµ x· héi" or "Coäng hoøa xaõ hoäi" (`detect_legacy_text` /
`convert_legacy_text`).

The tables live in data/legacy_encodings.yaml. Detection is conservative: a candidate encoding is
accepted only when the converted text is clearly Vietnamese (most words that carry a non-ASCII letter
are valid Vietnamese syllables) and the input itself is not already Vietnamese; otherwise None.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from pipeline.core.errors import DataFileError

DATA_FILE = Path(__file__).parent.parent / "data" / "legacy_encodings.yaml"
ENCODINGS = ("tcvn3", "vni")

from pipeline.lang.syllables import TONE_NAMES as _TONES
from pipeline.lang.syllables import VIETNAMESE_LETTERS, is_vietnamese_syllable
from pipeline.lang.syllables import VIETNAMESE_ONLY as _VIETNAMESE_ONLY

_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class _Score:
    marked: int      # words with a non-ASCII letter that are valid Vietnamese syllables
    bad: int         # words with a non-ASCII letter that are not
    words: int       # all words

    @property
    def ratio(self) -> float:
        return self.marked / (self.marked + self.bad) if self.marked + self.bad else 0.0


def _score(text: str, extra_bad: int = 0) -> _Score:
    marked = bad = words = 0
    for w in _WORD.findall(text):
        words += 1
        if w.isascii():
            continue
        if is_vietnamese_syllable(w):
            marked += 1
        else:
            bad += 1
    return _Score(marked, bad + extra_bad, words)


# ---------------------------------------------------------------------------------------------
# Tables

@dataclass(frozen=True)
class Tables:
    tcvn3: dict[str, str]              # code-point character -> Vietnamese letter / combining mark
    tcvn3_ambiguous: frozenset[str]    # code points that are lowercase in .VnTime, uppercase in .VnTimeH
    vni_letters: dict[str, str]        # single code point -> letter
    vni_sequences: dict[str, str]      # base + mark (two code points) -> letter
    vni_marks: frozenset[str]          # code points that only occur as the second half of a sequence


class _UniqueKeyLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False):
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise DataFileError(f"language data {DATA_FILE.name}: duplicate key {key!r} "
                                f"(line {key_node.start_mark.line + 1})", "fix the data file")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

_C1_CP1252 = {b: bytes([b]).decode("cp1252") for b in range(0x80, 0xA0)
              if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
# U+0080..U+009F (bytes read as Latin-1) -> the Windows-1252 punctuation the legacy fonts kept there.
_C1_TO_CP1252 = str.maketrans({chr(b): c for b, c in _C1_CP1252.items()})


def _fail(where: str, msg: str) -> DataFileError:
    return DataFileError(f"language data {DATA_FILE.name} is malformed at {where}: {msg}",
                         "fix the data file")


def _code_point(key: object, where: str) -> str:
    """A hex byte key ("B5") -> the character that byte stands for in Windows-1252/Latin-1 text."""
    if not isinstance(key, str) or not re.fullmatch(r"[0-9A-F]{2}", key):
        raise _fail(where, f"key {key!r} is not a byte in hex like \"B5\"")
    b = int(key, 16)
    if 0x80 <= b < 0xA0:
        raise _fail(where, f"byte {key} is in 0x80-0x9F, which keeps its Windows-1252 meaning")
    return chr(b)


def _letter(value: object, where: str, combining: bool = False) -> str:
    if not isinstance(value, str) or len(value) != 1 or not unicodedata.is_normalized("NFC", value):
        raise _fail(where, f"value {value!r} is not a single NFC character")
    if combining:
        if value not in _TONES:
            raise _fail(where, f"value {value!r} is not a Vietnamese combining tone mark")
    elif value not in VIETNAMESE_LETTERS:
        raise _fail(where, f"value {value!r} is not a Vietnamese letter")
    return value


def _section(raw: object, where: str) -> dict:
    if not isinstance(raw, dict) or not raw:
        raise _fail(where, "expected a non-empty mapping")
    return raw


def build_tables(raw: object) -> Tables:
    """Validate the parsed YAML document and build the lookup tables (raises DataFileError)."""
    root = _section(raw, "top level")
    for name in ENCODINGS:
        if name not in root:
            raise _fail("top level", f"missing section {name!r}")
    tc = _section(root["tcvn3"], "tcvn3")
    tcvn3: dict[str, str] = {}
    ambiguous: set[str] = set()
    for part in ("lower", "upper", "upper_vn1", "combining"):
        where = f"tcvn3.{part}"
        for key, value in _section(tc.get(part), where).items():
            cp = _code_point(key, f"{where}.{key}")
            ch = _letter(value, f"{where}.{key}", combining=part == "combining")
            if cp in tcvn3:
                raise _fail(f"{where}.{key}", "byte listed twice")
            if part == "lower" and ch != ch.lower():
                raise _fail(f"{where}.{key}", f"{ch!r} is not lowercase")
            if part.startswith("upper") and ch != ch.upper():
                raise _fail(f"{where}.{key}", f"{ch!r} is not uppercase")
            if ch in tcvn3.values():
                raise _fail(f"{where}.{key}", f"{ch!r} is already mapped from another byte")
            tcvn3[cp] = ch
            if part == "lower":
                ambiguous.add(cp)
    lower = {c for c in tcvn3.values() if c.islower()}
    missing = sorted(c for c in VIETNAMESE_LETTERS if c.islower() and c not in lower)
    if missing:
        raise _fail("tcvn3.lower", f"no byte for {''.join(missing)}")

    vn = _section(root["vni"], "vni")
    letters: dict[str, str] = {}
    for key, value in _section(vn.get("letters"), "vni.letters").items():
        cp = _code_point(key, f"vni.letters.{key}")
        letters[cp] = _letter(value, f"vni.letters.{key}")
    sequences: dict[str, str] = {}
    for key, value in _section(vn.get("sequences"), "vni.sequences").items():
        where = f"vni.sequences.{key}"
        parts = key.split(" ") if isinstance(key, str) else []
        if len(parts) != 2:
            raise _fail(where, "key must be two hex bytes: base letter and mark, like \"61 F8\"")
        base_cp = chr(int(parts[0], 16)) if re.fullmatch(r"[0-9A-F]{2}", parts[0]) else None
        if base_cp is None or not (base_cp.isascii() and base_cp.isalpha() or base_cp in letters):
            raise _fail(where, f"{parts[0]} is not an ASCII letter or a vni.letters byte")
        mark = _code_point(parts[1], where)
        ch = _letter(value, where)
        base = letters.get(base_cp, base_cp)
        # the composed letter must be the base letter with marks added
        if unicodedata.normalize("NFD", ch)[0] != unicodedata.normalize("NFD", base)[0] or \
                (ch.isupper() != base.isupper()):
            raise _fail(where, f"{ch!r} is not {base!r} with a mark")
        sequences[base_cp + mark] = ch
    produced = list(letters.values()) + list(sequences.values())
    dupes = sorted({c for c in produced if produced.count(c) > 1})
    if dupes:
        raise _fail("vni", f"letters with more than one encoding: {''.join(dupes)}")
    missing = sorted(VIETNAMESE_LETTERS - set(produced))
    if missing:
        raise _fail("vni", f"no encoding for {''.join(missing)}")
    marks = {s[1] for s in sequences}
    if marks & set(letters):
        raise _fail("vni", "a mark byte is also a letter byte")
    # A mark typed after a base letter of the other case: the result takes the base letter's case.
    for seq, ch in list(sequences.items()):
        other_mark = seq[1].swapcase()
        if other_mark != seq[1] and other_mark in marks and seq[0] + other_mark not in sequences:
            sequences[seq[0] + other_mark] = ch
    return Tables(tcvn3, frozenset(ambiguous), letters, sequences, frozenset(marks))


@lru_cache(maxsize=1)
def tables() -> Tables:
    try:
        raw = yaml.load(DATA_FILE.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except (OSError, yaml.YAMLError) as e:
        raise DataFileError(f"language data {DATA_FILE.name} cannot be read: {e}".split("\n")[0],
                            "reinstall chithi or fix the file") from None
    return build_tables(raw)


# ---------------------------------------------------------------------------------------------
# Conversion

def _bytes_to_text(data: bytes) -> str:
    return data.decode("latin-1").translate(_C1_TO_CP1252)


def _convert_vni(text: str) -> tuple[str, int]:
    """Returns (converted text, number of mark characters that follow no base letter)."""
    t = tables()
    seqs, letters, marks = t.vni_sequences, t.vni_letters, t.vni_marks
    out: list[str] = []
    orphans = 0
    i, n = 0, len(text)
    while i < n:
        pair = text[i:i + 2]
        if pair in seqs:
            out.append(seqs[pair])
            i += 2
            continue
        c = text[i]
        if c in letters:
            out.append(letters[c])
        else:
            if c in marks:
                orphans += 1
            out.append(c)
        i += 1
    return unicodedata.normalize("NFC", "".join(out)), orphans


_SENTENCE_END = re.compile(r"[.!?:;]\s*$")
_LINE_LEAD = re.compile(r"[\s\"'“‘(\[*#>•·\-–—]*(?:(?:\d+|[a-zA-Z]|[IVXLC]+)[.)]\s+)?[\s\"'“‘(\[*]*")
_AFTER_SENTENCE = re.compile(r"(?<!\.)[.!?][\"'”’)*]*\s+[\"'“‘(*]*$")   # not after "..."


@lru_cache(maxsize=1)
def _tcvn3_translation() -> dict[int, str]:
    return str.maketrans(tables().tcvn3)


def _cased(c: str) -> bool:
    return c.lower() != c.upper()


def _convert_tcvn3(text: str) -> tuple[str, int]:
    t = tables()
    table, ambiguous, trans = t.tcvn3, t.tcvn3_ambiguous, _tcvn3_translation()
    out_lines: list[str] = []
    prev_ends_sentence = True              # start of text, or the previous line ended a sentence
    for line in text.split("\n"):
        converted = line.translate(trans)
        if any(c in ambiguous for c in line):
            converted = _restore_case(line, converted, table, ambiguous, prev_ends_sentence)
        out_lines.append(converted)
        stripped = converted.strip()
        prev_ends_sentence = (not stripped or bool(_SENTENCE_END.search(stripped)) or stripped.isupper()
                              or stripped.startswith("#"))
    return unicodedata.normalize("NFC", "\n".join(out_lines)), 0


def _restore_case(line: str, converted: str, table: dict[str, str], ambiguous: frozenset[str],
                  prev_ends_sentence: bool) -> str:
    """Uppercase the letters from lowercase TCVN3 codes that were typed in a .VnTimeH capital font:
    inside words in capitals, in lines in capitals, and at the start of a sentence."""
    if len(converted) != len(line):      # cannot happen with one-character table values
        return converted
    chars = list(converted)
    amb = [c in ambiguous for c in line]
    words = list(_WORD.finditer(converted))
    # Line typed in capitals: every letter with a definite case (not from an ambiguous code) is
    # upper, and the words with TCVN3 letters hold at least two of them ("BỘ Y TẾ", "ỦY BAN NHÂN
    # DÂN" yes; "Số: 01/CT-UBND" no: the capitals there are an abbreviation).
    line_caps = all(c.isupper() for c, a in zip(chars, amb) if not a and _cased(c))
    if line_caps:
        in_tcvn3_words = 0
        for m in words:
            s, e = m.span()
            if any(c in table for c in line[s:e]):
                in_tcvn3_words += sum(1 for k in range(s, e) if not amb[k] and _cased(chars[k]))
        line_caps = in_tcvn3_words >= 2
    for m in words:
        s, e = m.span()
        if not any(amb[s:e]):
            continue
        others = [chars[k] for k in range(s, e) if not amb[k] and _cased(chars[k])]
        if others and all(c.isupper() for c in others) and (len(others) >= 2 or line_caps) \
                or not others and line_caps:
            for k in range(s, e):
                if amb[k]:
                    chars[k] = chars[k].upper()
        elif amb[s] and all(c.islower() for c in others) and _sentence_start(converted, s, prev_ends_sentence):
            chars[s] = chars[s].upper()
    return "".join(chars)


def _sentence_start(line: str, s: int, prev_ends_sentence: bool) -> bool:
    if _LINE_LEAD.match(line, 0, s).end() == s:      # only list markers, quotes, spaces before
        return prev_ends_sentence
    return bool(_AFTER_SENTENCE.search(line, max(0, s - 12), s))


def convert_legacy_text(text: str, encoding: str) -> str:
    """Convert text holding a legacy font's code points (as Windows-1252/Latin-1 characters) to NFC
    Unicode Vietnamese. `encoding` is "tcvn3" or "vni"."""
    text = text.translate(_C1_TO_CP1252)
    if encoding == "tcvn3":
        return _convert_tcvn3(text)[0]
    if encoding == "vni":
        return _convert_vni(text)[0]
    raise ValueError(f"unknown legacy encoding {encoding!r} (expected one of {', '.join(ENCODINGS)})")


def convert_legacy(data: bytes, encoding: str) -> str:
    """Decode bytes written in a legacy Vietnamese font encoding to NFC Unicode."""
    return convert_legacy_text(_bytes_to_text(data), encoding)


# ---------------------------------------------------------------------------------------------
# Detection

SAMPLE_CHARS = 200_000
MIN_MARKED = 3          # at least this many Vietnamese words with diacritics after conversion
MIN_RATIO = 0.9         # of the words with non-ASCII letters, this share must be valid syllables
MIN_SHARE = 0.15        # and they must be at least this share of all words


def _candidate_score(text: str, encoding: str) -> _Score:
    converted, orphans = _convert_vni(text) if encoding == "vni" else _convert_tcvn3(text)
    return _score(converted, extra_bad=orphans)


def detect_legacy_text(text: str) -> str | None:
    """"tcvn3" or "vni" if `text` is clearly Vietnamese typed in that legacy font and saved as the
    font's code points; None when it is not or when unsure."""
    sample = text[:SAMPLE_CHARS].translate(_C1_TO_CP1252)
    high = sum(1 for c in sample if "\u00a0" <= c <= "\u00ff")
    if high < MIN_MARKED:
        return None
    # Proper Unicode Vietnamese (ă đ ơ ư ạ ... ỹ, or combining marks) means this is not legacy text.
    modern = sum(1 for c in sample if c in _VIETNAMESE_ONLY or "\u0300" <= c <= "\u036f")
    if modern > max(2, high // 50):
        return None
    controls = sum(1 for c in sample if c < " " and c not in "\t\n\r\f")
    if controls > len(sample) // 100:
        return None
    original = _score(sample)
    best: tuple[int, str] | None = None
    tie = False
    for enc in ENCODINGS:
        sc = _candidate_score(sample, enc)
        if sc.marked < MIN_MARKED or sc.ratio < MIN_RATIO or sc.marked < MIN_SHARE * sc.words:
            continue
        # The input must not already read as Vietnamese (e.g. "Tôi là ông già" is valid Latin-1).
        if original.ratio >= MIN_RATIO and original.marked * 2 >= sc.marked:
            continue
        key = sc.marked - 3 * sc.bad
        if best is None or key > best[0]:
            best, tie = (key, enc), False
        elif key == best[0]:
            tie = True
    if best is None or tie:
        return None
    return best[1]


def detect_legacy(data: bytes) -> str | None:
    """"tcvn3" or "vni" if the bytes are Vietnamese text in that legacy font encoding, else None.
    Bytes that are valid UTF-8 with non-ASCII characters are not legacy bytes (see detect_legacy_text)."""
    sample = data[: SAMPLE_CHARS]
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    return detect_legacy_text(_bytes_to_text(sample))
