"""The analysts' workbench (issue 13): `chithi docs`, document lookup and naming, deadlines with their tasks,
search ranking and highlighting, exports (BOM, xlsx, filters, review status), not-a-directive inputs, CLI
hygiene, the review page's decisions and `chithi review --apply`, the deadline timeline.

The exact-output tests read a small database built here from the seeds (corpus/*.txt): a change in what
extraction finds in the seeds changes these tables, and the expected text has to be updated with it."""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CORPUS, ENV, ROOT, SEEDS, cli_in_process, headless_chromium
from pipeline.store import Store, snippet

TODAY = "2024-07-01"


cli = cli_in_process


def chithi(*args, stdin: bytes | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *map(str, args)], input=stdin,
                          capture_output=True, env=ENV, timeout=timeout, cwd=ROOT)


@pytest.fixture
def db(seeds_db):
    return seeds_db


@pytest.fixture(scope="module")
def seeds(seed_docs):
    return seed_docs


# -- docs, naming and lookup -----------------------------------------------------------------------------

DOCS = """\
id        number      type      date        issuer                        subject                                   file                      tasks/targets/deadlines  warnings                                       review
--------  ----------  --------  ----------  ----------------------------  ----------------------------------------  ------------------------  -----------------------  ---------------------------------------------  ------
2dd379aa  —           Kế hoạch  2024-06     Ủy ban nhân dân thành phố V…  Phát động phong trào thi đua và tổ chức…  001_6dd6d2f37ee23f38.txt  18/12/6                  blank_number,date_without_day,inferred_issuer  —
bac282dc  01/CT-UBND  Chỉ thị   2024-03-19  Ủy ban nhân dân thành phố N…  Về việc phát động phong trào “Thi đua t…  000_4a226a3da77387bf.txt  4/4/3                    inferred_issuer                                —
6d9ea4cc  31/KH-UBND  Kế hoạch  2024-03-06  Ủy ban nhân dân phường Nguy…  Phát động phong trào thi đua thực hiện…   002_17a354e4a6196df4.txt  4/10/0                   restored_text                                  —
93d72f1b  10/CT-UBND  Chỉ thị   2022-12-13  Ủy ban nhân dân thành phố C…  Về việc phát động phong trào thi đua yê…  003_bc300ed0722f41ea.txt  4/10/0                   inferred_issuer                                —
f214409b  —           Chỉ thị   —           Ủy ban nhân dân tỉnh Quảng…   Phát động phong trào thi đua yêu nước n…  004_ba79e22acb77a903.txt  4/20/2                   inferred_issuer                                —
5 documents
"""


def test_docs_lists_every_stored_document(db):
    rc, out, err = cli("docs", "--db", db)
    assert (rc, err) == (0, "")
    assert out == DOCS
    rc, out, _ = cli("docs", "--db", db, "--type", "Chỉ thị", "--since", "2023-01-01")
    assert rc == 0 and out.splitlines()[2].startswith("bac282dc  01/CT-UBND") and out.endswith("1 documents\n")
    rc, out, _ = cli("docs", "--db", db, "--issuer", "nha trang", "--json")
    assert [json.loads(x)["number"] for x in out.splitlines()] == ["01/CT-UBND"]
    rc, out, _ = cli("docs", "--db", db, "--warning", "blank_number", "--json")
    row = json.loads(out)
    assert (row["doc_id"][:8], row["document"], row["tasks"], row["targets"], row["deadlines"]) == (
        "2dd379aa", "Phát động phong trào thi đua và tổ chức các hoạt động chào mừng Đại hội Đảng các cấp nhiệm kỳ 2025 - 2030 (001_6dd6d2f37ee23f38.txt)",
        18, 12, 6)


@pytest.mark.parametrize("key", ["bac2", "bac282dc27c08b5d", "01/CT-UBND", "01/ct-ubnd", "000_4a226a3da77387bf.txt",
                                 str(CORPUS / "000_4a226a3da77387bf.txt")])
def test_a_document_is_found_by_id_prefix_number_or_path(db, key):
    with Store(db, create=False) as s:
        assert s.resolve(key) == "bac282dc27c08b5d"


