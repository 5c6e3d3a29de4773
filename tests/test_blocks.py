"""The block layer (pipeline.blocks) and extraction over it: tables, labelled fields, unit headings, reflow,
the time-phrase grammar, and the same record from every input format."""
from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"

HEADER = ("ỦY BAN NHÂN DÂN\nTỈNH ĐỒNG THÁP\nSố: 552/KH-UBND",
          "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nĐồng Tháp, ngày 19 tháng 11 năm 2025")
TITLE = ["KẾ HOẠCH", "Thực hiện lộ trình đổi mới công nghệ"]
TASKS = [["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"],
         ["1", "Rà soát cơ chế, chính sách khuyến khích đổi mới công nghệ", "Sở Tài chính",
          "Sở Công Thương; Ban Quản lý khu Kinh tế tỉnh", "Quý II/2026"],
         ["2", "Xây dựng chương trình hỗ trợ doanh nghiệp", "Sở Khoa học và Công nghệ",
          "Các sở, ngành, UBND xã, phường", "2025 - 2030"],
         ["3", "Tổ chức tuyên truyền", "Sở Văn hóa, Thể thao và Du lịch", "Báo, Đài tỉnh", "Hằng năm"],
         ["4", "Theo dõi, đôn đốc", "Văn phòng UBND tỉnh", "Các sở, ban, ngành", "Thường xuyên"]]
EXPECTED_UNITS = {
    ("Sở Tài chính", "lead"), ("Sở Công Thương", "support"), ("Ban Quản lý khu Kinh tế tỉnh", "support"),
    ("Sở Khoa học và Công nghệ", "lead"), ("Các sở, ngành", "support"), ("UBND xã, phường", "support"),
    ("Sở Văn hóa, Thể thao và Du lịch", "lead"), ("Báo, Đài tỉnh", "support"),
    ("Văn phòng UBND tỉnh", "lead"), ("Các sở, ban, ngành", "support")}
EXPECTED_DEADLINES = {("2026-06-30", "quarter", None), ("2030-12-31", "year", None), (None, "recurring", "yearly")}
SIGNATURE = ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Văn An"]


def _record(path) -> dict:
    from pipeline.run import extract_record

    return json.loads(extract_record(path).model_dump_json())


def _rows(rec: dict) -> list[tuple]:
    """Each task's units and deadlines, in order: what a task table gives."""
    dl = {d["id"]: (d["due"], d["precision"], d["recurrence"]) for d in rec["deadlines"]}
    return [(tuple(sorted((u["name"], u["role"]) for u in k["units"])), tuple(dl[i] for i in k["deadline_ids"]))
            for k in rec["tasks"]]


def _units(rec: dict) -> set:
    return {(u["name"], u["role"]) for k in rec["tasks"] for u in k["units"]}


def _deadlines(rec: dict) -> set:
    return {(d["due"], d["precision"], d["recurrence"]) for d in rec["deadlines"]}


# -- the same table from every format --------------------------------------------------------------------------

