"""The audit review page (`chithi review`): every value highlighted in its source, links, scans, a real browser.

The headless Chromium test uses Debian's ``chromium``; when it is missing it is installed with apt-get only when
running as root with ``CI`` or ``CHITHI_INSTALL_CHROMIUM`` set, and skipped otherwise. Screenshots go to
``artifacts/`` (gitignored).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.exports.review import Item, mark_up, render_review

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SCANS = Path(__file__).resolve().parents[1].parent / "shared" / "samples" / "scans"
ARTIFACTS = ROOT / "artifacts"
SEEDS = sorted(CORPUS.glob("*.txt"))
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(HTMLParser):
    """Well-formedness check (every element closed, in order) and what the review test needs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: dict[str, str] = {}                 # id -> tag
        self.mark_text: dict[str, list[str]] = {}     # data-id -> text pieces (parts joined)
        self.mark_kind: dict[str, str] = {}
        self.mark_ids: set[str] = set()               # id attributes of marks
        self.links: list[str] = []
        self.row_links: list[str] = []                # links inside table rows
        self.imgs: list[str] = []
        self.rects: list[dict] = []
        self._marks: list[str | None] = []
        self._in_tr = 0
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            if a["id"] in self.ids:
                self.errors.append(f"duplicate id {a['id']}")
            self.ids[a["id"]] = tag
        if tag in VOID:
            if tag == "img":
                self.imgs.append(a.get("src", ""))
            return
        self.stack.append(tag)
        if tag == "mark":
            did = a.get("data-id")
            self._marks.append(did)
            if did:
                self.mark_text.setdefault(did, [])
                self.mark_kind[did] = a.get("data-kind", "")
                if "id" in a:
                    self.mark_ids.add(a["id"])
        elif tag == "tr":
            self._in_tr += 1
        elif tag == "a" and a.get("href", "").startswith("#"):
            self.links.append(a["href"][1:])
            if self._in_tr:
                self.row_links.append(a["href"][1:])
        elif tag == "rect":
            self.rects.append(a)
        elif tag == "script":
            self._in_script = True

    def handle_startendtag(self, tag, attrs):
        if tag in VOID:
            self.handle_starttag(tag, attrs)
        else:
            self.handle_starttag(tag, attrs)
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()
        if tag == "mark":
            self._marks.pop()
        elif tag == "tr":
            self._in_tr -= 1
        elif tag == "script":
            self._in_script = False

    def handle_data(self, data):
        for did in self._marks:
            if did:
                self.mark_text[did].append(data)

    def text_of(self, did: str) -> str | None:
        parts = self.mark_text.get(did)
        return None if parts is None else "".join(parts)


def parse(page: str) -> Page:
    p = Page()
    p.feed(page)
    p.close()
    assert not p.errors, p.errors[:5]
    assert not p.stack, f"unclosed: {p.stack}"
    return p


def values(rec) -> list[tuple[str, str, str]]:
    """(kind, data-id, text) of every target, deadline and unit of a record."""
    out = [("target", t.id, t.text) for t in rec.targets] + [("deadline", d.id, d.text) for d in rec.deadlines]
    out += [("unit", f"{k.id}-u{i}", u.text) for k in rec.tasks for i, u in enumerate(k.units, 1)]
    return out


def check_page(page: str, rec) -> Page:
    p = parse(page)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="vi">' in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    for kind, did, text in values(rec):
        assert p.text_of(did) == text, (did, p.text_of(did), text)
        assert p.mark_kind[did] == kind
        assert f"mark-{did}" in p.mark_ids
    md = rec.metadata
    for name in ("number", "issued_date", "subject"):
        v = getattr(md, name)
        if v is not None:
            assert p.text_of(f"meta-{name}") == v.text
    # every in-page link goes somewhere; every row link to a highlight goes to a mark
    assert p.row_links
    for target in p.links:
        assert target in p.ids, target
    for target in p.row_links:
        if target.startswith("mark-"):
            assert target in p.mark_ids, target
    # rows exist for every value
    for _, did, _ in values(rec):
        assert f'data-row="{did}"' in page
    # audit footer
    for s in (rec.source.sha256, rec.doc_id, rec.pipeline_version, rec.schema_version, rec.extracted_at,
              rec.source.text_method):
        assert s in page
    return p


# -- seeds -------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seeds():
    from pipeline.run import process

    out = {}
    for path in SEEDS:
        doc, rec = process(path)
        out[path.name] = (doc, rec, render_review(doc, rec, doc.text, None))
    return out


