"""The one place the stages are composed: ingest → ocr → normalize → structure → extract → assemble.

Every stage is a plain function of a Document; nothing is shared between documents, so a batch engine can call
:func:`process` in parallel worker processes (pipeline.schedule does, page by page).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.document import Document
from pipeline.ingest import ingest

if TYPE_CHECKING:  # the later stages are imported when first used: `chithi text` on a scan needs none of them
    from schemas.record import DirectiveRecord


@dataclass(frozen=True)
class Options:
    workers: int = 1          # processes for OCR pages
    ocr_timeout: float = 180  # seconds per page
    restore: bool = True


def read(path: str | Path, options: Options = Options(), on_page=None) -> Document:
    """Ingest and OCR: the document with page texts (``on_page(done, total)`` as OCR reads each page)."""
    doc = ingest(path)
    if any(p.needs_ocr for p in doc.pages):
        from pipeline.ocr import ocr

        doc = ocr(doc, workers=options.workers, timeout=options.ocr_timeout, on_page=on_page)
    return doc


def text_stages(doc: Document, options: Options = Options()) -> Document:
    from pipeline.normalize import normalize
    from pipeline.structure import structure

    return structure(normalize(doc, restore=options.restore))


def record_of(doc: Document, options: Options = Options()) -> tuple[Document, DirectiveRecord]:
    """The stages after reading: normalize, structure, extract, assemble."""
    from pipeline.directive_check import not_a_directive
    from pipeline.assemble import assemble
    from pipeline.extract import extract

    doc = extract(text_stages(doc, options))
    record = assemble(doc)
    warning = not_a_directive(doc, record)
    if warning is not None:
        record.warnings.append(warning)
    return doc, record


def process(path: str | Path, options: Options = Options(), on_page=None) -> tuple[Document, DirectiveRecord]:
    return record_of(read(path, options, on_page), options)


def extract_record(path: str | Path, options: Options = Options()) -> DirectiveRecord:
    return process(path, options)[1]

