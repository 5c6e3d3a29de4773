"""Who must do what by when (issue 19): each task's action, its lead units, and the deadlines it owns — one short
synthetic case per grammar rule — plus the whole trích yếu and the realdev figures."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REALDEV = ROOT / "corpus" / "realdev"


def _extract(body: str, head: str = "KẾ HOẠCH\n\nVề việc thử\n\n", year: int = 2026):
    from pipeline.nlp import run_extraction
    from pipeline.structure.parse import parse

    text = f"ỦY BAN NHÂN DÂN\nTỈNH KHÁNH HÒA\n\nSố: 01/KH-UBND\n\nNha Trang, ngày 02 tháng 1 năm {year}\n\n{head}{body}\n"
    return text, run_extraction(text, parse(text))


def _who_by_when(body: str) -> set[tuple[str, str]]:
    """(deadline text, lead unit) for every deadline and every lead of the task that owns it."""
    text, ex = _extract(body)
    tasks = {k.id: k for k in ex.tasks}
    out = set()
    for d in ex.deadlines:
        k = tasks.get(d.task_id)
        for u in (k.units if k else ()):
            if u.role == "lead":
                out.add((text[d.start:d.end], u.name))
    return out


WHO_BY_WHEN = [
    # a unit heading leads the bullets under it, at any depth
    ("1. Các địa phương:\na) UBND xã Đạ Huoai:\n- Phối hợp Trung tâm Phát triển quỹ đất tỉnh phê duyệt phương án "
     "bồi thường trước ngày 15/5/2026.\n- Tuyên truyền, vận động Nhân dân bàn giao mặt bằng trong tháng 5/2026.",
     {("trước ngày 15/5/2026", "UBND xã Đạ Huoai"), ("trong tháng 5/2026", "UBND xã Đạ Huoai")}),
    # "Đối với <unit>: …" heads its item
    ("e) Đối với Nhà đầu tư Dự án cao tốc Tân Phú - Bảo Lộc: Khẩn trương nộp hồ sơ thiết kế kỹ thuật trước ngày "
     "28/4/2026.", {("trước ngày 28/4/2026", "Nhà đầu tư Dự án cao tốc Tân Phú - Bảo Lộc")}),
    # the subject behind a time preamble, with its comma or without it
    ("1. Trước ngày 20 tháng 12 hằng năm, Ủy ban nhân dân xã lập danh sách hộ cận nghèo.",
     {("Trước ngày 20 tháng 12", "Ủy ban nhân dân xã"), ("hằng năm", "Ủy ban nhân dân xã")}),
    ("2. Trước ngày 01 tháng 11 năm 2026 Tập đoàn Điện lực Việt Nam có trách nhiệm báo cáo Bộ Công Thương.",
     {("Trước ngày 01 tháng 11 năm 2026", "Tập đoàn Điện lực Việt Nam")}),
    # a collective subject after an introductory phrase
    ("Đối với kết quả năm 2025, các bộ, tỉnh hoàn thành việc tự đánh giá chậm nhất là ngày 23 tháng 01 năm 2026.",
     {("chậm nhất là ngày 23 tháng 01 năm 2026", "các bộ, tỉnh")}),
    # groups only doing a task: all of them lead; a periodic report belongs to the units that must report
    ("2. Các sở, ban, ngành, Ủy ban nhân dân xã, phường có trách nhiệm định kỳ hằng quý báo cáo kết quả thực hiện.",
     {("định kỳ hằng quý", "Các sở, ban, ngành"), ("định kỳ hằng quý", "Ủy ban nhân dân xã, phường")}),
    # 'gửi' after the subject carries the task
    ("Các sở, ban, ngành, đoàn thể Thành phố gửi báo cáo về Sở Nội vụ trước ngày 16 tháng 12 năm 2026.",
     {("trước ngày 16 tháng 12 năm 2026", "Các sở, ban, ngành, đoàn thể Thành phố")}),
    # an article's heading "Trách nhiệm của <unit>" leads the clauses under it
    ("Điều 5. Trách nhiệm của Sở Nội vụ\n1. Hướng dẫn các cơ quan thực hiện Quy chế này.\n2. Tổng hợp, báo cáo "
     "Ủy ban nhân dân tỉnh trước ngày 15 tháng 12 năm 2026.\nĐiều 6. Hiệu lực thi hành",
     {("trước ngày 15 tháng 12 năm 2026", "Sở Nội vụ")}),
    # "là cơ quan chủ trì" after the subject
    ("1. Khen thưởng kịp thời. Sở Công Thương là cơ quan chủ trì, định kỳ hằng năm tổng hợp kết quả.",
     {("định kỳ hằng năm", "Sở Công Thương")}),
    # a preamble with commas of its own before the subject ("Đối với A, B, C do …, <unit> căn cứ … lập …")
    ("1. Đối với các chương trình, đề án, dự án do Chủ tịch Ủy ban nhân dân tỉnh giao, Liên hiệp các hội Khoa học và "
     "Kỹ thuật tỉnh căn cứ chế độ hiện hành lập dự toán kinh phí trước ngày 30/6/2026.",
     {("trước ngày 30/6/2026", "Liên hiệp các hội Khoa học và Kỹ thuật tỉnh")}),
    # preambles in a row; a partner after the subject stays a partner
    ("Hằng năm, trước ngày 25 tháng 12, Sở Tài chính chủ trì, Sở Nội vụ phối hợp tổng hợp kết quả.",
     {("trước ngày 25 tháng 12", "Sở Tài chính"), ("Hằng năm", "Sở Tài chính")}),
    # an aside in brackets between the subject and its verb; a footnote mark after the item's marker
    ("a) [5] Bộ Chỉ huy quân sự tỉnh (cơ quan thường trực) gửi Bộ Quốc phòng kế hoạch khắc phục hậu quả bom mìn "
     "trước ngày 20 tháng 7 năm 2026.", {("trước ngày 20 tháng 7 năm 2026", "Bộ Chỉ huy quân sự tỉnh")}),
    # inline enumerated subjects after a colon
    ("4. Đẩy mạnh cắt giảm thủ tục hành chính: (1) Các bộ, ngành khẩn trương rà soát quy trình, hoàn thành trong "
     "tháng 11 năm 2026.",
     {("trong tháng 11 năm 2026", "Các bộ, ngành")}),
    # a phrase of manner between the subject and its verb
    ("1. Trên cơ sở Chỉ thị số 52-CT/TW, các bộ, cơ quan ngang bộ theo nhiệm vụ được giao trong Quyết định này tổ "
     "chức xây dựng kế hoạch thực hiện trong quý II năm 2026.",
     {("trong quý II năm 2026", "các bộ, cơ quan ngang bộ")}),
    # a grounds sentence quotes the cited document: its doers and deadlines are not this one's; the issuer's own
    # clause after it is
    ("Căn cứ điểm a khoản 2 Điều 9 Nghị định số 358/2025/NĐ-CP quy định: các bộ, cơ quan trung ương, UBND các cấp "
     "hoàn thành việc phân bổ dự toán trước ngày 31/3/2026.\nĐề nghị Sở Tài chính tham mưu phân bổ trước ngày "
     "15/4/2026.", {("trước ngày 15/4/2026", "Sở Tài chính")}),
    ("Thực hiện Kế hoạch số 12/KH-UBND về chuyển đổi số, Sở Y tế hướng dẫn các bệnh viện triển khai trước ngày "
     "30/6/2026.", {("trước ngày 30/6/2026", "Sở Y tế")}),
    # a task that names the goals just stated owns their deadlines
    ("Để đạt mục tiêu xây dựng 20% xã không ma túy trong năm 2027 và 50% vào năm 2030.\nĐể thực hiện đạt được mục "
     "tiêu này, đề nghị Công an tỉnh chỉ đạo các đơn vị triển khai.",
     {("trong năm 2027", "Công an tỉnh"), ("vào năm 2030", "Công an tỉnh")}),
    # the Government is a doer; "Về đề nghị X …" is the topic of a proposal, not a request to X
    ("2. Giao Chính phủ, căn cứ vào Nghị quyết này, tổ chức xác định diện tích tự nhiên của các xã và công bố công "
     "khai trước ngày 30 tháng 9 năm 2026.", {("trước ngày 30 tháng 9 năm 2026", "Chính phủ")}),
    ("7. Về đề nghị Chính phủ chỉ đạo bố trí vốn cho Dự án đường ven biển: giao Bộ Tài chính tổng hợp, báo cáo "
     "trước ngày 15 tháng 12 năm 2026.", {("trước ngày 15 tháng 12 năm 2026", "Bộ Tài chính")}),
    # a duty heading whose unit a qualifier follows still leads its clauses
    ("Điều 17. Trách nhiệm của Thủ trưởng các đơn vị thuộc Bộ được phân cấp\n1. Thực hiện các nhiệm vụ được phân "
     "cấp.\n2. Báo cáo Vụ Tổ chức cán bộ trước ngày 15 tháng 12 năm 2026.\nĐiều 18. Hiệu lực thi hành",
     {("trước ngày 15 tháng 12 năm 2026", "Thủ trưởng các đơn vị thuộc Bộ")}),
    # an item that only gives the task ("1.1. Giao <unit>") heads the plain paragraphs under it
    ("1. Về dữ liệu số nhà\n1.1. Giao Sở Nông nghiệp và Môi trường\nKhẩn trương chia sẻ cơ sở dữ liệu đất đai, xong "
     "trước ngày 05 tháng 12 năm 2026.\n1.2. Giao Công an Thành phố\nChỉ đạo Công an các phường rà soát dữ liệu.",
     {("xong trước ngày 05 tháng 12 năm 2026", "Sở Nông nghiệp và Môi trường")}),
]


@pytest.mark.parametrize("body,expected", WHO_BY_WHEN)
def test_each_deadline_is_tied_to_its_lead(body, expected):
    assert _who_by_when(body) == expected


def test_a_term_of_effect_is_no_deadline():
    _, ex = _extract("Điều 2. Quyết định này có hiệu lực kể từ ngày 01 tháng 7 năm 2026 đến hết ngày 31 tháng 12 năm "
                     "2027.\nĐiều 3. Sở Tư pháp báo cáo kết quả trước ngày 30/11/2026.")
    assert [d.due for d in ex.deadlines] == ["2026-11-30"]


def test_a_plain_paragraph_owns_no_deadline_after_it():
    text, ex = _extract("Đối tượng thụ hưởng gồm các cơ quan, đơn vị, doanh nghiệp có trách nhiệm phòng, chống ma túy."
                        "\n\nThời gian thực hiện Chương trình từ năm 2026 đến hết 2030.\n\n3. Về các dự án")
    (d,) = ex.deadlines
    assert d.due == "2030-12-31" and d.task_id is None


def test_a_bare_unit_heading_asks_nothing_but_its_items_do():
    text, ex = _extract("c) UBND Phường 2 Bảo Lộc:\n- Khẩn trương kiểm đếm bắt buộc các hộ trong tháng 4/2026.")
    actions = [[text[a:b] for a, b in k.action] for k in ex.tasks]
    assert actions == [[], ["Khẩn trương kiểm đếm bắt buộc các hộ trong tháng 4/2026."]]
    assert [u.name for u in ex.tasks[1].units] == ["UBND Phường 2 Bảo Lộc"]


@pytest.mark.parametrize("order", [("noi_dung", "chu_tri", "phoi_hop", "thoi_gian"),
                                   ("thoi_gian", "phoi_hop", "chu_tri", "noi_dung"),
                                   ("chu_tri", "noi_dung", "thoi_gian", "phoi_hop")])
def test_labelled_block_in_any_order_is_one_task(tmp_path, order):
    from pipeline.run import extract_record

    lines = {"noi_dung": "- Nội dung: Xây dựng cơ sở dữ liệu ngành y tế.\n- Thành phần: Sở Y tế; các bệnh viện.",
             "chu_tri": "- Đơn vị chủ trì: Sở Y tế.",
             "phoi_hop": "- Đơn vị phối hợp: Sở Tài chính; UBND các xã.",
             "thoi_gian": "- Thời gian hoàn thành: Quý IV/2026."}
    src = tmp_path / "kh.txt"
    src.write_text("ỦY BAN NHÂN DÂN\nTỈNH KHÁNH HÒA\n\nSố: 01/KH-UBND\n\nNha Trang, ngày 02 tháng 1 năm 2026\n\n"
                   "KẾ HOẠCH\n\nVề việc thử\n\n1. Nhiệm vụ số hóa\n" + "\n".join(lines[k] for k in order) + "\n",
                   encoding="utf-8")
    rec = json.loads(extract_record(src).model_dump_json())
    (task,) = [k for k in rec["tasks"] if k["units"]]
    assert {(u["name"], u["role"]) for u in task["units"]} == {("Sở Y tế", "lead"), ("Sở Tài chính", "support"),
                                                               ("UBND các xã", "support")}
    (d,) = rec["deadlines"]
    assert d["due"] == "2026-12-31" and d["task_id"] == task["id"] and d["units"] == ["Sở Y tế"]
    assert task["action"] in ("Xây dựng cơ sở dữ liệu ngành y tế.", "Nhiệm vụ số hóa")


@pytest.mark.parametrize("lead_header,lead_cell,expected", [
    ("Cơ quan chủ trì", "Sở Y tế", {("Sở Y tế", "lead")}),
    # a combined column read with the role grammar
    ("Đơn vị chủ trì/phối hợp", "Sở Y tế chủ trì, phối hợp với Sở Tài chính",
     {("Sở Y tế", "lead"), ("Sở Tài chính", "support")}),
])
def test_table_row_is_a_task_whose_action_is_its_content_cell(tmp_path, lead_header, lead_cell, expected):
    from pipeline.run import extract_record

    md = tmp_path / "kh.md"
    md.write_text("Số: 01/KH-UBND\n\nNha Trang, ngày 02 tháng 1 năm 2026\n\nKẾ HOẠCH\n\nVề việc thử\n\n"
                  f"| STT | Nội dung | {lead_header} | Thời gian hoàn thành |\n|---|---|---|---|\n"
                  f"| 1 | Thu thập, biên tập dữ liệu y tế | {lead_cell} | Quý IV/2026 |\n", encoding="utf-8")
    rec = json.loads(extract_record(md).model_dump_json())
    (task,) = rec["tasks"]
    assert task["action"] == "Thu thập, biên tập dữ liệu y tế"
    assert {(u["name"], u["role"]) for u in task["units"]} == expected
    (d,) = rec["deadlines"]
    assert (d["due"], d["units"], d["action"]) == ("2026-12-31", ["Sở Y tế"], "Thu thập, biên tập dữ liệu y tế")


@pytest.mark.parametrize("head,subject", [
    ("THÔNG BÁO\n\nKẾT\n\nLUẬN CỦA PHÓ THỦ TƯỚNG TẠI CUỘC HỌP VỀ CHƯƠNG TRÌNH\n\nNgày 18 tháng 11 năm 2025, tại trụ "
     "sở Chính phủ, Phó Thủ tướng đã chủ trì cuộc họp.\n\n",
     "KẾT LUẬN CỦA PHÓ THỦ TƯỚNG TẠI CUỘC HỌP VỀ CHƯƠNG TRÌNH"),
    ("NGHỊ QUYẾT\n\nQUY ĐỊNH MỘT SỐ NỘI DUNG CHI\n\nHỘI ĐỒNG NHÂN DÂN THÀNH PHỐ HÀ NỘI\n\nCăn cứ Luật Tổ chức chính "
     "quyền địa phương;\n\n", "QUY ĐỊNH MỘT SỐ NỘI DUNG CHI"),
    ("KẾ HOẠCH\n\nTriển khai Chương trình mục tiêu quốc gia\n\nphòng, chống ma túy đến năm 2030\n\nI. MỤC ĐÍCH\n\n",
     "Triển khai Chương trình mục tiêu quốc gia phòng, chống ma túy đến năm 2030"),
])
def test_whole_trich_yeu(head, subject):
    from pipeline.structure.parse import parse

    text = f"ỦY BAN NHÂN DÂN\n\nSố: 01/TB-UBND\n\nHà Nội, ngày 19 tháng 11 năm 2025\n\n{head}Nội dung.\n"
    assert parse(text).subject.value == subject


def test_v_v_subject_stops_at_the_place_date_line():
    from pipeline.structure.parse import parse

    text = ("BỘ TÀI CHÍNH\n\nSố: 5348/CT-CS\n\nV/v hướng dẫn góp vốn điều lệ\n\nHà Nội, ngày 20 tháng 11 năm 2025\n\n"
            "Kính gửi: Thuế tỉnh Quảng Trị.\n\nCục Thuế nhận được công văn.\n")
    assert parse(text).subject.value == "V/v hướng dẫn góp vốn điều lệ"


def test_subject_problem_of_the_wild_benchmark():
    import importlib.util

    spec = importlib.util.spec_from_file_location("wild_bench", ROOT / "bench" / "wild_bench.py")
    wb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(wb)
    assert wb.subject_problem(None) == "missing"
    assert wb.subject_problem("KẾT") == "under three words"
    assert wb.subject_problem("V/v góp vốn Hà Nội, ngày 20 tháng 11 năm 2025") == "place-date line"
    assert wb.subject_problem("1 | Thu thập dữ liệu | Sở") == "table bar or page break"
    assert wb.subject_problem("Bãi bỏ Quyết định số 42/2018/QĐ-UBND ngày 08 tháng 8 năm 2018 của UBND") is None


@pytest.fixture(scope="module")
def r21():
    from pipeline.run import extract_record

    return json.loads(extract_record(REALDEV / "docs" / "R21.pdf").model_dump_json())


def test_844_task_table_reads_across_its_pages(r21):
    """R21 (844/QĐ-TTg): row 8 goes on over a page break; its action and its partners are whole, and no value
    holds a table bar or a page break."""
    row8 = next(k for k in r21["tasks"] if k["section"] == "8")
    assert row8["action"].startswith("Xây dựng Nghị định về tăng mức đóng bảo hiểm y tế từ năm 2027 theo lộ trình "
                                     "phù hợp với việc mở rộng phạm vi quyền lợi")
    assert len(row8["action_spans"]) == 2
    assert ("các bộ, ngành, cơ quan, tổ chức có liên quan", "support") in {(u["name"], u["role"]) for u in row8["units"]}
    for k in r21["tasks"]:
        for v in [k.get("action") or "", *(u["name"] for u in k["units"])]:
            assert "|" not in v and "\f" not in v and "STT" not in v
    for t in r21["targets"]:
        assert "|" not in (t["metric"] or "") and "\f" not in (t["metric"] or "")


def test_deadlines_carry_their_action_and_lead_units(r21):
    d = next(d for d in r21["deadlines"] if d["text"] == "Quý III/2027")
    assert d["units"] == ["Bộ Y tế"] and d["action"].startswith("Xây dựng Nghị quyết")


def test_realdev_text_documents_who_by_when(tmp_path):
    """The 23 text documents of corpus/realdev (the scans left out): who_by_when and every field stay at what
    issue 19 measured."""
    import shutil

    from pipeline.evaluate import evaluate

    (tmp_path / "gold").mkdir()
    shutil.copy(REALDEV / "split.tsv", tmp_path / "split.tsv")
    halves = dict(ln.split("\t") for ln in (REALDEV / "split.tsv").read_text().splitlines()[1:] if ln.strip())
    for g in (REALDEV / "gold").glob("*.json"):
        if halves.get(g.stem) != "scan":
            shutil.copy(g, tmp_path / "gold" / g.name)
    rep = evaluate(tmp_path / "gold", REALDEV / "docs")
    text = rep.halves["text"].as_dict()["fields"]
    assert rep.halves["text"].as_dict()["documents"] == 23
    assert text["who_by_when"]["f1"] >= 0.88
    assert text["deadlines"]["f1"] >= 0.95 and text["targets"]["f1"] >= 0.90 and text["assignments"]["f1"] >= 0.88


def test_store_deadline_rows_carry_action_and_lead_units(tmp_path):
    """`chithi deadlines`, the timeline, iCalendar and the exports read these rows: each deadline shows what must
    be done (the task's action, not the whole row) and who leads it (a unit heading's lead included)."""
    from pipeline.run import process
    from pipeline.store import Store

    src = tmp_path / "kh.txt"
    src.write_text("ỦY BAN NHÂN DÂN\nTỈNH LÂM ĐỒNG\n\nSố: 07/TB-UBND\n\nLâm Đồng, ngày 02 tháng 4 năm 2026\n\n"
                   "THÔNG BÁO\n\nKết luận của Phó Chủ tịch\n\n1. Các địa phương:\n\nc) UBND Phường 2 Bảo Lộc:\n\n"
                   "- Khẩn trương kiểm đếm bắt buộc các hộ chưa bàn giao mặt bằng trong tháng 5/2026.\n",
                   encoding="utf-8")
    doc, rec = process(src)
    with Store(tmp_path / "db.sqlite") as s:
        s.put(rec, doc.text)
        (row,) = s.deadlines(today="2026-04-10")
    assert row["due"] == "2026-05-31" and row["lead_units"] == ["UBND Phường 2 Bảo Lộc"]
    assert row["task"] == row["action"] == "Khẩn trương kiểm đếm bắt buộc các hộ chưa bàn giao mặt bằng trong tháng 5/2026."
    assert {"name": "UBND Phường 2 Bảo Lộc", "role": "lead"} in row["units"]


@pytest.mark.parametrize("body,expected", [
    # one person's titles after "Đồng chí" stay one doer
    ("- Đồng chí Ủy viên Ban Chấp hành Đảng bộ, Phó Chủ tịch Thường trực Ủy ban MTTQ xã chỉ đạo các chuyên viên "
     "thực hiện công tác bầu cử.",
     {("Đồng chí Ủy viên Ban Chấp hành Đảng bộ, Phó Chủ tịch Thường trực Ủy ban MTTQ xã", "lead")}),
    # what a unit is, in brackets, is an aside; a unit in brackets is part of the name
    ("1. Sở Nội vụ (Cơ quan thường trực Ban Vì sự tiến bộ phụ nữ) chủ trì tổng hợp báo cáo.", {("Sở Nội vụ", "lead")}),
    ("2. Ban Thi đua - Khen thưởng (Sở Nội vụ) chủ trì tổng hợp hồ sơ.",
     {("Ban Thi đua - Khen thưởng (Sở Nội vụ)", "lead")}),
    # a group opening the list of doers leads with the named unit after it
    ("3. Các bộ, cơ quan ngang bộ, Ủy ban nhân dân các tỉnh, thành phố trực thuộc trung ương tăng cường kiểm tra.",
     {("Các bộ, cơ quan ngang bộ", "lead"), ("Ủy ban nhân dân các tỉnh, thành phố trực thuộc trung ương", "lead")}),
])
def test_unit_names(body, expected):
    _, ex = _extract(body)
    assert {(u.name, u.role) for k in ex.tasks for u in k.units} == expected


@pytest.mark.parametrize("body,values", [
    # a figure in a condition or a definition is no target; the commitment beside it is
    ("1. Đối với thôn có dưới 100 cử tri thì tổ chức hội nghị toàn thể cử tri.", []),
    ("2. Người được giới thiệu ứng cử là người được trên 50% tổng số cử tri có mặt tán thành.", []),
    ("3. Phấn đấu đến năm 2026 có trên 80% số xã đạt chuẩn nông thôn mới.", [80.0]),
])
def test_a_condition_is_no_target(body, values):
    _, ex = _extract(body)
    assert [x.value for x in ex.targets] == values


def test_a_grounds_sentence_cites_and_assigns_nothing():
    text, ex = _extract("Thực hiện Nghị quyết số 05-NQ/TU ngày 08/01/2026 của Tỉnh ủy về phòng, chống ma túy, phấn "
                        "đấu đến năm 2030 đạt tiêu chí tỉnh không ma túy.\nSở Y tế báo cáo trước ngày 30/6/2026.")
    assert [d.due for d in ex.deadlines] == ["2026-06-30"]


def test_the_issuer_leads_what_it_undertakes_itself():
    from pipeline.nlp import run_extraction
    from pipeline.structure.parse import parse

    text = ("BỘ NỘI VỤ\n\nSố: 12/BNV-CCHC\n\nHà Nội, ngày 02 tháng 1 năm 2026\n\nCÔNG VĂN\n\nVề việc thử\n\n"
            "Căn cứ Quyết định số 1187/QĐ-BNV, Bộ Nội vụ sẽ tiến hành rà soát các mẫu phiếu khảo sát.\n"
            "Bộ Nội vụ chỉ đạo các đơn vị thực hiện.\n")
    ex = run_extraction(text, parse(text))
    assert [(u.name, u.role) for k in ex.tasks for u in k.units] == [("Bộ Nội vụ", "lead")]


def test_a_count_of_what_was_named_before_is_no_target():
    _, ex = _extract("Dự kiến tỉnh sẽ được cấp khoảng 480 tỷ đồng, trong đó có 400 tỷ đồng để nâng cấp, sửa chữa 04 cơ sở "
                     "cai nghiện như nêu trên.\n"
                     "Phấn đấu nâng cấp 05 cơ sở cai nghiện trong năm 2026.")
    assert [(x.value, x.unit) for x in ex.targets] == [(5.0, "cơ sở")]


@pytest.mark.parametrize("body,dues", [
    ("1. Trung tâm Phát triển quỹ đất tỉnh phải bàn giao toàn bộ mặt bằng, yêu cầu đến 30/5/2026 hoàn thành.",
     ["2026-05-30"]),
    ("2. Phấn đấu đến ngày 30/6/2026 hoàn thành tối thiểu 80% chi trả tiền bồi thường.", ["2026-06-30"]),
    # the date data stand at bounds nothing
    ("3. Số liệu tính đến ngày 07/11/2026, còn 12 nhiệm vụ quá hạn.", []),
    ("4. Khi treo cờ rủ, chỉ treo cờ đến 2/3 chiều cao của cột cờ.", []),  # a fraction, not a day
])
def test_a_date_after_den_is_a_deadline_but_not_the_date_data_stand_at(body, dues):
    _, ex = _extract(body)
    assert [d.due for d in ex.deadlines] == dues


def test_eval_details_list_the_who_by_when_pairs(tmp_path, capsys):
    """`chithi eval --details` lists the (deadline, lead unit) pairs it missed and the extra ones."""
    import shutil

    from pipeline.cli import main

    seed = ROOT / "corpus" / "000_4a226a3da77387bf.txt"
    gold = json.loads((ROOT / "corpus" / "gold" / "000_4a226a3da77387bf.json").read_text(encoding="utf-8"))
    for d in gold["deadlines"]:
        d["units"] = ["Sở Không Có Thật"]
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "000.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    shutil.copy(seed, tmp_path / seed.name)
    assert main(["eval", "--details", str(tmp_path / "gold"), str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert '  missed pair: [["2024-06-30", "quarter", null], "Sở Không Có Thật"]' in out
    assert "who_by_when" in out
