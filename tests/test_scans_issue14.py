"""Scanned directives (issue 14): unit names through OCR noise, Quyết định articles, headers wrapped on scans,
several documents in one file; regression tests on the real scans of ../shared/samples/scans (skipped without
them)."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import needs_tesseract

from pipeline.core.document import Document, Page

SCANS = Path(__file__).resolve().parents[1].parent / "shared" / "samples" / "scans"




def _record(pages: list[str], method: str = "text") -> dict:
    from pipeline.run import record_of

    doc = Document(path="t.txt", sha256="0" * 64, media_type="text/plain", size=1,
                   pages=tuple(Page(number=i + 1, text=t, method=method) for i, t in enumerate(pages)))
    return json.loads(record_of(doc)[1].model_dump_json())


# -- unit names through OCR noise ---------------------------------------------------------------------------

@pytest.mark.parametrize("read, fixed", [
    ("Văn phòng UBND tỉrh thắm địnk", "Văn phòng UBND tỉnh thẩm định"),
    ("Sở Tài chỉnh", "Sở Tài chính"),
    ("Công an tính Lâm Đông", "Công an tỉnh Lâm Đồng"),
    ("Sở Giáo dục và Đảo tạo", "Sở Giáo dục và Đào tạo"),
    ("các cơ quan, đơn vị liên quạn", "các cơ quan, đơn vị liên quan"),
])
def test_unit_name_corrected(read, fixed):
    from pipeline.nlp.ocrnames import correct_name

    name, pairs = correct_name(read)
    assert name == fixed and pairs


@pytest.mark.parametrize("name", [
    "Văn phòng UBND tỉnh", "UBND huyện Sơn Hà", "Ban Dân vận Tỉnh ủy", "SỞ TƯ PHÁP", "UBND xã Phú Hội",
    "Trường Tiểu học Hòa Bình", "Đội Cảnh sát giao thông", "UBND huyện Lâm Hà",
])
def test_right_unit_names_left_alone(name):
    from pipeline.nlp.ocrnames import correct_name

    assert correct_name(name) == (name, [])


DIRECTIVE = """ỦY BAN NHÂN DÂN
TỈNH LÂM ĐỒNG
Số: 15/CT-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Lâm Đồng, ngày 12 tháng 3 năm 2026

CHỈ THỊ
Về công tác phòng, chống ma túy

1. Giao Văn phòng UBND tỉrh thắm địnk hồ sơ, trình Chủ tịch phê duyệt trước ngày 30/6/2026.

2. Sở Tài chính chủ trì, phối hợp với các cơ quan, đơn vị liên quan bố trí kinh phí.

CHỦ TỊCH
Nguyễn Văn A
"""


def test_ocr_unit_name_corrected_in_record_with_warning():
    rec = _record([DIRECTIVE], method="ocr")
    units = [u for k in rec["tasks"] for u in k["units"]]
    u = next(u for u in units if u["name"].startswith("Văn phòng"))
    assert u["name"] == "Văn phòng UBND tỉnh thẩm định" or u["name"] == "Văn phòng UBND tỉnh"
    assert "tỉrh" in u["text"]  # the text keeps what was read
    assert any(w["code"] == "ocr_unit_corrected" and "tỉrh" in w["message"] for w in rec["warnings"])


def test_text_unit_names_not_corrected():
    rec = _record([DIRECTIVE])
    assert any("tỉrh" in u["name"] for k in rec["tasks"] for u in k["units"])
    assert not any(w["code"] == "ocr_unit_corrected" for w in rec["warnings"])


def test_unit_leading_inside_a_sentence():
    text = DIRECTIVE.replace("2. Sở Tài chính chủ trì,", "2. Kính đề nghị đồng chí Chủ tịch chỉ đạo Sở Tài chính chủ trì,")
    units = {(u["name"], u["role"]) for k in _record([text])["tasks"] for u in k["units"]}
    assert ("Sở Tài chính", "lead") in units
    assert ("các cơ quan, đơn vị liên quan", "support") in units


# -- Quyết định articles --------------------------------------------------------------------------------------

DECISION = """ỦY BAN NHÂN DÂN
TỈNH LÂM ĐỒNG
Số: 125/QĐ-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Lâm Đồng, ngày 12 tháng 3 năm 2026

QUYẾT ĐỊNH
Về việc ban hành Kế hoạch phòng, chống ma túy năm 2026

CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH

Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2025;

QUYẾT ĐỊNH:

Điều 1. Ban hành kèm theo Quyết định này Kế hoạch phòng, chống ma túy năm 2026 trên địa bàn tỉnh.

