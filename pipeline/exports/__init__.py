"""Outputs: one module per format. Record exports implement :class:`pipeline.exports.base.RecordWriter` (jsonl,
csv, xlsx, bulk: :data:`FORMATS`); the deadline outputs are ``ics`` (iCalendar) and ``timeline`` (an HTML page);
``review`` builds the audit page. HTML is made from the Jinja2 templates in pipeline/templates (``templating``);
every file is written atomically (``files``)."""
from __future__ import annotations

from pipeline.exports import bulk, csv, jsonl, xlsx

#: ``chithi export --format`` → the module whose ``Writer`` writes it
FORMATS = {"jsonl": jsonl, "csv": csv, "xlsx": xlsx, "bulk": bulk}
