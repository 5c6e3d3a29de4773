"""`chithi serve` (issue 22): the workbench in a browser. A real server process on 127.0.0.1 and a free port, driven
by headless Chromium (Debian's chromium + chromedriver through selenium, as in test_workbench): open a document,
correct a value, fill a blank number, reload and see both stored; a second reviewer's decision on the same
document kept; the timeline and search pages; a write without the token refused on a non-local bind (127.0.0.2).
Screenshots at 1280 and 1920 px go to artifacts/ (gitignored)."""
from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ENV, ROOT, headless_chromium
from conftest import cli_in_process as cli
from pipeline.store import Store

ARTIFACTS = ROOT / "artifacts"
DOC = "bac282dc27c08b5d"        # 01/CT-UBND (seed 000)
BLANK = "2dd379aa"              # the seed whose number is blank (seed 001)


@pytest.fixture
def db(seeds_db):
    return seeds_db


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db: Path, host: str = "127.0.0.1", token: str | None = None, extra: tuple = ()):
        self.host, self.port = host, free_port(host)
        args = [sys.executable, "-m", "pipeline.cli", "serve", "--db", str(db), "--host", host, "--port",
                str(self.port), "--today", "2024-07-01", *extra]
        if token:
            args += ["--token", token]
        self.proc = subprocess.Popen(args, env=ENV, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.url = f"http://{host}:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"chithi serve exited {self.proc.returncode}: {self.proc.stderr.read()}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise AssertionError("chithi serve did not answer in 60 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def server(db):
    s = Server(db)
    yield s
    s.stop()


def post(url: str, body: dict, headers: dict | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def csrf_of(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as r:
        return re.search(r'data-csrf="([^"]+)"', r.read().decode()).group(1)


def _driver(width: int = 1600, height: int = 1000):
    return headless_chromium(width, height)


def _wait(d, cond, timeout: float = 15):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(d, timeout).until(cond)


def _saves(d) -> int:
    return int(d.find_element("tag name", "body").get_attribute("data-saved") or 0)


def test_serve_review_round_trip_in_headless_chromium(server, db):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    d = _driver()
    try:
        # the documents list, filtered as `docs` is, links to the document pages
        d.get(server.url + "/?type=chi_thi")
        assert d.find_element(By.ID, "doc-count").text == "3 văn bản"
        d.get(server.url + "/")
        assert d.find_element(By.ID, "doc-count").text == "5 văn bản"
        d.find_element(By.CSS_SELECTOR, f'tr[data-doc="{DOC}"] a').click()
        _wait(d, lambda d: d.current_url.endswith(f"/doc/{DOC}"))

        def cell(item):
            return d.find_element(By.CSS_SELECTOR, f'td.decide[data-item="{item}"]')

        d.find_element(By.ID, "reviewer").send_keys("Minh")
        # correct the lead unit of task k1: saved when the value is entered
        cell("k1-u1").find_element(By.CSS_SELECTOR, 'button[data-decision="correct"]').click()
        value = cell("k1-u1").find_element(By.CSS_SELECTOR, "input.d-value")
        value.send_keys(Keys.CONTROL, "a")
        value.send_keys("Phòng Kinh tế thành phố", Keys.ENTER)
        _wait(d, lambda d: _saves(d) == 1)
        cell("t1").find_element(By.CSS_SELECTOR, "input.d-note").send_keys("đúng số liệu")
        cell("t1").find_element(By.CSS_SELECTOR, 'button[data-decision="accept"]').click()
        _wait(d, lambda d: _saves(d) == 2)
        assert d.find_element(By.ID, "save-state").text == "đã lưu 2/20 · saved"
        d.refresh()
        assert d.find_element(By.ID, "review-progress").text == "2/20"
        row = cell("k1-u1").find_element(By.XPATH, "..")
        assert "d-correct" in row.get_attribute("class")
        assert row.find_element(By.CSS_SELECTOR, "td.vcell .corrected").text == "→ Phòng Kinh tế thành phố"
    finally:
        d.quit()
    with Store(db, create=False) as s:
        got = {r["item"]: (r["decision"], r["value"], r["note"], r["reviewer"]) for r in s.reviews(DOC)}
    assert got == {"k1-u1": ("correct", "Phòng Kinh tế thành phố", None, "Minh"),
                   "t1": ("accept", None, "đúng số liệu", "Minh")}

    # a second reviewer, on a page loaded before the first one's last decision: both kept
    d2 = _driver()
    try:
        d2.get(server.url + f"/doc/{BLANK}")
        d2.find_element(By.ID, "reviewer").send_keys("Lan")
        doc_id = d2.find_element(By.TAG_NAME, "body").get_attribute("data-doc-id")
        # fill in the number that was not read
        blank = d2.find_element(By.CSS_SELECTOR, 'td.decide.fill[data-item="meta-number"]')
        blank.find_element(By.CSS_SELECTOR, 'button[data-decision="correct"]').click()
        blank.find_element(By.CSS_SELECTOR, "input.d-value").send_keys("15/KH-UBND", Keys.ENTER)
        _wait(d2, lambda d: _saves(d) == 1)
        # meanwhile another reviewer decides on the same document (a direct write, as another browser would)
        csrf = csrf_of(server.url + f"/doc/{doc_id}")
        status, answer = post(server.url + f"/api/doc/{doc_id}/decisions",
                              {"reviewer": "Hoa", "decisions": [{"item": "d1", "decision": "reject",
                                                                 "note": "không phải thời hạn"}]},
                              {"X-Chithi-CSRF": csrf})
        assert status == 200, answer
        assert {x["item"]: x["reviewer"] for x in answer["decisions"]} == {"meta-number": "Lan", "d1": "Hoa"}
        # Lan's next decision does not undo Hoa's, and her page now shows Hoa's
        d2.find_element(By.CSS_SELECTOR, 'td.decide[data-item="t1"] button[data-decision="accept"]').click()
        _wait(d2, lambda d: _saves(d) == 2)
        row = d2.find_element(By.CSS_SELECTOR, 'td.decide[data-item="d1"]').find_element(By.XPATH, "..")
        assert "d-reject" in row.get_attribute("class")
        d2.refresh()
        # the filled number is the heading, and is stored
        assert d2.find_element(By.ID, "heading-name").text == "· 15/KH-UBND"
        assert d2.find_element(By.CSS_SELECTOR, 'tr[data-row="meta-number"] .corrected').text == "→ 15/KH-UBND"
        d2.get(server.url + f"/doc/{doc_id}/history")
        rows = [[c.text for c in r.find_elements(By.TAG_NAME, "td")[1:4]]
                for r in d2.find_elements(By.CSS_SELECTOR, "table.history tbody tr")]
        assert rows == [["Lan", "t1", "accept"], ["Hoa", "d1", "reject"], ["Lan", "meta-number", "correct"]]
    finally:
        d2.quit()
    with Store(db, create=False) as s:
        rec = json.loads(s.db.execute("SELECT record FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()[0])
        assert rec["metadata"]["number"]["value"] == "15/KH-UBND"
        assert {x["item"] for x in rec["review"]["decisions"]} == {"meta-number", "d1", "t1"}
    rc, out, _ = cli("docs", BLANK, "--db", db, "--json")
    assert json.loads(out)["number"] == "15/KH-UBND"


def test_serve_timeline_and_search_pages_link_to_documents(server):
    from selenium.webdriver.common.by import By

    d = _driver()
    try:
        d.get(server.url + "/deadlines")
        links = d.find_elements(By.CSS_SELECTOR, "table.list td a")
        assert len(links) == 9 and all(re.search(r"/doc/[0-9a-f]{16}#mark-d\d+$", a.get_attribute("href"))
                                       for a in links)
        d.get(server.url + "/search?q=" + urllib.request.quote("bảo hiểm y tế"))
        assert re.fullmatch(r"\d+ / \d+\+? kết quả · hits", d.find_element(By.ID, "hit-count").text)
        first = d.find_element(By.CSS_SELECTOR, "table.hits td a")
        first.click()
        _wait(d, lambda d: "/doc/" in d.current_url)
        assert d.find_element(By.ID, "reviewer")
    finally:
        d.quit()


def test_screenshots_at_1280_and_1920(server, db):
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 1920):
        d = _driver(width, 1000)
        try:
            d.get(server.url + f"/doc/{DOC}")
            # the values panel is wide enough for the decision buttons: nothing clipped, no sideways scroll
            metrics = d.execute_script(
                "var v=document.getElementById('values'), b=document.querySelector('td.decide .btns');"
                "var r=b.getBoundingClientRect(), p=v.getBoundingClientRect();"
                "return [v.clientWidth, v.scrollWidth, r.right, p.right];")
            client, scroll, btn_right, panel_right = metrics
            assert client >= 560 and scroll <= client + 1 and btn_right <= panel_right, metrics
            d.save_screenshot(str(ARTIFACTS / f"serve-doc-{width}.png"))
            for page in ("", "deadlines", "search?q=phong+trao+thi+dua"):
                d.get(server.url + "/" + page)
                d.save_screenshot(str(ARTIFACTS / f"serve-{page.split('?')[0] or 'docs'}-{width}.png"))
        finally:
            d.quit()


def test_a_non_local_bind_needs_the_token_for_writes(db):
    rc, _, err = cli("serve", "--db", db, "--host", "127.0.0.2", "--port", "0")
    assert rc == 2 and err.startswith("chithi: error: --host 127.0.0.2: a server other machines can reach needs "
                                      "an access token"), err
    try:
        srv = Server(db, host="127.0.0.2", token="team-token-22")
    except OSError as e:  # pragma: no cover - a kernel without the 127/8 loopback range
        pytest.skip(f"cannot bind 127.0.0.2: {e}")
    try:
        csrf = csrf_of(srv.url + f"/doc/{DOC}")   # reading needs no token
        body = {"reviewer": "X", "decisions": [{"item": "t1", "decision": "accept"}]}
        status, answer = post(srv.url + f"/api/doc/{DOC}/decisions", body, {"X-Chithi-CSRF": csrf})
        assert status == 401 and "access token" in answer["error"]
        status, _ = post(srv.url + f"/api/doc/{DOC}/decisions", body,
                         {"X-Chithi-CSRF": csrf, "Authorization": "Bearer wrong-token"})
        assert status == 401
        # the right token, but a cross-site request: refused too
        status, answer = post(srv.url + f"/api/doc/{DOC}/decisions", body,
                              {"X-Chithi-CSRF": csrf, "Authorization": "Bearer team-token-22",
                               "Origin": "http://evil.example"})
        assert status == 403 and "cross-site" in answer["error"]
        with Store(db, create=False) as s:
            assert s.reviews(DOC) == []
        status, answer = post(srv.url + f"/api/doc/{DOC}/decisions", body,
                              {"X-Chithi-CSRF": csrf, "Authorization": "Bearer team-token-22"})
        assert status == 200 and answer["review"]["decided"] == 1
    finally:
        srv.stop()


def test_writes_refused_without_csrf_token_or_from_another_site(server):
    body = {"reviewer": "X", "decisions": [{"item": "t1", "decision": "accept"}]}
    url = server.url + f"/api/doc/{DOC}/decisions"
    assert post(url, body)[0] == 403                                       # no CSRF token (a plain form post)
    assert post(url, body, {"X-Chithi-CSRF": "guess"})[0] == 403
    csrf = csrf_of(server.url + f"/doc/{DOC}")
    assert post(url, body, {"X-Chithi-CSRF": csrf, "Sec-Fetch-Site": "cross-site"})[0] == 403
    # DNS rebinding: another host name for this address
    req = urllib.request.Request(server.url + "/", headers={"Host": "evil.example"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 421
    # bad decisions are refused whole, nothing stored
    status, answer = post(url, {"reviewer": "X", "decisions": [{"item": "t1", "decision": "accept"},
                                                               {"item": "zz9", "decision": "accept"}]},
                          {"X-Chithi-CSRF": csrf})
    assert (status, answer["error"]) == (400, f"'zz9': no such value in {DOC}")
    status, answer = post(url, {"decisions": [{"item": "t1", "decision": "accept"}]}, {"X-Chithi-CSRF": csrf})
    assert (status, answer["error"]) == (400, "give the reviewer's name")


def test_later_decision_wins_and_history_keeps_both(db):
    with Store(db) as s:
        s.apply_decisions(DOC, [{"item": "t1", "decision": "accept", "reviewer": "A",
                                 "decided_at": "2026-01-02T10:00:00+00:00"}])
        # B's decision was made earlier but arrives later: A's stays in force
        s.apply_decisions(DOC, [{"item": "t1", "decision": "reject", "reviewer": "B",
                                 "decided_at": "2026-01-02T09:00:00+00:00"}])
        assert [(r["decision"], r["reviewer"]) for r in s.reviews(DOC)] == [("accept", "A")]
        s.apply_decisions(DOC, [{"item": "t1", "decision": "clear", "reviewer": "A",
                                 "decided_at": "2026-01-02T11:00:00+00:00"}])
        assert s.reviews(DOC) == []
        assert [(h["reviewer"], h["decision"], h["outcome"]) for h in s.review_history(DOC)] == [
            ("A", "accept", "replaced"), ("B", "reject", "superseded"), ("A", "clear", "withdrawn")]


def test_fill_on_the_static_page_is_stored_by_review_apply(db, tmp_path):
    """Without the server: the static page (review --out) fills a blank number too; the downloaded decisions
    store it like a correction (original null), and the page made again shows it in its heading."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    page = tmp_path / "review.html"
    assert cli("review", BLANK, "--db", db, "--out", page)[0] == 0
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    d = _driver()
    d.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    try:
        d.get(page.as_uri())
        d.find_element(By.ID, "reviewer").send_keys("Minh")
        cell = d.find_element(By.CSS_SELECTOR, 'td.decide.fill[data-item="meta-number"]')
        assert cell.find_element(By.CSS_SELECTOR, "button").text == "✎ Điền"
        cell.find_element(By.CSS_SELECTOR, 'button[data-decision="correct"]').click()
        cell.find_element(By.CSS_SELECTOR, "input.d-value").send_keys("15/KH-UBND", Keys.TAB)
        assert d.find_element(By.ID, "heading-name").text == "· 15/KH-UBND"   # the heading follows at once
        assert d.find_element(By.ID, "review-progress").text.startswith("0/")  # a fill is no extracted value
        d.find_element(By.ID, "download").click()
        deadline = time.monotonic() + 20
        files = []
        while time.monotonic() < deadline and not files:
            files = list(downloads.glob("*.json"))
            time.sleep(0.2)
    finally:
        d.quit()
    data = json.loads(files[0].read_text(encoding="utf-8"))
    assert [(x["item"], x["decision"], x["value"], x["original"]) for x in data["decisions"]] == [
        ("meta-number", "correct", "15/KH-UBND", None)]
    rc, _, err = cli("review", "--apply", files[0], "--db", db)
    assert rc == 0, err
    rc, out, _ = cli("docs", BLANK, "--db", db, "--json")
    assert json.loads(out)["number"] == "15/KH-UBND"
    again = tmp_path / "again.html"
    assert cli("review", BLANK, "--db", db, "--out", again)[0] == 0
    html = again.read_text(encoding="utf-8")
    assert '<span class="sub" id="heading-name">· 15/KH-UBND</span>' in html
    assert "<title>15/KH-UBND · rà soát chithi</title>" in html
