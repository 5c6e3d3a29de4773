"""Extraction throughput: documents per second on one core, once text is available.

Ingestion and normalization run once, outside the timed loop; the loop runs structure + extract + assemble,
the work `chithi extract` does after the text is read. Usage: python bench/extract_bench.py [--rounds N]
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("paths", nargs="*", type=Path)
    args = ap.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    from pipeline.assemble import assemble
    from pipeline.nlp import extract
    from pipeline.readers import ingest
    from pipeline.normalize import normalize
    from pipeline.structure import structure

    paths = args.paths or sorted((ROOT / "corpus").glob("*.txt"))
    docs = [normalize(ingest(p)) for p in paths]
    for d in docs:  # warm-up: spaCy pipeline and data files load once per process
        assemble(extract(structure(d)))
    chars = sum(len(d.text) for d in docs)
    t0 = time.perf_counter()
    for _ in range(args.rounds):
        for d in docs:
            assemble(extract(structure(d)))
    dt = time.perf_counter() - t0
    n = len(docs) * args.rounds
    print(f"documents: {len(docs)} x {args.rounds} rounds, {chars} characters each round")
    print(f"extraction: {n / dt:.1f} documents/s, {chars * args.rounds / dt / 1000:.0f} k chars/s on one core")


if __name__ == "__main__":
    main()
