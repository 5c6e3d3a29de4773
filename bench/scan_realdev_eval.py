"""Extraction from scanned copies of the real development DOCX (corpus/realdev) beside extraction from the DOCX.

Each DOCX is rendered to PDF by LibreOffice (headless, its own profile directory), every page rasterised at
300 dpi (pypdfium2) and made to look scanned by bench/ocr_cer.py's ``degrade`` (a red seal over the signature on
the last page, skew up to 1.2°, blur, noise), saved as an image-only PDF and run through the whole pipeline (OCR
included). Both versions are scored with pipeline.evaluate against the same gold, per field and per half, and so
is the rendered PDF through its text layer ("pdf"): what LibreOffice's rendering itself loses (a header or
signature cell laid out differently from Word, a line it drops) shows there, apart from what OCR loses.

    .venv/bin/python bench/scan_realdev_eval.py [--docs R12,R22] [--half tune] [--workers 2] [--json out.json]

The rendered PDFs and the OCR'd documents are cached under --cache (default /tmp/chithi-scan-eval); the OCR
cache key includes the source of the OCR stage, so a change there re-OCRs. --no-cache OCRs afresh.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from ocr_cer import degrade  # noqa: E402

REALDEV = ROOT / "corpus" / "realdev"
DPI = 300
# the OCR stage's sources: a change in any of them makes the cached OCR stale
OCR_SOURCES = ("pipeline/ocr.py", "pipeline/_exec/tesseract.py", "pipeline/pdf.py", "pipeline/scan_tables.py",
               "pipeline/page_text.py", "pipeline/data/ocr_layout.yaml", "pipeline/ingest.py", "pipeline/ocr",
               "pipeline/layout", "pipeline/readers", "pipeline/tools")


def to_pdf(docx: list[Path], out: Path) -> None:
    """LibreOffice headless conversion of ``docx`` into ``out`` (one PDF each, same stem)."""
    todo = [d for d in docx if not (out / (d.stem + ".pdf")).exists()]
    if not todo:
        return
    with tempfile.TemporaryDirectory() as profile:
        cmd = ["soffice", "--headless", f"-env:UserInstallation=file://{profile}", "--convert-to", "pdf",
               "--outdir", str(out), *map(str, todo)]
        subprocess.run(cmd, check=True, capture_output=True, timeout=600)
    missing = [d.name for d in todo if not (out / (d.stem + ".pdf")).exists()]
    if missing:
        raise SystemExit(f"LibreOffice did not convert {', '.join(missing)}")


def _seal_at(im) -> tuple[int, int] | None:
    """Over the signature: centre 150 px above the lowest ink in the right half of the page."""
    import numpy as np

    a = np.asarray(im.convert("L"))
    right = a[:, a.shape[1] // 2:] < 128
    rows = np.nonzero(right.sum(axis=1) > 3)[0]
    if not len(rows):
        return None
    return int(a.shape[1] * 0.7), max(300, int(rows[-1]) - 150)


def scan_pdf(pdf: Path, out: Path, seed: int) -> int:
    """The pages of ``pdf`` rasterised, degraded and saved as an image-only PDF ``out``; returns the page count."""
    import pypdfium2 as pdfium

    rng = random.Random(seed)
    doc = pdfium.PdfDocument(str(pdf))
    try:
        n = len(doc)
        images = []
        for i in range(n):
            page = doc[i]
            im = page.render(scale=DPI / 72).to_pil().convert("RGB")
            page.close()
            images.append(degrade(im, rng, seal_at=_seal_at(im) if i == n - 1 else None))
    finally:
        doc.close()
    images[0].save(out, save_all=True, append_images=images[1:], resolution=DPI)
    return n


def _ocr_key(path: Path) -> str:
    h = hashlib.sha256(path.read_bytes())
    for s in OCR_SOURCES:  # files, or (after the layered package) folders of them
        f = ROOT / s
        for g in sorted(f.rglob("*.py")) + sorted(f.rglob("*.yaml")) if f.is_dir() else [f] if f.exists() else []:
            h.update(g.read_bytes())
    return h.hexdigest()[:24]


def read_scan(path: Path, cache: Path | None, workers: int):
    """The OCR'd Document of ``path`` (pipeline.run.read), from the cache when the OCR stage is unchanged."""
    from pipeline.run import Options, read

    if cache is not None:
        f = cache / "ocr" / f"{path.stem}-{_ocr_key(path)}.pickle"
        if f.exists():
            return pickle.loads(f.read_bytes()), True
    doc = read(path, Options(workers=workers))
    if cache is not None:
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(pickle.dumps(doc))
    return doc, False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", help="comma-separated ids (default: every DOCX of the set)")
    ap.add_argument("--half", choices=("tune", "check", "all"), default="all")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cache", default="/tmp/chithi-scan-eval")
    ap.add_argument("--no-cache", action="store_true")
    ap.add_argument("--json", help="write both reports (with per-document details) to this file")
    ap.add_argument("--show", action="store_true", help="print what each scan missed or added beyond the text")
    args = ap.parse_args()
    from pipeline.evaluate import Report, _read_split, score
    from pipeline.run import extract_record, record_of

    split = _read_split(REALDEV / "gold")
    golds = sorted((REALDEV / "gold").glob("*.json"))
    picked = set(args.docs.split(",")) if args.docs else None
    items = []
    for gf in golds:
        gold = json.loads(gf.read_text(encoding="utf-8"))
        src = REALDEV / "docs" / gold["source"]
        if src.suffix.lower() != ".docx" or (picked and gf.stem not in picked):
            continue
        if args.half != "all" and split.get(gf.stem) != args.half:
            continue
        items.append((gf.stem, gold, src))
    if not items:
        raise SystemExit("no DOCX picked")
    cache = None if args.no_cache else Path(args.cache)
    work = Path(tempfile.mkdtemp(prefix="chithi-scan-eval-"))
    pdf_dir = cache / "pdf" if cache else work
    pdf_dir.mkdir(parents=True, exist_ok=True)
    try:
        to_pdf([src for _, _, src in items], pdf_dir)
        reps = {"text": Report(), "pdf": Report(), "scan": Report()}
        halves: dict[str, dict[str, Report]] = {}
        details = []
        for k, (rid, gold, src) in enumerate(items):
            scan = pdf_dir / f"{rid}.scan.pdf"
            if not scan.exists():
                n = scan_pdf(pdf_dir / f"{rid}.pdf", scan, seed=k)
            else:
                import pypdfium2 as pdfium

                n = len(pdfium.PdfDocument(str(scan)))
            t0 = time.perf_counter()
            doc, cached = read_scan(scan, cache, args.workers)
            rec_scan = json.loads(record_of(doc)[1].model_dump_json())
            dt = time.perf_counter() - t0
            rec_text = json.loads(extract_record(src).model_dump_json())
            rec_pdf = json.loads(extract_record(pdf_dir / f"{rid}.pdf").model_dump_json())
            row = {"id": rid}
            for name, rec in (("text", rec_text), ("pdf", rec_pdf), ("scan", rec_scan)):
                d = score(gold, rec, reps[name])
                h = split.get(rid)
                if h:
                    score(gold, rec, halves.setdefault(h, {"text": Report(), "pdf": Report(), "scan": Report()})[name])
                row[name] = d
            details.append(row)
            print(f"{rid}: {n} page(s), {'cached OCR' if cached else 'OCR'} + extraction {dt:.1f} s", file=sys.stderr)
        print(format_side_by_side(reps, halves, details, show=args.show))
        if args.json:
            Path(args.json).write_text(json.dumps({k: r.as_dict() for k, r in reps.items()}, ensure_ascii=False,
                                                  indent=1, default=str), encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _f1s(rep) -> dict[str, float]:
    return {k: c.f1 for k, c in rep.fields.items()}


def format_side_by_side(reps, halves, details, show: bool = False) -> str:
    t, q, s = reps["text"].as_dict(), reps["pdf"].as_dict(), reps["scan"].as_dict()
    out = [f"documents: {t['documents']} (DOCX of corpus/realdev; pdf = LibreOffice's rendering, text layer)", "",
           f"{'field':<12} {'text P':>7} {'R':>6} {'F1':>6}   {'pdf F1':>6}   {'scan P':>7} {'R':>6} {'F1':>6}"
           f"   {'scan-text':>9}"]
    for k in t["fields"]:
        a, m, b = t["fields"][k], q["fields"][k], s["fields"][k]
        out.append(f"{k:<12} {a['precision']:>7.3f} {a['recall']:>6.3f} {a['f1']:>6.3f}   {m['f1']:>6.3f}   "
                   f"{b['precision']:>7.3f} {b['recall']:>6.3f} {b['f1']:>6.3f}   {b['f1'] - a['f1']:>+9.3f}")
    out += ["", f"{'metadata':<14} {'text':>5} {'pdf':>5} {'scan':>5}"]
    for k, v in t["metadata_accuracy"].items():
        out.append(f"{k:<14} {v:>5.2f} {q['metadata_accuracy'][k]:>5.2f} {s['metadata_accuracy'][k]:>5.2f}")
    if halves:
        out += ["", f"{'half':<6} {'':<5} {'targets':>7} {'deadlines':>9} {'assignments':>11} {'who_by_when':>11}"]
        for h in sorted(halves, key=lambda h: (h != "tune", h)):
            for name in ("text", "pdf", "scan"):
                f = _f1s(halves[h][name])
                out.append(f"{h:<6} {name:<5} {f['targets']:>7.3f} {f['deadlines']:>9.3f} {f['assignments']:>11.3f} "
                           f"{f['who_by_when']:>11.3f}")
    out += ["", "per document (tp text → scan; metadata fields wrong on the scan only)"]
    for row in details:
        a, b = row["text"], row["scan"]
        meta = sorted(set(b["metadata_wrong"]) - set(a["metadata_wrong"]))
        out.append(f"  {row['id']}: targets {a['targets']['tp']}→{b['targets']['tp']}, deadlines "
                   f"{a['deadlines']['tp']}→{b['deadlines']['tp']}, assignments {a['assignments']['tp']}→"
                   f"{b['assignments']['tp']}"
                   + (f", who_by_when {a['who_by_when']['tp']}→{b['who_by_when']['tp']}" if "who_by_when" in a else "")
                   + (f"; metadata {', '.join(meta)}" if meta else ""))
        if show:
            for fld in ("targets", "deadlines", "assignments", "who_by_when"):
                if fld not in b:
                    continue
                miss = [m for m in b[fld]["missed"] if m not in a[fld]["missed"]]
                extra = [e for e in b[fld]["extra"] if e not in a[fld]["extra"]]
                if miss:
                    out.append(f"      {fld} missed on scan: {miss}")
                if extra:
                    out.append(f"      {fld} extra on scan: {extra}")
            for m in meta:
                out.append(f"      {m}: gold {b['metadata_wrong'][m]['gold']!r} scan {b['metadata_wrong'][m]['pred']!r}")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
