"""`chithi eval GOLD_DIR [DOCS_DIR]`: extraction quality against gold annotations."""
from __future__ import annotations

import json
import sys


def register(sub) -> None:
    p = sub.add_parser("eval", help="score extraction against gold annotations (precision, recall, F1)",
                       description="Run extraction on the documents the gold files name (in DOCS_DIR, default the "
                       "gold folder's parent) and print precision, recall and F1 per field and metadata accuracy.")
    p.add_argument("gold_dir", metavar="GOLD_DIR")
    p.add_argument("docs_dir", metavar="DOCS_DIR", nargs="?")
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.add_argument("--details", action="store_true", help="list missed and extra items per document")
    p.set_defaults(func=cmd_eval)


def cmd_eval(args) -> int:
    from pipeline.evaluate import evaluate, format_report
    from pipeline.engine.progress import bar
    from pipeline.run import extract_record

    with bar(None, "eval", quiet=args.quiet) as b:
        def extract(path):
            b.set_postfix_str(path.name, refresh=False)
            rec = json.loads(extract_record(path).model_dump_json())
            b.update(1)
            return rec

        rep = evaluate(args.gold_dir, args.docs_dir, extract=extract)
    if args.json:
        out = rep.as_dict()
        if not args.details:
            out.pop("per_document")
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    if args.details:
        for d in rep.documents:
            print(f"== {d['source']}")
            for k in ("targets", "deadlines", "assignments", "who_by_when"):
                name = "pair" if k == "who_by_when" else k[:-1]  # who_by_when: (deadline, lead unit) pairs
                for m in d.get(k, {}).get("missed", ()):
                    print(f"  missed {name}: {json.dumps(m, ensure_ascii=False)}")
                for x in d.get(k, {}).get("extra", ()):
                    print(f"  extra  {name}: {json.dumps(x, ensure_ascii=False)}")
            for k, v in d["metadata_wrong"].items():
                print(f"  metadata {k}: gold {v['gold']!r} got {v['pred']!r}")
        print()
    print(format_report(rep))
    sys.stdout.flush()
    return 0