def test_lookup_errors(db, tmp_path):
    rc, _, err = cli("docs", "nope/XX", "--db", db)
    assert rc == 3 and err.count("\n") == 1 and "chithi docs" in err
    rc, _, err = cli("review", "bac", "--db", db, "--out", tmp_path / "r.html")  # 3 digits: not a prefix
    assert rc == 3
    with Store(db) as s:  # two documents under one prefix
        rec = json.loads(s.db.execute("SELECT record FROM documents").fetchone()[0])
        for sha in ("abcd" + "0" * 60, "abcd" + "1" * 60):
            twin = {**rec, "doc_id": sha[:16], "source": {**rec["source"], "sha256": sha, "path": f"/x/{sha[4]}.txt"}}
            assert s.put(twin, "text") == "stored"
    rc, _, err = cli("docs", "abcd", "--db", db)
    assert rc == 2 and "abcd: names 2 documents" in err and "abcd000000000000" in err and "abcd111111111111" in err
    assert cli("docs", "abcd1", "--db", db)[:2] == (0, cli("docs", "abcd111111111111", "--db", db)[1])


def test_review_of_a_stored_document_by_its_number(db, tmp_path):
    out = tmp_path / "r.html"
    rc, stdout, err = cli("review", "01/CT-UBND", "--db", db, "--out", out)
    assert (rc, err) == (0, "") and stdout.strip() == str(out)
    page = out.read_text(encoding="utf-8")
    assert "<title>01/CT-UBND · rà soát chithi</title>" in page
    rc, _, _ = cli("review", "001_6dd6d2f37ee23f38.txt", "--db", db, "--out", out)
    assert rc == 0  # a file name that is not in the working folder: the stored document of that name
    assert "<title>Phát động phong trào thi đua và tổ chức các hoạt động chào mừng" \
        in out.read_text(encoding="utf-8")


# -- deadlines -------------------------------------------------------------------------------------------

DEADLINES = """\
due         status            document           lead                        action
----------  ----------------  -----------------  --------------------------  -------------------------------------------
2024-07-31  upcoming +30 d    2dd379aa Phát độ…  Công ty cổ phần phát triể…  Giao Công ty cổ phần phát triển hạ tầng đô…
2025-02-28  upcoming +242 d   2dd379aa Phát độ…  Phòng Kinh tế               Phòng Kinh tế chủ trì tham mưu UBND Thành…
2025-03-31  upcoming +273 d   2dd379aa Phát độ…  Phòng Văn hóa - Thông tin   Phòng Văn hóa - Thông tin chủ trì tham mưu…
2025-06-30  upcoming +364 d   2dd379aa Phát độ…  Phòng Quản lý đô thị; Phò…  Phòng Quản lý đô thị, Phòng Tài chính-Kế h…
2025-12-31  upcoming +548 d   01/CT-UBND         —                           Tổ chức triển khai hiệu quả Chương trình m…
2025-12-31  upcoming +548 d   f214409b Phát độ…  —                           Chú ý vấn đề nhà ở gắn với các thiết chế v…
2030-12-31  upcoming +2374 d  01/CT-UBND         —                           Xây dựng nông thôn mới phát triển toàn diệ…
2024-06-30  overdue -1 d      01/CT-UBND         —                           Đẩy nhanh tiến độ lập, thẩm định, phê duyệ…
2024-06-30  overdue -1 d      2dd379aa Phát độ…  —                           Mỗi phường, xã căn cứ vào tính chất, nhiệm…
"""


