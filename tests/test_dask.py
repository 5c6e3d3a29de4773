"""The Dask engine (pipeline.dask_engine) on a 2-worker LocalCluster: the same records as the local engine, a
killed worker that loses and duplicates nothing, a document that kills every worker it meets failing alone,
and a clear one-line error for a scheduler that cannot be reached.

Skips when dask[distributed] is not installed (pip install -e '.[test]' installs it)."""
from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="dask[distributed] is not installed (pip install 'chithi[dask]')")

import cloudpickle  # noqa: E402  (installed with distributed)

from pipeline.engine import batch  # noqa: E402
from pipeline.cli.extract import _output  # noqa: E402
from pipeline.core.errors import ExitCode  # noqa: E402
from pipeline.run import Options  # noqa: E402
from pipeline.engine.schedule import run_many  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "corpus").glob("*.txt"))
STAMP = re.compile(r'"extracted_at": ?"[^"]*"')

# the test's own functions reach the workers by value (the workers cannot import this module)
cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def dask_executor():
    """A LocalCluster of 2 single-threaded worker processes, closed whatever happens."""
    from pipeline.engine.dask import connect

    cm = connect(None, 2)
    ex = cm.__enter__()
    try:
        yield ex
    finally:
        cm.__exit__(None, None, None)


def _unstamped(s: str) -> str:
    return STAMP.sub('"extracted_at": ""', s)


def _records(paths, executor=None, workers: int = 2) -> list[tuple[str, str | None, object]]:
    finish = partial(_output, "extract", True, None, False, None)
    return [(os.path.basename(p), None if v is None else _unstamped(v), e)
            for p, v, e in run_many(paths, finish, Options(workers=workers, ocr_timeout=60), executor=executor)]


def test_seeds_give_the_same_records_as_the_local_engine(dask_executor):
    local = _records(SEEDS)
    dask = _records(SEEDS, dask_executor)
    assert [n for n, _, _ in dask] == [p.name for p in SEEDS]
    assert all(e is None for _, _, e in dask)
    assert dask == local  # byte-identical JSON apart from the timestamp


