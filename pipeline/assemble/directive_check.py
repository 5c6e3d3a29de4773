"""Is the input a directive at all? A README, a guide or an English text read by mistake gets a
``not_a_directive`` warning (``chithi ingest`` counts those apart, and ``--only-directives`` leaves them out).

Called from :func:`pipeline.run.record_of` on the assembled record; it reads only the record and the text.
"""
from __future__ import annotations

import re

from pipeline.core.textutil import fold
from schemas.record import DirectiveRecord, Warning

#: frequent Vietnamese syllables (folded) that are not English words: their share of a text's words tells
#: Vietnamese typed without diacritics from another language
_COMMON = set("""cac cua va nhan dan thuc hien trong nam ngay duoc cho voi theo tinh quan cong tac bao cao ke hoach
nhiem vu don phoi hop chu tri nguoi viec nay khong tren dia ban xa huyen so uy ve nhung phai tu den nhu tai lam
viec dong thoi kiem tra phong chong quy dinh ban hanh chi thi quyet dinh nghi""".split())
_WORD = re.compile(r"[^\W\d_]+", re.U)
_MARKED = re.compile(r"[^\x00-\x7f]")


def is_vietnamese(text: str) -> bool:
    words = _WORD.findall(text[:20000])
    if len(words) < 5:
        return bool(words) and any(_MARKED.search(w) for w in words)
    marked = sum(1 for w in words if _MARKED.search(w))
    common = sum(1 for w in words if fold(w) in _COMMON)
    return marked / len(words) >= 0.2 or common / len(words) >= 0.15


def not_a_directive(doc, record: DirectiveRecord) -> Warning | None:
    """The warning when the record does not read as a directive: not Vietnamese, or two of these missing: a
    header (số ký hiệu, date, or an issuer in a header block), a tên loại, a task. (A Chỉ thị without a header
    block still has its tên loại and tasks; a guide or README has neither header nor tên loại.)"""
    md = record.metadata
    missing = []
    if md.number is None and md.issued_date is None and (md.issuer is None or md.issuer.inferred):
        missing.append("no header (số ký hiệu, date, issuer)")
    if md.doc_type is None:
        missing.append("no tên loại")
    if not record.tasks:
        missing.append("no tasks")
    # the text as read: restoration would put Vietnamese marks on English words too
    reasons = (["not Vietnamese"] if not is_vietnamese(doc.raw_text or "") else []) + (missing if len(missing) >= 2 else [])
    if not reasons:
        return None
    return Warning(code="not_a_directive", message="not a directive: " + "; ".join(reasons))
