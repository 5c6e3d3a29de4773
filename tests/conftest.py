"""Shared test helpers. Tests that need ../shared skip with a reason when it is absent."""
from __future__ import annotations

import json
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
