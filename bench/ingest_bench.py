"""Ingest benchmark: documents per second for 200 text directives with 1 and 2 workers, and the scaling.

    .venv/bin/python bench/ingest_bench.py [--docs 200] [--workers 1 2] [--keep DIR]

The directives are copies of corpus/*.txt with altered trailing bytes (each its own sha256, so none is skipped).
Each run ingests into a fresh database through the same engine as `chithi ingest` (worker processes extract, the
parent writes); the time includes starting the workers and loading their language data.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.engine.batch import run_batch  # noqa: E402
from pipeline.run import Options  # noqa: E402


def make_corpus(folder: Path, n: int) -> list[Path]:
    seeds = sorted((ROOT / "corpus").glob("*.txt"))
    if not seeds:
        sys.exit("no corpus/*.txt to copy")
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        src = seeds[i % len(seeds)]
        dst = folder / f"bench{i:04d}_{src.name}"
        dst.write_bytes(src.read_bytes().rstrip() + f"\n\n<!-- bench copy {i} -->\n".encode())
        out.append(dst)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--keep", metavar="DIR", help="make the files and databases here and keep them")
    args = ap.parse_args(argv)

    tmp = None if args.keep else tempfile.TemporaryDirectory(prefix="chithi-bench-")
    base = Path(args.keep or tmp.name)
    files = make_corpus(base / "docs", args.docs)
    if os.getloadavg()[0] > 0.5 * (os.cpu_count() or 1):
        print(f"note: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: other work shares the CPUs, "
              "so the rates and the scaling are understated", flush=True)
    print(f"{len(files)} text directives in {base / 'docs'} ({sum(f.stat().st_size for f in files) / 1e6:.1f} MB); "
          f"{os.cpu_count()} cores", flush=True)
    rates = {}
    for w in args.workers:
        db = base / f"bench-{w}w.db"
        for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            p.unlink(missing_ok=True)
        t = time.perf_counter()
        r0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        s = run_batch([base / "docs"], db, workers=w, options=Options(workers=1), progress=None)
        el = time.perf_counter() - t
        r1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = [sum(getattr(b, f) - getattr(a, f) for f in ("ru_utime", "ru_stime")) for a, b in zip(r0, r1)]
        if s.failed or s.stored != len(files):
            print(f"workers={w}: {s.stored} stored, {len(s.failed)} failed: "
                  + "; ".join(f"{f.path}: {f.reason}" for f in s.failed[:3]), file=sys.stderr)
            return 1
        rates[w] = len(files) / el
        print(f"workers={w}: {len(files)} docs in {el:.1f} s = {rates[w]:.1f} docs/s, {s.pages / el:.1f} pages/s; "
              f"CPU: workers {cpu[1]:.1f} s, parent (hashing, writing) {cpu[0]:.1f} s; "
              f"load average now {os.getloadavg()[0]:.1f}", flush=True)
    if 1 in rates and len(rates) > 1:
        for w, r in rates.items():
            if w != 1:
                print(f"scaling 1 -> {w} workers: x{r / rates[1]:.2f} (ideal x{w})")
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
