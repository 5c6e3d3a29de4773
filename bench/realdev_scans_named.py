"""`chithi eval` of the real scans of corpus/realdev (the 'scan' group of split.tsv: R24–R26) under the file names
they were published with (sources.tsv), beside the same eval under the corpus names (R24.pdf …).

A handwritten number is taken from the file name when it holds one (pipeline/structure/unread_meta.py), so the
metadata number can only be right under the original names; everything else should score the same.

    .venv/bin/python bench/realdev_scans_named.py [--details]
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REALDEV = ROOT / "corpus" / "realdev"


def scans() -> dict[str, str]:
    """Scan id → the file name it was published with."""
    split = dict(line.split("\t")[:2] for line in (REALDEV / "split.tsv").read_text(encoding="utf-8").split("\n")
                 if "\t" in line)
    out = {}
    for line in (REALDEV / "sources.tsv").read_text(encoding="utf-8").splitlines():
        f = line.split("\t")
        if len(f) > 4 and split.get(f[0]) == "scan":
            out[f[0]] = Path(f[4]).name
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--details", action="store_true")
    a = ap.parse_args()
    named = scans()
    chithi = str(ROOT / ".venv" / "bin" / "chithi")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("corpus", "original"):
            gold, docs = Path(tmp) / kind / "gold", Path(tmp) / kind / "docs"
            gold.mkdir(parents=True)
            docs.mkdir()
            for rid, name in named.items():
                g = json.loads((REALDEV / "gold" / f"{rid}.json").read_text(encoding="utf-8"))
                src = REALDEV / "docs" / g["source"]
                if kind == "original":
                    g["source"] = name
                shutil.copy(src, docs / g["source"])
                (gold / f"{rid}.json").write_text(json.dumps(g, ensure_ascii=False), encoding="utf-8")
            print(f"== {kind} names: {', '.join(sorted(p.name for p in docs.iterdir()))}", flush=True)
            subprocess.run([chithi, "eval", "-q", *(["--details"] if a.details else []), str(gold), str(docs)],
                           check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
