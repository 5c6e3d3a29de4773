"""Images and OCR: image validation, the Tesseract wrapper, layout, OCR of synthetic and real scans.

Tests that run Tesseract skip when it (or its 'vie' data) is absent. Set CHITHI_SLOW=1 to OCR every real scan.
"""
from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from conftest import needs_tesseract

from pipeline.core.document import Document
from pipeline.core.errors import BadInputError, ExitCode, ExternalTimeoutError, MissingDependencyError
from pipeline.readers import ingest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SCANS = SHARED / "samples" / "scans"
EXPECTED = json.loads((Path(__file__).parent / "data" / "ocr" / "headers.json").read_text(encoding="utf-8"))
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
SLOW = os.environ.get("CHITHI_SLOW") == "1"




# -- image validation ------------------------------------------------------------------------------------------

def _png_header(w: int, h: int) -> bytes:
    """A PNG whose IHDR claims w×h (8-bit gray) with a tiny IDAT: Pillow reads the size without decoding."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


def _ingest_bytes(tmp_path, name: str, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return ingest(p)


def test_one_pixel_image(tmp_path):
    from PIL import Image

    p = tmp_path / "dot.png"
    Image.new("L", (1, 1), 255).save(p)
    with pytest.raises(BadInputError) as e:
        ingest(p)
    assert e.value.exit_code == ExitCode.bad_input
    assert e.value.one_line().startswith(f"{p}: image is 1×1 px, too small to hold text")


def test_huge_image_refused_without_decoding(tmp_path):
    with pytest.raises(BadInputError) as e:
        _ingest_bytes(tmp_path, "huge.png", _png_header(20000, 20000))
    assert "huge.png: image is 20000×20000 px, over the 40 megapixel limit" in e.value.one_line()


def test_unreadable_image(tmp_path):
    with pytest.raises(BadInputError) as e:
        _ingest_bytes(tmp_path, "junk.jpg", b"\xff\xd8\xff\xe0 this is not really a jpeg" * 3)
    assert e.value.one_line().startswith(f"{tmp_path / 'junk.jpg'}: ") and "image" in e.value.one_line()


def test_multipage_tiff_and_formats(tmp_path):
    from PIL import Image

    frames = [Image.new("L", (400, 300), 255 - 40 * i) for i in range(3)]
    p = tmp_path / "scan.tif"
    frames[0].save(p, save_all=True, append_images=frames[1:])
    doc = ingest(p)
    assert [pg.image_source for pg in doc.pages] == [(str(p), i) for i in range(3)]
    assert all(pg.needs_ocr and pg.method == "ocr" and pg.text == "" for pg in doc.pages)
    for ext in ("png", "jpg", "bmp", "webp"):
        q = tmp_path / f"one.{ext}"
        frames[0].convert("RGB").save(q)
        d = ingest(q)
        assert len(d.pages) == 1 and d.pages[0].needs_ocr and d.pages[0].width == 400


# -- the Tesseract wrapper -------------------------------------------------------------------------------------

def _clear_caches(t):
    t.version.cache_clear()
    t.languages.cache_clear()
    t.check.cache_clear()


def test_missing_tesseract_binary(monkeypatch):
    from pipeline.tools import tesseract as t

    monkeypatch.setattr(t, "BINARY", "/nonexistent/tesseract")
    _clear_caches(t)
    try:
        with pytest.raises(MissingDependencyError) as e:
            t.check()
        assert e.value.exit_code == ExitCode.missing_dependency
        assert e.value.one_line() == ("Tesseract is not installed "
                                      "(sudo apt-get install tesseract-ocr tesseract-ocr-vie)")
    finally:
        monkeypatch.undo()
        _clear_caches(t)


def test_missing_vie_data(monkeypatch):
    from pipeline.tools import tesseract as t

    _clear_caches(t)
    monkeypatch.setattr(t, "version", lambda: "5.3.0")
    monkeypatch.setattr(t, "languages", lambda: frozenset({"eng", "osd"}))
    try:
        with pytest.raises(MissingDependencyError) as e:
            t.check()
        assert e.value.one_line() == "Tesseract has no 'vie' language data (apt-get install tesseract-ocr-vie)"
    finally:
        monkeypatch.undo()
        _clear_caches(t)


def test_missing_tesseract_in_a_batch_fails_only_the_scans(monkeypatch, tmp_path):
    from PIL import Image

    from pipeline.tools import tesseract as t
    from pipeline.run import Options
    from pipeline.engine.schedule import run_many

    png = tmp_path / "scan.png"
    Image.new("L", (400, 300), 255).save(png)
    txt = tmp_path / "a.txt"
    txt.write_text("Kế hoạch năm 2025", encoding="utf-8")
    monkeypatch.setattr(t, "BINARY", "/nonexistent/tesseract")
    _clear_caches(t)
    try:
        got = list(run_many([png, txt], _page_summary, Options(workers=2)))
    finally:
        monkeypatch.undo()
        _clear_caches(t)
    assert got[0][1] is None and got[0][2].message == ("Tesseract is not installed "
                                                       "(sudo apt-get install tesseract-ocr tesseract-ocr-vie)")
    assert got[0][2].exit_code == ExitCode.missing_dependency
    assert got[1][1] == [(1, "text", "Kế hoạch năm 2025")] and got[1][2] is None


@needs_tesseract
def test_tesseract_version_and_timeout():
    from PIL import Image

    from pipeline.tools import tesseract as t
    from pipeline.ocr.preprocess import pnm as _pnm

    assert int(t.check().split(".")[0]) >= 4
    with pytest.raises(ExternalTimeoutError) as e:
        t.image_to_tsv(_pnm(Image.new("L", (2400, 3000), 255)), timeout=0.001, what="x.png page 1")
    assert e.value.exit_code == ExitCode.timeout and "x.png page 1: Tesseract took longer than" in e.value.message


# -- layout ------------------------------------------------------------------------------------------------------

def test_layout_two_column_header_and_offsets():
    from pipeline.layout.words import LWord, layout

    def line(y, *runs):
        out = []
        for x, text in runs:
            for k, word in enumerate(text.split()):
                out.append(LWord(word, x + 60 * k, y, x + 60 * k + 50, y + 40, 90.0))
        return out

    lines = [
        line(200, (300, "BỘ CÔNG AN"), (1250, "CỘNG HÒA XÃ HỘI")),
        line(260, (300, "CỤC CẢNH SÁT"), (1300, "Độc lập - Tự do")),
        line(330, (300, "Số: 12/C04"), (1250, "Hà Nội, ngày 5 tháng 3")),
        line(500, (1180, "TỜ TRÌNH")),
        line(600, (420, "Thực hiện chỉ đạo của Bộ Công an về việc tổ chức triển khai thực hiện kế hoạch")),
        line(660, (300, "năm 2026 tại các đơn vị.")),
        line(760, (420, "Đề nghị các đơn vị thực hiện nghiêm túc nội dung trên của kế hoạch này trong")),
    ]
    text, words = layout(lines, 2480, 3508)
    assert text.split("\n")[:8] == ["BỘ CÔNG AN", "CỤC CẢNH SÁT", "Số: 12/C04", "", "CỘNG HÒA XÃ HỘI",
                                    "Độc lập - Tự do", "Hà Nội, ngày 5 tháng 3", ""]
    assert "TỜ TRÌNH\n\nThực hiện" in text
    assert "kế hoạch\nnăm 2026 tại các đơn vị.\n\nĐề nghị" in text
    assert all(text[w.start:w.end] == w.text for w in words) and len(words) == sum(len(x) for x in lines)


# -- OCR of a synthetic scan ------------------------------------------------------------------------------------

LINES = ["ỦY BAN NHÂN DÂN", "TỈNH KHÁNH HÒA", "Số: 17/CT-UBND"]
RIGHT = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Khánh Hòa, ngày 19 tháng 3 năm 2024"]
BODY = ["Yêu cầu các sở, ban, ngành và Ủy ban nhân dân các huyện hoàn thành",
        "việc rà soát trước ngày 30 tháng 6 năm 2024 và báo cáo kết quả."]


def synthetic_scan(seal: bool = True):
    from PIL import Image, ImageDraw, ImageFont

    im = Image.new("RGB", (2480, 1400), "white")
    d = ImageDraw.Draw(im)
    f = ImageFont.truetype(FONT, 44)
    for i, s in enumerate(LINES):
        w = d.textlength(s, font=f)
        d.text((650 - w / 2, 150 + 70 * i), s, font=f, fill="black")
    for i, s in enumerate(RIGHT):
        w = d.textlength(s, font=f)
        d.text((1700 - w / 2, 150 + 70 * i), s, font=f, fill="black")
    d.text((1240 - d.textlength("CHỈ THỊ", font=f) / 2, 500), "CHỈ THỊ", font=f, fill="black")
    for i, s in enumerate(BODY):
        d.text((330 if i == 0 else 230, 650 + 75 * i), s, font=f, fill="black")
    if seal:  # red ink over the text (multiplied, as a stamp's ink is): the text stays visible through it
        from PIL import ImageChops

        layer = Image.new("RGB", im.size, "white")
        ld = ImageDraw.Draw(layer)
        ld.ellipse((1500, 560, 1900, 960), outline=(220, 30, 40), width=18)
        ld.text((1560, 720), "CON DẤU", font=ImageFont.truetype(FONT, 60), fill=(225, 40, 50))
        im = ImageChops.multiply(im, layer)
    return im.rotate(0.6, resample=Image.BICUBIC, fillcolor="white")


@needs_tesseract
def test_ocr_synthetic_scan_with_seal(tmp_path):
    from pipeline.engine.schedule import PagePool
    from pipeline.ocr import ocr

    p = tmp_path / "seal.png"
    synthetic_scan().save(p)
    doc = ocr(ingest(p), timeout=60)
    page = doc.pages[0]
    assert page.method == "ocr" and not page.needs_ocr and page.image_source == (str(p), 0)
    lines = page.text.split("\n")
    for s in LINES + RIGHT + ["CHỈ THỊ"]:
        assert s in lines, (s, page.text)
    assert lines.index("Số: 17/CT-UBND") < lines.index(RIGHT[0])
    assert "DẤU" not in page.text  # the red seal is removed before OCR
    assert " ".join(BODY) in " ".join(page.text.split())
    assert page.confidence and page.confidence > 80
    for w in page.words:
        assert page.text[w.start:w.end] == w.text and 0 <= w.conf <= 100
    i = page.text.index("17/CT-UBND")
    w = next(w for w in page.words if w.start <= i < w.end)
    assert 400 < w.bbox[0] < 800 and 250 < w.bbox[1] < 340  # pixels of the page image


@needs_tesseract
def test_ocr_parallel_pdf_pages_in_order(tmp_path):
    from PIL import Image, ImageDraw, ImageFont

    from pipeline.engine.schedule import PagePool
    from pipeline.ocr import ocr

    f = ImageFont.truetype(FONT, 40)
    pages = []
    for n in range(3):
        im = Image.new("RGB", (1240, 400), "white")
        ImageDraw.Draw(im).text((120, 150), f"Trang số {n + 1} của văn bản", font=f, fill="black")
        pages.append(im)
    p = tmp_path / "three.pdf"
    pages[0].save(p, "PDF", resolution=150, save_all=True, append_images=pages[1:])
    doc = ocr(ingest(p), PagePool(2, str(p)), timeout=60)
    assert [pg.number for pg in doc.pages] == [1, 2, 3]
    for n, pg in enumerate(doc.pages, 1):
        assert pg.method == "ocr" and f"Trang số {n} của văn bản" in pg.text



def _page_summary(doc):
    return [(pg.number, pg.method, pg.text.strip()) for pg in doc.pages]


@needs_tesseract
def test_run_many_schedules_pages_of_several_documents(tmp_path):
    """Several documents over 2 workers, page by page: a 3-page scan, a text file, a bad file and a one-page
    image come out in the order given, pages in order, the bad one reported."""
    from PIL import Image, ImageDraw, ImageFont

    from pipeline.run import Options
    from pipeline.engine.schedule import run_many

    f = ImageFont.truetype(FONT, 40)

    def page(s: str):
        im = Image.new("RGB", (1240, 400), "white")
        ImageDraw.Draw(im).text((120, 150), s, font=f, fill="black")
        return im

    pdf = tmp_path / "three.pdf"
    ims = [page(f"Trang số {n} của văn bản") for n in (1, 2, 3)]
    ims[0].save(pdf, "PDF", resolution=150, save_all=True, append_images=ims[1:])
    png = tmp_path / "one.png"
    page("Giao Phòng Nội vụ chủ trì").save(png)
    txt = tmp_path / "a.txt"
    txt.write_text("Chỉ thị về công tác thi đua năm 2025", encoding="utf-8")
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 broken")
    got = list(run_many([pdf, txt, bad, png], _page_summary, Options(workers=2, ocr_timeout=60)))
    assert [Path(p).name for p, _, _ in got] == ["three.pdf", "a.txt", "bad.pdf", "one.png"]
    three, text, failed, one = got
    assert three[1] == [(n, "ocr", f"Trang số {n} của văn bản") for n in (1, 2, 3)] and three[2] is None
    assert text[1] == [(1, "text", "Chỉ thị về công tác thi đua năm 2025")]
    assert failed[1] is None and "bad.pdf: not a valid PDF" in failed[2].message
    assert failed[2].exit_code == ExitCode.bad_input
    assert one[1] == [(1, "ocr", "Giao Phòng Nội vụ chủ trì")]


@needs_tesseract
def test_cli_text_several_scans_in_order(tmp_path):
    from PIL import Image, ImageDraw, ImageFont

    f = ImageFont.truetype(FONT, 40)
    paths = []
    for n in (1, 2, 3):
        im = Image.new("RGB", (1240, 400), "white")
        ImageDraw.Draw(im).text((120, 150), f"Văn bản số {n}", font=f, fill="black")
        paths.append(tmp_path / f"s{n}.png")
        im.save(paths[-1])
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "text", "--workers", "2", *map(str, paths)],
                       capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    assert r.returncode == 0, r.stderr
    assert [x for x in r.stdout.split("\n") if x.strip()] == [  # each document after its header line
        x for p, n in zip(paths, (1, 2, 3)) for x in (f"==> {p} <==", f"Văn bản số {n}")]


# -- real scans --------------------------------------------------------------------------------------------------

def _ocr_first_page(name: str):
    from pipeline.ocr import ocr_image
    from pipeline.ocr.render import render_page

    p = SCANS / name
    if not p.exists():
        pytest.skip(f"shared sample {p} is not available")
    img, scale = render_page((str(p), 0))
    return ocr_image(img, scale=scale)


REAL = ["to-trinh-62-stp-hop-nhat.pdf"] + ([n for n in EXPECTED if n.endswith(".pdf") and
                                            n != "to-trinh-62-stp-hop-nhat.pdf"] if SLOW else [])


@needs_tesseract
@pytest.mark.parametrize("name", REAL)
def test_real_scan_header(name):
    exp = EXPECTED[name]
    page = _ocr_first_page(name)
    lines = page.text.split("\n")
    for s in exp["ocr_must_contain"]:
        assert s in page.text, (s, page.text[:800])
    # the header's left column comes before its right column
    first_right = next(i for i, x in enumerate(lines) if "Độc lập" in x or "CỘNG H" in x)
    first_so = next(i for i, x in enumerate(lines) if x.startswith("Số"))
    assert first_so < first_right
    if "title" in exp:
        assert exp["title"] in lines
    assert all(page.text[w.start:w.end] == w.text for w in page.words)


@needs_tesseract
def test_real_scan_metadata_and_provenance():
    """Extraction on a real scan: number and date as a reader sees them, traced to page 1 with a bbox."""
    name = "to-trinh-62-stp-hop-nhat.pdf"
    p = SCANS / name
    if not p.exists():
        pytest.skip(f"shared sample {p} is not available")
    from dataclasses import replace

    from pipeline.assemble import assemble
    from pipeline.nlp import extract
    from pipeline.engine.schedule import PagePool
    from pipeline.ocr import ocr
    from pipeline.run import text_stages

    doc = ingest(p)
    doc = replace(doc, pages=doc.pages[:1])  # one page keeps the test short
    doc = ocr(doc, timeout=120)
    doc = text_stages(doc)
    rec = assemble(extract(doc))
    md = json.loads(rec.model_dump_json())["metadata"]
    assert md["number"]["text"] == EXPECTED[name]["metadata"]["number"]
    assert md["number"]["span"]["page"] == 1 and md["number"]["span"]["bbox"]["x0"] < 1240
    assert 0 < md["number"]["span"]["confidence"] <= 100
    assert EXPECTED[name]["metadata"]["date"] in json.dumps(md["date"] if "date" in md else md)
    # the place as printed: Tesseract reads "Lâm Đông" here, the language model puts the marks right
    assert md["place"]["value"] == "Lâm Đồng"
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nLâm Đồng, ngày 12" in doc.text
    # every header line as a reader sees it ("UBND TỈNHLÂMĐÒNG" split and its marks put right)
    for line in EXPECTED[name]["left"] + EXPECTED[name]["right"]:
        assert line in doc.text, (line, doc.text[:400])


@pytest.mark.parametrize("own_dpi,read_dpi", [(100, 200), (200, 300), (600, 300)])
def test_a_scan_is_read_at_no_more_than_twice_its_own_resolution(tmp_path, own_dpi, read_dpi):
    """A scanned page is rendered at its own resolution times at most render.max_upsample (2), never above
    render.dpi (300); its word boxes stay in pixels of the page at 300 dpi (the scale)."""
    from PIL import Image, ImageDraw

    from pipeline.ocr.render import render_page

    w, h = round(8.27 * own_dpi), round(11.69 * own_dpi)  # A4
    im = Image.new("L", (w, h), 255)
    ImageDraw.Draw(im).rectangle((w // 10, h // 10, w // 2, h // 8), fill=0)  # some ink: not a blank page
    pdf = tmp_path / "scan.pdf"
    im.save(pdf, resolution=own_dpi)
    page, scale = render_page((str(pdf), 0))
    assert abs(page.width - 8.27 * read_dpi) <= 3
    assert abs(scale - 300 / read_dpi) < 0.01
    assert not page.info.get("downscaled")  # read below 300 dpi by design, not for the pixel limit
    from dataclasses import replace

    from pipeline.core import limits

    with limits.configured(replace(limits.Limits(), max_megapixels=1.0)):  # over the pixel limit: marked
        small, _ = render_page((str(pdf), 0))
    assert small.width * small.height <= 1.0e6 * 1.01 and small.info.get("downscaled")
