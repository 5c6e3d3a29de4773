"""Extraction from scanned copies of the clean seeds against extraction from their text.

Each seed is typeset onto A4 pages at 300 dpi (bench/ocr_cer.py's synthetic_scan: skew, blur, noise, a red seal),
saved as an image-only PDF, run through the whole pipeline (OCR included) and scored against corpus/gold like
`chithi eval`; the text files are scored the same way for comparison.

Usage: python bench/scan_extract_eval.py [--seeds 000,003] [--workers 2]
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from ocr_cer import synthetic_scan  # noqa: E402

LINES_PER_PAGE = 28


def seed_pages(path: Path) -> list[list[str]]:
    lines: list[str] = []
    for para in path.read_text(encoding="utf-8").split("\n"):
        para = re.sub(r"^#+\s*|\*\*|__", "", para).strip()
        if para:
            lines.extend(textwrap.wrap(para, 62))
            lines.append("")
    return [lines[i:i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)]


def scan_pdf(path: Path, out: Path, seed: int) -> int:
    rng = random.Random(seed)
    pages = [synthetic_scan(p if any(p) else ["."], rng) for p in seed_pages(path)]
    pages[0].save(out, save_all=True, append_images=pages[1:], resolution=300)
    return len(pages)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", default="000,001,003,004")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    from pipeline.evaluate import Report, format_report, score
    from pipeline.run import Options, extract_record

    gold_dir = ROOT / "corpus" / "gold"
    text_rep, scan_rep = Report(), Report()
    with tempfile.TemporaryDirectory() as tmp:
        for i, seed in enumerate(args.seeds.split(",")):
            src = next((ROOT / "corpus").glob(f"{seed}_*.txt"))
            gold = json.loads((gold_dir / (src.stem + ".json")).read_text(encoding="utf-8"))
            pdf = Path(tmp) / (src.stem + ".pdf")
            n = scan_pdf(src, pdf, seed=i)
            t0 = time.perf_counter()
            rec = json.loads(extract_record(pdf, Options(workers=args.workers)).model_dump_json())
            print(f"{src.name}: {n} scanned pages OCR'd and extracted in {time.perf_counter() - t0:.1f} s",
                  file=sys.stderr)
            score(gold, rec, scan_rep)
            score(gold, json.loads(extract_record(src).model_dump_json()), text_rep)
    print("== from text")
    print(format_report(text_rep))
    print("\n== from synthetic scans of the same documents")
    print(format_report(scan_rep))
    return 0


if __name__ == "__main__":
    sys.exit(main())
