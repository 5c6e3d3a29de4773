"""Hostile and oversized inputs against the `chithi` CLI (issue 12): every case is built here, in a temporary
folder, at run time (nothing large is kept in the repository), run in a child process bounded in time and memory,
and reported with its exit code, seconds and the child's peak resident memory.

    python bench/fault_injection.py            # the full-size bombs (e.g. a DOCX inflating to 1.5 GB)
    python bench/fault_injection.py --small    # the same cases at test size (what tests/test_hostile.py runs)
    python bench/fault_injection.py -k docx    # only cases whose name contains "docx"

Each case says what must come out: the exit code and the exact last line on stderr (None: not checked), and
optionally a check of its own (e.g. that the good documents of a batch are stored).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "000_4a226a3da77387bf.txt"
SEED2 = ROOT / "corpus" / "001_6dd6d2f37ee23f38.txt"
TIME_LIMIT = 60.0          # seconds per case
MEMORY_LIMIT = 2 * 2**30   # address space of the child (its resident peak must stay under 1 GiB)


# -- builders: small files that are hostile ------------------------------------------------------------------

_CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                  b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                  b'<Default Extension="xml" ContentType="application/xml"/>'
                  b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument'
                  b'.wordprocessingml.document.main+xml"/></Types>')
_RELS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         b'officeDocument" Target="word/document.xml"/></Relationships>')
_DOC_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.'
             b'openxmlformats.org/wordprocessingml/2006/main"><w:body>')
_DOC_TAIL = b"</w:body></w:document>"


def docx(path: Path, body_chunks) -> Path:
    """A DOCX whose word/document.xml is _DOC_HEAD + the chunks + _DOC_TAIL, streamed (never held whole)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(_DOC_HEAD)
            for chunk in body_chunks:
                f.write(chunk)
            f.write(_DOC_TAIL)
    return path


def _bomb_mb(mb: int) -> int:
    """The size in MB (10^6 bytes) of the document part of :func:`docx_bomb`."""
    return round((len(_DOC_HEAD) + len(_DOC_TAIL) + 34 + mb * 2**20) / 1e6)


def docx_bomb(path: Path, mb: int) -> Path:
    """word/document.xml inflating to ``mb`` MB of spaces inside one paragraph."""
    block = b" " * 2**20
    return docx(path, [b"<w:p><w:r><w:t>"] + [block] * mb + [b"</w:t></w:r></w:p>"])


