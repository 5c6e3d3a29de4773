"""A handwritten or stamped number / day of issue: taken from the document itself or the file name, with its origin
and a warning naming the field — or left null with a warning naming the field, never invented."""
from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import _has_tesseract

ROOT = Path(__file__).resolve().parents[1]

HEAD = ("ỦY BAN NHÂN DÂN\nTỈNH LÂM ĐỒNG\nSố: 4Jl2 /KH-UBND\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Độc lập - Tự do - Hạnh phúc\nLâm Đồng, ngày Ảb tháng 3 năm 2026\n\nKẾ HOẠCH\nTriển khai công tác chuyển đổi số\n\n"
        "Thực hiện Kế hoạch số 55/KH-UBND ngày 01/3/2026 của Ủy ban nhân dân tỉnh.\n\n"
        "1. Sở Khoa học và Công nghệ chủ trì, hoàn thành trước ngày 30/6/2026.\n\n"
        "Nơi nhận:\n- Như trên;\n- Lưu: VT.\n\nTM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\n\nNguyễn Văn A\n")
ANNEX = ("\f PHỤ LỤC\nDANH MỤC NHIỆM VỤ\n(Kèm theo Kế hoạch số 996/KH-UBND ngày 16/3/2026 của Ủy ban nhân dân tỉnh)\n\n"
         "1. Xây dựng kho dữ liệu dùng chung.\n")


def _record(tmp_path: Path, name: str, text: str):
    from pipeline.run import extract_record

    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return extract_record(p)


def _fields(rec) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for w in rec.warnings:
        if w.field:
            out.setdefault(w.field, []).append(w.code)
    return out


@pytest.mark.parametrize("name,number", [
    ("996KH-TCTLNTW-C04.pdf", "996"),
    ("5689_BCA-C04.pdf", "5689"),
    ("kh-753-ubnd-chuyen-doi-so.pdf", "753"),
    ("cv-1413-pc04-kinh-phi.pdf", "1413"),      # "pc04": digits inside a word are no number
    ("R24.pdf", None),
    ("18-11-KH thuc hien cong tac bau cu.docx", None),  # two runs of digits: which one? none
    ("bao-cao-2025.pdf", None),                  # a year is no number
    ("scan.pdf", None),
])
def test_number_of_a_file_name(name, number):
    from pipeline.structure.unread_meta import from_file_name

    assert from_file_name(name) == number


def test_annex_header_gives_number_and_day(tmp_path):
    rec = _record(tmp_path, "scan.txt", HEAD + ANNEX)
    m = rec.metadata
    assert m.number.value == "996/KH-UBND" and m.number.origin == "document"
    assert "996/KH-UBND ngày 16/3/2026" in m.number.text          # grounded where the annex names the plan
    assert m.issued_date.value == "2026-03-16" and m.issued_date.origin == "document"
    f = _fields(rec)
    assert "number_from_document" in f["number"] and "unreadable_number" in f["number"]
    assert "date_from_document" in f["issued_date"] and "unreadable_date" in f["issued_date"]


def test_cited_document_of_the_same_office_is_not_this_one(tmp_path):
    # "Thực hiện Kế hoạch số 55/KH-UBND ngày 01/3/2026": same symbol, but a citation, not a self-reference
    rec = _record(tmp_path, "scan.txt", HEAD)
    assert rec.metadata.number is None
    assert rec.metadata.issued_date.value == "2026-03" and rec.metadata.issued_date.origin is None
    f = _fields(rec)
    assert f["number"] == ["unreadable_number"] and f["issued_date"] == ["unreadable_date"]


def test_file_name_gives_the_number_not_the_day(tmp_path):
    rec = _record(tmp_path, "kh-996-ubnd-chuyen-doi-so.txt", HEAD)
    m = rec.metadata
    assert m.number.value == "996/KH-UBND" and m.number.origin == "file_name"
    assert m.number.text == "Số: 4Jl2 /KH-UBND"                  # the reviewer is shown the unread header
    assert m.issued_date.value == "2026-03"                         # a file name has no day to give
    assert _fields(rec)["number"] == ["unreadable_number", "number_from_file_name"]


def test_document_wins_over_file_name(tmp_path):
    rec = _record(tmp_path, "kh-997-ubnd.txt", HEAD + ANNEX)
    assert rec.metadata.number.value == "996/KH-UBND" and rec.metadata.number.origin == "document"


def test_printed_number_is_not_replaced(tmp_path):
    rec = _record(tmp_path, "kh-997-ubnd.txt", HEAD.replace("4Jl2 /", "996/") + ANNEX)
    m = rec.metadata
    assert m.number.value == "996/KH-UBND" and m.number.origin is None
    assert m.issued_date.value == "2026-03-16" and m.issued_date.origin == "document"  # the day still from the annex


@pytest.mark.skipif(not _has_tesseract(), reason="Tesseract with the vie language is not installed")
def test_real_scan_under_its_original_name(tmp_path):
    """R24 is a real scan whose number is handwritten; sources.tsv keeps its original file name."""
    from pipeline.run import read, record_of

    src = ROOT / "corpus" / "realdev" / "docs" / "R24.pdf"
    named = tmp_path / "cv-1413-pc04-kinh-phi.pdf"
    shutil.copy(src, named)
    doc = read(named)
    rec = record_of(doc)[1]
    assert rec.metadata.number.value == "1413/CAT-PC04(Đ1)" and rec.metadata.number.origin == "file_name"
    rec = record_of(replace(doc, path=str(tmp_path / "R24.pdf")))[1]  # the corpus name carries no number
    assert rec.metadata.number is None and "unreadable_number" in _fields(rec)["number"]
