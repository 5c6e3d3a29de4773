"""Hostile and oversized input (issue 12). Every case of bench/fault_injection.py runs here at test size, in a child
bounded in time (60 s) and address space (2 GiB), asserting its exit code and exact stderr line, that its peak
resident memory stays under 1 GiB, and its own check (e.g. the good documents of a batch are stored)."""
from __future__ import annotations

import importlib.util
import json
import os
import sys

import pytest

from conftest import ROOT

_spec = importlib.util.spec_from_file_location("fault_injection", ROOT / "bench" / "fault_injection.py")
fi = importlib.util.module_from_spec(_spec)
sys.modules["fault_injection"] = fi
_spec.loader.exec_module(fi)


@pytest.mark.parametrize("case", fi.CASES, ids=[c.name for c in fi.CASES])
def test_hostile_input(case, tmp_path):
    tmp = tmp_path / "small"
    tmp.mkdir()
    result = fi.run_case(case, tmp, small=True)
    assert fi.check_case(case, result, tmp, small=True) == []


# -- the pieces, in-process ---------------------------------------------------------------------------------

def test_utf16_without_bom_both_endiannesses():
    from pipeline.lang.legacy import decode_text

    text = fi.VI * 2
    assert decode_text(text.encode("utf-16-le"), "x") == (text, "utf-16-le")
    assert decode_text(text.encode("utf-16-be"), "x") == (text, "utf-16-be")


def test_binary_with_nuls_still_refused():
    from pipeline.core.errors import BadInputError
    from pipeline.lang.legacy import decode_text

    with pytest.raises(BadInputError, match="binary data, not text"):
        decode_text(bytes(range(256)) * 8, "x")


@pytest.mark.parametrize("text", [fi.WESTERN * 3, "Café à Paris, déjà vu. Ça coûte 10 €? Non: 8 £.\n",
                                  "Straße, Größe, Übung, Mädchen und Jürgen.\n"])
def test_western_single_byte_read_as_cp1252_not_baltic(text):
    from pipeline.lang.legacy import decode_text, restorable

    got, enc = decode_text(text.encode("cp1252"), "x")
    assert (got, enc) == (text, "cp1252")
    assert not restorable(enc)


def test_vietnamese_windows_1258_keeps_its_encoding():
    """Also valid cp1252 and mostly ASCII: charset-normalizer's Vietnamese guess must win over the Western rule."""
    from pipeline.lang.legacy import decode_text, restorable

    # cp1258 writes tones as combining marks after a precomposed vowel (â, ê, ô, ă, ơ, ư)
    text = ("Chi\u0309 thi\u0323 vê\u0300 vi\u0323ê\u0323c tăng cươ\u0300ng ba\u0309o hiê\u0309m y tê\u0301 cho "
            "ngươ\u0300i dân trên đi\u0323a ba\u0300n ti\u0309nh.\n") * 20
    got, enc = decode_text(text.encode("cp1258"), "x")
    assert (got, enc) == (text, "cp1258") and restorable(enc)


def test_cyrillic_single_byte_keeps_its_encoding():
    from pipeline.lang.legacy import decode_text

    text = "Министерство здравоохранения поручает выполнить план до конца года.\n" * 3
    assert decode_text(text.encode("cp1251"), "x")[0] == text


def test_latin1_text_is_not_restored(tmp_path):
    from pipeline.run import process

    p = tmp_path / "fr.txt"
    p.write_bytes(fi.WESTERN.encode("latin-1") * 3)
    doc, rec = process(p)
    assert doc.text.split() == (fi.WESTERN * 3).split()  # letters as written (blocks: blank lines between)
    assert doc.restoration is None and not [w for w in rec.warnings if w.code == "restored_text"]


def test_controls_dropped_from_normalized_text_and_record(tmp_path):
    from pipeline.run import process

    doc, rec = process(fi.with_controls(tmp_path / "ctl.txt"))
    dumped = rec.model_dump_json()
    for c in fi._RAW:
        assert c not in doc.text and json.dumps(c)[1:-1] not in dumped
    assert rec.metadata.subject.value == "Về việc[31m tăng cường bảo hiểm yt y tế"


def test_term_safe_and_json_safe():
    from pipeline.core.textutil import json_safe, term_safe

    assert term_safe("a\x1b[2Jb\x07\tc\n\u202ed\x85\r") == "a\\x1b[2Jb\\x07\tc\n\\u202ed\\x85\\x0d"
    s = json.dumps({"k": "x\u202ey\x9b"}, ensure_ascii=False)
    assert json.loads(json_safe(s)) == {"k": "x\u202ey\x9b"} and "\u202e" not in json_safe(s)


def test_error_line_with_control_characters_in_the_path_is_escaped(tmp_path):
    from conftest import run_cli

    name = "a\x1b]0;owned\x07.txt"
    r = run_cli("extract", name, cwd=tmp_path, timeout=60)
    assert r.returncode == 3
    assert r.stderr == "chithi: error: a\\x1b]0;owned\\x07.txt: no such file (check the path)\n"


