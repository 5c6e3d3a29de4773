"""`chithi ingest --engine dask` against a real cluster: a `dask scheduler` and two `dask worker` processes started
as separate processes on this machine, the workers in a mount namespace of their own in which the input folder is
an empty tmpfs (they cannot see the files). The records stored must be those of the local engine.

Needs dask[distributed], Tesseract with vie (one input is a scanned page) and `unshare -m` (root)."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import needs_tesseract

pytest.importorskip("distributed", reason="dask[distributed] is not installed (pip install 'chithi[dask]')")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "corpus").glob("*.txt"))[:3]
DASK = Path(sys.executable).with_name("dask")
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"


def _can_hide_folders() -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    r = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    return r.returncode == 0


pytestmark = [needs_tesseract,
              pytest.mark.skipif(not _can_hide_folders(), reason="hiding the input folder from the workers needs "
                                 "`unshare -m` as root"),
              pytest.mark.skipif(not DASK.exists(), reason=f"{DASK} (the dask command) is not installed")]


def _scan(path: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    im = Image.new("RGB", (1654, 700), "white")
    d = ImageDraw.Draw(im)
    f = ImageFont.truetype(FONT, 40)
    for i, line in enumerate(["ỦY BAN NHÂN DÂN TỈNH KHÁNH HÒA", "Số: 15/CT-UBND", "CHỈ THỊ",
                              "Giao Sở Nội vụ chủ trì, hoàn thành trước ngày 30/6/2026."]):
        d.text((120, 80 + 120 * i), line, font=f, fill="black")
    im.save(path)


def _records(db: Path) -> dict[str, dict]:
    with sqlite3.connect(db) as c:
        out = {}
        for path, rec in c.execute("SELECT path, record FROM documents"):
            r = json.loads(rec)
            r.pop("extracted_at", None)
            out[os.path.basename(path)] = r
        return out


def _chithi(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=600)


@pytest.fixture()
def cluster(tmp_path):
    """(scheduler address, input folder): a scheduler and two workers that see the input folder empty."""
    folder = tmp_path / "in"
    folder.mkdir()
    sched_file = tmp_path / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}  # a worker may start capped children
    procs = [subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(sched_file)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)]
    try:
        end = time.monotonic() + 60
        while not sched_file.exists() and time.monotonic() < end:
            time.sleep(0.2)
        address = json.loads(sched_file.read_text())["address"]
        for i in (1, 2):
            hide = f"mount -t tmpfs none {folder} && exec {DASK} worker {address} --nthreads 1 --no-dashboard " \
                   f"--name chithi-test-w{i} --local-directory {tmp_path / f'w{i}'}"
            procs.append(subprocess.Popen(["unshare", "-m", "sh", "-c", hide], env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        yield address, folder
    finally:
        for p in procs[::-1]:
            p.terminate()
        for p in procs[::-1]:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def test_ingest_on_separate_processes_that_cannot_see_the_input(cluster, tmp_path):
    from distributed import Client

    address, folder = cluster
    for p in SEEDS:
        shutil.copy(p, folder / p.name)
    _scan(folder / "scan.png")
    with Client(address, timeout=60, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=60)
        seen = client.run(os.listdir, str(folder))
    assert len(seen) == 2 and all(v == [] for v in seen.values()), seen  # the workers see an empty folder

    dask_db, local_db = tmp_path / "dask.db", tmp_path / "local.db"
    r = _chithi("ingest", str(folder), "--scheduler", address, "--db", str(dask_db), "--json", "--quiet")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["stored"] == 4 and summary["failed"] == [], summary
    assert _chithi("ingest", str(folder), "--db", str(local_db), "--quiet").returncode == 0

    dask, local = _records(dask_db), _records(local_db)
    assert sorted(dask) == sorted([p.name for p in SEEDS] + ["scan.png"])
    assert dask == local  # the same records as the local engine, the OCR'd page too
    scan = dask["scan.png"]
    assert scan["source"]["text_method"] == "ocr" and scan["metadata"]["number"]["value"] == "15/CT-UBND"
