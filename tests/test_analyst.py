"""The analyst's rough edges (issue 22), each with its exact output: search ranking and spreading, review marks in
search and CSV, --csv/--tsv/--json listings, deadlines rows that fit the terminal, the workbook's date cells and
lead units, unknown filter values, duplicates, -q, missing paths, $CHITHI_DB, -v, examples in --help.

The database holds the five seeds (corpus/*.txt) and two short documents written for these tests
(tests/data/analyst: a plan with many drug-prevention tasks and a target about 'cơ sở y tế', and a directive whose
subject is drug prevention and whose lead unit is Sở Y tế)."""
from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from conftest import cli_in_process as cli
from pipeline.store import Store

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "corpus").glob("*.txt")) + sorted((ROOT / "tests" / "data" / "analyst").glob("*.txt"))
TODAY = "2024-07-01"


@pytest.fixture(scope="module")
def processed():
    from pipeline.run import process

    return [process(p) for p in DOCS]


@pytest.fixture
def db(processed, tmp_path):
    path = tmp_path / "analyst.db"
    with Store(path) as s:
        for doc, rec in processed:
            assert s.put(rec, doc.text) == "stored"
    return path


# -- search --------------------------------------------------------------------------------------------------

def test_search_puts_the_unit_itself_above_cơ_sở_y_tế(db):
    rc, out, err = cli("search", "Sở Y tế", "--db", db, "--limit", "3")
    assert (rc, err) == (0, "")
    assert out == """\
#  document    field          value                                    snippet
-  ----------  -------------  ---------------------------------------  ------------------------------------------------------------------------------------------
1  30/CT-UBND  task.unit      Sở Y tế (lead)                           1. «Sở Y tế» chủ trì, phối hợp với Công an tỉnh tổ chức điều trị nghiện, hoàn thành trước…
2  12/KH-UBND  target.target  cơ sở y tế tuyến huyện có phòng tư vấn…  Phấn đấu đến năm 2025 đạt 100% cơ «sở y tế» tuyến huyện có phòng tư vấn điều trị nghiện
3  12/KH-UBND  document.text                                           8. Các cơ «sở y tế» trên địa bàn phối hợp điều trị cho người nghiện.
3 of 9 hits (--limit N to see more)
"""


def test_search_subject_first_and_the_page_spread_over_documents(db):
    rc, out, _ = cli("search", "phong chong ma tuy", "--db", db, "--limit", "5")
    assert out == """\
#  document    field             value                                     snippet
-  ----------  ----------------  ----------------------------------------  ----------------------------------------------------------------------------------------
1  30/CT-UBND  document.subject  Về tăng cường công tác phòng chống ma t…  Về tăng cường công tác «phòng chống ma túy» năm 2025
2  12/KH-UBND  task.task         2. Sở Tư pháp chủ trì tuyên truyền phòn…  2. Sở Tư pháp chủ trì tuyên truyền «phòng chống ma túy» trong trường học.
3  12/KH-UBND  task.task         4. Đoàn Thanh niên chủ trì ra quân phòn…  4. Đoàn Thanh niên chủ trì ra quân «phòng chống ma túy» trong thanh niên.
4  12/KH-UBND  task.task         7. Sở Văn hóa chủ trì tuyên truyền phòn…  7. Sở Văn hóa chủ trì tuyên truyền «phòng chống ma túy» trên báo chí.
5  30/CT-UBND  task.task         2. Ủy ban nhân dân các huyện chủ trì rà…  …ban nhân dân các huyện chủ trì rà soát người nghiện, «phòng chống ma túy» trên địa bàn.
5 of 9 hits (--limit N to see more)
"""
    # when the other documents run out, the page is filled from the one that has more
    rc, out, _ = cli("search", "phong chong ma tuy", "--db", db, "--limit", "9", "--json")
    assert [json.loads(x)["document"] for x in out.splitlines()] == ["30/CT-UBND"] + ["12/KH-UBND"] * 3 + [
        "30/CT-UBND"] + ["12/KH-UBND"] * 4