@pytest.mark.parametrize("name", [p.name for p in SEEDS])
def test_seed_page_marks_and_links(seeds, name):
    doc, rec, page = seeds[name]
    assert values(rec), "a seed with no values tests nothing"
    check_page(page, rec)
    assert "Trang 1" in page and "<img" not in page  # text documents: no page image


def test_warnings_shown_where_they_apply(seeds):
    _, rec, page = seeds["001_6dd6d2f37ee23f38.txt"]
    codes = {w.code for w in rec.warnings}
    assert {"blank_number", "inferred_issuer"} <= codes
    p = parse(page)
    assert "blank_number" in page and "inferred_issuer" in page
    assert 'data-row="meta-issuer" data-warned="1"' in page
    assert p.text_of("meta-issuer") == rec.metadata.issuer.text
    assert 'id="mark-meta-issuer"' in page and "suy luận" in page
    _, rec2, page2 = seeds["002_17a354e4a6196df4.txt"]  # restored diacritics
    assert "restored_text" in page2
    restored = [t for t in rec2.targets if t.restored]
    if restored:
        assert "phục hồi dấu" in page2


def test_overlapping_and_crossing_spans_nest_or_split():
    text = "abcdefghijklmnopqrstuvwxyz\fsecond page text"
    its = [Item("target", "t1", 2, 12, text[2:12], 1), Item("deadline", "d1", 5, 9, text[5:9], 1),
           Item("unit", "k1-u1", 10, 20, text[10:20], 1), Item("metadata", "meta-x", 0, 26, text[:26], 1),
           Item("target", "t2", 20, 32, text[20:32], 1), Item("deadline", "d2", 12, 12, "", 1)]
    parts: dict[str, int] = {}
    html = "".join(f"<pre>{mark_up(text, s, e, its, {3: ['task-k1']}, parts)}</pre>"
                   for s, e in ((0, 26), (27, len(text))))
    p = parse(f"<div>{html}</div>")
    for it in its[:5]:
        assert p.text_of(it.id) == it.text.replace("\f", ""), it.id
        assert f"mark-{it.id}" in p.mark_ids
    assert parts["k1-u1"] == 2 and parts["t2"] == 2  # crossing t1's end, and the page break
    assert "d2" not in parts and 'id="task-k1"' in html
    assert p.text_of("meta-x") == text[:26]


def test_span_that_misses_its_text_is_found_and_flagged(seeds):
    doc, rec, _ = seeds["000_4a226a3da77387bf.txt"]
    t = rec.targets[0]
    moved = t.model_copy(update={"span": t.span.model_copy(update={"start": t.span.start + 3,
                                                                     "end": t.span.end + 3})})
    rec2 = rec.model_copy(update={"targets": [moved, *rec.targets[1:]]})
    page = render_review(doc, rec2, doc.text, None)
    p = parse(page)
    assert p.text_of(t.id) == t.text and "span_mismatch" in page


# -- the command and the store -----------------------------------------------------------------------------------

