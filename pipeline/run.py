"""The one place the stages are composed: read → ocr → normalize → structure → extract → assemble.

Every stage is a plain function of a Document; nothing is shared between documents, so the engine
(pipeline.engine) can call these in parallel worker processes, page by page. No pool is made here: the OCR stage is
handed the executor the caller passes (``read(…, executor=…)``), else it reads the pages in this process.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.core.document import Document
from pipeline.readers import ingest

if TYPE_CHECKING:  # the later stages are imported when first used: `chithi text` on a scan needs none of them
    from schemas.record import DirectiveRecord


@dataclass(frozen=True)
class Options:
    workers: int = 1          # processes for OCR pages (the engine's: pipeline.engine)
    ocr_timeout: float = 180  # seconds per page
    restore: bool = True


def read(path: str | Path, options: Options = Options(), on_page=None, executor=None) -> Document:
    """Read and OCR: the document with page texts (``on_page(done, total)`` as OCR reads each page; ``executor``:
    where the OCR stage reads the pages, see pipeline.ocr.ocr)."""
    doc = ingest(path)
    if any(p.needs_ocr for p in doc.pages):
        from pipeline.ocr import ocr

        doc = ocr(doc, executor, timeout=options.ocr_timeout, on_page=on_page)
    return doc


def text_stages(doc: Document, options: Options = Options()) -> Document:
    from pipeline.normalize import normalize
    from pipeline.structure import structure

    return structure(normalize(doc, restore=options.restore))


def record_of(doc: Document, options: Options = Options()) -> tuple[Document, DirectiveRecord]:
    """The stages after reading: normalize, structure, extract, assemble."""
    from pipeline.assemble.directive_check import not_a_directive
    from pipeline.assemble import assemble
    from pipeline.nlp import extract

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

