"""Vietnamese labels (and English glosses) of document types and warning codes, from data/labels.yaml."""
from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel

from pipeline.lang.lexicon import load_yaml


class _Gloss(BaseModel):
    vi: str
    en: str
    field: str | None = None  # the metadata field the warning is about (number, issued_date, signer): a value to check or fill


class Labels(BaseModel):
    doc_types: dict[str, str]
    warnings: dict[str, _Gloss]


@lru_cache(maxsize=1)
def labels() -> Labels:
    return load_yaml("labels.yaml", Labels)


def doc_type_label(code: str | None) -> str | None:
    """'cong_van' -> 'Công văn' (the code itself when unknown)."""
    if not code:
        return code
    return labels().doc_types.get(code, code)


def warning_label(code: str) -> tuple[str, str]:
    """(Vietnamese, English) of a warning code; the code when unknown."""
    g = labels().warnings.get(code)
    return (g.vi, g.en) if g else (code, code)


def warning_field(code: str) -> str | None:
    """The metadata field a warning code is about ('number', 'issued_date', 'signer'), None for others."""
    g = labels().warnings.get(code)
    return g.field if g else None
