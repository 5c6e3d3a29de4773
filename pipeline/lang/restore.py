"""Detect and restore Vietnamese text that lost its diacritics or was OCR'd without Vietnamese data.

Two kinds of damaged text reach chithi:

* typed without diacritics ("Ke hoach phat trien kinh te - xa hoi");
* OCR'd with Tesseract ``-l eng`` ("thuc hién thang lgi nhi€ém vu", "ctia", "s6", "Pang", "5,8%0").

`restore_text` finds the paragraphs (blocks separated by blank lines) that look damaged and decodes them with
a noisy-channel model:

* **channel**: each token is expanded through the OCR confusion map in ``pipeline/data/ocr_confusions.yaml``
  ("6" → ô, "€" → ê, "w" → ư, "ir" → ư, "P" → Đ ...) into readings; every Vietnamese syllable whose skeleton
  (lowercase, no diacritics, đ→d) equals a reading's skeleton is a candidate, costed by the confusions used and
  by how its diacritics compare with those printed (a lost tone is cheap, a contradicted one dear);
* **language model**: a syllable trigram model with stupid backoff, trained by ``scripts/train_lm.py`` and
  shipped as ``pipeline/models/syllable_lm.bin.gz``;
* **search**: a beam search over the paragraph with trigram state recombination (a Viterbi beam).

Case, whitespace, line breaks, form feeds and punctuation are kept; numbers and codes are left alone except for
the paragraph patterns of the data file ("5,8%0" → "5,8‰").  `RestoreResult.offsets` maps every character of
the restored text back to the original, so provenance stays exact.
"""
from __future__ import annotations

import gzip
import json
import re
import struct
import unicodedata
from array import array
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

import yaml

__all__ = ["AccentFix", "Detection", "RestoreResult", "correct_accents", "detect", "restore_text", "split_glued", "skeleton", "tokenize", "lm_units",
           "load_model", "load_confusions", "ConfusionDataError", "ModelFileError"]

_PKG = Path(__file__).resolve().parent.parent
CONFUSIONS_PATH = _PKG / "data" / "ocr_confusions.yaml"
MODEL_PATH = _PKG / "models" / "syllable_lm.bin.gz"
MODEL_MAGIC = b"CHITHI-SYLLM-1\n"

BOS, UNK, NUM = 0, 1, 2            # reserved ids of the language model
SPECIALS = ("<s>", "<unk>", "<num>")

# ----------------------------------------------------------------------------------------------------------
# letters

_TONES = {"\u0300": "grave", "\u0301": "acute", "\u0309": "hook", "\u0303": "tilde", "\u0323": "dot"}
_SHAPES = {"\u0302": "circ", "\u0306": "breve", "\u031b": "horn"}
_VOWELS = "aeiouy"


def _build_letters() -> dict[str, tuple[str, str | None, str | None]]:
    """Every Vietnamese letter (lowercase) → (base, shape mark, tone)."""
    table: dict[str, tuple[str, str | None, str | None]] = {}
    for base in "abcdefghijklmnopqrstuvwxyz":
        table[base] = (base, None, None)
    shapes = {"a": [None, "\u0302", "\u0306"], "e": [None, "\u0302"], "o": [None, "\u0302", "\u031b"],
              "u": [None, "\u031b"], "i": [None], "y": [None]}
    for base, marks in shapes.items():
        for shape in marks:
            for tone in [None, *_TONES]:
                ch = unicodedata.normalize("NFC", base + (shape or "") + (tone or ""))
                if len(ch) == 1:
                    table[ch] = (base, _SHAPES.get(shape) if shape else None, _TONES.get(tone) if tone else None)
    table["đ"] = ("d", "stroke", None)
    return table


LETTERS = _build_letters()
VIET_LETTERS = frozenset(LETTERS) | frozenset(c.upper() for c in LETTERS)
_NON_ASCII_VIET = frozenset(c for c in VIET_LETTERS if ord(c) > 127)
_SKELETON_TABLE = {ord(c): info[0] for c, info in LETTERS.items() if c != info[0]}
_SKELETON_TABLE.update({ord(c.upper()): info[0] for c, info in LETTERS.items() if c != info[0]})


def skeleton(word: str) -> str:
    """Lowercase, diacritics removed, đ→d: the key shared by "đường", "duong", "dương"."""
    return word.lower().translate(_SKELETON_TABLE)


# ----------------------------------------------------------------------------------------------------------
# tokens

_GARBLE_DEFAULT = "€¢§ﬁﬂ©®™¥£"
_WORD_CHARS = r"(?:[^\W_]|[€¢§ﬁﬂ]|(?<=[^\W\d_])['’](?=[^\W_])|(?<=[^\W\d_])&)"
TOKEN_RE = re.compile(r"\d+(?:[.,/:\-]\d+)+(?![^\W_])|" + _WORD_CHARS + "+")
_BOUNDARY_RE = re.compile(r"[.;:!?()\[\]“”\"…]|\n[ \t\f\r]*\n|\f")
_HAS_LETTER_RE = re.compile(r"[^\W\d_]")
_URL_RE = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PARA_SEP_RE = re.compile(r"\n[ \t\r\f]*\n[\s]*")


