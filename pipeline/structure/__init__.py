"""Stage 4 — structure: header block, số ký hiệu, địa danh/ngày, tên loại, trích yếu, Kính gửi, section tree,
signature, Nơi nhận, annexes (:mod:`.parse`), and documents attached after the first in one file (:mod:`.attachments`)."""
from __future__ import annotations

from dataclasses import replace

from pipeline.core.document import Document
from pipeline.structure.attachments import find_attachments
from pipeline.structure.parse import Field, Structure, parse
from pipeline.structure.unread_meta import fill

__all__ = ["Structure", "parse", "structure"]


def structure(doc: Document) -> Document:
    atts = find_attachments(doc.text) if len(doc.pages) > 1 else []
    if atts:  # the record describes the first document: its header, body and signature end where they start
        end = atts[0].start
        st = parse(doc.text[:end], tuple(b for b in doc.blocks if b.end <= end))
        st.attachments = atts
        doc = doc.with_warning("attachments", f"{len(atts)} attached document(s) after the first, from page(s) "
                               f"{', '.join(str(a.first_page) for a in atts)}: the record describes the first")
    else:
        st = parse(doc.text, doc.blocks)
    for f in fill(doc.text, st, doc.path):  # a handwritten number or day: the document itself or its file name
        setattr(st, f.field, Field(f.value, f.start, f.end, origin=f.origin))  # may hold it (with a warning)
        st.notes.append((f.code, f.message))
    for code, msg in st.notes:
        doc = doc.with_warning(code, msg)
    if st.issuer is not None and st.issuer.inferred:
        doc = doc.with_warning("inferred_issuer", f"issuer not in a header block; inferred from the body: {st.issuer.value}")
    return replace(doc, structure=st)