def test_deadlines_upcoming_first_then_overdue_with_task_and_units(db, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")  # the rows fit the terminal's width (shutil.get_terminal_size)
    rc, out, err = cli("deadlines", "--db", db, "--today", TODAY)
    assert (rc, err) == (0, "")
    assert out == DEADLINES and max(len(x) for x in out.splitlines()) == 120
    rc, out, _ = cli("deadlines", "--db", db, "--today", TODAY, "--overdue")
    cells = lambda lines: [re.split(r"\s{2,}", x) for x in lines]  # noqa: E731
    got, want = cells(out.splitlines()[2:]), cells(DEADLINES.splitlines()[-2:])
    assert [c[:2] + c[3:4] for c in got] == [c[:2] + c[3:4] for c in want]  # document, action: cut to fit
    assert all(g[i].startswith(w[i].rstrip("…")) for g, w in zip(got, want) for i in (2, 4))
    rc, out, _ = cli("deadlines", "--db", db, "--today", TODAY, "--json", "--unit", "phong kinh te")
    rows = [json.loads(x) for x in out.splitlines()]
    assert [(r["due"], r["task_id"], r["units"][0]) for r in rows] == [
        ("2025-02-28", rows[0]["task_id"], {"name": "Phòng Kinh tế", "role": "lead"})]
    rc, out, _ = cli("deadlines", "--db", db, "--today", TODAY, "--json", "--doc", "01/CT-UBND")
    assert [json.loads(x)["due"] for x in out.splitlines()] == ["2025-12-31", "2030-12-31", "2024-06-30"]
    rc, out, _ = cli("deadlines", "--db", db, "--json", "--issuer", "Quảng Nam")
    assert [json.loads(x)["document"] for x in out.splitlines()] == [
        "Phát động phong trào thi đua yêu nước năm 2024 (004_ba79e22acb77a903.txt)"]
    # no row twice: one row per deadline of each document's (due, task)
    rc, out, _ = cli("deadlines", "--db", db, "--json", "--recurring")
    keys = [(r["doc_id"], r["due"], r["recurrence"], r["task"]) for r in map(json.loads, out.splitlines())]
    assert len(keys) == len(set(keys)) and all(r for r in keys)


def test_ics_events_carry_unit_and_task(db, tmp_path):
    ics = tmp_path / "d.ics"
    rc, _, err = cli("deadlines", "--db", db, "--today", TODAY, "--ics", ics, "--unit", "Phòng Kinh tế")
    assert rc == 0 and "wrote 1 deadlines" in err
    text = ics.read_bytes().decode("utf-8").replace("\r\n ", "")
    summary = re.search(r"^SUMMARY:(.*)$", text, re.M).group(1)
    assert summary.startswith("Phòng Kinh tế: Phòng Kinh tế chủ trì tham mưu")
    assert "Đơn vị: Phòng Kinh tế (lead)" in text and "Nhiệm vụ: Phòng Kinh tế chủ trì" in text


def test_deadline_timeline_page(db, tmp_path):
    page = tmp_path / "t.html"
    rc, _, err = cli("deadlines", "--db", db, "--today", TODAY, "--html", page)
    assert rc == 0 and "timeline of 9 deadlines" in err
    html = page.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html and "<script src" not in html
    def marked(status):  # deadlines on markers of that status (close ones share a marker with their count)
        return sum(int(n) for n in re.findall(rf'class="dl {status}[^"]*"[^>]*data-count="(\d+)"', html))

    assert (marked("overdue"), marked("upcoming")) == (2, 7)
    assert html.count('<tr class="overdue">') == 2 and html.count('<tr class="upcoming">') == 7
    lanes = re.findall(r'<div class="lane-name">([^<]*)<small>', html)
    assert lanes[-1] == "(chưa rõ đơn vị)" and "Phòng Kinh tế" in lanes
    assert "2 quá hạn" in html and "7 sắp tới" in html


# -- search ----------------------------------------------------------------------------------------------

SEARCH = """\
#  document                                     field          value                                     snippet
-  -------------------------------------------  -------------  ----------------------------------------  -----------------------------------------------
1  10/CT-UBND                                   target.target  tỷ lệ bao phủ bảo hiểm y tế = 92.45 % (…  tỷ lệ bao phủ «bảo hiểm y tế» đạt 92,45%
2  Phát động phong… (004_ba79e22acb77a903.txt)  target.target  tỷ lệ dân số tham gia bảo hiểm y tế = 9…  tỷ lệ dân số tham gia «bảo hiểm y tế» đạt 96,2%
2 of 3 hits (--limit N to see more)
"""


def test_search_targets_first_one_hit_per_passage_n_of_m(db):
    rc, out, err = cli("search", "bảo hiểm y tế", "--db", db, "--limit", "2")
    assert (rc, err) == (0, "")
    assert out == SEARCH
    rc, out, err = cli("search", "bao hiem y te", "--db", db, "--json", "--limit", "50")
    hits = [json.loads(x) for x in out.splitlines()]
    assert err == f"chithi: {len(hits)} of {len(hits)} hits\n"
    kinds = [h["kind"] for h in hits]
    assert kinds[:3] == ["target"] * 3 and kinds == sorted(kinds, key=["target", "deadline", "task",
                                                                         "document"].index)
    for a in hits:  # one hit per passage
        for b in hits:
            if a is not b and a["doc_id"] == b["doc_id"]:
                assert " ".join(a["text"].split()) not in " ".join(b["text"].split())


def test_task_hits_show_the_task_text(db):
    rc, out, _ = cli("search", "tuyên truyền", "--db", db, "--type", "task", "--json", "--limit", "3")
    hits = [json.loads(x) for x in out.splitlines()]
    assert len(hits) == 3 and all(h["field"] == "task" for h in hits)
    for h in hits:  # the task's text, not its section number
        assert h["value"] == " ".join(h["text"].split()) and len(h["value"]) > 40 and "«tuyên truyền»" in h["snippet"]
    rc, out, _ = cli("search", "Phòng Kinh tế", "--db", db, "--type", "task", "--json", "--limit", "1")
    unit = json.loads(out)
    assert (unit["field"], unit["value"]) == ("unit", "Phòng Kinh tế (lead)")
    assert unit["snippet"].startswith("- «Phòng Kinh tế» chủ trì tham mưu")  # a unit hit shows its task


def test_query_with_diacritics_marks_only_what_is_typed(db):
    assert snippet("Rà soát tại Sở Tài chính và sở tại", ["so", "tai", "chinh"],
                   ["sở tài chính", "sở", "tài", "chính"]) == "Rà soát tại «Sở Tài chính» và sở tại"
    assert snippet("Rà soát tại Sở Tài chính", ["so", "tai", "chinh"]) == "Rà soát tại «Sở Tài chính»"
    assert snippet("rà soát tại xã", ["so", "tai"]) == "rà soát «tại» xã"  # whole words only: not «so»át
    rc, out, _ = cli("search", "Sở Tài chính", "--db", db, "--json", "--limit", "50")
    marked = {m.lower() for h in map(json.loads, out.splitlines()) for m in re.findall("«([^»]*)»", h["snippet"])}
    assert marked and marked <= {"sở", "tài", "chính", "sở tài chính"}, marked


# -- exports ---------------------------------------------------------------------------------------------

def test_csv_has_a_bom_and_filters(db, tmp_path):
    out = tmp_path / "x.csv"
    rc, _, err = cli("export", "--db", db, "--format", "csv", "--out", out, "--type", "chi_thi", "--since", "2023-13-45")
    assert rc == 2  # not a date
    rc, _, err = cli("export", "--db", db, "--format", "csv", "--out", out, "--type", "chi_thi", "--since", "1/1/2023")
    assert rc == 0 and err == f"chithi: exported 1 records to {out}\n"
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfdoc_id,number,")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert {r["number"] for r in rows} == {"01/CT-UBND"} and rows[0]["review"] == "—"
    rc, stdout, _ = cli("export", "--db", db, "--format", "jsonl", "--issuer", "quang nam")
    assert [json.loads(x)["doc_id"][:8] for x in stdout.splitlines()] == ["f214409b"]


def test_xlsx_workbook(db, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    assert cli("export", "--db", db, "--format", "xlsx")[0] == 2  # a workbook needs --out
    out = tmp_path / "x.xlsx"
    rc, _, err = cli("export", "--db", db, "--format", "xlsx", "--out", out)
    assert rc == 0, err
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["documents", "tasks", "units", "targets", "deadlines"]
    docs = list(wb["documents"].values)
    assert docs[0][:3] == ("doc_id", "number", "type") and len(docs) == 6
    assert {r[1] for r in docs[1:]} == {None, "01/CT-UBND", "31/KH-UBND", "10/CT-UBND"}
    assert {r[2] for r in docs[1:]} == {"Chỉ thị", "Kế hoạch"}
    with Store(db, create=False) as s:
        c = s.counts()
    assert [wb[n].max_row - 1 for n in ("tasks", "units", "targets", "deadlines")] == [
        c["tasks"], c["units"], c["targets"], c["deadlines"]]


# -- not directives --------------------------------------------------------------------------------------

ENGLISH = "Meeting notes\n\nThe team will review the budget next week and send the report by Friday.\n"


def test_not_a_directive_is_warned_and_counted_apart(tmp_path):
    from pipeline.run import extract_record

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "notes.txt").write_text(ENGLISH, encoding="utf-8")
    shutil.copy(CORPUS / "gold" / "GUIDE.md", folder / "GUIDE.md")
    shutil.copy(SEEDS[0], folder / SEEDS[0].name)
    rec = extract_record(folder / "notes.txt")
    assert [w.message for w in rec.warnings if w.code == "not_a_directive"] == [
        "not a directive: not Vietnamese; no header (số ký hiệu, date, issuer); no tên loại; no tasks"]
    assert not [w for w in extract_record(SEEDS[4]).warnings if w.code == "not_a_directive"]  # no header, but a Chỉ thị
    p = chithi("ingest", folder, "--db", tmp_path / "a.db", "--workers", "1", "--json", "--only-directives")
    summary = json.loads(p.stdout)
    assert p.returncode == 0 and summary["stored"] == 1
    assert sorted(Path(x).name for x in summary["not_directives"]) == ["GUIDE.md", "notes.txt"]
    assert "2 not directives (left out): " in p.stderr.decode()
    p = chithi("ingest", folder, "--db", tmp_path / "b.db", "--workers", "1", "--json")
    assert json.loads(p.stdout)["stored"] == 3 and "2 not directives (stored, with a not_a_directive warning)" \
        in p.stderr.decode()


# -- CLI hygiene -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["extract", "--indent", "-1", "X"], ["extract", "--indent", "17", "X"], ["extract", "--indent", "99999999", "X"],
    ["extract", "--indent", "two", "X"], ["extract", "--workers", "0", "X"], ["extract", "--workers", "-3", "X"],
    ["text", "--workers", "0", "X"], ["ingest", "X", "--workers", "0"], ["review", "X", "--out", "r.html",
                                                                        "--workers", "-1"],
    ["search", "x", "--limit", "0"], ["deadlines", "--from", "soon"], ["docs", "--since", "yesterday"],
    ["review"], ["review", "X"], ["review", "X", "--out", "r.html", "--apply", "d.json"],
    ["export", "--format", "xlsx"],
])
def test_bad_options_are_usage_errors(args, tmp_path):
    rc, out, err = cli(*args, "--db", tmp_path / "none.db") if args[0] in ("search", "deadlines", "docs", "export") \
        else cli(*args)
    assert rc == 2 and out == "" and err.count("\n") == 1 and err.startswith("chithi: "), err


