"""The DirectiveRecord: what `chithi extract` prints, what the store keeps, what search indexes consume.

Every extracted value carries the source ``text`` it was read from and its ``span`` in the text that
`chithi text` prints (pages separated by form feeds), with the page number and, for OCR and PDF words, the
bounding box and confidence. Change the models → bump SCHEMA_VERSION and re-export
(``python -m schemas.export``); a test fails when ``schemas/json`` drifts from the models.
"""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.3.0"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BBox(_Model):
    x0: float = Field(description="Left edge, in page units (PDF points or image pixels).")
    top: float = Field(description="Top edge, measured from the top of the page.")
    x1: float = Field(description="Right edge.")
    bottom: float = Field(description="Bottom edge.")


class Span(_Model):
    start: int = Field(ge=0, description="Start character offset in the normalized text (`chithi text`).")
    end: int = Field(ge=0, description="End character offset (exclusive).")
    page: int = Field(ge=1, description="1-based page number the text stands on.")
    bbox: Optional[BBox] = Field(None, description="Union of the word boxes of the span (OCR and PDF only).")
    confidence: Optional[float] = Field(None, description="Lowest OCR word confidence in the span, 0-100.")


class _Grounded(_Model):
    text: str = Field(description="The source text the value was read from, as it stands in the normalized text.")
    span: Span
    restored: bool = Field(False, description="True when the value's words differ from what was read: diacritics "
                                             "restored in stripped or garbled text, or OCR marks corrected.")


class MetaValue(_Grounded):
    value: str = Field(description="The normalized value (ISO date for dates, snake_case for doc_type).")
    inferred: bool = Field(False, description="True when not read from its usual place (e.g. issuer inferred from the body).")
    origin: Optional[Literal["document", "file_name"]] = Field(
        None, description="Where a value the header does not show in print (a handwritten or stamped number or day) "
                          "was taken from: 'document' (an annex header or later page naming this document, which "
                          "``span`` points at) or 'file_name' (``span`` points at the header's unread number); null "
                          "when read where it stands. Such a value always comes with a warning naming the field.")


class Signer(_Grounded):
    name: Optional[str] = Field(None, description="Signer's name as printed; null for unsigned drafts.")
    title: Optional[str] = Field(None, description="Chức vụ: 'Chủ tịch', 'Phó Chủ tịch', 'Giám đốc', ...")
    capacity: Optional[Literal["TM.", "KT.", "TL.", "TUQ.", "Q."]] = Field(
        None, description="Thẩm quyền ký: TM. (thay mặt), KT. (ký thay), TL. (thừa lệnh), TUQ. (thừa ủy quyền), Q. (quyền).")


class Recipient(_Grounded):
    name: str = Field(description="Recipient as listed under Nơi nhận / Kính gửi.")


class Reference(_Grounded):
    number: Optional[str] = Field(None, description="Số ký hiệu of the cited document, e.g. '02/CT-UBND'.")
    doc_type: Optional[str] = Field(None, description="snake_case ASCII of its type: nghi_quyet, chi_thi, ...")
    date: Optional[str] = Field(None, description="ISO date of the cited document when given.")
    issuer: Optional[str] = Field(None, description="Issuing body when named ('của Thủ tướng Chính phủ').")


class Attachment(_Model):
    number: Optional[str] = Field(None, description="Số ký hiệu of the attached document; null when blank.")
    doc_type: Optional[str] = Field(None, description="Its tên loại in snake_case ASCII: bao_cao, quyet_dinh, ...")
    first_page: int = Field(ge=1, description="1-based page where the attached document starts.")
    last_page: int = Field(ge=1, description="1-based page where it ends.")
    span: Span = Field(description="Where the attached document stands in the normalized text.")


class Metadata(_Model):
    number: Optional[MetaValue] = Field(None, description="Số ký hiệu, e.g. '01/CT-UBND'; null when blank.")
    doc_type: Optional[MetaValue] = Field(None, description="chi_thi, ke_hoach, quyet_dinh, cong_van, to_trinh, ...")
    issued_date: Optional[MetaValue] = Field(None, description="ISO date; 'YYYY-MM' or 'YYYY' when day/month are blank.")
    place: Optional[MetaValue] = Field(None, description="Địa danh before ', ngày'.")
    issuer: Optional[MetaValue] = Field(None, description="Cơ quan ban hành written out in full.")
    subject: Optional[MetaValue] = Field(None, description="Trích yếu.")
    signer: Optional[Signer] = None
    recipients: list[Recipient] = Field(default_factory=list, description="Nơi nhận: who receives a copy.")
    addressees: list[Recipient] = Field(default_factory=list,
                                        description="Kính gửi: whom a công văn is addressed to.")
    references: list[Reference] = Field(default_factory=list, description="Documents cited in the text.")
    attachments: list[Attachment] = Field(
        default_factory=list, description="Documents filed after this one in the same file (a Tờ trình's Báo cáo "
                                          "or draft): a second header block starts each; the record describes the first.")