def test_a_bad_file_fails_alone_with_its_reason(dask_executor, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    got = _records([SEEDS[0], empty, SEEDS[1]], dask_executor)
    assert [v is not None for _, v, _ in got] == [True, False, True]
    err = got[1][2]
    assert err.exit_code == ExitCode.bad_input and err.message.startswith(f"{empty}: file is empty")


def test_relative_paths_are_named_as_given(dask_executor, tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_bytes(SEEDS[0].read_bytes())
    monkeypatch.chdir(tmp_path)
    (_, rec, err), = _records(["a.txt"], dask_executor)
    assert err is None and json.loads(rec)["source"]["path"] == "a.txt"
    (_, _, err), = _records(["missing.txt"], dask_executor)
    assert err.message.startswith("missing.txt: no such file") and err.exit_code == ExitCode.input_missing


def _scan(path: Path) -> Path:
    """A 2-page scanned PDF: a synthetic directive header with its seal, and a body page."""
    from PIL import Image, ImageDraw, ImageFont

    from test_ocr import FONT, synthetic_scan

    body = Image.new("RGB", (2480, 900), "white")
    d = ImageDraw.Draw(body)
    f = ImageFont.truetype(FONT, 44)
    for i, s in enumerate(["2. Giao Sở Y tế chủ trì, phối hợp với các đơn vị liên quan triển khai",
                           "thực hiện, báo cáo kết quả trước ngày 15 tháng 12 năm 2024."]):
        d.text((230, 150 + 75 * i), s, font=f, fill="black")
    synthetic_scan().save(path, "PDF", resolution=300, save_all=True, append_images=[body])
    return path


def test_a_scan_gives_the_same_record_as_the_local_engine(dask_executor, tmp_path):
    from conftest import _has_tesseract

    if not _has_tesseract():
        pytest.skip("tesseract with 'vie' data is not installed")
    scan = _scan(tmp_path / "scan.pdf")
    local, = _records([scan])
    dask, = _records([scan], dask_executor)
    assert local[2] is None and dask == local
    rec = json.loads(dask[1])
    assert rec["source"]["page_count"] == 2 and rec["source"]["text_method"] == "ocr"


# -- workers that die ----------------------------------------------------------------------------------------

def _stored_form_that_kills(options, doc):
    """batch.stored_form, but a document holding KILL_ONCE kills the first worker process that reads it (a marker
    file beside it remembers), and one holding KILL_ALWAYS kills every worker that reads it."""
    raw = doc.raw_text
    if "KILL_ALWAYS" in raw:
        os._exit(9)
    if "KILL_ONCE" in raw:
        marker = Path(doc.path).with_suffix(".killed")
        if not marker.exists():
            marker.write_text(str(os.getpid()))
            os._exit(9)
    return _REAL_STORED_FORM(options, doc)


_REAL_STORED_FORM = batch.stored_form


def _corpus(tmp_path, extra: dict[str, str]) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for p in SEEDS[:3]:
        (folder / p.name).write_bytes(p.read_bytes())
    for name, marker in extra.items():
        (folder / name).write_text(SEEDS[3].read_text(encoding="utf-8") + f"\n{marker}\n", encoding="utf-8")
    return folder


def _stored_paths(db: Path) -> list[str]:
    with sqlite3.connect(db) as c:
        return sorted(os.path.basename(r[0]) for r in c.execute("SELECT path FROM documents"))


def test_a_killed_worker_loses_nothing_and_stores_nothing_twice(dask_executor, tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "stored_form", _stored_form_that_kills)
    folder = _corpus(tmp_path, {"killer_once.txt": "KILL_ONCE"})
    db = tmp_path / "c.db"
    t0 = time.monotonic()
    s = batch.run_batch([folder], db, workers=2, progress=None, executor=dask_executor)
    assert (tmp_path / "in" / "killer_once.killed").exists()  # a worker did die on it
    assert s.failed == [] and s.stored == 4 and s.skipped == 0, s.lines()
    assert _stored_paths(db) == sorted([p.name for p in SEEDS[:3]] + ["killer_once.txt"])
    again = batch.run_batch([folder], db, workers=2, progress=None, executor=dask_executor)
    assert again.skipped == 4 and again.stored == again.updated == 0 and again.failed == []
    assert time.monotonic() - t0 < 120


def test_a_document_that_kills_every_worker_fails_alone(dask_executor, tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "stored_form", _stored_form_that_kills)
    folder = _corpus(tmp_path, {"killer.txt": "KILL_ALWAYS"})
    db = tmp_path / "c.db"
    s = batch.run_batch([folder], db, workers=2, progress=None, executor=dask_executor)
    assert s.stored == 3 and [f.path for f in s.failed] == [str(folder / "killer.txt")], s.lines()
    f = s.failed[0]
    assert f.reason() == ("the worker process died while reading it (crash or out of memory), "
                        "on 3 Dask workers in turn") and f.exit_code == ExitCode.internal
    assert _stored_paths(db) == sorted(p.name for p in SEEDS[:3])
    with sqlite3.connect(db) as c:  # the failure is recorded with its document, as on the local engine
        assert c.execute("SELECT count(*) FROM failures").fetchone()[0] == 1
    # the cluster is whole again for the next batch
    assert _records(SEEDS[:1], dask_executor)[0][2] is None


# -- the command line ------------------------------------------------------------------------------------------

def _cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)


def test_unreachable_scheduler_is_one_line_and_exit_9():
    t0 = time.monotonic()
    r = _cli("extract", str(SEEDS[0]), "--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "2", timeout=60)
    assert r.returncode == ExitCode.cluster == 9
    assert r.stderr == ("chithi: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9 within 2 s "
                        "(is `dask scheduler` running there and its port open?)\n")
    assert r.stdout == "" and time.monotonic() - t0 < 30


def test_malformed_scheduler_address_is_a_usage_error():
    r = _cli("ingest", str(SEEDS[0]), "--engine", "dask", "--scheduler", "tcp://host:port", timeout=60)
    assert r.returncode == ExitCode.usage
    assert r.stderr.startswith("chithi: error: --scheduler: 'tcp://host:port' is not a scheduler address")
    assert r.stderr.count("\n") == 1


def test_cli_ingest_on_dask_then_resume(tmp_path):
    db = tmp_path / "c.db"
    r = _cli("ingest", *map(str, SEEDS), "--engine", "dask", "--workers", "2", "--db", str(db), "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["stored"] == len(SEEDS) and summary["failed"] == []
    assert "chithi: Dask LocalCluster of 2 worker processes, 2 worker threads" in r.stderr
    assert "Traceback" not in r.stderr
    r = _cli("ingest", *map(str, SEEDS), "--engine", "dask", "--workers", "2", "--db", str(db), "--json", "--quiet")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["skipped"] == len(SEEDS)
    local = tmp_path / "local.db"
    assert _cli("ingest", *map(str, SEEDS), "--workers", "2", "--db", str(local), "--quiet").returncode == 0
    exported = [_unstamped(_cli("export", "--format", "jsonl", "--db", str(d)).stdout) for d in (db, local)]
    assert exported[0] == exported[1] and exported[0].count("\n") == len(SEEDS)


def test_missing_dask_is_exit_6_with_the_pip_command(monkeypatch, capsys):
    from pipeline.cli import main

    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    assert main(["extract", str(SEEDS[0]), "--engine", "dask"]) == ExitCode.missing_dependency
    assert capsys.readouterr().err == (
        "chithi: error: Dask is not installed (needed by --engine dask) (pip install 'chithi[dask]', or pip install "
        "'dask[distributed]' into chithi's environment)\n")


def test_scheduler_without_dask_engine_is_a_usage_error(capsys):
    from pipeline.cli import main

    assert main(["text", str(SEEDS[0]), "--engine", "local", "--scheduler", "tcp://127.0.0.1:8786"]) == ExitCode.usage
    assert capsys.readouterr().err == "chithi: error: --scheduler needs --engine dask\n"


def _sleepy(doc) -> str:
    time.sleep(60)
    return doc.path


@pytest.mark.filterwarnings("ignore:Port .* is already in use")
def test_a_cluster_left_without_workers_is_exit_9_not_a_hang(monkeypatch):
    """An external cluster whose workers all go away: the run ends with exit 9 after NO_WORKER_TIMEOUT."""
    import threading

    import distributed

    from pipeline.engine import dask as dask_engine
    from pipeline.core.errors import ClusterError

    monkeypatch.setattr(dask_engine, "NO_WORKER_TIMEOUT", 2.0)
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        with dask_engine.connect(cluster.scheduler_address, timeout=10) as ex:
            threading.Timer(2.0, cluster.scale, args=(0,)).start()
            t0 = time.monotonic()
            with pytest.raises(ClusterError, match="the Dask cluster has had no worker for 2 s"):
                list(run_many(SEEDS[:2], _sleepy, Options(workers=1), executor=ex))
            assert time.monotonic() - t0 < 30
    finally:
        cluster.close()


# -- the limits of pipeline.limits on Dask ---------------------------------------------------------------------

def test_limits_travel_with_the_tasks(dask_executor, monkeypatch):
    """A limit set for the command (the workers do not share its environment) fails the same document with the
    same message on both engines."""
    from pipeline.core.limits import Limits, configure

    monkeypatch.setenv("CHITHI_LIMITS", "{}")
    configure(Limits(max_chars=2000))
    local = _records(SEEDS[:2])
    dask = _records(SEEDS[:2], dask_executor)
    assert dask == local
    assert all(v is None and e.exit_code == ExitCode.bad_input and "limit" in e.message for _, v, e in dask)


def _sleeps_on_first_seed(doc) -> str:
    if os.path.basename(doc.path) == SEEDS[0].name:
        time.sleep(60)
    return os.path.basename(doc.path)


def test_a_document_past_its_timeout_fails_alone_with_exit_7(dask_executor, monkeypatch):
    from pipeline.core.limits import Limits, configure

    monkeypatch.setenv("CHITHI_LIMITS", "{}")
    configure(Limits(doc_timeout=3))
    t0 = time.monotonic()
    got = list(run_many(SEEDS[:3], _sleeps_on_first_seed, Options(workers=2), executor=dask_executor))
    assert time.monotonic() - t0 < 40
    assert [v for _, v, _ in got] == [None, SEEDS[1].name, SEEDS[2].name]
    err = got[0][2]
    assert (err.exit_code, err.message) == (
        ExitCode.timeout, f"{SEEDS[0]}: took longer than the 3 s limit on one document (raise the limit with "
        "--doc-timeout)")
    # the worker that was stuck has been replaced: the cluster is whole for the next batch
    configure(Limits())
    assert [e for _, _, e in _records(SEEDS[:2], dask_executor)] == [None, None]
