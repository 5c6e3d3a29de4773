"""Shared test helpers. Tests that need ../shared skip with a reason when it is absent."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
GOLD = CORPUS / "gold"
SHARED = ROOT.parent / "shared"


def shared_dir(*parts: str) -> Path:
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} is absent (shared material lives beside the project root)")
    return p


def _has_tesseract() -> bool:
    if not shutil.which("tesseract"):
        return False
    out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout
    return "vie" in out.split()


needs_tesseract = pytest.mark.skipif(not _has_tesseract(), reason="tesseract with 'vie' data is not installed")


def cli_in_process(*args) -> tuple[int, str, str]:
    """`chithi ARGS` run in this process (the same code path, without the start-up cost): exit code, stdout,
    stderr."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from pipeline.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            rc = main([*map(str, args)])
        except SystemExit as e:  # argparse usage errors
            rc = e.code
    return rc, out.getvalue(), err.getvalue()


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)


@pytest.fixture(scope="session")
def seed_records():
    """Records of the five seeds, extracted once per test session."""
    from pipeline.run import extract_record

    return {p.name: json.loads(extract_record(p).model_dump_json()) for p in sorted(CORPUS.glob("*.txt"))}


SEEDS = sorted(CORPUS.glob("*.txt"))
#: the environment for a `python -m pipeline.cli` child that must import this checkout
ENV = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


@pytest.fixture(scope="module")
def seed_docs():
    """(Document, record) of the five seeds, processed once per test module."""
    from pipeline.run import process

    return {p.name: process(p) for p in SEEDS}


@pytest.fixture
def seeds_db(seed_docs, tmp_path):
    """The five seeds, stored (a fresh file per test: some tests apply review decisions)."""
    from pipeline.store import Store

    path = tmp_path / "seeds.db"
    with Store(path) as s:
        for doc, rec in seed_docs.values():
            assert s.put(rec, doc.text) == "stored"
    return path


def headless_chromium(width: int = 1600, height: int = 1000, download_dir: Path | None = None):
    """A selenium driver of Debian's chromium, headless; skips when selenium, chromium or chromedriver is missing
    (scripts/setup installs them)."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
    from selenium.webdriver.chrome.service import Service

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not exe or not driver:
        pytest.skip("Debian's chromium and chromium-driver are not installed (scripts/setup installs them)")
    o = webdriver.ChromeOptions()
    o.binary_location = exe
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              f"--window-size={width},{height}", "--disable-background-networking", "--no-first-run"):
        o.add_argument(a)
    if download_dir is not None:
        o.add_experimental_option("prefs", {"download.default_directory": str(download_dir),
                                            "download.prompt_for_download": False})
    return webdriver.Chrome(service=Service(driver), options=o)