Comparator = Literal["reach", "at_least", "more_than", "at_most", "increase_by", "decrease_by", "maintain", "approx"]
Precision = Literal["day", "month", "quarter", "half", "year", "recurring"]
Recurrence = Literal["weekly", "monthly", "quarterly", "half_yearly", "yearly", "periodic"]
Role = Literal["lead", "support", "direct"]


class Target(_Grounded):
    id: str = Field(description="Record-local id, 't1', 't2', ...")
    metric: Optional[str] = Field(None, description="The words naming what is measured, copied from the text.")
    value: Optional[float] = Field(None, description="The number (decimal comma read as a point); null for a named indicator.")
    value_max: Optional[float] = Field(None, description="Upper bound of a range ('9,5% - 10%').")
    unit: Optional[str] = Field(None, description="'%', '‰', 'xã', 'tỷ đồng', ... as written; null when none.")
    comparator: Optional[Comparator] = None
    period: Optional[str] = Field(None, description="The period the target is for, e.g. 'năm 2024'.")
    task_id: Optional[str] = Field(None, description="The task the target belongs to.")


class Deadline(_Grounded):
    id: str = Field(description="Record-local id, 'd1', 'd2', ...")
    due: Optional[str] = Field(None, description="ISO date of the last day still on time; null for recurring duties.")
    precision: Precision
    recurrence: Optional[Recurrence] = None
    task_id: Optional[str] = None
    action: Optional[str] = Field(None, description="What must be done by then: the action of the task it bounds.")
    units: list[str] = Field(default_factory=list, description="Who must meet it: the lead units of that task.")


class Unit(_Grounded):
    name: str = Field(description="The unit's name as written, without the leading verb.")
    role: Role


class Task(_Grounded):
    id: str = Field(description="Record-local id, 'k1', 'k2', ...")
    section: Optional[str] = Field(None, description="Section path of the item, e.g. 'II.3.a'.")
    action: Optional[str] = Field(None, description="What the task asks: a table row's content cell, the body of a "
                                  "labelled block, the item or clause without its marker and unit heading; null when "
                                  "the item is a bare label.")
    action_spans: list[Span] = Field(default_factory=list, description="Where the action stands (two spans when a "
                                     "table cell goes on over a page break).")
    units: list[Unit] = Field(default_factory=list, description="Its units; a lead inherited from the unit heading "
                              "the item stands under keeps the heading's span.")
    deadline_ids: list[str] = Field(default_factory=list)
    target_ids: list[str] = Field(default_factory=list)


class Restoration(_Model):
    tokens: int = Field(description="Word tokens examined.")
    changed: int = Field(description="Tokens changed by restoration.")
    paragraphs: int
    paragraphs_restored: int


class Source(_Model):
    path: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    media_type: str
    size: int = Field(ge=0, description="Bytes.")
    page_count: int = Field(ge=0)
    text_method: Literal["text", "docx", "html", "pdf_text", "ocr", "restored"] = Field(
        description="How the text was obtained; 'restored' when diacritics were restored.")
    page_methods: list[Literal["text", "docx", "html", "pdf_text", "ocr"]] = Field(default_factory=list)
    encoding: Optional[str] = Field(None, description="Detected encoding of text input (legacy ones are converted).")
    ocr_confidence: Optional[float] = Field(None, description="Mean OCR word confidence over OCR'd pages, 0-100.")
    restoration: Optional[Restoration] = None


class Warning(_Model):
    code: str = Field(description="Stable machine code, e.g. 'blank_number', 'low_ocr_confidence'.")
    message: str
    field: Optional[str] = Field(None, description="The metadata field the warning is about ('number', "
                                                   "'issued_date', 'signer', 'issuer'): a value that was not read "
                                                   "(null) or was taken from elsewhere, for a reviewer to check or fill.")
    span: Optional[Span] = None


class Decision(_Model):
    item: str = Field(description="The value decided on: 'meta-number', 't1', 'd1', 'k1-u1', 'k1' (a task without units).")
    decision: Literal["accept", "reject", "correct"]
    value: Optional[str] = Field(None, description="The corrected value (decision 'correct').")
    original: Optional[str] = Field(None, description="The value as extracted.")
    note: Optional[str] = None
    reviewer: Optional[str] = Field(None, description="Who decided.")
    decided_at: Optional[str] = Field(None, description="When, ISO 8601 (from the review page).")


class Review(_Model):
    status: Literal["unreviewed", "in_review", "reviewed"]
    decided: int = Field(description="Values decided on.")
    total: int = Field(description="Values there are to decide on.")
    decisions: list[Decision] = Field(default_factory=list)


class DirectiveRecord(_Model):
    schema_version: str = Field(SCHEMA_VERSION)
    doc_id: str = Field(description="Stable id: first 16 hex digits of the source sha256.")
    pipeline_version: str
    extracted_at: str = Field(description="UTC time of extraction, ISO 8601.")
    source: Source
    metadata: Metadata
    targets: list[Target] = Field(default_factory=list)
    deadlines: list[Deadline] = Field(default_factory=list)
    tasks: list[Task] = Field(default_factory=list)
    warnings: list[Warning] = Field(default_factory=list)
    review: Optional[Review] = Field(None, description="Reviewer decisions stored by `chithi review --apply` (records "
                                     "read from the store); corrected values are in place, rejected ones left out.")
