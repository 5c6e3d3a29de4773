"""The examples each command's `--help` ends with (set on the parsers in one place: pipeline.cli.build_parser)."""
from __future__ import annotations

EXAMPLES: dict[str, list[tuple[str, str]]] = {
    "": [("chithi extract chi-thi.pdf", "one document's record as JSON"),
         ("chithi ingest hop-thu/ --db chithi.db", "a folder into the database"),
         ("chithi deadlines --overdue", "what is late (the database of $CHITHI_DB, else ./chithi.db)"),
         ("chithi serve", "the workbench in a browser"),
         ("chithi COMMAND --help", "a command's options and examples")],
    "extract": [("chithi extract chi-thi.pdf", "the record as JSON"),
                ("chithi extract *.docx --jsonl > records.jsonl", "several, one a line"),
                ("cat cv.docx | chithi extract -", "from standard input")],
    "text": [("chithi text scan.pdf", "the normalized text (pages split by a form feed)"),
             ("chithi text --blocks ke-hoach.docx", "its blocks as JSON Lines")],
    "eval": [("chithi eval corpus/gold", "precision, recall, F1 against gold"),
             ("chithi eval corpus/realdev", "the real documents, tuning and checking halves")],
    "ingest": [("chithi ingest hop-thu/ --db chithi.db", "every supported file of a folder"),
               ("chithi ingest a.pdf b.docx -q", "quiet: nothing but errors"),
               ("chithi ingest hop-thu/ --only-directives --json", "leave out what is not a directive; JSON summary")],
    "docs": [("chithi docs", "every stored document, newest first"),
             ("chithi docs --type chi_thi --since 2024-01-01", "the directives issued since 2024"),
             ("chithi docs --review in_review --csv > dang-ra-soat.csv", "as CSV"),
             ("chithi docs 01/CT-UBND --json", "one document, by its số ký hiệu")],
    "search": [('chithi search "Sở Y tế"', "a unit: exact matches first"),
               ('chithi search "bao hiem y te" --type target', "diacritics optional; targets only"),
               ('chithi search \'"phòng chống ma túy"\' --tsv', "a phrase, as TSV")],
    "deadlines": [("chithi deadlines", "upcoming, then overdue, with the action and lead units"),
                  ("chithi deadlines --unit 'Sở Y tế' --from 2025-01-01", "one unit's, from a date"),
                  ("chithi deadlines --ics han.ics --html han.html", "also a calendar and a timeline page"),
                  ("chithi deadlines --overdue --csv > qua-han.csv", "as CSV")],
    "export": [("chithi export --format xlsx --out chithi.xlsx", "a workbook for Excel"),
               ("chithi export --format csv --type chi_thi > chi-thi.csv", "CSV rows of the directives"),
               ("chithi export --format bulk --index van-ban > bulk.ndjson", "for OpenSearch/Elasticsearch")],
    "review": [("chithi review cv.pdf --out ra-soat.html", "the review page of a file"),
               ("chithi review 01/CT-UBND --out ra-soat.html", "... of a stored document"),
               ("chithi review --apply chithi-review-bac282dc.json", "store the decisions downloaded from it")],
    "serve": [("chithi serve --db chithi.db", "http://127.0.0.1:8765/, for this machine only"),
              ("chithi serve --port 0", "any free port (printed)"),
              ("CHITHI_TOKEN=… chithi serve --host 0.0.0.0", "a review team: every write needs the token")],
}


def epilog(command: str) -> str | None:
    rows = EXAMPLES.get(command)
    if not rows:
        return None
    width = max(len(c) for c, _ in rows)
    return "examples:\n" + "\n".join(f"  {c.ljust(width)}   # {w}" for c, w in rows)
