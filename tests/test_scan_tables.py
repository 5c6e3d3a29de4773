"""Ruled tables on scanned pages (pipeline.scan_tables): synthetic page images drawn with PIL, found by line
detection, OCR'd and emitted as the same table blocks DOCX and text-layer PDF pages give."""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from conftest import needs_tesseract

ROOT = Path(__file__).resolve().parents[1]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"



COLS = [200, 360, 1300, 1850, 2280]
ROWS = [260, 400, 560, 720]
HEAD = ["TT", "Nội dung", "Cơ quan chủ trì", "Thời gian"]
BODY = [["1", "Rà soát hồ sơ đất đai", "Sở Nông nghiệp", "Tháng 6/2026"],
        ["2", "Số hóa hồ sơ hộ tịch", "Sở Tư pháp", "Tháng 12/2026"]]


def table_image(merged: bool = False, degraded: bool = True):
    """An A4-wide page strip: a sentence, a ruled 4-column task table (header + 2 rows), a sentence. ``merged``:
    the third column's two body cells are one merged cell."""
    from PIL import Image, ImageDraw, ImageFont

    im = Image.new("RGB", (2480, 1100), "white")
    d = ImageDraw.Draw(im)
    f = ImageFont.truetype(FONT, 40)
    d.text((200, 120), "Ủy ban nhân dân tỉnh giao nhiệm vụ cụ thể như sau:", font=f, fill=(20, 20, 20))
    for k, y in enumerate(ROWS):
        if merged and k == 2:  # no rule between the two body rows in column 3
            d.line((COLS[0], y, COLS[2], y), fill=(0, 0, 0), width=4)
            d.line((COLS[3], y, COLS[-1], y), fill=(0, 0, 0), width=4)
        else:
            d.line((COLS[0], y, COLS[-1], y), fill=(0, 0, 0), width=4)
    for x in COLS:
        d.line((x, ROWS[0], x, ROWS[-1]), fill=(0, 0, 0), width=4)
    for r, cells in enumerate([HEAD] + BODY):
        for c, s in enumerate(cells):
            if merged and c == 2 and r == 2:
                continue
            d.text((COLS[c] + 20, ROWS[r] + 40), s, font=f, fill=(20, 20, 20))
    d.text((200, 820), "Các sở, ngành triển khai thực hiện nghiêm túc.", font=f, fill=(20, 20, 20))
    if degraded:  # skew, blur and noise as bench/ocr_cer.py makes a scan
        sys.path.insert(0, str(ROOT / "bench"))
        from ocr_cer import degrade

        im = degrade(im, random.Random(3), seal_at=None)
    return im


def _detect(im):
    from pipeline.ocr.preprocess import preprocess
    from pipeline.layout.scan_tables import find_tables

    gray, _ = preprocess(im)
    return find_tables(gray)


def test_grid_of_a_skewed_noisy_table():
    grid = _detect(table_image())
    assert len(grid.tables) == 1
    t = grid.tables[0]
    assert (t.ncols, t.nrows) == (4, 3)
    assert sorted((c.row, c.col, c.colspan, c.rowspan) for c in t.cells) == [
        (r, c, 1, 1) for r in range(3) for c in range(4)]
    # the table box holds the ruled area and nothing of the sentences above and below it
    assert 230 < t.bbox[1] < 290 and 690 < t.bbox[3] < 760


def test_merged_cell_spans_two_rows():
    t = _detect(table_image(merged=True, degraded=False)).tables[0]
    spans = {(c.row, c.col): (c.colspan, c.rowspan) for c in t.cells}
    assert spans[(1, 2)] == (1, 2)
    assert (2, 2) not in spans and spans[(2, 3)] == (1, 1)
    assert len(t.cells) == 11


def test_no_table_on_prose_and_single_rules():
    """A page of text with a rule under the motto and a signature line: no table (and OpenCV is not needed)."""
    from PIL import Image, ImageDraw, ImageFont

    im = Image.new("L", (2480, 1200), 255)
    d = ImageDraw.Draw(im)
    f = ImageFont.truetype(FONT, 40)
    for i in range(8):
        d.text((200, 100 + 110 * i), "Các sở, ban, ngành triển khai thực hiện nghiêm túc kế hoạch này.", font=f,
               fill=0)
    d.line((1300, 1050, 1900, 1050), fill=0, width=3)
    assert _detect(im).tables == []


