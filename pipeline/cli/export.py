"""`chithi export`: the stored records as JSON Lines, CSV, an Excel workbook or search-index bulk NDJSON
(one writer per format in pipeline.exports)."""
from __future__ import annotations

import json
import sys
from typing import Any

from pipeline.cli.common import add_db, open_store, parse_date
from pipeline.cli.output import check_out
from pipeline.core.errors import ExitCode, UsageError
from pipeline.exports import FORMATS
from pipeline.exports.bulk import DEFAULT_INDEX


def register(sub) -> None:
    e = sub.add_parser("export", help="export records as JSON Lines, CSV rows or OpenSearch/Elasticsearch bulk",
                       description="jsonl: one DirectiveRecord a line, validated against the JSON Schema. csv: flat "
                       "rows, one per document, target, deadline and assignment (unit of a task). bulk: NDJSON for "
                       "the _bulk API; create the index first with schemas/opensearch-mapping.json.")
    add_db(e)
    e.add_argument("--format", required=True, choices=tuple(FORMATS),
                   help="csv has a UTF-8 BOM (Excel reads it as UTF-8); xlsx needs --out")
    e.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    e.add_argument("--since", metavar="DATE", help="only documents issued on or after DATE")
    e.add_argument("--type", dest="doc_type", metavar="TYPE", help="only this type: chi_thi, 'Chỉ thị', cong_van, …")
    e.add_argument("--issuer", metavar="NAME", help="only documents whose issuer contains NAME (diacritics ignored)")
    e.add_argument("--index", default=DEFAULT_INDEX, help=f"index name for bulk (default: {DEFAULT_INDEX})")
    e.set_defaults(func=cmd_export)


def _validator():
    """jsonschema validator of the record schema when the package is installed, else None (pydantic validates
    anyway)."""
    try:
        import jsonschema
    except ImportError:
        return None
    from schemas.export import SCHEMA_PATH

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def cmd_export(args) -> int:
    from pydantic import ValidationError

    from schemas.record import DirectiveRecord

    check_out(args.out)
    since = parse_date(args.since, "--since")
    kind = FORMATS[args.format]
    if kind.Writer.needs_file and not args.out:
        raise UsageError(f"--format {args.format} writes a file of its own: give --out FILE.{args.format}")
    bad = n = 0
    out: Any = sys.stdout
    if args.out and not kind.Writer.needs_file:
        out = open(args.out, "w", encoding="utf-8", newline="")
    try:
        with open_store(args) as store:
            validator = _validator() if args.format == "jsonl" else None
            writer = kind.Writer(args.out if kind.Writer.needs_file else out, index=args.index)
            for rec in store.records(doc_type=args.doc_type, issuer=args.issuer, since=since):
                try:
                    DirectiveRecord.model_validate(rec)
                    if validator is not None:
                        err = next(iter(validator.iter_errors(rec)), None)
                        if err is not None:
                            raise ValueError(f"{'/'.join(map(str, err.absolute_path))}: {err.message}")
                except (ValidationError, ValueError) as e:
                    bad += 1
                    msg = " ".join(str(e).split())[:200]
                    print(f"chithi: error: record {rec.get('doc_id')} does not match the schema: {msg}",
                          file=sys.stderr)
                    continue
                n += 1
                writer.add(rec, store.text(rec["doc_id"]) if writer.wants_text else None)
            writer.close()
    finally:
        if out is not sys.stdout:
            out.close()
    if args.out:
        print(f"chithi: exported {n} records to {args.out}" + (f" ({bad} invalid left out)" if bad else ""),
              file=sys.stderr)
    return ExitCode.partial_failure if bad else ExitCode.ok