Điều 2. Quyết định này có hiệu lực kể từ ngày ký.

Điều 3. Chánh Văn phòng Ủy ban nhân dân tỉnh, Giám đốc Công an tỉnh, Giám đốc Sở Tài chính và Thủ trưởng các cơ quan, đơn vị liên quan chịu trách nhiệm thi hành Quyết định này./.

Nơi nhận:
- Như Điều 3;
- Lưu: VT.
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
Nguyễn Văn A
"""


def test_decision_closing_article_names_the_leads():
    rec = _record([DECISION])
    units = {(u["name"], u["role"]) for k in rec["tasks"] for u in k["units"]}
    assert {("Chánh Văn phòng Ủy ban nhân dân tỉnh", "lead"), ("Giám đốc Công an tỉnh", "lead"),
            ("Giám đốc Sở Tài chính", "lead")} <= units
    assert not any(n.startswith("Ban hành") for n, _ in units)


# -- header and signature as scans give them ------------------------------------------------------------------

def test_date_wrapped_in_narrow_header_column_and_misread_signer():
    from pipeline.structure.parse import parse

    text = ("ỦY BAN NHÂN DÂN\nTỈNH LÂM ĐỒNG\nSố:\n/UBND-NC\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
            "Độc lập - Tự do - Hạnh phúc\nLâm Đồng, ngày\ntháng 12 năm 2025\n\nKính gửi: Công an tỉnh\n\n"
            "Ủy ban nhân dân tỉnh giao Công an tỉnh nghiên cứu, đề xuất./.\n\nNơi nhận:\n- Như trên;\n\n"
            "TL. CHỦ TỊCH\nCHÀANH VĂN PHONG\n\nThiếu tướng 1rương Minh Đương\n")
    st = parse(text)
    assert st.issued_date.value == "2025-12" and st.place.value == "Lâm Đồng"
    assert st.signer.name == "Trương Minh Đương"
    assert st.signer.title == "Chánh Văn phòng"


# -- several documents in one file ----------------------------------------------------------------------------

SUBMISSION = """CÔNG AN TỈNH LÂM ĐỒNG
Số: 239/TTr-CAT-PC06
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Lâm Đồng, ngày 25 tháng 3 năm 2026

TỜ TRÌNH
Đề nghị ban hành Báo cáo kết quả triển khai Đề án 06

Kính gửi: Ủy ban nhân dân tỉnh.

Công an tỉnh kính trình Ủy ban nhân dân tỉnh xem xét, ban hành Báo cáo (dự thảo kèm theo)./.

Nơi nhận:
- Như trên;
KT. GIÁM ĐỐC
PHÓ GIÁM ĐỐC
Đại tá Nguyễn Tường Vũ"""

REPORT = """UBND TỈNH LÂM ĐỒNG
BAN CHỈ ĐẠO ĐỀ ÁN 06
Số:    /BC-BCĐ
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Lâm Đồng, ngày   tháng 3 năm 2026

BÁO CÁO
Kết quả triển khai Đề án 06

1. Sở Tư pháp chủ trì rà soát thủ tục hành chính trước ngày 30/4/2026.
"""

REPORT_END = """Trên đây là Báo cáo kết quả triển khai Đề án 06./.

Nơi nhận:
- Như trên;
KT. TRƯỞNG BAN
PHÓ TRƯỞNG BAN
Nguyễn Ngọc Phúc"""


def test_attached_document_listed_and_first_described():
    rec = _record([SUBMISSION, REPORT, REPORT_END])
    md = rec["metadata"]
    assert md["doc_type"]["value"] == "to_trinh" and md["number"]["value"] == "239/TTr-CAT-PC06"
    assert md["signer"]["name"] == "Nguyễn Tường Vũ" and md["signer"]["title"] == "Phó Giám đốc"
    assert [(a["doc_type"], a["number"], a["first_page"], a["last_page"]) for a in md["attachments"]] == [
        ("bao_cao", None, 2, 3)]
    # the attachment's tasks are not the submission's
    assert not any(u["name"] == "Sở Tư pháp" for k in rec["tasks"] for u in k["units"])
    assert any(w["code"] == "attachments" for w in rec["warnings"])


def test_single_document_has_no_attachments():
    rec = _record([REPORT, REPORT_END])
    assert rec["metadata"]["attachments"] == []
    assert rec["metadata"]["signer"]["name"] == "Nguyễn Ngọc Phúc"


# -- the real scans -------------------------------------------------------------------------------------------

def _real(name: str, pages: int, workers: int = 2) -> dict:
    from pipeline.readers import ingest
    from pipeline.engine.schedule import PagePool
    from pipeline.ocr import ocr
    from pipeline.run import record_of

    p = SCANS / name
    if not p.exists():
        pytest.skip(f"shared sample {p} is not available")
    doc = ingest(p)
    doc = replace(doc, pages=doc.pages[:pages])
    doc = ocr(doc, PagePool(workers, str(p)), timeout=120)
    return json.loads(record_of(doc)[1].model_dump_json())


@needs_tesseract
def test_real_scan_cv1413_lead_and_signer():
    """cv-1413: Sở Tài chính is asked to lead, the signer's 'T' is read as '1'."""
    rec = _real("cv-1413-pc04-kinh-phi.pdf", 1, workers=1)
    units = {(u["name"], u["role"]) for k in rec["tasks"] for u in k["units"]}
    assert ("Sở Tài chính", "lead") in units
    assert rec["metadata"]["signer"]["name"] == "Trương Minh Đương"
    assert rec["metadata"]["signer"]["title"] == "Giám đốc"


