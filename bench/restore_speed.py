#!/usr/bin/env python3
"""Throughput of pipeline.restore.restore_text on one core, in word tokens per second.

Workloads (each restored end to end: detection, decoding, offsets):
  stripped   the clean seeds 000/001/003/004 with their diacritics stripped (every paragraph decoded)
  ocr        seed 002, OCR'd with Tesseract -l eng (every paragraph decoded with the confusion map)
  clean      the clean seeds as they are (detection only: nothing to decode)

    .venv/bin/python bench/restore_speed.py [--shared ../shared] [--repeat 3] [--json]

Throughput is measured on the process's CPU time (restore_text is single-threaded), so the figure is the
one-core rate even while other processes share the machine; the wall-clock rate is printed beside it.
Without ../shared it uses a built-in stripped paragraph.  The model is loaded before timing (its load time is
printed separately).  Pinned to one CPU where the OS allows it.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.lang.restore import load_confusions, load_model, restore_text, tokenize  # noqa: E402

FALLBACK = ("Phat dong phong trao thi dua thuc hien thang loi nhiem vu phat trien kinh te - xa hoi cua "
            "phuong nam 2024. Cac co quan, don vi, dia phuong to chuc trien khai thuc hien nghiem tuc.\n\n") * 40


def strip(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", text)
                                                if not unicodedata.combining(c)))


def measure(texts: list[str], repeat: int) -> dict:
    tokens = sum(len(tokenize(t)) for t in texts)
    best = best_cpu = float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        for t in texts:
            restore_text(t)
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    # CPU time of this (single-threaded) process: the one-core figure even when other work shares the machine
    return {"tokens": tokens, "seconds": round(best, 4), "cpu_seconds": round(best_cpu, 4),
            "tokens_per_second": round(tokens / max(best_cpu, 1e-9)),
            "tokens_per_wall_second": round(tokens / best)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        except OSError:
            pass
    t0 = time.perf_counter()
    load_model()
    load_confusions()
    load_s = time.perf_counter() - t0
    corpus = args.shared / "corpus"
    clean = [p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.txt"))
             if p.name.startswith(("000_", "001_", "003_", "004_"))] if corpus.is_dir() else []
    ocr = [p.read_text(encoding="utf-8") for p in sorted(corpus.glob("002_*.txt"))] if corpus.is_dir() else []
    results = {"model_load_seconds": round(load_s, 3)}
    results["stripped"] = measure([strip(t) for t in clean] or [FALLBACK], args.repeat)
    if ocr:
        results["ocr"] = measure(ocr, args.repeat)
    if clean:
        results["clean"] = measure(clean, args.repeat)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"model load: {load_s:.2f}s (once per process)")
        for k in ("stripped", "ocr", "clean"):
            if k in results:
                r = results[k]
                print(f"{k:9s} {r['tokens']:7d} tokens in {r['cpu_seconds']:.3f}s CPU: {r['tokens_per_second']:,} "
                      f"tokens/s on one core ({r['tokens_per_wall_second']:,} per wall-clock second)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