def test_review_marks_on_unit_metadata_and_target_hits(db):
    doc = cli("docs", "30/CT-UBND", "--db", db, "--json")[1]
    doc_id = json.loads(doc)["doc_id"]
    with Store(db) as s:
        s.apply_decisions(doc_id, [
            {"item": "k1-u1", "decision": "accept", "reviewer": "Lan"},
            {"item": "meta-number", "decision": "accept", "reviewer": "Lan"},
            {"item": "meta-subject", "decision": "correct", "value": "Về phòng chống ma túy năm 2025",
             "reviewer": "Lan", "note": "gọn hơn"}])
    rc, out, _ = cli("search", "Sở Y tế", "--db", db, "--limit", "1")
    assert out.splitlines()[2].startswith("1  30/CT-UBND  task.unit  Sở Y tế (lead) ✓  1. «Sở Y tế» chủ trì")
    rc, out, _ = cli("search", "30/CT-UBND", "--db", db, "--limit", "1")
    assert out.splitlines()[2] == "1  30/CT-UBND  document.number  30/CT-UBND ✓  «30»/«CT»-«UBND»"
    rc, out, _ = cli("search", "phong chong ma tuy", "--db", db, "--limit", "1", "--tsv")
    assert out.splitlines()[1].split("\t")[1:8] == ["30/CT-UBND", "document", "subject", "",
                                                   "Về phòng chống ma túy năm 2025", "correct",
                                                   "Về tăng cường công tác «phòng chống ma túy» năm 2025"]
    # deadlines: the mark on the due date
    with Store(db) as s:
        s.apply_decisions(doc_id, [{"item": "d1", "decision": "correct", "value": "31/7/2025", "reviewer": "Lan"}])
    rc, out, _ = cli("deadlines", "--db", db, "--today", TODAY, "--doc", doc_id)
    assert out.splitlines()[2].startswith("2025-07-31 ✎  upcoming +395 d  30/CT-UBND  Sở Y tế  Sở Y tế chủ trì")
    # CSV: the metadata decisions are rows of their own
    rc, out, _ = cli("export", "--db", db, "--format", "csv", "--type", "chi_thi")
    rows = [r for r in csv.DictReader(io.StringIO(out.lstrip("\ufeff"))) if r["doc_id"] == doc_id]
    assert [(r["row_type"], r["item_id"], r["text"], r["review"], r["review_original"], r["review_note"],
             r["reviewer"]) for r in rows if r["row_type"] == "metadata"] == [
        ("metadata", "meta-number", "30/CT-UBND", "accepted", "", "", "Lan"),
        ("metadata", "meta-subject", "Về phòng chống ma túy năm 2025", "corrected",
         "Về tăng cường công tác phòng chống ma túy năm 2025", "gọn hơn", "Lan")]


# -- listings ------------------------------------------------------------------------------------------------

