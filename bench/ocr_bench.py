"""Pages per second: `chithi text` on the real scans vs bare `tesseract -l vie`, single process, same pages.

    .venv/bin/python bench/ocr_bench.py [--workers N] [--pages N] [--scans DIR] [--file NAME]

--file NAME takes only that scan of DIR (with --pages 5: a single 5-page scan, where fixed start-up weighs most).

The bare baseline OCRs the same pages, pre-rendered at 300 dpi as PNG (rendering not timed), one after another
with OMP_THREAD_LIMIT=1 (Tesseract's fastest single-process setting here); `chithi text` is timed end to end
(rendering, preprocessing, OCR, layout, normalization) with --workers N. Also prints peak RSS of chithi.
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


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--pages", type=int, default=0, help="use at most this many pages (0: all)")
    ap.add_argument("--scans", type=Path, default=SCANS)
    ap.add_argument("--file", help="only this scan of --scans")
    a = ap.parse_args()
    import pypdfium2 as pdfium

    files = sorted(a.scans.glob(a.file or "*.pdf"))
    if not files:
        print(f"no scans in {a.scans}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pngs, subset = [], []
        for f in files:
            pdf = pdfium.PdfDocument(f)
            n = len(pdf)
            if a.pages and len(pngs) + n > a.pages:
                n = a.pages - len(pngs)
            if n <= 0:
                break
            if n < len(pdf):  # a prefix of this PDF: write it as its own file for chithi
                new = pdfium.PdfDocument.new()
                new.import_pages(pdf, list(range(n)))
                sub = tmp / f.name
                new.save(sub)
                subset.append(sub)
            else:
                subset.append(f)
            for i in range(n):
                png = tmp / f"{f.stem}-{i}.png"
                pdf[i].render(scale=300 / 72).to_pil().save(png)
                pngs.append(png)
        pages = len(pngs)
        env = dict(os.environ, OMP_THREAD_LIMIT="1")
        load = os.getloadavg()[0]
        c0 = _cpu()
        t = time.perf_counter()
        for png in pngs:
            subprocess.run(["tesseract", str(png), "stdout", "-l", "vie"], env=env, check=True,
                           capture_output=True)
        bare = time.perf_counter() - t
        c1 = _cpu()
        chithi = str(ROOT / ".venv" / "bin" / "chithi")
        t = time.perf_counter()
        subprocess.run([chithi, "text", "--workers", str(a.workers), *map(str, subset)], check=True,
                       capture_output=True)
        ours = time.perf_counter() - t
        c2 = _cpu()
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"pages: {pages} from {len(subset)} scans; cores: {os.cpu_count()}; chithi --workers {a.workers}")
    print(f"bare tesseract -l vie (1 process, OMP_THREAD_LIMIT=1): {pages / bare:.3f} pages/s ({bare:.1f} s)")
    print(f"chithi text:                                          {pages / ours:.3f} pages/s ({ours:.1f} s)")
    print(f"ratio: {bare / ours:.2f}x   (max RSS of a child process: {rss:.0f} MiB; load average at start {load:.1f})")
    cb, co = (c1 - c0) / pages, (c2 - c1) / pages
    cores = min(a.workers, os.cpu_count() or 1)
    print(f"CPU s/page: bare {cb:.2f}, chithi {co:.2f}; on {cores} idle cores chithi would do "
          f"{cores * cb / co:.2f}x bare (the wall-clock ratio above is lower when other jobs share the cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
