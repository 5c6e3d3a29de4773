"""Stage 5 — extract: targets, deadlines, tasks and their responsible units, references.

Filled by the rule components in pipeline.nlp (spaCy); this module owns the stage function and its result type.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from pipeline.document import Document


@dataclass
class Extraction:
    """Values with offsets (``start``, ``end``) in Document.text; assemble turns offsets into spans."""

    targets: list[dict[str, Any]] = field(default_factory=list)
    deadlines: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    references: list[dict[str, Any]] = field(default_factory=list)


def extract(doc: Document) -> Document:
    from pipeline.limits import check_chars
    from pipeline.nlp import get_nlp, run_extraction

    check_chars(doc.path, len(doc.text))  # OCR'd pages count too
    nlp = get_nlp()
    nlp.max_length = max(nlp.max_length, len(doc.text) + 1)  # our limit decides, never spaCy's E088
    ex = run_extraction(doc.text, doc.structure, doc.blocks)
    if any(p.method == "ocr" for p in doc.pages):  # unit names misread by OCR take their known spelling
        from pipeline.nlp.ocrnames import correct_units

        fixed = correct_units(ex.tasks, doc.text)
        if fixed:
            doc = doc.with_warning(
                "ocr_unit_corrected",
                f"{len(fixed)} unit name(s) read by OCR corrected against known unit words and place names: "
                + "; ".join(f"'{a}' → '{b}'" for a, b in fixed[:5]) + ("; ..." if len(fixed) > 5 else "")
                + " (each unit's text keeps what was read)")
    return replace(doc, extraction=ex)