def _make_docx(path: Path, grid: bool = True) -> Path:
    import docx

    d = docx.Document()
    t = d.add_table(rows=1, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = HEADER
    for p in TITLE:
        d.add_paragraph(p)
    tt = d.add_table(rows=len(TASKS), cols=len(TASKS[0]))
    if grid:
        tt.style = "Table Grid"
    for i, r in enumerate(TASKS):
        for j, v in enumerate(r):
            tt.cell(i, j).text = v
    for p in SIGNATURE:
        d.add_paragraph(p)
    d.save(path)
    return path


def _make_markdown(path: Path) -> Path:
    lines = ["| " + " | ".join(r) + " |" for r in TASKS]
    lines.insert(1, "|" + "---|" * len(TASKS[0]))
    header = ["|", *HEADER[0].split("\n"), "|", *HEADER[1].split("\n"), "|", ""]
    path.write_text("\n".join([*header, *(f"**{t}**" if t.isupper() else t for t in TITLE), "", *lines, "",
                               *SIGNATURE]) + "\n", encoding="utf-8")
    return path


def _make_pipe_lines(path: Path) -> Path:
    """The one-cell-per-line tables of pages saved from legal-document websites."""
    out = ["|", *HEADER[0].split("\n"), "|", *HEADER[1].split("\n"), "|", "", *TITLE, ""]
    for r in TASKS:
        for c in r:
            out += ["|", f"**{c}**" if r is TASKS[0] else c]
        out.append("|")
    out += ["", *SIGNATURE]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def _make_html(path: Path) -> Path:
    from html import escape

    head = "".join(f"<td>{'<br>'.join(map(escape, c.split(chr(10))))}</td>" for c in HEADER)
    rows = "".join("<tr>" + "".join(f"<{'th' if i == 0 else 'td'}>{escape(c)}</{'th' if i == 0 else 'td'}>"
                                     for c in r) + "</tr>" for i, r in enumerate(TASKS))
    body = (f"<div class=menu><a>Trang chủ</a> <a>Văn bản mới</a></div><div id=doc><table>{head}</table>"
            + "".join(f"<p>{escape(t)}</p>" for t in TITLE) + f"<table border=1>{rows}</table>"
            + "<p>" + "<br>".join(SIGNATURE) + "</p></div><footer>Bản quyền</footer><script>var a=1;</script>")
    path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{body}</body></html>",
                    encoding="utf-8")
    return path


def _soffice_convert(src: Path, to: str) -> Path:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.skip("LibreOffice is not installed (scripts/setup installs libreoffice-writer-nogui)")
    out = src.parent / "conv"
    subprocess.run([exe, f"-env:UserInstallation=file://{src.parent}/lo-profile", "--headless", "--convert-to",
                    to, "--outdir", str(out), str(src)], check=True, capture_output=True, timeout=180)
    return out / (src.stem + "." + to)


@pytest.fixture(scope="module")
def docx_record(tmp_path_factory):
    return _record(_make_docx(tmp_path_factory.mktemp("docx") / "kh.docx"))


def test_docx_task_table_rows(docx_record):
    rec = docx_record
    assert _units(rec) == EXPECTED_UNITS
    assert _deadlines(rec) == EXPECTED_DEADLINES
    rows = _rows(rec)
    assert len(rows) == 4
    assert rows[0] == ((("Ban Quản lý khu Kinh tế tỉnh", "support"), ("Sở Công Thương", "support"),
                        ("Sở Tài chính", "lead")), (("2026-06-30", "quarter", None),))
    assert rows[3][1] == ()  # "Thường xuyên" sets no deadline
    assert [k["section"] for k in rec["tasks"]] == ["1", "2", "3", "4"]
    md = rec["metadata"]
    assert (md["number"]["value"], md["issued_date"]["value"], md["place"]["value"], md["issuer"]["value"]) == \
        ("552/KH-UBND", "2025-11-19", "Đồng Tháp", "Ủy ban nhân dân tỉnh Đồng Tháp")


@pytest.mark.parametrize("make", [_make_markdown, _make_pipe_lines, _make_html],
                         ids=["markdown-gfm", "markdown-saved-page", "html"])
def test_same_task_rows_from_markdown_and_html(tmp_path, make, docx_record):
    suffix = ".html" if make is _make_html else ".md"
    rec = _record(make(tmp_path / f"kh{suffix}"))
    assert _rows(rec) == _rows(docx_record)
    assert rec["metadata"]["issuer"]["value"] == "Ủy ban nhân dân tỉnh Đồng Tháp"
    assert rec["metadata"]["signer"]["name"] == "Nguyễn Văn An"


def test_same_task_rows_from_pdf(tmp_path, docx_record):
    pdf = _soffice_convert(_make_docx(tmp_path / "kh.docx"), "pdf")
    rec = _record(pdf)
    assert rec["source"]["page_methods"] == ["pdf_text"]
    assert _rows(rec) == _rows(docx_record)
    # the cells keep their boxes on the page
    unit = next(u for k in rec["tasks"] for u in k["units"] if u["name"] == "Sở Tài chính")
    assert unit["span"]["page"] == 1 and unit["span"]["bbox"]["x1"] > unit["span"]["bbox"]["x0"]


