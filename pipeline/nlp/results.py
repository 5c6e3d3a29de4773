"""What the extract stage hands to assemble: typed results with offsets (``start``, ``end``) in Document.text.

The rule components (one module each in pipeline.nlp) build plain dicts while they match; :meth:`Extraction.of`
turns them into these frozen types in one place, so the contract between extraction and assembly is the fields
below, not dict keys. Assemble turns offsets into spans.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class UnitResult:
    name: str
    role: str          # lead, support, direct
    start: int
    end: int


@dataclass(frozen=True)
class TargetResult:
    id: str
    start: int
    end: int
    metric: str | None = None
    value: float | None = None
    value_max: float | None = None
    unit: str | None = None
    comparator: str | None = None
    period: str | None = None
    task_id: str | None = None


@dataclass(frozen=True)
class DeadlineResult:
    id: str
    start: int
    end: int
    precision: str
    due: str | None = None
    recurrence: str | None = None
    task_id: str | None = None


@dataclass(frozen=True)
class TaskResult:
    id: str
    start: int
    end: int
    units: tuple[UnitResult, ...] = ()
    section: str | None = None
    deadline_ids: tuple[str, ...] = ()
    target_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReferenceResult:
    start: int
    end: int
    number: str | None = None
    doc_type: str | None = None
    date: str | None = None
    issuer: str | None = None


@dataclass(frozen=True)
class Extraction:
    targets: tuple[TargetResult, ...] = ()
    deadlines: tuple[DeadlineResult, ...] = ()
    tasks: tuple[TaskResult, ...] = ()
    references: tuple[ReferenceResult, ...] = ()

    @classmethod
    def of(cls, targets: list[dict[str, Any]], deadlines: list[dict[str, Any]], tasks: list[dict[str, Any]],
           references: list[dict[str, Any]]) -> Extraction:
        """The typed results of the components' dicts (keys not named by a type are the components' own)."""
        return cls(
            targets=tuple(_typed(TargetResult, t) for t in targets),
            deadlines=tuple(_typed(DeadlineResult, d) for d in deadlines),
            tasks=tuple(TaskResult(id=k["id"], start=k["start"], end=k["end"], section=k.get("section"),
                                   units=tuple(_typed(UnitResult, u) for u in k.get("units", ())),
                                   deadline_ids=tuple(k.get("deadline_ids", ())),
                                   target_ids=tuple(k.get("target_ids", ()))) for k in tasks),
            references=tuple(_typed(ReferenceResult, r) for r in references),
        )


def _typed(kind: type, item: dict[str, Any]):
    return kind(**{f: item[f] for f in kind.__dataclass_fields__ if f in item})
