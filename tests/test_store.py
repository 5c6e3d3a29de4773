"""The store and its commands: ingest (resume after SIGKILL, concurrent ingests, bad files), search with folded
diacritics, deadlines and ICS, exports. Runs the real `chithi` command in subprocesses."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import pipeline
from pipeline.core.errors import DatabaseError
from pipeline.store import SCHEMA_VERSION, Store, fts_query, snippet
from pipeline.core.textutil import fold
from schemas.record import (
    Deadline, DirectiveRecord, Metadata, MetaValue, Signer, Source, Span, Target, Task, Unit,
)

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
CHITHI = [sys.executable, "-m", "pipeline.cli"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
HEALTH = "bảo hiểm y tế"


def chithi(*args, cwd=None, timeout=180) -> subprocess.CompletedProcess:
    return subprocess.run([*CHITHI, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=ENV,
                          timeout=timeout)


def cli(*args) -> subprocess.CompletedProcess:
    """The read-only commands, run in this process (same code path as `chithi`, without the start-up cost)."""
    from conftest import cli_in_process

    return subprocess.CompletedProcess(args, *cli_in_process(*args))


def ingest(*args, **kw) -> tuple[subprocess.CompletedProcess, dict]:
    p = chithi("ingest", *args, "--json", "--quiet", **kw)
    summary = json.loads(p.stdout.strip().splitlines()[-1]) if p.stdout.strip() else {}
    return p, summary


def counts(db) -> dict[str, int]:
    with Store(db, create=False) as s:
        return s.counts()


def same_documents(a: dict, b: dict) -> bool:
    """Re-extraction replaces rows: the documents are the same (child rows may change with the extractor)."""
    keys = ("documents", "texts", "failures")
    return all(a[k] == b[k] for k in keys)


def query(db, sql, *args):
    c = sqlite3.connect(str(db), timeout=30)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


def assert_whole_documents(db) -> None:
    """Every stored document has its text, search rows and exactly the child rows its record lists."""
    c = sqlite3.connect(str(db), timeout=30)
    try:
        for doc_id, rec_json in c.execute("SELECT doc_id, record FROM documents"):
            rec = json.loads(rec_json)
            one = lambda sql: c.execute(sql, (doc_id,)).fetchone()[0]  # noqa: E731
            assert one("SELECT count(*) FROM texts WHERE doc_id = ?") == 1
            assert one("SELECT count(*) FROM search_items WHERE doc_id = ?") > 0
            assert one("SELECT count(*) FROM targets WHERE doc_id = ?") == len(rec["targets"])
            assert one("SELECT count(*) FROM deadlines WHERE doc_id = ?") == len(rec["deadlines"])
            assert one("SELECT count(*) FROM tasks WHERE doc_id = ?") == len(rec["tasks"])
            assert one("SELECT count(*) FROM units WHERE doc_id = ?") == sum(len(k["units"]) for k in rec["tasks"])
        n_items = c.execute("SELECT count(*) FROM search_items").fetchone()[0]
        assert c.execute("SELECT count(*) FROM search_fts").fetchone()[0] == n_items
        assert c.execute("SELECT count(*) FROM documents").fetchone()[0] == \
            c.execute("SELECT count(DISTINCT sha256) FROM documents").fetchone()[0]
    finally:
        c.close()


def children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def altered_copies(folder: Path, n: int) -> list[Path]:
    """n text directives: the corpus files with different trailing bytes, so each has its own sha256."""
    folder.mkdir(parents=True, exist_ok=True)
    seeds = sorted(CORPUS.glob("*.txt"))
    out = []
    for i in range(n):
        src = seeds[i % len(seeds)]
        dst = folder / f"copy{i:03d}_{src.name}"
        dst.write_bytes(src.read_bytes().rstrip() + b"\n" * (2 + i // len(seeds)) + b" " * (i % 3))
        out.append(dst)
    return out


# -- fixtures --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory):
    d = tmp_path_factory.mktemp("corpus")
    for f in CORPUS.glob("*.txt"):
        shutil.copy(f, d / f.name)
    db = d.parent / "corpus.db"
    p, summary = ingest(d, "--db", db, "--workers", "2")
    assert p.returncode == 0, p.stderr
    assert summary["stored"] == 5 and not summary["failed"]
    return db, d


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    return tmp_path_factory.mktemp("copies")


# -- ingest ----------------------------------------------------------------------------------------------

def test_ingest_corpus_then_reingest_adds_nothing(corpus_db):
    db, folder = corpus_db
    before = counts(db)
    assert before["documents"] == 5 and before["texts"] == 5 and before["failures"] == 0
    assert_whole_documents(db)
    for (rec,) in query(db, "SELECT record FROM documents"):
        DirectiveRecord.model_validate_json(rec)
    shas = {hashlib.sha256(f.read_bytes()).hexdigest() for f in folder.glob("*.txt")}
    assert {r[0] for r in query(db, "SELECT sha256 FROM documents")} == shas
    assert {r[0] for r in query(db, "SELECT pipeline_version FROM documents")} == {pipeline.__version__}

    p, summary = ingest(folder, "--db", db)
    assert p.returncode == 0, p.stderr
    assert (summary["stored"], summary["updated"], summary["skipped"]) == (0, 0, 5)
    assert counts(db) == before


def test_pipeline_version_change_reextracts_and_force_redoes(corpus_db, tmp_path):
    src, folder = corpus_db
    db = tmp_path / "copy.db"
    with sqlite3.connect(str(src)) as a, sqlite3.connect(str(db)) as b:
        a.backup(b)
    before = counts(db)
    c = sqlite3.connect(str(db))
    c.execute("UPDATE documents SET pipeline_version = '0.0.0-old' WHERE doc_id = "
              "(SELECT min(doc_id) FROM documents)")
    c.commit()
    c.close()
    p, summary = ingest(folder, "--db", db, "--workers", "1")
    assert p.returncode == 0, p.stderr
    assert (summary["stored"], summary["updated"], summary["skipped"]) == (0, 1, 4)
    assert same_documents(counts(db), before)
    assert {r[0] for r in query(db, "SELECT pipeline_version FROM documents")} == {pipeline.__version__}

    one = sorted(folder.glob("*.txt"))[0]
    p, summary = ingest(one, "--db", db, "--force", "--workers", "1")
    assert p.returncode == 0, p.stderr
    assert (summary["stored"], summary["updated"], summary["skipped"]) == (0, 1, 0)
    assert same_documents(counts(db), before)
    assert_whole_documents(db)


def test_sigkill_midway_then_resume_stores_each_document_once(copies, tmp_path):
    folder = copies / "kill"
    files = altered_copies(folder, 40)
    db = tmp_path / "kill.db"
    proc = subprocess.Popen([*CHITHI, "ingest", str(folder), "--db", str(db), "--workers", "2", "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV, start_new_session=True)
    stored = 0
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
            if db.exists():
                try:
                    stored = query(db, "SELECT count(*) FROM documents")[0][0]
                except sqlite3.OperationalError:  # schema not created yet
                    continue
                if stored >= 2:
                    break
        workers = children(proc.pid)
        assert workers, "no worker processes"
        proc.kill()  # SIGKILL the ingest process, as `kill -9 PID` would
        proc.wait(timeout=30)
        gone = time.monotonic() + 10
        while time.monotonic() < gone and any(Path(f"/proc/{w}").exists() and not zombie(w) for w in workers):
            time.sleep(0.1)
        assert not [w for w in workers if Path(f"/proc/{w}").exists() and not zombie(w)], "orphaned workers"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of the group
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"
    at_kill = query(db, "SELECT count(*) FROM documents")[0][0]
    assert 2 <= at_kill < len(files)
    assert_whole_documents(db)  # nothing half-stored

    p, summary = ingest(folder, "--db", db, "--workers", "2")
    assert p.returncode == 0, p.stderr
    assert summary["stored"] == len(files) - at_kill and summary["skipped"] == at_kill
    assert query(db, "SELECT count(*), count(DISTINCT sha256), count(DISTINCT path) FROM documents")[0] == (40, 40, 40)
    assert_whole_documents(db)

    before = counts(db)
    p, summary = ingest(folder, "--db", db)
    assert p.returncode == 0 and summary["skipped"] == 40 and summary["stored"] == 0
    assert counts(db) == before


def test_two_ingests_at_once_both_finish_without_duplicates(copies, tmp_path):
    folder = copies / "both"
    files = altered_copies(folder, 12)
    db = tmp_path / "both.db"  # fresh: both processes also race to create the schema
    cmd = [*CHITHI, "ingest", str(folder), "--db", str(db), "--workers", "1", "--json", "--quiet"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert "locked" not in err.lower() and "busy" not in err.lower()
    summaries = [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]
    assert sum(s["stored"] for s in summaries) == len(files)
    assert all(s["stored"] + s["skipped"] == len(files) and not s["failed"] for s in summaries)
    assert query(db, "SELECT count(*), count(DISTINCT sha256) FROM documents")[0] == (12, 12)
    assert_whole_documents(db)


def test_bad_files_are_reported_and_good_ones_stored(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    good = [folder / "good1.txt", folder / "good2.txt"]
    seeds = sorted(CORPUS.glob("*.txt"))
    for g, s in zip(good, seeds):
        shutil.copy(s, g)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "junk.txt").write_bytes(bytes(range(256)) * 8 + b"\x00\xff" * 500)
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 this is not a zip archive")
    other = tmp_path / "notes.xyz"
    other.write_text("not a directive")
    (folder / "ignored.xyz").write_text("walked folders take only supported files")
    db = tmp_path / "mixed.db"

    p, summary = ingest(folder, other, tmp_path / "missing.txt", "--db", db, "--workers", "2")
    assert p.returncode == 1, p.stderr  # ExitCode.partial_failure
    assert summary["stored"] == 2
    failed = {Path(f["path"]).name: f["reason"] for f in summary["failed"]}
    assert set(failed) == {"empty.txt", "junk.txt", "broken.docx", "notes.xyz", "missing.txt"}
    assert "empty" in failed["empty.txt"]
    assert "binary" in failed["junk.txt"] or "text" in failed["junk.txt"]
    assert "docx" in failed["broken.docx"]
    assert "unsupported" in failed["notes.xyz"]
    assert [Path(x).name for x in summary["ignored"]] == ["ignored.xyz"]
    for name in failed:  # one line each, with the reason, on stderr
        assert any(line.startswith("chithi: failed: ") and name in line for line in p.stderr.splitlines())
    assert query(db, "SELECT count(*) FROM documents")[0][0] == 2
    assert {Path(r[0]).name for r in query(db, "SELECT path FROM failures")} >= {"empty.txt", "junk.txt", "broken.docx"}
    assert_whole_documents(db)


# -- search ----------------------------------------------------------------------------------------------

def search(db, q, *extra, run=None) -> list[dict]:
    p = (run or cli)("search", q, "--db", db, "--json", "--limit", "200", *extra)
    assert p.returncode == 0, p.stderr
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def test_search_without_diacritics_finds_health_insurance(corpus_db):
    db, _ = corpus_db
    hits = search(db, "bao hiem y te", run=chithi)  # the real command line
    assert hits and all({"doc_id", "kind", "field", "value", "snippet", "score"} <= set(h) for h in hits)
    assert any(HEALTH in h["text"].lower() for h in hits)
    # every document whose text says "bảo hiểm y tế" is found (independent of extraction quality)
    with_health = {r[0] for r in query(db, "SELECT doc_id FROM texts WHERE lower(text) LIKE ?", f"%{HEALTH}%")}
    assert len(with_health) >= 2  # seeds 003 and 004
    assert {h["doc_id"] for h in hits} >= with_health
    text_hits = search(db, "bao hiem y te", "--type", "document")
    assert all(h["kind"] == "document" for h in text_hits)
    assert {h["doc_id"] for h in text_hits if h["field"] == "text"} >= with_health
    assert any("«" in h["snippet"] for h in text_hits)
    # with diacritics and capitals: the same rows
    key = lambda hs: sorted((h["doc_id"], h["kind"], h["field"], h["item"]) for h in hs)  # noqa: E731
    assert key(search(db, "Bảo hiểm Y tế")) == key(hits)
    # the health-insurance targets of the seeds: every stored target that names it is a target hit
    targets = {(d, t) for d, t, text, metric in query(db, "SELECT doc_id, target_id, text, metric FROM targets")
               if "bao hiem y te" in fold(f"{text} {metric or ''}")}
    target_hits = search(db, "bao hiem y te", "--type", "target")
    assert {(h["doc_id"], h["item"]) for h in target_hits} >= targets
    assert all(h["kind"] == "target" for h in target_hits)
    # the abbreviation is found from the words and the words from the abbreviation (seed 002: "bao phủ BHYT")
    bhyt = {(d, t) for d, t, text in query(db, "SELECT doc_id, target_id, text FROM targets") if "BHYT" in text}
    assert bhyt and {(h["doc_id"], h["item"]) for h in target_hits} >= bhyt
    assert {(h["doc_id"], h["item"]) for h in search(db, "BHYT", "--type", "target")} >= targets | bhyt


def test_search_table_and_usage(corpus_db):
    db, _ = corpus_db
    p = cli("search", "bao hiem y te", "--db", db, "--limit", "3")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].split() == ["#", "document", "field", "value", "snippet"]
    assert set(lines[1].replace(" ", "")) == {"-"} and 2 < len(lines) <= 6
    assert re.fullmatch(r"\d of \d+ hits( \(--limit N to see more\))?", lines[-1])
    assert cli("search", "!!!", "--db", db).returncode == 2
    missing = cli("search", "x", "--db", Path(db).parent / "nope.db")
    assert missing.returncode == 8 and "no such database" in missing.stderr


# -- a record made from the model (independent of extraction) --------------------------------------------

TEXT = ("ỦY BAN NHÂN DÂN TỈNH AN GIANG\nSố: 05/CT-UBND\nAn Giang, ngày 10 tháng 01 năm 2025\n\nCHỈ THỊ\n"
        "Về tăng cường bảo hiểm y tế toàn dân\n\n"
        "1. Giao Sở Y tế chủ trì, phối hợp với Bảo hiểm xã hội tỉnh nâng tỷ lệ tham gia bảo hiểm y tế đạt 95% "
        "trước ngày 30/6/2025.\n\n"
        "2. Đảng ủy các xã báo cáo kết quả thực hiện hằng tháng và tổng kết trong năm 2024.\n")


def _g(s: str, occurrence: int = 0) -> dict:
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(s, start + 1)
    return {"text": s, "span": Span(start=start, end=start + len(s), page=1)}


def model_record(path: str = "/data/05-CT-UBND.txt") -> tuple[DirectiveRecord, str]:
    sha = hashlib.sha256(TEXT.encode()).hexdigest()
    task1 = TEXT[TEXT.index("Giao Sở Y tế"):TEXT.index("30/6/2025.") + 10]
    task2 = TEXT[TEXT.index("Đảng ủy các xã"):TEXT.index("năm 2024.") + 9]
    rec = DirectiveRecord(
        doc_id=sha[:16], pipeline_version=pipeline.__version__, extracted_at="2025-01-11T00:00:00+00:00",
        source=Source(path=path, sha256=sha, media_type="text/plain", size=len(TEXT.encode()), page_count=1,
                      text_method="text", page_methods=["text"], encoding="utf-8"),
        metadata=Metadata(
            number=MetaValue(value="05/CT-UBND", **_g("05/CT-UBND")),
            doc_type=MetaValue(value="chi_thi", **_g("CHỈ THỊ")),
            issued_date=MetaValue(value="2025-01-10", **_g("ngày 10 tháng 01 năm 2025")),
            place=MetaValue(value="An Giang", **_g("An Giang")),
            issuer=MetaValue(value="Ủy ban nhân dân tỉnh An Giang", **_g("ỦY BAN NHÂN DÂN TỈNH AN GIANG")),
            subject=MetaValue(value="Về tăng cường bảo hiểm y tế toàn dân", **_g("Về tăng cường bảo hiểm y tế toàn dân")),
            signer=Signer(name=None, **_g("CHỈ THỊ"))),
        targets=[Target(id="t1", metric="tỷ lệ tham gia bảo hiểm y tế", value=95, unit="%", comparator="reach",
                        task_id="k1", **_g("tỷ lệ tham gia bảo hiểm y tế đạt 95%"))],
        deadlines=[Deadline(id="d1", due="2025-06-30", precision="day", task_id="k1", **_g("trước ngày 30/6/2025")),
                   Deadline(id="d2", due="2024-12-31", precision="year", **_g("trong năm 2024")),
                   Deadline(id="d3", due=None, precision="recurring", recurrence="monthly", **_g("hằng tháng"))],
        tasks=[Task(id="k1", section="1", deadline_ids=["d1"], target_ids=["t1"], **_g(task1), units=[
                   Unit(name="Sở Y tế", role="lead", **_g("Sở Y tế")),
                   Unit(name="Bảo hiểm xã hội tỉnh", role="support", **_g("Bảo hiểm xã hội tỉnh"))]),
               Task(id="k2", section="2", deadline_ids=["d2", "d3"], **_g(task2),
                    units=[Unit(name="Đảng ủy các xã", role="lead", **_g("Đảng ủy các xã"))])],
    )
    return rec, TEXT


@pytest.fixture
def model_db(tmp_path):
    db = tmp_path / "model.db"
    rec, text = model_record()
    with Store(db) as s:
        assert s.put(rec, text) == "stored"
        assert s.put(rec, text) == "skipped"
        assert s.put(rec, text, force=True) == "updated"
    return db, rec


def test_schema_is_versioned_wal_and_folding(tmp_path):
    db = tmp_path / "new.db"
    with Store(db) as s:
        assert s.version == SCHEMA_VERSION
        assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        sql = s.db.execute("SELECT sql FROM sqlite_master WHERE name = 'search_fts'").fetchone()[0]
        assert "remove_diacritics 2" in sql
        names = {r[0] for r in s.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"deadlines_due", "units_name", "documents_issued", "documents_type"} <= names
    c = sqlite3.connect(str(db))
    c.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    c.close()
    with pytest.raises(DatabaseError, match="newer"):
        Store(db)
    assert fts_query("Bảo hiểm  y-tế")[0] == '(("bao" AND "hiem" AND "y" AND "te") OR "bhyt")'  # lexicon synonyms
    assert fts_query("thi đua")[0] == '"thi" AND "dua"'
    assert fts_query('"Đảng ủy" xa*')[0] == '"dang uy" AND "xa"*'
    assert snippet("Tỷ lệ tham gia Bảo hiểm Y tế đạt 95%", ["bao hiem y te"]) == "Tỷ lệ tham gia «Bảo hiểm Y tế» đạt 95%"


def test_model_record_rows_and_search(model_db):
    db, rec = model_db
    c = counts(db)
    assert (c["documents"], c["tasks"], c["units"], c["targets"], c["deadlines"]) == (1, 2, 3, 1, 3)
    assert query(db, "SELECT task_id FROM deadlines WHERE deadline_id = 'd2'") == [("k2",)]  # from Task.deadline_ids
    with Store(db, create=False) as s:
        hits = s.search("bao hiem y te", kind="target")
        assert [(h.doc_id, h.item) for h in hits] == [(rec.doc_id, "t1")]
        assert "95" in hits[0].value and "«bảo hiểm y tế»" in hits[0].snippet
        # đ is not folded by the tokenizer: the folded copy makes "dang uy" find "Đảng ủy"
        units = s.search("dang uy", kind="task")
        assert any(h.field == "unit" and h.value == "Đảng ủy các xã (lead)" and h.text.startswith("Đảng ủy các xã báo")
                   for h in units)  # a unit hit shows its task
        assert {h.item for h in s.search("Đảng ủy")} == {h.item for h in s.search("DANG UY")}
        assert s.search("hằng tháng", kind="deadline")[0].item == "d3"
        assert s.search("05/CT-UBND", kind="document")[0].field == "number"


def test_deadlines_list_and_ics(model_db, tmp_path):
    db, rec = model_db
    p = cli("deadlines", "--db", db, "--json", "--today", "2025-01-15")
    assert p.returncode == 0, p.stderr
    rows = [json.loads(x) for x in p.stdout.splitlines()]
    assert [(r["deadline_id"], r["status"], r["days_left"]) for r in rows] == [("d1", "upcoming", 166),
                                                                               ("d2", "overdue", -15)]
    assert rows[0]["task"].startswith("Giao Sở Y tế") and rows[0]["units"][0] == {"name": "Sở Y tế", "role": "lead"}
    assert rows[1]["units"] == [{"name": "Đảng ủy các xã", "role": "lead"}]

    by_unit = cli("deadlines", "--db", db, "--json", "--unit", "so y te")
    assert [json.loads(x)["deadline_id"] for x in by_unit.stdout.splitlines()] == ["d1"]
    ranged = cli("deadlines", "--db", db, "--json", "--from", "1/1/2025", "--to", "2025-12-31")
    assert [json.loads(x)["deadline_id"] for x in ranged.stdout.splitlines()] == ["d1"]
    recurring = cli("deadlines", "--db", db, "--json", "--recurring")
    assert [json.loads(x)["deadline_id"] for x in recurring.stdout.splitlines()] == ["d1", "d2", "d3"]
    assert cli("deadlines", "--db", db, "--from", "soon").returncode == 2

    people = cli("deadlines", "--db", db, "--today", "2025-01-15")
    assert people.stdout.splitlines()[0].split() == ["due", "status", "document", "task", "units"]
    assert "overdue" in people.stdout and "Sở Y tế (lead)" in people.stdout

    ics = tmp_path / "deadlines.ics"
    p = cli("deadlines", "--db", db, "--ics", ics)
    assert p.returncode == 0, p.stderr
    check_ics(ics.read_bytes(), expect_events=2)


def check_ics(data: bytes, expect_events: int) -> None:
    """RFC 5545: CRLF lines of at most 75 octets (each a whole UTF-8 text), folded with a leading space."""
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    physical = data[:-2].split(b"\r\n")
    assert all(len(line) <= 75 for line in physical)
    for line in physical:
        line.decode("utf-8")  # no character split across a fold
    assert any(line.startswith(b" ") for line in physical), "long descriptions should be folded"
    lines = data.decode("utf-8").replace("\r\n ", "").split("\r\n")[:-1]
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(x.startswith("PRODID:") for x in lines)
    events = data.decode("utf-8").replace("\r\n ", "").split("BEGIN:VEVENT")[1:]
    assert len(events) == expect_events
    uids = set()
    for ev in events:
        props = dict(x.split(":", 1) for x in ev.split("\r\n") if ":" in x)
        assert re.fullmatch(r"\d{8}T\d{6}Z", props["DTSTAMP"])
        assert re.fullmatch(r"\d{8}", props["DTSTART;VALUE=DATE"])
        assert props["UID"].endswith("@chithi")
        uids.add(props["UID"])
        assert "\n" not in props["DESCRIPTION"] and re.search(r"(?<!\\)[,;]", props["SUMMARY"]) is None
    assert len(uids) == expect_events


def test_deadlines_of_the_corpus(corpus_db, tmp_path):
    db, _ = corpus_db
    p = cli("deadlines", "--db", db, "--json", "--today", "2024-07-01", "--ics", tmp_path / "c.ics")
    assert p.returncode == 0, p.stderr
    rows = [json.loads(x) for x in p.stdout.splitlines()]
    dues = [r["due"] for r in rows]
    # due today and upcoming first, soonest first; then overdue, most recent first
    assert dues == sorted(d for d in dues if d >= "2024-07-01") + sorted((d for d in dues if d < "2024-07-01"),
                                                                          reverse=True)
    assert all(r["status"] == ("overdue" if r["due"] < "2024-07-01" else "today" if r["due"] == "2024-07-01"
                               else "upcoming") for r in rows)
    n = query(db, "SELECT count(*) FROM deadlines WHERE due IS NOT NULL")[0][0]
    assert len(rows) <= n  # the same due date and task twice in a document is one row
    check_ics((tmp_path / "c.ics").read_bytes(), expect_events=len(rows)) if rows else None


# -- exports ---------------------------------------------------------------------------------------------

def test_export_jsonl_validates_against_the_schema(corpus_db, tmp_path):
    db, _ = corpus_db
    out = tmp_path / "records.jsonl"
    p = cli("export", "--db", db, "--format", "jsonl", "--out", out)
    assert p.returncode == 0, p.stderr
    recs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(recs) == 5
    for r in recs:
        DirectiveRecord.model_validate(r)
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "schemas/json/directive-record.schema.json").read_text(encoding="utf-8"))
    v = jsonschema.Draft202012Validator(schema)
    for r in recs:
        assert not list(v.iter_errors(r))


def test_export_csv_one_row_per_target_deadline_assignment(corpus_db, model_db):
    for db in (corpus_db[0], model_db[0]):
        p = cli("export", "--db", db, "--format", "csv")
        assert p.returncode == 0, p.stderr
        assert p.stdout.startswith("\ufeff")  # a UTF-8 BOM, for Excel
        rows = list(csv.DictReader(io.StringIO(p.stdout[1:])))
        kinds = [r["row_type"] for r in rows]
        c = counts(db)
        assert kinds.count("document") == c["documents"]
        assert kinds.count("target") == c["targets"]
        assert kinds.count("deadline") == c["deadlines"]
        assert kinds.count("assignment") == c["units"]
    assignment = [r for r in rows if r["row_type"] == "assignment" and r["unit_name"] == "Sở Y tế"][0]
    assert assignment["role"] == "lead" and assignment["task_id"] == "k1" and assignment["number"] == "05/CT-UBND"
    target = [r for r in rows if r["row_type"] == "target"][0]
    assert float(target["value"]) == 95 and target["unit"] == "%" and target["task"].startswith("Giao Sở Y tế")


def _paths(props: dict, prefix="") -> set[str]:
    out = set()
    for k, v in props.items():
        out.add(prefix + k)
        if "properties" in v:
            out |= _paths(v["properties"], prefix + k + ".")
    return out


def _doc_paths(doc, prefix="") -> set[str]:
    out = set()
    if isinstance(doc, list):
        for x in doc:
            out |= _doc_paths(x, prefix)
    elif isinstance(doc, dict):
        for k, v in doc.items():
            out.add(prefix + k)
            if k != "record":
                out |= _doc_paths(v, prefix + k + ".")
    return out


def test_export_bulk_alternates_actions_and_documents(corpus_db, model_db):
    mapping = json.loads((ROOT / "schemas/opensearch-mapping.json").read_text(encoding="utf-8"))
    analyzer = mapping["settings"]["analysis"]["analyzer"]["vi_folding"]
    assert analyzer["tokenizer"] == "icu_tokenizer" and "icu_folding" in analyzer["filter"]
    props = mapping["mappings"]["properties"]
    assert props["issued_date"]["type"] == "date" and props["targets"]["properties"]["value"]["type"] == "double"
    assert props["subject"]["fields"]["raw"]["type"] == "keyword"
    known = _paths(props)
    for db, n in ((corpus_db[0], 5), (model_db[0], 1)):
        p = cli("export", "--db", db, "--format", "bulk", "--index", "directives-test")
        assert p.returncode == 0, p.stderr
        lines = [json.loads(x) for x in p.stdout.splitlines()]
        assert len(lines) == 2 * n
        for action, doc in zip(lines[::2], lines[1::2]):
            assert action == {"index": {"_index": "directives-test", "_id": doc["doc_id"]}}
            assert _doc_paths(doc) <= known  # the mapping is strict: every field must be mapped
            DirectiveRecord.model_validate(doc["record"])
    assert lines[1]["targets"][0]["value"] == 95 and lines[1]["deadlines"][0]["due"] == "2025-06-30"
