"""JSON Lines: one DirectiveRecord a line, as the JSON Schema (schemas/json) describes it."""
from __future__ import annotations

import json
from typing import Any

from pipeline.core.textutil import json_safe
from pipeline.exports.base import RecordWriter


class Writer(RecordWriter):
    def add(self, rec: dict[str, Any], text: str | None = None) -> None:
        self.out.write(json_safe(json.dumps(rec, ensure_ascii=False)) + "\n")