def test_cli_review_from_store_and_unknown_id(seeds, tmp_path, capsys):
    from pipeline.cli import main
    from pipeline.store import Store

    doc, rec, _ = seeds["003_bc300ed0722f41ea.txt"]
    db = tmp_path / "c.db"
    with Store(db) as s:
        s.put(rec, doc.text)
    out = tmp_path / "r.html"
    assert main(["review", rec.doc_id, "--db", str(db), "--out", str(out)]) == 0
    check_page(out.read_text(encoding="utf-8"), rec)
    capsys.readouterr()
    assert main(["review", "ffffffffffffffff", "--db", str(db), "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "ffffffffffffffff" in err and "chithi: error:" in err
    assert main(["review", "nope.txt", "--db", str(tmp_path / "none.db"), "--out", str(out)]) == 3


def test_cli_review_of_a_path(tmp_path, capsys):
    from pipeline.cli import main

    out = tmp_path / "r.html"
    assert main(["review", str(SEEDS[0]), "--out", str(out), "--workers", "1"]) == 0
    page = out.read_text(encoding="utf-8")
    assert parse(page).mark_ids and 'data-kind="target"' in page


# -- a scan ------------------------------------------------------------------------------------------------------

def _smallest_scan() -> Path:
    if not SCANS.is_dir():
        pytest.skip(f"shared scans {SCANS} are absent")
    if not shutil.which("tesseract"):
        pytest.skip("tesseract is not installed")
    pdfs = sorted(SCANS.glob("*.pdf"), key=lambda p: p.stat().st_size)
    if not pdfs:
        pytest.skip(f"no PDF in {SCANS}")
    return pdfs[0]


@pytest.fixture(scope="module")
def scan():
    from pipeline.assemble import assemble
    from pipeline.nlp import extract
    from pipeline.readers import ingest
    from pipeline.ocr import ocr
    from pipeline.run import text_stages

    path = _smallest_scan()
    doc = ingest(path)
    doc = replace(doc, pages=doc.pages[:1])  # one page keeps the test short
    doc = ocr(doc, timeout=120)
    doc = extract(text_stages(doc))
    rec = assemble(doc)
    return doc, rec, render_review(doc, rec, doc.text, None)


def test_scan_page_image_and_boxes(scan):
    doc, rec, page = scan
    assert doc.pages[0].method == "ocr" and doc.pages[0].words
    p = check_page(page, rec) if values(rec) else parse(page)
    assert p.imgs and p.imgs[0].startswith("data:image/jpeg;base64,")
    assert len(p.imgs[0]) < 1_500_000  # downscaled
    assert p.rects, "no box drawn on the page image"
    boxed = {r["data-id"] for r in p.rects}
    for kind, did, _ in values(rec):
        assert did in boxed, did
    if rec.metadata.number is not None:
        assert "meta-number" in boxed
    w, h = doc.pages[0].width, doc.pages[0].height
    assert f'viewBox="0 0 {w:.1f} {h:.1f}"' in page
    for r in p.rects:
        assert 0 <= float(r["x"]) + float(r["width"]) <= w + 50 and 0 <= float(r["y"]) <= h


# -- a real browser ----------------------------------------------------------------------------------------------

def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe:
        return exe
    allowed = os.environ.get("CI") or os.environ.get("CHITHI_INSTALL_CHROMIUM")
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and allowed):
        pytest.skip("chromium is not installed (set CI or CHITHI_INSTALL_CHROMIUM=1 and run as root to let the "
                    "test install Debian's chromium)")
    if not shutil.which("apt-get"):
        pytest.skip("chromium is not installed and there is no apt-get to install it")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    r = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"], capture_output=True,
                       text=True, env=env, timeout=600)
    if r.returncode != 0:
        subprocess.run(["apt-get", "update"], capture_output=True, env=env, timeout=300)
        r = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
                           capture_output=True, text=True, env=env, timeout=600)
    exe = shutil.which("chromium")
    if r.returncode != 0 or not exe:
        pytest.skip(f"could not install chromium: {(r.stderr or r.stdout).strip().splitlines()[-1:]}")
    return exe


def _browse(exe: str, url: str, tmp: Path, *, screenshot: Path | None = None, height: int = 2000) -> str:
    args = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
            f"--user-data-dir={tmp / 'profile'}", f"--window-size=1400,{height}"]
    args += [f"--screenshot={screenshot}"] if screenshot else ["--dump-dom"]
    r = subprocess.run([*args, url], capture_output=True, text=True, timeout=90)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


@pytest.fixture(scope="module")
def chromium():
    return _chromium()


def _check_in_browser(exe: str, page: str, rec, name: str, tmp: Path, first: str) -> None:
    html_path = tmp / f"{name}.html"
    html_path.write_text(page, encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"review-{name}.png"
    shot.unlink(missing_ok=True)
    _browse(exe, html_path.as_uri(), tmp, screenshot=shot)
    assert shot.exists() and shot.stat().st_size > 20_000
    (ARTIFACTS / f"review-{name}.html").write_text(page, encoding="utf-8")
    # after the scripts ran: the marks are there and the one named by the hash flashes
    dom = _browse(exe, html_path.as_uri() + f"#mark-{first}", tmp)
    p = Page()
    p.feed(dom)
    for _, did, text in values(rec):
        assert p.text_of(did) == text, did
    assert f'data-flashed="{first}"' in dom
    flashed = [ln for ln in dom.split("<mark ") if f'data-id="{first}"' in ln.split(">", 1)[0]]
    assert flashed and all("flash" in ln.split(">", 1)[0] for ln in flashed)
    n = sum(1 for _ in p.mark_ids)
    assert f'data-marks="' in dom and n > 0


def test_seed_in_headless_chromium(chromium, seeds, tmp_path):
    _, rec, page = seeds["004_ba79e22acb77a903.txt"]
    _check_in_browser(chromium, page, rec, "seed-004", tmp_path, rec.targets[0].id)


def test_scan_in_headless_chromium(chromium, scan, tmp_path):
    _, rec, page = scan
    first = values(rec)[0][1] if values(rec) else "meta-number"
    _check_in_browser(chromium, page, rec, "scan", tmp_path, first)