def test_doc_gives_the_same_record_as_its_docx(tmp_path, docx_record):
    src = _make_docx(tmp_path / "kh.docx")
    doc = _soffice_convert(src, "doc")
    rec = _record(doc)
    for k in ("metadata", "targets", "deadlines"):
        a, b = rec[k], docx_record[k]
        assert json.dumps(a, sort_keys=True, ensure_ascii=False).count('"value"') == \
            json.dumps(b, sort_keys=True, ensure_ascii=False).count('"value"')
    assert _rows(rec) == _rows(docx_record)
    assert {k: v["value"] for k, v in rec["metadata"].items() if isinstance(v, dict) and "value" in v} == \
        {k: v["value"] for k, v in docx_record["metadata"].items() if isinstance(v, dict) and "value" in v}


def test_doc_without_libreoffice_is_a_missing_dependency(tmp_path, monkeypatch):
    from pipeline.cli import main

    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice on it
    p = tmp_path / "a.doc"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    import io
    from contextlib import redirect_stderr

    err = io.StringIO()
    with redirect_stderr(err):
        code = main(["extract", str(p)])
    assert code == 6
    assert err.getvalue().strip() == ("chithi: error: LibreOffice is not installed (needed to read .doc files) "
                                      "(sudo apt-get install libreoffice-writer-nogui)")


# -- DOCX details ----------------------------------------------------------------------------------------------

def test_docx_text_box_subject_and_merged_cells(tmp_path):
    import docx
    from docx.oxml import parse_xml

    d = docx.Document()
    t = d.add_table(rows=1, cols=2)
    t.cell(0, 0).text = "ỦY BAN NHÂN DÂN\nTỈNH LÂM ĐỒNG\nSố: 12/UBND-NC"
    t.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nLâm Đồng, ngày 05 tháng 3 năm 2026"
    p = d.add_paragraph()
    ns = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
          'xmlns:v="urn:schemas-microsoft-com:vml"')
    p._p.append(parse_xml(f'<w:r {ns}><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r>'
                          '<w:t>V/v triển khai công tác phòng, chống ma túy</w:t></w:r></w:p></w:txbxContent>'
                          '</v:textbox></v:shape></w:pict></w:r>'))
    d.add_paragraph("Kính gửi: Công an tỉnh")
    tt = d.add_table(rows=3, cols=3)
    tt.cell(0, 0).text, tt.cell(0, 1).text, tt.cell(0, 2).text = "Nội dung", "Đơn vị chủ trì", "Thời hạn"
    tt.cell(1, 0).text, tt.cell(2, 0).text = "Rà soát đối tượng", "Tổng hợp báo cáo"
    merged = tt.cell(1, 1).merge(tt.cell(2, 1))  # one lead for both rows
    merged.text = "Công an tỉnh"
    tt.cell(1, 2).text, tt.cell(2, 2).text = "Tháng 6/2026", "trước ngày 15/12/2026"
    d.add_paragraph("Nơi nhận:\n- Như trên;\n- Lưu: VT.")
    path = tmp_path / "cv.docx"
    d.save(path)
    rec = _record(path)
    md = rec["metadata"]
    assert md["subject"]["value"] == "V/v triển khai công tác phòng, chống ma túy"
    assert md["doc_type"]["value"] == "cong_van"
    assert [a["name"] for a in md["addressees"]] == ["Công an tỉnh"]
    assert md["recipients"] == []  # "Như trên" is the addressees again, not a recipient
    assert _rows(rec) == [((("Công an tỉnh", "lead"),), (("2026-06-30", "month", None),)),
                          ((("Công an tỉnh", "lead"),), (("2026-12-15", "day", None),))]


