"""What a careful reader gets from a scanned Công văn (issue 20): footnotes out of the running text, a sentence that
runs on over a page break, a year OCR misread, the deadlines and targets of such a letter."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import _has_tesseract

ROOT = Path(__file__).resolve().parents[1]


def _line(text: str, top: float, x0: float = 340, height: float = 40, word_w: float = 60):
    from pipeline.layout.words import LWord

    out, x = [], x0
    for w in text.split():
        out.append(LWord(w, x, top, x + word_w, top + height, 95.0))
        x += word_w + 14
    return out


def _page(body: list[str], notes: list[str], pitch: float = 72, note_pitch: float = 48, note_h: float = 30):
    lines, top = [], 300.0
    for t in body:
        lines.append(_line(t, top))
        top += pitch
    top += 2.5 * pitch
    for t in notes:
        lines.append(_line(t, top, height=note_h, word_w=45))
        top += note_pitch
    return lines


BODY = ["Căn cứ công văn số 427/BCA-C04 ngày 02/02/2026 của Bộ Công an thông báo dự kiến tổng chi thường",
        "xuyên ngân sách trung ương giai đoạn 05 năm thực hiện Chương trình thực hiện Chương trình;",
        "Để đảm bảo triển khai thực hiện Chương trình theo đúng quy định, do thời gian rất gấp, Cục",
        "Cảnh sát điều tra tội phạm về ma túy, Bộ Công an - Cơ quan Thường trực Chương trình mục tiêu",
        "quốc gia phòng, chống ma túy đến năm 2030 và các chương trình khác của Chính phủ năm nay"]
NOTES = ["! Theo yêu cầu của Chính phủ tại Nghị quyết số 23/NQ-CP ngày 07/02/2026 về phiên họp Chính phủ thường kỳ",
         "tháng 01/2026 (trình Thủ tướng Chính phủ giao dự toán năm 2026 trong tháng 02/2026);",
         "? Văn bản số 477/BCA-H01 ngày 04/02/2026 của Bộ Công an."]


def test_footnotes_go_before_the_paragraph_that_runs_on():
    from pipeline.layout.words import layout

    text, words = layout(_page(BODY, NOTES), 2480, 3500)
    paras = text.split("\n\n")
    assert paras[-1].startswith("Để đảm bảo") and paras[-1].endswith("của Chính phủ năm nay")  # runs on, last
    assert paras[1].startswith("! Theo yêu cầu") and paras[2].startswith("? Văn bản")
    assert all(text[w.start:w.end] == w.text for w in words)  # every word still where its box says


def test_no_footnotes_when_the_foot_is_body_text():
    from pipeline.layout.words import layout

    # the same lines at the body's pitch and height: no notes, order kept
    text, _ = layout(_page(BODY, NOTES, note_pitch=72, note_h=40), 2480, 3500)
    assert text.index("Để đảm bảo") < text.index("! Theo yêu cầu")
    # a page that ends in a full stop keeps the notes at the end
    text, _ = layout(_page(BODY[:2], NOTES), 2480, 3500)
    assert text.split("\n\n")[0].startswith("Căn cứ") and text.rstrip().endswith("của Bộ Công an.")


def test_ocr_year_misread():
    from pipeline.lang.ocrwords import fix_cue_words

    fixed, pairs = fix_cue_words("xây dựng 20% trong năm 7025 và 50% vào năm 2030; năm 1010, năm 7125")
    assert fixed == "xây dựng 20% trong năm 2025 và 50% vào năm 2030; năm 1010, năm 7125"
    assert pairs == [("năm 7025", "năm 2025")]


def test_page_break_inside_a_sentence_is_no_line_break():
    from pipeline.structure.parse import _lines

    text = "Đề nghị UBND tỉnh: chỉ đạo các nội dung, nhiệm\fvụ của các dự án.\fNơi nhận:\n- Như trên."
    lines = [text[s:e] for s, e in _lines(text)]
    assert lines[0] == "Đề nghị UBND tỉnh: chỉ đạo các nội dung, nhiệm\fvụ của các dự án."
    assert lines[1:] == ["Nơi nhận:", "- Như trên."]


LETTER = ("BỘ CÔNG AN\nCỤC CẢNH SÁT ĐIỀU TRA\nSố: 3980/C04-P6\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
          "Hà Nội, ngày {day} tháng 8 năm 2025\n\nKính gửi: Đồng chí Chủ tịch UBND tỉnh Lâm Đồng\n\n"
          "Trong 06 tháng đầu năm 2025, lực lượng chức năng toàn tỉnh bắt giữ 461 vụ. Thực hiện Công văn số "
          "3524/BCA-C04 ngày 06/8/2025 của Bộ Công an.\n\n"
          "1. Về xây dựng xã không ma tuý\nĐể đạt được mục tiêu xây dựng 20% đơn vị hành chính cấp xã không ma tuý "
          "trong năm 2025 và 50% vào năm 2030 theo Nghị quyết số 163 của Quốc hội đã đề ra thì ngoài giữ vững 03 địa "
          "bàn trên, Lâm Đồng phải xây dựng được ít nhất 22 đơn vị hành chính cấp xã không ma tuý trong năm 2025 và "
          "59 đơn vị hành chính cấp xã không ma tuý vào năm 2030.\n\n"
          "2. Về cơ sở cai nghiện\nĐề nghị Uỷ ban nhân dân tỉnh báo cáo Hội đồng nhân dân quan tâm, cân đối ngân sách "
          "địa phương ngay trong năm 2026 để "
          "hoàn thành việc nâng cấp các cơ sở cai nghiện trong năm 2027.\n\n"
          "Nơi nhận:\n- Như kính gửi;\n- Lưu: VT.\n\nCỤC TRƯỞNG\n\nThiếu tướng Ngô Thanh Bình\n")


@pytest.mark.parametrize("day", ["28", "‡Ỹ"])  # printed, or written by hand and unread
def test_letter_deadlines_and_targets(tmp_path, day):
    from pipeline.run import extract_record

    p = tmp_path / "letter.txt"
    p.write_text(LETTER.format(day=day), encoding="utf-8")
    rec = extract_record(p)
    dues = {(d.due, d.precision) for d in rec.deadlines}
    # the past half-year of a report is no deadline, with or without a legible day (the letter cites 06/8/2025)
    assert ("2025-06-30", "half") not in dues
    assert {("2026-12-31", "year"), ("2027-12-31", "year"), ("2030-12-31", "year")} <= dues
    lead = {d.due: {u.name for k in rec.tasks if d.id in k.deadline_ids for u in k.units if u.role == "lead"}
            for d in rec.deadlines}
    assert lead["2027-12-31"] == {"Uỷ ban nhân dân tỉnh"}
    got = [(t.value, t.unit, t.comparator) for t in rec.targets]
    assert got == [(20, "%", "reach"), (50, "%", "reach"), (22, "đơn vị", "at_least"), (59, "đơn vị", "at_least")]
    assert "đơn vị hành chính cấp xã không ma tuý" in rec.targets[1].metric  # "và 50% vào năm 2030" shares it


def test_issued_at_least():
    from pipeline.nlp import _issued_at_least

    assert _issued_at_least("2025", [{"date": "2025-08-06"}, {"date": "2024-01-01"}, {"date": None}]) == "2025-08-06"
    assert _issued_at_least("2026-03", [{"date": "2026-01-08"}]) == "2026-03-01"
    assert _issued_at_least("2026-04", [{"date": "2026-04-10"}, {"date": "2026-05-01"}]) == "2026-04-10"


@pytest.mark.skipif(not _has_tesseract(), reason="Tesseract with the vie language is not installed")
def test_real_scan_r25_footnotes_leave_the_sentence_whole():
    from pipeline.run import process

    doc, rec = process(ROOT / "corpus" / "realdev" / "docs" / "R25.pdf")
    i = doc.text.index("Cơ quan Thường trực Chương trình mục tiêu")
    assert "trân trọng trao đổi" in doc.text[i:i + 200]  # the subject meets its verb over the page break
    assert not [d for d in rec.deadlines if d.due and d.due < "2026-04-10"]  # the footnotes' government deadlines


def _text_image(lines: list[str]):
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 42)
    im = Image.new("L", (2400, 120 + 80 * len(lines)), 255)
    d = ImageDraw.Draw(im)
    for i, t in enumerate(lines):
        d.text((150, 80 + 80 * i), t, font=font, fill=0)
    return im


def test_strip_cuts_fall_between_lines():
    from pipeline.ocr import _strip_cuts

    im = _text_image([f"Dòng thứ {i} của văn bản thử nghiệm" for i in range(20)])
    cuts = _strip_cuts(im, 2, 12)
    assert len(cuts) == 1 and abs(cuts[0] - im.height / 2) < im.height / 6
    a = im.crop((0, cuts[0] - 6, im.width, cuts[0] + 6))
    assert a.getextrema()[0] > 200  # a blank band: no glyph is cut
    assert _strip_cuts(Image_black(), 2, 12) == []  # no blank band: no cut


def Image_black():
    from PIL import Image

    return Image.new("L", (800, 1000), 0)


@pytest.mark.skipif(not _has_tesseract(), reason="Tesseract with the vie language is not installed")
def test_a_page_read_as_strips_reads_the_same():
    from pipeline.ocr import ocr_image

    lines = ["Ủy ban nhân dân tỉnh chỉ đạo các sở, ban, ngành", "triển khai thực hiện kế hoạch trước ngày 30/6/2026",
             "Sở Tài chính chủ trì, phối hợp với các đơn vị liên quan"] * 4
    im = _text_image(lines)
    one, two = ocr_image(im, strips=1), ocr_image(im, strips=2)
    assert two.text.split() == one.text.split()
    assert [w.bbox for w in two.words] == [w.bbox for w in one.words]  # boxes back in page coordinates


SCAN_ORDER = ("BỘ CÔNG AN\nCỤC CẢNH SÁT ĐIỀU TRA\nTỘI PHẠM VỀ MA TÚY\n\nSố: 2388/C04-P6\nV/v tham mưu HĐND cấp tỉnh ban hành\n"
              "Nghị quyết về nguyên tắc phân bổ vốn\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n\n"
              "Hà Nội, ngày 20 tháng 04 năm 2026\n\n"
              "Kính gửi: Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương\n\n"
              "Cục Cảnh sát điều tra tội phạm về ma túy, Bộ Công an - Cơ quan Thường trực Chương trình trân trọng đề nghị "
              "Ủy ban nhân dân các tỉnh, thành phố chỉ đạo đơn vị chức năng thực hiện:\n\n"
              "(1) Tham mưu ban hành quy định phân bổ ngân sách nhà nước (bao gồm: ngân sách trung ương hỗ trợ (phần ngân "
              "sách giao Ủy ban nhân dân cấp tỉnh) và ngân sách địa phương) cho các sở, ban.\n\n"
              "(2) Trường hợp cần bổ sung kinh phí, đề nghị Ủy ban nhân dân tỉnh phối hợp với Cục Cảnh sát điều tra tội "
              "phạm về ma túy, Bộ Công an - Cơ quan Thường trực Chương trình đề xuất Bộ Tài chính.\n\n"
              "Nơi nhận:\n- Như trên;\n- Lưu: VT.\n\nKT. CỤC TRƯỞNG\nPHÓ CỤC TRƯỞNG\n\nĐại tá Nguyễn Văn Cường\n")


def test_scanned_letter_addressee_bracket_and_parent_body(tmp_path):
    from pipeline.run import extract_record

    p = tmp_path / "letter.txt"
    p.write_text(SCAN_ORDER, encoding="utf-8")
    rec = extract_record(p)
    # the Kính gửi line after the motto and date (OCR reads the left column first) is the addressee, not a task
    assert [a.name for a in rec.metadata.addressees] == ["Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương"]
    units = {(u.name, u.role) for k in rec.tasks for u in k.units}
    assert ("Ủy ban nhân dân các tỉnh, thành phố", "lead") in units
    assert not [n for n, _ in units if "cấp tỉnh)" in n or n.startswith("Ủy ban nhân dân cấp tỉnh")]  # in brackets
    # "Cục X, Bộ Công an - Cơ quan Thường trực …": one unit, its ministry part of its name
    assert ("Cục Cảnh sát điều tra tội phạm về ma túy, Bộ Công an - Cơ quan Thường trực Chương trình",
            "support") in units
    assert not [n for n, _ in units if n.startswith("Bộ Công an")]


@pytest.mark.skipif(not _has_tesseract(), reason="Tesseract with the vie language is not installed")
def test_a_handwritten_number_read_with_low_confidence_asks_for_a_check():
    """Số 239 written by hand on a 100-dpi Tờ trình: whatever OCR makes of it, the record says to check it."""
    from pipeline.run import process

    scan = ROOT.parent / "shared" / "samples" / "scans" / "to-trinh-239-de-an-06.pdf"
    if not scan.exists():
        pytest.skip("../shared/samples/scans is absent")
    _, rec = process(scan)
    n = rec.metadata.number
    if n is None:  # read as unreadable: that says so itself
        assert any(w.code == "unreadable_number" for w in rec.warnings)
        return
    assert n.span.confidence is not None and n.span.confidence < 60
    (w,) = [w for w in rec.warnings if w.code == "low_ocr_confidence" and w.field == "number"]
    assert n.value in w.message and "check the scan" in w.message
