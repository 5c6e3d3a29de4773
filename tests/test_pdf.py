"""PDF ingestion: text layers (reading order, header columns, running heads, joining), bad PDFs, samples."""
from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from pipeline.core.document import Document
from pipeline.core.errors import BadInputError, ExitCode
from pipeline.readers import ingest
from pipeline.readers.pdf import read_pdf, text_quality, usable_text

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PDF_SAMPLES = SHARED / "samples" / "pdf"
SCAN_SAMPLES = SHARED / "samples" / "scans"


# -- a tiny PDF writer (no reportlab needed): Helvetica text runs at given positions --------------------------

def make_pdf(pages: list[list[tuple[float, float, float, str]]], *, width=595, height=842, extra_trailer=b"",
             count: int | None = None) -> bytes:
    """PDF bytes; each page is a list of (x, y_from_top, size, ascii_text) in Courier (0.6 em per char)."""
    objs: list[bytes] = []

    def add(b: bytes) -> int:
        objs.append(b)
        return len(objs)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>")
    kids = []
    pages_id = len(objs) + 1 + 2 * len(pages) + 1  # placeholder, fixed below
    page_ids = []
    contents = []
    for runs in pages:
        ops = []
        for x, y, size, text in runs:
            t = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"BT /F1 {size} Tf {x} {height - y - size} Td ({t}) Tj ET")
        data = zlib.compress("\n".join(ops).encode("latin-1"))
        contents.append(add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"))
    pages_id = len(objs) + len(pages) + 1
    for c in contents:
        page_ids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 %d 0 R >> >> "
                            b"/Contents %d 0 R >>" % (pages_id, width, height, font, c)))
    kids = b" ".join(b"%d 0 R" % i for i in page_ids)
    assert add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids) if count is None else count)) == pages_id
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, catalog, extra_trailer, xref)
    return bytes(out)


def _doc(path: str, data: bytes) -> Document:
    return Document(path=path, sha256="0" * 64, media_type="application/pdf", size=len(data))


# Courier 12: 7.2 pt per char, so a 55-char first line at x=121 and a 60-char line at x=85 both end at x=517
BODY = ["Can cu Luat To chuc Chinh phu ngay 19 thang 6 nam 2015 ",
        "va cac van ban huong dan thi hanh cua Chinh phu ve viec qua",
        "n ly nha nuoc tai dia phuong."]


def _page(n: int) -> list[tuple[float, float, float, str]]:
    runs = [(200, 30, 10, f"CONG BAO/So {100 + n}/Ngay 21-05-2026"), (520, 30, 10, str(90 + n))]
    if n == 0:
        runs += [(90, 75, 12, "UY BAN NHAN DAN"), (320, 75, 12, "CONG HOA XA HOI CHU NGHIA VIET NAM"),
                 (100, 92, 12, "TINH LAM DONG"), (340, 92, 12, "Doc lap - Tu do - Hanh phuc"),
                 (110, 125, 12, "So: 12/CT-UBND"), (320, 125, 12, "Lam Dong, ngay 5 thang 3 nam 2024"),
                 (270, 175, 13, "CHI THI")]
    y = 220
    for para in range(3):
        for line in range(3):
            text = BODY[line].rstrip() if line != 1 else BODY[1] + "-"
            runs.append((121 if line == 0 else 85, y, 12, text))
            y += 21
        y += 10
    runs += [(121, y + 10, 12, "1. Nhiem vu thu nhat;"), (121, y + 31, 12, "a) Noi dung cu the;"),
             (121, y + 52, 12, "- Gach dau dong.")]
    return runs


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    data = make_pdf([_page(0), _page(1), _page(2)])
    p = tmp_path_factory.mktemp("pdf") / "gen.pdf"
    p.write_bytes(data)
    return ingest(p)


def test_text_layer_pages_and_words(generated):
    assert [p.method for p in generated.pages] == ["pdf_text"] * 3
    for page in generated.pages:
        assert page.words and page.width == 595
        for w in page.words:
            assert page.text[w.start:w.end] == w.text
            assert 0 <= w.bbox[0] < w.bbox[2] <= 595 and 0 <= w.bbox[1] < w.bbox[3] <= 842
            assert w.conf is None