# -- wrapped web text ----------------------------------------------------------------------------------------------

def _wrap(text: str, width: int = 80) -> str:
    out = []
    for line in text.split("\n"):
        out.append("\n".join(textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False)) or "")
    return "\n".join(out)


def _comparable(rec: dict) -> dict:
    rec = dict(rec)
    for k in ("extracted_at", "source", "doc_id"):
        rec.pop(k)
    return rec


@pytest.mark.parametrize("name", ["000_4a226a3da77387bf.txt", "003_bc300ed0722f41ea.txt",
                                  "realdev/docs/R17.md"])
def test_wrapped_and_unwrapped_copies_give_the_same_record(tmp_path, name):
    from pipeline.run import extract_record, read, text_stages

    src = CORPUS / name
    if name.endswith(".md"):  # the saved page is hard-wrapped already: unwrap it through its blocks
        flat = text_stages(read(src)).text
    else:
        flat = src.read_text(encoding="utf-8")
    a, b = tmp_path / ("flat" + src.suffix), tmp_path / ("wrapped" + src.suffix)
    a.write_text(flat, encoding="utf-8")
    b.write_text(_wrap(flat), encoding="utf-8")
    assert b.read_text(encoding="utf-8") != flat
    ra = json.loads(extract_record(a).model_dump_json())
    rb = json.loads(extract_record(b).model_dump_json())
    assert text_stages(read(a)).text == text_stages(read(b)).text
    assert _comparable(ra) == _comparable(rb)
    assert ra["tasks"] and (ra["deadlines"] or ra["targets"])


def test_markdown_header_wrapped_mid_date_keeps_metadata(tmp_path):
    p = tmp_path / "a.md"
    p.write_text("|\n**ỦY BAN NHÂN\nDÂN**\nTHÀNH PHỐ ĐÀ NẴNG\n--------\n|\n**CỘNG HÒA XÃ\nHỘI CHỦ NGHĨA VIỆT NAM**\n"
                 "Độc lập - Tự do - Hạnh phúc\n|\n|\nSố:\n15/CT-UBND\n|\n*Đà Nẵng, ngày 05\ntháng 3 năm 2025*\n|\n\n"
                 "**CHỈ THỊ**\n\nVề tăng cường công tác\nphòng cháy\n\n1. Giao Sở Xây dựng chủ trì, phối hợp\nvới Công "
                 "an thành phố hoàn thành trước ngày\n30/6/2025.\n", encoding="utf-8")
    rec = _record(p)
    md = rec["metadata"]
    assert (md["number"]["value"], md["doc_type"]["value"], md["issued_date"]["value"], md["place"]["value"],
            md["issuer"]["value"]) == ("15/CT-UBND", "chi_thi", "2025-03-05", "Đà Nẵng",
                                      "Ủy ban nhân dân thành phố Đà Nẵng")
    assert _units(rec) == {("Sở Xây dựng", "lead"), ("Công an thành phố", "support")}
    assert _deadlines(rec) == {("2025-06-30", "day", None)}


# -- labelled fields and unit headings ----------------------------------------------------------------------------

def _text_record(tmp_path, body: str) -> dict:
    p = tmp_path / "kh.txt"
    p.write_text("ỦY BAN NHÂN DÂN\nTỈNH LÂM ĐỒNG\n\nSố: 10/KH-UBND\n\nLâm Đồng, ngày 02 tháng 3 năm 2026\n\n"
                 "KẾ HOẠCH\n\nTriển khai nhiệm vụ năm 2026\n\n" + body, encoding="utf-8")
    return _record(p)