def test_debug_and_quiet_anywhere_and_stdin(tmp_path):
    seed = SEEDS[0]
    p = chithi("extract", seed, "--debug", "--quiet", "--jsonl")
    assert p.returncode == 0 and p.stderr == b"" and p.stdout.count(b"\n") == 1  # one line: JSON Lines
    p = chithi("--debug", "extract", "-", "--indent", "0", stdin=seed.read_bytes())
    rec = json.loads(p.stdout)
    assert p.returncode == 0 and rec["source"]["path"] == "-" and rec["metadata"]["number"]["value"] == "01/CT-UBND"
    p = chithi("text", "-", stdin=b"")
    assert p.returncode == 5 and b"standard input is empty" in p.stderr
    p = chithi("text", seed, "-", stdin=SEEDS[1].read_bytes(), timeout=300)
    text = p.stdout.decode("utf-8")
    assert p.returncode == 0 and text.startswith(f"==> {seed} <==\n")
    assert "\n\n==> - <==\n" in text and text.count("==> ") == 2


def test_progress_only_on_a_terminal():
    from pipeline.engine.progress import bar, shown

    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty, plain = Tty(), io.StringIO()
    assert shown(False, tty) and not shown(True, tty) and not shown(False, plain)
    for stream in (tty, plain):
        with bar(3, "extract", stream=stream) as b:
            b.update(3)
    assert "extract:" in tty.getvalue() and "/3 [" in tty.getvalue() and plain.getvalue() == ""
    p = chithi("text", SEEDS[0], SEEDS[1], "--workers", "1")
    assert p.returncode == 0 and p.stderr == b""  # stderr is not a terminal: silent