@needs_tesseract
def test_ocr_page_with_table_gives_table_block():
    from pipeline.core.document import Document
    from pipeline.normalize import normalize
    from pipeline.ocr import ocr_image

    page = ocr_image(table_image())
    tables = [b for b in page.blocks if b.kind == "table"]
    assert len(tables) == 1
    b = tables[0]
    d = b.as_dict(page.text)
    assert d["header_rows"] == 1 and not d["layout"]
    texts = [[c["text"] for c in r] for r in d["rows"]]
    assert len(texts) == 3 and all(len(r) == 4 for r in texts)
    assert texts[0][2] == "Cơ quan chủ trì"
    assert [r[2] for r in texts[1:]] == ["Sở Nông nghiệp", "Sở Tư pháp"]
    assert texts[2][1] == "Số hóa hồ sơ hộ tịch"
    # the prose around the table stays outside it, above and below
    assert page.text.index("như sau:") < b.start and page.text.index("nghiêm túc") > b.end
    # every word in a cell keeps its box, inside the cell's row band
    w = next(w for w in page.words if w.text == "Tư")
    assert page.text[w.start:w.end] == "Tư" and b.start <= w.start < b.end
    assert ROWS[2] - 40 < (w.bbox[1] + w.bbox[3]) / 2 < ROWS[3] + 40
    # normalize maps the table block onto the document text unchanged
    doc = normalize(Document(path="t.png", sha256="0", media_type="image/png", size=0, pages=(page,)))
    nb = [x for x in doc.blocks if x.kind == "table"]
    assert len(nb) == 1
    assert [doc.text[c.start:c.end] for c in nb[0].cells][-2:] == ["Sở Tư pháp", "Tháng 12/2026"]


@needs_tesseract
def test_scanned_task_table_gives_assignments_and_deadlines(tmp_path):
    """The whole pipeline on a one-page image-only PDF: table rows become tasks with their lead and deadline."""
    from pipeline.run import extract_record

    pdf = tmp_path / "t.pdf"
    table_image().save(pdf, resolution=300)
    rec = json.loads(extract_record(pdf).model_dump_json())
    units = {(u["name"], u["role"]) for k in rec["tasks"] for u in k["units"]}
    assert ("Sở Nông nghiệp", "lead") in units and ("Sở Tư pháp", "lead") in units
    assert {d["due"] for d in rec["deadlines"]} >= {"2026-06-30", "2026-12-31"}
    # a unit read from a cell points at that cell on the page (the review page draws its box)
    u = next(u for k in rec["tasks"] for u in k["units"] if u["name"] == "Sở Tư pháp")
    box = u["span"]["bbox"]
    assert COLS[2] - 30 < box["x0"] < box["x1"] < COLS[3] + 30 and ROWS[2] - 30 < box["top"] < ROWS[3]


def test_table_continued_on_next_scanned_page():
    """The next page's table repeats the header and opens with the end of the last task (empty number cell):
    both rows leave the table block, the rows after them stay."""
    from pipeline.layout.blocks import Layout
    from pipeline.core.document import Page
    from pipeline.layout.scan_tables import continued_tables

    def page(n, rows, prose=""):
        lay = Layout(page=n)
        if prose:
            lay.text_block(prose)
        lay.table([[([c], 1, 1) for c in r] for r in rows], layout=False)
        text, blocks = lay.finish()
        return Page(number=n, text=text, method="ocr", blocks=blocks)

    head = ["TT", "Nội dung", "Cơ quan chủ trì"]
    p1 = page(1, [head, ["1", "Rà soát hồ sơ", "Sở Tư pháp"]], prose="Các nhiệm vụ cụ thể như sau:")
    p2 = page(2, [head, ["", "đất đai trên địa bàn", ""], ["2", "Số hóa hồ sơ", "Sở Nội vụ"]])
    out = continued_tables([p1, p2])
    rows = out[1].blocks[0].rows()
    assert [[out[1].text[c.start:c.end] for c in r] for r in rows] == [["2", "Số hóa hồ sơ", "Sở Nội vụ"]]
    assert out[0] is p1
    # a table under prose on its page is a table of its own
    p3 = page(2, [head, ["", "x", ""], ["2", "Số hóa hồ sơ", "Sở Nội vụ"]],
              prose="Phụ lục kèm theo: danh mục các nhiệm vụ giao cho các sở, ban, ngành và địa phương thực hiện")
    assert continued_tables([p1, p3])[1] is p3
