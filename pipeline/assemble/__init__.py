"""Stage 6 — assemble: turn the enriched Document into a validated DirectiveRecord."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pipeline
from pipeline.core.document import Document
from pipeline.core.textutil import clean_value
from pipeline.core.textutil import shown_path
from pipeline.lang.labels import warning_field
from schemas.record import (
    Attachment, DirectiveRecord, Deadline, Metadata, MetaValue, Recipient, Reference, Restoration, Signer, Source, Span, Target,
    Task, Unit, Warning,
)

LOW_CONFIDENCE = 60.0  # OCR word confidence (0-100) under which a value gets a warning


def _restored_range(doc: Document, start: int, end: int) -> bool:
    """True when the value's words differ from what was read (diacritics restored or OCR marks corrected);
    whitespace and markup dropped by normalization do not count."""
    rs, re_ = doc.text_to_raw[start], doc.text_to_raw[min(end, len(doc.text))]
    return _letters(doc.text[start:end]) != _letters(doc.raw_text[rs:re_])


def _letters(s: str) -> str:
    return "".join(c for c in s if c.isalnum())


def _grounded(doc: Document, start: int, end: int) -> dict[str, Any]:
    return {"text": doc.text[start:end], "span": Span(**doc.locate(start, end)),
            "restored": _restored_range(doc, start, end)}


def _meta(doc: Document, f) -> MetaValue | None:
    if f is None:
        return None
    return MetaValue(value=f.value, inferred=f.inferred, origin=getattr(f, "origin", None),
                     **_grounded(doc, f.start, f.end))


def assemble(doc: Document) -> DirectiveRecord:
    st, ex = doc.structure, doc.extraction
    warnings = [Warning(code=w["code"], message=w["message"], field=w.get("field") or warning_field(w["code"]))
                for w in doc.warnings]
    signer = None
    if st.signer is not None:
        s = st.signer
        signer = Signer(name=s.name, title=s.title, capacity=s.capacity, **_grounded(doc, s.start, s.end))
        if not s.name:
            warnings.append(Warning(code="unsigned", message="no signer name in the signature block (a draft?)",
                                    field="signer"))
    metadata = Metadata(
        number=_meta(doc, st.number), doc_type=_meta(doc, st.doc_type), issued_date=_meta(doc, st.issued_date),
        place=_meta(doc, st.place), issuer=_meta(doc, st.issuer), subject=_meta(doc, st.subject), signer=signer,
        recipients=[Recipient(name=r.value, **_grounded(doc, r.start, r.end)) for r in st.recipients],
        addressees=[Recipient(name=r.value, **_grounded(doc, r.start, r.end)) for r in st.addressees],
        references=[Reference(number=r.number, doc_type=r.doc_type, date=r.date, issuer=r.issuer,
                              **_grounded(doc, r.start, r.end))
                    for r in (ex.references if ex else [])],
        attachments=[Attachment(number=a.number.value if a.number else None,
                                doc_type=a.doc_type.value if a.doc_type else None, first_page=a.first_page,
                                last_page=a.last_page, span=Span(**doc.locate(a.start, a.end)))
                     for a in getattr(st, "attachments", ())],
    )
    for name in ("number", "issued_date"):  # a number or day OCR read from handwriting: ask for a check
        v = getattr(metadata, name)
        c = v.span.confidence if v is not None else None
        if c is not None and c < LOW_CONFIDENCE and v.origin is None and not any(w.field == name for w in warnings):
            warnings.append(Warning(code="low_ocr_confidence", field=name, span=v.span,
                                    message=f"{name} '{v.text[:60]}' read from OCR words of confidence {c:.0f} "
                                            "(handwritten or stamped?): check the scan"))
    targets, deadlines, tasks = [], [], []
    if ex is not None:
        for t in ex.targets:
            targets.append(Target(id=t.id, metric=t.metric, value=t.value, value_max=t.value_max, unit=t.unit,
                                  comparator=t.comparator, period=t.period, task_id=t.task_id,
                                  **_grounded(doc, t.start, t.end)))
        for d in ex.deadlines:
            deadlines.append(Deadline(id=d.id, due=d.due, precision=d.precision, recurrence=d.recurrence,
                                      task_id=d.task_id, **_grounded(doc, d.start, d.end)))
        for k in ex.tasks:
            units = [Unit(name=u.name, role=u.role, **_grounded(doc, u.start, u.end)) for u in k.units]
            tasks.append(Task(id=k.id, section=k.section, units=units,
                              action=" ".join(clean_value(doc.text[a:b]) for a, b in k.action) or None,
                              action_spans=[Span(**doc.locate(a, b)) for a, b in k.action],
                              deadline_ids=list(k.deadline_ids), target_ids=list(k.target_ids),
                              **_grounded(doc, k.start, k.end)))
        by_id = {k.id: k for k in tasks}
        for d in deadlines:  # who must do what by then: the action and lead units of the task it bounds
            k = by_id.get(d.task_id) if d.task_id else None
            if k is not None:
                d.action = k.action
                d.units = list(dict.fromkeys(u.name for u in k.units if u.role == "lead"))
    for item in [*targets, *deadlines, *(u for k in tasks for u in k.units)]:
        c = item.span.confidence
        if c is not None and c < LOW_CONFIDENCE:
            warnings.append(Warning(code="low_ocr_confidence",
                                    message=f"'{item.text[:60]}' read from OCR words of confidence {c:.0f}",
                                    span=item.span))
    ocr_pages = [p.confidence for p in doc.pages if p.method == "ocr" and p.confidence is not None]
    r = doc.restoration
    source = Source(
        path=shown_path(doc.path), sha256=doc.sha256, media_type=doc.media_type, size=doc.size, page_count=doc.page_count,
        text_method=doc.method, page_methods=[p.method for p in doc.pages], encoding=doc.encoding,
        ocr_confidence=round(sum(ocr_pages) / len(ocr_pages), 1) if ocr_pages else None,
        restoration=Restoration(tokens=r.tokens, changed=r.changed, paragraphs=r.paragraphs,
                                paragraphs_restored=r.paragraphs_restored) if r and r.changed else None,
    )
    return DirectiveRecord(
        doc_id=doc.sha256[:16], pipeline_version=pipeline.__version__,
        extracted_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        source=source, metadata=metadata, targets=targets, deadlines=deadlines, tasks=tasks, warnings=warnings,
    )