def test_labelled_lines(tmp_path):
    rec = _text_record(tmp_path, "1. Rà soát, cập nhật cơ sở dữ liệu đất đai\n\n"
                       "- Đơn vị chủ trì (thực hiện): Sở Nông nghiệp và Môi trường.\n\n"
                       "- Đơn vị phối hợp: Sở Tài chính; UBND các xã, phường.\n\n"
                       "- Thời gian hoàn thành: chậm nhất trong tháng 6/2026.\n\n"
                       "2. Số hóa hồ sơ\n\n- Cơ quan thực hiện: Sở Nội vụ chủ trì, phối hợp với Sở Khoa học và "
                       "Công nghệ.\n\n- Thời hạn: Quý IV/2025 - Quý II/2026\n")
    assert _units(rec) == {("Sở Nông nghiệp và Môi trường", "lead"), ("Sở Tài chính", "support"),
                           ("UBND các xã, phường", "support"), ("Sở Nội vụ", "lead"),
                           ("Sở Khoa học và Công nghệ", "support")}
    assert _deadlines(rec) == {("2026-06-30", "month", None), ("2026-06-30", "quarter", None)}
    assert len(rec["tasks"]) == 2


def test_unit_heading_leads_its_bullets_and_partners_count(tmp_path):
    rec = _text_record(tmp_path, "II. TỔ CHỨC THỰC HIỆN\n\n"
                       "e) Sở Xây dựng:\n\n"
                       "- Chủ trì, phối hợp với Trung tâm Phát triển quỹ đất tỉnh rà soát quy hoạch.\n\n"
                       "- Phối hợp Ban Quản lý dự án đầu tư xây dựng số 1 kiểm tra hiện trường.\n\n"
                       "g) Công an tỉnh\n\n- Bảo đảm an ninh trật tự tại công trường.\n")
    assert _units(rec) == {("Sở Xây dựng", "lead"), ("Trung tâm Phát triển quỹ đất tỉnh", "support"),
                           ("Ban Quản lý dự án đầu tư xây dựng số 1", "support"), ("Công an tỉnh", "lead")}


# -- grammars ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("phrase, expected", [
    ("Quý II/2026", ("2026-06-30", "quarter", None)),
    ("Tháng 6/2026", ("2026-06-30", "month", None)),
    ("Tháng 11 - 12/2025", ("2025-12-31", "month", None)),
    ("2025 - 2030", ("2030-12-31", "year", None)),
    ("Quý IV/2025 - Quý II/2026", ("2026-06-30", "quarter", None)),
    ("trong năm 2026", ("2026-12-31", "year", None)),
    ("Đợt 1: trong tháng 12/2025", ("2025-12-31", "month", None)),
    ("6 tháng đầu năm 2026", ("2026-06-30", "half", None)),
    ("Từ ngày 01/3 đến ngày 15/4/2026", ("2026-04-15", "day", None)),
    ("trước tháng 4/2026", ("2026-03-31", "month", None)),
    ("Hằng năm", (None, "recurring", "yearly")),
    ("định kỳ 02 tuần/lần", (None, "recurring", "periodic")),
    ("Thường xuyên, định kỳ hằng quý báo cáo", (None, "recurring", "quarterly")),
    ("Thường xuyên", None), ("Khi có phát sinh", None), ("Theo kế hoạch", None), ("(2026 trở đi)", None),
    ("2026 và những năm tiếp theo", None), ("Từ 01/7/2025", None),
])
def test_time_phrase_grammar(phrase, expected):
    from pipeline.nlp.timephrase import parse_time
    from pipeline.core.textutil import fold

    due = parse_time(fold(phrase), 2025)
    assert (None if due is None else (due.due, due.precision, due.recurrence)) == expected


@pytest.mark.parametrize("header, role", [
    ("Cơ quan chủ trì", "lead"), ("CHỦ TRÌ", "lead"), ("Cơ quan/chủ trì", "lead"), ("Đơn vị phối hợp", "support"),
    ("Trách nhiệm thực hiện", "responsible"), ("Thời gian hoàn thành", "deadline"), ("Tiến độ", "deadline"),
    ("Thời gian dự kiến hoàn thành", "deadline"), ("Sản phẩm", "product"), ("Nội dung nhiệm vụ", "task"),
    ("STT", "number"), ("Nguồn kinh phí", None)])
