"""What the full-text index holds and how a query is read and its hits ranked: the searchable passages of a
text (:func:`paragraphs`), the FTS5 query from what a person typed (:func:`fts_query`, with the lexicon's
synonyms), the ranking of the candidate rows (:func:`rank`) and the snippet shown for a hit (:func:`snippet`).
:class:`pipeline.store.Store` runs the SQL; nothing here touches the database."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

from pipeline.core.limits import check_query
from pipeline.core.errors import UsageError
from pipeline.lang.lexicon import lexicon
from pipeline.core.textutil import fold, fold_keep_len

WORD = re.compile(r"\w+", re.U)

@dataclass
class Hit:
    doc_id: str
    number: str | None
    issued_date: str | None
    path: str
    kind: str
    field: str
    item: str | None
    value: str | None
    snippet: str
    text: str
    score: float
    document: str = ""            # the number, else subject and file name (:func:`label`)
    subject: str | None = None
    review: str | None = None     # the reviewer's decision on the item, when there is one

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


SEARCH_CANDIDATES = 2000
#: hit order by (kind, field): extracted values first, raw text last
_RANK = {"target": 0, "deadline": 1, ("task", "unit"): 2, ("task", "task"): 3, "document": 4,
         ("document", "text"): 5}


#: fields whose whole value is a name a user types: a unit, a số ký hiệu, a subject
_NAMED = ("unit", "number", "subject")


def _exactness(field: str, value: str | None, asked: str, cased: str | None) -> int:
    """0 when a unit, number or subject is the query itself (diacritics and case ignored); 1 when a subject holds
    the query's words in order, or a unit's name starts with them ("Sở Y tế" finds "Sở Y tế tỉnh Hà Nam"); else 2.
    A query with capitals matches names as typed: "Sở Y tế" is not "cơ sở y tế"."""
    if field not in _NAMED or not value or not asked:
        return 2
    words = " ".join(WORD.findall(fold(value).lower()))
    if words == asked:
        return 0
    if field == "subject":
        return 1 if f" {asked} " in f" {words} " else 2
    if field == "unit":
        if cased is not None:
            return 1 if f"{' '.join(WORD.findall(value))} ".startswith(f"{cased} ") else 2
        return 1 if f"{words} ".startswith(f"{asked} ") else 2
    return 2


def _spread(kept: list[tuple[int, Hit]], limit: int) -> list[Hit]:
    """The first ``limit`` hits, at most a quarter of them (3 or more) from one document unless the others run
    out: one long document does not fill the page. Exact unit, number and subject matches keep their place."""
    cap = max(3, limit // 4)
    page: list[Hit] = []
    later: list[Hit] = []
    per_doc: dict[str, int] = {}
    for exact, h in kept:
        if len(page) >= limit:
            break
        if exact == 0 or per_doc.get(h.doc_id, 0) < cap:
            page.append(h)
            per_doc[h.doc_id] = per_doc.get(h.doc_id, 0) + 1
        else:
            later.append(h)
    return page + later[:limit - len(page)]




def rank(rows: Sequence[Sequence[Any]], query: str, phrase: str, terms: list[str], limit: int
         ) -> tuple[list[Hit], int]:
    """(the hits to show, how many passages matched) of the candidate rows of :meth:`Store.search_page`'s query
    (doc_id, number, issued_date, path, kind, field, item, value, text, bm25, folded body, subject, task text).
    Order: rows spelled as typed first (a query with diacritics), then extracted targets, deadlines and tasks
    above document metadata and raw text, then the whole query as a phrase, then BM25. One hit per passage."""
    typed = typed_terms(query)
    asked = " ".join(WORD.findall(fold(query).lower()))
    cased = " ".join(WORD.findall(query)) if any(ch.isupper() for ch in query) else None
    ranked = []
    for r in rows:
        text = r[12] or r[8]  # a unit hit shows its task
        in_phrase = f" {phrase} " in f" {' '.join(WORD.findall(r[10]))} "
        tier = 0
        if typed:
            words = " " + " ".join(WORD.findall((text + " " + (r[7] or "")).lower())) + " "
            tier = 0 if f" {typed[0]} " in words else 1 if all(f" {w} " in words for w in typed[1:]) else 2
        value = " ".join(r[8].split()) if r[5] == "task" else r[7]
        hit = Hit(doc_id=r[0], number=r[1], issued_date=r[2], path=r[3], kind=r[4], field=r[5], item=r[6],
                  value=value, text=text, snippet="", score=round(-r[9], 4),
                  document=label(r[1], r[11], r[3]), subject=r[11])
        exact = _exactness(r[5], r[8] if r[5] == "unit" else r[7], asked, cased)
        ranked.append(((exact, tier, _RANK.get((r[4], r[5]), _RANK.get(r[4], 9)), 0 if in_phrase else 1, r[9]), hit))
    ranked.sort(key=lambda x: x[0])
    kept: list[tuple[int, Hit]] = []
    passages: dict[str, list[str]] = {}
    for key, h in ranked:
        flat = " ".join(h.text.split())
        seen = passages.setdefault(h.doc_id, [])
        if any(flat in p or p in flat for p in seen):
            continue
        seen.append(flat)
        kept.append((key[0], h))
    shown = _spread(kept, limit)
    for h in shown:  # snippets for the hits shown only
        h.snippet = snippet(h.text, terms, typed)
    return shown, len(kept)


def label(number: str | None, subject: str | None, path: str | None, width: int | None = None) -> str:
    """How a document is named to a person: its số ký hiệu, else its subject and file name (the subject cut to
    fit ``width`` characters in all, when given)."""
    if number:
        return number
    name = Path(path).name if path else ""
    if not subject:
        return name or "?"
    subj = " ".join(subject.split())
    room = max(width - len(name) - 3, 16) if width else len(subj)
    subj = subj if len(subj) <= room else subj[:room - 1] + "…"
    return f"{subj} ({name})" if name else subj


def typed_terms(query: str) -> list[str]:
    """When the query is typed with diacritics: [the whole query, then each word], lowercased as typed; else []."""
    words = WORD.findall(query.lower())
    if not words or fold_keep_len(" ".join(words)) == " ".join(words):
        return []
    return [" ".join(words), *words]

_PARA = re.compile(r"[^\n\f]+(?:\n(?![ \t]*\n)[^\n\f]+)*")


def paragraphs(text: str, max_len: int = 1500) -> Iterator[tuple[int, str]]:
    """(offset, paragraph) of the text: blocks separated by blank lines or form feeds; long ones cut at lines."""
    for m in _PARA.finditer(text):
        block, base = m.group(), m.start()
        if len(block) <= max_len:
            if block.strip():
                yield base, block
            continue
        pos = 0
        for line in block.split("\n"):
            if line.strip():
                yield base + pos, line
            pos += len(line) + 1


def fts_query(query: str) -> tuple[str, str, list[str]]:
    """An FTS5 query from what a person typed: folded words ANDed; "quoted phrases" kept; ``word*`` a prefix.
    Returns (match expression, the whole query as a folded phrase for ranking, folded terms for snippets)."""
    check_query(query)  # the cost of a search grows with the query: long ones are refused
    parts, words, terms = [], [], []
    for quoted, bare in re.findall(r'"([^"]*)"|(\S+)', query):
        if quoted:
            ws = WORD.findall(fold(quoted))
            if ws:
                parts.append('"' + " ".join(ws) + '"')
                words += ws
                terms.append(" ".join(ws))
            continue
        prefix = bare.endswith("*")
        code = bool(re.search(r"\d", bare)) and bool(re.search(r"[/\-]", bare))  # "05/CT-UBND": a number, not words
        for i, w in enumerate(ws := WORD.findall(fold(bare))):
            last = prefix and i == len(ws) - 1
            parts.append(f'"{w}"' + ("*" if last else "") + (_CODE if code else ""))
            words.append(w)
            terms.append(w + ("*" if last else ""))
    if not parts:
        raise UsageError(f"nothing to search for in {query!r}", "give one or more words")
    check_query(query, len(words))
    parts, extra = _with_synonyms(parts)
    parts = [p.removesuffix(_CODE) for p in parts]
    return " AND ".join(parts), " ".join(words), terms + [SYNONYM_MARK + x for x in extra]


def _with_synonyms(parts: list[str]) -> tuple[list[str], list[str]]:
    """'"bao" AND "hiem" AND "y" AND "te"' also matches "bhyt", and '"bhyt"' also the words (lexicon.yaml)."""
    syn = {fold(k): WORD.findall(fold(v)) for k, v in lexicon().search_synonyms.items()}
    plain = [p[1:-1] if p.startswith('"') and p.endswith('"') and " " not in p else None for p in parts]
    out, extra, i = [], [], 0
    while i < len(parts):
        for abbr, ws in syn.items():
            n = len(ws)
            if plain[i:i + n] == ws:
                out.append("((" + " AND ".join(f'"{w}"' for w in ws) + f') OR "{abbr}")')
                extra.append(abbr)
                i += n
                break
            if plain[i] == abbr:
                out.append(f'("{abbr}" OR (' + " AND ".join(f'"{w}"' for w in ws) + "))")
                extra.append(" ".join(ws))
                i += 1
                break
        else:
            out.append(parts[i])
            i += 1
    return out, extra


_CODE = "\x01"  # marks the words of a document number, which synonyms leave alone
SYNONYM_MARK = "\x00"  # a term that stands for the query's words in another form (an abbreviation)


def _find_terms(haystack: str, terms: list[str]) -> list[tuple[int, int]]:
    """Spans of whole-word matches in ``haystack``: the whole query (or a synonym) when it is there, else each
    term; a term ending in * is a prefix."""
    spans: list[tuple[int, int]] = []
    synonyms = [t[1:] for t in terms if t.startswith(SYNONYM_MARK)]
    terms = [t for t in terms if not t.startswith(SYNONYM_MARK)]
    whole = " ".join(t.rstrip("*") for t in terms)
    candidates = ([whole] if len(terms) > 1 else []) + synonyms + terms
    for t in candidates:
        pat = re.escape(t[:-1]) if t.endswith("*") else re.escape(t) + r"(?!\w)"
        for m in re.finditer(r"(?<!\w)" + pat, haystack):
            spans.append((m.start(), m.end()))
        if spans and (t == whole or t in synonyms):
            break
    return spans


def snippet(text: str, terms: list[str], typed: list[str] | None = None, width: int = 160) -> str:
    """A window of ``text`` around the first match of the (folded) terms, matches marked «like this». With
    ``typed`` (the query's words as typed with diacritics, :func:`typed_terms`), words spelled as typed are
    marked when there are any, and folded matches only when there are none."""
    flat = " ".join(text.split())
    spans = _find_terms(flat.lower(), typed[1:]) if typed else []
    if not spans:
        spans = _find_terms(fold_keep_len(flat).lower(), terms)
    if not spans:
        return flat[:width] + ("…" if len(flat) > width else "")
    spans.sort()
    first = spans[0][0]
    lo = max(0, first - width // 3)
    if lo > 0:
        sp = flat.rfind(" ", 0, lo)
        lo = sp + 1 if sp >= 0 and lo - sp < 20 else lo
    hi = min(len(flat), lo + width)
    out, pos = [], lo
    for s, e in spans:
        if s < pos or e > hi:
            continue
        out.append(flat[pos:s] + "«" + flat[s:e] + "»")
        pos = e
    out.append(flat[pos:hi])
    return ("…" if lo > 0 else "") + "".join(out) + ("…" if hi < len(flat) else "")


_CMP = {"reach": "=", "at_least": "≥", "more_than": ">", "at_most": "≤", "increase_by": "+", "decrease_by": "−",
        "maintain": "giữ", "approx": "≈"}


def describe_target(t: dict[str, Any]) -> str:
    """'tỷ lệ tham gia bảo hiểm y tế ≥ 95 %' from a target's fields."""
    def num(v):
        return None if v is None else (f"{v:g}" if isinstance(v, float) else str(v))

    value = num(t.get("value"))
    if value and t.get("value_max") is not None:
        value = f"{value}–{num(t.get('value_max'))}"
    parts = [t.get("metric") or "", _CMP.get(t.get("comparator") or "", "") if value else "", value or "",
             t.get("unit") or "" if value else "", f"({t['period']})" if t.get("period") else ""]
    return " ".join(p for p in parts if p) or t.get("text", "")
