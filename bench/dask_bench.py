"""Dask engine benchmark: OCR pages per second of the 7 real scans with the local engine and with
``--engine dask`` (a LocalCluster of the same number of worker processes), in one run, and the Dask overhead.

    .venv/bin/python bench/dask_bench.py [--workers 2] [--rounds 1] [--scans DIR]

Each run ingests every scan into a fresh database through the engine of `chithi ingest` (pipeline.batch:
documents and their pages over the workers, the parent writes); the time includes starting the workers (for Dask:
the scheduler, nannies and workers) and loading their language data. Rounds alternate which engine goes first,
so a machine that slows down or speeds up during the run does not favour one. The stored records of the two
engines are compared too (the same apart from ``extracted_at``).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.engine.batch import run_batch  # noqa: E402
from pipeline.run import Options  # noqa: E402

SCANS = ROOT.parent / "shared" / "samples" / "scans"
STAMP = re.compile(r'"extracted_at": ?"[^"]*"')


def records(db: Path) -> list[str]:
    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT record FROM documents ORDER BY path").fetchall()
    return [STAMP.sub("", json.dumps(json.loads(r[0]), sort_keys=True, ensure_ascii=False)) for r in rows]


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process and of its finished children (worker processes, Tesseract runs)."""
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime, b.ru_utime + b.ru_stime


def _worker_cpu() -> float:
    """On a Dask worker: CPU seconds of its process and its finished children (Tesseract runs)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def run(engine: str, files: list[Path], db: Path, workers: int) -> tuple[float, float, int, tuple[float, float]]:
    """(seconds in all, seconds to start the cluster, pages, CPU seconds (this process, workers)) of one ingest."""
    c0 = _cpu()
    t = time.perf_counter()
    if engine == "local":
        s = run_batch(files, db, workers=workers, options=Options(workers=1), progress=None)
        start = 0.0
    else:
        from pipeline.engine.dask import connect

        with connect(None, workers) as ex:
            start = time.perf_counter() - t
            s = run_batch(files, db, workers=workers, options=Options(workers=1), progress=None, executor=ex)
            worker_cpu = sum(ex.client.run(_worker_cpu).values())  # forked by Dask's fork server, not children here
    el = time.perf_counter() - t
    if s.failed or s.stored != len(files):
        sys.exit(f"{engine}: {s.stored} stored, {len(s.failed)} failed: "
                 + "; ".join(f"{f.path}: {f.reason}" for f in s.failed[:3]))
    c1 = _cpu()
    return el, start, s.pages, (c1[0] - c0[0], c1[1] - c0[1] if engine == "local" else worker_cpu)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=1, help="runs of each engine, alternating (default 1)")
    ap.add_argument("--scans", type=Path, default=SCANS, help=f"folder of scanned PDFs (default {SCANS})")
    args = ap.parse_args(argv)

    files = sorted(args.scans.glob("*.pdf"))
    if not files:
        sys.exit(f"no scanned PDFs in {args.scans}")
    try:
        import distributed  # noqa: F401
    except ImportError:
        sys.exit("dask[distributed] is not installed: pip install -e '.[dask]'")
    print(f"{len(files)} scans in {args.scans}; {args.workers} workers on {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    times: dict[str, list[float]] = {"local": [], "dask": []}
    starts: list[float] = []
    pages = 0
    with tempfile.TemporaryDirectory(prefix="chithi-dask-bench-") as tmp:
        dbs = {}
        for r in range(args.rounds):
            for engine in (("local", "dask") if r % 2 == 0 else ("dask", "local")):
                db = Path(tmp) / f"{engine}-{r}.db"
                el, start, pages, cpu = run(engine, files, db, args.workers)
                times[engine].append(el)
                if engine == "dask":
                    starts.append(start)
                dbs[engine] = db
                extra = f" (cluster up in {start:.1f} s)" if engine == "dask" else ""
                print(f"round {r + 1} {engine:5}: {pages} pages in {el:.1f} s = {pages / el:.3f} pages/s{extra}; "
                      f"CPU: this process {cpu[0]:.1f} s, workers {cpu[1]:.1f} s; "
                      f"load average now {os.getloadavg()[0]:.1f}", flush=True)
        same = records(dbs["local"]) == records(dbs["dask"])
    loc, dsk = statistics.median(times["local"]), statistics.median(times["dask"])
    print(f"local engine: {pages / loc:.3f} pages/s (median of {len(times['local'])})")
    print(f"dask engine:  {pages / dsk:.3f} pages/s (median of {len(times['dask'])}; "
          f"{pages / (dsk - statistics.median(starts)):.3f} pages/s once the cluster is up)")
    print(f"Dask overhead: {100 * (dsk / loc - 1):+.1f}% of the time "
          f"({100 * ((dsk - statistics.median(starts)) / loc - 1):+.1f}% without starting the cluster); "
          f"same records: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