@needs_tesseract
def test_real_scan_to_trinh_239_attachment():
    """to-trinh-239: a Tờ trình (page 1) followed by the Báo cáo it submits: the record takes the Tờ trình's
    signer and lists the Báo cáo (three pages OCR'd to keep the test short)."""
    rec = _real("to-trinh-239-de-an-06.pdf", 3)
    md = rec["metadata"]
    assert md["doc_type"]["value"] == "to_trinh"
    assert md["signer"]["name"] == "Nguyễn Tường Vũ" and md["signer"]["title"] == "Phó Giám đốc"
    assert [(a["doc_type"], a["first_page"]) for a in md["attachments"]] == [("bao_cao", 2)]


def test_annex_form_with_motto_is_not_an_attachment():
    """A Quyết định's annexed form ('Mẫu số 03' with its own motto, a 'Số' column header) stays part of it."""
    from pipeline.structure.attachments import find_attachments, starts_document

    form = ("Mẫu số 03\n\nTÊN DOANH NGHIỆP\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n\n"
            "DANH SÁCH NGƯỜI LAO ĐỘNG ĐỀ NGHỊ HỖ TRỢ\nSố\nHọ và tên\n")
    assert not starts_document(form)
    assert find_attachments(DECISION + "\f" + form) == []
    assert starts_document(REPORT)


@pytest.mark.parametrize("read, fixed", [("Quý 11/2026", "Quý II/2026"), ("trong Quý 1V năm 2025", "trong Quý IV năm 2025"),
                                         ("QUÝ 111", "QUÝ III"), ("Quý 1/2026", "Quý 1/2026"), ("Quý 12", "Quý 12"),
                                         ("- Rà soát;\nø) Sở Y tế:\n", "- Rà soát;\ng) Sở Y tế:\n"),
                                         ("Mã ø) giữa dòng", "Mã ø) giữa dòng")])
def test_quarter_numerals_read_as_digits(read, fixed):
    from pipeline.lang.ocrwords import fix_cue_words

    assert fix_cue_words(read)[0] == fixed


def test_quarter_misread_on_ocr_page_gives_its_deadline():
    text = DIRECTIVE.replace("trước ngày 30/6/2026", "trong Quý 11/2026")
    rec = _record([text], method="ocr")
    d = next(d for d in rec["deadlines"] if d["precision"] == "quarter")
    assert d["due"] == "2026-06-30" and d["restored"]
    assert _record([text])["deadlines"] == [] or all(x["precision"] != "quarter" for x in _record([text])["deadlines"])


def test_current_figures_are_not_targets_and_the_commitments_are():
    """cv-3980's kind of sentence: the province's present count, then the goal it must reach."""
    rec = _record(["Tỉnh Lâm Đồng hiện có 03/ 124 đơn vị hành chính cấp xã đạt tiêu chí địa bàn “không ma tuý” "
                   "(chiếm 2,4% tổng số đơn vị hành chính cấp xã). Như vậy, để đạt được mục tiêu xây dựng 20% đơn vị "
                   "hành chính cấp xã không ma tuý trong năm 2025 và 50% vào năm 2030, cần tập trung nguồn lực."])
    assert [(t["value"], t["unit"]) for t in rec["targets"]] == [(20.0, "%"), (50.0, "%")]
    assert rec["targets"][0]["metric"].startswith("đơn vị hành chính cấp xã không ma tuý")