def tokenize(text: str) -> list[tuple[int, int, str]]:
    """Word, number and code tokens as (start, end, text); whitespace and punctuation are gaps."""
    return [(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(text)]


def lm_units(text: str) -> list[list[str]]:
    """The language model's view of a text: segments (split at sentence punctuation and blank lines) of
    lowercased syllables, with "<num>" for numbers.  Used by training and by the decoder alike."""
    segments: list[list[str]] = []
    current: list[str] = []
    last = 0
    for m in TOKEN_RE.finditer(text):
        if current and _BOUNDARY_RE.search(text, last, m.start()):
            segments.append(current)
            current = []
        tok = m.group()
        if not _HAS_LETTER_RE.search(tok):
            current.append("<num>")
        else:
            current.append(tok.lower())
        last = m.end()
    if current:
        segments.append(current)
    return segments


# ----------------------------------------------------------------------------------------------------------
# data file

class ConfusionDataError(ValueError):
    """pipeline/data/ocr_confusions.yaml is malformed."""


class ModelFileError(RuntimeError):
    """The shipped language model file is missing or corrupt."""


@dataclass(frozen=True)
class Confusions:
    rules: dict[str, tuple[tuple[str, float], ...]]        # lowercase garbled substring → readings
    cased_rules: dict[str, tuple[tuple[str, float], ...]]  # as printed
    rule_lengths: tuple[int, ...]
    cased_lengths: tuple[int, ...]
    costs: dict[str, float]
    garble_chars: frozenset[str]
    patterns: tuple[tuple[re.Pattern, str], ...]


_REQUIRED_COSTS = ("digits_as_word", "stripped_tone_drop", "stripped_shape_drop", "ocr_tone_drop", "ocr_shape_drop", "ocr_d_for_dd",
                   "tone_mismatch", "shape_spurious", "tone_spurious", "foreign_letter", "keep_unknown",
                   "keep_garbled", "keep_mixed", "max_rule_cost", "max_rules", "accent_fix", "accent_fix_attested",
                   "accent_fix_name")


def _parse_confusions(raw: object, where: str) -> Confusions:
    def fail(msg: str) -> ConfusionDataError:
        return ConfusionDataError(f"{where}: {msg}")

    if not isinstance(raw, dict):
        raise fail("the top level must be a mapping")
    costs = raw.get("costs")
    if not isinstance(costs, dict):
        raise fail("'costs' must be a mapping of names to numbers")
    for k, v in costs.items():
        if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
            raise fail(f"cost {k!r} must be a non-negative number, not {v!r}")
    missing = [k for k in _REQUIRED_COSTS if k not in costs]
    if missing:
        raise fail(f"'costs' lacks {', '.join(missing)}")

    def rules_of(section: str, lower: bool) -> dict[str, tuple[tuple[str, float], ...]]:
        table = raw.get(section, {})
        if not isinstance(table, dict):
            raise fail(f"'{section}' must be a mapping of garbled text to [[reading, cost], ...]")
        out: dict[str, tuple[tuple[str, float], ...]] = {}
        for key, readings in table.items():
            if not isinstance(key, str) or not key:
                raise fail(f"'{section}': key {key!r} must be a non-empty string")
            if lower and key != key.lower():
                raise fail(f"'{section}': key {key!r} must be lowercase (put cased keys in 'confusions_cased')")
            if not isinstance(readings, list) or not readings:
                raise fail(f"'{section}'[{key!r}] must be a non-empty list of [reading, cost]")
            parsed = []
            for item in readings:
                if (not isinstance(item, list) or len(item) != 2 or not isinstance(item[0], str)
                        or not isinstance(item[1], (int, float)) or isinstance(item[1], bool) or item[1] < 0):
                    raise fail(f"'{section}'[{key!r}]: {item!r} is not [reading, non-negative cost]")
                reading = unicodedata.normalize("NFC", item[0]).lower()
                bad = [c for c in reading if c not in LETTERS]
                if bad:
                    raise fail(f"'{section}'[{key!r}]: reading {item[0]!r} has non-Vietnamese letters {bad}")
                parsed.append((reading, float(item[1])))
            out[unicodedata.normalize("NFC", key)] = tuple(parsed)
        return out

    rules = rules_of("confusions", True)
    cased = rules_of("confusions_cased", False)
    garble = raw.get("garble_chars", _GARBLE_DEFAULT)
    if not isinstance(garble, str) or not garble:
        raise fail("'garble_chars' must be a non-empty string")
    pats = []
    for i, p in enumerate(raw.get("patterns", []) or []):
        if not isinstance(p, dict) or not isinstance(p.get("find"), str) or not isinstance(p.get("replace"), str):
            raise fail(f"patterns[{i}] must be {{find: regex, replace: text}}")
        try:
            pats.append((re.compile(p["find"]), p["replace"]))
        except re.error as exc:
            raise fail(f"patterns[{i}]: bad regular expression: {exc}") from None
    return Confusions(
        rules=rules, cased_rules=cased,
        rule_lengths=tuple(sorted({len(k) for k in rules})),
        cased_lengths=tuple(sorted({len(k) for k in cased})),
        costs={k: float(v) for k, v in costs.items()},
        garble_chars=frozenset(garble), patterns=tuple(pats))


@lru_cache(maxsize=4)
def load_confusions(path: str | None = None) -> Confusions:
    """Load and validate the OCR confusion map (cached per process)."""
    p = Path(path) if path else CONFUSIONS_PATH
    try:
        raw = yaml.load(p.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except FileNotFoundError:
        raise ConfusionDataError(f"{p}: missing (it ships with the package)") from None
    except yaml.YAMLError as exc:
        raise ConfusionDataError(f"{p}: not valid YAML: {exc}") from None
    return _parse_confusions(raw, str(p))


# ----------------------------------------------------------------------------------------------------------
# language model

@dataclass(frozen=True)
class SyllableLM:
    vocab: tuple[str, ...]
    ids: dict[str, int]
    counts: tuple[int, ...]
    uni: tuple[float, ...]            # log P(w)
    bi: dict[int, float]              # key a*V+b → log P(b|a)
    tri: dict[int, float]             # key (a*V+b)*V+c → log P(c|a b)
    backoff: float                    # log of the stupid-backoff factor
    skel_index: dict[str, tuple[int, ...]]   # skeleton → syllable ids, most frequent first
    skel_prefixes: frozenset[str]
    accented_share: dict[str, float]  # skeleton → share of its occurrences written with diacritics
    tri_contexts: frozenset[int]      # a*V+b with at least one trigram (a, b, ·)
    bi_contexts: frozenset[int]       # b with at least one bigram (b, ·)

    @property
    def size(self) -> int:
        return len(self.vocab)

    def score(self, a: int, b: int, c: int) -> float:
        V = len(self.vocab)
        t = self.tri.get((a * V + b) * V + c)
        if t is not None:
            return t
        s = self.bi.get(b * V + c)
        if s is not None:
            return self.backoff + s
        return self.backoff + self.backoff + self.uni[c]


def write_model(path: Path, vocab: list[str], counts: list[int], bigrams: dict[tuple[int, int], float],
                trigrams: dict[tuple[int, int, int], float], backoff: float, meta: dict) -> None:
    """Compact file: header JSON, then delta-coded sorted keys and log-probs in centi-nats (int16), gzip'd."""
    V = len(vocab)
    header = dict(meta, vocab=vocab, counts=counts, backoff=backoff, n_bigrams=len(bigrams),
                  n_trigrams=len(trigrams))
    hb = json.dumps(header, ensure_ascii=False).encode("utf-8")
    parts = [MODEL_MAGIC, struct.pack("<I", len(hb)), hb]
    for table, pack in ((bigrams, lambda k: k[0] * V + k[1]), (trigrams, lambda k: (k[0] * V + k[1]) * V + k[2])):
        items = sorted((pack(k), v) for k, v in table.items())
        keys = array("q", [0] * len(items))
        vals = array("h", [0] * len(items))
        prev = 0
        for i, (k, v) in enumerate(items):
            keys[i] = k - prev
            prev = k
            vals[i] = max(-32768, min(32767, round(v * 100)))
        parts.append(keys.tobytes())
        parts.append(vals.tobytes())
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw, \
            gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=9, mtime=0) as fh:
        fh.write(b"".join(parts))      # mtime=0: retraining on the same data gives the same bytes


@dataclass(frozen=True)
class Vocabulary:
    """What telling damaged text from clean needs of the model: its syllables and their skeletons (the model
    file's header, read without its n-grams)."""
    vocab: tuple[str, ...]
    ids: dict[str, int]
    counts: tuple[int, ...]
    skel_index: dict[str, tuple[int, ...]]   # skeleton → syllable ids (in vocabulary order)
    accented_share: dict[str, float]         # skeleton → share of its occurrences written with diacritics


def _open_model(p: Path):
    """The model file's stream, past its magic and header: (stream, header)."""
    try:
        fh = gzip.open(p, "rb")
        head = fh.read(len(MODEL_MAGIC) + 4)
    except FileNotFoundError:
        raise ModelFileError(f"{p}: language model missing; run scripts/train_lm.py") from None
    except (OSError, EOFError) as exc:
        raise ModelFileError(f"{p}: unreadable language model ({exc}); run scripts/train_lm.py") from None
    if not head.startswith(MODEL_MAGIC) or len(head) < len(MODEL_MAGIC) + 4:
        fh.close()
        raise ModelFileError(f"{p}: not a chithi syllable model")
    (hlen,) = struct.unpack_from("<I", head, len(MODEL_MAGIC))
    try:
        header = json.loads(fh.read(hlen).decode("utf-8"))
    except (OSError, EOFError, ValueError) as exc:
        fh.close()
        raise ModelFileError(f"{p}: unreadable language model ({exc}); run scripts/train_lm.py") from None
    return fh, header


@lru_cache(maxsize=2)
def load_vocabulary(path: str | None = None) -> Vocabulary:
    """The model's syllables and skeletons, from its header alone (cached per process): all that detection needs,
    so clean text never pays for loading the n-grams."""
    fh, header = _open_model(Path(path) if path else MODEL_PATH)
    fh.close()
    vocab, counts = tuple(header["vocab"]), tuple(header["counts"])
    by_skel: dict[str, list[int]] = {}
    for i, w in enumerate(vocab):
        if i < len(SPECIALS):
            continue
        by_skel.setdefault(skeleton(w), []).append(i)
    skel_index = {k: tuple(v) for k, v in by_skel.items()}
    acc = {}
    for k, ids in skel_index.items():
        tot = sum(counts[i] for i in ids)
        plain = sum(counts[i] for i in ids if vocab[i] == k)
        acc[k] = 1.0 - plain / tot if tot else 0.0
    return Vocabulary(vocab=vocab, ids={w: i for i, w in enumerate(vocab)}, counts=counts, skel_index=skel_index,
                      accented_share=acc)


@lru_cache(maxsize=2)
def load_model(path: str | None = None) -> SyllableLM:
    """Load the shipped syllable language model (cached per process; no network)."""
    p = Path(path) if path else MODEL_PATH
    voc = load_vocabulary(path)
    fh, header = _open_model(p)
    try:
        data = fh.read()
    except (OSError, EOFError) as exc:
        raise ModelFileError(f"{p}: unreadable language model ({exc}); run scripts/train_lm.py") from None
    finally:
        fh.close()
    V = len(voc.vocab)
    pos = 0

    def take(n: int):
        nonlocal pos
        keys = array("q")
        keys.frombytes(data[pos:pos + 8 * n])
        pos += 8 * n
        vals = array("h")
        vals.frombytes(data[pos:pos + 2 * n])
        pos += 2 * n
        return dict(zip(accumulate(keys), [v / 100.0 for v in vals]))

    bi = take(header["n_bigrams"])
    tri = take(header["n_trigrams"])
    if pos != len(data):
        raise ModelFileError(f"{p}: truncated or corrupt language model")
    import math
    total = sum(voc.counts)
    uni = tuple(math.log(max(c, 0.5) / total) for c in voc.counts)
    prefixes = {k[:j] for k in voc.skel_index for j in range(len(k) + 1)}
    counts = voc.counts
    skel_index = {k: tuple(sorted(v, key=lambda i: -counts[i])) for k, v in voc.skel_index.items()}
    return SyllableLM(vocab=voc.vocab, ids=voc.ids, counts=voc.counts, uni=uni,
                      bi=bi, tri=tri, backoff=float(header["backoff"]), skel_index=skel_index,
                      skel_prefixes=frozenset(prefixes), accented_share=voc.accented_share,
                      tri_contexts=frozenset(k // V for k in tri), bi_contexts=frozenset(k // V for k in bi))


# ----------------------------------------------------------------------------------------------------------
# detection

@dataclass(frozen=True)
class Detection:
    tokens: int               # word tokens (with at least one letter)
    valid_share: float        # share that are known Vietnamese syllables (as written)
    ascii_viet_share: float   # share that are ASCII-only and the skeleton of a Vietnamese syllable
    stripped_share: float     # share that are ASCII-only where Vietnamese nearly always writes diacritics
    garble_share: float       # share with Latin-OCR garble signatures (€ ¢ § ﬁ, digits inside words ...)
    accented_share: float     # share that are valid Vietnamese syllables written with diacritics
    needs_restoration: bool
    ocr_garbled: bool         # garble signatures found: decode with the OCR confusion map


_MIN_SUSPICIOUS_SHARE = 0.12
_MAX_ACCENTED_SHARE = 0.2
_MAX_FOREIGN_SHARE = 0.2


def _token_flags(tok: str, model: Vocabulary | SyllableLM, conf: Confusions) -> tuple[bool, bool, bool, bool, bool]:
    """(valid, ascii_viet, stripped, garbled, foreign) for one word token; foreign: an ASCII word of 4+ letters
    that is no Vietnamese skeleton ("exporter", "information"; but also garbled "dugc")."""
    low = tok.lower()
    valid = low in model.ids
    is_ascii = tok.isascii()
    ascii_viet = False
    stripped = False
    garbled = False
    foreign = False
    if is_ascii:
        if any(c.isdigit() for c in tok):
            # digits inside a word: "s6", "t6", "16p", "c4", "x3" (not codes like "S1", "A2", "3G")
            letters = sum(c.isalpha() for c in tok)
            garbled = (1 <= letters and len(tok) <= 5 and not _code_like(tok)
                       and skeleton(low.translate(_DIGIT_LOOK)) in model.skel_index)
        else:
            share = model.accented_share.get(low)
            if share is not None and _SYLLABLE_SKELETON_RE.fullmatch(low):
                ascii_viet = True
                stripped = share > 0.9 or not valid
            elif "'" in tok or "’" in tok:
                garbled = True
            elif len(tok) >= 3 and not tok.isupper() and not _SYLLABLE_SKELETON_RE.fullmatch(low):
                # "phwong", "dugc", "ctia", "thir": Latin-OCR marks in an ASCII word; else a foreign word
                if len(tok) <= 7 and _OCR_ASCII_HINT_RE.search(low):
                    garbled = True
                else:
                    foreign = True
    else:
        if any(c in conf.garble_chars for c in tok):
            garbled = True
        elif not valid and _HAS_LETTER_RE.search(tok):
            # accented but no Vietnamese syllable ("hién", "nhiém"), or foreign letters ("ï")
            garbled = True
    return valid, ascii_viet, stripped, garbled, foreign


# the shape of a Vietnamese syllable without diacritics: onset, vowel nucleus, coda ("nghieng", "khuyet")
_SYLLABLE_SKELETON_RE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?"
                                   r"[aeiouy]{1,3}(?:ng|nh|ch|[cmnpt])?")
# letters Vietnamese never writes (w f z j) or never after a vowel (b d g h k l q r s v x: "dugc", "nudc", "thir")
_OCR_ASCII_HINT_RE = re.compile(r"[wfzj]|ii|[aeiouy][bdghklqrsvx]|^[bdghklmnpqrstvx]*c[tdi]")
_CODE_LIKE_RE = re.compile(r"[A-Z]{1,5}\d+|\d+[A-Z]{1,5}|[A-Z]\d+[A-Z]+\d*")
_GARBLE_CODE_RE = re.compile(r"[A-Z][634]")


def _code_like(tok: str) -> bool:
    """"A1", "B12", "3G", "I1": letters and digits as a code, not a garbled word ("H6" Hồ, "S6" Số stay words)."""
    return bool(_CODE_LIKE_RE.fullmatch(tok)) and not _GARBLE_CODE_RE.fullmatch(tok)


_DIGIT_LOOK = str.maketrans({"6": "o", "0": "o", "1": "l", "3": "a", "4": "a", "8": "e"})


def _detect_words(words: list[str], model: Vocabulary | SyllableLM, conf: Confusions) -> tuple[int, ...]:
    """(word tokens, valid, ascii_viet, stripped, garbled, valid with diacritics, foreign)"""
    n = valid = av = st = gb = accv = fo = 0
    for w in words:
        if not _HAS_LETTER_RE.search(w) and not any(c in conf.garble_chars for c in w):
            continue
        n += 1
        v, a, s, g, f = _token_flags(w, model, conf)
        valid += v
        av += a
        st += s
        gb += g
        fo += f
        accv += v and not w.isascii()
    return n, valid, av, st, gb, accv, fo


def _make_detection(n: int, valid: int, av: int, st: int, gb: int, accv: int, fo: int) -> Detection:
    if n == 0:
        return Detection(0, 0.0, 0.0, 0.0, 0.0, 0.0, False, False)
    suspicious = st + gb
    # Clean Vietnamese writes diacritics on most syllables (the share of valid accented syllables is ≥ 0.5 in
    # 99% of the paragraphs of the LM data); stripped and Latin-OCR'd text has almost none (≤ 0.07 in seed 002).
    # Foreign (English) paragraphs have many ASCII words that are no Vietnamese skeleton at all.
    needs = (suspicious >= 2 and suspicious / n >= _MIN_SUSPICIOUS_SHARE and accv / n < _MAX_ACCENTED_SHARE
             and fo / n < _MAX_FOREIGN_SHARE)
    return Detection(n, valid / n, av / n, st / n, gb / n, accv / n, needs, gb >= 1 and gb / n >= 0.02)


def detect(text: str) -> Detection:
    """How damaged a text looks, over all its word tokens."""
    model, conf = load_vocabulary(), load_confusions()
    return _make_detection(*_detect_words([t for _, _, t in tokenize(text)], model, conf))


# ----------------------------------------------------------------------------------------------------------
# channel model

_INF = float("inf")


class _Channel:
    """Candidate syllables for garbled tokens; memoised for one call of restore_text."""

    def __init__(self, model: SyllableLM, conf: Confusions, ocr: bool):
        self.model = model
        self.conf = conf
        self.ocr = ocr
        c = conf.costs
        self.tone_drop = c["ocr_tone_drop"] if ocr else c["stripped_tone_drop"]
        self.shape_drop = c["ocr_shape_drop"] if ocr else c["stripped_shape_drop"]
        self.d_for_dd = c["ocr_d_for_dd"] if ocr else c["stripped_shape_drop"]
        self.memo: dict[str, tuple[tuple[int, str | None, float], ...]] = {}
        self.char_memo: dict[tuple[str, str], float] = {}

    def char_cost(self, r: str, v: str) -> float:
        """Cost of printing reading letter r where the syllable has letter v (same base letter)."""
        key = (r, v)
        cost = self.char_memo.get(key)
        if cost is not None:
            return cost
        c = self.conf.costs
        if r == v:
            cost = 0.0
        else:
            rb, rs, rt = LETTERS.get(r, (r, None, None))
            vb, vs, vt = LETTERS.get(v, (v, None, None))
            cost = 0.0
            if rs != vs:
                if rs is None:
                    cost += self.d_for_dd if vs == "stroke" else self.shape_drop
                else:
                    cost += c["shape_spurious"]
            if rt != vt:
                if rt is None:
                    cost += self.tone_drop
                elif vt is None:
                    cost += c["tone_spurious"]
                else:
                    cost += c["tone_mismatch"]
        self.char_memo[key] = cost
        return cost

    def readings(self, tok: str) -> dict[str, float]:
        """Expand a token through the confusion map into readings (pruned by skeleton prefixes)."""
        tok = unicodedata.normalize("NFC", tok)
        low = tok.lower()
        n = len(low)
        conf = self.conf
        rules, cased = (conf.rules, conf.cased_rules) if self.ocr else ({}, {})
        lengths, clengths = conf.rule_lengths, conf.cased_lengths
        max_cost = conf.costs["max_rule_cost"]
        max_rules = int(conf.costs["max_rules"])
        foreign = conf.costs["foreign_letter"]
        prefixes = self.model.skel_prefixes
        out: dict[str, float] = {}
        # iterative DFS: (position, reading, skeleton of reading, cost, rules used)
        stack = [(0, "", "", 0.0, 0)]
        while stack:
            i, acc, sk, cost, used = stack.pop()
            if i == n:
                if cost < out.get(acc, _INF):
                    out[acc] = cost
                continue
            ch = low[i]
            if ch in LETTERS:
                s2 = sk + LETTERS[ch][0]
                if s2 in prefixes:
                    stack.append((i + 1, acc + ch, s2, cost, used))
            elif ch.isalpha() and self.ocr:
                base = unicodedata.normalize("NFD", ch)[0]
                if base in LETTERS:
                    s2 = sk + base
                    if s2 in prefixes:
                        stack.append((i + 1, acc + base, s2, cost + foreign, used))
            if used >= max_rules:
                continue
            # confusion rules keyed by the lowercased text, then the case-sensitive ones
            for lens, table, src in ((lengths, rules, low), (clengths, cased, tok)):
                for L in lens:
                    if i + L > n:
                        break
                    for rd, rc in table.get(src[i:i + L], ()):
                        c2 = cost + rc
                        if c2 > max_cost:
                            continue
                        s2 = sk + skeleton(rd)
                        if s2 in prefixes:
                            stack.append((i + L, acc + rd, s2, c2, used + 1))
        return out

    def candidates(self, tok: str, top: int = 8) -> tuple[tuple[int, str | None, float], ...]:
        """(lm id, lowercase output or None to keep the token, channel cost), best first."""
        got = self.memo.get(tok)
        if got is not None:
            return got
        model = self.model
        low = unicodedata.normalize("NFC", tok).lower()
        digits_only = not _HAS_LETTER_RE.search(tok) and not any(c in self.conf.garble_chars for c in tok)
        if digits_only and not (self.ocr and len(tok) <= 3 and tok.isdigit()):
            res: tuple[tuple[int, str | None, float], ...] = ((NUM, None, 0.0),)
            self.memo[tok] = res
            return res
        if _code_like(tok):
            res = ((UNK, None, 0.0),)
            self.memo[tok] = res
            return res
        if not self.ocr and not tok.isascii() and any(c in _NON_ASCII_VIET for c in tok):
            # typed text with some diacritics: what carries diacritics was typed that way
            own = model.ids.get(low)
            res = ((UNK if own is None else own, None, 0.0),)
            self.memo[tok] = res
            return res
        best: dict[int, float] = {}
        if len(low) <= 12:
            vocab = model.vocab
            char_cost = self.char_cost
            for r, rc in self.readings(tok).items():
                ids = model.skel_index.get(skeleton(r))
                if not ids:
                    continue
                for wid in ids:
                    v = vocab[wid]
                    c = rc
                    if v != r:
                        for a, b in zip(r, v):
                            if a != b:
                                c += char_cost(a, b)
                    if c < best.get(wid, _INF):
                        best[wid] = c
        # prune to the `top` best by channel cost and unigram prior (context decides among those)
        uni = model.uni
        ranked = sorted((_ALPHA * c - uni[w], w, c) for w, c in best.items())[:top]
        cands = [(w, c) for r, w, c in ranked if r - ranked[0][0] <= _PRUNE_MARGIN]
        if digits_only:
            # "Ty 18" (Tỷ lệ): a short number may be a garbled word, but only if the context insists
            extra = self.conf.costs["digits_as_word"]
            res = ((NUM, None, 0.0),) + tuple((wid, model.vocab[wid], c + extra) for wid, c in cands[:3])
            self.memo[tok] = res
            return res
        res_list = [(wid, model.vocab[wid], c) for wid, c in cands]
        own = model.ids.get(low)
        if own is None:
            costs = self.conf.costs
            if any(c in self.conf.garble_chars for c in tok):
                keep = costs["keep_garbled"]
            elif any(c.isdigit() for c in tok):
                keep = costs["keep_mixed"]
            else:
                keep = costs["keep_unknown"]
            res_list.append((UNK, None, keep if res_list else 0.0))
        elif all(w != own for w, _, _ in res_list):
            res_list.append((own, None, 0.0))
        res = tuple(res_list)
        self.memo[tok] = res
        return res

    def code_candidates(self, tok: str) -> tuple[tuple[int, str | None, float], ...]:
        """A token inside a code ("KL/TU", "NQ-HPND", "12/Qb-"): kept, or only its Đ restored."""
        key = "\x00code\x00" + tok
        got = self.memo.get(key)
        if got is not None:
            return got
        keep = (UNK, None, 0.0)
        out = [keep]
        for wid, word, cost in self.candidates(tok):
            if word is not None and word != tok.lower() and all(LETTERS.get(c, (c, None, None))[2] is None
                                                                and LETTERS.get(c, (c, None, None))[1] in (None, "stroke")
                                                                for c in word):
                out.append((wid, word.upper(), cost))
        res = tuple(out)
        self.memo[key] = res
        return res


# ----------------------------------------------------------------------------------------------------------
# decoding

_ALPHA = 1.0       # weight of the channel cost against the language model (log-probabilities, nats)
_BEAM = 5
_PRUNE_MARGIN = 6.0   # drop candidates this much (nats) less likely than the best one out of context


def _state_score(kv: tuple) -> float:
    return kv[1][0]


def _decode(model: SyllableLM, steps: list, alpha: float = _ALPHA, beam_width: int = _BEAM) -> list[int]:
    """Beam search (trigram states recombined) over steps; a step is None (sentence boundary) or a tuple of
    candidates (lm id, output, cost).  Returns the chosen candidate index for every non-None step."""
    V = len(model.vocab)
    tri, bi, uni, bo = model.tri, model.bi, model.uni, model.backoff
    tri_ctx, bi_ctx = model.tri_contexts, model.bi_contexts
    bo2 = bo + bo
    beam: dict[tuple[int, int], tuple[float, tuple | None]] = {(BOS, BOS): (0.0, None)}
    for cands in steps:
        if cands is None:
            best = max(beam.values(), key=lambda x: x[0])
            beam = {(BOS, BOS): best}
            continue
        if len(cands) == 1:
            wid = cands[0][0]
            ch_cost = alpha * cands[0][2]
            new: dict[tuple[int, int], tuple[float, tuple | None]] = {}
            for (a, b), (sc, node) in beam.items():
                t = tri.get((a * V + b) * V + wid)
                if t is None:
                    t = bi.get(b * V + wid)
                    t = bo2 + uni[wid] if t is None else bo + t
                s = sc + t - ch_cost
                key = (b, wid)
                old = new.get(key)
                if old is None or s > old[0]:
                    new[key] = (s, (0, node))
            beam = new
            continue
        new = {}
        wc = [(ci, wid, bo2 + uni[wid], alpha * cost) for ci, (wid, _out, cost) in enumerate(cands)]
        for (a, b), (sc, node) in beam.items():
            ab = a * V + b
            tri_ok = ab in tri_ctx
            bi_ok = b in bi_ctx
            base_ab = ab * V
            base_b = b * V
            for ci, wid, floor, ccost in wc:
                t = tri.get(base_ab + wid) if tri_ok else None
                if t is None:
                    if bi_ok:
                        t = bi.get(base_b + wid)
                        t = floor if t is None else bo + t
                    else:
                        t = floor
                s = sc + t - ccost
                key = (b, wid)
                old = new.get(key)
                if old is None or s > old[0]:
                    new[key] = (s, (ci, node))
        if len(new) > beam_width:
            new = dict(sorted(new.items(), key=_state_score, reverse=True)[:beam_width])
        beam = new
    node = max(beam.values(), key=lambda x: x[0])[1]
    out: list[int] = []
    while node is not None:
        out.append(node[0])
        node = node[1]
    out.reverse()
    return out


def _apply_case(template: str, word: str) -> str:
    """Give `word` (lowercase) the case pattern of the token it replaces."""
    letters = [c for c in template if c.isalpha()]
    if not any(c.isupper() for c in letters) and not template[:1].isupper():
        return word
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return word.upper()
    if len(template) == len(word):
        return "".join(w.upper() if t.isupper() else w for t, w in zip(template, word))
    return word[:1].upper() + word[1:]


# ----------------------------------------------------------------------------------------------------------
# restoring

@dataclass(frozen=True)
class RestoreResult:
    text: str                 # restored text (NFC in restored paragraphs; untouched elsewhere)
    offsets: tuple[int, ...]  # len(text)+1 entries: index in the original of restored char i; last = len(original)
    tokens: int               # word tokens examined
    changed: int              # tokens whose text changed
    paragraphs: int
    paragraphs_restored: int
    ends: tuple[int, ...] = ()   # len(text) entries: end (exclusive) in the original of restored char i's source

    @property
    def restored_share(self) -> float:
        return self.changed / self.tokens if self.tokens else 0.0

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Span [start, end) of the restored text → the span of the original text it came from."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span ({start}, {end}) outside the restored text of length {len(self.text)}")
        if start == end:
            return self.offsets[start], self.offsets[start]
        ends = self.ends or tuple(o + 1 for o in self.offsets[:-1])
        return self.offsets[start], max(ends[end - 1], self.offsets[start])

    def source_note(self) -> str:
        """One line for a record's `source`: how much was restored."""
        if not self.paragraphs_restored:
            return "text used as given (no restoration)"
        return (f"diacritics restored in {self.paragraphs_restored} of {self.paragraphs} paragraphs "
                f"({self.changed} of {self.tokens} words changed, {self.restored_share:.0%})")


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    for m in _PARA_SEP_RE.finditer(text):
        if m.start() > pos:
            spans.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    return spans


def _apply_patterns(para: str, conf: Confusions) -> tuple[str, list[tuple[int, int]]]:
    """Paragraph substitutions; returns new text and for each of its chars the source span in `para`."""
    spans = [(i, i + 1) for i in range(len(para))]
    for pat, rep in conf.patterns:
        if not pat.search(para):
            continue
        out, new_spans, pos = [], [], 0
        for m in pat.finditer(para):
            out.append(para[pos:m.start()])
            new_spans.extend(spans[pos:m.start()])
            r = m.expand(rep)
            out.append(r)
            s0 = spans[m.start()][0] if m.start() < len(spans) else spans[-1][1]
            s1 = spans[m.end() - 1][1] if m.end() > m.start() else s0
            new_spans.extend([(s0, s1)] * len(r))
            pos = m.end()
        out.append(para[pos:])
        new_spans.extend(spans[pos:])
        para, spans = "".join(out), new_spans
    return para, spans


def _in_code(text: str, s: int, e: int, tok: str) -> bool:
    """A capitalised token glued to "/" or "-": part of a document code such as "70-KL/TU" or "12/QĐ-UBND"."""
    if not ((s > 0 and text[s - 1] in "/-") or (e < len(text) and text[e] in "/-")):
        return False
    letters = [c for c in tok if c.isalpha()]
    if not letters or not letters[0].isupper():
        return False
    return all(c.isupper() for c in letters) or len(letters) <= 2


def _restore_paragraph(para: str, model: SyllableLM, conf: Confusions, ocr: bool, channel: _Channel
                       ) -> tuple[str, list[tuple[int, int]], int, int]:
    """Decode one paragraph; returns (text, per-char source spans in para, tokens, changed)."""
    text, spans = _apply_patterns(para, conf)
    toks = tokenize(text)
    steps: list = []
    last = 0
    n_words = 0
    fixed = [m.span() for m in _URL_RE.finditer(text)]
    for s, e, t in toks:
        if steps and _BOUNDARY_RE.search(text, last, s):
            steps.append(None)
        if fixed and any(a <= s < b for a, b in fixed):
            steps.append(((UNK, None, 0.0),))
        elif _in_code(text, s, e, t):
            steps.append(channel.code_candidates(t))
        else:
            steps.append(channel.candidates(t))
        last = e
        if _HAS_LETTER_RE.search(t):
            n_words += 1
    choice = _decode(model, steps)
    ci_iter = iter(choice)
    picks: list[tuple] = []
    for st in steps:
        if st is None:
            continue
        picks.append(st[next(ci_iter)])
    out: list[str] = []
    out_spans: list[tuple[int, int]] = []
    pos = 0
    changed = 0
    pick_iter = iter(picks)
    for (s, e, t) in toks:
        cand = next(pick_iter)
        out.append(text[pos:s])
        out_spans.extend(spans[pos:s])
        word = cand[1]
        if word is None or word == t:
            rep = t
        else:
            rep = _apply_case(t, word)
        if rep != t:
            changed += 1
            if len(rep) == e - s:
                out_spans.extend(spans[s:e])
            else:
                src = (spans[s][0], spans[e - 1][1])
                out_spans.extend([src] * len(rep))
        else:
            out_spans.extend(spans[s:e])
        out.append(rep)
        pos = e
    out.append(text[pos:])
    out_spans.extend(spans[pos:])
    return "".join(out), out_spans, n_words, changed


def restore_text(text: str) -> RestoreResult:
    """Restore the paragraphs that need it; everything else (and all whitespace, \\f, line breaks) is kept
    byte for byte.  Clean text comes back unchanged with identity offsets (and the n-grams are never loaded)."""
    voc, conf = load_vocabulary(), load_confusions()
    paras = _paragraph_spans(text)
    infos = []
    doc_counts = [0, 0, 0, 0, 0, 0, 0]
    for s, e in paras:
        words = [t for _, _, t in tokenize(text[s:e])]
        counts = _detect_words(words, voc, conf)
        infos.append(counts)
        doc_counts = [a + b for a, b in zip(doc_counts, counts)]
    doc = _make_detection(*doc_counts)
    total_words = doc_counts[0]
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    changed = 0
    restored = 0
    channels: dict[bool, _Channel] = {}
    for (s, e), counts in zip(paras, infos):
        det = _make_detection(*counts)
        n, _v, _a, st, gb, accv, fo = counts
        # a short paragraph ("KE HOACH", "Van bi:") says little by itself: follow the document
        need = (det.needs_restoration and (n >= 4 or doc.needs_restoration)) or (
            doc.needs_restoration and n < 8 and st + gb >= 1 and accv / n < _MAX_ACCENTED_SHARE
            and fo / n < _MAX_FOREIGN_SHARE)
        if not need:
            continue
        ocr = gb > 0 or doc.ocr_garbled
        channel = channels.get(ocr)
        if channel is None:
            channel = channels[ocr] = _Channel(load_model(), conf, ocr)
        new, spans, _nw, ch = _restore_paragraph(text[s:e], channel.model, conf, ocr, channel)
        if new == text[s:e]:
            continue
        restored += 1
        changed += ch
        # untouched stretch before this paragraph
        out.append(text[pos:s])
        starts.extend(range(pos, s))
        ends.extend(range(pos + 1, s + 1))
        out.append(new)
        starts.extend(s + a for a, _ in spans)
        ends.extend(s + b for _, b in spans)
        pos = e
    if not restored:
        return RestoreResult(text=text, offsets=tuple(range(len(text) + 1)), tokens=total_words, changed=0,
                             paragraphs=len(paras), paragraphs_restored=0,
                             ends=tuple(range(1, len(text) + 1)))
    out.append(text[pos:])
    starts.extend(range(pos, len(text)))
    ends.extend(range(pos + 1, len(text) + 1))
    starts.append(len(text))
    return RestoreResult(text="".join(out), offsets=tuple(starts), tokens=total_words, changed=changed,
                         paragraphs=len(paras), paragraphs_restored=restored, ends=tuple(ends))


# ----------------------------------------------------------------------------------------------------------
# accent correction of text OCR'd with Vietnamese data

@dataclass(frozen=True)
class AccentFix:
    start: int   # span of the syllable in the text (the corrected text has the same length)
    end: int
    old: str     # as OCR read it
    new: str     # as corrected


def _spelling_key(word: str) -> tuple:
    """Letters without tones plus the multiset of tones: equal for "tuý" and "túy", "uỷ" and "ủy" (two
    accepted placements of one tone mark, not an OCR error)."""
    info = [LETTERS.get(c, (c, None, None)) for c in word]
    return tuple((b, sh) for b, sh, _ in info), tuple(sorted(t or "" for _, _, t in info))


def correct_accents(text: str) -> tuple[str, tuple[AccentFix, ...]]:
    """Correct wrong or missing diacritics in text that Tesseract read *with* Vietnamese data.

    Tesseract ``-l vie`` gets the letters of a syllable right far more often than its marks: "ĐIÊU TRA",
    "TỘI PHẠM VẺ MA TÚY", "CÔNG AN TĨNH LÂM ĐÔNG", "quyên hạn", "chông ma túy".  Every word may be replaced by a
    syllable with the same letters and other marks (never other letters, so the text keeps its length and
    every offset), chosen by the syllable language model over the whole text.  To keep what was read right, a
    replacement costs ``accent_fix`` (plus ``accent_fix_attested`` for each neighbour the printed word is known
    to follow or precede, and ``accent_fix_name`` for a capitalised word inside a line, likely a name), and it
    must itself be attested: it forms a known bigram with a neighbour, with both neighbours when the printed
    word is a known syllable between two words.  Tone placements ("tuý"/"túy") are left as printed; codes
    ("TTr-CAT-PC04"), one-letter words and words with non-Vietnamese letters are left alone.
    """
    model, conf = load_model(), load_confusions()
    costs = conf.costs
    channel = _Channel(model, conf, True)
    V = model.size
    bi = model.bi
    toks = tokenize(text)
    n = len(toks)
    ids = []
    for _s, _e, tok in toks:
        ids.append(model.ids.get(tok.lower(), UNK) if _HAS_LETTER_RE.search(tok) else NUM)
    # a neighbour counts only within a segment (no sentence punctuation or blank line in between)
    joined = [k + 1 < n and not _BOUNDARY_RE.search(text, toks[k][1], toks[k + 1][0]) for k in range(n)]
    steps: list = []
    for k, (s, e, tok) in enumerate(toks):
        if k and not joined[k - 1]:
            steps.append(None)
        own = ids[k]
        low = tok.lower()
        keep = ((own, None, 0.0),)
        if (len(low) < 2 or own in (BOS, NUM) or _in_code(text, s, e, tok)
                or not all(c in LETTERS for c in low)):
            steps.append(keep)
            continue
        prev = ids[k - 1] if k and joined[k - 1] else None
        nxt = ids[k + 1] if joined[k] else None
        words_around = own != UNK and prev not in (None, UNK, NUM) and nxt not in (None, UNK, NUM)
        extra = costs["accent_fix"]
        if own != UNK:
            extra += costs["accent_fix_attested"] * ((prev is not None and prev * V + own in bi)
                                                     + (nxt is not None and own * V + nxt in bi))
        if tok[:1].isupper() and not tok.isupper() and k and joined[k - 1] and "\n" not in text[toks[k - 1][1]:s]:
            extra += costs["accent_fix_name"]
        key = _spelling_key(low)
        cands = [keep[0]]
        for wid in model.skel_index.get(skeleton(low), ()):
            v = model.vocab[wid]
            if v == low or len(v) != len(low) or _spelling_key(v) == key:
                continue
            left = prev is not None and prev * V + wid in bi
            right = nxt is not None and wid * V + nxt in bi
            if not ((left and right) if words_around else (left or right)):
                continue
            cost = extra + sum(channel.char_cost(a, b) for a, b in zip(low, v) if a != b)
            cands.append((wid, v, cost))
        steps.append(tuple(cands))
    if not any(st is not None and len(st) > 1 for st in steps):
        return text, ()
    choice = _decode(model, steps)
    picks = [st[c] for st, c in zip((st for st in steps if st is not None), choice)]
    chars = list(text)
    fixes = []
    for (s, e, tok), pick in zip(toks, picks):
        word = pick[1]
        if word is None or word == tok.lower():
            continue
        new = _apply_case(tok, word)
        if len(new) != e - s:
            continue
        chars[s:e] = new
        fixes.append(AccentFix(s, e, tok, new))
    return "".join(chars), tuple(fixes)


_LONGEST_SYLLABLE = 7   # "nghiêng", "nghiệp": no Vietnamese syllable has more letters


def split_glued(text: str) -> list[tuple[int, int, tuple[int, ...]]]:
    """Words OCR glued together because the spaces were narrow ("CÔNG ANTỈNHLÂMĐÒNG"): tokens longer than any
    syllable, of Vietnamese letters with at least one mark and one case pattern, that the language model's
    syllables cover.  Returns ``(start, end, cuts)`` per token, ``cuts`` being the offsets inside the token
    where a space belongs; the best cover is found by the bigram model (pieces of two letters or more)."""
    model = load_model()
    out = []
    for s, e, tok in tokenize(text):
        low = tok.lower()
        n = len(low)
        if (n <= _LONGEST_SYLLABLE or low in model.ids or not all(c in LETTERS for c in low)
                or not any(c in _NON_ASCII_VIET for c in tok)
                or not (tok.isupper() or tok.islower() or (tok[0].isupper() and tok[1:].islower()))):
            continue
        best: dict[int, tuple[float, int, tuple[int, ...]]] = {0: (0.0, BOS, ())}  # end → (score, last id, cuts)
        for i in range(n):
            if i not in best:
                continue
            sc, prev, cuts = best[i]
            for j in range(i + 2, min(n, i + _LONGEST_SYLLABLE) + 1):
                wid = model.ids.get(low[i:j])
                if wid is None or wid < len(SPECIALS) or not any(LETTERS[c][0] in _VOWELS for c in low[i:j]):
                    continue
                cand = (sc + model.score(BOS, prev, wid), wid, cuts + ((i,) if i else ()))
                if j not in best or cand[0] > best[j][0]:
                    best[j] = cand
        if n in best and best[n][2]:
            out.append((s, e, best[n][2]))
    return out