def test_docx_part_limit_flag(tmp_path):
    from conftest import run_cli

    fi.docx_many_paragraphs(tmp_path / "d.docx", 2)
    r = run_cli("text", "d.docx", "--max-docx-part-mb", "1", cwd=tmp_path, timeout=60)
    assert r.returncode == 5
    assert r.stderr == ("chithi: error: d.docx: word/document.xml inflates to 2 MB, over the 1 MB limit on one "
                        ".docx part (raise the limit with --max-docx-part-mb)\n")
    r = run_cli("text", "d.docx", "--max-docx-total-mb", "1", cwd=tmp_path, timeout=60)
    assert r.returncode == 5
    assert r.stderr == ("chithi: error: d.docx: the .docx inflates to 2 MB, over the 1 MB limit on all its parts "
                        "(raise the limit with --max-docx-total-mb)\n")


def test_huge_pdf_page_rendered_within_the_pixel_limit(tmp_path):
    from pipeline.core.limits import Limits, configure, current, fit_scale

    old = os.environ.get("CHITHI_LIMITS")
    try:
        configure(Limits(max_megapixels=10))
        s = fit_scale(7200, 7200, 300)  # a 100-inch page
        assert abs((7200 * s) ** 2 - 10e6) < 1e4
        assert fit_scale(595, 842, 300) == 300 / 72  # A4 within the limit: full resolution
        assert current().max_megapixels == 10
    finally:
        if old is None:
            os.environ.pop("CHITHI_LIMITS", None)
        else:
            os.environ["CHITHI_LIMITS"] = old


def test_blank_image_detection():
    from PIL import Image, ImageDraw

    from pipeline.ocr.render import blank_image

    page = Image.new("L", (2480, 3508), 245)
    assert blank_image(page)
    ImageDraw.Draw(page).rectangle((300, 400, 2100, 440), fill=20)  # one line of text's worth of ink
    assert not blank_image(page)


def test_limit_flags_below_one_are_usage_errors(tmp_path):
    from conftest import run_cli

    r = run_cli("extract", "x.txt", "--max-pages", "0", cwd=tmp_path, timeout=60)
    assert (r.returncode, r.stderr) == (2, "chithi: error: --max-pages must be 1 or more\n")


def _stuck(doc):
    """A stage stuck in C code: the alarm signal cannot interrupt it (blocked here), only killing the worker can."""
    import signal
    import time

    if doc.path != str(fi.SEED):
        return "done"
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(60)


def test_worker_stuck_past_the_alarm_is_killed_and_the_batch_goes_on(monkeypatch):
    import time

    from pipeline.engine import schedule
    from pipeline.core.limits import Limits, configure
    from pipeline.run import Options

    monkeypatch.setenv("CHITHI_LIMITS", "{}")
    configure(Limits(doc_timeout=1))
    monkeypatch.setattr(schedule, "GRACE", 2.0)
    t0 = time.monotonic()
    out = list(schedule.run_many([str(fi.SEED), str(fi.SEED2)], _stuck, Options(workers=2)))
    assert time.monotonic() - t0 < 30
    assert out[0][:2] == (str(fi.SEED), None)
    assert (out[0][2].exit_code, out[0][2].message) == (
        7, f"{fi.SEED}: took longer than the 1 s limit on one document (raise the limit with --doc-timeout)")
    assert out[1] == (str(fi.SEED2), "done", None)


def test_full_disk_while_creating_the_schema_names_the_cause(tmp_path, monkeypatch):
    """On a full disk SQLite ends the transaction itself and reports SQLITE_FULL (seen on a 64 KB tmpfs): our
    ROLLBACK must not replace the cause with "cannot rollback - no transaction is active"."""
    import sqlite3

    from pipeline import store as store_mod
    from pipeline.core.errors import DatabaseError

    def full_disk(c):
        c.execute("CREATE TABLE documents (doc_id TEXT)")
        c.execute("ROLLBACK")  # what SQLite does on SQLITE_FULL while writing the journal
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store_mod, "MIGRATIONS", [full_disk])
    db = tmp_path / "x.db"
    with pytest.raises(DatabaseError) as e:
        store_mod.Store(db)
    assert e.value.exit_code == 8
    assert e.value.one_line() == (f"{db}: cannot open the database: database or disk is full (free some disk space "
                                  "and run it again)")


def test_review_renders_a_very_tall_page_within_the_pixel_limit(tmp_path, monkeypatch):
    from pipeline.core.limits import Limits, configure
    from pipeline.exports.review import IMAGE_WIDTH
    from pipeline.ocr.render import render_view

    monkeypatch.setenv("CHITHI_LIMITS", "{}")
    configure(Limits(max_megapixels=2))
    p = fi.pdf(tmp_path / "tall.pdf", [(72, 14400, fi._boxes(72, 14400))])  # 1 × 200 inches
    im, frame = render_view((str(p), 0), IMAGE_WIDTH, ocr=True)
    assert (im.width - 1) * (im.height - 1) <= 2e6 and im.height > 10 * im.width  # pdfium rounds sides up
    assert frame == pytest.approx((300, 60000))  # OCR boxes stay in 300-dpi pixels