# -- review decisions ------------------------------------------------------------------------------------

def _decisions(tmp_path, doc_id: str, decisions: list[dict]) -> Path:
    f = tmp_path / f"decisions-{doc_id}.json"
    f.write_text(json.dumps({"chithi_review": 1, "doc_id": doc_id, "reviewer": "Lan", "decisions": decisions},
                            ensure_ascii=False), encoding="utf-8")
    return f


def test_apply_decisions_then_docs_search_export_show_them(db, tmp_path):
    f = _decisions(tmp_path, "bac282dc27c08b5d", [
        {"item": "t1", "decision": "accept", "note": "đúng"},
        {"item": "d1", "decision": "reject", "note": "không phải thời hạn"},
        {"item": "meta-number", "decision": "correct", "value": "01/CT-UBND-SỬA", "note": "số đúng"}])
    rc, _, err = cli("review", "--apply", f, "--db", db)
    assert rc == 0 and err == ("chithi: 01/CT-UBND: 3 decisions stored (1 accepted, 1 rejected, 1 corrected); "
                               "in review 3/20\n")
    rc, out, _ = cli("docs", "--db", db, "--review", "in_review")
    assert out.splitlines()[2].split("  ")[:2] == ["bac282dc", "01/CT-UBND-SỬA"]
    assert out.splitlines()[2].endswith("4/4/2                    inferred_issuer  in_review 3/20")
    rc, out, _ = cli("search", "01/CT-UBND-SỬA", "--db", db, "--json")
    assert json.loads(out.splitlines()[0])["value"] == "01/CT-UBND-SỬA"
    rc, out, _ = cli("search", "công dân nhập ngũ", "--db", db, "--type", "target")
    assert " ✓  " in out.splitlines()[2]  # the accepted target
    rc, out, _ = cli("export", "--db", db, "--format", "csv")
    rows = [r for r in csv.DictReader(io.StringIO(out.lstrip("\ufeff"))) if r["doc_id"] == "bac282dc27c08b5d"]
    assert rows[0]["row_type"] == "document" and rows[0]["review"] == "in review 3/20"
    assert {r["number"] for r in rows} == {"01/CT-UBND-SỬA"}
    t1 = [r for r in rows if r["item_id"] == "t1"][0]
    assert (t1["review"], t1["review_note"], t1["reviewer"]) == ("accepted", "đúng", "Lan")
    assert not [r for r in rows if r["item_id"] == "d1"]  # rejected: left out
    rc, out, _ = cli("export", "--db", db, "--format", "jsonl")
    rec = [json.loads(x) for x in out.splitlines() if '"bac282dc27c08b5d"' in x][0]
    assert rec["review"]["status"] == "in_review" and rec["metadata"]["number"]["value"] == "01/CT-UBND-SỬA"
    assert {d["item"]: d["decision"] for d in rec["review"]["decisions"]} == {
        "t1": "accept", "d1": "reject", "meta-number": "correct"}
    correction = [d for d in rec["review"]["decisions"] if d["item"] == "meta-number"][0]
    assert (correction["original"], correction["value"], correction["reviewer"]) == ("01/CT-UBND", "01/CT-UBND-SỬA",
                                                                                    "Lan")
    rc, out, _ = cli("export", "--db", db, "--format", "bulk")
    doc = [json.loads(x) for x in out.splitlines()[1::2] if '"bac282dc27c08b5d"' in x][0]
    assert doc["review"] == {"status": "in_review", "decided": 3, "total": 20}
    # the deadline rejected is gone from the deadlines list; the decisions outlive a re-extraction
    rc, out, _ = cli("deadlines", "--db", db, "--doc", "bac2", "--json")
    assert "d1" not in [json.loads(x)["deadline_id"] for x in out.splitlines()]
    from pipeline.run import process

    doc_, rec_ = process(SEEDS[0])
    with Store(db) as s:
        assert s.put(rec_, doc_.text, force=True) == "updated"
        assert json.loads(s.db.execute("SELECT record FROM documents WHERE doc_id = 'bac282dc27c08b5d'").fetchone()[0]
                          )["review"]["decided"] == 3


