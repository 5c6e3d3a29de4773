"""Several documents in one file: a Tờ trình followed by the Báo cáo or draft Quyết định it submits, scanned as
one PDF.

A page after the first whose top carries a second header block — the national motto ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA
VIỆT NAM" / "Độc lập - Tự do - Hạnh phúc") together with a số ký hiệu line or a tên loại heading — starts an
attached document; it runs to the next such page or the end. The record describes the first document (its
structure, signer and extraction stop where the first attachment starts) and lists the attachments with their
số ký hiệu, tên loại and pages, read by the same header parser (pipeline.structure.parse) on their own text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.core.textutil import fold
from pipeline.lang.lexicon import lexicon
from pipeline.structure.parse import parse

HEAD_LINES = 22  # lines from the top of a page searched for a header block
_MOTTO = re.compile(r"cong\s+hoa\s+xa\s+hoi\s+chu\s+nghia|doc\s+lap\s*[-–—]\s*tu\s+do")
_NUMBER_LINE = re.compile(r"^[\s*#|]*s[o6]\s*(?::|\s[0-9]|/)")
_LONE_NUMBER = re.compile(r"^[\s*#|]*s[o6]\s*:?\s*$")  # "SỐ" over "/BC-BCĐ": a blank number wrapped
_ANNEX = re.compile(r"^[\s*#|]*(?:mau\s+(?:so\s+)?\S+|phu\s+luc)\b")  # "Mẫu số 03", "Phụ lục": part of the first


@dataclass
class Attachment:
    start: int          # offsets of the attached document in Document.text
    end: int
    first_page: int     # 1-based
    last_page: int
    number: object = None    # pipeline.structure.Field
    doc_type: object = None  # pipeline.structure.Field


def _is_doc_type(line: str) -> bool:
    key = re.sub(r"\s+", " ", fold(line).strip(" *#:.")).strip()
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters) and key in {fold(k) for k in lexicon().doc_types}


def starts_document(page_text: str) -> bool:
    """Does this page open with a header block of its own (motto + số ký hiệu or tên loại)?"""
    lines = [ln for ln in page_text.split("\n") if ln.strip()][:HEAD_LINES]
    folded = [fold(ln) for ln in lines]
    if not folded or _ANNEX.match(folded[0]) or not any(_MOTTO.search(ln) for ln in folded):
        return False
    number = any(_NUMBER_LINE.match(ln) or (_LONE_NUMBER.match(ln) and nxt.lstrip().startswith("/"))
                 for ln, nxt in zip(folded, folded[1:] + [""]))
    return number or any(_is_doc_type(ln) for ln in lines)


def find_attachments(text: str) -> list[Attachment]:
    """The attached documents of a text whose pages are separated by form feeds (page 1 never starts one)."""
    pages = text.split("\f")
    starts, pos = [], 0
    for p in pages:
        starts.append(pos)
        pos += len(p) + 1
    cuts = [i for i in range(1, len(pages)) if starts_document(pages[i])]
    out = []
    for k, i in enumerate(cuts):
        j = cuts[k + 1] if k + 1 < len(cuts) else len(pages)
        a, b = starts[i], starts[j] - 1 if j < len(pages) else len(text)
        st = parse(text[a:b])
        out.append(Attachment(a, b, i + 1, j, _shift(st.number, a), _shift(st.doc_type, a)))
    return out


def _shift(f, base: int):
    if f is None:
        return None
    from dataclasses import replace

    return replace(f, start=f.start + base, end=f.end + base)
