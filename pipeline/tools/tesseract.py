"""The one module that runs the ``tesseract`` binary.

- :func:`check` verifies at start that the binary and its ``vie`` language data are there (cached per process),
  raising :class:`MissingDependencyError` with the apt command otherwise;
- :func:`version` reports the version;
- :func:`image_to_tsv` / :func:`osd` run it on one image with a timeout (:class:`ExternalTimeoutError`) and
  ``OMP_THREAD_LIMIT=1`` (Tesseract's OpenMP threading is slower than one process per core on small machines);
  a failing run becomes a :class:`BadInputError`/:class:`ChithiError` with Tesseract's own last message.

Images are passed on stdin as PNG bytes (``tesseract stdin stdout``) so no temporary files are written.
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from pipeline.core.errors import ChithiError, ExternalTimeoutError, MissingDependencyError

BINARY = os.environ.get("CHITHI_TESSERACT", "tesseract")
LANG = "vie"
INSTALL_HINT = "sudo apt-get install tesseract-ocr tesseract-ocr-vie"


class TesseractError(ChithiError):
    """Tesseract ran but failed on a page."""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"
    env.setdefault("LC_ALL", "C.UTF-8")
    return env


def _run(args: list[str], *, data: bytes | None = None, timeout: float | None = None, what: str = "tesseract"
         ) -> subprocess.CompletedProcess:
    try:
        return subprocess.run([BINARY, *args], input=data, capture_output=True, timeout=timeout, env=_env(),
                              check=False)
    except FileNotFoundError:
        raise MissingDependencyError("Tesseract is not installed", INSTALL_HINT) from None
    except subprocess.TimeoutExpired:
        raise ExternalTimeoutError(f"{what}: Tesseract took longer than {timeout:g} s",
                                   "raise the OCR timeout or check the page image") from None


@functools.lru_cache(maxsize=1)
def version() -> str:
    if shutil.which(BINARY) is None:
        raise MissingDependencyError("Tesseract is not installed", INSTALL_HINT)
    p = _run(["--version"], timeout=30)
    out = (p.stdout or p.stderr).decode("utf-8", "replace")
    m = re.search(r"tesseract\s+v?(\d+(?:\.\d+)*)", out)
    if not m:
        raise MissingDependencyError(f"cannot read the Tesseract version ({out.strip()[:80]!r})", INSTALL_HINT)
    return m.group(1)


@functools.lru_cache(maxsize=1)
def languages() -> frozenset[str]:
    p = _run(["--list-langs"], timeout=30)
    out = (p.stdout + p.stderr).decode("utf-8", "replace").splitlines()
    return frozenset(x.strip() for x in out if x.strip() and not x.startswith("List of"))


@functools.lru_cache(maxsize=1)
def check() -> str:
    """Raise MissingDependencyError unless tesseract >= 4 with 'vie' data is available; return the version."""
    v = version()
    if int(v.split(".")[0]) < 4:
        raise MissingDependencyError(f"Tesseract {v} is too old (need 4 or later)", INSTALL_HINT)
    langs = languages()
    if LANG not in langs:
        raise MissingDependencyError(f"Tesseract has no '{LANG}' language data",
                                     "apt-get install tesseract-ocr-vie")
    return v


def has_osd() -> bool:
    try:
        return "osd" in languages()
    except ChithiError:
        return False


def _fail(p: subprocess.CompletedProcess, what: str) -> None:
    err = p.stderr.decode("utf-8", "replace").strip().splitlines()
    msg = next((x for x in reversed(err) if x.strip() and "Warning" not in x), "no message")
    raise TesseractError(f"{what}: Tesseract failed (exit {p.returncode}): {msg}")


@dataclass(frozen=True)
class TsvWord:
    block: int
    par: int
    line: int
    left: int
    top: int
    width: int
    height: int
    conf: float
    text: str


def image_to_tsv(png: bytes, *, psm: int = 3, timeout: float = 180, what: str = "page",
                 config: tuple[str, ...] = (), dpi: int | None = 300) -> list[TsvWord]:
    """OCR one PNG/PNM image; return its words (level-5 TSV rows with text) in Tesseract's order.
    ``dpi`` None lets Tesseract assume its default resolution."""
    args = ["stdin", "stdout", "-l", LANG, "--psm", str(psm), *(["--dpi", str(dpi)] if dpi else [])]
    for c in config:
        args += ["-c", c]
    p = _run([*args, "tsv"], data=png, timeout=timeout, what=what)
    if p.returncode != 0:
        _fail(p, what)
    words: list[TsvWord] = []
    for row in p.stdout.decode("utf-8", "replace").splitlines()[1:]:
        f = row.split("\t")
        if len(f) < 12 or f[0] != "5":
            continue
        text = f[11].strip()
        if not text:
            continue
        try:
            words.append(TsvWord(int(f[2]), int(f[3]), int(f[4]), int(f[6]), int(f[7]), int(f[8]), int(f[9]),
                                 float(f[10]), text))
        except ValueError:
            continue
    return words


@dataclass(frozen=True)
class Orientation:
    rotate: int          # degrees the page is rotated (clockwise) as Tesseract reports
    confidence: float


def osd(png: bytes, *, timeout: float = 60, what: str = "page") -> Orientation | None:
    """Orientation of one image via ``--psm 0``; None when OSD is unavailable or cannot decide."""
    if not has_osd():
        return None
    p = _run(["stdin", "stdout", "--psm", "0", "--dpi", "300"], data=png, timeout=timeout, what=what)
    if p.returncode != 0:
        return None  # too little text for OSD: not an error
    out = p.stdout.decode("utf-8", "replace")
    r = re.search(r"Rotate:\s*(\d+)", out)
    c = re.search(r"Orientation confidence:\s*([\d.]+)", out)
    if not r or not c:
        return None
    return Orientation(int(r.group(1)), float(c.group(1)))