def test_header_columns_kept_apart(generated):
    lines = generated.pages[0].text.split("\n")
    order = ["UY BAN NHAN DAN", "TINH LAM DONG", "So: 12/CT-UBND", "CONG HOA XA HOI CHU NGHIA VIET NAM",
             "Doc lap - Tu do - Hanh phuc", "Lam Dong, ngay 5 thang 3 nam 2024", "CHI THI"]
    idx = [lines.index(x) for x in order]  # each on its own line
    assert idx == sorted(idx)


def test_running_heads_and_page_numbers_removed(generated):
    text = generated.raw_text
    assert "CONG BAO" not in text
    for n in (90, 91, 92):
        assert str(n) not in text.split()


def test_paragraphs_joined_and_items_kept(generated):
    text = generated.pages[1].text
    paras = text.split("\n\n")
    assert paras[0] == ("Can cu Luat To chuc Chinh phu ngay 19 thang 6 nam 2015 va cac van ban huong dan thi hanh "
                        "cua Chinh phu ve viec quan ly nha nuoc tai dia phuong.")  # hyphenation "qua-/n" joined
    assert len([p for p in paras if p.startswith("Can cu")]) == 3
    assert "1. Nhiem vu thu nhat;" in paras and "a) Noi dung cu the;" in paras and "- Gach dau dong." in paras


def test_locate_maps_to_pdf_bbox(generated):
    from pipeline.normalize import normalize

    doc = normalize(generated, restore=False)
    i = doc.text.index("So: 12/CT-UBND")
    loc = doc.locate(i + 4, i + 14)
    assert loc["page"] == 1 and 100 < loc["bbox"]["x0"] < 200 and 120 < loc["bbox"]["top"] < 140


def test_text_quality_detects_broken_layers():
    good = "Thủ tướng Chính phủ ban hành quyết định về việc thực hiện chính sách hỗ trợ tiền thuê nhà cho người lao động"
    split = "Th ủ t ướ ng Ch ính ph ủ ban h ành quy ết đ ịnh v ề vi ệc th ực hi ện ch ính s ách h ỗ tr ợ"
    tcvn3 = "Thñ t­íng ChÝnh phñ ban hµnh quyÕt ®Þnh vÒ viÖc thùc hiÖn chÝnh s¸ch hç trî tiÒn thuª nhµ"
    assert usable_text(good) and text_quality(good)[0] < 0.05
    assert not usable_text(split)
    assert not usable_text(tcvn3)
    assert not usable_text("(cid:12)(cid:13)(cid:14) " * 10)


def test_image_only_pdf_page_needs_ocr(tmp_path):
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (620, 877), "white")
    ImageDraw.Draw(im).text((60, 60), "scan", fill="black")
    p = tmp_path / "scan.pdf"
    im.save(p, "PDF", resolution=75)
    doc = ingest(p)
    assert len(doc.pages) == 1
    page = doc.pages[0]
    assert page.needs_ocr and page.method == "ocr" and page.text == "" and page.image_source == (str(p), 0)



def test_scanned_pages_are_not_parsed_by_pdfplumber(tmp_path, monkeypatch):
    """pdfium counts each page's text characters while checking the file; a page without any (a scan) is not
    handed to pdfplumber, whose parse would load the page image into memory."""
    import pdfplumber.page

    from pipeline.readers.pdf import _check_pdf

    text_pdf = make_pdf([_page(0), _page(1)])
    assert all(n > 25 for n in _check_pdf("t.pdf", text_pdf))
    from PIL import Image

    p = tmp_path / "scan.pdf"
    Image.new("RGB", (620, 877), "white").save(p, "PDF", resolution=75, save_all=True,
                                                append_images=[Image.new("RGB", (620, 877), "white")])
    assert _check_pdf("scan.pdf", p.read_bytes()) == [0, 0]
    calls = []
    real = pdfplumber.page.Page.extract_words
    monkeypatch.setattr(pdfplumber.page.Page, "extract_words", lambda self, **k: calls.append(1) or real(self, **k))
    doc = ingest(p)
    assert [pg.needs_ocr for pg in doc.pages] == [True, True] and calls == []
    tp = tmp_path / "text.pdf"
    tp.write_bytes(text_pdf)
    assert not any(pg.needs_ocr for pg in ingest(tp).pages) and len(calls) == 2

