"""Write (or check) the JSON of every record of corpus/, corpus/realdev and ../shared/samples, timestamps aside.

    python scripts/record_snapshots.py            # check: exit 1 and name the records that differ
    python scripts/record_snapshots.py --update   # write tests/data/records/ anew (after a deliberate change)

tests/test_records_unchanged.py runs the check on the documents that are present. Refactoring must leave these
files byte-identical; a change in extraction rewrites them in the same commit, so the diff shows what changed.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "tests" / "data" / "records"
SHARED = ROOT.parent / "shared"


def sources() -> dict[str, Path]:
    """Snapshot name → document, for every document that is present (samples only beside a ../shared)."""
    found: dict[str, Path] = {}
    for p in sorted((ROOT / "corpus").glob("*.txt")):
        found[f"corpus/{p.name}"] = p
    for p in sorted((ROOT / "corpus" / "realdev" / "docs").glob("*")):
        found[f"realdev/{p.name}"] = p
    for kind in ("docx", "pdf", "scans"):
        for p in sorted((SHARED / "samples" / kind).glob("*")):
            found[f"samples/{kind}/{p.name}"] = p
    return found


def snapshot(path: Path) -> str:
    """The record's JSON as stored, without the extraction time; the path relative to the project root."""
    from pipeline.run import Options, extract_record

    rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else Path("..") / path.relative_to(ROOT.parent)
    rec = json.loads(extract_record(rel, Options(workers=2)).model_dump_json())
    rec.pop("extracted_at", None)
    return json.dumps(rec, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def file_of(name: str) -> Path:
    return SNAPSHOTS / (name.replace("/", "__") + ".json.gz")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--update", action="store_true", help="write the snapshots anew")
    ap.add_argument("names", nargs="*", help="only these snapshot names (default: all present)")
    args = ap.parse_args(argv)
    import os
    os.chdir(ROOT)
    todo = {k: v for k, v in sources().items() if not args.names or k in args.names}
    bad = []
    SNAPSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in todo.items():
        text = snapshot(path)
        f = file_of(name)
        if args.update:
            f.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
        elif not f.exists() or gzip.decompress(f.read_bytes()).decode("utf-8") != text:
            bad.append(name)
            print(f"differs: {name}", file=sys.stderr)
    print(f"{len(todo) - len(bad)} of {len(todo)} records {'written' if args.update else 'unchanged'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
