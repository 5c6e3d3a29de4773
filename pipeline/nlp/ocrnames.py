"""Unit names read by OCR, corrected against the words unit names are made of.

A unit name read from a scan often carries one wrong letter ("Văn phòng UBND tỉrh", "thắm địnk"). Its words are
compared, phrase by phrase, with the lexicon's unit heads (extraction.yaml ``unit_heads``) and the unit words and
administrative place names of ``ocr_names.yaml``: a run of words within a bounded edit distance of a known
phrase takes that phrase's spelling. To keep right words right:

- a single word is corrected only when what was read is not a Vietnamese syllable at all ("tỉrh", "địnk");
- in a phrase of two or more words, one word may be a real syllable read with wrong marks ("thắm định" →
  "thẩm định", "Lâm Đông" → "Lâm Đồng"; not "Sơn Hà" → "Sơn La");
- each word is at most one edit away from the phrase's word (two for words of seven letters or more).

The corrected value replaces the unit's ``name``; the record's ``text`` keeps what was read (it is the span of
the document text), and the extract stage adds an ``ocr_unit_corrected`` warning naming each correction.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Sequence

from pipeline.core.textutil import distance, fold
from pipeline.lang.syllables import syllable_shape
from pipeline.nlp.results import TaskResult

_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class _Phrases:
    by_len: dict[int, list[tuple[str, ...]]]  # number of words → phrases (their words, as printed)
    exact: frozenset[tuple[str, ...]]          # casefolded


@lru_cache(maxsize=1)
def phrases() -> _Phrases:
    from pydantic import BaseModel, ConfigDict

    from pipeline.lang.lexicon import load_yaml
    from pipeline.nlp.data import compiled

    class OcrNames(BaseModel):
        model_config = ConfigDict(extra="forbid")
        version: int
        unit_words: list[str]
        places: list[str]

    d = load_yaml("ocr_names.yaml", OcrNames)
    by_len: dict[int, list[tuple[str, ...]]] = {}
    seen = set()
    for p in [*d.unit_words, *d.places, *compiled().rules.unit_heads]:
        words = tuple(_WORD.findall(unicodedata.normalize("NFC", p)))
        key = tuple(w.casefold() for w in words)
        if words and key not in seen:
            seen.add(key)
            by_len.setdefault(len(words), []).append(words)
    return _Phrases(by_len, frozenset(seen))


def _cased(like: str, word: str) -> str:
    """``word`` in the case of ``like`` (all capitals, capitalised, or lowercase)."""
    if len(like) > 1 and like.isupper():
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word.lower() if word[:1].isupper() and not word.isupper() else word


def correct_name(name: str) -> tuple[str, list[tuple[str, str]]]:
    """``name`` with OCR-misread words corrected, and the corrections as (read, corrected) word pairs."""
    name = unicodedata.normalize("NFC", name)
    toks = list(_WORD.finditer(name))
    if not toks:
        return name, []
    ph = phrases()
    longest = max(ph.by_len)
    fixes: dict[int, str] = {}  # token index → corrected word
    i = 0
    while i < len(toks):
        step = 1
        for n in range(min(longest, len(toks) - i), 0, -1):
            window = [t.group() for t in toks[i:i + n]]
            folded = tuple(w.casefold() for w in window)
            if folded in ph.exact:
                step = n
                break
            best = None
            for cand in ph.by_len.get(n, ()):
                cf = tuple(w.casefold() for w in cand)
                diff = [k for k in range(n) if cf[k] != folded[k]]
                dist = [distance(folded[k], cf[k], 2 if len(cf[k]) >= 7 else 1) for k in diff]
                if any(d > (2 if len(cf[k]) >= 7 else 1) for k, d in zip(diff, dist)):
                    continue
                real = [k for k in diff if syllable_shape(window[k])]
                if n == 1 and (real or len(folded[0]) < 3):
                    continue  # a lone word is corrected only when it is no Vietnamese syllable
                if len(real) > 1 or (real and fold(window[real[0]]) != fold(cand[real[0]])):
                    continue  # at most one real word read wrong, and only in its marks ("thắm" for "thẩm")
                if best is None or sum(dist) < best[0]:
                    best = (sum(dist), cand, diff)
            if best is not None:
                _, cand, diff = best
                for k in diff:
                    fixes[i + k] = _cased(window[k], cand[k])
                step = n
                break
        i += step
    if not fixes:
        return name, []
    out, pos, pairs = [], 0, []
    for k, t in enumerate(toks):
        if k in fixes:
            out.append(name[pos:t.start()])
            out.append(fixes[k])
            pairs.append((t.group(), fixes[k]))
            pos = t.end()
    out.append(name[pos:])
    return "".join(out), pairs


def _cut_at_stop(name: str) -> int | None:
    """Where a task verb starts inside a corrected name ("Văn phòng UBND tỉnh thẩm định hồ sơ": the misread verb
    did not stop the name): the index of the word it starts at, or None."""
    from pipeline.nlp.data import compiled

    c = compiled()
    low = name.lower()
    for k, m in enumerate(_WORD.finditer(name)):
        if k >= 2 and name[m.start()].islower() and c.unit_stop.match(low, m.start()) and \
                not c.unit_head.match(name, m.start()):
            return k
    return None


def correct_units(tasks: Sequence[TaskResult], text: str | None = None
                  ) -> tuple[tuple[TaskResult, ...], list[tuple[str, str]]]:
    """The tasks with their unit names corrected, and (read name, corrected name) for each change. With the
    document ``text`` (which the units' offsets index), a name that runs on into a task verb read wrong is cut
    there, its end offset with it."""
    done: list[tuple[str, str]] = []
    out = []
    for k in tasks:
        units = []
        for u in k.units:
            old = u.name
            new = correct_name(old)[0]
            if new == old:
                units.append(u)
                continue
            end = u.end
            cut = _cut_at_stop(new)
            if cut is not None and text is not None:
                words = list(_WORD.finditer(new))
                new = new[:words[cut].start()].rstrip(" ,;:-–")
                span_words = list(_WORD.finditer(text, u.start, u.end))
                if len(span_words) > cut:
                    end = span_words[cut].start()
                    while end > u.start and text[end - 1] in " ,;:-–\n":
                        end -= 1
            units.append(replace(u, name=new, end=end))
            if (old, new) not in done:
                done.append((old, new))
        out.append(replace(k, units=tuple(units)) if units != list(k.units) else k)
    return tuple(out), done
