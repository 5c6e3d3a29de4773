"""Write the JSON Schema of the record models to schemas/json (run: python -m schemas.export)."""
from __future__ import annotations

import json
from pathlib import Path

from schemas.record import DirectiveRecord

SCHEMA_PATH = Path(__file__).parent / "json" / "directive-record.schema.json"


def schema_text() -> str:
    schema = DirectiveRecord.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://chithi.invalid/schemas/directive-record.schema.json"
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> None:
    SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    print(SCHEMA_PATH)


if __name__ == "__main__":
    main()
