"""Memory and time of `chithi text` on one long scanned PDF (default 200 pages).

    .venv/bin/python bench/long_scan.py [--pages 200] [--workers 2] [--scans DIR]

The PDF is built from the pages of the real scans in ../shared/samples/scans, repeated until it has --pages
pages (image-only pages, as a scanner makes them). Prints wall time, pages per second and the peak resident
memory of the chithi process and of its largest worker: the OCR stage renders one page per worker at a time,
so memory must not grow with the page count.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANS = ROOT.parent / "shared" / "samples" / "scans"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--scans", type=Path, default=SCANS)
    a = ap.parse_args()
    import pypdfium2 as pdfium

    files = sorted(a.scans.glob("*.pdf"))
    if not files:
        print(f"no scans in {a.scans}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        big = pdfium.PdfDocument.new()
        while len(big) < a.pages:
            for f in files:
                src = pdfium.PdfDocument(f)
                take = min(len(src), a.pages - len(big))
                big.import_pages(src, list(range(take)))
                if len(big) >= a.pages:
                    break
        path = Path(tmp) / "long.pdf"
        big.save(path)
        size = path.stat().st_size
        chithi = str(ROOT / ".venv" / "bin" / "chithi")
        t = time.perf_counter()
        r = subprocess.run([chithi, "text", "--workers", str(a.workers), str(path)], capture_output=True)
        wall = time.perf_counter() - t
        if r.returncode:
            print(r.stderr.decode(errors="replace"), file=sys.stderr)
            return r.returncode
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        pages_out = r.stdout.decode("utf-8").count("\f") + 1
    print(f"{a.pages}-page scanned PDF ({size / 1e6:.1f} MB), chithi text --workers {a.workers}")
    print(f"pages out: {pages_out}; {wall:.1f} s, {a.pages / wall:.3f} pages/s")
    print(f"max RSS of the largest process (parent or a worker): {rss:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