def test_column_roles(header, role):
    from pipeline.layout.blocks import column_role

    assert column_role(header) == role


@pytest.mark.parametrize("cell, units", [
    ("Sở Công Thương; Ban Quản lý khu Kinh tế tỉnh Đồng Tháp",
     ["Sở Công Thương", "Ban Quản lý khu Kinh tế tỉnh Đồng Tháp"]),
    ("Các sở, ngành, UBND xã, phường, đặc khu", ["Các sở, ngành", "UBND xã, phường, đặc khu"]),
    ("Các sở, ban, ngành có liên quan", ["Các sở, ban, ngành có liên quan"]),
    ("Doanh nghiệp, Sở, ban, ngành có liên quan", ["Doanh nghiệp", "Sở, ban, ngành có liên quan"]),
    ("Sở Giáo dục và Đào tạo, Sở Y tế", ["Sở Giáo dục và Đào tạo", "Sở Y tế"]),
])
def test_listed_units_split_between_kinds(cell, units):
    from pipeline.nlp.context import Ctx
    from pipeline.nlp.units import listed_units
    from pipeline.core.textutil import fold_keep_len

    ctx = Ctx(text=cell, folded=fold_keep_len(cell), lower=cell.lower(), body_start=0, body_end=len(cell),
              year=2026, paragraphs=[], results={}, blocked=[])
    assert [u["name"] for u in listed_units(ctx, 0, len(cell), "support")] == units


def test_blocks_of_a_saved_page_table():
    from pipeline.layout.blocks import text_blocks

    lay = text_blocks("|\n**STT**\n|\n**NỘI DUNG**\n|\n**CHỦ TRÌ**\n|\n|\n**I**\n|\n**NHÓM GIẢI PHÁP**\n|\n|\n1\n|\n"
                      "Rà soát, kịp thời cụ thể\nhoá các cơ chế\n|\nSở Tài chính\n|\n\nĐoạn sau.\n", markdown=True)
    text, blocks = lay.finish()
    table = blocks[0]
    assert table.kind == "table" and table.header_rows == 1
    assert [[text[c.start:c.end] for c in r] for r in table.rows()] == [
        ["STT", "NỘI DUNG", "CHỦ TRÌ"], ["I", "NHÓM GIẢI PHÁP"], ["1", "Rà soát, kịp thời cụ thể hoá các cơ chế",
                                                                   "Sở Tài chính"]]
    assert blocks[1].kind == "paragraph" and text[blocks[1].start:blocks[1].end] == "Đoạn sau."


def test_a_task_table_that_runs_on_from_the_page_layout_table():
    """A saved page's layout table (the signer's cell, the annex title) runs into the task table's header row: the
    task table starts at its header."""
    from pipeline.layout.blocks import text_blocks

    long_cell = "\n".join(f"Dòng {i} của văn bản." for i in range(20))
    lay = text_blocks(f"|\n{long_cell}\n|\n**KT. BỘ TRƯỞNG**\nNguyễn Văn A\n|\n**PHỤ LỤC I**\n|\n**STT**\n|\n"
                      "**Nhiệm vụ**\n|\n**Cơ quan chủ trì\nthực hiện**\n|\n**Thời hạn hoàn\nthành**\n|\n|\n1.\n|\n"
                      "Rà soát các quy định\npháp luật\n|\nCác bộ, ngành\n|\n30/06/2026\n|\n\nĐoạn sau.\n", markdown=True)
    text, blocks = lay.finish()
    (table,) = [b for b in blocks if b.kind == "table"]
    assert [[text[c.start:c.end] for c in r] for r in table.rows()] == [
        ["STT", "Nhiệm vụ", "Cơ quan chủ trì thực hiện", "Thời hạn hoàn thành"],
        ["1.", "Rà soát các quy định pháp luật", "Các bộ, ngành", "30/06/2026"]]
    assert table.header_rows == 1
    assert "PHỤ LỤC I" in text[:table.start] and "Dòng 19 của văn bản." in text[:table.start]