def docx_many_paragraphs(path: Path, mb: int) -> Path:
    """A legitimate-looking DOCX of ``mb`` MB of short paragraphs: costly to parse into a tree."""
    para = b"<w:p><w:r><w:t>Giao S\xe1\xbb\x9f Y t\xe1\xba\xbf ch\xe1\xbb\xa7 tr\xc3\xac</w:t></w:r></w:p>"
    n = mb * 2**20 // len(para)
    chunk = para * 1000
    return docx(path, [chunk] * (n // 1000))


def pdf(path: Path, pages: list[tuple[float, float, bytes]]) -> Path:
    """A PDF of pages (width pt, height pt, content stream), written by hand."""
    objs: list[bytes] = []
    kids = []
    for w, h, content in pages:
        c = len(objs) + 3
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] /Contents %d 0 R /Resources << >> >>"
                    % (w, h, c + 1))
        objs.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        kids.append(b"%d 0 R" % c)
    head = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(pages)]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(head + objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def _boxes(w: float, h: float) -> bytes:
    """Some ink (black bars like lines of text) on a page, no text layer: the page must be rendered and OCR'd."""
    bars = b"".join(b"%g %g %g %g re f\n" % (w * 0.1, h * (0.8 - 0.02 * i), w * 0.8, h * 0.004) for i in range(10))
    return b"0 g\n" + bars


def tiff_big_second_frame(path: Path, side: int) -> Path:
    from PIL import Image

    first = Image.new("1", (200, 200), 1)
    second = Image.new("1", (side, side), 1)
    first.save(path, save_all=True, append_images=[second], compression="group4")
    return path


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def folder_with_loops(root: Path, bad: Callable[[Path], object] | None = None) -> Path:
    """A folder with a good document, two symlink loops (a link to its own folder's parent, and two links to each
    other's folders) and, optionally, a bad file made by ``bad``."""
    root.mkdir()
    (root / "good.txt").write_bytes(SEED.read_bytes())
    sub = root / "sub"
    sub.mkdir()
    (sub / "up").symlink_to("..")
    (root / "a").mkdir()
    (root / "b").mkdir()
    (root / "a" / "to_b").symlink_to("../b")
    (root / "b" / "to_a").symlink_to("../a")
    if bad:
        bad(root)
    return root


def ingest_db(tmp: Path, name: str = "d.db", *docs: Path) -> Path:
    """A database holding the seed documents (built in-process: no child)."""
    from pipeline.run import process
    from pipeline.store import Store

    db = tmp / name
    with Store(db) as store:
        for p in docs or (SEED, SEED2):
            doc, rec = process(p)
            store.put(rec, doc.text)
    return db


def damage_db(db: Path, first: float = 0.0) -> Path:
    """Overwrite with garbage the pages from ``first`` (a fraction of the file) on; page 1 (header and schema)
    stays intact: 0 damages the tables' roots (the file cannot even be opened), 0.5 only data pages."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    data = bytearray(db.read_bytes())
    start = max(1, int(len(data) * first) // page)
    for off in range(start * page, len(data), page):
        data[off + 8: off + page] = bytes([0xA5]) * (page - 8)
    db.write_bytes(bytes(data))
    return db


def text_file(path: Path, chars: int) -> Path:
    """A directive padded with annexes to ``chars`` characters."""
    seed = SEED.read_text(encoding="utf-8")
    annex = "\n\nPhụ lục. Danh mục các nhiệm vụ được giao cho các sở, ban, ngành thực hiện trong năm.\n"
    text = seed + annex * ((chars - len(seed)) // len(annex) + 1)
    path.write_text(text[:chars], encoding="utf-8")
    return path


CONTROL_SUBJECT = "Về việc\x1b[31m tăng cường\x07 bảo hiểm \u202eyt\u202c y tế"


def with_controls(path: Path) -> Path:
    seed = SEED.read_text(encoding="utf-8")
    line = next(ln for ln in seed.splitlines() if ln.lstrip("# ").startswith("Về việc"))
    path.write_text(seed.replace(line, "### " + CONTROL_SUBJECT, 1), encoding="utf-8")
    return path


VI = "Kế hoạch thực hiện bảo hiểm y tế năm 2025 của Ủy ban nhân dân tỉnh.\n"
WESTERN = "Le comité régional a décidé que la façade du bâtiment sera rénovée avant l'été.\n"


# -- the cases -----------------------------------------------------------------------------------------------

@dataclass
class Case:
    name: str
    build: Callable[[Path, bool], list[str]]   # (temp dir, small) -> chithi arguments, run with cwd = temp dir
    code: int
    line: str | Callable[[bool], str] | None   # the exact last stderr line (None: not checked; small -> line)
    check: Callable[[Path, subprocess.CompletedProcess], None] | None = None
    limits: dict = field(default_factory=dict)  # child limits: seconds, address space, file size


def _stored(db: str, n: int):
    def check(tmp: Path, proc) -> None:
        con = sqlite3.connect(tmp / db)
        got = con.execute("SELECT count(*) FROM documents").fetchone()[0]
        con.close()
        assert got == n, f"{got} documents stored, expected {n}"
    return check


def _stdout_has(*parts: str, absent: tuple[str, ...] = ()):
    def check(tmp: Path, proc) -> None:
        for p in parts:
            assert p in proc.stdout, f"{p!r} not in stdout"
        for p in absent:
            assert p not in proc.stdout, f"{p!r} in stdout"
    return check


def _case_docx_bomb(tmp, small):
    docx_bomb(tmp / "bomb.docx", 300 if small else 1500)
    return ["extract", "bomb.docx"]


def _case_docx_oom(tmp, small):
    docx_many_paragraphs(tmp / "big.docx", 60)
    (tmp / "in").mkdir()
    os.rename(tmp / "big.docx", tmp / "in" / "big.docx")
    (tmp / "in" / "good.txt").write_bytes(SEED.read_bytes())
    return ["ingest", "in", "--db", "o.db", "--quiet", "--workers", "1", "--max-memory-mb", "400"]


def _case_pdf_page(inches):
    def build(tmp, small):
        w = 72 * inches
        pdf(tmp / f"p{inches}.pdf", [(w, w, _boxes(w, w))])
        return ["extract", f"p{inches}.pdf", "--workers", "1"]
    return build


def _case_tiff(tmp, small):
    tiff_big_second_frame(tmp / "frame2.tif", 20000)
    return ["extract", "frame2.tif"]


def _case_blank(tmp, small):
    n = 200 if small else 2000
    pdf(tmp / "blank.pdf", [(595, 842, b"")] * n + [(595, 842, _boxes(595, 842))])
    return ["extract", "blank.pdf", "--max-pages", str(n + 1), "--workers", "2"]


def _case_pages(tmp, small):
    pdf(tmp / "pages.pdf", [(595, 842, b"")] * 1001)
    return ["extract", "pages.pdf"]


def _case_long_text(tmp, small):
    text_file(tmp / "long.txt", 1_300_000)
    return ["ingest", "long.txt", "--db", "l.db", "--quiet"]


def _case_too_long(tmp, small):
    text_file(tmp / "huge.txt", 2_100_000)
    return ["extract", "huge.txt"]


def _case_fifo_cli(tmp, small):
    fifo(tmp / "x.txt")
    return ["extract", "x.txt"]


def _case_fifo_batch(tmp, small):
    folder_with_loops(tmp / "in", bad=lambda root: fifo(root / "x.txt"))
    return ["ingest", "in", "--db", "f.db", "--quiet"]


def _case_loops(tmp, small):
    folder_with_loops(tmp / "in")
    return ["ingest", "in", "--db", "s.db", "--quiet"]


def _damaged(command: list[str], first: float = 0.5):
    def build(tmp, small):
        damage_db(ingest_db(tmp), first)
        (tmp / "good.txt").write_bytes(SEED.read_bytes())
        return command + ["--db", "d.db"]
    return build


def _case_query(tmp, small):
    ingest_db(tmp)
    return ["search", ("bao hiem " * 12_000)[:100_000], "--db", "d.db"]


def _case_terms(tmp, small):
    ingest_db(tmp)
    return ["search", " ".join(f"w{i}" for i in range(65)), "--db", "d.db"]


def _out_missing(command: list[str]):
    def build(tmp, small):
        ingest_db(tmp)
        return command
    return build


def _case_disk_full(tmp, small):
    (tmp / "in").mkdir()
    (tmp / "in" / "good.txt").write_bytes(SEED.read_bytes())
    return ["ingest", "in", "--db", "full.db", "--quiet"]


def _case_controls(tmp, small):
    with_controls(tmp / "ctl.txt")
    ingest_db(tmp, "c.db", tmp / "ctl.txt")
    return ["search", "tăng cường", "--db", "c.db"]


def _case_old_store(tmp, small):
    """A store whose text holds control characters (as one written before they were dropped at ingestion)."""
    db = ingest_db(tmp, "o.db", SEED)
    con = sqlite3.connect(db)
    from pipeline.core.textutil import fold

    with con:
        (rowid,) = con.execute("SELECT id FROM search_items WHERE field = 'subject'").fetchone()
        con.execute("UPDATE search_items SET text = ? WHERE id = ?", (CONTROL_SUBJECT, rowid))
        con.execute("UPDATE search_fts SET body = ? WHERE rowid = ?", (fold(CONTROL_SUBJECT), rowid))
    con.close()
    return ["search", "tăng cường", "--db", "o.db", "--type", "document"]


def _record_clean(db: str):
    def check(tmp: Path, proc) -> None:
        con = sqlite3.connect(tmp / db)
        rec, text = con.execute("SELECT record, t.text FROM documents JOIN texts t USING (doc_id)").fetchone()
        con.close()
        for c in _RAW:
            assert c not in rec and c not in text and json.dumps(c)[1:-1] not in rec, f"{c!r} stored"
    return check


_RAW = ("\x1b", "\x07", "\u202e", "\u202c")


def _case_utf16(tmp, small):
    (tmp / "le.txt").write_bytes(VI.encode("utf-16-le") * 3)
    (tmp / "be.txt").write_bytes(VI.encode("utf-16-be") * 3)
    return ["text", "le.txt", "be.txt", "--workers", "1"]


def _case_latin1(tmp, small):
    (tmp / "fr.txt").write_bytes(WESTERN.encode("latin-1") * 3)
    return ["text", "fr.txt"]


def _case_timeout(tmp, small):
    (tmp / "in").mkdir()
    (tmp / "in" / "good.txt").write_bytes(SEED.read_bytes())
    w = 595
    pdf(tmp / "in" / "scan.pdf", [(w, 842, _boxes(w, 842))] * 20)  # 20 pages to OCR: more than 5 s
    return ["ingest", "in", "--db", "t.db", "--quiet", "--workers", "1", "--doc-timeout", "5"]


def _downscaled_noted(proc) -> None:
    rec = json.loads(proc.stdout)
    assert [w["message"] for w in rec["warnings"] if w["code"] == "page_downscaled"] == [
        "page(s) 1 are larger than the 40 megapixel limit: OCR'd at a lower resolution (raise the limit with "
        "--max-megapixels)"], rec["warnings"]


def _blank_noted(proc, n: int) -> None:
    rec = json.loads(proc.stdout)
    blank = [w for w in rec["warnings"] if w["code"] == "blank_page"]
    assert blank and blank[0]["message"].startswith("page(s) 1, 2, 3,") and f"and {n - 20} more are blank" in \
        blank[0]["message"], f"no blank_page warning for {n} pages: {rec['warnings']}"


def _lines(*lines: str) -> Callable:
    def check(tmp: Path, proc) -> None:
        err = proc.stderr.splitlines()
        for ln in lines:
            assert ln in err, f"{ln!r} not in stderr {err}"
    return check


def _all(*checks):
    def check(tmp, proc):
        for c in checks:
            c(tmp, proc)
    return check


_DAMAGED = ("chithi: error: d.db: database error: database disk image is malformed (the file is damaged: check it "
            "with `sqlite3 d.db 'PRAGMA integrity_check'`, or restore a backup)")
_MISSING = "chithi: error: {0}: the folder {1} does not exist (create it, or give {2} a file in an existing folder)"

CASES: list[Case] = [
    Case("docx_zip_bomb", _case_docx_bomb, 5, lambda small: (
        f"chithi: error: bomb.docx: word/document.xml inflates to {_bomb_mb(300 if small else 1500)} MB, over the "
        "256 MB limit on one .docx part (raise the limit with --max-docx-part-mb)")),
    Case("docx_out_of_memory_in_batch", _case_docx_oom, 1, None, check=_all(_stored("o.db", 1), _lines(
        "chithi: failed: in/big.docx: out of memory under the 400 MiB limit (raise the limit with --max-memory-mb)"
    ))),
    Case("pdf_page_100in", _case_pdf_page(100), 0, None, check=lambda tmp, p: _downscaled_noted(p)),
    Case("pdf_page_200in", _case_pdf_page(200), 0, None, check=lambda tmp, p: _downscaled_noted(p)),
    Case("tiff_second_frame_20000px", _case_tiff, 5,
         "chithi: error: frame2.tif: frame 2 of the image is 20000×20000 px, over the 40 megapixel limit "
         "(scan at 300 dpi or split the image, or raise the limit with --max-megapixels)"),
    Case("blank_pdf_pages", _case_blank, 0, None, check=lambda tmp, p: _blank_noted(p, 200 if "small" in tmp.name
                                                                                    else 2000)),
    Case("pdf_over_page_limit", _case_pages, 5,
         "chithi: error: pages.pdf: 1001 pages, over the 1000 page limit (raise the limit with --max-pages)"),
    Case("text_1300000_chars", _case_long_text, 0, None, check=_stored("l.db", 1)),
    Case("text_over_char_limit", _case_too_long, 5,
         "chithi: error: huge.txt: the text has 2,100,000 characters, over the 2,000,000 character limit "
         "(split the document, or raise the limit with --max-chars)"),
    Case("fifo_on_command_line", _case_fifo_cli, 5,
         "chithi: error: x.txt: is a FIFO (named pipe), not a regular file (only regular files are read)"),
    Case("fifo_in_folder", _case_fifo_batch, 1, None, check=_all(_stored("f.db", 1), _lines(
        "chithi: failed: in/x.txt: is a FIFO (named pipe), not a regular file (only regular files are read)"))),
    Case("symlink_loops", _case_loops, 0, None, check=_stored("s.db", 1)),
    Case("damaged_db_open", _damaged(["search", "bảo hiểm"], first=0.0), 8,
         _DAMAGED.replace("database error", "cannot open the database")),
    Case("damaged_db_search", _damaged(["search", "bảo hiểm"]), 8,
         _DAMAGED.replace("database disk image is malformed", "vtable constructor failed: search_fts")),
    Case("damaged_db_deadlines", _damaged(["deadlines"]), 8, _DAMAGED),
    Case("damaged_db_export", _damaged(["export", "--format", "jsonl"]), 8, _DAMAGED),
    Case("damaged_db_ingest", _damaged(["ingest", "good.txt", "--force", "--quiet"]), 8,
         _DAMAGED.replace("database error", "cannot store good.txt")),
    Case("query_100kb", _case_query, 2,
         "chithi: error: the query has 100,000 characters, over the 1,000 character limit (search for fewer words)"),
    Case("query_65_words", _case_terms, 2,
         "chithi: error: the query has 65 words, over the 64 word limit (search for fewer words)"),
    Case("review_out_missing_folder", _out_missing(["review", str(SEED), "--out", "no/r.html"]), 3, None),
    Case("export_out_missing_folder", _out_missing(["export", "--format", "csv", "--db", "d.db", "--out",
                                                   "no/e.csv"]), 3, None),
    Case("ics_missing_folder", _out_missing(["deadlines", "--db", "d.db", "--ics", "no/d.ics"]), 3, None),
    Case("disk_full_creating_schema", _case_disk_full, 8,
         "chithi: error: full.db: cannot open the database: disk I/O error (is the disk full or failing? check "
         "free space and the disk)", limits={"fsize": 8192}),
    Case("control_characters_in_document", _case_controls, 0, None,
         check=_all(_stdout_has("Về việc[31m tăng cường bảo hiểm yt y tế", absent=_RAW), _record_clean("c.db"))),
    Case("control_characters_in_store", _case_old_store, 0, None,
         check=_stdout_has("Về việc\\x1b[31m", "\\u202eyt\\u202c", absent=_RAW)),
    Case("utf16_without_bom", _case_utf16, 0, None, check=_stdout_has(VI.strip())),
    Case("latin1_text", _case_latin1, 0, None, check=_stdout_has(WESTERN.strip())),
    Case("doc_timeout_in_batch", _case_timeout, 1, None, check=_all(_stored("t.db", 1), _lines(
        "chithi: failed: in/scan.pdf: took longer than the 5 s limit on one document (raise the limit with "
        "--doc-timeout)"))),
]


# -- running ---------------------------------------------------------------------------------------------------

def _child_limits(address_space: int, fsize: int | None):
    def pre() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
        if fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the size fail with EFBIG, like a full disk
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    return pre


def run_case(case: Case, tmp: Path, small: bool) -> dict:
    """Build the case in ``tmp``, run chithi on it in a bounded child; exit code, seconds, peak RSS (MiB) of the
    child and its worker processes."""
    args = case.build(tmp, small)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CHITHI_LIMITS", None)
    cmd = [sys.executable, "-c", _RUNNER, *args]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, env=env,
                          timeout=case.limits.get("seconds", TIME_LIMIT) + 30,
                          preexec_fn=_child_limits(case.limits.get("address_space", MEMORY_LIMIT),
                                                   case.limits.get("fsize")))
    seconds = time.monotonic() - t0
    peak = 0
    for ln in proc.stderr.splitlines():
        if ln.startswith("@peak "):
            peak = int(ln.split()[1])
    proc.stderr = "\n".join(ln.replace(f"{tmp}/", "") for ln in proc.stderr.splitlines()
                            if not ln.startswith("@peak ")) + "\n"  # batch paths are absolute: shown relative
    last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
    return {"case": case.name, "code": proc.returncode, "seconds": seconds, "peak_mib": peak / 2**20,
            "last": last, "proc": proc}


# The child: chithi's main (sys.argv[0] is "-c"), then the peak resident memory of this process and of its finished children
# (RUSAGE_CHILDREN: the workers and Tesseract), the larger of the two, on stderr.
_RUNNER = """
import resource, sys
from pipeline.cli import main
try:
    rc = main()  # as the program: argv from sys.argv
finally:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"@peak {max(me, kids) * 1024}", file=sys.stderr)
sys.exit(rc)
"""


def check_case(case: Case, result: dict, tmp: Path, small: bool) -> list[str]:
    """What is wrong with a result (empty: as expected)."""
    problems = []
    if result["code"] != case.code:
        problems.append(f"exit {result['code']}, expected {case.code}: {result['last']}")
    line = case.line(small) if callable(case.line) else case.line
    if line is not None and result["last"] != line:
        problems.append(f"last stderr line {result['last']!r}, expected {line!r}")
    if result["seconds"] > TIME_LIMIT:
        problems.append(f"{result['seconds']:.1f} s, over {TIME_LIMIT:g} s")
    if result["peak_mib"] > 1024:
        problems.append(f"{result['peak_mib']:.0f} MiB resident, over 1 GiB")
    if case.check is not None:
        try:
            case.check(tmp, result["proc"])
        except AssertionError as e:
            problems.append(str(e))
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--small", action="store_true", help="test-size bombs")
    ap.add_argument("-k", default="", help="only cases whose name contains this")
    a = ap.parse_args(argv)
    print(f"{'case':32} {'exit':>4} {'seconds':>8} {'peak MiB':>9}  result")
    bad = 0
    for case in CASES:
        if a.k not in case.name:
            continue
        with tempfile.TemporaryDirectory(prefix="chithi-fault-" + ("small-" if a.small else "")) as d:
            r = run_case(case, Path(d), a.small)
            problems = check_case(case, r, Path(d), a.small)
        bad += bool(problems)
        print(f"{case.name:32} {r['code']:>4} {r['seconds']:>8.1f} {r['peak_mib']:>9.0f}  "
              f"{'ok' if not problems else '; '.join(problems)}", flush=True)
        print(f"{'':32} {r['last'][:150]}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