def test_every_listing_has_csv_tsv_and_json(db):
    rc, out, _ = cli("docs", "--db", db, "--type", "chi_thi", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert out.splitlines()[0] == ("doc_id,number,doc_type,issued_date,issuer,subject,path,tasks,targets,deadlines,"
                                   "warnings,review_status,reviewed,other_paths")
    assert [(r["number"], r["issued_date"], r["tasks"], r["warnings"]) for r in rows] == [
        ("30/CT-UBND", "2025-04-09", "2", ""), ("01/CT-UBND", "2024-03-19", "4", "inferred_issuer"),
        ("10/CT-UBND", "2022-12-13", "4", "inferred_issuer"), ("", "", "4", "inferred_issuer")]
    rc, out, _ = cli("deadlines", "--db", db, "--today", TODAY, "--doc", "30/CT-UBND", "--tsv")
    head, row = [x.split("\t") for x in out.splitlines()]
    assert dict(zip(head, row)) | {"doc_id": "", "path": ""} == {
        "due": "2025-06-30", "status": "upcoming", "days_left": "364", "document": "30/CT-UBND", "doc_id": "",
        "deadline_id": "d1", "lead_units": "Sở Y tế", "support_units": "Công an tỉnh",
        "action": "Sở Y tế chủ trì, phối hợp với Công an tỉnh tổ chức điều trị nghiện, hoàn thành trước ngày "
                  "30/6/2025.", "text": "hoàn thành trước ngày 30/6/2025", "precision": "day", "recurrence": "",
        "review": "",
        "issuer": "Ủy ban nhân dân tỉnh Hà Nam", "path": ""}
    rc, out, err = cli("search", "Sở Y tế", "--db", db, "--limit", "2", "--csv")
    assert [r["value"] for r in csv.DictReader(io.StringIO(out))] == [
        "Sở Y tế (lead)", "cơ sở y tế tuyến huyện có phòng tư vấn điều trị nghiện = 100 % (năm 2025)"]
    assert err == "chithi: 2 of 9 hits (--limit N to see more)\n"
    rc, out, _ = cli("deadlines", "--db", db, "--today", TODAY, "--doc", "30/CT-UBND", "--json")
    assert json.loads(out)["lead_units"] == ["Sở Y tế"]
    assert cli("docs", "--db", db, "--csv", "--json")[0] == 2  # one format at a time


def test_deadlines_rows_fit_a_narrow_terminal_with_action_and_lead_units(db, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    rc, out, _ = cli("deadlines", "--db", db, "--today", TODAY, "--doc", "30/CT-UBND", "--doc", "2dd379aa")
    assert out == """\
due         status           document   lead             action
----------  ---------------  ---------  ---------------  -----------------------
2024-07-31  upcoming +30 d   2dd379aa…  Công ty cổ phầ…  Giao Công ty cổ phần p…
2025-02-28  upcoming +242 d  2dd379aa…  Phòng Kinh tế    Phòng Kinh tế chủ trì…
2025-03-31  upcoming +273 d  2dd379aa…  Phòng Văn hóa…   Phòng Văn hóa - Thông…
2025-06-30  upcoming +364 d  30/CT-UB…  Sở Y tế          Sở Y tế chủ trì, phối…
2025-06-30  upcoming +364 d  2dd379aa…  Phòng Quản lý…   Phòng Quản lý đô thị,…
2024-06-30  overdue -1 d     2dd379aa…  —                Mỗi phường, xã căn cứ…
"""
    assert max(len(x) for x in out.splitlines()) == 80


# -- exports -------------------------------------------------------------------------------------------------

def test_workbook_dates_are_dates_and_deadlines_have_lead_units(db, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "w.xlsx"
    assert cli("export", "--db", db, "--format", "xlsx", "--out", out, "--type", "chi_thi")[0] == 0
    wb = load_workbook(out)
    ws = wb["deadlines"]
    head = [c.value for c in ws[1]]
    assert head[:10] == ["doc_id", "document", "deadline", "task", "due", "precision", "recurrence", "lead units",
                         "source text", "task text"]
    rows = {r[0].value[:8] + r[2].value: r for r in ws.iter_rows(min_row=2)}
    due = rows["e693a44cd1"][4]
    assert due.is_date and due.value == datetime(2025, 6, 30) and due.number_format == "yyyy-mm-dd"
    assert rows["e693a44cd1"][7].value == "Sở Y tế"
    issued = {r[1].value: r[3] for r in wb["documents"].iter_rows(min_row=2)}
    assert issued["30/CT-UBND"].is_date and issued["30/CT-UBND"].value == datetime(2025, 4, 9)
    assert issued[None].value is None  # no date: an empty cell, not a text
    rc, out, _ = cli("export", "--db", db, "--format", "csv", "--type", "Chỉ thị")
    dl = [r for r in csv.DictReader(io.StringIO(out.lstrip("\ufeff"))) if r["row_type"] == "deadline"]
    assert [(r["number"], r["item_id"], r["due"], r["unit_name"], r["role"]) for r in dl] == [
        ("", "d1", "2025-12-31", "", ""), ("", "d2", "", "Hội đồng Thi đua - Khen thưởng tỉnh; Sở Nội vụ", "lead"),
        ("01/CT-UBND", "d1", "2024-06-30", "", ""), ("01/CT-UBND", "d2", "2025-12-31", "", ""),
        ("01/CT-UBND", "d3", "2030-12-31", "", ""), ("30/CT-UBND", "d1", "2025-06-30", "Sở Y tế", "lead")]


# -- usage -----------------------------------------------------------------------------------------------------

CHOICES = ("chi_thi, ke_hoach, quyet_dinh, nghi_quyet, nghi_dinh, thong_tu, thong_tu_lien_tich, thong_bao, cong_van, "
           "to_trinh, bao_cao, huong_dan, chuong_trinh, quy_che, quy_dinh, de_an, phuong_an, du_an, bien_ban, "
           "hop_dong, cong_dien, giay_moi, ket_luan, thong_tri, luat, phap_lenh, van_ban_hop_nhat, lenh")


def test_unknown_filter_values_exit_2_naming_the_valid_ones(db, tmp_path):
    rc, out, err = cli("docs", "--db", db, "--type", "chithi")
    assert (rc, out) == (2, "")
    assert err == f"chithi: error: --type: unknown value 'chithi' (did you mean chi_thi? valid: {CHOICES})\n"
    target = tmp_path / "x.csv"
    rc, _, err = cli("export", "--db", db, "--format", "csv", "--type", "chithi", "--out", target)
    assert rc == 2 and "did you mean chi_thi?" in err and not target.exists()
    rc, _, err = cli("docs", "--db", db, "--warning", "blank")
    assert rc == 2 and err.startswith("chithi: error: --warning: unknown value 'blank' (did you mean blank_number? "
                                      "valid: blank_number, ")
    rc, _, err = cli("serach", "x")
    assert rc == 2 and err.startswith("chithi: usage error: argument COMMAND: unknown value 'serach' (did you mean "
                                      "search? valid: extract, text, eval, ingest, search, deadlines, export, docs,")
    rc, _, err = cli("export", "--format", "xslx")
    assert (rc, err) == (2, "chithi: usage error: argument --format: unknown value 'xslx' (did you mean xlsx? valid: "
                            "jsonl, csv, xlsx, bulk) (see `chithi export --help`)\n")
    assert cli("docs", "--db", db, "--type", "Chỉ thị")[0] == 0  # the Vietnamese name is a valid type


def test_duplicates_are_reported_and_found_by_their_own_path(tmp_path):
    a = tmp_path / "a.txt"
    shutil.copy(DOCS[-1], a)
    b = tmp_path / "sub" / "ban-sao.txt"
    b.parent.mkdir()
    shutil.copy(DOCS[-1], b)
    db = tmp_path / "d.db"
    rc, _, err = cli("ingest", a, b, "--db", db, "--workers", "1")
    assert rc == 0
    assert err.splitlines()[1:] == [f"chithi: duplicate: {b} has the same bytes as {a}: stored once (found by "
                                    "either path)"]
    rc, out, _ = cli("docs", str(b), "--db", db, "--json")
    assert json.loads(out)["path"] == str(a) and json.loads(out)["other_paths"] == [str(b)]
    assert json.loads(cli("docs", "ban-sao.txt", "--db", db, "--json")[1])["number"] == "12/KH-UBND"
    # met again in a later run: still a duplicate, not just 'skipped'
    rc, _, err = cli("ingest", b, "--db", db, "--workers", "1")
    assert err.splitlines()[1:] == [f"chithi: duplicate: {b} has the same bytes as {a}: stored once (found by "
                                    "either path)"]
    # -q: nothing but what failed
    assert cli("ingest", a, b, "--db", db, "-q") == (0, "", "")


def test_missing_paths_exit_3_without_creating_a_database(tmp_path):
    db = tmp_path / "x.db"
    rc, out, err = cli("ingest", tmp_path / "nope", "--db", db)
    assert (rc, out, err) == (3, "", f"chithi: error: {tmp_path / 'nope'}: no such file or folder (check the path "
                                     "(nothing was stored))\n")
    assert not db.exists()


def test_chithi_db_version_and_examples(db, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHITHI_DB", str(db))
    rc, out, _ = cli("docs", "--type", "chi_thi")
    assert rc == 0 and out.endswith("\n4 documents\n")
    assert cli("export", "--format", "csv", "--out", tmp_path / "x.csv", "-q") == (0, "", "")  # -q: no summary
    assert cli("export", "--format", "csv", "--out", tmp_path / "x.csv")[2] == \
        f"chithi: exported 7 records to {tmp_path / 'x.csv'}\n"
    monkeypatch.delenv("CHITHI_DB")
    rc, _, err = cli("docs")
    assert rc == 8 and err.startswith("chithi: error: chithi.db: no such database")
    import pipeline

    for flag in ("-v", "--version"):
        rc, out, _ = cli(flag)
        assert (rc, out) == (0, f"chithi {pipeline.__version__}\n")
    rc, out, _ = cli("deadlines", "--help")
    assert rc == 0 and out.split("\nexamples:\n")[1].splitlines()[0].startswith(
        "  chithi deadlines                                      # upcoming, then overdue, with the action and lead units")