def test_a_heading_word_wrapped_from_its_number():
    from pipeline.layout.blocks import text_blocks

    text, blocks = text_blocks("**Điều\n19. Trách nhiệm của Sở Khoa học và Công nghệ**\n\n1. Chủ trì hướng dẫn.\n",
                               markdown=True).finish()
    assert text.split("\n\n")[0] == "Điều 19. Trách nhiệm của Sở Khoa học và Công nghệ"


def test_chithi_text_blocks_prints_json_lines(tmp_path, capsys):
    from pipeline.cli import main

    p = _make_pipe_lines(tmp_path / "kh.md")
    assert main(["text", "--blocks", "--workers", "1", str(p)]) == 0
    from pipeline.layout.blocks import KINDS

    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    kinds = [r["kind"] for r in rows]
    assert set(kinds) <= set(KINDS)
    assert kinds.count("table") == 1 and "heading" in kinds
    table = next(r for r in rows if r["kind"] == "table")
    assert table["header_rows"] == 1 and table["rows"][1][2]["text"] == "Sở Tài chính"


def test_saved_page_clutter_and_a_document_wrapped_in_a_table(tmp_path):
    """A legal-document website's page: its own summary table first, then the document inside one big table
    cell, then the site footer. Metadata comes from the document's header, never from the site's summary."""
    clutter = ["|", "|", "**Số hiệu:**", "|", "999/XX-YY", "|", "|", "**Ngày ban hành:**", "|", "01/01/2020", "|", "|"]
    body = ["Căn cứ tình hình thực tế, Thủ tướng Chính phủ yêu cầu:"]
    body += [f"{i}. Bộ trưởng Bộ Xây dựng chỉ đạo các đơn vị trực thuộc thực hiện nhiệm vụ số {i}, hoàn thành "
             f"trước ngày {10 + i}/12/2025." for i in range(1, 14)]
    page = [*clutter, "**THỦ", "TƯỚNG CHÍNH PHỦ**", "-------", "|", "**CỘNG", "HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM**",
            "Độc lập - Tự do - Hạnh phúc", "|", "|", "Số: 234/CĐ-TTg", "|", "*Hà Nội, ngày 30", "tháng 11 năm 2025*",
            "|", "**CÔNG ĐIỆN**", "V/v khắc phục hậu quả thiên tai", "|", *body, "|", "Nơi nhận:", "- Như trên;",
            "- Lưu: VT.", "|", "THỦ TƯỚNG", "Phạm Minh Chính", "|", "", "Địa chỉ: 17 Nguyễn Gia Thiều"]
    p = tmp_path / "cd.md"
    p.write_text("\n".join(page) + "\n", encoding="utf-8")
    rec = _record(p)
    md = rec["metadata"]
    assert (md["number"]["value"], md["doc_type"]["value"], md["issued_date"]["value"], md["place"]["value"]) == \
        ("234/CĐ-TTg", "cong_dien", "2025-11-30", "Hà Nội")
    assert md["signer"]["name"] == "Phạm Minh Chính"
    assert _units(rec) == {("Bộ trưởng Bộ Xây dựng", "lead")}
    assert len(_deadlines(rec)) == 13


def test_issuer_assigns_and_the_body_wins_over_a_heading(tmp_path):
    rec = _text_record(tmp_path, "III. TỔ CHỨC THỰC HIỆN\n\n"
                       "Chủ tịch UBND tỉnh chỉ đạo các sở, ngành khẩn trương triển khai Kế hoạch.\n\n"
                       "2. Sở Khoa học và Công nghệ, Sở Nội vụ\n\n"
                       "Sở Khoa học và Công nghệ chủ trì, phối hợp với Sở Nội vụ tổ chức tập huấn.\n")
    # the issuer (UBND tỉnh Lâm Đồng) assigns; the heading's second unit is the body's partner
    assert _units(rec) == {("Sở Khoa học và Công nghệ", "lead"), ("Sở Nội vụ", "support")}
