"""The one module that runs LibreOffice (``soffice --headless``): legacy Word ``.doc`` files are converted to
``.docx`` in a private temporary folder and read like any DOCX.

A missing LibreOffice is a :class:`MissingDependencyError` (exit 6) with the apt command; a conversion that runs
over its time limit is an :class:`ExternalTimeoutError` (exit 7); a file LibreOffice cannot read is a
:class:`BadInputError` (exit 5). Each run gets its own user profile, so conversions can run in parallel.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from pipeline.core.errors import BadInputError, ExternalTimeoutError, MissingDependencyError

INSTALL_HINT = "sudo apt-get install libreoffice-writer-nogui"
TIMEOUT = float(os.environ.get("CHITHI_SOFFICE_TIMEOUT", "120"))


def binary() -> str:
    for name in (os.environ.get("CHITHI_SOFFICE", ""), "soffice", "libreoffice"):
        if name and shutil.which(name):
            return shutil.which(name)
    raise MissingDependencyError("LibreOffice is not installed (needed to read .doc files)", INSTALL_HINT)


def convert(data: bytes, name: str, to: str = "docx", timeout: float = TIMEOUT) -> bytes:
    """The bytes of ``data`` (a file called ``name``) converted by LibreOffice to format ``to``."""
    exe = binary()
    with tempfile.TemporaryDirectory(prefix="chithi-soffice-") as tmp:
        src = Path(tmp) / ("in" + Path(name).suffix.lower())
        src.write_bytes(data)
        out = Path(tmp) / "out"
        args = [exe, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
                "--convert-to", to, "--outdir", str(out), str(src)]
        try:
            p = subprocess.run(args, capture_output=True, timeout=timeout, check=False,
                               env={**os.environ, "HOME": tmp})
        except subprocess.TimeoutExpired:
            raise ExternalTimeoutError(f"{name}: LibreOffice took longer than {timeout:g} s to convert it",
                                       "set CHITHI_SOFFICE_TIMEOUT to allow more time") from None
        result = out / (src.stem + "." + to.split(":")[0])
        if p.returncode != 0 or not result.is_file() or result.stat().st_size == 0:
            detail = " ".join((p.stderr or p.stdout).decode("utf-8", "replace").split())[:120] or "no output"
            raise BadInputError(f"{name}: LibreOffice could not convert it ({detail})",
                                "is it a Word document? re-save it as .docx")
        return result.read_bytes()
