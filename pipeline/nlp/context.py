"""What every component reads: the text, its folded and lowercased copies, the body range, the paragraphs and
blocks; and where results are left for the components after it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Ctx:
    text: str
    folded: str
    lower: str
    body_start: int
    body_end: int
    year: int | None
    paragraphs: list  # structure.Para
    results: dict[str, list[dict[str, Any]]]
    blocked: list[tuple[int, int]]  # grounds sentences (nlp.grounds) and cited documents (nlp.references): no
    #                                 targets, deadlines or doers inside
    blocks: tuple = ()  # pipeline.blocks.Block, offsets into text
    sections: list = field(default_factory=list)  # structure.Section
    ranges: tuple = ()  # (start, end) of the body and of annexes after the signature (Phụ lục)
    issuer: str | None = None  # the issuing body (structure), folded: it assigns tasks, it does not do them
    issued: str | None = None  # the issue date when it has a day (ISO): a due date before it is a past one
    header_year: int | None = None  # the year of the header's issue date (``year`` may be guessed from the body)

    def in_ranges(self, pos: int) -> bool:
        return any(a <= pos < b for a, b in self.ranges)


def _in_blocked(ctx: Ctx, s: int, e: int) -> bool:
    return any(a <= s < b or a < e <= b for a, b in ctx.blocked)