# -- bad input -----------------------------------------------------------------------------------------------

def _raises(data: bytes, name: str, fragment: str):
    with pytest.raises(BadInputError) as e:
        read_pdf(_doc(f"/x/{name}", data), data)
    assert e.value.exit_code == ExitCode.bad_input
    msg = e.value.one_line()
    assert msg.startswith(f"/x/{name}: ") and fragment in msg and "\n" not in msg  # the path as given
    return msg


def test_encrypted_pdf():
    enc = (b"/Encrypt << /Filter /Standard /V 1 /R 2 /Length 40 /P -4 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32
           + b"> >> /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] ")
    _raises(make_pdf([_page(1)], extra_trailer=enc), "x.pdf", "PDF is encrypted")


def test_corrupt_pdf():
    _raises(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage garbage", "x.pdf", "not a valid PDF (")
    _raises(b"this is not a pdf at all", "y.pdf", "not a valid PDF")
    good = make_pdf([_page(1)])
    _raises(good[: len(good) // 3], "t.pdf", "not a valid PDF")


def test_zero_page_pdf():
    _raises(make_pdf([]), "x.pdf", "PDF has no pages")


def test_bad_pdf_in_batch_others_still_come_out(tmp_path, capsys):
    from pipeline.cli import main

    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 broken")
    good = tmp_path / "good.pdf"
    good.write_bytes(make_pdf([_page(0)]))
    try:
        rc = main(["text", "--raw", str(bad), str(good)])
    except SystemExit as e:  # pragma: no cover - depends on how main exits
        rc = e.code
    out, err = capsys.readouterr()
    assert rc == ExitCode.partial_failure
    assert "bad.pdf: not a valid PDF (" in err and "So: 12/CT-UBND" in out


# -- real Công báo samples -------------------------------------------------------------------------------------

def _sample(name: str) -> Path:
    p = PDF_SAMPLES / name
    if not p.exists():
        pytest.skip(f"shared sample {p} is not available")
    return p


def test_cong_bao_sample_header_and_running_heads():
    doc = ingest(_sample("quyet-dinh-so-798-qd-ttg-469485.pdf"))
    assert doc.page_count == 4 and all(p.method == "pdf_text" for p in doc.pages)
    assert "CÔNG BÁO" not in doc.raw_text
    lines = doc.pages[0].text.split("\n")
    order = ["THỦ TƯỚNG CHÍNH PHỦ", "Số: 798/QĐ-TTg", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
             "Độc lập - Tự do - Hạnh phúc", "Hà Nội, ngày 05 tháng 5 năm 2026", "QUYẾT ĐỊNH"]
    assert [lines.index(x) for x in order] == sorted(lines.index(x) for x in order)
    assert ("Căn cứ Quyết định số 666/QĐ-TTg ngày 09 tháng 4 năm 2026 của Thủ tướng Chính phủ về việc phân công "
            "công tác của Thủ tướng Chính phủ và các Phó Thủ tướng Chính phủ;") in lines
    assert "- Bộ trưởng Bộ Nội vụ, Phó Trưởng ban thường trực;" in lines
    for page in doc.pages:
        assert all(page.text[w.start:w.end] == w.text for w in page.words)


def test_cong_bao_older_layout():
    doc = ingest(_sample("quyet-dinh-so-08-2022-qd-ttg-36945.pdf"))
    assert "CÔNG BÁO" not in doc.raw_text
    first = doc.pages[0].text.split("\n")
    assert first[0] == "THỦ TƯỚNG CHÍNH PHỦ" and "Số: 08/2022/QĐ-TTg" in first
    assert "Hà Nội, ngày 28 tháng 3 năm 2022" in first


def test_scan_pdf_pages_go_to_ocr():
    p = SCAN_SAMPLES / "to-trinh-62-stp-hop-nhat.pdf"
    if not p.exists():
        pytest.skip(f"shared sample {p} is not available")
    doc = ingest(p)
    assert [pg.needs_ocr for pg in doc.pages] == [True, True, True]
    assert [pg.image_source for pg in doc.pages] == [(str(p), i) for i in range(3)]