def test_stored_review_page_shows_the_extracted_values_and_stored_decisions(db, tmp_path):
    f = _decisions(tmp_path, "bac282dc27c08b5d", [{"item": "d1", "decision": "reject", "note": "không phải"}])
    assert cli("review", "--apply", f, "--db", db)[0] == 0
    out = tmp_path / "r.html"
    assert cli("review", "01/CT-UBND", "--db", db, "--out", out)[0] == 0
    page = out.read_text(encoding="utf-8")
    assert 'data-row="d1"' in page and "đã lưu: 1/20" in page  # the rejected value stays reviewable
    stored = json.loads(re.search(r'<script type="application/json" id="chithi-stored">(.*?)</script>', page).group(1))
    assert [(x["item"], x["decision"], x["note"], x["reviewer"]) for x in stored] == [
        ("d1", "reject", "không phải", "Lan")]


def test_bad_decision_files(db, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert cli("review", "--apply", bad, "--db", db)[0] == 5
    assert cli("review", "--apply", tmp_path / "missing.json", "--db", db)[0] == 3
    f = _decisions(tmp_path, "bac282dc27c08b5d", [{"item": "t1", "decision": "correct"}])  # no value
    assert cli("review", "--apply", f, "--db", db)[0] == 5
    f = _decisions(tmp_path, "ffffffffffffffff", [{"item": "t1", "decision": "accept"}])
    assert cli("review", "--apply", f, "--db", db)[0] == 3


def test_review_page_labels_full_tasks_and_implausible_years(seeds):
    from pipeline.exports.review import render_review

    doc, rec = seeds["001_6dd6d2f37ee23f38.txt"]
    odd = rec.model_copy(update={"deadlines": [rec.deadlines[0].model_copy(update={"due": "7025-12-31"}),
                                               *rec.deadlines[1:]]})
    page = render_review(doc, odd, doc.text, None)
    assert '<b class="val" title="ke_hoach">Kế hoạch</b>' in page
    assert 'title="the số ký hiệu is blank (a draft?) (blank_number)">Số ký hiệu để trống (bản nháp?)</b>' in page
    assert "implausible_date" in page and "năm 7025" in page and 'class="badge b-implausible"' in page
    longest = max(rec.tasks, key=lambda k: len(k.text))
    assert " ".join(longest.text.split()) in page  # the whole task, not cut
    assert page.count('class="decide"') == len(__import__("pipeline.store.decisions", fromlist=["x"]).reviewable(
        rec.model_dump(mode="json")))
    assert "<title>Phát động phong trào thi đua và tổ chức các hoạt động chào mừng" in page


# -- a real browser: click, download, apply, export ------------------------------------------------------

def _driver(download_dir: Path):
    return headless_chromium(download_dir=download_dir)


def test_review_decisions_in_headless_chromium(db, tmp_path):
    from selenium.webdriver.common.by import By

    page = tmp_path / "review.html"
    assert cli("review", "01/CT-UBND", "--db", db, "--out", page)[0] == 0
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    d = _driver(downloads)
    try:
        d.get(page.as_uri())

        def cell(item):
            return d.find_element(By.CSS_SELECTOR, f'td.decide[data-item="{item}"]')

        d.find_element(By.ID, "reviewer").send_keys("Minh")
        cell("t1").find_element(By.CSS_SELECTOR, 'button[data-decision="accept"]').click()
        cell("d2").find_element(By.CSS_SELECTOR, 'button[data-decision="reject"]').click()
        cell("d2").find_element(By.CSS_SELECTOR, "input.d-note").send_keys("không phải thời hạn")
        cell("k1-u1").find_element(By.CSS_SELECTOR, 'button[data-decision="correct"]').click()
        value = cell("k1-u1").find_element(By.CSS_SELECTOR, "input.d-value")
        assert value.is_displayed() and value.get_attribute("value")  # starts from the extracted value
        value.clear()
        value.send_keys("Phòng Kinh tế thành phố")
        assert d.find_element(By.ID, "review-progress").text == "3/20"
        assert "d-reject" in cell("d2").find_element(By.XPATH, "..").get_attribute("class")
        d.refresh()  # kept in the browser
        assert d.find_element(By.ID, "review-progress").text == "3/20"
        assert cell("k1-u1").find_element(By.CSS_SELECTOR, "input.d-value").get_attribute("value") == \
            "Phòng Kinh tế thành phố"
        d.find_element(By.ID, "download").click()
        deadline = time.monotonic() + 20
        files = []
        while time.monotonic() < deadline and not files:
            files = list(downloads.glob("*.json"))
            time.sleep(0.2)
        assert [f.name for f in files] == ["chithi-review-bac282dc27c08b5d.json"]
        shots = ROOT / "artifacts"
        shots.mkdir(exist_ok=True)
        d.save_screenshot(str(shots / "review-decisions.png"))
    finally:
        d.quit()
    data = json.loads(files[0].read_text(encoding="utf-8"))
    assert data["reviewer"] == "Minh" and data["doc_id"] == "bac282dc27c08b5d"
    got = {x["item"]: (x["decision"], x["value"], x["note"]) for x in data["decisions"]}
    assert got == {"t1": ("accept", None, None), "d2": ("reject", None, "không phải thời hạn"),
                   "k1-u1": ("correct", "Phòng Kinh tế thành phố", None)}
    rc, _, err = cli("review", "--apply", files[0], "--db", db)
    assert rc == 0, err
    rc, out, _ = cli("export", "--db", db, "--format", "csv")
    rows = [r for r in csv.DictReader(io.StringIO(out.lstrip("\ufeff"))) if r["doc_id"] == "bac282dc27c08b5d"]
    assert rows[0]["review"] == "in review 3/20"
    assert [(r["review"], r["reviewer"]) for r in rows if r["item_id"] == "t1"] == [("accepted", "Minh")]
    unit = [r for r in rows if r["row_type"] == "assignment" and r["unit_name"] == "Phòng Kinh tế thành phố"]
    assert len(unit) == 1 and unit[0]["review"] == "corrected" and unit[0]["review_original"]
    assert not [r for r in rows if r["item_id"] == "d2"]
    # the page of the stored document, in a browser that has no decisions of its own, starts from the stored ones
    again = tmp_path / "again.html"
    assert cli("review", "bac282dc", "--db", db, "--out", again)[0] == 0
    d = _driver(downloads)
    try:
        d.get(again.as_uri())
        assert d.find_element(By.ID, "review-progress").text == "3/20"
        row = d.find_element(By.CSS_SELECTOR, 'td.decide[data-item="d2"]').find_element(By.XPATH, "..")
        assert "d-reject" in row.get_attribute("class")  # the rejected deadline is still shown, as rejected
        assert d.find_element(By.CSS_SELECTOR, 'td.decide[data-item="k1-u1"] input.d-value').get_attribute(
            "value") == "Phòng Kinh tế thành phố"
    finally:
        d.quit()


def test_eval_says_no_items_instead_of_a_perfect_score():
    from pipeline.evaluate import Report, format_report

    rep = Report()
    rep.fields["targets"].add(2, 2, 2)
    rep.meta_total = 1
    lines = format_report(rep).splitlines()
    assert lines[3:6] == ["targets       1.000  1.000  1.000    2   0   0",
                          "deadlines         —      —      —    0   0   0   (no items)",
                          "assignments       —      —      —    0   0   0   (no items)"]
    assert rep.as_dict()["fields"]["deadlines"]["f1"] is None


def test_a_version_1_database_is_migrated_to_the_latest(tmp_path):
    import sqlite3

    from pipeline.store import MIGRATIONS, SCHEMA_VERSION

    path = tmp_path / "v1.db"
    c = sqlite3.connect(str(path), isolation_level=None)
    MIGRATIONS[0](c)
    c.execute("PRAGMA user_version = 1")
    c.close()
    with Store(path) as s:
        assert s.version == SCHEMA_VERSION == 4
        assert {"extracted", "review_status"} <= {r[1] for r in s.db.execute("PRAGMA table_info(documents)")}
        assert {"action", "lead_units"} <= {r[1] for r in s.db.execute("PRAGMA table_info(deadlines)")}
        assert "action" in {r[1] for r in s.db.execute("PRAGMA table_info(tasks)")}
        assert s.reviews("0123456789abcdef") == [] and s.counts()["reviews"] == 0


def test_decisions_applied_to_a_record(seeds):
    from pipeline.store.decisions import apply, reviewable

    _, rec = seeds["001_6dd6d2f37ee23f38.txt"]
    r = rec.model_dump(mode="json")
    k = next(k for k in r["tasks"] if k["units"] and k["deadline_ids"])
    t, d = r["targets"][0], next(x for x in r["deadlines"] if x["id"] == k["deadline_ids"][0])
    out = apply(r, [
        {"item": t["id"], "decision": "correct", "value": "2.900 hộ"},
        {"item": d["id"], "decision": "correct", "value": "9/2025"},
        {"item": "meta-doc_type", "decision": "correct", "value": "Chỉ thị"},
        {"item": f"{k['id']}-u1", "decision": "reject"},
        {"item": "t999", "decision": "accept"},  # not in the record (re-extracted?): ignored
    ])
    got_t = next(x for x in out["targets"] if x["id"] == t["id"])
    assert (got_t["value"], got_t["unit"]) == (2900.0, "hộ")
    assert next(x for x in out["deadlines"] if x["id"] == d["id"])["due"] == "2025-09-30"
    assert out["metadata"]["doc_type"]["value"] == "chi_thi"
    assert [u["name"] for u in next(x for x in out["tasks"] if x["id"] == k["id"])["units"]] == \
        [u["name"] for u in k["units"][1:]]
    assert out["review"]["decided"] == 4 and out["review"]["total"] == len(reviewable(r))
    assert out["review"]["status"] == "in_review" and "t999" not in {x["item"] for x in out["review"]["decisions"]}
    assert r["metadata"]["doc_type"]["value"] == "ke_hoach"  # the record given is left as it was
    from schemas.record import DirectiveRecord

    DirectiveRecord.model_validate(out)
