"""The grounds a document states before its own words: "Căn cứ Nghị định số … quy định …: các bộ … hoàn thành …",
"Thực hiện Nghị quyết số … về …, phấn đấu đến năm 2030 …". What such a sentence says belongs to the document it
cites — its deadlines, figures and doers are that document's, not this one's assignments.

A grounds sentence opens a paragraph with a grounds word (extraction.yaml ``grounds_openers``) and names a cited
document within a few words (``citation_words``). It ends at the end of its sentence, or earlier where the issuer's
own voice begins: a request ("đề nghị", "yêu cầu", "giao"), or a comma before a capitalised unit ("Thực hiện Kế
hoạch số 12, Sở Y tế hướng dẫn …") — but not after a colon, which quotes the cited provision ("Căn cứ Điều 9
Nghị định số 358 quy định: các bộ, UBND các cấp hoàn thành …").
"""
from __future__ import annotations

import re
from functools import lru_cache

from pipeline.nlp.context import Ctx
from pipeline.nlp.data import _alt, compiled

_MARKER = re.compile(r"\s*(?:[-–+•*]\s*|\(?(?:[IVXL]+|[a-zđ]|\d{1,2}(?:\.\d{1,2})*)[.)/]?\s+)?")
_SENTENCE_END = re.compile(r"\.\s+(?=[A-ZĐÀ-Ỹ])|\.?\s*$")


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern, re.Pattern]:
    r = compiled().rules
    return re.compile(_alt(r.grounds_openers)), re.compile(_alt(r.citation_words))


def grounds_spans(ctx: Ctx) -> list[tuple[int, int]]:
    """(start, end) of every grounds sentence in the body and the annexes."""
    opener, cite = _patterns()
    c = compiled()
    f, t = ctx.folded, ctx.text
    out: list[tuple[int, int]] = []
    for p in ctx.paragraphs:
        if not ctx.in_ranges(p.start):
            continue
        a = _MARKER.match(t, p.start, p.end).end()
        m = opener.match(f, a, p.end)
        if not m or not cite.search(f, m.end(), min(p.end, m.end() + 60)):
            continue
        end = _SENTENCE_END.search(t, m.end(), p.end)
        b = end.start() if end else p.end
        for request in c.lead_before_start.finditer(ctx.lower, m.end(), b):  # "đề nghị Sở X", not "giao dự toán"
            pos = request.end()
            if t[pos:pos + 1].isupper() or f.startswith(("cac ", "dong chi "), pos) or c.unit_head.match(t, pos):
                b = request.start()
                break
        colon = t.find(":", m.end(), b)
        for k in re.finditer(r",\s*", t[m.end():b if colon == -1 else colon]):  # "Thực hiện …, Sở Y tế hướng dẫn …"
            pos = m.end() + k.end()
            if t[pos:pos + 1].isupper() and c.unit_head.match(t, pos):
                b = m.end() + k.start()
                break
        out.append((p.start, b))
    return out
